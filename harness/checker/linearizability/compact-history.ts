/**
 * Answered operations of a trace's client history, kept in a few bytes each and read back in
 * order. As objects (the parsed `op`, an outcome, the record around them) an operation cost
 * about 450 bytes of live heap on the bench workload (BENCHMARKS.md, "Validation memory with
 * snapshots"), most of it hidden classes V8 made per object; here it is a handful of
 * variable-length integers in one growing byte array (4.4 bytes on that workload):
 * - its return line, as the distance from the previous operation's (answers come in line order);
 * - how long it was open (return line minus call line);
 * - its client (index in a table of the distinct clients) with 4 bits of kind and outcome;
 * - its values (index in a table of the distinct register values): a set's value, a cas's
 *   expected and new values, what the outcome saw if it says.
 *
 * Only for histories read from a trace: `call` and `ret` are trace lines (`callLine`,
 * `retLine`), integers, and operations come in the order of their answers, each answered
 * (`ok` or `cas_failed`).
 */
import type { Operation, RegisterState } from '../../../src/trace/schema.js';
import type { HistoryOp, Outcome } from './history.js';

const TYPES = ['get', 'set', 'cas'] as const;
/** Flag bits next to the type's two. */
const CAS_FAILED = 4;
const SEEN = 8;
const FLAG_BITS = 4;

/** Distinct values, each kept once, by index. */
class Interned<T> {
  private readonly index = new Map<T, number>();
  readonly values: T[] = [];
  id(v: T): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.index.set(v, i);
    }
    return i;
  }
}

/** Where reading may start: after the operations kept so far (see `end`). */
export interface HistoryPosition {
  readonly index: number;
  readonly offset: number;
  readonly ret: number;
}

export class CompactHistory {
  private bytes = new Uint8Array(4096);
  private size = 0;
  private count = 0;
  private lastRet = 0;
  private readonly clients = new Interned<string>();
  private readonly registerValues = new Interned<RegisterState>();

  get length(): number {
    return this.count;
  }

  /** The position after the last operation kept: `forEach` from it reads those kept later. */
  get end(): HistoryPosition {
    return { index: this.count, offset: this.size, ret: this.lastRet };
  }

  /** Appends an answered operation, answered at or after the previous one. */
  push(h: Omit<HistoryOp, 'id'>): void {
    const { op, outcome } = h;
    if (outcome.status === 'unknown') throw new RangeError('CompactHistory keeps answered operations only');
    if (!(Number.isSafeInteger(h.call) && Number.isSafeInteger(h.ret) && h.call <= h.ret && h.ret >= this.lastRet && h.call >= 0)) {
      throw new RangeError(`CompactHistory: operation at lines ${h.call}-${h.ret} out of order (previous answer at ${this.lastRet})`);
    }
    this.writeUint(h.ret - this.lastRet);
    this.writeUint(h.ret - h.call);
    const flags = TYPES.indexOf(op.type) | (outcome.status === 'cas_failed' ? CAS_FAILED : 0) | (outcome.value === undefined ? 0 : SEEN);
    this.writeUint(this.clients.id(h.client) * (1 << FLAG_BITS) + flags);
    if (op.type === 'cas') this.writeUint(this.registerValues.id(op.expected));
    if (op.type !== 'get') this.writeUint(this.registerValues.id(op.value));
    if (outcome.value !== undefined) this.writeUint(this.registerValues.id(outcome.value));
    this.lastRet = h.ret;
    this.count++;
  }

  /** Calls `visit` with each operation kept (from `from`, by default from the first), in order, and its index. */
  forEach(visit: (h: Omit<HistoryOp, 'id'>, index: number) => void, from: HistoryPosition = { index: 0, offset: 0, ret: 0 }): void {
    const b = this.bytes;
    let at = from.offset;
    let ret = from.ret;
    // Unsigned LEB128, as written by writeUint.
    const read = (): number => {
      let v = 0;
      let scale = 1;
      for (;;) {
        const byte = b[at++]!;
        v += (byte & 0x7f) * scale;
        if (byte < 0x80) return v;
        scale *= 0x80;
      }
    };
    const value = (): RegisterState => this.registerValues.values[read()] as RegisterState;
    for (let i = from.index; i < this.count; i++) {
      ret += read();
      const call = ret - read();
      const head = read();
      const flags = head % (1 << FLAG_BITS);
      const client = this.clients.values[Math.floor(head / (1 << FLAG_BITS))]!;
      const type = TYPES[flags & 3]!;
      let op: Operation;
      if (type === 'get') op = { type };
      else if (type === 'set') op = { type, value: value()! };
      else {
        const expected = value();
        op = { type, expected, value: value()! };
      }
      const status = flags & CAS_FAILED ? 'cas_failed' : 'ok';
      const outcome: Outcome = flags & SEEN ? { status, value: value() } : { status };
      visit({ client, op, outcome, call, ret, callLine: call, retLine: ret }, i);
    }
  }

  /** Appends v (a non-negative integer) in 7-bit groups, low first, the high bit set on all but the last. */
  private writeUint(v: number): void {
    if (this.size + 8 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    while (v >= 0x80) {
      this.bytes[this.size++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.size++] = v;
  }
}
