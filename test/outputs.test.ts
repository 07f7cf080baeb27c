/**
 * Outputs of every command are checked before any work starts, and an output that cannot be
 * written fails at once (exit 2) naming the path the user gave, never a temporary file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs, MakeDirsError } from '../harness/io/make-dirs.js';
import { cli, type CliResult } from './helpers/cli.js';
import { cliOutOfProcess } from './helpers/cli-process.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-outputs-'));
const TRACE = 'traces/examples/valid/election-and-writes-3.jsonl';

describe('makeDirs', () => {
  it('creates missing levels and returns them, outermost first', () => {
    const dir = tmp();
    expect(makeDirs(path.join(dir, 'a/b'))).toEqual([path.join(dir, 'a'), path.join(dir, 'a/b')]);
    expect(makeDirs(path.join(dir, 'a/b'))).toEqual([]);
  });

  it('fails, instead of looping, where a directory cannot be made although its parent exists (/proc)', () => {
    expect(() => makeDirs('/proc/raftcheck-no-such/dir')).toThrow(MakeDirsError);
    expect(() => makeDirs('/proc/raftcheck-no-such/dir')).toThrow('cannot create directory /proc/raftcheck-no-such: no such file or directory');
    const file = path.join(tmp(), 'file');
    fs.writeFileSync(file, '');
    expect(() => makeDirs(path.join(file, 'sub'))).toThrow(`cannot create directory ${file}: a file of that name exists`);
  });
});

describe('an output under a directory that cannot be created', () => {
  // Node's recursive mkdir loops forever there: each command is run as a process, with a deadline.
  const summary = path.join(tmp(), 's.json');
  const cases: Array<{ argv: string[]; given: string }> = [
    { argv: ['simulate', '--duration', '100ms', '-o', '/proc/raftcheck-x/a/t.jsonl'], given: '-o /proc/raftcheck-x/a/t.jsonl' },
    { argv: ['diagram', '-o', '/proc/raftcheck-x/d.mmd'], given: '-o /proc/raftcheck-x/d.mmd' },
    { argv: ['diagram', '--coverage', '-o', '/proc/raftcheck-x/c.txt', TRACE], given: '-o /proc/raftcheck-x/c.txt' },
    { argv: ['view', TRACE, '-o', '/proc/raftcheck-x/r.html'], given: '-o /proc/raftcheck-x/r.html' },
    { argv: ['fuzz', '--runs', '1', '--out', '/proc/raftcheck-x/cases'], given: '--out /proc/raftcheck-x/cases' },
    { argv: ['fuzz', '--runs', '1', '--summary', '/proc/raftcheck-x/s.json'], given: '--summary /proc/raftcheck-x/s.json' },
    { argv: ['merge-results', '--summary', '/proc/raftcheck-x/m.json', summary], given: '--summary /proc/raftcheck-x/m.json' },
    { argv: ['merge-results', '--out', '/proc/raftcheck-x/m', summary], given: '--out /proc/raftcheck-x/m' },
    { argv: ['mutants', '--only', 'vote-twice', '--runs', '1', '--no-write', '--out', '/proc/raftcheck-x/m'], given: '--out /proc/raftcheck-x/m' },
  ];
  it(`fails at once with exit 2 naming it (${cases.map((c) => `${c.argv[0]} ${c.given.split(' ')[0]}`).join(', ')})`, async () => {
    // The summary merge-results reads comes first; then every case, in one process.
    const results = await cliOutOfProcess([['fuzz', '--runs', '2', '--nodes', '3', '--duration', '200ms', '--summary', summary, '--out', path.dirname(summary)], ...cases.map((c) => c.argv)]);
    expect(typeof results, String(results)).toBe('object');
    expect((results as CliResult[])[0]!.code).toBe(0);
    cases.forEach(({ argv, given }, i) => {
      const r = (results as CliResult[])[i + 1]!;
      expect([r.code, r.stderr], given).toEqual([2, `raftcheck ${argv[0]}: ${given}: cannot create directory /proc/raftcheck-x: no such file or directory\n`]);
    });
  });
});

describe('outputs are checked before the work starts', () => {
  it('fuzz --out naming an existing file fails before running anything', async () => {
    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, 'keep');
    const r = await cli('fuzz', '--impl', 'mutant:commit-old-term', '--runs', '50', '--seed', '1', '--progress', '--out', file);
    expect([r.code, r.stderr]).toEqual([2, `raftcheck fuzz: --out ${file}: not a directory (a file of that name exists)\n`]);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  it('--summary refuses to replace a file without --force (fuzz and merge-results), and replaces it with --force', async () => {
    const dir = tmp();
    const summary = path.join(dir, 'summary.json');
    fs.writeFileSync(summary, 'keep');
    const fuzz = ['fuzz', '--runs', '2', '--nodes', '3', '--duration', '200ms', '--progress', '--out', dir, '--summary', summary];
    const refused = await cli(...fuzz);
    expect([refused.code, refused.stderr]).toEqual([2, `raftcheck fuzz: --summary ${summary}: already exists (use --force to replace it)\n`]);
    expect(fs.readFileSync(summary, 'utf8')).toBe('keep');
    expect((await cli(...fuzz, '--force')).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(summary, 'utf8'))).toHaveProperty('campaign');

    const merged = path.join(dir, 'merged.json');
    fs.writeFileSync(merged, 'keep');
    const again = await cli('merge-results', '--out', dir, '--summary', merged, summary);
    expect([again.code, again.stderr]).toEqual([2, `raftcheck merge-results: --summary ${merged}: already exists (use --force to replace it)\n`]);
    expect(fs.readFileSync(merged, 'utf8')).toBe('keep');
    expect((await cli('merge-results', '--out', dir, '--summary', merged, '--force', summary)).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(merged, 'utf8'))).toHaveProperty('campaign');
  });

  it('-o naming a directory is refused before the work (simulate, view, diagram)', async () => {
    const dir = tmp();
    for (const argv of [['simulate', '--duration', '100ms', '-o', dir], ['view', TRACE, '-o', dir, '--force'], ['diagram', '-o', dir, '--force']]) {
      const r = await cli(...argv);
      expect([r.code, r.stderr], argv.join(' ')).toEqual([2, `raftcheck ${argv[0]}: -o ${dir}: is a directory (give a file name)\n`]);
    }
  });

  it('a check that creates a missing directory removes it again when nothing is written', async () => {
    const dir = tmp();
    const out = path.join(dir, 'new/cases');
    const r = await cli('fuzz', '--runs', '2', '--nodes', '3', '--duration', '200ms', '--out', out);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
