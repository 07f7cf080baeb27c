import { checkCampaignOutputs, printCampaign, saveCampaignOutputs } from '../campaign-output.js';
import { EXIT, InputError, parseCommandLine, UsageError, type Command } from '../command.js';
import { mergeSummaries, type MergeInput } from '../../fuzz/merge-results.js';
import { formatCampaignReport, campaignCommand } from '../../fuzz/report.js';
import { formatShard } from '../../fuzz/shard.js';
import { parseSummary } from '../../fuzz/summary.js';
import { LineTooLongError, readTextFile } from '../../trace/reader.js';

export const mergeResultsCommand: Command = {
  name: 'merge-results',
  summary: "combine the JSON summaries of a sharded campaign's shards into one report and regression case",
  help: `Usage: raftcheck merge-results [options] SUMMARY...

Combines the summaries that 'raftcheck fuzz --shard I/N --summary FILE' wrote, one per shard
(from a CI matrix or a Kubernetes Indexed Job: see docs/SCALING.md), into the result of the
whole campaign: exactly what one unsharded 'raftcheck fuzz' with the same seed and --runs
reports. The campaign's failure is the first failing run of the first shard that failed; its
regression case is saved (never overwriting). Every shard of one campaign must be given once.

Options:
  --out DIR        where to save the regression case (default traces/regressions)
  --summary FILE   write the merged JSON summary to FILE, atomically (never over an input)
  --force          replace the --summary FILE if it exists
  --json           print the merged JSON summary on stdout (the report goes to stderr)
  -h, --help       show this help

Exit codes: 0 no failure; 1 the campaign found a failure; 2 usage error, or a summary that is
missing, malformed, or of another campaign.

Example:
  raftcheck merge-results --summary merged.json summaries/*.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      out: { type: 'string' },
      summary: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('no summaries given');
    const outputs = { out: values.out ?? 'traces/regressions', summary: values.summary, force: Boolean(values.force) };
    const inputs: MergeInput[] = positionals.map((file) => {
      let text: string;
      try {
        text = readTextFile(file); // bounded: a summary is one line
      } catch (error) {
        if (error instanceof LineTooLongError) throw new InputError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        throw new InputError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'not readable'}`);
      }
      const summary = parseSummary(text);
      if ('error' in summary) throw new InputError(`${file}: not a fuzz summary: ${summary.error}`);
      return { file, summary };
    });
    checkCampaignOutputs(outputs, positionals);
    const merged = mergeSummaries(inputs);
    if ('error' in merged) throw new InputError(merged.error);
    const { summary, failingInput, later } = merged;
    const saved = saveCampaignOutputs(summary, outputs);
    const shards = inputs[0]!.summary.shard?.count ?? 1;
    let report = `merged ${inputs.length} summar${inputs.length === 1 ? 'y' : 'ies'} (${shards} shard${shards === 1 ? '' : 's'})\n`;
    report += formatCampaignReport(summary, { ...(saved ? { saved } : {}), failingShard: failingInput?.summary.shard ?? null });
    for (const input of later) {
      const f = input.summary.failure!;
      report += `  also: shard ${formatShard(input.summary.shard!)} (${input.file}) failed at run ${f.index} [${f.rule}], past the campaign's first failure: npx ${campaignCommand(input.summary.campaign, input.summary.shard)}\n`;
    }
    printCampaign(io, summary, report, Boolean(values.json));
    return summary.failure ? EXIT.failed : EXIT.ok;
  },
};
