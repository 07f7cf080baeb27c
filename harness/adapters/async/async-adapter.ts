/**
 * The adapter interface for asynchronous libraries: the calls of harness/adapters/adapter.ts,
 * except that they may return promises, and that the node gets a clock and timers of its own
 * (runtime.ts) so that its timers run in raftcheck's virtual time. See docs/ADAPTERS.md,
 * "Asynchronous libraries".
 *
 * raftcheck runs such an adapter in a worker thread that holds every node of the cluster
 * (bridge.ts, node-host.ts). After each call it awaits the call's promise and lets the node's
 * pending work settle — its microtasks, then its ready immediates and due timers, one at a
 * time, until nothing is left and `quiescent()` (if given) agrees — before it observes the
 * node. Nothing else runs meanwhile, and nothing reads a real clock: runs stay deterministic.
 *
 * A promise may also stay pending across calls (a client request answered when its entry
 * commits): whatever it resolves to is reported with the call during which it resolved.
 */
import type { ImplementationProfile } from '../../simulator/cluster.js';
import type { AdapterInit, ClientRequest, Delivery, Observation, Output } from '../adapter.js';
import type { ConfigChange, NodeId, PersistentState, TimerName } from '../../../src/raft/types.js';
import type { NodeTimerPromises, NodeTimers } from './runtime.js';

type MaybePromise<T> = T | Promise<T>;

/** The node's own clock and timers, to inject into the library where it allows it. */
export interface NodeClock {
  /** Virtual ms since the node was created (what `performance.now()` returns for it). */
  now(): number;
  /** The node's `Date.now()`. */
  dateNow(): number;
  /** setTimeout & co. running in the node's virtual time. */
  readonly timers: NodeTimers;
  /** The promise forms, as in `node:timers/promises`. */
  readonly promises: NodeTimerPromises;
}

export interface AsyncAdapterInit extends AdapterInit {
  runtime: NodeClock;
  /**
   * Reports effects that happen outside any call's return value: a message a background
   * task sends, a client answered when its entry commits, `fired` timers. They are logged with
   * the call (or tick) during which they are emitted — use it as the library's transport.
   */
  emit(output: Output): void;
}

/** A node under test whose calls may return promises. */
export interface AsyncNodeUnderTest {
  start(): MaybePromise<Output | void>;
  deliver(delivery: Delivery): MaybePromise<Output | void>;
  /** A timer armed through `Output.timers` fired, or the harness forces an election. */
  timeout(timer: TimerName): MaybePromise<Output | void>;
  /** Optional: called after every tick, once the node's clock has advanced and its due timers have run. */
  tick?(): MaybePromise<Output | void>;
  client(request: ClientRequest): MaybePromise<Output | void>;
  /** Feature `membership` (declared in the profile): change the configuration by one server, as NodeUnderTest.reconfigure. */
  reconfigure?(change: ConfigChange, server: NodeId): MaybePromise<Output | void>;
  /** Synchronous: the node's state as it is now (read the library's fields, do not await anything). */
  observe(): Observation;
  /** What the node persisted (it is not called again). A promise must resolve without the node's timers or I/O. */
  crash(): MaybePromise<PersistentState>;
  dispose?(): MaybePromise<void>;
  /**
   * Optional: false while the node still has work in flight that the harness cannot see (a
   * queue it drains on its own). The harness keeps letting the event loop turn until it is
   * true (or gives up with `adapter.unsettled`).
   */
  quiescent?(): boolean;
}

export interface AsyncAdapterDefinition {
  name: string;
  /** Marks the definition as asynchronous (set by `defineAsyncAdapter`). */
  readonly async: true;
  /** Virtual ms between ticks: each tick advances every node's clock by this much (default 5). */
  tickMs?: number;
  /**
   * Replace the worker thread's setTimeout & co., Date and performance.now by each node's own
   * (default true), for libraries that use the globals instead of taking timers injected.
   */
  virtualGlobals?: boolean;
  create(init: AsyncAdapterInit): MaybePromise<AsyncNodeUnderTest>;
  profile?: ImplementationProfile;
}

export const DEFAULT_TICK_MS = 5;

/** Gives an asynchronous adapter module its type (`export default defineAsyncAdapter({...})`). */
export function defineAsyncAdapter(definition: Omit<AsyncAdapterDefinition, 'async'>): AsyncAdapterDefinition {
  return { ...definition, async: true };
}

export function isAsyncAdapterDefinition(x: unknown): x is AsyncAdapterDefinition {
  return typeof x === 'object' && x !== null && (x as AsyncAdapterDefinition).async === true && typeof (x as AsyncAdapterDefinition).create === 'function' && typeof (x as AsyncAdapterDefinition).name === 'string';
}
