/**
 * `npx tsx tools/etcd-testdata-table.ts`: prints the table of every etcd interaction transcript
 * (docs/ETCD.md, "Every transcript"), generated from the import and its validation, so that
 * no count is typed by hand. `test/import-etcd-testdata.test.ts` checks that docs/ETCD.md
 * holds exactly this table.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { importEtcdTestdata } from '../harness/importers/etcd-testdata.js';
import type { FileReport } from '../harness/validate/validate-file.js';
import { validateText } from '../harness/validate/validate-input.js';
import type { TraceLine } from '../src/trace/schema.js';

export const TRANSCRIPTS = 'traces/external/etcd-raft/interaction-testdata';

const count = (n: number): string => n.toLocaleString('en-US');

/** What conformance did with a transcript: skipped (the header's reason kinds), or how many of its nodes it followed. */
function conformance(lines: readonly TraceLine[], notModelled: Record<string, number>): string {
  const skipped = Object.keys(notModelled).filter((k) => k.startsWith('conformance ('));
  if (skipped.length > 0) return `skipped: ${skipped.map((k) => k.slice('conformance ('.length, -1)).join('; ')}`;
  const nodes = new Set<string>();
  const lost = new Set<string>();
  for (const l of lines) {
    if (l.kind === 'header' || !('node' in l) || l.node === undefined) continue;
    if (l.kind === 'note') continue;
    nodes.add(l.node);
    // A restart without what it recovered leaves the node to the invariants from then on.
    if (l.kind === 'restart' && l.persisted === undefined) lost.add(l.node);
  }
  const followed = [...nodes].filter((n) => !lost.has(n)).length;
  return `on: ${followed} of ${nodes.size} nodes followed`;
}

/** The markdown table, one row per transcript and a total. */
export function transcriptTable(dir = TRANSCRIPTS): string {
  const rows: string[] = [
    '| transcript | commands (hidden) | events | sends / receives | appends / commits / roles | verdict | conformance | not modelled |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ];
  let commands = 0;
  let hidden = 0;
  let events = 0;
  const verdicts: Record<string, number> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    const text = fs.readFileSync(`${dir}/${file}`, 'utf8');
    const imported = importEtcdTestdata(text);
    const report = validateText(file, text, 'etcd-testdata', {}) as FileReport & { notModelled?: Record<string, number> };
    const notModelled = report.notModelled ?? {};
    const kinds = (k: string) => imported.lines.filter((l) => l.kind === k).length;
    const verdict = report.valid ? 'valid' : report.errors.every((e) => e.rule === 'unconstrained') ? '**unconstrained**' : `**invalid** (${report.errors.map((e) => e.rule).join(', ')})`;
    verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
    commands += imported.commands;
    hidden += imported.hiddenCommands;
    events += report.events;
    const listed = Object.entries(notModelled).filter(([k]) => !k.startsWith('conformance (')).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push(`| \`${file}\` | ${imported.commands} (${imported.hiddenCommands}) | ${count(report.events)} | ${kinds('send')} / ${kinds('receive')} | ${kinds('append')} / ${kinds('commit')} / ${kinds('role')} | ${verdict} | ${conformance(imported.lines, notModelled)} | ${listed || '—'} |`);
  }
  const summary = Object.entries(verdicts).map(([v, n]) => `${n} ${v.replaceAll('*', '')}`).join(', ');
  rows.push(`| **total** | **${commands} (${hidden})** | **${count(events)}** | | | **${summary}** | | |`);
  return rows.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(transcriptTable());
