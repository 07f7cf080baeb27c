/**
 * What `raftcheck explore` searches: the states of a cluster of reference nodes (or of a
 * mutant's nodes) and the bounds that keep their number finite. Time is abstract: a state has
 * no clock and no timer deadlines, and a timeout is an action that may happen in any state in
 * which the timer is armed (docs/EXPLORE.md).
 */
import type { ClusterInvariants } from '../checker/invariants/cluster-invariants.js';
import type { NodeSnapshot } from '../../src/raft/snapshot.js';
import type { MessageBody, NodeConfig, PersistentState } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';
import type { TakenTransition } from '../../src/raft/transitions.js';
import type { Fp } from './fingerprint.js';

/**
 * The fingerprints of a part of a state (a server's slot, a message, the checker's history),
 * filled in as the search asks for them (encode.ts): `fp` under the identity, `fps` under each
 * permutation of the servers with symmetry (index 0: the identity). A part is shared by every
 * state that holds it, and so is its cache. Parts are made with both fields (undefined): an
 * object given a field later takes more memory, and states are kept by the hundred thousand.
 */
export type FpCache = Array<Fp | undefined>;
export interface FpCached {
  fp?: Fp | undefined;
  fps?: FpCache | undefined;
}

export interface ExploreBounds {
  servers: number;
  /** No node's currentTerm above this. */
  maxTerm: number;
  /** No log longer than this. */
  maxLog: number;
  /** At most this many messages in flight (copies counted). */
  maxMsgs: number;
  /** Crashes in a whole path (restarts are free). */
  maxCrashes: number;
  /** Client requests in a whole path. */
  maxClientOps: number;
  /** Most entries one AppendEntries carries (the nodes' maxEntriesPerMessage). */
  batch: number;
}

export const DEFAULT_BOUNDS: ExploreBounds = { servers: 3, maxTerm: 2, maxLog: 1, maxMsgs: 2, maxCrashes: 0, maxClientOps: 1, batch: 64 };

export interface UpNode extends FpCached {
  up: true;
  snap: NodeSnapshot;
}

export interface DownNode extends FpCached {
  up: false;
  /** What the node persisted when it crashed (what its restart recovers). */
  persisted: PersistentState;
}

export type NodeSlot = UpNode | DownNode;

/** A message in flight: its body and its canonical key (identity under the identity renaming). */
export interface Flight extends FpCached {
  key: string;
  msg: MessageBody;
}

export interface ExploreState {
  /** One per server, in the order of `ExploreModel.ids`. */
  nodes: readonly NodeSlot[];
  /** The messages in flight, a bag: sorted by key, a key repeated once per copy. */
  bag: readonly Flight[];
  crashes: number;
  clientOps: number;
  /**
   * A node on the path to this state stepped otherwise than the reference would have from the
   * same state (a mutant): from then on conformance is judged by replaying the path through the
   * whole checker (check.ts).
   */
  diverged: boolean;
  /** The cluster invariants' memory after the path (history variables, in TLA+ terms). */
  history: ClusterInvariants;
  /** The fingerprints of `history`'s key, as FpCached's (the parent's when the step left the history as it was). */
  historyFp?: Fp | undefined;
  historyFps?: FpCache | undefined;
}

/** Everything fixed for one search. */
export interface ExploreModel {
  ids: readonly string[];
  bounds: ExploreBounds;
  /** Timer and batch settings of the nodes (timeouts do not matter: timers are actions). */
  node: Omit<NodeConfig, 'id' | 'members'>;
  /** The nodes searched: the reference, or a mutant's. */
  createNode: NodeFactory;
  /** The implementation's name (`reference`, `mutant:NAME`), recorded in counterexamples. */
  impl: string;
  /** False for the reference itself: its steps need no comparison with the reference. */
  compareWithReference: boolean;
  /** Told of every statechart transition the searched nodes take (transition coverage). */
  onTransition?: (t: TakenTransition) => void;
}

/** Whether a state is within the bounds (a state beyond them is checked and counted, not expanded). */
export function withinBounds(model: ExploreModel, s: ExploreState): boolean {
  if (s.bag.length > model.bounds.maxMsgs) return false;
  for (const n of s.nodes) {
    const term = n.up ? n.snap.term : n.persisted.term;
    const log = n.up ? n.snap.log.length : n.persisted.log.length;
    if (term > model.bounds.maxTerm || log > model.bounds.maxLog) return false;
  }
  return true;
}
