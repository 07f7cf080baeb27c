/**
 * An asynchronous adapter (async-adapter.ts) behind the synchronous adapter interface: each
 * node is a proxy whose calls are run by the adapter's worker thread (node-host.ts) and block
 * until the node has settled there. The proxy then answers `observe()` from what the worker
 * sent back, so adapt.ts turns observations into trace events exactly as for any adapter.
 *
 * The nodes are tick-driven: every `tickMs` of virtual time a tick advances the node's clock
 * and runs the timers that came due. A tick in which nothing can happen (no task ready, no
 * timer due before it ends) is not sent to the worker: the node's clock catches up with the
 * next call, which is exact since nothing was due in between.
 *
 * Verdicts of their own (besides `exception` for anything the node throws or rejects):
 * `adapter.unsettled` (work that never ends), `adapter.timeout` (no answer within the reply
 * timeout: a synchronous endless loop; the worker is stopped), `adapter.load`.
 */
import type { ConfigChange, NodeId, PersistentState, TimerName } from '../../../src/raft/types.js';
import { CONFORMANCE_RULES } from '../../checker/conformance/conformance.js';
import type { NodeFactory } from '../../simulator/cluster.js';
import { adapterFactory } from '../adapt.js';
import type { AdapterInit, ClientRequest, Delivery, NodeUnderTest, Observation, Output } from '../adapter.js';
import { AdapterWorker } from './adapter-worker.js';
import { DEFAULT_TICK_MS, type AsyncAdapterDefinition } from './async-adapter.js';
import { mergeOutputs } from './merge-outputs.js';
import { describeCall, type CallResult, type HostAnswer, type NodeCall } from './protocol.js';

export const ASYNC_ADAPTER_RULES = [
  { id: 'adapter.load', statement: 'The adapter module loads in the adapter\'s worker thread, and its default export is an asynchronous adapter definition.' },
  { id: 'adapter.unsettled', statement: 'After each call the node becomes idle: its pending timers and immediates at the current virtual time run out, and quiescent() (if given) turns true.' },
  { id: 'adapter.timeout', statement: 'Every call returns to the event loop within the reply timeout (no synchronous endless loop).' },
] as const;
export type AsyncAdapterRule = (typeof ASYNC_ADAPTER_RULES)[number]['id'];

/** A verdict against an asynchronous adapter; run-schedule reports it under its rule. */
export class AsyncAdapterError extends Error {
  override name = 'AsyncAdapterError';
  constructor(readonly rule: AsyncAdapterRule, message: string) {
    super(message);
  }
}

export interface AsyncAdapterOptions {
  /** How long one call may take, in real time (default 5 s). */
  replyTimeoutMs?: number;
  /** Overlap each node's handlers at their awaits, in a seeded order (`--interleave`). */
  interleave?: boolean;
}

const DEFAULT_REPLY_TIMEOUT_MS = 5000;

/** Conformance compares one reference step per input: overlapping steps have none. */
export const INTERLEAVE_SKIPS = CONFORMANCE_RULES.map((r) => ({ rule: r.id, reason: "--interleave: a node's steps overlap, so no one reference step answers an input" }));

function verdict(answer: HostAnswer | null, what: string, timeoutMs: number): Extract<HostAnswer, { ok: true }> {
  if (!answer) throw new AsyncAdapterError('adapter.timeout', `${what}: no answer within ${timeoutMs / 1000} s (a synchronous endless loop?); its worker thread was stopped`);
  if (answer.ok) return answer;
  if (answer.seq === -1) throw new Error(`${what}: ${answer.message}`); // the worker is gone: not about one node's call
  if (answer.rule === 'exception') throw new Error(answer.message);
  throw new AsyncAdapterError(answer.rule as AsyncAdapterRule, answer.message);
}

class AsyncNodeProxy implements NodeUnderTest {
  /** Ticks skipped since the last call (ms the node's clock must catch up). */
  private idleMs = 0;
  private gone = false;

  constructor(
    private readonly worker: AdapterWorker,
    private readonly key: number,
    private readonly id: NodeId,
    readonly tickMs: number,
    private readonly timeoutMs: number,
    private result: CallResult,
  ) {}

  private call(call: NodeCall): Output {
    const what = `node ${this.id}, ${describeCall(call)}`;
    if (this.gone || !this.worker.alive) throw new Error(`${what}: the node's worker thread was stopped after an earlier verdict`);
    const answer = this.worker.call({ op: 'call', node: this.key, call, idleMs: this.idleMs }, this.timeoutMs);
    this.idleMs = 0;
    if (!answer) this.gone = true;
    this.result = verdict(answer, what, this.timeoutMs).result!;
    return this.result.output;
  }

  start(): Output {
    // What the node reported while it was created is logged with its start.
    const created = this.result.output;
    return mergeOutputs([created, this.call({ kind: 'start' })]);
  }

  deliver(delivery: Delivery): Output {
    return this.call({ kind: 'deliver', delivery });
  }

  timeout(timer: TimerName): Output {
    return this.call({ kind: 'timeout', timer });
  }

  tick(): Output {
    const r = this.result;
    const clockAfter = r.clock + this.idleMs + this.tickMs;
    if (!r.ticks && r.ready === 0 && (r.nextDue === null || r.nextDue > clockAfter)) {
      this.idleMs += this.tickMs;
      return {};
    }
    return this.call({ kind: 'tick', ms: this.tickMs });
  }

  client(request: ClientRequest): Output {
    return this.call({ kind: 'client', request });
  }

  reconfigure(change: ConfigChange, server: NodeId): Output {
    return this.call({ kind: 'reconfigure', change, server });
  }

  observe(): Observation {
    return this.result.observation;
  }

  /** With work pending (--interleave), the node finishes it before it crashes: a crash never cuts a step in half. */
  beforeCrash(): Output {
    return this.result.ready === 0 ? {} : this.call({ kind: 'settle' });
  }

  crash(): PersistentState {
    const what = `node ${this.id}, crash`;
    if (this.gone || !this.worker.alive) throw new Error(`${what}: the node's worker thread was stopped after an earlier verdict`);
    this.gone = true;
    return verdict(this.worker.call({ op: 'crash', node: this.key }, this.timeoutMs), what, this.timeoutMs).persisted!;
  }

  dispose(): void {
    if (!this.gone && this.worker.alive) this.worker.post({ op: 'dispose', node: this.key });
    this.gone = true;
  }
}

/**
 * The `NodeFactory` of an asynchronous adapter module (`moduleUrl`, which the worker thread
 * loads again; `definition` is its default export, loaded here).
 */
export function asyncAdapterFactory(definition: AsyncAdapterDefinition, moduleUrl: string, options: AsyncAdapterOptions = {}): NodeFactory | { error: string } {
  const tickMs = definition.tickMs ?? DEFAULT_TICK_MS;
  if (!Number.isSafeInteger(tickMs) || tickMs < 1) return { error: `${definition.name}: tickMs must be a positive integer (virtual ms), got ${JSON.stringify(definition.tickMs)}` };
  const timeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  const interleave = options.interleave === true;
  const virtualGlobals = definition.virtualGlobals !== false;
  const own = definition.profile?.skipRules ?? [];
  const skipRules = interleave ? [...own, ...INTERLEAVE_SKIPS.filter((s) => !own.some((o) => o.rule === s.rule))] : own;
  return adapterFactory({
    name: definition.name,
    ...(skipRules.length ? { profile: { ...definition.profile, skipRules } } : definition.profile ? { profile: definition.profile } : {}),
    create(init: AdapterInit): NodeUnderTest {
      const worker = AdapterWorker.for(virtualGlobals);
      const loadError = worker.load(moduleUrl);
      if (loadError) throw new AsyncAdapterError('adapter.load', `cannot load the adapter module ${moduleUrl} in its worker thread: ${loadError}`);
      const key = worker.nextNode();
      // The node's generator lives in the worker: seeded from the one the cluster gave this node.
      const seed = init.random.int(0, 2 ** 31 - 1);
      const what = `node ${init.id}, create`;
      const answer = worker.call({
        op: 'create', module: moduleUrl, node: key, id: init.id, members: [...init.members], config: init.config, persisted: init.persisted ?? null, seed, interleave,
      }, timeoutMs);
      return new AsyncNodeProxy(worker, key, init.id, tickMs, timeoutMs, verdict(answer, what, timeoutMs).result!);
    },
  });
}
