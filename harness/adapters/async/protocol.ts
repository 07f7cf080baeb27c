/**
 * What the main thread (bridge.ts) and the worker thread that runs an asynchronous adapter
 * (node-host.ts) say to each other. Every request but `dispose` is answered once, with its
 * `seq`; the answer is posted first, then signalled through the shared flag (Atomics.notify)
 * the main thread waits on.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ConfigChange, NodeConfig, NodeId, PersistentState, TimerName } from '../../../src/raft/types.js';
import type { ClientRequest, Delivery, Observation, Output } from '../adapter.js';

/** What the worker is started with (workerData). */
export interface HostData {
  /** The host module (node-host.ts), as a URL: the thread's entry imports it. */
  hostModule: string;
  /**
   * Whether the thread's timers and clocks are taken over (virtual-globals.ts): set before
   * any adapter module loads, and the same for every module the thread hosts.
   */
  virtualGlobals: boolean;
  flag: SharedArrayBuffer;
  port: MessagePort;
}

export type NodeCall =
  | { kind: 'start' }
  | { kind: 'deliver'; delivery: Delivery }
  | { kind: 'timeout'; timer: TimerName }
  /** The clock advances by `ms` (due timers run), then the adapter's `tick`, if any. */
  | { kind: 'tick'; ms: number }
  | { kind: 'client'; request: ClientRequest }
  /** Feature `membership`: change the configuration by one server. */
  | { kind: 'reconfigure'; change: ConfigChange; server: NodeId }
  /** Before a crash: let every pending task run (so a crash never interrupts a step half done). */
  | { kind: 'settle' };

export type HostRequest =
  /** Loads an adapter module (a URL) once; its nodes are created by the same URL. */
  | { op: 'load'; seq: number; module: string }
  | { op: 'create'; seq: number; module: string; node: number; id: string; members: string[]; config: NodeConfig; persisted: PersistentState | null; seed: number; interleave: boolean }
  /** `idleMs`: ticks the main thread skipped because nothing could come due in them; the clock catches up first. */
  | { op: 'call'; seq: number; node: number; call: NodeCall; idleMs: number }
  | { op: 'crash'; seq: number; node: number }
  /** Not answered. */
  | { op: 'dispose'; seq: number; node: number };

/** The node after a call: what it did, what it looks like, and what is pending. */
export interface CallResult {
  output: Output;
  observation: Observation;
  /** Tasks ready to run (0 after a full settle). */
  ready: number;
  /** The earliest due time of a pending timer on the node's clock, or null. */
  nextDue: number | null;
  /** The node's clock after the call. */
  clock: number;
  /** Whether the adapter has a `tick` method (then no tick is skipped). */
  ticks: boolean;
}

export type HostAnswer =
  | { seq: number; ok: true; result?: CallResult; persisted?: PersistentState }
  /** `rule`: 'exception', 'adapter.unsettled' or 'adapter.load'. */
  | { seq: number; ok: false; rule: string; message: string };

/** A call as verdicts name it: "deliver RequestVote from n2 (term 3)". */
export function describeCall(call: NodeCall): string {
  switch (call.kind) {
    case 'deliver': {
      const d = call.delivery;
      return 'msg' in d ? `deliver ${d.msg.type} from ${d.msg.from} (term ${d.msg.term})` : `deliver ${d.unmodelled.name} from ${d.unmodelled.from}`;
    }
    case 'timeout':
      return `timeout(${call.timer})`;
    case 'tick':
      return 'tick';
    case 'client':
      return `client ${call.request.client} ${call.request.op.type}`;
    case 'reconfigure':
      return `reconfigure(${call.change} ${call.server})`;
    case 'settle':
      return 'settling before a crash';
    case 'start':
      return 'start';
  }
}
