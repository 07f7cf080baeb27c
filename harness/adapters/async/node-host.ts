/**
 * The worker thread of asynchronous adapters (async-adapter.ts): it loads adapter modules (one
 * for a campaign; several over a test suite), holds every node of the cluster, each with its
 * own runtime (virtual clock and task queue), and runs the main thread's calls one at a time
 * (bridge.ts blocks until each is answered).
 *
 * A call is a *window*: the adapter's method is called as code of its node, then the node's
 * pending work runs, then the node is observed and the window's effects are answered:
 * - by default the node **settles**: microtasks drain (one real turn of the event loop), then
 *   its oldest ready task runs (an immediate, or a timer that came due), and again, until
 *   nothing is ready and `quiescent()` is not false. A tick first advances the clock to each
 *   due timer in turn, running what comes due.
 * - with `--interleave`, a window runs only a seeded number of the node's ready tasks, chosen
 *   at random (from a generator forked per node from the run's seed), and leaves the rest for
 *   later calls: handlers of several messages overlap at their awaits, as they would in a busy
 *   process. Effects are reported with the window in which they happen.
 * Only the window's node runs code in it: the other nodes' tasks wait for their own calls.
 *
 * Runaway work is a verdict, never a hang: more than `SETTLE_LIMITS.tasks` tasks in one window,
 * or `quiescent()` false for more than `SETTLE_LIMITS.idleTurns` turns, is `adapter.unsettled`;
 * an exception, a rejected promise (a call's, or any that nobody handled) is an `exception`
 * naming the call it came from. (A synchronous endless loop never returns to the event loop:
 * the main thread's reply timeout catches that one.)
 */
import process from 'node:process';
import { createRandom, type Random } from '../../../src/random.js';
import type { PersistentState } from '../../../src/raft/types.js';
import type { Observation, Output } from '../adapter.js';
import { importModule } from '../import-module.js';
import { isAsyncAdapterDefinition, type AsyncAdapterDefinition, type AsyncAdapterInit, type AsyncNodeUnderTest } from './async-adapter.js';
import { mergeOutputs } from './merge-outputs.js';
import { describeCall, type CallResult, type HostAnswer, type HostData, type HostRequest, type NodeCall } from './protocol.js';
import { NodeRuntime } from './runtime.js';
import { installVirtualGlobals, REAL, runAsNode } from './virtual-globals.js';

export const SETTLE_LIMITS = { tasks: 10_000, idleTurns: 1_000 };

/** --interleave: before each further task, the window closes with this probability. */
const INTERLEAVE_STOP = 0.5;

/** One real turn of the event loop: every microtask queued so far has run when it resolves. */
const turn = () => new Promise<void>((resolve) => void REAL.setImmediate(resolve));

class VerdictError extends Error {
  constructor(readonly rule: string, message: string) {
    super(message);
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error === 'string' ? error : JSON.stringify(error) ?? String(error)} (not an Error)`;
  // Where it was thrown, if that is the node's code (not this file's, from the sources or built).
  const at = error.stack?.split('\n').find((l) => l.trim().startsWith('at '))?.trim();
  if (at && /[/\\]node-host\.[jt]s:/.test(at)) return `${error.name}: ${error.message}`;
  return `${error.name}: ${error.message}${at ? ` (${at})` : ''}`;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

class HostedNode {
  readonly runtime: NodeRuntime;
  impl: AsyncNodeUnderTest | null = null;
  /** Effects reported during the current window, in order. */
  collected: Output[] = [];
  failure: { error: unknown; during: string } | null = null;

  constructor(readonly key: number, readonly id: string, readonly chooser: Random | null) {
    this.runtime = new NodeRuntime((run) => this.guard('a timer or immediate callback', run));
  }

  /** Runs `f` as this node's code (its timers and clocks are this node's). */
  run<T>(f: () => T): T {
    return runAsNode(this.runtime, f);
  }

  guard(during: string, f: () => void): void {
    try {
      this.run(f);
    } catch (error) {
      this.fail(error, during);
    }
  }

  fail(error: unknown, during: string): void {
    this.failure ??= { error, during };
  }

  collect(value: unknown, during: string): void {
    if (value === undefined || value === null) return;
    if (typeof value !== 'object' || Array.isArray(value)) return this.fail(new TypeError(`it returned ${JSON.stringify(value)}, not an Output object ({ messages, replies, ... })`), during);
    this.collected.push(value as Output);
  }

  /** Calls the adapter's method as this node's code; its result (now or when its promise settles) is collected. */
  start(during: string, f: (impl: AsyncNodeUnderTest) => unknown): void {
    let result: unknown;
    try {
      result = this.run(() => f(this.impl!));
    } catch (error) {
      this.fail(error, during);
      return;
    }
    if (isThenable(result)) result.then((v) => this.collect(v, during), (e: unknown) => this.fail(e, during));
    else this.collect(result, during);
  }
}

/** Default mode: run ready tasks oldest first, and (with `until`) the timers due by then, until the node is idle. */
async function settle(node: HostedNode, during: string, until: number | null = null): Promise<void> {
  const rt = node.runtime;
  let tasks = 0;
  let idle = 0;
  for (;;) {
    await turn();
    if (node.failure) return;
    if (rt.readyCount() > 0) {
      if (++tasks > SETTLE_LIMITS.tasks) {
        throw new VerdictError('adapter.unsettled', `node ${node.id}, ${during}: did not settle: ${SETTLE_LIMITS.tasks} timers and immediates ran at virtual time ${rt.now()} ms and more were ready (a task that keeps scheduling another?)`);
      }
      rt.runReady(0);
      continue;
    }
    const due = until === null ? null : rt.nextDue();
    if (due !== null && until !== null && due <= until) {
      rt.advanceTo(due);
      continue;
    }
    if (node.run(() => node.impl?.quiescent?.()) === false) {
      if (++idle > SETTLE_LIMITS.idleTurns) {
        throw new VerdictError('adapter.unsettled', `node ${node.id}, ${during}: did not settle: quiescent() was still false after ${SETTLE_LIMITS.idleTurns} turns of the event loop with no timer or immediate ready (is it waiting for real I/O?)`);
      }
      continue;
    }
    break;
  }
  if (until !== null) rt.advanceTo(until);
}

/** --interleave: a seeded number of ready tasks, each chosen at random among them; the rest stays pending. */
async function interleave(node: HostedNode, during: string): Promise<void> {
  const rt = node.runtime;
  const random = node.chooser!;
  for (let tasks = 0; ; tasks++) {
    await turn();
    if (node.failure) return;
    const ready = rt.readyCount();
    if (ready === 0 || random.chance(INTERLEAVE_STOP)) return;
    if (tasks >= SETTLE_LIMITS.tasks) throw new VerdictError('adapter.unsettled', `node ${node.id}, ${during}: ${SETTLE_LIMITS.tasks} tasks ran in one window (a task that keeps scheduling another?)`);
    rt.runReady(random.int(0, ready - 1));
  }
}

function checkObservation(o: unknown): string | null {
  if (typeof o !== 'object' || o === null) return `it returned ${JSON.stringify(o)}`;
  const x = o as Record<string, unknown>;
  if (!['follower', 'candidate', 'leader'].includes(x.role as string)) return `role is ${JSON.stringify(x.role)}`;
  for (const field of ['term', 'commitIndex'] as const) if (!Number.isSafeInteger(x[field])) return `${field} is ${JSON.stringify(x[field])}`;
  if (x.votedFor !== null && typeof x.votedFor !== 'string') return `votedFor is ${JSON.stringify(x.votedFor)}`;
  if (!Array.isArray(x.log)) return 'log is not an array';
  return null;
}

class Host {
  /** The adapter modules loaded, by URL. */
  private readonly definitions = new Map<string, AsyncAdapterDefinition>();
  private readonly nodes = new Map<number, HostedNode>();
  /** The node whose window is open: an unhandled rejection is its. */
  private active: HostedNode | null = null;
  private stray: { error: unknown; during: string } | null = null;

  constructor(private readonly virtualGlobals: boolean) {
    process.on('unhandledRejection', (reason) => this.unhandled(reason, 'a promise that nobody awaited rejected'));
    process.on('uncaughtException', (error) => this.unhandled(error, 'an uncaught exception'));
  }

  private unhandled(error: unknown, during: string): void {
    if (this.active) this.active.fail(error, during);
    else this.stray ??= { error, during };
  }

  async handle(request: HostRequest): Promise<HostAnswer | null> {
    const { seq } = request;
    try {
      switch (request.op) {
        case 'load':
          await this.load(request.module);
          return { seq, ok: true };
        case 'create':
          return { seq, ok: true, result: await this.create(request) };
        case 'call': {
          const node = this.node(request.node);
          if (request.idleMs > 0) node.runtime.advanceTo(node.runtime.now() + request.idleMs);
          return { seq, ok: true, result: await this.window(node, describeCall(request.call), () => this.perform(node, request.call)) };
        }
        case 'crash':
          return { seq, ok: true, persisted: await this.crash(this.node(request.node)) };
        case 'dispose':
          await this.dispose(request.node);
          return null;
      }
    } catch (error) {
      return { seq, ok: false, rule: error instanceof VerdictError ? error.rule : 'exception', message: error instanceof VerdictError ? error.message : errorText(error) };
    }
  }

  private async load(url: string): Promise<void> {
    if (this.definitions.has(url)) return;
    let definition: unknown;
    try {
      definition = ((await importModule(url)) as { default?: unknown }).default;
    } catch (error) {
      throw new VerdictError('adapter.load', errorText(error));
    }
    if (!isAsyncAdapterDefinition(definition)) throw new VerdictError('adapter.load', 'its default export is not an asynchronous adapter definition (defineAsyncAdapter)');
    // The main thread picks the worker by this very setting: a mismatch is raftcheck's bug.
    if ((definition.virtualGlobals !== false) !== this.virtualGlobals) throw new Error(`the module's virtualGlobals is not this thread's (${String(this.virtualGlobals)})`);
    this.definitions.set(url, definition);
  }

  private node(key: number): HostedNode {
    const node = this.nodes.get(key);
    if (!node) throw new VerdictError('exception', `no node #${key} in the adapter's worker thread (crashed or disposed of)`);
    return node;
  }

  private async create(r: Extract<HostRequest, { op: 'create' }>): Promise<CallResult> {
    const definition = this.definitions.get(r.module);
    if (!definition) throw new VerdictError('adapter.load', `the adapter module ${r.module} was not loaded in this thread`);
    const random = createRandom(r.seed);
    const node = new HostedNode(r.node, r.id, r.interleave ? random.fork('interleave') : null);
    this.nodes.set(r.node, node);
    return this.window(node, 'create', async () => {
      const init: AsyncAdapterInit = {
        id: r.id, members: r.members, config: r.config, random, ...(r.persisted ? { persisted: r.persisted } : {}),
        runtime: { now: () => node.runtime.now(), dateNow: () => node.runtime.dateNow(), timers: node.runtime.timers, promises: node.runtime.promises },
        emit: (output) => node.collect(output, 'emit'),
      };
      let created: unknown;
      try {
        created = node.run(() => definition.create(init));
      } catch (error) {
        node.fail(error, 'create');
        return;
      }
      let done = !isThenable(created);
      if (isThenable(created)) created.then((impl) => { created = impl; done = true; }, (e: unknown) => node.fail(e, 'create'));
      await settle(node, 'create');
      if (node.failure) return;
      if (!done) throw new VerdictError('adapter.unsettled', `node ${r.id}, create: its promise did not resolve once the node had settled (it waits for something only a later call would do)`);
      if (typeof created !== 'object' || created === null) throw new VerdictError('exception', `node ${r.id}, create: it returned ${JSON.stringify(created)}, not a node object`);
      node.impl = created as AsyncNodeUnderTest;
    });
  }

  private async perform(node: HostedNode, call: NodeCall): Promise<void> {
    const during = describeCall(call);
    const rt = node.runtime;
    const rest = () => (node.chooser ? interleave(node, during) : settle(node, during));
    switch (call.kind) {
      case 'start':
        node.start(during, (impl) => impl.start());
        return rest();
      case 'deliver':
        node.start(during, (impl) => impl.deliver(call.delivery));
        return rest();
      case 'timeout':
        node.start(during, (impl) => impl.timeout(call.timer));
        return rest();
      case 'client':
        node.start(during, (impl) => impl.client(call.request));
        return rest();
      case 'reconfigure':
        // Only runs of an implementation that declares `membership` ask for one.
        node.start(during, (impl) => {
          if (!impl.reconfigure) throw new Error(`it declares the feature 'membership' but has no reconfigure(change, server) (docs/ADAPTERS.md)`);
          return impl.reconfigure(call.change, call.server);
        });
        return rest();
      case 'tick': {
        const until = rt.now() + call.ms;
        if (node.chooser) rt.advanceTo(until);
        else await settle(node, during, until);
        if (node.impl?.tick) node.start(during, (impl) => impl.tick!());
        else if (!node.chooser) return;
        return rest();
      }
      case 'settle':
        return settle(node, during);
    }
  }

  /** Runs one window and reports the node as it is after it. */
  private async window(node: HostedNode, during: string, body: () => Promise<void>): Promise<CallResult> {
    node.collected = [];
    this.active = node;
    if (this.stray) {
      node.fail(this.stray.error, this.stray.during);
      this.stray = null;
    }
    try {
      await body();
      const failure = node.failure;
      if (failure) {
        const when = failure.during === during ? '' : ` (during ${during})`;
        throw new VerdictError('exception', `node ${node.id}, ${failure.during}${when}: ${errorText(failure.error)}`);
      }
      const observation = node.run(() => node.impl!.observe());
      const problem = checkObservation(observation);
      if (problem) throw new VerdictError('exception', `node ${node.id}, observe() after ${during}: ${problem}`);
      const rt = node.runtime;
      return { output: mergeOutputs(node.collected), observation: observation as Observation, ready: rt.readyCount(), nextDue: rt.nextDue(), clock: rt.now(), ticks: typeof node.impl!.tick === 'function' };
    } finally {
      this.active = null;
      node.collected = [];
    }
  }

  private async crash(node: HostedNode): Promise<PersistentState> {
    this.active = node;
    try {
      let persisted: unknown = node.run(() => node.impl!.crash());
      if (isThenable(persisted)) {
        let done = false;
        persisted.then((p) => { persisted = p; done = true; }, (e: unknown) => node.fail(e, 'crash'));
        for (let i = 0; i < 3 && !done && !node.failure; i++) await turn();
        if (node.failure) throw new VerdictError('exception', `node ${node.id}, crash: ${errorText(node.failure.error)}`);
        if (!done) throw new VerdictError('exception', `node ${node.id}, crash: its promise did not resolve without the node's timers or I/O (a crash loses pending work: read what the store holds)`);
      }
      const p = persisted as Partial<PersistentState> | null;
      if (typeof p !== 'object' || p === null || !Number.isSafeInteger(p.term) || (p.votedFor !== null && typeof p.votedFor !== 'string') || !Array.isArray(p.log)) {
        throw new VerdictError('exception', `node ${node.id}, crash: it returned ${JSON.stringify(persisted)?.slice(0, 200)}, not { term, votedFor, log }`);
      }
      return p as PersistentState;
    } finally {
      this.active = null;
      node.runtime.stop();
      this.nodes.delete(node.key);
    }
  }

  private async dispose(key: number): Promise<void> {
    const node = this.nodes.get(key);
    if (!node) return;
    node.runtime.stop();
    this.nodes.delete(key);
    try {
      await node.run(() => node.impl?.dispose?.());
    } catch {
      // The run is over: nothing to report it against.
    }
  }
}

/** The worker's entry (called by host-thread.js with its workerData). */
export default async function main(data: HostData): Promise<void> {
  const flag = new Int32Array(data.flag);
  const port = data.port;
  const signal = () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const answer = (a: HostAnswer) => {
    try {
      port.postMessage(a);
    } catch (error) {
      port.postMessage({ seq: a.seq, ok: false, rule: 'exception', message: `what the node reported cannot be passed to raftcheck (outputs and observations must be plain data): ${errorText(error)}` } satisfies HostAnswer);
    }
    signal();
  };
  process.on('exit', (code) => {
    port.postMessage({ seq: -1, ok: false, rule: 'exception', message: `the adapter's worker thread exited (code ${code}): did the library call process.exit()?` } satisfies HostAnswer);
    signal();
  });
  // Before any adapter module loads: what it takes from the globals at its top level is routed too.
  if (data.virtualGlobals) installVirtualGlobals();
  const host = new Host(data.virtualGlobals);
  answer({ seq: 0, ok: true });
  let queue = Promise.resolve();
  port.on('message', (request: HostRequest) => {
    queue = queue.then(async () => {
      const a = await host.handle(request);
      if (a) answer(a);
    });
  });
}
