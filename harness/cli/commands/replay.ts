import { EXIT, InputError, parseCommandLine, UsageError, type Command } from '../command.js';
import { implHelp, implOption, interleaveHelp, replyTimeoutOption, skipRulesOption } from '../impl-option.js';
import { describeSkipRules, mergeSkipRules, type SkipRule } from '../../checker/skip-rules.js';
import { loadRegressionCase } from '../../fuzz/regression.js';
import { runSchedule } from '../../fuzz/run-schedule.js';
import { runFeatures } from '../../adapters/features.js';
import { buildModel } from '../../explore/build-model.js';
import { loadExploreCase, replayExploreCase, type ExploreCaseMeta } from '../../explore/regression.js';
import type { CliIO } from '../command.js';

/**
 * An explore case (traces/regressions/*-x*.jsonl): its actions re-run on the recorded
 * implementation must break the recorded rule again; on the reference, the same actions (those
 * it enables: messages are matched by content) must pass.
 */
function replayExplore(file: string, meta: ExploreCaseMeta, only: string | undefined, io: CliIO): boolean {
  const impls = only ? [only] : meta.impl === 'reference' ? ['reference'] : [meta.impl, 'reference'];
  let ok = true;
  for (const impl of impls) {
    const model = buildModel(impl, meta.bounds);
    if ('error' in model) throw new UsageError(`--impl: ${model.error}`);
    const recorded = impl === meta.impl && impl !== 'reference';
    let replayed;
    try {
      replayed = replayExploreCase(model, meta.actions, !recorded || only !== undefined);
    } catch (error) {
      throw new InputError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { verdict, skipped } = replayed;
    const shown = verdict ? `fails [${verdict.rule}] at line ${verdict.line}: ${verdict.message}` : 'passes';
    const asExpected = only !== undefined ? true : recorded ? verdict?.rule === meta.rule : verdict === null;
    if (!asExpected) ok = false;
    const skips = skipped ? ` (${skipped} of the ${meta.actions.length} actions not enabled, skipped)` : '';
    io.out(`${file}: ${impl} ${shown}${skips}${only !== undefined ? '' : asExpected ? ' (as expected)' : ` (NOT as expected: recorded ${meta.impl} failing [${meta.rule}])`}\n`);
  }
  return ok;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a saved regression case exactly: the recorded failure must reproduce, the reference must pass',
  help: `Usage: raftcheck replay FILE... [--impl NAME]

Re-runs the schedule stored in a regression case (traces/regressions/*.jsonl) and checks it:
  - with the implementation that failed (a mutant): the recorded rule must fail again;
  - with the reference: the run must pass (the fixed behaviour holds).
A case saved by 'raftcheck explore' stores its path's actions instead of a schedule: they are
re-run on the recorded implementation (the rule must fail again) and, those the reference
enables (messages matched by content), on the reference (it must pass).
With --impl, runs the schedule on that implementation only and prints its verdict.
A case found with --interleave is replayed with it (on the implementation that failed).

The recorded implementation is judged as the fuzz run judged it: without the rules the case
records as not checked (its header's skipRules, with their reasons), plus any --skip-rules.
Another implementation is judged with its own declaration; the reference with every rule.

Options:
${implHelp('the recorded implementation, then the reference')}
  --all-rules        check the recorded implementation on every rule too, ignoring the skip
                     list the case records (for reviewers)
${interleaveHelp}

Exit codes: 0 as expected; 1 not as expected; 2 usage error or unreadable file.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      impl: { type: 'string' }, 'reply-timeout': { type: 'string' }, 'skip-rules': { type: 'string' }, 'all-rules': { type: 'boolean' }, interleave: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('no regression case given');
    replyTimeoutOption(values['reply-timeout']); // a bad value is a usage error before any file is read
    const extra = skipRulesOption(values['skip-rules']);
    let ok = true;
    for (const file of positionals) {
      let explored: ExploreCaseMeta | null;
      try {
        explored = loadExploreCase(file);
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message : String(error));
      }
      if (explored) {
        if (!replayExplore(file, explored, values.impl, io)) ok = false;
        continue;
      }
      let saved;
      try {
        saved = loadRegressionCase(file);
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message : String(error));
      }
      const { meta } = saved;
      const impls = values.impl ? [values.impl] : meta.impl === 'reference' ? ['reference'] : [meta.impl, 'reference'];
      for (const impl of impls) {
        const recorded = impl === meta.impl && impl !== 'reference';
        // --interleave applies to the implementation run on purpose (the recorded one, or --impl), never to the reference's check.
        const interleave = impl === meta.impl ? values.interleave === true || meta.interleave === true : values.interleave === true && values.impl !== undefined;
        const createNode = await implOption(impl, values['reply-timeout'], recorded ? undefined : values['skip-rules'], interleave);
        // The case's features are part of its schedule: an implementation that declares others cannot run it.
        const features = runFeatures(createNode, meta.schedule.features ?? []);
        if ('error' in features) throw new UsageError(`${file}: --impl ${impl}: ${features.error}, which the case runs`);
        // The failing implementation is judged as its run was (the recorded skip list), unless a reviewer asks for every rule.
        const skipRules: SkipRule[] | undefined = recorded ? mergeSkipRules(values['all-rules'] ? [] : saved.skipRules, extra) : undefined;
        const outcome = runSchedule(meta.schedule, createNode, skipRules ? { skipRules } : {});
        const expectFailure = recorded && !values.impl;
        const verdict = outcome.ok ? 'passes' : `fails [${outcome.error!.rule}] at line ${outcome.error!.line}: ${outcome.error!.message}`;
        const asExpected = values.impl ? true : expectFailure ? !outcome.ok && outcome.error!.rule === meta.rule : outcome.ok;
        if (!asExpected) ok = false;
        io.out(`${file}: ${impl}${interleave ? ' --interleave' : ''} ${verdict}${values.impl ? '' : asExpected ? ' (as expected)' : ` (NOT as expected: recorded ${meta.impl} failing [${meta.rule}])`}\n`);
        const skipped = skipRules ?? createNode.profile?.skipRules ?? [];
        if (skipped.length) io.out(`  not checked: ${describeSkipRules(skipped)}\n`);
      }
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};
