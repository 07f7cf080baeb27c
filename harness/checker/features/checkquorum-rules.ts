/**
 * Rules of CheckQuorum (./rules.ts): `checkquorum.lease` — no vote granted to a RequestVote
 * received while a leader is alive (leader stickiness), transfers aside — and
 * `checkquorum.step-down` — a leader cut off from a majority for two election timeouts no
 * longer acts as leader.
 */
import type { NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import { inLease, logKnown, quorumOf, type NodeFacts, type VotersOf } from './node-facts.js';
import { isClientCommand } from '../../../src/trace/schema.js';

interface Leadership {
  term: number;
  since: number;
  /** When the leader last heard (a response of its term) from each peer. */
  heard: Map<string, number>;
  reported: boolean;
  /** The voters of its configuration (null: unknown), and since when they are (`since` at first). */
  voters: readonly string[] | null;
  votersSince: number;
}

export class CheckQuorumRules {
  /** Vote requests received, by node and candidate: whether the node believed a leader alive then. */
  private readonly asked = new Map<string, Map<string, { inLease: boolean; transfer: boolean; line: number; term: number }>>();
  private readonly leaders = new Map<string, Leadership>();

  constructor(private readonly report: Report, private readonly votersOf: VotersOf, private readonly electionTimeout: { min: number; max: number }, private readonly on: (rule: string) => boolean) {}

  event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    this.trackLeadership(n, e, line);
    let asked = this.asked.get(n.id);
    if (!asked) this.asked.set(n.id, (asked = new Map()));
    if (e.kind === 'receive' && e.msg.type === 'RequestVote') {
      asked.set(e.msg.candidateId, { inLease: inLease(n, e.time, this.electionTimeout.min), transfer: e.msg.leadershipTransfer === true, line, term: e.msg.term });
      return;
    }
    if (!this.on('checkquorum.lease')) return;
    const grantedTo = e.kind === 'send' && e.msg.type === 'RequestVoteResponse' && e.msg.voteGranted ? e.msg.to : e.kind === 'vote' && e.votedFor !== n.id ? e.votedFor : null;
    if (grantedTo === null) return;
    const request = asked.get(grantedTo);
    if (!request?.inLease || request.transfer) return;
    asked.delete(grantedTo); // once per request: its vote and its response are one grant
    this.report({
      rule: 'checkquorum.lease', line, nodes: [n.id, grantedTo], terms: [request.term],
      message: `${n.id} granted its vote to ${grantedTo} for term ${request.term} on a RequestVote it received while it believed a leader alive (line ${request.line}: it led, or had heard from its leader less than ${this.electionTimeout.min} ms before)`,
      expected: 'the RequestVote refused or ignored while the leader lease holds (it is no leadership transfer)', seen: 'a vote granted', related: [request.line],
    });
  }

  private trackLeadership(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    if (n.role !== 'leader' || !n.alive) {
      this.leaders.delete(n.id);
      return;
    }
    const known = this.leaders.get(n.id);
    // A log the event shows empty holds no configuration entry: the initial configuration (feature membership).
    const emptyLog = logKnown(n, e) && n.lastIndex === 0;
    const l: Leadership = known && known.term === n.term ? known : { term: n.term, since: e.time, heard: new Map(), reported: false, voters: this.votersOf(n.id, emptyLog), votersSince: e.time };
    if (l !== known) this.leaders.set(n.id, l);
    // Feature membership: a leader counts the voters of the configuration in effect at its log;
    // one that changes is counted from when it took effect (below).
    const voters = this.votersOf(n.id, emptyLog);
    // (Unknown at this event: the last known stays; only an append, which shows the log, changes it.)
    if (voters !== null && !(l.voters && sameServers(voters, l.voters))) {
      l.voters = voters;
      l.votersSince = e.time;
    }
    if (e.kind === 'receive' && (e.msg.type === 'AppendEntriesResponse' || e.msg.type === 'HeartbeatResponse') && e.msg.term === l.term) l.heard.set(e.msg.from, e.time);
    const acts = (e.kind === 'send' && (e.msg.type === 'AppendEntries' || e.msg.type === 'Heartbeat')) || (e.kind === 'append' && e.entries.some((x) => isClientCommand(x.command) && x.command.client !== undefined));
    // Heard from means responses received: judged only for a leader that logs what it receives.
    if (!acts || l.reported || !n.logsReceives || !this.on('checkquorum.step-down') || l.voters === null) return;
    const contact = this.quorumContact(n.id, l, l.voters);
    const deadline = contact + 2 * this.electionTimeout.max;
    if (e.time <= deadline) return;
    l.reported = true;
    this.report({
      rule: 'checkquorum.step-down', line, nodes: [n.id], terms: [l.term],
      message: `leader ${n.id} of term ${l.term} still acts as leader at ${e.time} ms, though it has heard from no majority since ${contact} ms (two maximum election timeouts: ${2 * this.electionTimeout.max} ms)`,
      expected: `a step-down by ${deadline} ms`, seen: e.kind === 'send' ? `${e.msg.type === 'Heartbeat' ? 'a Heartbeat' : 'an AppendEntries'} sent` : 'a client request appended',
    });
  }

  /**
   * The latest time by which the leader had heard from a majority of `voters` (itself included
   * if it is one; a learner never counts). A configuration counts from when it took effect at
   * the leader: each voter as heard from then at the latest. A leader checks its quorum with
   * the configuration in effect at the check, so one that changed since its last check may
   * have passed that check with servers the new one does not count (a voter just removed): it
   * has two more election timeouts from the change, as from its election.
   */
  private quorumContact(self: string, l: Leadership, voters: readonly string[]): number {
    const need = quorumOf(voters) - (voters.includes(self) ? 1 : 0);
    if (need <= 0) return Infinity;
    const times = voters.filter((m) => m !== self).map((m) => Math.max(l.heard.get(m) ?? l.since, l.votersSince)).sort((a, b) => b - a);
    return times[need - 1]!;
  }
}

function sameServers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
