// Entry point of every worker thread (plain JavaScript: it must load before TypeScript can).
// Node 20 does not pass the parent's module hooks (tsx) to worker threads, nor accept
// `--import` loaders in a Worker's execArgv (nodejs/node#47747), so each worker registers tsx
// itself, then runs the TypeScript task module named by each task.
import { register } from 'tsx/esm/api';

register();

const modules = new Map();

/** @param {{ module: string, input: unknown }} task */
export default async function run(task) {
  let loading = modules.get(task.module);
  if (!loading) {
    loading = import(task.module);
    modules.set(task.module, loading);
  }
  const mod = await loading;
  return mod.default(task.input);
}
