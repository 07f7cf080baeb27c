/**
 * The generated near-miss traces of traces/examples/valid/: each is a scripted run of the
 * reference (see scripted-cluster.ts), so it is correct by construction; a few are then
 * rewritten the way another producer would log the same run (sparser, differently
 * numbered). traces/examples/valid/README.md says what each one nearly trips and why it is
 * legal; traces/examples/expected-valid.json says which small edit makes it trip.
 *
 * Regenerate with `npm run gen:near-misses`; a test fails while a committed file is stale.
 */
import type { TraceLine } from '../../src/trace/schema.js';
import { moveCommits, type NodeLine } from './lazy-commits.js';
import { scriptedCluster } from './scripted-cluster.js';

const N3 = ['n1', 'n2', 'n3'];

function jsonl(lines: readonly unknown[]): string {
  return lines.map((l) => JSON.stringify(l) + '\n').join('');
}

/**
 * n1 leads term 1 and commits index 1. Cut off alone, it keeps acting as leader of term 1
 * (a client write at index 2, AppendEntries that are lost) while n2 is elected in term 2 and
 * commits its own index 2. After the partition heals, n1's first message from term 2 makes it
 * adopt the term, step down, and replace its uncommitted index 2 with n2's, in one step.
 */
function staleLeaderStepsDown(): TraceLine[] {
  const s = scriptedCluster(N3, 'stale-leader-steps-down');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.note('n1 is cut off; n2 is elected in term 2, while n1 still acts as leader of term 1');
  s.partition(['n1'], ['n2', 'n3']);
  s.elect('n2');
  s.request('n1', 'c1', { type: 'set', value: 2 });
  s.heartbeat('n1');
  s.request('n2', 'c2', { type: 'set', value: 9 });
  s.heartbeat('n2');
  s.note('healed: n2\'s next heartbeat makes n1 adopt term 2, step down and replace its uncommitted index 2');
  s.heal();
  s.heartbeat('n2');
  return s.lines();
}

const S5 = ['s1', 's2', 's3', 's4', 's5'];

/**
 * Figure 8 of the paper, (a) to (c): s5 leads term 1 and commits index 1 everywhere; s1 leads
 * term 2 and gets index 2 onto s2 only; s5 leads term 3 with its own index 2, on no one else;
 * s1 comes back and leads term 4 (a first attempt in term 3 fails), and copies its term-2
 * index 2 onto s3 and s4: a majority, but not committed, since it is not of term 4.
 */
function figure8(scenario: string) {
  const s = scriptedCluster(S5, scenario);
  s.note('s5 leads term 1 and commits index 1 on every node');
  s.elect('s5');
  s.request('s5', 'c1', { type: 'set', value: 1 });
  s.heartbeat('s5');
  s.heartbeat('s5');
  s.note('Figure 8 (a): s1 leads term 2; its index 2 reaches s2 only');
  s.elect('s1');
  s.partition(['s1', 's2'], ['s3', 's4', 's5']);
  s.request('s1', 'c2', { type: 'set', value: 2 });
  s.heartbeat('s1');
  s.note('Figure 8 (b): s1 crashes; s5 is elected in term 3 by s3 and s4, and appends its own index 2');
  s.crash('s1');
  s.elect('s5');
  s.request('s5', 'c3', { type: 'set', value: 3 });
  s.crash('s5');
  s.heal();
  s.note('Figure 8 (c): s1 restarts, is refused in term 3 (s3 and s4 voted for s5), elected in term 4, and copies its index 2 (term 2) onto s3 and s4: a majority, but not committed by counting, since it is not of term 4');
  s.restart('s1');
  s.elect('s1');
  s.elect('s1');
  s.settle(); // s3 and s4 refuse the first AppendEntries (no index 2), then accept the retry
  return s;
}

/** Figure 8 (e): s1 commits an entry of its own term 4 at index 3, and with it, indirectly, index 2. */
function figure8IndirectCommit(): TraceLine[] {
  const s = figure8('figure-8-indirect-commit');
  s.note('Figure 8 (e): s1 replicates index 3 of term 4 on a majority and commits it, which commits index 2 too');
  s.request('s1', 'c4', { type: 'set', value: 4 });
  s.heartbeat('s1');
  s.heartbeat('s1'); // the followers learn leaderCommit 3
  return s.lines();
}

/** Figure 8 (d): s1 crashes again; s5, elected in term 5, overwrites the uncommitted index 2 everywhere. */
function figure8Overwrite(scenario = 'figure-8-overwrite-uncommitted') {
  const s = figure8(scenario);
  s.note('Figure 8 (d): s1 crashes; s5 restarts, is refused in term 4 (the others voted for s1), elected in term 5 (its last log term, 3, is above theirs), then replaces index 2 on s2, s3 and s4 with its own');
  s.crash('s1');
  s.restart('s5');
  s.elect('s5');
  s.elect('s5');
  s.settle();
  return s;
}

/**
 * After Figure 8 (d): s2 had acknowledged index 2 of term 2 in (a), and s5 replaced it in (d)
 * (s2 acknowledged the replacement). s2 crashes and restarts with the replacement: an
 * acknowledgement binds only while the entry stays in the log.
 */
function restartAfterOverwrite(): TraceLine[] {
  const s = figure8Overwrite('restart-after-overwrite');
  s.note('s2 acknowledged index 2 of term 2 in (a) and, after s5 replaced it in (d), the replacement; it crashes and restarts holding the replacement');
  s.crash('s2');
  s.restart('s2');
  s.heartbeat('s5');
  return s.lines();
}

/**
 * n1 and n3 time out together in term 1. n2 votes for n1, crashes and restarts with its vote,
 * so it refuses n3's request when that arrives; n1 wins. In term 2 n2 votes for n3 (a new term,
 * a new vote) and later restarts once more, again with the vote of its current term.
 */
function restartKeepsVote(): TraceLine[] {
  const s = scriptedCluster(N3, 'restart-keeps-vote');
  s.note('term 1: n1 and n3 both stand; n2 votes for n1, restarts with that vote, and then refuses n3');
  s.network.plan('n3', 'n2', { kind: 'deliver', delays: [30] }); // n3's request reaches n2 after its restart
  s.cluster.fireTimer('n1', 'election');
  s.cluster.fireTimer('n3', 'election');
  s.settle(3);
  s.crash('n2');
  s.restart('n2');
  s.settle(30);
  s.note('term 2: n3 times out again; n2 votes for it (its vote of term 1 does not bind it in term 2)');
  s.elect('n3');
  s.note('n2 restarts again, with its vote of term 2');
  s.crash('n2');
  s.restart('n2');
  s.heartbeat('n3');
  return s.lines();
}

/** n1 commits two writes everywhere; n3 restarts, its commitIndex back to 0, and learns it again from the next heartbeat. */
function restartResetsCommitIndex(): TraceLine[] {
  const s = scriptedCluster(N3, 'restart-resets-commit-index');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.request('n1', 'c1', { type: 'set', value: 2 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.crash('n3');
  s.restart('n3');
  s.heartbeat('n1');
  return s.lines();
}

/**
 * n3 is cut off while n1 commits three writes with n2. When it is back, n2 is elected in term 2
 * (n3's empty log is behind its own) and starts at nextIndex 4 for n3: refused, it jumps
 * straight to n3's hint, index 1, then brings n3 up to date one entry per message. Each time n3
 * commits only up to the last entry it received, though leaderCommit is 3. The network
 * delivers the first of these messages twice; the late copy matches n3's log and deletes nothing.
 */
function followerCatchesUp(): TraceLine[] {
  const s = scriptedCluster(N3, 'follower-catches-up', { maxEntriesPerMessage: 1 });
  s.elect('n1');
  s.partition(['n1', 'n2'], ['n3']);
  for (const value of [1, 2, 3]) s.request('n1', 'c1', { type: 'set', value });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.heal();
  s.note('term 2: n2 is elected and catches n3 up, one entry per AppendEntries; the first of them arrives twice');
  // n2's messages to n3: the RequestVote, the AppendEntries at nextIndex 4, then the first batch, duplicated.
  for (const delays of [[2], [2], [2, 30]]) s.network.plan('n2', 'n3', { kind: 'deliver', delays });
  s.elect('n2');
  s.settle(30);
  return s.lines();
}

/**
 * n3, cut off, stands for election three times in vain (terms 2 to 4). Back in touch, it
 * stands in term 5: n1 and n2 jump from term 1 to 5 and refuse it (its log lacks index 2).
 * A reply n2 sent n1 in term 1 arrives only now and is ignored. n1 is elected in term 6.
 */
function termJump(): TraceLine[] {
  const s = scriptedCluster(N3, 'term-jump');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.partition(['n1', 'n2'], ['n3']);
  s.request('n1', 'c1', { type: 'set', value: 2 });
  s.heartbeat('n1');
  s.note('n3, cut off, stands for election in terms 2, 3 and 4');
  for (let i = 0; i < 3; i++) s.elect('n3');
  s.network.plan('n2', 'n1', { kind: 'deliver', delays: [40] }); // a reply of term 1, delayed
  s.heartbeat('n1');
  s.heal();
  s.note('n3 stands in term 5: n1 and n2 jump from term 1 to 5, and refuse it (its log lacks index 2)');
  s.elect('n3');
  s.settle(40);
  s.note('n1 is elected in term 6');
  s.elect('n1');
  s.settle();
  return s.lines();
}

/**
 * Client c1's write of 1 reaches n1, which crashes before it learns that n2 and n3 have the
 * entry: c1 never gets an answer. n2 is elected in term 2 and commits the entry indirectly
 * with c2's compare-and-set from 1 to 3, which succeeds; c3's read, sent before that answer,
 * returns 3. Only one order explains the history: c1's unanswered write took effect first.
 */
function timedOutWriteTakesEffect(): TraceLine[] {
  const s = scriptedCluster(N3, 'timed-out-write-takes-effect');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.network.plan('n2', 'n1', { kind: 'lose' });
  s.network.plan('n3', 'n1', { kind: 'lose' });
  s.heartbeat('n1');
  s.crash('n1');
  s.note('n1 crashed without answering c1; n2 is elected in term 2');
  s.elect('n2');
  s.request('n2', 'c2', { type: 'cas', expected: 1, value: 3 });
  s.request('n2', 'c3', { type: 'get' });
  s.heartbeat('n2');
  return s.lines();
}

/**
 * n1 leads term 1; one of its heartbeats to n3 is delayed. n2 is elected in term 2. When the
 * stale heartbeat reaches n3 the reply (refused, term 2) is lost, and so, later, is a reply
 * to n2's heartbeat. The first reply is then removed from the trace, as an implementation
 * that ignores requests from older terms would log the run (CONFORMANCE.md allows it).
 */
function staleRequestUnanswered(): string {
  const s = scriptedCluster(N3, 'stale-request-unanswered');
  s.elect('n1');
  s.network.plan('n1', 'n3', { kind: 'deliver', delays: [30] });
  s.heartbeat('n1');
  s.note('n2 is elected in term 2; n1\'s delayed heartbeat of term 1 is still on its way to n3');
  s.elect('n2');
  s.network.plan('n3', 'n1', { kind: 'lose' });
  s.settle(30);
  s.network.plan('n3', 'n2', { kind: 'lose' });
  s.heartbeat('n2');
  s.heartbeat('n2');
  const lines = s.lines();
  // The reply to the stale request: n3's only message to n1 after the delayed heartbeat arrived.
  const stale = lines.find((l) => l.kind === 'send' && l.msg.from === 'n3' && l.msg.to === 'n1' && l.msg.term === 2);
  if (!stale || stale.kind !== 'send') throw new Error('no reply to the stale heartbeat');
  return rewrite(lines, 'ignores stale-term requests', (l) => !((l.kind === 'send' && l.msg.id === stale.msg.id) || (l.kind === 'drop' && l.msgId === stale.msg.id)));
}

/**
 * The register through a failed compare-and-set and a restart: c1 sets 1, c2's cas from 2 to 5
 * fails (the register holds 1), c3's cas from 1 to 4 succeeds, c4 reads 4. n3 then crashes and
 * restarts: its register starts empty again, and the next heartbeat has it apply indexes 1 to 4
 * once more, from null, with the same results.
 */
function registerAfterRestart(): TraceLine[] {
  const s = scriptedCluster(N3, 'register-after-restart');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.request('n1', 'c2', { type: 'cas', expected: 2, value: 5 });
  s.request('n1', 'c3', { type: 'cas', expected: 1, value: 4 });
  s.request('n1', 'c4', { type: 'get' });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.note('n3 restarts: its register starts empty, and it applies indexes 1 to 4 again');
  s.crash('n3');
  s.restart('n3');
  s.heartbeat('n1');
  return s.lines();
}

/**
 * n1 leads term 1; c1's write reaches n2 and n3. n2 acknowledges it, so n1 commits it (n1 and
 * n2 are a majority), applies it and answers c1. n3 appends it too, but crashes before it
 * answers (its answer is taken out of the run: it never left), and restarts without it: it had
 * not written it to stable storage, which Figure 2 asks of it only before answering. The next
 * heartbeats bring the entry back to n3.
 */
function crashBeforeAnswering(): string {
  const s = scriptedCluster(N3, 'crash-before-answering');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.network.plan('n3', 'n1', { kind: 'lose' });
  s.heartbeat('n1');
  s.note('n3 appended index 1 and crashed before answering; it restarts without the entry, which it had not stored yet');
  s.crash('n3');
  s.restart('n3', { term: 1, votedFor: 'n1', log: [] });
  s.heartbeat('n1');
  s.heartbeat('n1');
  const lines = s.lines();
  const answer = lines.find((l) => l.kind === 'send' && l.node === 'n3' && l.msg.type === 'AppendEntriesResponse' && l.msg.matchIndex === 1);
  if (!answer || answer.kind !== 'send') throw new Error('n3 never answered the entry');
  return rewrite(lines, 'n3 crashes before answering', (l) => !((l.kind === 'send' && l.msg.id === answer.msg.id) || (l.kind === 'drop' && l.msgId === answer.msg.id)));
}

/**
 * The register-after-restart run as logged by an implementation that applies entries in
 * batches and logs only the last apply of each batch (its logged lastApplied says where it
 * is): applies with gaps, in index order.
 */
function appliesInBatches(): string {
  const lines = registerAfterRestart();
  const lastOfBatch = (l: TraceLine, i: number) => {
    if (l.kind !== 'apply') return true;
    const next = lines[i + 1];
    return !(next && next.kind === 'apply' && next.node === l.node && next.time === l.time);
  };
  return jsonl(lines.filter((l, i) => lastOfBatch(l, i)).map((l) => renamed(l, 'logs the last apply of each batch')));
}

/** The header names the producer that would log the run this way. */
function renamed(l: TraceLine, how: string): TraceLine {
  return l.kind === 'header' ? { ...l, producer: { ...l.producer, name: `${l.producer.name} (rewritten: ${how})` } } : l;
}

/** The lines kept by `keep` (and changed by `map`), as another producer would log the same run. */
function rewrite(lines: readonly TraceLine[], how: string, keep: (l: TraceLine) => boolean, map: (l: TraceLine) => TraceLine = (l) => l): string {
  return jsonl(lines.filter((l) => l.kind === 'header' || keep(l)).map((l) => (l.kind === 'header' ? renamed(l, how) : map(l))));
}

/** A node event without its logged state (sparse producers log the event only). */
function withoutState(l: TraceLine): TraceLine {
  if (!('state' in l)) return l;
  const { state: _state, ...rest } = l;
  return rest as TraceLine;
}

const kinds = (...wanted: string[]) => (l: TraceLine) => wanted.includes(l.kind);

/**
 * The run as logged by an implementation whose `node` commits and applies lazily: what the
 * reference commits and applies in one step, it does just after its next input (CONFORMANCE.md
 * allows commits and applies to come later), logging them without a state, and its other
 * logged states show its own, lagging, commitIndex, lastApplied and value. Changes still
 * pending when the trace ends are left out.
 */
function lazyCommit(lines: readonly TraceLine[], node: string): string {
  const out: TraceLine[] = [];
  let held: TraceLine[] = [];
  let shown = { commitIndex: 0, lastApplied: 0, value: null as unknown };
  let seq = 0;
  const emit = (l: TraceLine) => {
    if (!('node' in l) || l.node !== node) return out.push(l);
    if (l.kind === 'commit') shown = { ...shown, commitIndex: l.commitIndex };
    if (l.kind === 'apply') shown = { ...shown, lastApplied: l.index, value: l.value };
    out.push({ ...l, seq: seq++, ...('state' in l && l.state ? { state: { ...l.state, ...shown } } : {}) } as TraceLine);
  };
  for (const l of lines) {
    if ('node' in l && l.node === node && (l.kind === 'commit' || l.kind === 'apply')) {
      held.push(l);
      continue;
    }
    emit(l);
    if ('node' in l && l.node === node && (l.kind === 'receive' || l.kind === 'timeout' || l.kind === 'client_request')) {
      for (const h of held) emit({ ...withoutState(h), time: l.time } as TraceLine);
      held = [];
    }
  }
  return jsonl(out.map((l) => renamed(l, `${node} commits and applies lazily`)));
}

/**
 * As in timedOutWriteTakesEffect, c1's write of 1 reaches n1, which crashes unanswered, and n2,
 * elected in term 2, commits it with its own entries: c2 reads 1. Only then does c1, still
 * without an answer, send its request again, to n2, under the same requestId (a retry, §8);
 * n2 appends and applies it a second time and answers. The write took effect before the
 * retry was sent: the request counts from its first send.
 */
function clientResendsRequest(): TraceLine[] {
  const s = scriptedCluster(N3, 'client-resends-request');
  s.elect('n1');
  const id = s.request('n1', 'c1', { type: 'set', value: 1 });
  s.network.plan('n2', 'n1', { kind: 'lose' });
  s.network.plan('n3', 'n1', { kind: 'lose' });
  s.heartbeat('n1');
  s.crash('n1');
  s.note('n1 crashed without answering c1; n2 is elected in term 2');
  s.elect('n2');
  s.request('n2', 'c2', { type: 'get' });
  s.heartbeat('n2');
  s.note('c1, still without an answer, sends its request again under the same id');
  s.resend('n2', 'c1', id, { type: 'set', value: 1 });
  s.heartbeat('n2');
  return s.lines();
}

/**
 * n1 leads term 1 and replicates four writes; the next heartbeat tells n2 and n3 that they are
 * committed (leaderCommit 4). A fifth write follows, and the heartbeat that carries it still
 * says leaderCommit 4; the last one says 5.
 */
function fifthEntry(scenario: string) {
  const s = scriptedCluster(N3, scenario);
  s.elect('n1');
  for (const value of [1, 2, 3, 4]) s.request('n1', 'c1', { type: 'set', value });
  s.heartbeat('n1');
  s.note('n1 has committed 1-4; its heartbeat says leaderCommit 4');
  s.heartbeat('n1');
  s.request('n1', 'c1', { type: 'set', value: 5 });
  s.note('the heartbeat that carries index 5 still says leaderCommit 4');
  s.heartbeat('n1');
  s.heartbeat('n1');
  return s.lines();
}

/** The index of the line where `node` receives an AppendEntries that matches. */
function receivesAppend(lines: readonly TraceLine[], node: string, match: { entries: number; leaderCommit: number }): number {
  const i = lines.findIndex((l) => l.kind === 'receive' && l.node === node && l.msg.type === 'AppendEntries' && l.msg.entries.length === match.entries && l.msg.leaderCommit === match.leaderCommit);
  if (i < 0) throw new Error(`${node} never receives an AppendEntries like ${JSON.stringify(match)}`);
  return i;
}

/**
 * The fifth-entry run as logged by an implementation whose n3 ignores leaderCommit on the
 * heartbeat that says 4, and on the next request, which carries index 5, appends it and only
 * then commits 1-4 and applies them.
 */
function lateCommitAfterAppend(): string {
  const lines = fifthEntry('late-commit-after-append');
  const ignored = receivesAppend(lines, 'n3', { entries: 0, leaderCommit: 4 });
  const next = receivesAppend(lines, 'n3', { entries: 1, leaderCommit: 4 });
  const moved = moveCommits(lines, 'n3', {
    take: (_l, i) => i === ignored,
    release: (l, i) => (i > next && l.kind === 'append' ? Infinity : 0),
  });
  return jsonl(moved.map((l) => renamed(l, 'n3 commits late, after appending the next entry')));
}

/**
 * The fifth-entry run as logged by an implementation whose n3 ignores leaderCommit on the
 * heartbeat that says 4, and on the next request commits 1-4 and applies them first, then
 * appends index 5: the entries it commits are those it already holds.
 */
function commitBeforeAppend(): string {
  const lines = fifthEntry('commit-before-append');
  const ignored = receivesAppend(lines, 'n3', { entries: 0, leaderCommit: 4 });
  const next = receivesAppend(lines, 'n3', { entries: 1, leaderCommit: 4 });
  const moved = moveCommits(lines, 'n3', {
    take: (_l, i) => i === ignored,
    release: (_l, i) => (i === next ? Infinity : 0),
  });
  return jsonl(moved.map((l) => renamed(l, 'n3 commits late, before appending the next entry')));
}

/**
 * A one-node cluster: n1 elects itself at once (it is its own majority, §5.2), and commits and
 * applies each write alone, as soon as it appends it; it crashes, restarts with its log, is
 * elected in term 2 and commits the old entries only with a write of its own term (§5.4.2).
 */
function singleNode(): TraceLine[] {
  const s = scriptedCluster(['n1'], 'single-node');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.request('n1', 'c2', { type: 'cas', expected: 1, value: 2 });
  s.heartbeat('n1');
  s.crash('n1');
  s.restart('n1');
  s.elect('n1');
  s.request('n1', 'c2', { type: 'get' });
  return s.lines();
}

/**
 * A two-node cluster, where a majority is both nodes: n1 is elected with n2's vote and commits
 * index 1 only once n2 has it. Cut off, n1 appends index 2 that n2 never gets, and n2 stands in
 * vain in terms 2 and 3 (alone it is no majority either). Back in touch, n2 stands in term 4:
 * its higher term deposes n1, which refuses it (n2 lacks index 2) and wins term 5. n1 copies
 * index 2 onto n2, both nodes, but does not commit it by counting (it is of term 1, §5.4.2);
 * a write of term 5 commits it.
 */
function twoNodes(): TraceLine[] {
  const s = scriptedCluster(['n1', 'n2'], 'two-nodes');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.note('n1 and n2 are cut off from each other');
  s.partition(['n1'], ['n2']);
  s.request('n1', 'c1', { type: 'set', value: 2 });
  s.heartbeat('n1');
  s.elect('n2');
  s.elect('n2');
  s.note('healed: n2 stands in term 4 and deposes n1, which refuses it and wins term 5');
  s.heal();
  s.elect('n2');
  s.elect('n1');
  s.heartbeat('n1');
  s.note('index 2, of term 1, is on both nodes but not committed; a write of term 5 commits it');
  s.request('n1', 'c2', { type: 'get' });
  s.heartbeat('n1');
  s.heartbeat('n1');
  return s.lines();
}

/**
 * A run logged the way a small test harness might log it, on Windows: one global counter for
 * every event's seq (so each node's numbers have gaps), CRLF line ends and no newline after
 * the last line. In the run, a client asks n3 before any leader is known (answered not_leader,
 * no hint), n1's RequestVote to n2 is delivered twice (n2 grants it twice), and the write
 * carries the largest integer a trace may hold, 2^53 - 1.
 */
function schemaEdges(): string {
  const s = scriptedCluster(N3, 'schema-edges');
  s.request('n3', 'c1', { type: 'set', value: Number.MAX_SAFE_INTEGER });
  s.network.plan('n1', 'n2', { kind: 'deliver', delays: [2, 5] });
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: Number.MAX_SAFE_INTEGER });
  s.heartbeat('n1');
  s.heartbeat('n1');
  let seq = 0;
  const lines = s.lines().map((l) => ('seq' in l && l.seq !== undefined ? { ...l, seq: seq++ } : renamed(l, 'one seq counter, CRLF')));
  return lines.map((l) => JSON.stringify(l)).join('\r\n');
}

/**
 * Feature `membership`: n1 leads voters n1, n2, n3 (n4 outside). Asked to add n4 before it has
 * committed an entry of its term, it does nothing; after its first write commits, it adds n4 as
 * a learner (in effect at once, uncommitted), refuses to promote it while that change is
 * uncommitted, lets it catch up, promotes it, then removes itself and steps down once that
 * commits. n2 is then elected by n3 and n4: a majority of the new voters {n2, n3, n4}, though
 * not of the old four.
 */
function membershipChanges(): TraceLine[] {
  const s = scriptedCluster(['n1', 'n2', 'n3', 'n4'], 'membership-changes', { voters: ['n1', 'n2', 'n3'] });
  s.elect('n1');
  s.note('n1 has committed nothing of term 1: it ignores a change');
  s.reconfigure('n1', 'add', 'n4');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.reconfigure('n1', 'add', 'n4');
  s.note('the addition of n4 is not committed yet: n1 ignores another change');
  s.reconfigure('n1', 'promote', 'n4');
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.reconfigure('n1', 'promote', 'n4');
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.note('n1 removes itself; it steps down once the removal commits');
  s.reconfigure('n1', 'remove', 'n1');
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.elect('n2');
  s.request('n2', 'c2', { type: 'set', value: 2 });
  s.heartbeat('n2');
  s.heartbeat('n2');
  return s.lines();
}

/**
 * Feature `config-on-apply` (etcd's timing): n1 leads voters n1, n2, n3 (n4 outside). It may
 * change the configuration at once (every entry of an earlier term is applied: there is none):
 * it adds n4 as a learner — not in effect until applied — and refuses to remove n3 while that
 * addition is unapplied; the addition commits by {n1, n2, n3} and each node switches when it
 * applies it. It promotes n4, removes itself, takes a write and steps down once the removal is
 * applied; n2, which has not applied the last two entries of term 1, is elected by majorities of
 * {n1, n2, n3, n4} and of {n2, n3, n4} and, once it has applied them, adds n1 back as a learner.
 */
function configOnApplyChanges(): TraceLine[] {
  const s = scriptedCluster(['n1', 'n2', 'n3', 'n4'], 'config-on-apply-changes', { voters: ['n1', 'n2', 'n3'], configOnApply: true });
  s.elect('n1');
  s.reconfigure('n1', 'add', 'n4');
  s.note('the addition of n4 is not applied yet: n1 ignores another change');
  s.reconfigure('n1', 'remove', 'n3');
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.reconfigure('n1', 'promote', 'n4');
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.note('n1 removes itself, takes a write, and steps down once the removal is applied');
  s.reconfigure('n1', 'remove', 'n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.elect('n2');
  s.request('n2', 'c2', { type: 'set', value: 2 });
  s.heartbeat('n2');
  s.heartbeat('n2');
  s.reconfigure('n2', 'add', 'n1');
  s.heartbeat('n2');
  s.heartbeat('n2');
  return s.lines();
}

export const NEAR_MISSES: Record<string, () => string> = {
  'near-miss-membership-changes.jsonl': () => jsonl(membershipChanges()),
  'near-miss-config-on-apply-changes.jsonl': () => jsonl(configOnApplyChanges()),
  'near-miss-figure-8-indirect-commit.jsonl': () => jsonl(figure8IndirectCommit()),
  'near-miss-figure-8-overwrite-uncommitted.jsonl': () => jsonl(figure8Overwrite().lines()),
  'near-miss-restart-after-overwrite.jsonl': () => jsonl(restartAfterOverwrite()),
  'near-miss-restart-keeps-vote.jsonl': () => jsonl(restartKeepsVote()),
  'near-miss-restart-resets-commit-index.jsonl': () => jsonl(restartResetsCommitIndex()),
  'near-miss-follower-catches-up.jsonl': () => jsonl(followerCatchesUp()),
  'near-miss-term-jump.jsonl': () => jsonl(termJump()),
  'near-miss-election-timeouts-omitted.jsonl': () => rewrite(termJump(), 'does not log election timeouts', (l) => !(l.kind === 'timeout' && l.timer === 'election')),
  'near-miss-lazy-commit.jsonl': () => lazyCommit(followerCatchesUp(), 'n3'),
  'near-miss-late-commit-after-append.jsonl': lateCommitAfterAppend,
  'near-miss-commit-before-append.jsonl': commitBeforeAppend,
  'near-miss-single-node.jsonl': () => jsonl(singleNode()),
  'near-miss-two-nodes.jsonl': () => jsonl(twoNodes()),
  'near-miss-timed-out-write-takes-effect.jsonl': () => jsonl(timedOutWriteTakesEffect()),
  'near-miss-client-resends-request.jsonl': () => jsonl(clientResendsRequest()),
  'near-miss-stale-request-unanswered.jsonl': staleRequestUnanswered,
  'near-miss-sparse-elections.jsonl': () => rewrite(staleLeaderStepsDown(), 'logs only role, term and vote changes', kinds('role', 'term', 'vote'), withoutState),
  'near-miss-sparse-applies.jsonl': () => rewrite(staleLeaderStepsDown(), 'logs only what each node applies', kinds('apply'), withoutState),
  'near-miss-sparse-restarts.jsonl': () => rewrite(restartKeepsVote(), 'logs only crashes and the state each restart recovers', kinds('crash', 'restart'), withoutState),
  'near-miss-schema-edges.jsonl': schemaEdges,
  'near-miss-stale-leader-steps-down.jsonl': () => jsonl(staleLeaderStepsDown()),
  'near-miss-register-after-restart.jsonl': () => jsonl(registerAfterRestart()),
  'near-miss-sparse-register.jsonl': () => rewrite(registerAfterRestart(), 'logs only applies, crashes and restarts', kinds('apply', 'crash', 'restart'), withoutState),
  'near-miss-crash-before-answering.jsonl': crashBeforeAnswering,
  'near-miss-applies-in-batches.jsonl': appliesInBatches,
};
