/**
 * The miss hunt, the reverse of test/sparsification-property.test.ts: small edits that no
 * freedom of the trace format explains (test/helpers/fatal-edits.ts: a state with another
 * term or log length, an apply of another value or command, a second vote in a term, two
 * applies swapped, a vote answered the other way, a leaderCommit raised, a restart that loses
 * what was acknowledged, a read of a value never written, a commitIndex that goes back) are
 * made to reference runs of random faulty schedules, and must be caught on the line they
 * touch. With conformance off, as for implementations that skip it, the invariants alone must
 * still catch those that break a cluster-wide property.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEMANTIC_RULES } from '../harness/checker/semantic-checker.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import { createRandom } from '../src/random.js';
import type { TraceLine } from '../src/trace/schema.js';
import { featureSchedules, referenceRun, schedules } from './helpers/reference-runs.js';
import { FATAL_EDITS } from './helpers/fatal-edits.js';

const WITHOUT_CONFORMANCE = new Set(SEMANTIC_RULES.map((r) => r.id).filter((id) => !id.startsWith('conformance.')));

function firstError(lines: readonly TraceLine[], enabled?: ReadonlySet<string>) {
  const v = new TraceValidation({ maxErrors: 1, ...(enabled ? { enabled } : {}) });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('edited', { lines: lines.length, bytes: 0 }).errors[0];
}

/** Edits the invariants must catch by themselves (the others are about what the reference would do). */
const CLUSTER_WIDE = ['applyValue', 'applyCommand', 'appendEntry', 'secondVote', 'swappedApplies', 'restartLosesAcknowledged', 'wrongRead', 'commitBack'];

describe('miss hunt: an edit no freedom of the trace format explains is caught', () => {
  it.each(Object.keys(FATAL_EDITS))('%s, every rule on: caught on the line it touches', (name) => {
    let edited = 0;
    fc.assert(
      fc.property(schedules, ([schedule, seed]) => {
        const e = FATAL_EDITS[name]!(referenceRun(schedule), createRandom(seed));
        fc.pre(e !== null);
        edited++;
        expect(firstError(e!.lines), `${name} at line ${e!.line}`).toMatchObject({ line: e!.line });
      }),
      { numRuns: 10, seed: 31, endOnFailure: true },
    );
    expect(edited).toBeGreaterThan(0);
  });

  it.each(Object.keys(FATAL_EDITS))('%s, every rule on, in runs with PreVote, CheckQuorum or leader transfer: caught on the line it touches', (name) => {
    fc.assert(
      fc.property(featureSchedules, ([schedule, seed]) => {
        const e = FATAL_EDITS[name]!(referenceRun(schedule), createRandom(seed));
        fc.pre(e !== null);
        expect(firstError(e!.lines), `${name} at line ${e!.line}`).toMatchObject({ line: e!.line });
      }),
      { numRuns: 6, seed: 33, endOnFailure: true },
    );
  });

  it.each(CLUSTER_WIDE)('%s, conformance off: the invariants catch it, no earlier than its line', (name) => {
    fc.assert(
      fc.property(schedules, ([schedule, seed]) => {
        const e = FATAL_EDITS[name]!(referenceRun(schedule), createRandom(seed));
        fc.pre(e !== null);
        const found = firstError(e!.lines, WITHOUT_CONFORMANCE);
        expect(found, `${name} at line ${e!.line}`).toBeDefined();
        expect(found!.line).toBeGreaterThanOrEqual(e!.line);
      }),
      { numRuns: 10, seed: 32, endOnFailure: true },
    );
  });
});
