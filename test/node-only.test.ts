/**
 * `npm ci && npm test` needs nothing but Node: SVG diagrams are laid out by Graphviz compiled to
 * WebAssembly, and the browser tests fall back to the Chromium inside an npm package. Proved by
 * child processes whose environment holds only PATH (a directory with nothing in it but a link
 * to this `node`), temporary directories, and RAFTCHECK_CHROMIUM=npm, which skips the lookup of
 * a system Chromium by absolute path (/usr/bin/chromium) that PATH cannot hide.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeReport } from '../harness/viewer/write-report.js';
import type { SmokeResult } from './helpers/browser-smoke.js';
import { findChromium, npmChromiumPackage } from './helpers/chromium.js';
import { cli } from './helpers/cli.js';

const VALID = 'traces/examples/valid/election-and-writes-3.jsonl';

/** A directory holding only `node`, as PATH for the children. */
function nodeOnlyBin(): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-node-only-'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  return bin;
}

function nodeOnlyEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: nodeOnlyBin(), TMPDIR: os.tmpdir(), RAFTCHECK_OS_TMPDIR: process.env.RAFTCHECK_OS_TMPDIR || os.tmpdir(), ...extra };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 50_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The shared libraries a process has mapped. */
const librariesOf = (maps: string) => [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((f) => /\.so(\.|$)/.test(f)))];

describe('with nothing but Node on PATH', () => {
  it('raftcheck diagram --format svg draws the statechart (no Graphviz program)', async () => {
    const r = await run(['harness/cli/raftcheck.js', 'diagram', '--format', 'svg'], nodeOnlyEnv());
    expect([r.code, r.stderr]).toEqual([0, '']);
    for (const state of ['follower', 'candidate', 'leader']) expect(r.stdout).toContain(`<title>${state}</title>`);
    expect(r.stdout).toContain('<title>candidate&#45;&gt;leader</title>');
    // The same picture as in this process, whatever the environment.
    expect(r.stdout).toBe((await cli('diagram', '--format', 'svg')).stdout);
  });

  it('the npm Chromium opens a trace report, linking no system library that Node itself does not', async () => {
    const lines = fs.readFileSync(VALID, 'utf8').trim().split('\n').length;
    const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-node-only-report-')), 'valid.html');
    writeReport(VALID, report);
    const r = await run(['--import', 'tsx', 'test/helpers/browser-smoke.ts', report], nodeOnlyEnv({ RAFTCHECK_CHROMIUM: 'npm' }));
    expect([r.code, r.stderr]).toEqual([0, '']);
    const seen = JSON.parse(r.stdout) as SmokeResult;
    expect([seen.badge, seen.rows]).toEqual(['valid', lines - 1]);
    expect(seen.source).toBe('npm');
    expect(seen.exe).toBe(seen.executablePath);
    const unpacked = path.dirname(seen.exe);
    expect(path.dirname(unpacked)).toBe(fs.realpathSync(process.env.RAFTCHECK_OS_TMPDIR || os.tmpdir()));
    const { version } = npmChromiumPackage();
    expect(seen.version.split('.')[0]).toBe(version.split('.')[0]);
    // NSS and the rest come from the package; what comes from the system is what Node needs too (glibc).
    expect(seen.libraries).toContain(path.join(unpacked, 'al2023', 'lib', 'libnss3.so'));
    const system = seen.libraries.filter((l) => !l.startsWith(`${unpacked}/`));
    expect(system.length).toBeGreaterThan(0);
    const nodes = librariesOf(fs.readFileSync('/proc/self/maps', 'utf8'));
    expect(system.filter((l) => !nodes.includes(l))).toEqual([]);
  });
});

describe('which Chromium the browser tests take', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('the system one where there is one, the npm one when told or when there is none, or the one named', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-fake-chromium-'));
    const fake = path.join(bin, 'chromium');
    fs.writeFileSync(fake, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    vi.stubEnv('PATH', bin);
    vi.stubEnv('RAFTCHECK_CHROMIUM', '');
    const system = await findChromium();
    expect(system).toMatchObject({ source: 'system', executablePath: fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : fake });
    vi.stubEnv('RAFTCHECK_CHROMIUM', 'npm');
    const npm = await findChromium();
    expect(npm.source).toBe('npm');
    expect(path.basename(npm.executablePath)).toBe('chromium');
    expect(npm.env.LD_LIBRARY_PATH).toBe(path.join(path.dirname(npm.executablePath), 'al2023', 'lib'));
    vi.stubEnv('RAFTCHECK_CHROMIUM', fake);
    expect(await findChromium()).toMatchObject({ source: 'env', executablePath: fake });
    vi.stubEnv('RAFTCHECK_CHROMIUM', path.join(bin, 'nope'));
    await expect(findChromium()).rejects.toThrow(/^RAFTCHECK_CHROMIUM=.*nope: not an executable file/);
  });
});
