/**
 * The compact store of answered operations (compact-history.ts) gives back what it was given:
 * every operation kind and answer, integer and string values and null, repeated and new
 * clients and values, past its first growth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactHistory } from '../harness/checker/linearizability/compact-history.js';
import type { HistoryOp, Outcome } from '../harness/checker/linearizability/history.js';
import type { Operation, RegisterState } from '../src/trace/schema.js';

const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '1', ''), fc.integer());
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
const answered = fc.tuple(fc.constantFrom('c1', 'c2', 'a client'), operation, outcome, fc.nat(1 << 30), fc.nat(1000)).map(
  ([client, op, out, call, wait]): Omit<HistoryOp, 'id'> => ({ client, op, outcome: out, call, ret: call + wait, callLine: call, retLine: call + wait }),
);

describe('CompactHistory', () => {
  it('returns each operation as it was pushed, marked or not', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(answered, fc.boolean()), { maxLength: 600 }), (ops) => {
        const store = new CompactHistory();
        for (const [h, mark] of ops) {
          const i = store.push(h);
          if (mark) store.mark(i);
        }
        expect(store.length).toBe(ops.length);
        ops.forEach(([h, mark], i) => {
          expect(store.get(i)).toEqual(h);
          expect(store.marked(i)).toBe(mark);
        });
      }),
      { numRuns: 200, seed: 16 },
    );
  });

  it('refuses an unknown outcome (it keeps answered operations only)', () => {
    expect(() => new CompactHistory().push({ client: 'c', op: { type: 'get' }, outcome: { status: 'unknown' }, call: 1, ret: Infinity })).toThrow(RangeError);
  });
});
