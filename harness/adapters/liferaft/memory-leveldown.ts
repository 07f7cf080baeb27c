/**
 * The disk a liferaft node's log lives on, and the LevelDB it sees: an `abstract-leveldown`
 * store (the interface `leveldown` implements; liferaft wraps it in `encoding-down` and
 * `levelup`) whose records live in a `MemoryDisk` the adapter can read at any moment and
 * keep over a crash.
 *
 * Every operation completes in a task of the node's own (`defer`: the node runtime's
 * `setImmediate`), as a real store's callbacks come from its I/O thread: a handler that awaits
 * its log really yields there, which is where liferaft's handlers can interleave. A write
 * lands when it completes (its callback runs in the same task); an iterator reads the records
 * as they were when it was created (LevelDB's implicit snapshot).
 */
import { createRequire } from 'node:module';

type Callback = (error?: Error | null, ...results: unknown[]) => void;
type Defer = (task: () => void) => void;

/** A store's records, key to value (both as encoding-down hands them down: strings). */
export class MemoryDisk {
  private readonly records = new Map<string, string>();
  /** Bumped on every change: readers cache what they derive from the records. */
  version = 0;

  constructor(records: Iterable<[string, string]> = []) {
    for (const [k, v] of records) this.records.set(k, v);
  }

  get(key: string): string | undefined {
    return this.records.get(key);
  }

  set(key: string, value: string): void {
    this.records.set(key, value);
    this.version++;
  }

  delete(key: string): void {
    if (this.records.delete(key)) this.version++;
  }

  /** The records in key order (LevelDB's: bytewise, which is string order for these keys). */
  sorted(): Array<[string, string]> {
    return [...this.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

interface IteratorOptions {
  gt?: string; gte?: string; lt?: string; lte?: string;
  reverse: boolean; limit: number; keys: boolean; values: boolean; keyAsBuffer: boolean; valueAsBuffer: boolean;
}

interface AbstractModule {
  AbstractLevelDOWN: new (manifest: object) => object;
  AbstractIterator: new (db: object) => object;
}

let abstractModule: AbstractModule | undefined;

/** abstract-leveldown as liferaft's levelup and encoding-down use it (resolved from the package, not from raftcheck). */
function loadAbstract(): AbstractModule {
  if (!abstractModule) {
    const fromLiferaft = createRequire(createRequire(import.meta.url).resolve('@markwylde/liferaft/package.json'));
    const fromEncodingDown = createRequire(fromLiferaft.resolve('encoding-down'));
    abstractModule = fromEncodingDown('abstract-leveldown') as AbstractModule;
  }
  return abstractModule;
}

const inRange = (key: string, o: IteratorOptions): boolean =>
  (o.gt === undefined || key > o.gt) && (o.gte === undefined || key >= o.gte) && (o.lt === undefined || key < o.lt) && (o.lte === undefined || key <= o.lte);

const out = (x: string, asBuffer: boolean): string | Buffer => (asBuffer ? Buffer.from(x) : x);

/** A new abstract-leveldown store over `disk` (what liferaft's `adapter` option returns). */
export function memoryLeveldown(disk: MemoryDisk, defer: Defer): object {
  const { AbstractLevelDOWN, AbstractIterator } = loadAbstract();

  class MemoryIterator extends AbstractIterator {
    private at = 0;
    constructor(db: object, private readonly rows: Array<[string, string]>, private readonly options: IteratorOptions) {
      super(db);
    }
    _next(callback: Callback): void {
      const row = this.rows[this.at++];
      defer(() => (row ? callback(null, out(row[0], this.options.keyAsBuffer), out(row[1], this.options.valueAsBuffer)) : callback()));
    }
    _end(callback: Callback): void {
      defer(() => callback());
    }
  }

  class MemoryLevelDOWN extends AbstractLevelDOWN {
    constructor() {
      super({ bufferKeys: false, snapshots: true, permanence: true, seek: false, clear: false, getMany: false });
    }
    _open(_options: object, callback: Callback): void { defer(() => callback()); }
    _close(callback: Callback): void { defer(() => callback()); }
    _serializeKey(key: unknown): string { return String(key); }
    _serializeValue(value: unknown): string { return String(value); }
    _put(key: string, value: string, _options: object, callback: Callback): void {
      defer(() => { disk.set(key, value); callback(); });
    }
    _get(key: string, options: { asBuffer?: boolean }, callback: Callback): void {
      defer(() => {
        const value = disk.get(key);
        if (value === undefined) callback(new Error('NotFound'));
        else callback(null, out(value, options.asBuffer !== false));
      });
    }
    _del(key: string, _options: object, callback: Callback): void {
      defer(() => { disk.delete(key); callback(); });
    }
    _batch(ops: Array<{ type: 'put' | 'del'; key: string; value?: string }>, _options: object, callback: Callback): void {
      defer(() => {
        for (const op of ops) if (op.type === 'put') disk.set(op.key, op.value ?? ''); else disk.delete(op.key);
        callback();
      });
    }
    _iterator(options: IteratorOptions): object {
      let rows = disk.sorted().filter(([k]) => inRange(k, options));
      if (options.reverse) rows.reverse();
      if (options.limit >= 0) rows = rows.slice(0, options.limit);
      return new MemoryIterator(this, rows, options);
    }
  }

  return new MemoryLevelDOWN();
}
