/**
 * The linearizability search against the brute force of test/helpers/brute-force-linearizability.ts
 * on 10,000 small random histories: every operation kind, every outcome (ok, cas_failed, unknown
 * with a finite return, unknown with none), equal timestamps. Half the histories come from a
 * real execution on a register (linearizable by construction) and are then perturbed, so that
 * both verdicts are well represented; the test asserts the mix.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryOp, Outcome } from '../harness/checker/linearizability/history.js';
import { checkLinearizable } from '../harness/checker/linearizability/search.js';
import type { Operation, RegisterState } from '../src/trace/schema.js';
import { bruteForceLinearizable, isWitness } from './helpers/brute-force-linearizability.js';

type Mode = 'ok' | 'unknown-finite' | 'unknown-never';

interface RawOp {
  kind: 'set' | 'get' | 'cas';
  value: number;
  expected: RegisterState;
  call: number;
  duration: number;
  mode: Mode;
  /** For an unknown outcome: did it take effect, and how long after its call (maybe after its return)? */
  applied: boolean;
  lag: number;
  /** Where in [call, ret] a known operation takes effect, in thousandths. */
  at: number;
  /** Whether a cas_failed answer says what it saw, whether a read of null says so. */
  explicit: boolean;
}

type PerturbationKind = 'answer' | 'flip-cas' | 'seen' | 'call' | 'ret' | 'status' | 'nonsense';
interface Perturbation {
  index: number;
  what: PerturbationKind;
  x: number;
}

const VALUES: RegisterState[] = [null, 0, 1, 2];

const rawOp: fc.Arbitrary<RawOp> = fc.record({
  kind: fc.constantFrom('set', 'get', 'cas'),
  value: fc.integer({ min: 0, max: 2 }),
  expected: fc.constantFrom(...VALUES),
  call: fc.integer({ min: 0, max: 10 }),
  duration: fc.integer({ min: 0, max: 5 }),
  mode: fc.constantFrom<Mode>('ok', 'ok', 'ok', 'unknown-finite', 'unknown-never'),
  applied: fc.boolean(),
  lag: fc.integer({ min: 0, max: 8 }),
  at: fc.integer({ min: 0, max: 1000 }),
  explicit: fc.boolean(),
});

const perturbation: fc.Arbitrary<Perturbation> = fc.record({
  index: fc.nat({ max: 6 }),
  what: fc.constantFrom<PerturbationKind>('answer', 'answer', 'flip-cas', 'seen', 'call', 'ret', 'status', 'nonsense'),
  x: fc.nat({ max: 10 }),
});

const historyCase = fc.record({
  ops: fc.array(rawOp, { minLength: 1, maxLength: 7 }),
  /** Take every answer from a real execution (then perturb), or make them up. */
  executed: fc.boolean(),
  perturbations: fc.array(perturbation, { maxLength: 2 }),
});

function operation(r: RawOp): Operation {
  return r.kind === 'set' ? { type: 'set', value: r.value } : r.kind === 'get' ? { type: 'get' } : { type: 'cas', expected: r.expected, value: r.value };
}

function retOf(r: RawOp): number {
  return r.mode === 'unknown-never' ? Infinity : r.call + r.duration;
}

/** Runs the operations on a register at their effect points and answers them truthfully. */
function execute(raw: readonly RawOp[]): HistoryOp[] {
  const points = raw
    .map((r, i) => ({ i, point: r.mode === 'ok' ? r.call + (r.duration * r.at) / 1000 : r.applied ? r.call + r.lag + r.at / 1000 : undefined }))
    .filter((p): p is { i: number; point: number } => p.point !== undefined)
    .sort((a, b) => a.point - b.point || a.i - b.i);
  const outcomes: Outcome[] = raw.map(() => ({ status: 'unknown' }));
  let state: RegisterState = null;
  for (const { i } of points) {
    const r = raw[i]!;
    const op = operation(r);
    let outcome: Outcome;
    if (op.type === 'set') {
      state = op.value;
      outcome = { status: 'ok' };
    } else if (op.type === 'get') {
      outcome = state === null && !r.explicit ? { status: 'ok' } : { status: 'ok', value: state };
    } else if (state === op.expected) {
      state = op.value;
      outcome = { status: 'ok' };
    } else {
      outcome = r.explicit ? { status: 'cas_failed', value: state } : { status: 'cas_failed' };
    }
    if (r.mode === 'ok') outcomes[i] = outcome;
  }
  return raw.map((r, i) => ({ id: i, client: `c${i}`, op: operation(r), outcome: outcomes[i]!, call: r.call, ret: retOf(r) }));
}

/** Answers made up from the raw fields: mostly nonsense, sometimes right. */
function invent(raw: readonly RawOp[]): HistoryOp[] {
  return raw.map((r, i) => {
    const op = operation(r);
    const outcome: Outcome =
      r.mode !== 'ok'
        ? { status: 'unknown' }
        : op.type === 'get'
          ? { status: 'ok', value: VALUES[r.lag % VALUES.length]! }
          : op.type === 'cas' && r.applied
            ? r.explicit ? { status: 'cas_failed', value: VALUES[r.lag % VALUES.length]! } : { status: 'cas_failed' }
            : { status: 'ok' };
    return { id: i, client: `c${i}`, op, outcome, call: r.call, ret: retOf(r) };
  });
}

function perturb(history: HistoryOp[], p: Perturbation): void {
  const h = history[p.index % history.length]!;
  const value = VALUES[p.x % VALUES.length]!;
  switch (p.what) {
    case 'answer':
      if (h.op.type === 'get' && h.outcome.status === 'ok') h.outcome = { status: 'ok', value };
      else if (h.op.type === 'set') h.op = { type: 'set', value: p.x % 3 };
      else if (h.op.type === 'cas') h.op = { ...h.op, expected: value };
      break;
    case 'flip-cas':
      if (h.op.type === 'cas' && h.outcome.status === 'ok') h.outcome = { status: 'cas_failed' };
      else if (h.outcome.status === 'cas_failed') h.outcome = { status: 'ok' };
      break;
    case 'seen':
      if (h.outcome.status === 'cas_failed') h.outcome = { status: 'cas_failed', value };
      break;
    case 'call':
      h.call = p.x;
      h.ret = Math.max(h.ret, h.call);
      break;
    case 'ret':
      if (h.ret !== Infinity) h.ret = h.call + (p.x % 6);
      break;
    case 'status':
      if (h.outcome.status !== 'unknown') h.outcome = { status: 'unknown' };
      else {
        h.outcome = h.op.type === 'get' ? { status: 'ok', value } : { status: 'ok' };
        // Known outcome, no return seen: it took effect, some time after its call.
        if (h.ret === Infinity && p.x % 3 !== 0) h.ret = h.call + (p.x % 6);
      }
      if (h.outcome.status === 'unknown' && p.x % 2 === 0) h.ret = Infinity;
      break;
    case 'nonsense':
      // An answer the register never gives: cas_failed to a set or a get.
      if (h.op.type !== 'cas') h.outcome = { status: 'cas_failed' };
      break;
  }
}

describe('linearizability search: differential test against brute force', () => {
  it('agrees on 10,000 random histories of up to 7 operations, both verdicts well represented', () => {
    const mix = { runs: 0, linearizable: 0, notLinearizable: 0, executedUnperturbed: 0, unknownFinite: 0, unknownNever: 0, knownNever: 0, casFailed: 0, equalTimes: 0 };
    fc.assert(
      fc.property(historyCase, ({ ops, executed, perturbations }) => {
        const history = executed ? execute(ops) : invent(ops);
        for (const p of perturbations) perturb(history, p);
        const expected = bruteForceLinearizable(history);
        const result = checkLinearizable(history);
        expect(result.verdict).toBe(expected ? 'linearizable' : 'not-linearizable');
        if (result.verdict === 'linearizable') expect(isWitness(history, result.order)).toBe(true);
        // A truthful execution is linearizable by construction: the brute force must say so.
        if (executed && perturbations.length === 0) {
          expect(expected).toBe(true);
          mix.executedUnperturbed++;
        }
        mix.runs++;
        if (expected) mix.linearizable++;
        else mix.notLinearizable++;
        if (history.some((h) => h.outcome.status === 'unknown' && h.ret !== Infinity)) mix.unknownFinite++;
        if (history.some((h) => h.outcome.status === 'unknown' && h.ret === Infinity)) mix.unknownNever++;
        if (history.some((h) => h.outcome.status !== 'unknown' && h.ret === Infinity)) mix.knownNever++;
        if (history.some((h) => h.outcome.status === 'cas_failed')) mix.casFailed++;
        const times = history.flatMap((h) => [h.call, h.ret]).filter((t) => t !== Infinity);
        if (new Set(times).size < times.length) mix.equalTimes++;
      }),
      { numRuns: 10_000, seed: 20_251_012 },
    );
    expect(mix.runs).toBe(10_000);
    // Both verdicts, and every kind of outcome, in a good share of the runs.
    expect(mix.linearizable).toBeGreaterThan(3_000);
    expect(mix.notLinearizable).toBeGreaterThan(3_000);
    expect(mix.executedUnperturbed).toBeGreaterThan(1_000);
    for (const n of [mix.unknownFinite, mix.unknownNever, mix.casFailed, mix.equalTimes]) expect(n).toBeGreaterThan(1_500);
    expect(mix.knownNever).toBeGreaterThan(50);
    console.log(`differential linearizability: ${JSON.stringify(mix)}`);
  });
});
