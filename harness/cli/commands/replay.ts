import { EXIT, InputError, parseCommandLine, UsageError, type Command } from '../command.js';
import { implHelp, implOption, interleaveHelp } from '../impl-option.js';
import { loadRegression } from '../../fuzz/regression.js';
import { runSchedule } from '../../fuzz/run-schedule.js';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a saved regression case exactly: the recorded failure must reproduce, the reference must pass',
  help: `Usage: raftcheck replay FILE... [--impl NAME]

Re-runs the schedule stored in a regression case (traces/regressions/*.jsonl) and checks it:
  - with the implementation that failed (a mutant): the recorded rule must fail again;
  - with the reference: the run must pass (the fixed behaviour holds).
With --impl, runs the schedule on that implementation only and prints its verdict.
A case found with --interleave is replayed with it (on the implementation that failed).

Options:
${implHelp('the recorded implementation, then the reference')}
${interleaveHelp}

Exit codes: 0 as expected; 1 not as expected; 2 usage error or unreadable file.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { impl: { type: 'string' }, 'reply-timeout': { type: 'string' }, interleave: { type: 'boolean' } });
    if (positionals.length === 0) throw new UsageError('no regression case given');
    let ok = true;
    for (const file of positionals) {
      let meta;
      try {
        meta = loadRegression(file);
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message : String(error));
      }
      const impls = values.impl ? [values.impl] : meta.impl === 'reference' ? ['reference'] : [meta.impl, 'reference'];
      for (const impl of impls) {
        // --interleave applies to the implementation run on purpose (the recorded one, or --impl), never to the reference's check.
        const interleave = impl === meta.impl ? values.interleave === true || meta.interleave === true : values.interleave === true && values.impl !== undefined;
        const createNode = await implOption(impl, values['reply-timeout'], interleave);
        const outcome = runSchedule(meta.schedule, createNode);
        const expectFailure = impl === meta.impl && impl !== 'reference' && !values.impl;
        const verdict = outcome.ok ? 'passes' : `fails [${outcome.error!.rule}] at line ${outcome.error!.line}: ${outcome.error!.message}`;
        const asExpected = values.impl ? true : expectFailure ? !outcome.ok && outcome.error!.rule === meta.rule : outcome.ok;
        if (!asExpected) ok = false;
        io.out(`${file}: ${impl}${interleave ? ' --interleave' : ''} ${verdict}${values.impl ? '' : asExpected ? ' (as expected)' : ` (NOT as expected: recorded ${meta.impl} failing [${meta.rule}])`}\n`);
      }
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};
