/**
 * Rules of PreVote (./rules.ts): `prevote.majority` — an election only after a majority of
 * pre-votes for its term (or a TimeoutNow) — and `prevote.lease` — no pre-vote granted while
 * a leader is alive.
 */
import type { NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import { inLease, type NodeFacts } from './node-facts.js';

interface Round {
  /** The term the pre-votes are for, and who granted them (received while the node's term was term − 1). */
  term: number;
  grants: Set<string>;
  /** TimeoutNow received: an election for this term may skip the pre-vote round. */
  transferTerm: number | null;
  /** Pre-votes asked of the node, by candidate: whether the node believed a leader alive then, and the line. */
  asked: Map<string, { inLease: boolean; line: number; term: number }>;
}

export class PreVoteRules {
  private readonly rounds = new Map<string, Round>();

  constructor(private readonly report: Report, private readonly majority: number, private readonly electionTimeoutMin: number, private readonly on: (rule: string) => boolean) {}

  private round(node: string): Round {
    let r = this.rounds.get(node);
    if (!r) this.rounds.set(node, (r = { term: -1, grants: new Set(), transferTerm: null, asked: new Map() }));
    return r;
  }

  event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    const r = this.round(n.id);
    if (e.kind === 'receive') {
      const m = e.msg;
      if (m.type === 'PreVoteResponse' && m.voteGranted && m.term === n.term + 1) {
        if (r.term !== m.term) {
          r.term = m.term;
          r.grants = new Set();
        }
        r.grants.add(m.from);
      } else if (m.type === 'TimeoutNow' && m.term === n.term) {
        r.transferTerm = m.term + 1;
      } else if (m.type === 'PreVote') {
        r.asked.set(m.candidateId, { inLease: inLease(n, e.time, this.electionTimeoutMin), line, term: m.term });
      }
      return;
    }
    if (e.kind === 'vote' && e.votedFor === n.id && this.on('prevote.majority') && n.logsReceives) this.checkElection(n, r, line);
    if (e.kind === 'send' && e.msg.type === 'PreVoteResponse' && e.msg.voteGranted && this.on('prevote.lease')) {
      const asked = r.asked.get(e.msg.to);
      if (asked?.inLease) {
        r.asked.delete(e.msg.to);
        this.report({
          rule: 'prevote.lease', line, nodes: [n.id, e.msg.to], terms: [n.term, asked.term],
          message: `${n.id} granted ${e.msg.to} a pre-vote for term ${asked.term} while it believed a leader alive (it leads, or heard from its leader less than ${this.electionTimeoutMin} ms before the PreVote on line ${asked.line})`,
          expected: 'a refusal (or no answer) while the leader lease holds', seen: 'a PreVoteResponse with voteGranted', related: [asked.line],
        });
      }
    }
  }

  private checkElection(n: NodeFacts, r: Round, line: number): void {
    const term = n.term;
    if (r.transferTerm === term) return;
    const votes = (r.term === term ? r.grants.size : 0) + 1;
    if (votes >= this.majority) return;
    this.report({
      rule: 'prevote.majority', line, nodes: [n.id], terms: [term],
      message: `${n.id} started an election for term ${term} with ${votes} pre-vote${votes === 1 ? '' : 's'} for it (its own included), short of a majority of ${this.majority}`,
      expected: `pre-votes for term ${term} from ${this.majority} nodes, or a TimeoutNow`, seen: `${votes}`,
    });
  }
}
