/**
 * A run's skip list travels with its trace (the header's `skipRules`): the fuzz run, the saved
 * case, its HTML report, `validate`, `view` and `replay` all judge the trace with the same
 * rules, so a report opens on the run's finding, not on a conformance difference the
 * implementation declared by design. `--all-rules` checks everything, for reviewers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import type { AdapterDefinition } from '../harness/adapters/adapter.js';
import { coatyAdapterWith } from '../harness/adapters/coaty/coaty-adapter.js';
import { mergeSkipRules, parseSkipRulesOption } from '../harness/checker/skip-rules.js';
import { resolveImplementation, withProfile } from '../harness/fuzz/implementations.js';
import { runPoolCampaign } from '../harness/fuzz/pool-campaign.js';
import { saveRegression, type RegressionMeta } from '../harness/fuzz/regression.js';
import { runSchedule, type ScheduleOutcome } from '../harness/fuzz/run-schedule.js';
import type { Schedule } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { buildViewModel, type ViewModel } from '../harness/viewer/model.js';
import { reportPathFor } from '../harness/viewer/write-report.js';
import { cli } from './helpers/cli.js';
import { PYTHON } from './helpers/python.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-skips-'));

/** An election, a write, and n2 (which voted for n1) crashing and restarting. */
const schedule: Schedule = {
  version: 1, nodes: 3, seed: 5, durationMs: 600, batch: 64, naturalElections: false,
  fates: [{ lose: false, duplicate: false, delay: 3 }],
  events: [
    { at: 10, action: { type: 'timeout', node: 0 } },
    { at: 100, action: { type: 'client', node: 0, op: { type: 'set', value: 4 } } },
    { at: 400, action: { type: 'crash', node: 1 } },
    { at: 450, action: { type: 'restart', node: 1 } },
  ],
};

const CONFORMANCE = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];

/**
 * coaty with its pre-vote and check-quorum on, declared as if it had neither, and conformance
 * skipped instead: a real difference hidden by the skip list (its first PreVote round is one
 * the reference of Figure 2 would not take), as an implementation may declare it.
 */
const coatyAdapter: AdapterDefinition = {
  name: 'coaty-prevote-undeclared',
  profile: { skipRules: CONFORMANCE.map((rule) => ({ rule, reason: 'pre-vote not declared' })) },
  create: coatyAdapterWith({ preVote: true, checkQuorum: true }, 'coaty').create,
};

/** That coaty (which skips conformance) made to forget its vote on a crash. */
const forgetsVote: AdapterDefinition = {
  ...coatyAdapter,
  name: 'coaty-forgets-vote',
  create(init) {
    const node = coatyAdapter.create(init);
    return Object.assign(Object.create(node) as typeof node, { crash: () => ({ ...node.crash(), votedFor: null }) });
  },
};

function save(outcome: ScheduleOutcome, impl: string): string {
  const meta: RegressionMeta = { impl, schedule, rule: outcome.error!.rule, line: outcome.error!.line, message: outcome.error!.message, found: { seed: 1, faults: 'none', runs: 1 } };
  return saveRegression(tmp(), outcome.lines, meta).file;
}

function savedModel(file: string): ViewModel {
  const html = fs.readFileSync(reportPathFor(file), 'utf8');
  return JSON.parse(/<script type="application\/json" id="trace-data">([^]*?)<\/script>/.exec(html)![1]!) as ViewModel;
}

/** The line of the event a report opens on. */
function focusLine(model: ViewModel): number {
  let line = 0;
  for (let i = 0; i <= model.focus; i++) line += model.events.line[i]!;
  return line;
}

describe('a regression case of an implementation that skips conformance is judged as its run was', () => {
  const outcome = runSchedule(schedule, adapterFactory(forgetsVote), { keepLines: true });
  const file = save(outcome, 'coaty-forgets-vote');
  const skipped = coatyAdapter.profile!.skipRules!.map((s) => ({ rule: s.rule, reason: s.reason }));

  it('the run finds the forgotten vote, and records what it did not check in the header', () => {
    expect(outcome.error).toMatchObject({ rule: 'vote-once', message: expect.stringMatching(/^n2 restarted in term 1 with votedFor null/) });
    expect(outcome.lines[0]).toMatchObject({ kind: 'header', skipRules: skipped });
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toContain('"skipRules":[{"rule":"conformance.unexpected"');
  });

  it('validate reports the same first error as the fuzz run, however many errors it keeps, and says what it did not check', () => {
    for (const maxErrors of [1, 20]) {
      const report = validateTraceFile(file, { maxErrors });
      expect(report.errors[0], `--max-errors ${maxErrors}`).toMatchObject({ rule: 'vote-once', line: outcome.error!.line });
      expect(report.skipped).toEqual(skipped);
    }
  });

  it('the HTML report saved beside it, and view, open on the finding and list the rules not checked', () => {
    for (const model of [savedModel(file), buildViewModel(file)]) {
      expect(model.verdict.errors[0]).toMatchObject({ rule: 'vote-once', line: outcome.error!.line });
      expect(focusLine(model)).toBe(outcome.error!.line);
      expect(model.verdict.skipped).toEqual(skipped);
    }
  });

  it('with --all-rules (and without the recorded list) it would open on the difference the list hides, long before: the pre-vote round', async () => {
    const all = validateTraceFile(file, { maxErrors: 1, allRules: true });
    expect(all.errors[0]).toMatchObject({ rule: 'conformance.unexpected', message: expect.stringMatching(/^n1 logged "role precandidate" after the timeout on line \d+, which the reference does not do/) });
    expect(all.errors[0]!.line).toBeLessThan(outcome.error!.line);
    expect(all.skipped).toBeUndefined();
    const model = buildViewModel(file, { allRules: true });
    expect(focusLine(model)).toBe(all.errors[0]!.line);
    expect(model.verdict.skipped).toEqual([]);
    const r = await cli('view', '--all-rules', file, '-o', path.join(tmp(), 'all.html'));
    expect(r.stderr).toMatch(new RegExp(`opens on line ${all.errors[0]!.line} \\[conformance\\.`));
  });

  it('validate prints the rules not checked, with their reasons; --skip adds to them; --all-rules ignores them', async () => {
    const r = await cli('validate', file);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${file}:${outcome.error!.line}: .*\\[vote-once\\]$`));
    expect(r.stdout).toContain(`${file}: not checked: conformance.unexpected, conformance.missing, conformance.state, conformance.message (pre-vote not declared)`);
    const json = JSON.parse((await cli('validate', '--json', '--skip', 'vote-once', file)).stdout) as { files: Array<{ errors: Array<{ rule: string }>; skipped: unknown[] }> };
    expect(json.files[0]!.skipped).toEqual(skipped);
    expect(json.files[0]!.errors.map((e) => e.rule)).not.toContain('vote-once');
    expect(json.files[0]!.errors.map((e) => e.rule).filter((rule) => rule.startsWith('conformance.'))).toEqual([]);
    const all = await cli('validate', '--all-rules', file);
    expect(all.stdout.split('\n')[0]).toMatch(/ n1 logged "role precandidate" .*\[conformance\.unexpected\]$/);
    expect(all.stdout).not.toContain('not checked');
  });
});

describe('skip lists in trace headers', () => {
  it('a trace valid only because its header skips conformance is invalid with --all-rules (traces/examples/valid/skip-rules-leader-campaigns.jsonl)', async () => {
    const file = 'traces/examples/valid/skip-rules-leader-campaigns.jsonl';
    expect((await cli('validate', file)).code).toBe(0);
    const all = await cli('validate', '--all-rules', file);
    expect(all.stdout.split('\n')[0]).toMatch(/^[^:]+:30: \/: n1 logged "role candidate" after the timeout on line 29, which the reference does not do \[conformance\.unexpected\]$/);
    expect(all.code).toBe(1);
  });

  it('a rule id raftcheck does not know is a header error that lists the known ids', () => {
    const dir = tmp();
    const file = path.join(dir, 'misspelt.jsonl');
    const lines = fs.readFileSync('traces/examples/valid/election-3.jsonl', 'utf8').split('\n');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    fs.writeFileSync(file, [JSON.stringify({ ...header, skipRules: [{ rule: 'conformance.unexpected', reason: 'pre-vote' }, { rule: 'vote-twice', reason: 'a typo skips nothing' }] }), ...lines.slice(1)].join('\n'));
    for (const options of [{}, { schemaOnly: true }, { allRules: true }]) {
      const report = validateTraceFile(file, options);
      expect(report.errors[0]).toMatchObject({ line: 1, rule: 'schema.header', path: '/skipRules/1/rule', message: expect.stringMatching(/^unknown rule 'vote-twice' \(rules: conformance\.unexpected, .*vote-once.*linearizability\)$/) });
    }
  });
});

describe('--skip-rules RULE=reason', () => {
  it('parses reasons that contain commas and equal signs, and names what is wrong', () => {
    expect(parseSkipRulesOption('vote-once=not persisted, see #12,conformance.state=a=b')).toEqual([
      { rule: 'vote-once', reason: 'not persisted, see #12' }, { rule: 'conformance.state', reason: 'a=b' },
    ]);
    expect(parseSkipRulesOption('vote-once')).toEqual({ error: expect.stringMatching(/^'vote-once' needs a reason/) });
    expect(parseSkipRulesOption('liveness=slow')).toEqual({ error: expect.stringMatching(/^unknown rule 'liveness' \(rules: conformance\.unexpected, /) });
    expect(mergeSkipRules([{ rule: 'a', reason: 'first' }], [{ rule: 'a', reason: 'second' }, { rule: 'b', reason: 'x' }])).toEqual([{ rule: 'a', reason: 'first' }, { rule: 'b', reason: 'x' }]);
  });

  it('fuzz: a bad list is a usage error (exit 2, one line)', async () => {
    for (const [value, message] of [['vote-once', /needs a reason/], ['no-such-rule=x', /unknown rule 'no-such-rule' \(rules: .*election-safety/]] as const) {
      const r = await cli('fuzz', '--impl', 'reference', '--runs', '1', '--skip-rules', value, '--out', tmp());
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(message);
    }
  });

  it('fuzz: with any --impl, the rules are not checked, printed with their reasons, and recorded in the saved case', async () => {
    // truncate-on-match is caught by conformance first; with conformance skipped, by an invariant.
    const out = tmp();
    const skip = 'conformance.unexpected=stands in for a declared difference,conformance.missing=same,conformance.state=same,conformance.message=same';
    const r = await cli('fuzz', '--impl', 'mutant:truncate-on-match', '--runs', '20', '--nodes', '3', '--skip-rules', skip, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not checked: conformance.unexpected (stands in for a declared difference)');
    expect(r.stdout).toContain('not checked: conformance.missing, conformance.state, conformance.message (same)');
    expect(r.stdout).toContain(`rerun campaign:  npx raftcheck fuzz --impl mutant:truncate-on-match --skip-rules '${skip}' --runs 20`);
    const saved = fs.readdirSync(out).find((f) => f.endsWith('.jsonl'))!;
    expect(saved).not.toMatch(/^conformance\./);
    const header = JSON.parse(fs.readFileSync(path.join(out, saved), 'utf8').split('\n')[0]!) as { skipRules: unknown[] };
    expect(header.skipRules).toHaveLength(4);
    // replay judges the recorded implementation as the run did, and the reference on every rule.
    const replay = await cli('replay', path.join(out, saved));
    expect(replay.stdout).toMatch(/mutant:truncate-on-match fails \[(?!conformance)[a-z-]+\] .*\(as expected\)\n {2}not checked: conformance\.unexpected \(stands in/);
    expect(replay.stdout).toMatch(/reference passes \(as expected\)\n$/);
    expect(replay.code).toBe(0);
    const reviewer = await cli('replay', '--all-rules', path.join(out, saved));
    expect(reviewer.stdout).toMatch(/mutant:truncate-on-match fails \[conformance\.[a-z]+\].*NOT as expected/);
    expect(reviewer.code).toBe(1);
  }, 120_000);

  it('worker threads judge with the campaign\'s skip list, as the main thread does', async () => {
    const skipRules = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'].map((rule) => ({ rule, reason: 'test' }));
    // majority-off-by-one breaks conformance in run 0; with conformance skipped, election-safety a few runs later.
    const createNode = withProfile(resolveImplementation('mutant:majority-off-by-one') as NodeFactory, { skipRules });
    const spec = { seed: 1, nodes: [3], faults: 'mild' as const, durationMs: 3000 };
    const run = (workers: number) => runPoolCampaign({ impl: 'mutant:majority-off-by-one', spec, range: { start: 0, end: 32 }, workers, createNode, shrink: false });
    const [one, two] = [await run(1), await run(2)];
    expect(one.failure?.outcome.error?.rule).toBe('election-safety');
    expect(one.failure!.index).toBeGreaterThan(0);
    expect(two.failure?.index).toBe(one.failure?.index);
    expect(two.failure?.outcome.error).toEqual(one.failure?.outcome.error);
    // The list given as an option (as runFuzz gives it) rather than in the profile: the same on either path, shrinking included.
    const plain = resolveImplementation('mutant:majority-off-by-one') as NodeFactory;
    const given = (workers: number) => runPoolCampaign({ impl: 'mutant:majority-off-by-one', spec, range: { start: 0, end: 32 }, workers, createNode: plain, skipRules, shrinkRuns: 20 });
    for (const workers of [1, 2]) {
      const r = await given(workers);
      expect(r.failure?.index, `${workers} workers`).toBe(one.failure?.index);
      expect(r.failure?.outcome.error?.rule, `${workers} workers`).toBe('election-safety');
      expect(r.failure?.outcome.lines[0], `${workers} workers`).toMatchObject({ kind: 'header', skipRules });
    }
  }, 120_000);
});

describe('replay of a cmd: driver\'s case uses the recorded list, not what the program declares now', () => {
  it('a case saved with --skip-rules replays as it failed', async () => {
    const impl = `cmd:${PYTHON} test/fixtures/driver/variant.py --noop-leader --forget-vote`;
    const skipRules = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'].map((rule) => ({ rule, reason: 'a new leader appends a noop entry (etcd)' }));
    const outcome = runSchedule(schedule, withProfile(resolveImplementation(impl) as NodeFactory, { skipRules }), { keepLines: true });
    expect(outcome.error?.rule).toBe('vote-once');
    const file = save(outcome, impl);
    expect(buildViewModel(file).verdict.errors[0]).toMatchObject({ rule: 'vote-once', line: outcome.error!.line });
    const r = await cli('replay', file);
    expect(r.stdout).toMatch(/ fails \[vote-once\] .*\(as expected\)\n {2}not checked: conformance\.unexpected, conformance\.missing, conformance\.state, conformance\.message \(a new leader appends a noop entry \(etcd\)\)\n/);
    expect(r.code).toBe(0);
  }, 60_000);
});
