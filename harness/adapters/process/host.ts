/**
 * The synchronous bridge to external node processes. The simulator and the checker are
 * synchronous (that is what makes runs deterministic and fast), but talking to a process is
 * not: a worker thread (io-worker.js) owns the processes and their I/O, and the main thread
 * posts it a request and blocks on `Atomics.wait` until the answer is signalled, or until the
 * reply timeout passes.
 *
 * The reply timeout is the one wall-clock reading of the harness outside the CLI: a real
 * process needs real time to answer. It decides only whether a verdict is "no reply within
 * N s", never what the simulation does.
 *
 * Cleanup: a verdict, a crash and the end of a run kill the node with every process it
 * started (process-tree.js: its group, and descendants that left it), and wait for it, so no
 * zombie is left; at exit every node still alive is killed so; and a reaper process kills them
 * if raftcheck itself dies by a signal.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { killTree } from './process-tree.js';

export interface WorkerAnswer {
  seq: number;
  ok: boolean;
  pid?: number;
  line?: string;
  /** 'spawn', 'exit', 'flood', 'unsolicited' */
  error?: string;
  message?: string;
  stderr?: string;
}

const KILL_WAIT_MS = 5000;

export class ProcessHost {
  private static shared: ProcessHost | null = null;

  /** One host (one worker thread) per process, created on first use. */
  static get(): ProcessHost {
    ProcessHost.shared ??= new ProcessHost();
    return ProcessHost.shared;
  }

  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private keys = 0;
  /** Nodes alive, by key: killed at exit if still there. */
  private readonly live = new Map<string, { pid: number; mark: string }>();

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./io-worker.js', import.meta.url), {
      workerData: { port: port2, flag: this.flag.buffer, reaperPath: new URL('./reaper.js', import.meta.url).pathname },
      transferList: [port2],
    });
    this.worker.unref(); // the worker never keeps raftcheck alive
    process.once('exit', () => this.killAll());
  }

  private call(message: Record<string, unknown>, timeoutMs: number): WorkerAnswer | null {
    const seq = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...message, seq });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) {
        const answer = received.message as WorkerAnswer;
        if (answer.seq === seq) return answer;
        continue; // a late answer to a request that already timed out
      }
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** Starts a process (in its own process group); returns its key and pid, or why it could not start. */
  spawn(file: string, args: readonly string[], maxLineBytes: number, timeoutMs: number): { key: string; pid: number } | { error: string } {
    const key = `p${++this.keys}`;
    const mark = `${process.pid}.${key}`; // RAFTCHECK_NODE of this node and its descendants
    const answer = this.call({ op: 'spawn', key, mark, file, args, maxLineBytes }, timeoutMs);
    if (!answer) return { error: `did not start within ${timeoutMs} ms` };
    if (!answer.ok) return { error: answer.message ?? 'could not start' };
    this.live.set(key, { pid: answer.pid!, mark });
    return { key, pid: answer.pid! };
  }

  /** Sends one request line and waits for the one reply line. */
  request(key: string, line: string, timeoutMs: number): WorkerAnswer | null {
    return this.call({ op: 'request', key, line }, timeoutMs);
  }

  /** Kills the process group and waits until the process is gone; returns its last stderr. */
  kill(key: string): string {
    if (!this.live.has(key)) return '';
    const answer = this.call({ op: 'kill', key }, KILL_WAIT_MS);
    if (answer) this.live.delete(key);
    return answer?.stderr ?? '';
  }

  /** Node processes still alive (for tests). */
  livePids(): number[] {
    return [...this.live.values()].map((n) => n.pid);
  }

  private killAll(): void {
    for (const { pid, mark } of this.live.values()) killTree(pid, mark);
    this.live.clear();
  }
}
