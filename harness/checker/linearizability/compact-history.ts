/**
 * Answered operations of a trace's client history, kept in a few bytes each: seven 32-bit
 * integers per operation in one growing Int32Array, clients and register values replaced by
 * their index in a table of the distinct ones. As objects (the parsed `op`, an outcome, the
 * record around them) an operation cost about 450 bytes of live heap on the bench workload
 * (BENCHMARKS.md, "Validation memory with snapshots"), most of it V8 hidden classes made per
 * object; here it costs 28 bytes, plus its values if they are new.
 *
 * Only for histories read from a trace: an operation's `call` and `ret` are its trace lines
 * (`callLine`, `retLine`), integers below 2^31, and its outcome is known (`ok` or
 * `cas_failed`); an unanswered request is not kept here.
 */
import type { Operation, RegisterState } from '../../../src/trace/schema.js';
import type { HistoryOp, Outcome } from './history.js';

const STRIDE = 7;
const CALL = 0;
const RET = 1;
const CLIENT = 2;
/** Bits 0-1 the operation's type, bit 2 a failed cas, bit 3 a mark (`mark`). */
const FLAGS = 3;
/** A set's or cas's new value; a cas's expected value; what the outcome saw. -1: none. */
const VALUE = 4;
const EXPECTED = 5;
const SEEN = 6;

const TYPES = ['get', 'set', 'cas'] as const;
const CAS_FAILED = 4;
const MARKED = 8;
const NONE = -1;

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

export class CompactHistory {
  private data = new Int32Array(STRIDE * 256);
  private count = 0;
  private readonly clients = new Interned<string>();
  private readonly registerValues = new Interned<RegisterState>();

  get length(): number {
    return this.count;
  }

  /** Appends an answered operation; returns its index. */
  push(h: Omit<HistoryOp, 'id'>): number {
    if (h.outcome.status === 'unknown') throw new RangeError('CompactHistory keeps answered operations only');
    if (this.count * STRIDE === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const at = this.count * STRIDE;
    const d = this.data;
    const { op, outcome } = h;
    d[at + CALL] = h.call;
    d[at + RET] = h.ret;
    d[at + CLIENT] = this.clients.id(h.client);
    d[at + FLAGS] = TYPES.indexOf(op.type) | (outcome.status === 'cas_failed' ? CAS_FAILED : 0);
    d[at + VALUE] = op.type === 'get' ? NONE : this.registerValues.id(op.value);
    d[at + EXPECTED] = op.type === 'cas' ? this.registerValues.id(op.expected) : NONE;
    d[at + SEEN] = outcome.value === undefined ? NONE : this.registerValues.id(outcome.value);
    return this.count++;
  }

  /** Marks operation i (the collector marks those it has already placed in a linearization). */
  mark(i: number): void {
    this.data[i * STRIDE + FLAGS]! |= MARKED;
  }

  marked(i: number): boolean {
    return (this.data[i * STRIDE + FLAGS]! & MARKED) !== 0;
  }

  /** Operation i as the search takes it (`id` is left to the caller). */
  get(i: number): Omit<HistoryOp, 'id'> {
    const d = this.data;
    const at = i * STRIDE;
    const flags = d[at + FLAGS]!;
    const type = TYPES[flags & 3]!;
    const value = (k: number) => this.registerValues.values[k] as RegisterState;
    const op: Operation =
      type === 'get' ? { type } : type === 'set' ? { type, value: value(d[at + VALUE]!)! } : { type, expected: value(d[at + EXPECTED]!), value: value(d[at + VALUE]!)! };
    const seen = d[at + SEEN]!;
    const status = flags & CAS_FAILED ? 'cas_failed' : 'ok';
    const outcome: Outcome = seen === NONE ? { status } : { status, value: value(seen) };
    const call = d[at + CALL]!;
    const ret = d[at + RET]!;
    return { client: this.clients.values[d[at + CLIENT]!]!, op, outcome, call, ret, callLine: call, retLine: ret };
  }
}
