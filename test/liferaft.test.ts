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
import { loadExploreCase } from '../harness/explore/regression.js';
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
function campaign(faults: 'none' | 'swarm', seed: number, runs: number, interleave = false) {
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

  // Each finding of docs/LIFERAFT.md is the first violation of some seed's first run (unshrunk:
  // shrinking keeps any failing schedule, and moves most of these to findings 1-3).
  const FIRST_RUNS = [
    { finding: 3, faults: 'none', seed: 1, interleave: false, rule: 'committed-durable', message: /deleted the committed entry at index 9/ },
    { finding: 4, faults: 'swarm', seed: 1, interleave: false, rule: 'log-matching', message: /both have an entry of term 9 at index 2, but their logs differ/ },
    { finding: 6, faults: 'swarm', seed: 25, interleave: false, rule: 'election-safety', message: /two leaders in term 1: n4 .* and n5/ },
    { finding: 7, faults: 'none', seed: 1, interleave: true, rule: 'vote-once', message: /n5 voted twice in term 6/ },
    { finding: 7, faults: 'none', seed: 9, interleave: true, rule: 'term-monotonic', message: /n2's currentTerm went back from 5 to 4/ },
    { finding: 9, faults: 'none', seed: 4, interleave: true, rule: 'commit-monotonic', message: /commitIndex went back from 3 to 2 without a restart/ },
  ] as const;
  for (const f of FIRST_RUNS) {
    it(`finding ${f.finding}: the first run of --faults ${f.faults} --seed ${f.seed}${f.interleave ? ' --interleave' : ''} breaks ${f.rule}`, () => {
      const r = campaign(f.faults, f.seed, 1, f.interleave);
      expect(r).toMatchObject({ failedAt: 0, rule: f.rule });
      expect(r.message).toMatch(f.message);
    }, SLOW);
  }

  it('finding 6: the second leader counted one grant twice (a duplicated RequestVoteResponse)', () => {
    const r = runCampaign({ impl: 'liferaft', createNode: liferaft(), runs: 1, seed: 25, nodes: [3, 5], faults: 'swarm', durationMs: 3000, shrink: false });
    const lines = r.failure!.outcome.lines;
    const won = lines.findIndex((l) => l.kind === 'role' && l.node === 'n4' && l.role === 'leader');
    const grants = lines.slice(0, won).flatMap((l) => (l.kind === 'receive' && l.node === 'n4' && l.msg.type === 'RequestVoteResponse' && l.msg.voteGranted ? [l.msg.id] : []));
    expect(grants.length).toBe(2); // its own vote and these two make three of five
    expect(new Set(grants).size).toBe(1); // one message, delivered twice
  }, SLOW);
});

describe('liferaft regression cases (traces/regressions/, found by fuzz --impl liferaft)', () => {
  const DIR = 'traces/regressions';
  // Cases saved by `raftcheck explore` record actions, not schedules, and are not liferaft's.
  const cases = fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl') && !loadExploreCase(path.join(DIR, f))).sort()
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
const FINDINGS: readonly string[] = [
  'term-monotonic', // 1: term and vote not persisted
  'commit-current-term', // 2: old-term entries committed by counting replicas
  'committed-durable', // 3: a repeated AppendEntries deletes a committed entry
  'exception', // 3: ... and the deletion, not awaited, makes a commit reject with nobody to handle it
  'leader-completeness', // 5: an empty log claims the current term
  'leader-append-only --interleave', // 8: two client commands at one index
];
