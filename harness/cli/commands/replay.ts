import { EXIT, InputError, parseCommandLine, UsageError, type Command } from '../command.js';
import { implHelp, implOption, replyTimeoutOption } from '../impl-option.js';
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

Options:
${implHelp('the recorded implementation, then the reference')}

Exit codes: 0 as expected; 1 not as expected; 2 usage error or unreadable file.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { impl: { type: 'string' }, 'reply-timeout': { type: 'string' } });
    if (positionals.length === 0) throw new UsageError('no regression case given');
    replyTimeoutOption(values['reply-timeout']); // a bad value is a usage error before any file is read
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
        const createNode = await implOption(impl, values['reply-timeout']);
        const outcome = runSchedule(meta.schedule, createNode);
        const expectFailure = impl === meta.impl && impl !== 'reference' && !values.impl;
        const verdict = outcome.ok ? 'passes' : `fails [${outcome.error!.rule}] at line ${outcome.error!.line}: ${outcome.error!.message}`;
        const asExpected = values.impl ? true : expectFailure ? !outcome.ok && outcome.error!.rule === meta.rule : outcome.ok;
        if (!asExpected) ok = false;
        io.out(`${file}: ${impl} ${verdict}${values.impl ? '' : asExpected ? ' (as expected)' : ` (NOT as expected: recorded ${meta.impl} failing [${meta.rule}])`}\n`);
      }
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};
