/**
 * Features `snapshot` and `membership` over the driver protocol (spec/DRIVER.md, revision 1.1):
 * the reference run as a driver process (test/fixtures/driver/reference-driver.ts) declares them
 * in its reply to init, is told the run's snapshot threshold and initial configuration, takes
 * `reconfigure` requests, reports its snapshots (`snapshots`) and its configuration
 * (`state.config`), and restarts from a persisted snapshot; a node that snapshots uncommitted
 * entries is caught, and a malformed report is a one-line driver.protocol error naming the field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-s23-driver-'));
let driver = '';
const driverImpl = (...options: string[]) => `cmd:${process.execPath} ${driver} ${options.join(' ')}`;

beforeAll(() => {
  // Bundled once, so that each node process starts in a fraction of a second.
  driver = path.join(tmp(), 'reference-driver.mjs');
  buildSync({ entryPoints: ['test/fixtures/driver/reference-driver.ts'], bundle: true, platform: 'node', format: 'esm', outfile: driver, logLevel: 'warning' });
});

describe('a driver that declares snapshot and membership in its reply to init', () => {
  it('is run with both: it snapshots, installs, restarts from a snapshot and changes the configuration, and its trace validates', async () => {
    const out = path.join(tmp(), 'both.jsonl');
    const r = await cli('simulate', '--impl', driverImpl('--features', 'snapshot,membership'), '--nodes', '4', '--members', '3', '--reconfigure-every', '300ms',
      '--snapshot-every', '2', '--clients', '2', '--crash-every', '700ms', '--duration', '1500ms', '--seed', '4', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
    expect(lines[0]).toMatchObject({ kind: 'header', minor: 5, features: ['snapshot', 'membership'], params: { snapshotEvery: 2, voters: ['n1', 'n2', 'n3'], learners: [] } });
    const kinds = new Set(lines.map((l) => l.kind));
    expect(['snapshot', 'install_snapshot', 'reconfigure', 'config'].filter((k) => !kinds.has(k as TraceLine['kind']))).toEqual([]);
    expect(lines.some((l) => l.kind === 'restart' && l.persisted?.snapshot !== undefined)).toBe(true);
    expect(lines.some((l) => l.kind === 'append' && l.entries.some((e) => e.command.type === 'config'))).toBe(true);
    const v = await cli('validate', out);
    expect([v.code, v.stdout]).toEqual([0, expect.stringMatching(/: valid \(/)]);
  }, 120_000);

  it('one that snapshots entries it has not committed is caught by snapshot.committed', async () => {
    const out = path.join(tmp(), 'uncommitted.jsonl');
    const r = await cli('simulate', '--impl', driverImpl('--features', 'snapshot', '--mutant', 'snapshot-uncommitted'), '--nodes', '3', '--snapshot-every', '2', '--clients', '2', '--duration', '2s', '--seed', '3', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const v = await cli('validate', '--max-errors', '1', out);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/took a snapshot through index \d+, beyond its commitIndex \d+: it covers entries that are not committed \[snapshot\.committed\]/);
  }, 120_000);

  it('one that reports a malformed snapshot gets one line naming the node, the request and the field', async () => {
    const out = path.join(tmp(), 'garbled.jsonl');
    const r = await cli('simulate', '--impl', driverImpl('--features', 'snapshot', '--garble-snapshots'), '--nodes', '3', '--snapshot-every', '2', '--clients', '2', '--duration', '2s', '--seed', '3', '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raftcheck simulate: .* failed \[driver\.protocol\]: node n\d, request \d+ \([^)]*\): the reply breaks spec\/driver\.schema\.json at \/snapshots\/0\/index: must be integer; the trace up to there is in .*garbled\.jsonl\n$/);
  }, 120_000);
});
