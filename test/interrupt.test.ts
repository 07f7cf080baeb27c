/**
 * An interrupted write leaves no temporary file: Ctrl-C (SIGINT) or SIGTERM during
 * `raftcheck simulate -o` deletes it, and one left by a process killed outright is deleted on
 * the next write to the same target.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTempFiles, writeFileAtomic } from '../harness/io/atomic-write.js';
import { TraceFileWriter } from '../harness/trace/writer.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-interrupt-'));

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return true;
  return check();
}

describe('raftcheck simulate -o, interrupted', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('by %s: deletes its temporary file and ends as killed by the signal', async (signal) => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonl');
    // Long enough (hours of virtual time) never to finish before the signal.
    const child = spawn(process.execPath, ['harness/cli/raftcheck.js', 'simulate', '--nodes', '5', '--clients', '3', '--duration', '600m', '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    const temp = () => fs.readdirSync(dir).find((f) => f.startsWith('.out.jsonl.') && f.endsWith('.tmp'));
    // Some of the trace is written (the writer flushes every MiB) before the signal.
    const writing = await eventually(() => {
      const t = temp();
      return t !== undefined && fs.statSync(path.join(dir, t)).size > 0;
    }, 40_000);
    expect(writing, `no temporary file with content appeared; stderr: ${stderr}`).toBe(true);
    child.kill(signal);
    const end = await exited;
    expect(end, stderr).toEqual({ code: null, signal }); // a shell reports 128 + the signal's number: 130 for SIGINT
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('temporary files of a process that is gone', () => {
  it('are deleted on the next write to the same target; those of live processes and of other targets are kept', () => {
    const dir = tmp();
    const target = path.join(dir, 'out.jsonl');
    const ended = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that no longer runs
    const stale = `.out.jsonl.${ended}.1.tmp`;
    const live = `.out.jsonl.1.3.tmp`; // pid 1 always runs
    const other = `.other.jsonl.${ended}.1.tmp`;
    const lookalike = `.out.jsonl.x.${ended}.1.tmp`;
    for (const f of [stale, live, other, lookalike]) fs.writeFileSync(path.join(dir, f), 'partial');
    writeFileAtomic(target, 'done');
    expect(fs.readdirSync(dir).sort()).toEqual([live, other, lookalike, 'out.jsonl'].sort());

    // The trace writer sweeps too.
    fs.writeFileSync(path.join(dir, `.t.jsonl.${ended}.7.tmp`), 'partial');
    const writer = new TraceFileWriter(path.join(dir, 't.jsonl'));
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.t.jsonl.'))).toEqual([path.basename(openTempFiles()[0]!)]);
    writer.abort();
    expect(openTempFiles()).toEqual([]);
  });
});
