/**
 * Loads @markwylde/liferaft with its one source of randomness made deterministic, without
 * changing its files or any global.
 *
 * liferaft draws its randomized election timeouts (`Raft#timeout`) and its generated addresses
 * (`UUID`, unused here: every node is given its id) from `Math.random`. Its main module is
 * compiled once, and evaluated once per node with a `Math` of that node's own, whose `random`
 * draws from the node's seeded generator: each node gets its own `Raft` class (its peers'
 * stand-ins, made by `join`, are instances of the same class). The log module (`log.js`) and
 * the packages liferaft depends on load through Node's require as usual; none of them draws
 * random numbers.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { LiferaftLogClass, LiferaftRaftClass } from './liferaft-types.js';

export const PACKAGE = '@markwylde/liferaft';

type ModuleBody = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string, math: Math) => void;

interface Loaded {
  file: string;
  body: ModuleBody;
  require: NodeJS.Require;
  Log: LiferaftLogClass;
}

let loaded: Loaded | { error: string } | undefined;

function load(): Loaded | { error: string } {
  let root: string;
  try {
    root = path.dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`));
  } catch {
    return { error: `${PACKAGE} is not installed (it is a devDependency of raftcheck: run npm ci)` };
  }
  const file = path.join(root, 'index.js');
  const source = fs.readFileSync(file, 'utf8');
  const body = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname, Math) {${source}\n})`, { filename: file }) as ModuleBody;
  const require = createRequire(file);
  return { file, body, require, Log: require('./log.js') as LiferaftLogClass };
}

/** liferaft's `Raft` class for one node, whose `Math.random` is `random`, and its `Log` class. */
export function loadLiferaft(random: () => number): { Raft: LiferaftRaftClass; Log: LiferaftLogClass } {
  loaded ??= load();
  if ('error' in loaded) throw new Error(loaded.error);
  const math = Object.create(Math, { random: { value: random } }) as Math;
  const module = { exports: {} as unknown };
  loaded.body.call(module.exports, module.exports, loaded.require, module, loaded.file, path.dirname(loaded.file), math);
  return { Raft: module.exports as LiferaftRaftClass, Log: loaded.Log };
}
