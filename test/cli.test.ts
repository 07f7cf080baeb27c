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
    expect(() => intOption('nodes', '0', 3, 1)).toThrow(/--nodes: must be between 1/);
    expect(probabilityOption('drop', '0.25', 0)).toBe(0.25);
    expect(() => probabilityOption('drop', '2', 0)).toThrow(UsageError);
    expect(() => probabilityOption('drop', '', 0)).toThrow(/--drop/);
    expect(durationOption('duration', '10s', 0)).toBe(10_000);
    expect(durationOption('duration', '250ms', 0)).toBe(250);
    expect(durationOption('duration', '2m', 0)).toBe(120_000);
    expect(durationOption('duration', '75', 0)).toBe(75);
    expect(durationOption('duration', undefined, 9)).toBe(9);
    expect(() => durationOption('duration', 'soon', 0)).toThrow(/--duration: expected a duration/);
  });
});
