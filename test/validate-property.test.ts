import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTraceFile } from '../harness/validate/validate-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-prop-'));

function seedTraces(): Buffer[] {
  const valid = 'traces/examples/valid';
  const files = fs.existsSync(valid) ? fs.readdirSync(valid).map((f) => fs.readFileSync(path.join(valid, f))) : [];
  const fallback = [
    '{"kind":"header","format":"raftcheck-trace","version":1,"nodes":["n1","n2"],"producer":{"name":"t","version":"1"}}',
    '{"kind":"timeout","node":"n1","seq":0,"time":1,"timer":"election","state":{"role":"follower","term":0}}',
    '{"kind":"term","node":"n1","seq":1,"time":1,"term":1,"state":{"role":"candidate","term":1}}',
    '{"kind":"send","node":"n1","seq":2,"time":1,"msg":{"id":"m1","from":"n1","to":"n2","term":1,"type":"RequestVote","candidateId":"n1","lastLogIndex":0,"lastLogTerm":0}}',
    '{"kind":"receive","node":"n2","seq":0,"time":3,"msg":{"id":"m1","from":"n1","to":"n2","term":1,"type":"RequestVote","candidateId":"n1","lastLogIndex":0,"lastLogTerm":0}}',
  ].join('\n') + '\n';
  return [...files, Buffer.from(fallback)];
}

/** Mutations a damaged or hostile file could show. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('deleteLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string(), fc.constantFrom('{"__proto__":{}}', '[[[[[[', '\u0000', '\n\n', '{"kind":"header"}', '9007199254740993')) }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: fc.constantFrom('null', '"x"', '-1', '1.5', '[]', '{}', 'true', '1e400') }),
);

function apply(buf: Buffer, m: { op: string; at: number } & Record<string, unknown>): Buffer {
  const lines = buf.toString('latin1').split('\n');
  const pick = (n: number) => n % Math.max(1, lines.length);
  switch (m.op) {
    case 'truncate':
      return buf.subarray(0, m.at % (buf.length + 1));
    case 'flip': {
      const copy = Buffer.from(buf);
      if (copy.length > 0) copy[m.at % copy.length] = m.byte as number;
      return copy;
    }
    case 'deleteLine':
      lines.splice(pick(m.at), 1);
      break;
    case 'duplicateLine':
      lines.splice(pick(m.at), 0, lines[pick(m.at)] ?? '');
      break;
    case 'swapLines': {
      const a = pick(m.at), b = pick(m.with as number);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      break;
    }
    case 'insert': {
      const i = pick(m.at);
      lines[i] = (lines[i] ?? '') + (m.text as string);
      break;
    }
    case 'retype': {
      const i = pick(m.at);
      lines[i] = (lines[i] ?? '').replace(/:(\d+|"[^"]*"|true|false|null)/, `:${m.value as string}`);
      break;
    }
  }
  return Buffer.from(lines.join('\n'), 'latin1');
}

describe('reader and validator under random damage', () => {
  const seeds = seedTraces();
  it('never throw, and either accept or locate every error within the file', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const damaged = mutations.reduce((b, m) => apply(b, m as never), seeds[which]!);
        const file = path.join(dir, `t${n++}.jsonl`);
        fs.writeFileSync(file, damaged);
        const report = validateTraceFile(file);
        const lineCount = Math.max(1, damaged.toString('latin1').split('\n').length);
        if (!report.valid) {
          expect(report.errors.length).toBeGreaterThan(0);
          for (const e of report.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(lineCount);
            expect(e.message.length).toBeGreaterThan(0);
            expect(e.rule).toMatch(/^[a-z.-]+$/);
          }
        }
        fs.rmSync(file);
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });
});
