/**
 * The compact store of answered operations (compact-history.ts) gives back what it was given,
 * in order, from the start or from a position taken earlier: every operation kind and answer,
 * integer values (negative and up to the largest safe one) and strings and null, repeated and
 * new clients and values, lines up to the largest safe integer, past its growth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactHistory, type HistoryPosition } from '../harness/checker/linearizability/compact-history.js';
import type { HistoryOp, Outcome } from '../harness/checker/linearizability/history.js';
import type { Operation, RegisterState } from '../src/trace/schema.js';

type Answered = Omit<HistoryOp, 'id'>;

const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '1', '', 'x'.repeat(300)), fc.maxSafeInteger(), fc.constant(Number.MAX_SAFE_INTEGER));
const state: fc.Arbitrary<RegisterState> = fc.oneof(value, fc.constant(null));
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant<Operation>({ type: 'get' }),
  value.map((v): Operation => ({ type: 'set', value: v })),
  fc.tuple(state, value).map(([expected, v]): Operation => ({ type: 'cas', expected, value: v })),
);
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constant<Outcome>({ status: 'ok' }),
  state.map((v): Outcome => ({ status: 'ok', value: v })),
  fc.constant<Outcome>({ status: 'cas_failed' }),
  state.map((v): Outcome => ({ status: 'cas_failed', value: v })),
);
/** Each answered at or after the previous: the gap to the previous answer and how long it was open. */
const step = fc.tuple(fc.constantFrom('c1', 'c2', 'a client'), operation, outcome, fc.oneof(fc.nat(3), fc.nat(1 << 30)), fc.oneof(fc.nat(200), fc.nat(1 << 30)));

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function answered(steps: readonly Step[]): Answered[] {
  let ret = 0;
  return steps.map(([client, op, out, gap, open]) => {
    ret += gap;
    const call = Math.max(0, ret - open);
    return { client, op, outcome: out, call, ret, callLine: call, retLine: ret };
  });
}

describe('CompactHistory', () => {
  it('gives back each operation as pushed, from the start and from a position taken on the way', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 800 }), fc.nat(), (steps, cut) => {
        const ops = answered(steps);
        const at = ops.length === 0 ? 0 : cut % (ops.length + 1);
        const store = new CompactHistory();
        let position: HistoryPosition = store.end;
        ops.forEach((h, i) => {
          if (i === at) position = store.end;
          store.push(h);
        });
        if (at === ops.length) position = store.end;
        expect(store.length).toBe(ops.length);
        const all: Array<[Answered, number]> = [];
        store.forEach((h, i) => void all.push([h, i]));
        expect(all).toEqual(ops.map((h, i) => [h, i]));
        const rest: Answered[] = [];
        store.forEach((h) => void rest.push(h), position);
        expect(rest).toEqual(ops.slice(at));
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it('refuses an unknown outcome and an operation answered before the previous one', () => {
    const store = new CompactHistory();
    expect(() => store.push({ client: 'c', op: { type: 'get' }, outcome: { status: 'unknown' }, call: 1, ret: Infinity })).toThrow(RangeError);
    store.push({ client: 'c', op: { type: 'get' }, outcome: { status: 'ok', value: null }, call: 5, ret: 9 });
    expect(() => store.push({ client: 'c', op: { type: 'get' }, outcome: { status: 'ok', value: null }, call: 1, ret: 8 })).toThrow(RangeError);
    expect(() => store.push({ client: 'c', op: { type: 'get' }, outcome: { status: 'ok', value: null }, call: 11, ret: 10 })).toThrow(RangeError);
  });
});
