/**
 * Puts the node runtimes (runtime.ts) in place of the thread's own timers and clocks, for
 * libraries that call `setTimeout` or `Date.now()` directly instead of taking them injected.
 *
 * Every node of a cluster runs in the same worker thread, so each call is routed to the node
 * whose code is running: the harness runs every adapter call and every task of a node inside
 * `AsyncLocalStorage.run(node)`, and the context follows that code through its promises,
 * callbacks and `process.nextTick`s. Outside any node (module initialisation, raftcheck's own
 * code) the real functions answer.
 *
 * Replaced: the globals `setTimeout`, `clearTimeout`, `setInterval`, `clearInterval`,
 * `setImmediate`, `clearImmediate`, `Date` (`Date.now()` and `new Date()` without arguments),
 * `performance.now`, and the same functions of `node:timers` and `node:timers/promises`
 * (`setTimeout`, `setImmediate`), so `import { setTimeout } from 'node:timers'` is covered too.
 * Not replaced: `process.nextTick` and `queueMicrotask` (they never wait, so they are already
 * deterministic), `process.hrtime` and the `setInterval` async iterator of timers/promises.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { NodeRuntime } from './runtime.js';

const require = createRequire(import.meta.url);

/** The thread's own functions, kept before anything is replaced (the harness's settle loop uses setImmediate). */
export const REAL = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  Date: globalThis.Date,
  performanceNow: globalThis.performance.now.bind(globalThis.performance),
};

const context = new AsyncLocalStorage<NodeRuntime>();

let installed = false;

/**
 * Runs `f` as code of the node whose runtime this is: timers and clocks it reads are that
 * node's. (Without the globals replaced there is nothing to route, and no AsyncLocalStorage
 * context is entered: it makes every promise of the thread dearer.)
 */
export function runAsNode<T>(runtime: NodeRuntime, f: () => T): T {
  return installed ? context.run(runtime, f) : f();
}

/** Replaces the thread's timers and clocks (once; idempotent). */
export function installVirtualGlobals(): void {
  if (installed) return;
  installed = true;
  const current = () => context.getStore();
  type AnyFn = (...args: never[]) => unknown;
  const real = REAL as unknown as Record<string, AnyFn>;
  // Each replacement: the current node's function, or the real one outside any node.
  const route = (name: 'setTimeout' | 'setInterval' | 'setImmediate' | 'clearTimeout' | 'clearInterval' | 'clearImmediate') =>
    function (this: unknown, ...args: unknown[]): unknown {
      const runtime = current();
      if (runtime) return (runtime.timers[name] as (...a: unknown[]) => unknown)(...args);
      return (real[name] as (...a: unknown[]) => unknown).apply(globalThis, args);
    };
  const functions = {
    setTimeout: route('setTimeout'),
    setInterval: route('setInterval'),
    setImmediate: route('setImmediate'),
    clearTimeout: route('clearTimeout'),
    clearInterval: route('clearInterval'),
    clearImmediate: route('clearImmediate'),
  };
  const globals = globalThis as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(functions)) globals[name] = f;

  // A Date whose "now" is the node's: `new Date()`, `Date()` and `Date.now()`; everything else
  // (parsing, `instanceof Date`, the prototype) is the real Date's.
  const RealDate = REAL.Date;
  const now = () => current()?.dateNow() ?? RealDate.now();
  const VirtualDate = new Proxy(RealDate, {
    construct: (target, args: unknown[], newTarget: new (...a: unknown[]) => object) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, key, receiver) => (key === 'now' ? now : Reflect.get(target, key, receiver)),
  });
  globals.Date = VirtualDate;
  globalThis.performance.now = () => {
    const runtime = current();
    return runtime ? runtime.now() : REAL.performanceNow();
  };

  // The built-in modules' exports, for code that imports the functions rather than using globals.
  const timers = require('node:timers') as Record<string, unknown>;
  for (const [name, f] of Object.entries(functions)) timers[name] = f;
  const promises = require('node:timers/promises') as Record<string, AnyFn>;
  const realPromises = { setTimeout: promises.setTimeout!, setImmediate: promises.setImmediate! };
  promises.setTimeout = ((ms?: number, value?: unknown, options?: unknown) => {
    const runtime = current();
    return runtime ? runtime.promises.setTimeout(ms, value) : (realPromises.setTimeout as (...a: unknown[]) => unknown)(ms, value, options);
  }) as AnyFn;
  promises.setImmediate = ((value?: unknown, options?: unknown) => {
    const runtime = current();
    return runtime ? runtime.promises.setImmediate(value) : (realPromises.setImmediate as (...a: unknown[]) => unknown)(value, options);
  }) as AnyFn;
  syncBuiltinESMExports();
}

