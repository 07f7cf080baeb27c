/**
 * The main thread's handle on the worker thread that runs asynchronous adapters
 * (node-host.ts). The simulator is synchronous, the adapter is not: like the external-process
 * bridge (process/host.ts), the main thread posts a request and blocks on `Atomics.wait` until
 * the worker signals its answer, or until the reply timeout passes.
 *
 * One worker for every adapter module that takes over the thread's timers and clocks, and one
 * for those that do not (`virtualGlobals`): started at the first node (start-up costs about a
 * second: tsx and the module graph) and kept for the whole campaign, and for any later one
 * in this thread (a test suite's); each module is loaded in it once, and its nodes come and go
 * with the runs. A worker that does not answer in time (a synchronous endless loop) is
 * terminated and replaced by a fresh one at the next node. The reply timeout is the only
 * wall-clock reading here: it decides whether a verdict is "no answer within N s", never what
 * a run does.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { taskModule } from '../../pool/worker-pool.js';
import type { HostAnswer, HostData, HostRequest } from './protocol.js';

/** Loading tsx and a module graph: generous, as a slow machine may take seconds. */
const START_TIMEOUT_MS = 60_000;

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;
type Request = WithoutSeq<HostRequest>;

export class AdapterWorker {
  private static readonly running = new Map<boolean, AdapterWorker>();

  /** The worker for adapter modules with (or without) `virtualGlobals`, started if there is none (or the last one was stopped). */
  static for(virtualGlobals: boolean): AdapterWorker {
    let w = AdapterWorker.running.get(virtualGlobals);
    if (!w || w.stopped) {
      w = new AdapterWorker(virtualGlobals);
      AdapterWorker.running.set(virtualGlobals, w);
    }
    return w;
  }

  /** Stops every adapter worker of this thread: the next node starts a fresh one. */
  static stopAll(): void {
    for (const w of AdapterWorker.running.values()) w.stop();
    AdapterWorker.running.clear();
  }

  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private nodes = 0;
  private stopped = false;
  /** Why the thread could not start, if it could not. */
  private readonly startError: string | null;
  /** Each module loaded (or tried): null, or why it could not be loaded. */
  private readonly modules = new Map<string, string | null>();

  private constructor(virtualGlobals: boolean) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: HostData = { hostModule: taskModule('node-host', import.meta.url).href, virtualGlobals, flag: this.flag.buffer as SharedArrayBuffer, port: port2 };
    this.worker = new Worker(new URL('./host-thread.js', import.meta.url), { workerData: data, transferList: [port2] });
    this.worker.unref(); // never keeps raftcheck alive
    // What goes wrong in the thread is answered on the port (host-thread.js, node-host.ts) or
    // seen as no answer in time; its 'error' event, unhandled, would end raftcheck with a stack trace.
    this.worker.on('error', () => undefined);
    const ready = this.wait(0, START_TIMEOUT_MS);
    this.startError = !ready ? `the worker thread did not start within ${START_TIMEOUT_MS / 1000} s` : ready.ok ? null : ready.message;
    if (this.startError) this.stop();
  }

  /** Loads `adapterModule` (a URL) in the worker, once: null, or why it cannot be loaded there. */
  load(adapterModule: string): string | null {
    if (this.startError) return this.startError;
    const known = this.modules.get(adapterModule);
    if (known !== undefined) return known;
    const answer = this.call({ op: 'load', module: adapterModule }, START_TIMEOUT_MS);
    const error = !answer ? `it did not load within ${START_TIMEOUT_MS / 1000} s` : answer.ok ? null : answer.message;
    this.modules.set(adapterModule, error);
    return error;
  }

  /** A key for a new node (unique in this worker). */
  nextNode(): number {
    return ++this.nodes;
  }

  get alive(): boolean {
    return !this.stopped;
  }

  private wait(seq: number, timeoutMs: number): HostAnswer | null {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) {
        const answer = received.message as HostAnswer;
        if (answer.seq === seq || answer.seq === -1) return answer; // -1: the worker is exiting
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** Sends a request and blocks until it is answered; null if no answer came in time (the worker is then stopped). */
  call(request: Request, timeoutMs: number): HostAnswer | null {
    if (this.stopped) throw new Error('the adapter\'s worker thread was stopped');
    const seq = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...request, seq });
    const answer = this.wait(seq, timeoutMs);
    if (!answer || answer.seq === -1) this.stop();
    return answer;
  }

  /** Sends a request that is not answered (it is handled before any later one). */
  post(request: Request): void {
    if (!this.stopped) this.port.postMessage({ ...request, seq: ++this.seq });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
  }
}
