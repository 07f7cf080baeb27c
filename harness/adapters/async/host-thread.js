// Entry point of the worker thread that runs an asynchronous adapter (plain JavaScript: it must
// load before TypeScript can). Node 20 does not pass the parent's module hooks (tsx) to worker
// threads, so the thread registers tsx itself when the host module or the user's adapter module
// is TypeScript, then hands its workerData to the host module (node-host.ts).
import { workerData } from 'node:worker_threads';

try {
  const typescript = [workerData.hostModule, workerData.adapterModule].some((url) => /\.[cm]?tsx?$/.test(new URL(url).pathname));
  if (typescript) (await import('tsx/esm/api')).register();
  const host = await import(workerData.hostModule);
  await host.default(workerData);
} catch (error) {
  // The host could not even start: say so as the answer to the start-up request (seq 0).
  workerData.port.postMessage({ seq: 0, ok: false, rule: 'adapter.load', message: String(error?.message ?? error) });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
