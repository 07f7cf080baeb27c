import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildTraceJsonSchema } from '../src/trace/json-schema.js';
import type { Header, TraceEvent } from '../src/trace/schema.js';
import { EtcdFormatError, importEtcdTrace } from '../harness/importers/etcd.js';
import { ClusterInvariants } from '../harness/checker/invariants/cluster-invariants.js';
import type { Violation } from '../harness/checker/violation.js';
import { validateText } from '../harness/validate/validate-input.js';

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
    // Before heartbeats were mapped (issue 15): also MsgHeartbeat 28 and MsgHeartbeatResp 28;
    // before self-addressed messages were taken as own steps (issue 18): also 36 of those.
    expect(imported.notModelled).toEqual({ 'configuration change': 16, 'conformance (bootstrap commit index)': 1 });
    expect(imported.notModelled['unmatched receive']).toBeUndefined();
    const notes = imported.lines.filter((l) => l.kind === 'note' && l.text.startsWith('not modelled'));
    expect(notes.length).toBe(imported.notModelled['configuration change']); // the other count is the header's skip
  });

  it('takes the self-addressed messages as the own steps they are: 15 candidates\' own votes and 3 leader\'s own acknowledgements, sent and received', () => {
    expect(imported.ownSteps).toBe(36);
    const own = imported.lines.filter((l) => l.kind === 'note' && l.text.startsWith('own step')).map((l) => (l.kind === 'note' ? l.text.split(':')[1]!.trim() : ''));
    const count = (t: string) => own.filter((x) => x === t).length;
    expect([count('send MsgVoteResp to itself'), count('receive MsgVoteResp from itself'), count('send MsgAppResp to itself'), count('receive MsgAppResp from itself')]).toEqual([15, 15, 3, 3]);
  });

  it('takes a self-addressed message that is not an own step (a refusal to itself) as not modelled', () => {
    const ev = (name: string, msg: Record<string, unknown>) =>
      JSON.stringify({ ts: 1, event: { name, nid: '1', state: { term: 1, vote: '1', commit: 0 }, role: 'StateCandidate', log: 0, msg: { entries: 0, logTerm: 0, index: 0, commit: 0, rejectHint: 0, type: 'MsgVoteResp', term: 1, from: '1', to: '1', ...msg } } });
    const out = importEtcdTrace([ev('SendRequestVoteResponse', { reject: true }), ev('SendRequestVoteResponse', { reject: false })].join('\n'));
    expect(out.notModelled).toEqual({ 'self-addressed message': 1 });
    expect(out.ownSteps).toBe(1);
  });

  it('reconstructs the leader election of term 2 and the commits that follow', () => {
    const leaders = imported.lines.filter((l) => l.kind === 'role' && l.role === 'leader');
    expect(leaders.map((l) => [('node' in l && l.node), l.kind === 'role' && l.state?.term])).toEqual([['3', 2]]);
    const commits = imported.lines.filter((l) => l.kind === 'commit').map((l) => (l.kind === 'commit' ? l.commitIndex : 0));
    expect(Math.max(...commits)).toBeGreaterThanOrEqual(5);
  });

  it('runs every rule, and says why conformance cannot apply to this trace: its nodes bootstrap with a commit index the reference cannot recover', () => {
    const report = validateText('etcd.ndjson', fs.readFileSync(ETCD, 'utf8'), 'etcd', {}) as ReturnType<typeof validateText> & { notModelled?: Record<string, number> };
    expect(report.errors).toEqual([]);
    expect(report.notModelled).toEqual({ 'configuration change': 16, 'conformance (bootstrap commit index)': 1 });
    const header = imported.lines[0] as Header;
    expect(header.skipRules?.map((r) => r.rule)).toEqual(['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message']);
    expect(header.skipRules?.[0]?.reason).toMatch(/bootstrap with committed configuration entries/);
    // Each node starts from storage: a restart with its bootstrap log (three configuration entries of term 1).
    const restarts = imported.lines.filter((l) => l.kind === 'restart');
    expect(restarts.map((l) => (l.kind === 'restart' ? [l.node, l.persisted?.term, l.persisted?.log.length] : []))).toEqual([['1', 1, 3], ['2', 1, 3], ['3', 1, 3]]);
  });

  it('maps heartbeats to feature heartbeat\'s messages and declares it (revision 1.4)', () => {
    const lines = imported.lines as TraceEvent[];
    expect(imported.lines[0]).toMatchObject({ minor: 4, features: ['heartbeat'] });
    expect(lines.filter((l) => l.kind === 'send' && l.msg.type === 'Heartbeat')).toHaveLength(14);
    expect(lines.filter((l) => l.kind === 'send' && l.msg.type === 'HeartbeatResponse')).toHaveLength(14);
    // The one refusal answers a MsgApp, as in etcd's own trace; 13 MsgAppResp to another node (the others are self-addressed).
    expect(lines.filter((l) => l.kind === 'send' && l.msg.type === 'AppendEntriesResponse' && !l.msg.success)).toHaveLength(1);
    expect(lines.filter((l) => l.kind === 'send' && l.msg.type === 'AppendEntriesResponse' && l.msg.success)).toHaveLength(13);
  });

  it('maps pre-vote, the pre-candidate role and leadership transfer, and declares the features it saw', () => {
    const ev = (name: string, nid: string, role: string, term: number, log: number, msg?: Record<string, unknown>) =>
      JSON.stringify({ ts: 1, event: { name, nid, state: { term, vote: '0', commit: 0 }, role, log, ...(msg ? { msg: { entries: 0, logTerm: 0, index: 0, commit: 0, reject: false, rejectHint: 0, ...msg } } : {}) } });
    const text = [
      ev('BecomeCandidate', '1', 'StatePreCandidate', 0, 0),
      ev('SendRequestVoteRequest', '1', 'StatePreCandidate', 0, 0, { type: 'MsgPreVote', term: 1, from: '1', to: '2' }),
      ev('ReceiveRequestVoteRequest', '2', 'StateFollower', 0, 0, { type: 'MsgPreVote', term: 1, from: '1', to: '2' }),
      ev('SendRequestVoteResponse', '2', 'StateFollower', 0, 0, { type: 'MsgPreVoteResp', term: 1, from: '2', to: '1' }),
      ev('ReceiveRequestVoteResponse', '1', 'StatePreCandidate', 0, 0, { type: 'MsgPreVoteResp', term: 1, from: '2', to: '1' }),
      ev('BecomeCandidate', '1', 'StateCandidate', 1, 0),
      ev('SendAppendEntriesRequest', '1', 'StateCandidate', 1, 0, { type: 'MsgTimeoutNow', term: 1, from: '1', to: '2' }),
      ev('ReceiveAppendEntriesRequest', '2', 'StateFollower', 0, 0, { type: 'MsgTimeoutNow', term: 1, from: '1', to: '2' }),
      ev('BecomeCandidate', '2', 'StateCandidate', 1, 0),
    ].join('\n');
    const out = importEtcdTrace(text);
    expect(out.notModelled).toEqual({});
    expect((out.lines[0] as Header).features).toEqual(['prevote', 'transfer']);
    const kinds = (out.lines.slice(1) as TraceEvent[]).map((l) => {
      const node = 'node' in l ? l.node : '';
      return l.kind === 'send' || l.kind === 'receive' ? `${node} ${l.kind} ${l.msg.type}` : l.kind === 'role' ? `${node} role ${l.role}` : l.kind === 'timeout' ? `${node} timeout` : `${node} ${l.kind}`;
    });
    expect(kinds).toEqual([
      '1 timeout', '1 role precandidate', '1 send PreVote', '2 receive PreVote', '2 send PreVoteResponse', '1 receive PreVoteResponse',
      // no timeout: the pre-vote majority made the candidate, as TimeoutNow does below
      // a candidate's role, then its term, in the reference's order
      '1 role candidate', '1 term', '1 send TimeoutNow', '2 receive TimeoutNow', '2 role candidate', '2 term',
    ]);
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
