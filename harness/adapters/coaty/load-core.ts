/**
 * Loads the Raft core of @coaty/consensus.raft (its `ported/` port of etcd's raft) by itself,
 * with two changes made from outside, none to its files or to any global:
 *
 * - Its modules import `RaftData` from the package's controller, which pulls in @coaty/core,
 *   its database adapters and so sqlite3's native addon (not built here: package.json denies
 *   sqlite3's install script). The core needs only the constant `emptyRaftData` (null) from
 *   it, so that one module is replaced by a stub.
 * - Its one source of randomness, `Math.random` (the randomized election timeout), is made
 *   deterministic: each module is compiled with its own `Math` binding, whose `random` draws
 *   from the generator of the node being stepped (`random.current`). The process's `Math` is
 *   untouched, and a draw outside a harness step is an error rather than a silent
 *   non-determinism.
 *
 * The loader is a minimal CommonJS loader for the package's own files; other packages (the
 * `debug` logger) load through Node's require as usual.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { Random } from '../../../src/random.js';
import type { CoatyCore } from './core-types.js';

export interface LoadedCore {
  core: CoatyCore;
  /** The generator `Math.random` draws from inside the core; set around every call into it. */
  random: { current: Random | null };
}

const PACKAGE = '@coaty/consensus.raft';

function resolveFile(base: string): string {
  for (const candidate of [`${base}.js`, path.join(base, 'index.js'), base]) if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  throw new Error(`cannot resolve ${base}`);
}

let loaded: LoadedCore | { error: string } | undefined;

/** The core, loaded once per process (or why it cannot be loaded: the package is not installed). */
export function loadCoatyCore(): LoadedCore | { error: string } {
  loaded ??= load();
  return loaded;
}

function load(): LoadedCore | { error: string } {
  let root: string;
  try {
    root = path.dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`));
  } catch {
    return { error: `${PACKAGE} is not installed (it is a devDependency: run npm ci)` };
  }
  const random: LoadedCore['random'] = { current: null };
  const isolatedMath = Object.create(Math, {
    random: {
      value: () => {
        if (!random.current) throw new Error(`${PACKAGE} drew a random number outside a harness step`);
        return random.current.next();
      },
    },
  }) as Math;
  const stubs = new Map<string, unknown>([[path.join(root, 'non-ported', 'raft-controller.js'), { emptyRaftData: null }]]);
  const cache = new Map<string, { exports: unknown }>();

  const loadModule = (file: string): unknown => {
    const stub = stubs.get(file);
    if (stub) return stub;
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    const source = fs.readFileSync(file, 'utf8');
    const compiled = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname, Math) {${source}\n})`, { filename: file }) as (
      exports: unknown, require: (id: string) => unknown, module: { exports: unknown }, filename: string, dirname: string, math: Math,
    ) => void;
    const nodeRequire = createRequire(file);
    const requireFrom = (id: string): unknown => (id.startsWith('.') ? loadModule(resolveFile(path.resolve(path.dirname(file), id))) : nodeRequire(id));
    compiled.call(module.exports, module.exports, requireFrom, module, file, path.dirname(file), isolatedMath);
    return module.exports;
  };

  const ported = (name: string) => loadModule(path.join(root, 'ported', `${name}.js`)) as Record<string, unknown>;
  const core = {
    ...ported('rawnode'),
    ...ported('storage'),
    ...ported('raft'),
    ...ported('raftpb/raft.pb'),
    ...ported('logger'),
  } as unknown as CoatyCore;
  return { core, random };
}
