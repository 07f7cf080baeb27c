import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-validate-'));
const HEADER = '{"kind":"header","format":"raftcheck-trace","version":1,"nodes":["n1","n2"],"producer":{"name":"t","version":"1"}}';
const ev = (seq: number, extra = '') => `{"kind":"term","node":"n1","seq":${seq},"time":${seq},"term":${seq + 1}${extra}}`;
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

describe('raftcheck validate', () => {
  it('accepts a small valid trace and reports its event count', async () => {
    const f = file('ok.jsonl', [HEADER, ev(0), ev(1)].join('\n') + '\n');
    const r = await cli('validate', f);
    expect(r).toMatchObject({ code: 0, stdout: `${f}: valid (2 events)\n` });
  });

  it('accepts a last line without a final newline when it is complete', async () => {
    const f = file('no-final-newline.jsonl', [HEADER, ev(0)].join('\n'));
    expect((await cli('validate', f)).code).toBe(0);
  });

  it('prints a JSON report with --json', async () => {
    const f = file('bad.jsonl', [HEADER, ev(0), '{"kind":"term","node":"n1","seq":1,"time":1,"term":"x"}'].join('\n') + '\n');
    const r = await cli('validate', '--json', f);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; files: Array<{ errors: Array<{ line: number; path: string; rule: string }> }> };
    expect(report.valid).toBe(false);
    expect(report.files[0]!.errors[0]).toMatchObject({ line: 3, path: '/term', rule: 'schema.shape' });
  });

  it('says when one event breaks several rules, in text and in --json, whatever --max-errors keeps', async () => {
    const f = 'traces/examples/invalid/linearizability/read-of-a-value-never-written.jsonl';
    const text = await cli('validate', '--max-errors', '1', f);
    expect(text.stdout.split('\n')[0]).toMatch(/^\S+:72: .*\[linearizability\]$/);
    expect(text.stdout).toContain('\n    also breaks: applied-value, conformance.unexpected (same event)\n');
    const json = JSON.parse((await cli('validate', '--json', f)).stdout) as { files: Array<{ errors: Array<{ rule: string; also?: string[] }> }> };
    expect(json.files[0]!.errors.map((e) => [e.rule, e.also])).toEqual([['linearizability', ['applied-value', 'conformance.unexpected']], ['applied-value', undefined], ['conformance.unexpected', undefined]]);
  });

  it('caps the errors printed with --max-errors and counts the rest', async () => {
    const lines = [HEADER, ...Array.from({ length: 10 }, (_, i) => `{"kind":"term","node":"n1","seq":${i},"time":0,"term":-1}`)];
    const f = file('many.jsonl', lines.join('\n') + '\n');
    const r = await cli('validate', '--max-errors', '3', f);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.includes('[schema.shape]'))).toHaveLength(3);
    expect(r.stdout).toMatch(/… 7 more errors/);
  });

  it('exits 2 for a missing file, a directory, no files, and bad options, without a stack trace', async () => {
    for (const argv of [['validate', path.join(dir, 'nope.jsonl')], ['validate', dir], ['validate'], ['validate', '--max-errors', 'x', 'f'], ['validate', '--only', 'no-such-rule', 'f'], ['validate', '--format', 'xml', 'f']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^raftcheck validate: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('lists its rules with --rules', async () => {
    const r = await cli('validate', '--rules');
    expect(r.code).toBe(0);
    for (const id of ['schema.parse', 'schema.receive-unmatched', 'election-safety', 'linearizability']) expect(r.stdout).toMatch(new RegExp(`^${id.replace('.', '\\.')} `, 'm'));
  });

  it('refuses a 10 MB line at once: exit 2, naming the file and line', async () => {
    const f = file('huge.jsonl', HEADER + '\n' + '{"kind":"note","text":"' + 'x'.repeat(10 * 1024 * 1024) + '"}\n' + ev(0) + '\n');
    const r = await cli('validate', '--schema-only', f);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `raftcheck validate: ${f}:2: a line longer than 4194304 bytes: not read further (--max-line-bytes raises the limit)\n`]);
  });

  it('rejects a deeply nested value without crashing', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const f = file('deep.jsonl', HEADER + '\n' + `{"kind":"note","text":"x","data":${deep}}\n` + `{"kind":"term","node":"n1","seq":0,"time":0,"term":${deep}}\n`);
    const r = await cli('validate', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/:3: \/term: must be integer/);
  });

  it('reports a trace that constrains nothing instead of passing it', async () => {
    const f = file('empty-events.jsonl', [HEADER, '{"kind":"timeout","node":"n1","seq":0,"time":0,"timer":"election"}'].join('\n') + '\n');
    const r = await cli('validate', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/constrains nothing.*\[unconstrained\]/);
    const headerOnly = file('header-only.jsonl', HEADER + '\n');
    expect((await cli('validate', headerOnly)).stdout).toMatch(/\[unconstrained\]/);
  });

  it('selects semantic rules with --only and --skip', async () => {
    const twoLeaders = [HEADER,
      '{"kind":"role","node":"n1","seq":0,"time":0,"role":"leader","state":{"term":1}}',
      '{"kind":"role","node":"n2","seq":0,"time":0,"role":"leader","state":{"term":1}}'].join('\n') + '\n';
    const f = file('two-leaders.jsonl', twoLeaders);
    expect((await cli('validate', f)).stdout).toMatch(/:3: \/: two leaders in term 1/);
    expect((await cli('validate', '--skip', 'election-safety', f)).code).toBe(0);
    expect((await cli('validate', '--only', 'vote-once,term-monotonic', f)).code).toBe(0);
    expect((await cli('validate', '--schema-only', f)).code).toBe(0);
  });

  it('validates Jepsen histories and etcd traces through importers', async () => {
    const ok = await cli('validate', '--format', 'jepsen', 'traces/external/porcupine/jepsen/etcd_018.log');
    expect(ok.code).toBe(0);
    const bad = await cli('validate', '--format', 'jepsen', 'traces/external/porcupine/jepsen/etcd_001.log');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/etcd_001\.log:\d+: \/: the history of 86 operations is not linearizable/);
    const etcd = await cli('validate', '--format', 'etcd', 'traces/external/etcd-raft/etcd-raft-pr204-example.ndjson');
    expect(etcd.code).toBe(0);
    // Heartbeats are mapped since issue 15 (before: also 28 MsgHeartbeat, 28 MsgHeartbeatResp).
    expect(etcd.stdout).toMatch(/valid \(\d+ events; not modelled: 16 configuration change, 1 conformance \(bootstrap commit index\)\)/);
    const garbage = await cli('validate', '--format', 'jepsen', file('g.log', 'hello\n'));
    expect(garbage.stdout).toMatch(/g\.log:1: \/line: not a Jepsen history line/);
    expect(garbage.code).toBe(1);
    const etcdGarbage = await cli('validate', '--format', 'etcd', file('g.ndjson', '{\n'));
    expect(etcdGarbage.stdout).toMatch(/g\.ndjson:1: \/line: not JSON/);
  });

  it('shows progress on stderr with --progress', async () => {
    const f = file('p.jsonl', [HEADER, ev(0)].join('\n') + '\n');
    const r = await cli('validate', '--progress', f);
    expect(r.stderr).toMatch(/p\.jsonl: 100%/);
  });
});

describe('raftcheck validate --max-line-bytes', () => {
  it('lowers or raises the line-length limit', async () => {
    const f = file('long-note.jsonl', HEADER + '\n' + `{"kind":"note","text":"${'y'.repeat(3000)}"}\n` + ev(0) + '\n');
    expect((await cli('validate', '--max-line-bytes', '2048', f)).stderr).toBe(`raftcheck validate: ${f}:2: a line longer than 2048 bytes: not read further (--max-line-bytes raises the limit)\n`);
    expect((await cli('validate', '--max-line-bytes', '8192', f)).code).toBe(0);
    // The limit is the line's own length: a line of exactly the limit passes, one byte more does not.
    const line2 = `{"kind":"note","text":"${'y'.repeat(3000)}"}`;
    expect((await cli('validate', '--max-line-bytes', String(line2.length), f)).code).toBe(0);
    expect((await cli('validate', '--max-line-bytes', String(line2.length - 1), f)).code).toBe(2);
    expect((await cli('validate', '--max-line-bytes', '10', f)).code).toBe(2);
  });
});
