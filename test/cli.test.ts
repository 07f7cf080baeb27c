import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { durationOption, intOption, probabilityOption, UsageError } from '../harness/cli/command.js';
import { COMMANDS } from '../harness/cli/commands/index.js';

describe('raftcheck CLI', () => {
  it('lists every command in --help and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: raftcheck <command>/);
    expect(r.stdout).toMatch(/\n {2}spec {2}/);
  });

  it('lists each verb under the name and summary of the command it loads, and shows its help', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
      expect((await cli('help', entry.name)).stdout).toBe(command.help);
      expect((await cli(entry.name, '--help')).stdout).toBe(command.help);
    }
    const help = (await cli('--help')).stdout;
    for (const entry of COMMANDS) expect(help).toContain(`  ${entry.summary}\n`);
  });

  it('prints usage and exits 2 without a command', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Commands:/);
  });

  it('rejects an unknown command with exit 2 and a one-line hint', async () => {
    const r = await cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`raftcheck: unknown command 'frobnicate'. Commands: ${r.stderr.split('Commands: ')[1]!.split('.')[0]}. See 'raftcheck --help'.\n`);
  });

  it('rejects an unknown option with exit 2, naming it, without a stack trace', async () => {
    const r = await cli('spec', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftcheck spec: Unknown option '--bogus'\nSee 'raftcheck spec --help'.\n$/);
  });

  it('shows a verb\'s help with --help and with help <verb>', async () => {
    const a = await cli('spec', '--help');
    const b = await cli('help', 'spec');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/Usage: raftcheck spec/);
    expect(b.stdout).toBe(a.stdout);
  });

  it('prints its version', async () => {
    const r = await cli('--version');
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports the committed spec files as current', async () => {
    const r = await cli('spec', '--check');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/are current/);
    expect((await cli('spec', '--check', '--write')).code).toBe(2);
    expect((await cli('spec', 'extra')).code).toBe(2);
  });
});

describe('option parsers', () => {
  it('parse integers, probabilities and durations and name the option in errors', () => {
    expect(intOption('runs', '12', 1)).toBe(12);
    expect(intOption('runs', undefined, 5)).toBe(5);
    expect(() => intOption('runs', '1.5', 1)).toThrow(/--runs: expected an integer/);
    expect(() => intOption('nodes', '0', 3, 1)).toThrow('--nodes: must be a positive integer, got 0');
    expect(() => intOption('nodes', '10', 3, 1, 9)).toThrow('--nodes: must be between 1 and 9, got 10');
    expect(() => intOption('clients', '-1', 0)).toThrow('--clients: must be zero or more, got -1');
    expect(() => intOption('max-line-bytes', '10', 0, 1024)).toThrow('--max-line-bytes: must be at least 1024, got 10');
    expect(probabilityOption('drop', '0.25', 0)).toBe(0.25);
    expect(() => probabilityOption('drop', '2', 0)).toThrow(UsageError);
    expect(() => probabilityOption('drop', '', 0)).toThrow(/--drop/);
    expect(durationOption('duration', '10s', 0)).toBe(10_000);
    expect(durationOption('duration', '250ms', 0)).toBe(250);
    expect(durationOption('duration', '2m', 0)).toBe(120_000);
    expect(durationOption('duration', '75', 0)).toBe(75);
    expect(durationOption('duration', undefined, 9)).toBe(9);
    expect(() => durationOption('duration', 'soon', 0)).toThrow(/--duration: expected a duration/);
    expect(() => durationOption('duration', '-5s', 0)).toThrow('--duration: must be a positive duration, got -5s');
    expect(() => durationOption('duration', '0', 9)).toThrow('--duration: must be a positive duration (at least 1ms), got 0');
    expect(() => durationOption('duration', '0.4ms', 9)).toThrow('--duration: must be a positive duration (at least 1ms), got 0.4ms');
    expect(durationOption('crash-every', '0', 9, { zero: true })).toBe(0);
    expect(() => durationOption('crash-every', '-1s', 9, { zero: true })).toThrow('--crash-every: must be a duration of 0 (none) or more, got -1s');
  });
});

describe('numeric options of every command', () => {
  // Negative numbers used to be refused by util.parseArgs as "ambiguous"; zero durations were accepted.
  const out = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-options-')), 't.jsonl');
  const cases: Array<[string[], string]> = [
    [['fuzz', '--duration', '-5s'], '--duration: must be a positive duration, got -5s'],
    [['fuzz', '--duration', '0'], '--duration: must be a positive duration (at least 1ms), got 0'],
    [['fuzz', '--time-limit', '-1m'], '--time-limit: must be a positive duration, got -1m'],
    [['fuzz', '--time-limit', '0s'], '--time-limit: must be a positive duration (at least 1ms), got 0s'],
    [['fuzz', '--reply-timeout', '-5s'], '--reply-timeout: must be a positive duration, got -5s'],
    [['fuzz', '--runs', '-5'], '--runs: must be a positive integer, got -5'],
    [['fuzz', '--runs', '0'], '--runs: must be a positive integer, got 0'],
    [['fuzz', '--nodes', '-3'], '--nodes: must be between 1 and 9, got -3'],
    [['fuzz', '--workers', '-2'], '--workers: must be between 1 and 1024, got -2'],
    [['fuzz', '--runs', '--json'], "--runs: expects a value, but the next argument is an option (a value that starts with '-' is written --runs=-VALUE)"],
    [['replay', '--reply-timeout', '0', 'x.jsonl'], '--reply-timeout: must be a positive duration (at least 1ms), got 0'],
    [['merge-results', '--out', '-x'], "--out: expects a value, but the next argument is an option (a value that starts with '-' is written --out=-VALUE)"],
    [['validate', '--max-errors', '-1', 'x.jsonl'], '--max-errors: must be a positive integer, got -1'],
    [['validate', '--workers', '-1', 'x.jsonl'], '--workers: must be between 1 and 1024, got -1'],
    [['validate', '--max-line-bytes', '-1', 'x.jsonl'], '--max-line-bytes: must be at least 1024, got -1'],
    [['view', '--max-errors', '-1', 'x.jsonl'], '--max-errors: must be a positive integer, got -1'],
    [['view', '--max-line-bytes', '-4', 'x.jsonl'], '--max-line-bytes: must be at least 1024, got -4'],
    [['diagram', '--coverage', '--max-line-bytes', '-4', 'x.jsonl'], '--max-line-bytes: must be at least 1024, got -4'],
    [['simulate', '--duration', '-5s', '-o', out()], '--duration: must be a positive duration, got -5s'],
    [['simulate', '--duration', '0', '-o', out()], '--duration: must be a positive duration (at least 1ms), got 0'],
    [['simulate', '--nodes', '-1', '-o', out()], '--nodes: must be between 1 and 99, got -1'],
    [['simulate', '--clients', '-1', '-o', out()], '--clients: must be between 0 and 1000, got -1'],
    [['simulate', '--drop', '-0.1', '-o', out()], "--drop: expected a probability between 0 and 1, got '-0.1'"],
    [['simulate', '--dup', '-.5', '-o', out()], "--dup: expected a probability between 0 and 1, got '-.5'"],
    [['simulate', '--partition-every', '-2s', '-o', out()], '--partition-every: must be a duration of 0 (none) or more, got -2s'],
    [['simulate', '--crash-every', '-2s', '-o', out()], '--crash-every: must be a duration of 0 (none) or more, got -2s'],
    [['simulate', '--client-timeout', '0', '-o', out()], '--client-timeout: must be a positive duration (at least 1ms), got 0'],
    [['simulate', '--heartbeat', '-50', '-o', out()], '--heartbeat: must be a positive duration, got -50'],
    [['simulate', '--delay', '-1-10', '-o', out()], "--delay: expected a range in ms such as 1-10 or 5ms, got '-1-10'"],
    [['mutants', '--runs', '-1'], '--runs: must be a positive integer, got -1'],
    [['mutants', '--time-limit', '0'], '--time-limit: must be a positive duration (at least 1ms), got 0'],
  ];
  it.each(cases)('raftcheck %j: exit 2, %s', async (argv, message) => {
    const r = await cli(...argv);
    expect([r.code, r.stderr]).toEqual([2, `raftcheck ${argv[0]}: ${message}\nSee 'raftcheck ${argv[0]} --help'.\n`]);
  });

  it('take negative numbers where they are allowed (seeds), and 0 where it means none', async () => {
    const a = out();
    expect((await cli('simulate', '--seed', '-7', '--duration', '300ms', '--partition-every', '0', '--crash-every', '0', '-o', a)).code).toBe(0);
    expect(fs.readFileSync(a, 'utf8')).toMatch(/"seed":-7/);
    expect((await cli('fuzz', '--seed', '-3', '--runs', '1', '--nodes', '3', '--duration', '200ms', '--out', path.dirname(a))).code).toBe(0);
  });
});
