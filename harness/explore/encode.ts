/**
 * The canonical encoding of a state: a string that two states share exactly when they are the
 * same state (node by node, the bag of messages as a sorted list, the bounded counters, and the
 * checker's history key). Every node id is written through a renaming, so that symmetry
 * reduction can encode a state under each permutation of the servers and keep the smallest.
 */
import { commandKey } from '../checker/entry-hash.js';
import type { Entry, MessageBody } from '../../src/raft/types.js';
import type { NodeSnapshot } from '../../src/raft/snapshot.js';
import { compareFp, fingerprint, type Fp, type Hash64 } from './fingerprint.js';
import type { ExploreState, Flight, NodeSlot } from './model.js';

export type Rename = (id: string) => string;

const same: Rename = (id) => id;

function entries(log: readonly Entry[]): string {
  let s = '';
  for (const e of log) s += `${e.term}:${commandKey(e.command)},`;
  return s;
}

/** A message's canonical key (its fields in a fixed order, node ids renamed). */
export function messageKey(m: MessageBody, r: Rename = same): string {
  const head = `${r(m.from)}>${r(m.to)}@${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `RV ${head} ${r(m.candidateId)} ${m.lastLogIndex}/${m.lastLogTerm}${m.leadershipTransfer ? ' t' : ''}`;
    case 'RequestVoteResponse':
      return `RVR ${head} ${m.voteGranted ? 'y' : 'n'}`;
    case 'AppendEntries':
      return `AE ${head} ${r(m.leaderId)} ${m.prevLogIndex}/${m.prevLogTerm} c${m.leaderCommit} [${entries(m.entries)}]`;
    case 'AppendEntriesResponse':
      return `AER ${head} ${m.success ? 'y' : 'n'} ${m.matchIndex ?? '-'} ${m.conflictIndex ?? '-'} ${m.conflictTerm ?? '-'}`;
    // The features' messages (explore searches the base chart today; keyed all the same).
    case 'PreVote':
      return `PV ${head} ${r(m.candidateId)} ${m.lastLogIndex}/${m.lastLogTerm}`;
    case 'PreVoteResponse':
      return `PVR ${head} ${m.voteGranted ? 'y' : 'n'}`;
    case 'TimeoutNow':
      return `TN ${head}`;
    case 'InstallSnapshot':
      return `IS ${head} ${r(m.leaderId)} ${m.lastIncludedIndex}/${m.lastIncludedTerm} ${JSON.stringify(m.value)}`;
    case 'InstallSnapshotResponse':
      return `ISR ${head} ${m.matchIndex ?? '-'}`;
    case 'Heartbeat':
      return `HB ${head} c${m.commit}`;
    case 'HeartbeatResponse':
      return `HBR ${head}`;
  }
}

function pairs(list: ReadonlyArray<readonly [string, number]>, r: Rename): string {
  return list.map(([id, n]) => `${r(id)}=${n}`).sort().join(',');
}

function snapshotKey(s: NodeSnapshot, r: Rename): string {
  const nullable = (id: string | null) => (id === null ? '-' : r(id));
  const pending = s.pending.map(([i, p]) => `${i}:${p.client}#${p.requestId}`).join(',');
  return `${s.state}|${s.role}|${s.term}|${nullable(s.votedFor)}|${entries(s.log)}|${s.commitIndex}|${s.lastApplied}|${JSON.stringify(s.value)}|` +
    `${nullable(s.leaderId)}|${s.votes.map(r).sort().join(',')}|${pairs(s.nextIndex, r)}|${pairs(s.matchIndex, r)}|${pending}`;
}

// A step changes one server: the others' slots are shared with the parent state, and so are their keys.
const slotKeys = new WeakMap<NodeSlot, string>();
const historyKeys = new WeakMap<ExploreState['history'], string>();

export function slotKey(n: NodeSlot, r: Rename = same): string {
  if (r === same) {
    let key = slotKeys.get(n);
    if (key === undefined) {
      key = slotKeyUncached(n, r);
      slotKeys.set(n, key);
    }
    return key;
  }
  return slotKeyUncached(n, r);
}

function slotKeyUncached(n: NodeSlot, r: Rename): string {
  if (n.up) return snapshotKey(n.snap, r);
  const p = n.persisted;
  return `down|${p.term}|${p.votedFor === null ? '-' : r(p.votedFor)}|${entries(p.log)}`;
}

/**
 * The state's encoding with the servers renamed: `order[k]` is the server written k-th (the one
 * renamed to ids[k]). The identity is `order = ids`.
 */
export function encodeState(s: ExploreState, ids: readonly string[], order: readonly string[], r: Rename): string {
  let key = '';
  for (const id of order) key += slotKey(s.nodes[ids.indexOf(id)]!, r) + '\n';
  const bag = r === same ? s.bag.map((f) => f.key) : s.bag.map((f) => messageKey(f.msg, r)).sort();
  key += bag.join('\n');
  key += `\n#${s.crashes}/${s.clientOps}/${s.diverged ? 1 : 0}\n`;
  if (r === same) {
    let history = historyKeys.get(s.history);
    if (history === undefined) {
      history = s.history.historyKey(order, r);
      historyKeys.set(s.history, history);
    }
    return key + history;
  }
  return key + s.history.historyKey(order, r);
}

/** Every permutation of `ids` as [order, rename] (n! of them: explore allows at most 5 servers). */
export function permutations(ids: readonly string[]): Array<{ order: string[]; rename: Rename }> {
  const result: Array<{ order: string[]; rename: Rename }> = [];
  const permute = (rest: string[], chosen: string[]): void => {
    if (rest.length === 0) {
      const map = new Map(chosen.map((old, k) => [old, ids[k]!]));
      result.push({ order: chosen, rename: (id) => map.get(id) ?? id });
      return;
    }
    rest.forEach((id, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...chosen, id]));
  };
  permute([...ids], []);
  // The identity first (the rename of the identity is `same`: the bag's stored keys are reused).
  result[0] = { order: [...ids], rename: same };
  return result;
}

export interface Permutation {
  order: readonly string[];
  rename: Rename;
}

// The parts' fingerprints are cached with them (FpCached); their strings are not kept (slotKey's cache is not used).
function slotFp(n: NodeSlot, p: Permutation, i: number): Fp {
  if (i === 0) return (n.fp ??= fingerprint(slotKeyUncached(n, same)));
  return ((n.fps ??= [])[i] ??= fingerprint(slotKeyUncached(n, p.rename)));
}

function flightFp(f: Flight, p: Permutation, i: number): Fp {
  if (i === 0) return (f.fp ??= fingerprint(f.key));
  return ((f.fps ??= [])[i] ??= fingerprint(messageKey(f.msg, p.rename)));
}

function historyFp(s: ExploreState, p: Permutation, i: number): Fp {
  if (i === 0) return (s.historyFp ??= fingerprint(s.history.historyKey(p.order, same, true)));
  return ((s.historyFps ??= [])[i] ??= fingerprint(s.history.historyKey(p.order, p.rename)));
}

/**
 * The fingerprint of `encodeState(s, ids, p.order, p.rename)` without writing it: the parts'
 * encodings are hashed one by one (and cached with the parts, which states share), and their
 * fingerprints combined: the servers' slots in order, the bag as a multiset (a sum of each
 * message's fingerprint, mixed, per lane: the same for any order of the bag), the counters and
 * the history. Equal encodings give equal fingerprints; unequal ones collide with the odds of a
 * 64-bit hash (docs/EXPLORE.md, "Fingerprints").
 */
function permutedFp(s: ExploreState, ids: readonly string[], p: Permutation, i: number, h: Hash64): Fp {
  let bagA = 0;
  let bagB = 0;
  for (const f of s.bag) {
    const m = flightFp(f, p, i);
    bagA = (bagA + mix(m.hi ^ 0x2545f491)) | 0;
    bagB = (bagB + mix(m.lo ^ 0x6a09e667)) | 0;
  }
  const history = historyFp(s, p, i);
  h.start();
  for (let k = 0; k < p.order.length; k++) h.fp(slotFp(s.nodes[i === 0 ? k : ids.indexOf(p.order[k]!)]!, p, i));
  h.word(s.bag.length).word(bagA).word(bagB);
  h.word(s.crashes).word(s.clientOps).word(s.diverged ? 1 : 0);
  return h.fp(history).done();
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return x ^ (x >>> 16);
}

/** The identity permutation of `ids` (what the search without symmetry fingerprints under). */
export function identity(ids: readonly string[]): Permutation {
  return { order: ids, rename: same };
}

/**
 * The state's fingerprint: that of its encoding, or with symmetry the smallest over all
 * permutations of the servers (a function of the state's orbit, like `canonicalKey`). `perms` is
 * `permutations(ids)` with symmetry, `[identity(ids)]` without: index 0 is the identity.
 */
export function stateFingerprint(s: ExploreState, ids: readonly string[], perms: readonly Permutation[], h: Hash64): Fp {
  let best: Fp | null = null;
  for (let i = 0; i < perms.length; i++) {
    const fp = permutedFp(s, ids, perms[i]!, i, h);
    if (best === null || compareFp(fp, best) < 0) best = fp;
  }
  return best!;
}

/** The canonical encoding: the identity's, or with symmetry the smallest over all permutations of the servers. */
export function canonicalKey(s: ExploreState, ids: readonly string[], perms: ReadonlyArray<{ order: readonly string[]; rename: Rename }> | null): string {
  if (!perms) return encodeState(s, ids, ids, same);
  let best: string | null = null;
  for (const p of perms) {
    const key = encodeState(s, ids, p.order, p.rename);
    if (best === null || key < best) best = key;
  }
  return best!;
}
