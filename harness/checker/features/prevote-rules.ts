/**
 * Rules of PreVote (./rules.ts): `prevote.majority` — an election only after a majority of
 * pre-votes for its term (or a TimeoutNow) — and `prevote.lease` — no pre-vote granted while
 * a leader is alive.
 */
import type { NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import { inLease, logKnown, quorumOf, type NodeFacts, type VotersOf } from './node-facts.js';

interface Round {
  /**
   * Pre-votes granted to the node, by the term they are for: those received while the node's
   * term, as far as the trace shows it, was lower (a grant counts only before the node reaches
   * its term: the term shown may lag the node's own where it leaves its term changes out).
   */
  grants: Map<number, Set<string>>;
  /** TimeoutNow received: an election for this term may skip the pre-vote round. */
  transferTerm: number | null;
  /** Pre-votes asked of the node, by candidate: whether the node believed a leader alive then, and the line. */
  asked: Map<string, { inLease: boolean; line: number; term: number }>;
  /** The last term whose election was checked (each is checked once: at its vote, or at its first RequestVote). */
  checked: number;
  /** The node logs its term changes (a producer logs them all or none: it has logged one). */
  logsTerms: boolean;
}

export class PreVoteRules {
  private readonly rounds = new Map<string, Round>();

  constructor(private readonly report: Report, private readonly votersOf: VotersOf, private readonly membership: boolean, private readonly electionTimeoutMin: number, private readonly on: (rule: string) => boolean) {}

  private round(node: string): Round {
    let r = this.rounds.get(node);
    if (!r) this.rounds.set(node, (r = { grants: new Map(), transferTerm: null, asked: new Map(), checked: -1, logsTerms: false }));
    return r;
  }

  event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    const r = this.round(n.id);
    if (e.kind === 'receive') {
      const m = e.msg;
      if (m.type === 'PreVoteResponse' && m.voteGranted && m.term > n.term) {
        for (const t of r.grants.keys()) if (t <= n.term) r.grants.delete(t);
        let granted = r.grants.get(m.term);
        if (!granted) r.grants.set(m.term, (granted = new Set()));
        granted.add(m.from);
      } else if (m.type === 'TimeoutNow' && m.term === n.term) {
        r.transferTerm = m.term + 1;
      } else if (m.type === 'PreVote') {
        r.asked.set(m.candidateId, { inLease: inLease(n, e.time, this.electionTimeoutMin), line, term: m.term });
      }
      return;
    }
    if (e.kind === 'term') r.logsTerms = true;
    // The election's term: the node's at its vote for itself where the trace shows it (the vote's
    // state, or its term changes logged), else that of its first RequestVote (a sparse trace's
    // term may lag the node's own; then neither may show it, and nothing is checked).
    if (this.on('prevote.majority') && n.logsReceives) {
      if (e.kind === 'vote' && e.votedFor === n.id && (e.state?.term !== undefined || r.logsTerms)) this.checkElection(n, r, n.term, line, e);
      else if (e.kind === 'send' && e.msg.type === 'RequestVote' && e.msg.candidateId === n.id) this.checkElection(n, r, e.msg.term, line, e);
    }
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

  private checkElection(n: NodeFacts, r: Round, term: number, line: number, e: NodeTraceEvent): void {
    if (term <= r.checked) return;
    r.checked = term;
    if (r.transferTerm === term) return;
    // The configuration the node used: the one in effect at its log now (a pre-candidate's log
    // does not change before its election: anything that changes it makes it a follower first).
    const voters = this.votersOf(n.id, logKnown(n, e) && n.lastIndex === 0);
    if (voters === null) return;
    const own = voters.includes(n.id);
    let votes = own ? 1 : 0;
    for (const v of r.grants.get(term) ?? []) if (v !== n.id && voters.includes(v)) votes++;
    const majority = quorumOf(voters);
    if (votes >= majority) return;
    // With membership changes the message names the configuration's voters (without, every node is one).
    const among = this.membership ? ` of the voters {${voters.join(',')}}` : '';
    this.report({
      rule: 'prevote.majority', line, nodes: [n.id], terms: [term],
      message: `${n.id} started an election for term ${term} with ${votes} pre-vote${votes === 1 ? '' : 's'} for it${among} (${own ? 'its own included' : 'it is no voter: its own does not count'}), short of a majority of ${majority}`,
      expected: `pre-votes for term ${term} from ${majority} nodes${among}, or a TimeoutNow`, seen: `${votes}`,
    });
  }
}
