import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildTraceJsonSchema } from '../src/trace/json-schema.js';
import type { Header, TraceEvent } from '../src/trace/schema.js';
import { EtcdFormatError, importEtcdTrace } from '../harness/importers/etcd.js';
import { ClusterInvariants } from '../harness/checker/invariants/cluster-invariants.js';
import type { Violation } from '../harness/checker/violation.js';

const ETCD = 'traces/external/etcd-raft/etcd-raft-pr204-example.ndjson';

describe('etcd trace importer', () => {
  const imported = importEtcdTrace(fs.readFileSync(ETCD, 'utf8'));

  it('produces schema-valid v1 lines with the three nodes in the header', () => {
    const ajv = new Ajv2020.default({ discriminator: true, strict: true });
    const validate = ajv.compile(buildTraceJsonSchema());
    const bad = imported.lines.map((l, i) => (validate(l) ? null : `${i}: ${ajv.errorsText(validate.errors)}`)).filter(Boolean);
    expect(bad).toEqual([]);
    expect((imported.lines[0] as Header).nodes).toEqual(['1', '2', '3']);
  });

  it('matches every receive to a send and keeps per-node sequence numbers increasing', () => {
    const sent = new Set<string>();
    const seq = new Map<string, number>();
    for (const l of imported.lines.slice(1) as TraceEvent[]) {
      if (l.kind === 'send') sent.add(l.msg.id);
      if (l.kind === 'receive') expect(sent.has(l.msg.id)).toBe(true);
      if ('node' in l && l.node !== undefined && l.seq !== undefined) {
        expect(l.seq).toBeGreaterThan(seq.get(l.node) ?? -1);
        seq.set(l.node, l.seq);
      }
    }
    expect(sent.size).toBeGreaterThan(50);
  });

  it('raises no invariant violation on a trace from production code', () => {
    const found: Violation[] = [];
    const checker = new ClusterInvariants(imported.lines[0] as Header, (v) => found.push(v));
    imported.lines.slice(1).forEach((l, i) => checker.event(l as TraceEvent, i + 2));
    expect(found).toEqual([]);
  });

  it('counts what it does not model instead of dropping it silently', () => {
    expect(imported.notModelled).toMatchObject({ MsgHeartbeat: 28, MsgHeartbeatResp: 28, 'configuration change': 16 });
    expect(imported.notModelled['self-addressed message']).toBeGreaterThan(0);
    expect(imported.notModelled['unmatched receive']).toBeUndefined();
    const notes = imported.lines.filter((l) => l.kind === 'note');
    expect(notes.length).toBe(Object.values(imported.notModelled).reduce((a, b) => a + b, 0));
  });

  it('reconstructs the leader election of term 2 and the commits that follow', () => {
    const leaders = imported.lines.filter((l) => l.kind === 'role' && l.role === 'leader');
    expect(leaders.map((l) => [('node' in l && l.node), l.kind === 'role' && l.state?.term])).toEqual([['3', 2]]);
    const commits = imported.lines.filter((l) => l.kind === 'commit').map((l) => (l.kind === 'commit' ? l.commitIndex : 0));
    expect(Math.max(...commits)).toBeGreaterThanOrEqual(5);
  });

  it('reports malformed input with line and field', () => {
    const err = (text: string) => {
      try {
        importEtcdTrace(text);
      } catch (e) {
        if (e instanceof EtcdFormatError) return `${e.line}:${e.field}: ${e.message}`;
        throw e;
      }
      return 'no error';
    };
    expect(err('{')).toMatch(/^1:line: not JSON/);
    expect(err('{"msg":"x"}')).toMatch(/no etcd trace events/);
    expect(err('{"event":{"name":"X","nid":"1","state":{"term":-1,"vote":"0","commit":0},"role":"StateFollower","log":0}}')).toBe('1:/event/state/term: expected a non-negative integer, got -1');
    expect(err('{"event":{"name":"X","nid":"1","state":{"term":1,"vote":"0","commit":0},"role":"Boss","log":0}}')).toMatch(/^1:\/event\/role: unknown role/);
  });
});
