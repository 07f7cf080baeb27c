/**
 * A UTF-8 byte order mark before the first line (as some Windows editors and tools write) is
 * not part of the trace: every reader skips it, and only there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEtcdTrace } from '../harness/importers/etcd.js';
import { parseJepsenHistory } from '../harness/importers/jepsen.js';
import { cli } from './helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-bom-'));
const BOM = '\uFEFF';
const TRACE = 'traces/examples/valid/election-and-writes-3.jsonl';
const ETCD = 'traces/external/etcd-raft/etcd-raft-pr204-example.ndjson';
const JEPSEN = 'traces/external/porcupine/jepsen/etcd_018.log';

function withBom(file: string, crlf = false): string {
  const text = fs.readFileSync(file, 'utf8');
  const copy = path.join(dir, `bom${crlf ? '-crlf' : ''}-${path.basename(file)}`);
  fs.writeFileSync(copy, BOM + (crlf ? text.replace(/\n/g, '\r\n') : text));
  return copy;
}

/** The report of a copy, with the copy's name put back: the same verdict, counts and errors. */
async function sameReport(argv: string[], original: string, copy: string) {
  const a = await cli(...argv, original);
  const b = await cli(...argv, copy);
  expect(b.code).toBe(a.code);
  const report = (r: typeof a, name: string) => JSON.parse(r.stdout.split(name).join('FILE')) as { files: Array<Record<string, unknown>> };
  const [x, y] = [report(a, original), report(b, copy)];
  for (const f of [...x.files, ...y.files]) delete f.bytes; // the copy is 3 bytes longer
  expect(y).toEqual(x);
}

describe('a byte order mark before the first line', () => {
  it('is skipped in a raftcheck trace (validate, view, diagram --coverage), also with CRLF line ends', async () => {
    for (const copy of [withBom(TRACE), withBom(TRACE, true)]) {
      await sameReport(['validate', '--json'], TRACE, copy);
      expect((await cli('view', copy, '-o', `${copy}.html`)).code).toBe(0);
      expect((await cli('diagram', '--coverage', copy)).stdout).toBe((await cli('diagram', '--coverage', TRACE)).stdout);
    }
  });

  it('is skipped in an etcd trace and a Jepsen history', async () => {
    await sameReport(['validate', '--json', '--format', 'etcd'], ETCD, withBom(ETCD));
    await sameReport(['validate', '--json', '--format', 'jepsen'], JEPSEN, withBom(JEPSEN));
    expect(importEtcdTrace(BOM + fs.readFileSync(ETCD, 'utf8'))).toEqual(importEtcdTrace(fs.readFileSync(ETCD, 'utf8')));
    expect(parseJepsenHistory(BOM + fs.readFileSync(JEPSEN, 'utf8'))).toEqual(parseJepsenHistory(fs.readFileSync(JEPSEN, 'utf8')));
  });

  it('is not skipped anywhere else: on line 2 it is an error like any stray character', async () => {
    const lines = fs.readFileSync(TRACE, 'utf8').split('\n');
    const f = path.join(dir, 'bom-line-2.jsonl');
    fs.writeFileSync(f, [lines[0], BOM + lines[1], ...lines.slice(2)].join('\n'));
    const r = await cli('validate', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bom-line-2\.jsonl:2: \/: not JSON/);
  });
});
