import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFileWriter } from '../harness/trace/writer.js';
import type { TraceLine } from '../src/trace/schema.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-writer-'));
const header: TraceLine = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1'], producer: { name: 't', version: '1' } };
const event = (seq: number): TraceLine => ({ kind: 'timeout', node: 'n1', seq, time: seq, timer: 'election' });

describe('TraceFileWriter', () => {
  it('makes the file visible only on close, then byte-identical for identical lines', () => {
    const a = path.join(dir, 'a.jsonl');
    const w = new TraceFileWriter(a);
    w.write(header);
    for (let i = 0; i < 20_000; i++) w.write(event(i)); // more than one flush
    expect(fs.existsSync(a)).toBe(false);
    w.close();
    const b = path.join(dir, 'b.jsonl');
    const v = new TraceFileWriter(b);
    v.write(header);
    for (let i = 0; i < 20_000; i++) v.write(event(i));
    v.close();
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(fs.readFileSync(a, 'utf8').split('\n')).toHaveLength(20_002);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to replace an existing file unless asked, and never an input', () => {
    const p = path.join(dir, 'exists.jsonl');
    fs.writeFileSync(p, 'keep');
    expect(() => new TraceFileWriter(p)).toThrow(/already exists/);
    expect(() => new TraceFileWriter(p, { overwrite: true, inputs: [path.join(dir, '.', 'exists.jsonl')] })).toThrow(/is also an input/);
    expect(fs.readFileSync(p, 'utf8')).toBe('keep');
    const w = new TraceFileWriter(p, { overwrite: true });
    w.write(header);
    w.close();
    expect(fs.readFileSync(p, 'utf8')).toBe(JSON.stringify(header) + '\n');
  });

  it('leaves nothing behind when aborted, and rejects writes after close', () => {
    const p = path.join(dir, 'aborted.jsonl');
    const w = new TraceFileWriter(p);
    w.write(header);
    w.abort();
    expect(fs.existsSync(p)).toBe(false);
    const v = new TraceFileWriter(path.join(dir, 'closed.jsonl'));
    v.close();
    expect(() => v.write(header)).toThrow(/write after close/);
    v.close(); // idempotent
  });
});
