// Entry point of the worker thread that runs asynchronous adapters (plain JavaScript: it must
// load before TypeScript can). Node 20 does not pass the parent's module hooks (tsx) to worker
// threads, so when the host module is TypeScript (raftcheck running from its sources) the
// thread registers tsx itself; built, the host registers it for a TypeScript adapter module
// when it imports one (import-module.ts). Then it hands its workerData to the host module
// (node-host.ts).
import { workerData } from 'node:worker_threads';

try {
  if (/\.[cm]?tsx?$/.test(new URL(workerData.hostModule).pathname)) (await import('tsx/esm/api')).register();
  const host = await import(workerData.hostModule);
  await host.default(workerData);
} catch (error) {
  // The host could not even start: say so as the answer to the start-up request (seq 0).
  workerData.port.postMessage({ seq: 0, ok: false, rule: 'adapter.load', message: String(error?.message ?? error) });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
