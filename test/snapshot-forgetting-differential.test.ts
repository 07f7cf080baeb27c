/**
 * The whole checker against itself with forgetting off (feature `snapshot`): the checker
 * forgets what every node has compacted (node logs from their snapshot on, per-index facts and
 * commits under the floor, the register's values), which is what keeps validation memory flat.
 * Forgetting must never change a verdict: random snapshot traces of the reference (valid), and
 * the same traces with an edit no Raft could produce (test/helpers/fatal-edits.ts, and edits of
 * the snapshot events), are checked both ways, every rule on and with conformance off (the
 * invariants alone, as for implementations that skip conformance), and must get the same
 * errors: rule and line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEMANTIC_RULES } from '../harness/checker/semantic-checker.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import { createRandom, type Random } from '../src/random.js';
import { createReferenceNode } from '../src/raft/node.js';
import type { TraceLine } from '../src/trace/schema.js';
import { FATAL_EDITS, type Edited } from './helpers/fatal-edits.js';

const WITHOUT_CONFORMANCE = new Set(SEMANTIC_RULES.map((r) => r.id).filter((id) => !id.startsWith('conformance.')));

function errors(lines: readonly TraceLine[], forgetCompacted: boolean, enabled?: ReadonlySet<string>): Array<{ rule: string; line: number }> {
  const v = new TraceValidation({ maxErrors: 5, forgetCompacted, ...(enabled ? { enabled } : {}) });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('differential', { lines: lines.length, bytes: 0 }).errors.map((e) => ({ rule: e.rule, line: e.line }));
}

/** Edits of the snapshot events themselves (their values, indices, what an install kept, what a restart recovered). */
const SNAPSHOT_EDITS: Record<string, (lines: readonly TraceLine[], random: Random) => Edited | null> = {
  snapshotValue: (lines, random) => edit(lines, random, (l) => l.kind === 'snapshot', (l) => ({ ...l, value: `${String((l as { value: unknown }).value)}!` })),
  snapshotIndex: (lines, random) => edit(lines, random, (l) => l.kind === 'snapshot', (l) => ({ ...l, index: (l as { index: number }).index + 1 })),
  installValue: (lines, random) => edit(lines, random, (l) => l.kind === 'install_snapshot', (l) => ({ ...l, value: `${String((l as { value: unknown }).value)}!` })),
  installLogKept: (lines, random) => edit(lines, random, (l) => l.kind === 'install_snapshot', (l) => ({ ...l, logKept: !(l as { logKept: boolean }).logKept })),
  restartOlderSnapshot: (lines, random) =>
    edit(lines, random, (l) => l.kind === 'restart' && l.persisted?.snapshot !== undefined && l.persisted.snapshot.index > 1, (l) => {
      const r = l as Extract<TraceLine, { kind: 'restart' }>;
      const s = r.persisted!.snapshot!;
      return { ...r, persisted: { ...r.persisted!, snapshot: { ...s, index: s.index - 1 } } };
    }),
};

function edit(lines: readonly TraceLine[], random: Random, which: (l: TraceLine) => boolean, f: (l: TraceLine) => TraceLine): Edited | null {
  const found = lines.flatMap((l, i) => (which(l) ? [i] : []));
  if (found.length === 0) return null;
  const i = random.pick(found);
  return { lines: lines.map((l, k) => (k === i ? f(l) : l)), line: i + 1 };
}

const EDITS = { ...FATAL_EDITS, ...SNAPSHOT_EDITS };

/** Snapshot schedules: faulty (crashes, partitions: followers fall behind a leader's snapshot), snapshots every 1, 3 or 8 entries. */
const cases = fc.tuple(
  fc.constantFrom('mild' as const, 'harsh' as const, 'swarm' as const),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.constantFrom(null, ...Object.keys(EDITS)),
).chain(([level, seed, editName]) => fc.tuple(scheduleArbitrary(level, [3, 5], 3000, ['snapshot']), fc.constant(seed), fc.constant(editName)));

describe('forgetting what every node compacted never changes a verdict', () => {
  it('random snapshot traces, valid and edited: the same errors (rule and line) with forgetting on and off', () => {
    let compacted = 0;
    let edited = 0;
    let invalid = 0;
    fc.assert(
      fc.property(cases, ([schedule, seed, editName]) => {
        const outcome = runSchedule(schedule, createReferenceNode, { keepLines: true });
        expect(outcome.ok).toBe(true);
        let lines = outcome.lines;
        if (lines.some((l) => l.kind === 'snapshot')) compacted++;
        if (editName !== null) {
          const e = EDITS[editName]!(lines, createRandom(seed));
          if (e) {
            lines = e.lines;
            edited++;
          }
        }
        for (const enabled of [undefined, WITHOUT_CONFORMANCE]) {
          const forgetting = errors(lines, true, enabled);
          const whole = errors(lines, false, enabled);
          expect(forgetting, `${editName ?? 'unedited'}, ${enabled ? 'conformance off' : 'every rule'}`).toEqual(whole);
          if (whole.length > 0) invalid++;
        }
      }),
      { numRuns: 100, seed: 16, endOnFailure: true },
    );
    // The property is about traces where forgetting happens, valid and not.
    expect(compacted).toBeGreaterThan(40);
    expect(edited).toBeGreaterThan(20);
    expect(invalid).toBeGreaterThan(10);
  });
});
