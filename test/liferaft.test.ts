/**
 * @markwylde/liferaft, a promise-based Raft library nobody here wrote, under test through its
 * asynchronous adapter (harness/adapters/liferaft; findings in docs/LIFERAFT.md): seeded runs
 * replay byte for byte without the global Math.random, short campaigns reach the verdicts
 * they must, and every case saved from its findings still fails as it did.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { loadImplementation, resolveImplementation } from '../harness/fuzz/implementations.js';
import { loadRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';

const SLOW = 120_000; // a worker thread on a shared machine

function liferaft(interleave = false): NodeFactory {
  const f = resolveImplementation('liferaft', interleave ? { async: { interleave } } : {});
  if ('error' in f) throw new Error(f.error);
  return f;
}

/** A campaign of `runs` schedules, unshrunk: the first failing run and its verdict. */
function campaign(faults: 'none' | 'mild', seed: number, runs: number, interleave = false) {
  const r = runCampaign({ impl: 'liferaft', createNode: liferaft(interleave), runs, seed, nodes: [3, 5], faults, durationMs: 3000, shrink: false, ...(interleave ? { interleave } : {}) });
  return { failedAt: r.failure?.index ?? null, rule: r.failure?.outcome.error?.rule ?? null, message: r.failure?.outcome.error?.message ?? '' };
}

describe('liferaft under the harness', () => {
  it('is --impl liferaft, skips conformance with its reason, and can interleave', () => {
    const f = liferaft();
    expect(f.profile?.skipRules?.map((s) => s.rule)).toEqual(['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message']);
    expect(f.profile?.skipRules?.[0]?.reason).toMatch(/differs from Figure 2 by design/);
    expect(liferaft(true).profile?.skipRules?.length).toBe(4); // --interleave adds nothing it skips already
  });

  it('replays byte for byte from its seed, without touching the global Math.random', async () => {
    // The same adapter, in a worker thread whose global Math.random throws.
    const f = await loadImplementation(path.resolve('test/fixtures/adapters/liferaft/no-global-random.ts'));
    if ('error' in f) throw new Error(f.error);
    const [schedule] = fc.sample(scheduleArbitrary('none', [3], 2000), { seed: 2, numRuns: 1 });
    const a = runSchedule(schedule!, f, { keepLines: true });
    const b = runSchedule(schedule!, f, { keepLines: true });
    expect(a.error).toBeUndefined();
    expect(JSON.stringify(b.lines)).toBe(JSON.stringify(a.lines));
    // Elections happened (the randomized timeouts were drawn), entries were replicated and clients answered.
    expect(a.lines.filter((l) => l.kind === 'role' && l.role === 'leader').length).toBeGreaterThan(0);
    expect(a.lines.some((l) => l.kind === 'send' && l.msg.type === 'AppendEntries' && l.msg.entries.length > 0)).toBe(true);
    expect(a.lines.some((l) => l.kind === 'client_response' && l.result.status === 'ok')).toBe(true);
  }, SLOW);

  it('maps its packets to Figure 2 messages (the rest carried and counted)', () => {
    const [schedule] = fc.sample(scheduleArbitrary('mild', [3], 2000), { seed: 5, numRuns: 1 });
    const r = runSchedule(schedule!, liferaft(), { keepLines: true });
    const sent = new Set(r.lines.flatMap((l) => (l.kind === 'send' ? [l.msg.type] : [])));
    expect(sent).toEqual(new Set(['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse']));
  }, SLOW);

  it('a short campaign without faults finds a committed entry deleted (committed-durable) at its first run', () => {
    const r = campaign('none', 1, 5);
    expect(r).toMatchObject({ failedAt: 0, rule: 'committed-durable' });
    expect(r.message).toMatch(/deleted the committed entry at index 9/);
  }, SLOW);

  it('with --interleave, a short campaign finds a double vote (vote-once) at its first run', () => {
    const r = campaign('none', 1, 5, true);
    expect(r).toMatchObject({ failedAt: 0, rule: 'vote-once' });
    expect(r.message).toMatch(/voted twice in term/);
  }, SLOW);
});

describe('liferaft regression cases (traces/regressions/, found by fuzz --impl liferaft)', () => {
  const DIR = 'traces/regressions';
  const cases = fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort()
    .map((file) => ({ file, meta: loadRegression(path.join(DIR, file)) }))
    .filter((c) => c.meta.impl === 'liferaft');

  it('there is one for each finding of docs/LIFERAFT.md', () => {
    expect(cases.map((c) => `${c.meta.rule}${c.meta.interleave ? ' --interleave' : ''}`).sort()).toEqual([...FINDINGS].sort());
  });

  for (const { file, meta } of cases) {
    it(`${file} still fails [${meta.rule}] at line ${meta.line}`, () => {
      const outcome = runSchedule(meta.schedule, liferaft(meta.interleave === true));
      expect(outcome.error?.rule).toBe(meta.rule);
      expect(outcome.error?.line).toBe(meta.line);
    }, SLOW);
  }
});

/** The rule each finding's case breaks first (docs/LIFERAFT.md, "Findings"). */
const FINDINGS: readonly string[] = [];
