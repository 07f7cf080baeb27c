/**
 * A line longer than --max-line-bytes stops the reading at once with exit 2, in every command
 * that reads traces or text files: `/dev/zero`, or any file with an endless line, would
 * otherwise be read forever (or into all memory).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, type CliResult } from './helpers/cli.js';
import { cliOutOfProcess } from './helpers/cli-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-endless-'));
const VALID = fs.readFileSync('traces/examples/valid/election-and-writes-3.jsonl', 'utf8');
const MiB = 1 << 20;

describe('an endless line', () => {
  // 5 MiB without a newline, then a valid trace: only the first line matters.
  const oneLine = path.join(dir, 'one-line.jsonl');
  fs.writeFileSync(oneLine, Buffer.concat([Buffer.alloc(5 * MiB, 'x'), Buffer.from(`\n${VALID}`)]));

  const commands = (input: string): string[][] => [
    ['validate', input],
    ['validate', '--format', 'etcd', input],
    ['validate', '--format', 'jepsen', input],
    ['view', input, '-o', path.join(dir, `${path.basename(input)}.html`)],
    ['diagram', '--coverage', input],
    ['replay', input],
    ['merge-results', '--out', dir, input],
  ];
  const hint = (argv: string[]) => (['validate', 'view', 'diagram'].includes(argv[0]!) ? ' (--max-line-bytes raises the limit)' : '');

  it.each([['/dev/zero'], [oneLine]])('in %s stops every command at once with exit 2, naming file and line 1', async (input) => {
    // On worker threads too (the error crosses back from the worker), for /dev/zero.
    const argvs = input === '/dev/zero' ? [...commands(input), ['validate', '--workers', '2', 'traces/examples/valid/election-3.jsonl', input]] : commands(input);
    const results = await cliOutOfProcess(argvs);
    expect(typeof results, String(results)).toBe('object');
    argvs.forEach((argv, i) => {
      const r = (results as CliResult[])[i]!;
      expect([r.code, r.stderr], argv.join(' ')).toEqual([2, `raftcheck ${argv[0]}: ${input}:1: a line longer than 4194304 bytes: not read further${hint(argv)}\n`]);
    });
    expect(fs.existsSync(path.join(dir, `${path.basename(input)}.html`))).toBe(false);
  });

  it('is read whole when --max-line-bytes allows it (and then judged as any line)', async () => {
    const r = await cli('validate', '--max-line-bytes', String(6 * MiB), oneLine);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/one-line\.jsonl:1: \/: not JSON/);
  });
});

describe('--max-line-bytes in view and diagram --coverage', () => {
  const lines = VALID.split('\n');
  const note = `{"kind":"note","text":"${'y'.repeat(3000)}"}`;
  const long = path.join(dir, 'long-note.jsonl');
  fs.writeFileSync(long, [lines[0], note, ...lines.slice(1)].join('\n'));

  it('apply the same default (4 MiB) and the same limit as validate', async () => {
    for (const argv of [['validate'], ['view', '--force', '-o', path.join(dir, 'r.html')], ['diagram', '--coverage']]) {
      const refused = await cli(...argv, '--max-line-bytes', '2048', long);
      expect([refused.code, refused.stderr], argv[0]).toEqual([2, `raftcheck ${argv[0]}: ${long}:2: a line longer than 2048 bytes: not read further (--max-line-bytes raises the limit)\n`]);
      expect((await cli(...argv, '--max-line-bytes', '4096', long)).code, argv[0]).toBe(0);
      expect((await cli(...argv, long)).code, argv[0]).toBe(0);
      expect((await cli(...argv, '--max-line-bytes', '-1', long)).stderr, argv[0]).toMatch(/--max-line-bytes: must be at least 1024, got -1/);
    }
  });

  it('show progress through the trace with --progress, as validate does', async () => {
    for (const argv of [['validate'], ['view', '--force', '-o', path.join(dir, 'r.html')], ['diagram', '--coverage']]) {
      const r = await cli(...argv, '--progress', long);
      expect(r.code, argv[0]).toBe(0);
      expect(r.stderr, argv[0]).toMatch(/long-note\.jsonl: 100% \(0\.0 of 0\.0 MiB\)\n/);
    }
  });
});
