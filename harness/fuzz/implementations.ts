/**
 * Implementations the harness can run, by name (the `--impl` of fuzz and replay). A name is
 * all a worker thread needs to resolve the same implementation:
 * - `reference`, `mutant:<name>` (the bug catalogue);
 * - `adapter:reference`, `adapter:mutant:<name>`: the same, seen through the adapter interface;
 * - `cmd:<command line>`: one external process per node, speaking spec/DRIVER.md;
 * - `coaty`: @coaty/consensus.raft through its adapter, as coaty configures it; `coaty:plain`:
 *   without pre-vote and check-quorum;
 * - `liferaft`: @markwylde/liferaft through its asynchronous adapter (run in a worker thread,
 *   like an adapter module; it can interleave);
 * - a path to a module (`./my-adapter.ts`, absolute or relative to the working directory)
 *   whose default export is an adapter definition (harness/adapters/adapter.ts), or an
 *   asynchronous one (harness/adapters/async/async-adapter.ts, run in a worker thread): with
 *   `loadImplementation` only, since modules load asynchronously.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createReferenceNode } from '../../src/raft/node.js';
import { adapterFactory } from '../adapters/adapt.js';
import { importModule } from '../adapters/import-module.js';
import type { AdapterDefinition } from '../adapters/adapter.js';
import { isAsyncAdapterDefinition } from '../adapters/async/async-adapter.js';
import { asyncAdapterFactory, type AsyncAdapterOptions } from '../adapters/async/bridge.js';
import { coatyAdapter, coatyAdapterWith } from '../adapters/coaty/coaty-adapter.js';
import liferaftAdapter from '../adapters/liferaft/liferaft-adapter.js';
import { processAdapter, type ProcessAdapterOptions } from '../adapters/process/process-adapter.js';
import { referenceAdapter } from '../adapters/reference.js';
import { findMutant, MUTANTS } from '../mutants/catalogue.js';
import { profileProblem } from '../adapters/features.js';
import { RUNNING_FROM_SOURCES } from '../running-from-sources.js';
import type { ImplementationProfile, NodeFactory } from '../simulator/cluster.js';

export type Resolved = NodeFactory | { error: string };

const COATY: Record<string, NodeFactory> = {
  coaty: adapterFactory(coatyAdapter),
  'coaty:plain': adapterFactory(coatyAdapterWith({ preVote: false, checkQuorum: false }, 'coaty:plain')),
};

/** Built-in asynchronous adapters: the module the adapter's worker thread loads (an entry of its own in dist/). */
const ASYNC_BUILTINS: Record<string, { definition: typeof liferaftAdapter; module: URL }> = {
  liferaft: {
    definition: liferaftAdapter,
    module: RUNNING_FROM_SOURCES ? new URL('../adapters/liferaft/liferaft-adapter.ts', import.meta.url) : new URL('./liferaft-adapter.js', import.meta.url),
  },
};

export interface ImplementationOptions {
  /** For `cmd:` implementations. */
  process?: ProcessAdapterOptions;
  /** For asynchronous adapter modules (`interleave` is an error for any other implementation). */
  async?: AsyncAdapterOptions;
}

const NOT_ASYNC = 'only an asynchronous adapter module (defineAsyncAdapter, docs/ADAPTERS.md) can interleave';

/**
 * True for an `--impl` that names a module file rather than a built-in implementation. A
 * `cmd:` prefix always means a command, whatever its command line ends with (`node driver.js`).
 */
export function isAdapterPath(name: string): boolean {
  if (name.startsWith('cmd:')) return false;
  return /^(\.{1,2}\/|\/)/.test(name) || /\.(ts|mts|cts|js|mjs|cjs)$/.test(name);
}

/** The same implementation with another profile (the rules a run skips: --skip-rules, or a saved case's recorded list). */
export function withProfile(createNode: NodeFactory, profile: ImplementationProfile | undefined): NodeFactory {
  const factory: NodeFactory = (config, options) => createNode(config, options);
  if (profile) factory.profile = profile;
  if (createNode.features) factory.features = createNode.features;
  if (createNode.declaresFeatures) factory.declaresFeatures = true;
  return factory;
}

export function resolveImplementation(name: string, options: ImplementationOptions = {}): Resolved {
  if (name === 'reference') return createReferenceNode;
  if (name.startsWith('mutant:')) {
    const m = findMutant(name.slice('mutant:'.length));
    return m ? m.createNode : { error: `unknown mutant '${name.slice(7)}' (mutants: ${MUTANTS.map((x) => x.name).join(', ')})` };
  }
  if (name.startsWith('adapter:')) {
    const inner = resolveImplementation(name.slice('adapter:'.length), options);
    return 'error' in inner ? inner : adapterFactory(referenceAdapter(inner, name));
  }
  const coaty = COATY[name];
  if (coaty) return coaty;
  const builtin = ASYNC_BUILTINS[name];
  if (builtin) {
    const factory = asyncAdapterFactory(builtin.definition, builtin.module.href, options.async);
    return 'error' in factory ? { error: `${name}: ${factory.error}` } : factory;
  }
  if (name.startsWith('cmd:')) {
    const adapter = processAdapter(name.slice('cmd:'.length), options.process);
    return 'error' in adapter ? { error: `${name}: ${adapter.error}` } : adapterFactory(adapter);
  }
  if (isAdapterPath(name)) return { error: `'${name}' is an adapter module: load it with loadImplementation` };
  return { error: `unknown implementation '${name}' (expected 'reference', 'mutant:<name>', 'adapter:<name>', 'coaty', 'liferaft', 'cmd:<command line>' or a path to an adapter module)` };
}

export function isAdapterDefinition(x: unknown): x is AdapterDefinition {
  return typeof x === 'object' && x !== null && typeof (x as AdapterDefinition).create === 'function' && typeof (x as AdapterDefinition).name === 'string';
}

/** Like resolveImplementation, and also loads adapter modules by path. */
export async function loadImplementation(name: string, options: ImplementationOptions = {}): Promise<Resolved> {
  if (!isAdapterPath(name)) return options.async?.interleave && !ASYNC_BUILTINS[name] ? { error: `--interleave: ${name} is not asynchronous: ${NOT_ASYNC}` } : resolveImplementation(name, options);
  const file = path.resolve(name);
  let module: { default?: unknown };
  try {
    module = (await importModule(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // tsx compiles a .ts file as CommonJS unless its package.json says "type": "module".
    const hint = /\.ts$/.test(file) && /require\(\) ES Module/.test(reason ?? '') ? ' (its package.json has no "type": "module", so it loads as CommonJS: add that, or name the file .mts)' : '';
    return { error: `cannot load the adapter module ${file}: ${reason}${hint}` };
  }
  if (isAsyncAdapterDefinition(module.default)) {
    const declared = profileProblem(module.default.profile);
    if (declared) return { error: `${file}: profile.${declared}` };
    const factory = asyncAdapterFactory(module.default, pathToFileURL(file).href, options.async);
    return 'error' in factory ? { error: `${file}: ${factory.error}` } : factory;
  }
  if (!isAdapterDefinition(module.default)) return { error: `${file}: its default export is not an adapter definition ({ name, create }; see docs/ADAPTERS.md)` };
  if (options.async?.interleave) return { error: `--interleave: ${file} is a synchronous adapter: ${NOT_ASYNC}` };
  const problem = profileProblem(module.default.profile);
  if (problem) return { error: `${file}: profile.${problem}` };
  return adapterFactory(module.default);
}
