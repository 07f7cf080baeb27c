import path from 'node:path';
import { durationOption, EXIT, InputError, intOption, parseCommandLine, UsageError, type CliIO, type Command } from '../command.js';
import { runCampaign } from '../../fuzz/campaign.js';
import { implHelp, implOption } from '../impl-option.js';
import { saveRegression } from '../../fuzz/regression.js';
import { FAULT_LEVELS, type FaultLevel } from '../../fuzz/schedule.js';

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'generate random schedules with fast-check, check every run, shrink a failure and save it as a regression case',
  help: `Usage: raftcheck fuzz [options]

Generates schedules (message loss, duplication and delays; partitions; crashes and restarts;
client set/get/cas operations; election timeout draws) with fast-check, runs the cluster on
each in virtual time, and checks every event as it is written (conformance, invariants,
linearizability), stopping a run at its first violation. After the schedule's faults, every
partition heals, crashed nodes restart and the network turns reliable and fast: within
10 × the maximum election timeout a leader must be elected and a client write must commit
(bounded liveness, reported as rule 'liveness'). A failing schedule is shrunk to a
minimal one and saved as traces/regressions/<rule>-<hash>.jsonl (never overwriting), which
'npm test' replays from then on.

Options:
${implHelp('reference')}
  --runs N           schedules to try (default 100)
  --seed S           fast-check seed (default 1): the same seed and options give the same runs
  --nodes LIST       cluster sizes to draw from: 3, 5 or 3,5 (default 3,5)
  --faults LEVEL     none | mild | harsh | swarm (a different fault mix per run) (default mild)
  --duration D       virtual time per run (default 3s)
  --out DIR          where to save the regression case (default traces/regressions)
  --time-limit D     wall-clock budget, e.g. 60s (default 60s)
  --progress         show progress on stderr (default: when stderr is a terminal)
  -h, --help         show this help

An external node (cmd:) that misbehaves is a failure like any other, named by its rule:
driver.protocol (a reply that is not JSON or breaks spec/driver.schema.json), driver.error,
driver.timeout (no reply in time; not shrunk), driver.crash (the process exited),
driver.flood (too much output). Its processes are always killed.

Exit codes: 0 no failure; 1 a failure was found (its case is saved); 2 usage error.

Examples:
  raftcheck fuzz --impl reference --runs 500 --seed 1
  raftcheck fuzz --impl mutant:commit-old-term --seed 1 --faults harsh
  raftcheck fuzz --impl cmd:"python3 examples/python-raft/raft_node.py" --runs 20
  raftcheck fuzz --impl coaty --runs 200 --faults swarm
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      impl: { type: 'string' },
      'reply-timeout': { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      faults: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
      'time-limit': { type: 'string' },
      progress: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const impl = values.impl ?? 'reference';
    const createNode = await implOption(impl, values['reply-timeout']);
    const runs = intOption('runs', values.runs, 100, 1);
    const seed = intOption('seed', values.seed, 1, -(2 ** 31), 2 ** 31 - 1);
    const nodes = (values.nodes ?? '3,5').split(',').map((x) => intOption('nodes', x, 3, 1, 9));
    const faults = (values.faults ?? 'mild') as FaultLevel;
    if (!FAULT_LEVELS.includes(faults)) throw new UsageError(`--faults: expected one of ${FAULT_LEVELS.join(', ')}, got '${values.faults}'`);
    const durationMs = durationOption('duration', values.duration, 3000);
    const timeLimitMs = durationOption('time-limit', values['time-limit'], 60_000);
    const out = values.out ?? 'traces/regressions';
    const showProgress = values.progress ?? io.isTTY;

    // Wall-clock reads happen here, at the CLI edge, for progress only.
    const started = performance.now();
    const progress = (done: number, events: number, failed: boolean) => {
      if (!showProgress || (done % 10 !== 0 && !failed)) return;
      const seconds = (performance.now() - started) / 1000;
      io.err(`\r${bar(done, runs)} ${done} runs, ${Math.round(events / Math.max(seconds, 1e-3))} events/s${failed ? ', failure found: shrinking' : ''}   `);
    };
    const result = runCampaign({ impl, createNode, runs, seed, nodes, faults, durationMs, timeLimitMs, onRun: progress });
    if (showProgress) io.err('\n');
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const campaign = `raftcheck fuzz --impl ${quoteImpl(impl)} --runs ${runs} --seed ${seed} --nodes ${nodes.join(',')} --faults ${faults} --duration ${durationMs}ms`;
    const scope = describeScope(createNode.profile?.skipRules, result.notModelled);
    if (!result.failure) {
      io.out(`${impl}: no failure in ${result.runs} runs (${result.events} events, ${seconds} s${result.interrupted ? `, stopped by the ${timeLimitMs} ms time limit` : ''}); seed ${seed}, faults ${faults}\n${scope}`);
      return EXIT.ok;
    }
    const { schedule, outcome, shrinks } = result.failure;
    const error = outcome.error!;
    let saved: { file: string; created: boolean };
    try {
      saved = saveRegression(out, outcome.lines, {
        impl, schedule, rule: error.rule, line: error.line, message: error.message, found: { seed, faults, runs: result.runs },
      });
    } catch (e) {
      throw new InputError(`cannot save the regression case in ${out}: ${e instanceof Error ? e.message : String(e)}`);
    }
    report(io, {
      impl, rule: error.rule, message: error.message, line: error.line, runs: result.runs, shrinks, seed, seconds,
      schedule: `${schedule.nodes} nodes, ${schedule.events.length} events, ${schedule.fates.length} network fates`,
      file: saved.file, created: saved.created, campaign,
    });
    io.out(scope);
    return EXIT.failed;
  },
};

/** `cmd:` lines hold spaces: quote them so the printed command can be pasted back. */
function quoteImpl(impl: string): string {
  return /[\s"'\\]/.test(impl) ? `'${impl.replace(/'/g, `'\\''`)}'` : impl;
}

/** What was not checked, and why; what the trace format does not model, counted. */
function describeScope(skipped: ReadonlyArray<{ rule: string; reason: string }> | undefined, notModelled: Record<string, number>): string {
  let text = '';
  const byReason = new Map<string, string[]>();
  for (const s of skipped ?? []) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.rule]);
  for (const [reason, rules] of byReason) text += `  not checked: ${rules.join(', ')} (${reason})\n`;
  const counts = Object.entries(notModelled).sort((a, b) => b[1] - a[1]);
  if (counts.length) text += `  not modelled (carried, logged as notes, not checked): ${counts.map(([name, n]) => `${name} ×${n}`).join(', ')}\n`;
  return text;
}

function bar(done: number, total: number): string {
  const width = 20;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function report(io: CliIO, r: { impl: string; rule: string; message: string; line: number; runs: number; shrinks: number; seed: number; seconds: string; schedule: string; file: string; created: boolean; campaign: string }): void {
  io.out(`${r.impl}: FAILED [${r.rule}] after ${r.runs} runs (${r.seconds} s), shrunk ${r.shrinks} times to ${r.schedule}
  ${r.file}:${r.line}: ${r.message}
  seed: ${r.seed}
  regression case: ${r.file}${r.created ? '' : ' (already saved)'}
  replay it:       npx raftcheck replay ${path.normalize(r.file)}
  rerun campaign:  npx ${r.campaign}
`);
}
