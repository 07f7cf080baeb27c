/**
 * A node's own virtual clock and task queue: what an asynchronous implementation's timers and
 * immediates run on when raftcheck drives it (harness/adapters/async/). Nothing here reads a
 * real clock or schedules real work: time moves only when the harness says so, and tasks run
 * only when the harness runs them, one at a time, so every run is reproducible from its seed.
 *
 * The API is Node's: `setTimeout`/`setInterval`/`setImmediate` return handles with `ref`,
 * `unref`, `hasRef`, `refresh` and a numeric primitive value, and the `clear*` functions accept
 * a handle or that number. Delays are coerced as Node coerces them (below 1 ms or not a number:
 * 1 ms), so an interval always moves virtual time forward.
 *
 * For the harness: a task is *ready* once it may run (an immediate at once, a timer when the
 * clock reaches its due time); `runReady(i)` runs the i-th ready task (0: the oldest, FIFO).
 */

/** Date.now() of a node whose clock reads 0 (2024-01-01T00:00:00Z): a plausible wall-clock value. */
export const VIRTUAL_EPOCH_MS = 1_704_067_200_000;

/** Node's largest delay (2^31 - 1 ms); larger ones, like Node, become 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

type Callback = (...args: never[]) => unknown;

interface Task {
  id: number;
  kind: 'timeout' | 'interval' | 'immediate';
  callback: Callback;
  args: unknown[];
  /** The delay a timer was set with (refresh and intervals re-arm with it). */
  delay: number;
  due: number;
  /** Order among tasks that are due at the same time: creation (or re-arming) order. */
  order: number;
  state: 'waiting' | 'ready' | 'done';
  referenced: boolean;
}

/** What setTimeout, setInterval and setImmediate return (Node's Timeout and Immediate API). */
export class VirtualTimer {
  constructor(private readonly runtime: NodeRuntime, private readonly task: Task) {}

  ref(): this {
    this.task.referenced = true;
    return this;
  }

  unref(): this {
    this.task.referenced = false;
    return this;
  }

  hasRef(): boolean {
    return this.task.referenced;
  }

  /** Re-arms the timer for its delay from now (it fires again even if it already fired). */
  refresh(): this {
    this.runtime.rearm(this.task);
    return this;
  }

  close(): this {
    this.runtime.clear(this.task.id);
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.task.id;
  }
}

export type TimerHandle = VirtualTimer | number | string | null | undefined;

/** The timer functions of one node, bound to its runtime: what an adapter injects into a library. */
export interface NodeTimers {
  setTimeout<A extends unknown[]>(callback: (...args: A) => unknown, ms?: number, ...args: A): VirtualTimer;
  clearTimeout(handle: TimerHandle): void;
  setInterval<A extends unknown[]>(callback: (...args: A) => unknown, ms?: number, ...args: A): VirtualTimer;
  clearInterval(handle: TimerHandle): void;
  setImmediate<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): VirtualTimer;
  clearImmediate(handle: TimerHandle): void;
}

/** The promise forms (`node:timers/promises`): resolve with `value` after `ms`, or at the next turn. */
export interface NodeTimerPromises {
  setTimeout<T = void>(ms?: number, value?: T): Promise<T>;
  setImmediate<T = void>(value?: T): Promise<T>;
}

function coerceDelay(ms: unknown): number {
  const n = Number(ms);
  return n >= 1 && n <= TIMEOUT_MAX ? n : 1;
}

function checkCallback(callback: unknown, name: string): asserts callback is Callback {
  if (typeof callback !== 'function') throw new TypeError(`${name}: the "callback" argument must be a function, got ${typeof callback}`);
}

export class NodeRuntime {
  private clock = 0;
  private nextId = 1;
  private nextOrder = 0;
  private readonly tasks = new Map<number, Task>();
  /** Tasks that may run now, oldest first. */
  private readonly ready: Task[] = [];
  /** Timers not due yet (few per node: a plain array, scanned). */
  private readonly waiting: Task[] = [];
  private stopped = false;

  readonly timers: NodeTimers;
  readonly promises: NodeTimerPromises;

  /** `invoke` runs every task's callback (the harness wraps it to attribute effects and catch errors). */
  constructor(private readonly invoke: (run: () => void) => void = (run) => run()) {
    this.timers = {
      setTimeout: (callback, ms, ...args) => this.schedule('timeout', callback, ms, args, 'setTimeout'),
      clearTimeout: (handle) => this.clear(handle),
      setInterval: (callback, ms, ...args) => this.schedule('interval', callback, ms, args, 'setInterval'),
      clearInterval: (handle) => this.clear(handle),
      setImmediate: (callback, ...args) => this.schedule('immediate', callback, 0, args, 'setImmediate'),
      clearImmediate: (handle) => this.clear(handle),
    };
    this.promises = {
      setTimeout: <T>(ms?: number, value?: T) => new Promise<T>((resolve) => void this.timers.setTimeout(() => resolve(value as T), ms)),
      setImmediate: <T>(value?: T) => new Promise<T>((resolve) => void this.timers.setImmediate(() => resolve(value as T))),
    };
  }

  /** Virtual ms since the node was created. */
  now(): number {
    return this.clock;
  }

  /** The node's Date.now(). */
  dateNow(): number {
    return VIRTUAL_EPOCH_MS + this.clock;
  }

  private schedule(kind: Task['kind'], callback: unknown, ms: unknown, args: unknown[], name: string): VirtualTimer {
    checkCallback(callback, name);
    const delay = kind === 'immediate' ? 0 : coerceDelay(ms);
    const task: Task = { id: this.nextId++, kind, callback, args, delay, due: this.clock + delay, order: this.nextOrder++, state: 'waiting', referenced: true };
    if (!this.stopped) {
      this.tasks.set(task.id, task);
      if (kind === 'immediate') this.makeReady(task);
      else this.waiting.push(task);
    }
    return new VirtualTimer(this, task);
  }

  private makeReady(task: Task): void {
    task.state = 'ready';
    this.ready.push(task);
  }

  /** Cancels a timer or an immediate (by handle or by its number); anything else is ignored, as in Node. */
  clear(handle: TimerHandle): void {
    if (handle === null || handle === undefined) return;
    const id = typeof handle === 'object' ? Number(handle[Symbol.toPrimitive]()) : Number(handle);
    const task = this.tasks.get(id);
    if (!task) return;
    this.unqueue(task);
    task.state = 'done';
    this.tasks.delete(id);
  }

  private unqueue(task: Task): void {
    const queue = task.state === 'ready' ? this.ready : task.state === 'waiting' ? this.waiting : null;
    if (!queue) return;
    const i = queue.indexOf(task);
    if (i >= 0) queue.splice(i, 1);
  }

  /** `refresh()`: due again `delay` ms from now, whether it was waiting, ready or done. */
  rearm(task: Task): void {
    if (this.stopped || task.kind === 'immediate') return;
    this.unqueue(task);
    task.due = this.clock + task.delay;
    task.order = this.nextOrder++;
    task.state = 'waiting';
    this.tasks.set(task.id, task);
    this.waiting.push(task);
  }

  // ---------------------------------------------------------------- the harness's side

  /** Tasks that may run now. */
  readyCount(): number {
    return this.ready.length;
  }

  /** The earliest due time of a timer not yet ready, or null. */
  nextDue(): number | null {
    let due: number | null = null;
    for (const t of this.waiting) if (due === null || t.due < due) due = t.due;
    return due;
  }

  /** Sets the clock (never backwards) and makes the timers due by then ready, in due order. */
  advanceTo(time: number): void {
    if (time > this.clock) this.clock = time;
    const due = this.waiting.filter((t) => t.due <= this.clock).sort((a, b) => a.due - b.due || a.order - b.order);
    if (due.length === 0) return;
    for (const t of due) this.waiting.splice(this.waiting.indexOf(t), 1);
    for (const t of due) this.makeReady(t);
  }

  /** Runs the ready task at position `index` (0: the oldest); an interval is re-armed after it runs. */
  runReady(index = 0): void {
    const [task] = this.ready.splice(index, 1);
    if (!task) throw new RangeError(`no ready task at ${index} (${this.ready.length} ready)`);
    task.state = 'done';
    if (task.kind !== 'interval') this.tasks.delete(task.id);
    const { callback, args } = task;
    this.invoke(() => void (callback as (...a: unknown[]) => unknown)(...args));
    // Re-armed from when it ran, unless the callback cleared or refreshed it.
    if (task.kind === 'interval' && task.state === 'done' && this.tasks.has(task.id) && !this.stopped) {
      task.due = this.clock + task.delay;
      task.order = this.nextOrder++;
      task.state = 'waiting';
      this.waiting.push(task);
    }
  }

  /** The node crashed or was disposed of: nothing it scheduled runs any more, and nothing new is accepted. */
  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
    this.waiting.length = 0;
    this.tasks.clear();
  }
}
