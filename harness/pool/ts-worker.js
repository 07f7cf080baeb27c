// Entry point of every worker thread (plain JavaScript: it must load before TypeScript can).
// Node 20 does not pass the parent's module hooks (tsx) to worker threads, nor accept
// `--import` loaders in a Worker's execArgv (nodejs/node#47747), so a worker whose task module
// is TypeScript (raftcheck running from its sources) registers tsx itself first; the built
// JavaScript needs no loader (a user's TypeScript adapter registers tsx when it is imported).
const modules = new Map();
let tsx = null;

/** @param {string} url */
async function load(url) {
  if (/\.[cm]?ts$/.test(new URL(url).pathname)) {
    tsx ??= import('tsx/esm/api').then((api) => void api.register());
    await tsx;
  }
  return import(url);
}

/** @param {{ module: string, input: unknown }} task */
export default async function run(task) {
  let loading = modules.get(task.module);
  if (!loading) {
    loading = load(task.module);
    modules.set(task.module, loading);
  }
  const mod = await loading;
  return mod.default(task.input);
}
