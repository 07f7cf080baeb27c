/**
 * Lazy commit and apply, differentially: reference runs of random faulty schedules are
 * rewritten so that followers and candidates commit and apply at other points than the
 * reference did — later, in later steps, merged, or earlier in their own step, before the
 * step's state changes — with true states (test/helpers/lazy-commits.ts). Figure 2 allows all
 * of it, so every rewritten run must still validate, every rule on. And the moves Figure 2
 * forbids must be caught exactly where they are made: a commit raised beyond the reference's,
 * a commit before the input that justifies it, a commit before the append of its entry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import { createRandom } from '../src/random.js';
import { createReferenceNode } from '../src/raft/node.js';
import type { TraceLine } from '../src/trace/schema.js';
import { moveCommits, type NodeLine } from './helpers/lazy-commits.js';

function errors(lines: readonly TraceLine[]) {
  const v = new TraceValidation({ maxErrors: 3 });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('rewritten', { lines: lines.length, bytes: 0 }).errors.map(({ line, rule, message }) => ({ line, rule, message }));
}

function referenceRun(schedule: Parameters<typeof runSchedule>[0]): TraceLine[] {
  const outcome = runSchedule(schedule, createReferenceNode, { keepLines: true });
  expect(outcome.ok).toBe(true);
  return outcome.lines;
}

const nodesOf = (lines: readonly TraceLine[]) => (lines[0]!.kind === 'header' ? lines[0]!.nodes : []);
const isFollowerCommit = (l: TraceLine): l is Extract<NodeLine, { kind: 'commit' }> => l.kind === 'commit' && l.state?.role !== undefined && l.state.role !== 'leader';

/** Where each of a node's commit events was, and the input that opened its step. */
function commitsWithInputs(lines: readonly TraceLine[]) {
  const found: Array<{ at: number; input: number }> = [];
  const lastInput = new Map<string, number>();
  lines.forEach((l, i) => {
    if (!('node' in l) || typeof l.node !== 'string') return;
    if (l.kind === 'receive' || l.kind === 'timeout' || l.kind === 'client_request') lastInput.set(l.node, i);
    if (isFollowerCommit(l) && lastInput.has(l.node)) found.push({ at: i, input: lastInput.get(l.node)! });
  });
  return found;
}

/** The trace with line `from` moved to just before line `to` (to < from), without its state; seq stays increasing per node by renumbering. */
function moveBefore(lines: readonly TraceLine[], from: number, to: number): { lines: TraceLine[]; line: number } {
  const moved = { ...lines[from]! } as NodeLine & { state?: unknown };
  delete moved.state;
  const out = [...lines.slice(0, to), moved as TraceLine, ...lines.slice(to, from), ...lines.slice(from + 1)];
  const seq = new Map<string, number>();
  const renumbered = out.map((l) => {
    if (!('node' in l) || typeof l.node !== 'string' || !('seq' in l) || l.seq === undefined) return l;
    const n = seq.get(l.node) ?? 0;
    seq.set(l.node, n + 1);
    return { ...l, seq: n } as TraceLine;
  });
  return { lines: renumbered, line: to + 1 };
}

const schedules = fc.tuple(fc.constantFrom('mild' as const, 'harsh' as const, 'swarm' as const), fc.integer({ min: 0, max: 2 ** 31 - 1 })).chain(([level, seed]) =>
  fc.tuple(scheduleArbitrary(level, [3, 5], 1500), fc.constant(seed)));

describe('late and early commits and applies of followers (Figure 2 freedom)', () => {
  it('rewritten reference runs still validate, every rule on', () => {
    let movedRuns = 0;
    fc.assert(
      fc.property(schedules, ([schedule, seed]) => {
        const original = referenceRun(schedule);
        const random = createRandom(seed);
        let lines = original;
        for (const node of nodesOf(original)) {
          const take = random.next() * 0.8;
          const wait = random.next();
          lines = moveCommits(lines, node, {
            take: () => random.chance(take),
            release: (_l, _i, waiting) => (random.chance(wait) ? 0 : random.int(1, waiting)),
            merge: () => random.chance(0.3),
          });
        }
        const before = original.filter((l) => l.kind === 'commit' || l.kind === 'apply').map((l) => JSON.stringify(l));
        const after = new Set(lines.filter((l) => l.kind === 'commit' || l.kind === 'apply').map((l) => JSON.stringify(l)));
        if (before.some((l) => !after.has(l))) movedRuns++;
        expect(errors(lines)).toEqual([]);
      }),
      { numRuns: 40, seed: 12 },
    );
    expect(movedRuns).toBeGreaterThan(20);
  });

  it('a follower commit raised beyond the reference\'s is caught where it is logged', () => {
    fc.assert(
      fc.property(schedules, fc.nat(), fc.integer({ min: 1, max: 3 }), ([schedule], pick, by) => {
        const lines = referenceRun(schedule);
        const commits = commitsWithInputs(lines);
        fc.pre(commits.length > 0);
        const { at } = commits[pick % commits.length]!;
        const c = lines[at] as Extract<NodeLine, { kind: 'commit' }>;
        const raised = lines.map((l, i) => (i === at ? ({ ...c, commitIndex: c.commitIndex + by, state: { ...c.state, commitIndex: c.commitIndex + by } } as TraceLine) : l));
        expect(errors(raised)[0]?.line).toBe(at + 1);
      }),
      { numRuns: 30, seed: 13 },
    );
  });

  it('a follower commit logged before the input that justifies it is caught where it is logged', () => {
    fc.assert(
      fc.property(schedules, fc.nat(), ([schedule], pick) => {
        const lines = referenceRun(schedule);
        const commits = commitsWithInputs(lines);
        fc.pre(commits.length > 0);
        const { at, input } = commits[pick % commits.length]!;
        const early = moveBefore(lines, at, input);
        expect(errors(early.lines)[0]).toMatchObject({ line: early.line, rule: 'conformance.unexpected' });
      }),
      { numRuns: 30, seed: 14 },
    );
  });

  it('a follower commit logged before the append of its entry is caught where it is logged', () => {
    let checked = 0;
    fc.assert(
      fc.property(schedules, fc.nat(), ([schedule], pick) => {
        const lines = referenceRun(schedule);
        // Commits whose step appended the entry they commit: move them just before that append.
        const candidates = commitsWithInputs(lines).flatMap(({ at, input }) => {
          const c = lines[at] as Extract<NodeLine, { kind: 'commit' }>;
          const append = lines.findIndex((l, i) => i > input && i < at && l.kind === 'append' && l.node === c.node && l.index <= c.commitIndex);
          return append >= 0 ? [{ at, append }] : [];
        });
        fc.pre(candidates.length > 0);
        const { at, append } = candidates[pick % candidates.length]!;
        const early = moveBefore(lines, at, append);
        expect(errors(early.lines)[0]).toMatchObject({ line: early.line, rule: 'conformance.unexpected' });
        checked++;
      }),
      { numRuns: 30, seed: 15 },
    );
    expect(checked).toBeGreaterThan(10);
  });
});
