/**
 * ITF export and import (harness/itf/, spec/ITF.md): the exact encodings of raft.tla's
 * variables, the round trip trace -> ITF -> trace keeping the verdict (valid examples stay
 * valid; invalid ones keep their rule where the ITF carries the evidence), a property over
 * simulated reference runs with faults, and one-line errors for bad ITF input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportItf } from '../harness/itf/export.js';
import { importItf, ItfFormatError } from '../harness/itf/import.js';
import { validateText } from '../harness/validate/validate-input.js';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';
import { referenceRun, schedules } from './helpers/reference-runs.js';

const EXAMPLES = 'traces/examples';
const readTrace = (file: string): TraceLine[] => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
const judgeItf = (lines: readonly TraceLine[]) => validateText('<itf>', JSON.stringify(exportItf(lines, '<trace>')), 'itf', {});
const judge = (lines: readonly TraceLine[]) => validateText('<trace>', lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'raftcheck', {});

const H = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2'], producer: { name: 'test', version: '1' } } as const;
const E = (kind: string, node: string, seq: number, fields: Record<string, unknown>) => ({ kind, node, seq, time: 0, ...fields }) as unknown as TraceLine;
const RV = { id: 'a', type: 'RequestVote', from: 'n1', to: 'n2', term: 1, candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 };
const RVR = { id: 'b', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true };
const ELECTION: TraceLine[] = [
  H as unknown as TraceLine,
  E('timeout', 'n1', 1, { timer: 'election' }), E('role', 'n1', 2, { role: 'candidate' }), E('term', 'n1', 3, { term: 1 }),
  E('vote', 'n1', 4, { votedFor: 'n1' }), E('send', 'n1', 5, { msg: RV }),
  E('receive', 'n2', 1, { msg: RV }), E('term', 'n2', 2, { term: 1 }), E('vote', 'n2', 3, { votedFor: 'n1' }), E('send', 'n2', 4, { msg: RVR }),
  { kind: 'duplicate', seq: 1, time: 0, msgId: 'b' } as TraceLine,
  E('receive', 'n1', 6, { msg: RVR }), E('role', 'n1', 7, { role: 'leader' }),
  E('client_request', 'n1', 8, { client: 'c', requestId: 1, op: { type: 'cas', expected: null, value: 'x' } }),
  E('append', 'n1', 9, { index: 1, entries: [{ term: 1, command: { type: 'cas', expected: null, value: 'x', client: 'c', requestId: 1 } }] }),
];

describe('ITF export: encodings', () => {
  const doc = exportItf(ELECTION, 'election');
  const last = doc.states.at(-1)!;

  it('writes raft.tla variables with #bigint, #map, #set, Nil, records and sequences', () => {
    expect(doc.vars).toEqual(['currentTerm', 'state', 'votedFor', 'log', 'votesResponded', 'votesGranted', 'messages']);
    expect(doc['#meta'].raftcheck.omitted).toEqual({ commitIndex: 'the trace logs no commit event or state.commitIndex' });
    expect(doc.states[0]).toEqual({
      '#meta': { index: 0, lines: [1, 1] },
      currentTerm: { '#map': [['n1', { '#bigint': '0' }], ['n2', { '#bigint': '0' }]] },
      state: { '#map': [['n1', 'Follower'], ['n2', 'Follower']] },
      votedFor: { '#map': [['n1', 'Nil'], ['n2', 'Nil']] },
      log: { '#map': [['n1', []], ['n2', []]] },
      votesResponded: { '#map': [['n1', { '#set': [] }], ['n2', { '#set': [] }]] },
      votesGranted: { '#map': [['n1', { '#set': [] }], ['n2', { '#set': [] }]] },
      messages: { '#map': [] },
    });
    expect(last.state).toEqual({ '#map': [['n1', 'Leader'], ['n2', 'Follower']] });
    expect(last.votedFor).toEqual({ '#map': [['n1', 'n1'], ['n2', 'n1']] });
    expect(last.votesGranted).toEqual({ '#map': [['n1', { '#set': ['n1', 'n2'] }], ['n2', { '#set': [] }]] });
    // A cas with expected null leaves `expected` out; integers of commands are #bigint too.
    expect(last.log).toEqual({ '#map': [['n1', [{ term: { '#bigint': '1' }, value: { type: 'cas', value: 'x', client: 'c', requestId: { '#bigint': '1' } } }]], ['n2', []]] });
  });

  it('keeps messages as a bag: one copy left of the duplicated response after one receive; none of the request', () => {
    const response = { mtype: 'RequestVoteResponse', mterm: { '#bigint': '1' }, msource: 'n2', mdest: 'n1', mvoteGranted: true };
    expect(last.messages).toEqual({ '#map': [[response, { '#bigint': '1' }]] });
    const afterSend = doc.states.find((s) => JSON.stringify(s.messages).includes('RequestVoteRequest'))!;
    expect(afterSend.messages).toEqual({
      '#map': [[{ mtype: 'RequestVoteRequest', mterm: { '#bigint': '1' }, msource: 'n1', mdest: 'n2', mlastLogTerm: { '#bigint': '0' }, mlastLogIndex: { '#bigint': '0' } }, { '#bigint': '1' }]],
    });
  });

  it('writes one state per step that changes something (the client request changes nothing by itself)', () => {
    expect(doc.states.map((s) => s['#meta'].lines)).toEqual([[1, 1], [2, 6], [7, 10], [11, 11], [12, 13], [14, 15]]);
    expect(doc.states.map((s) => s['#meta'].index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('imports it back as the steps it wrote: a duplicate, and the append standing for the client request', () => {
    const { lines } = importItf(JSON.stringify(doc));
    expect(lines.map((l) => l.kind)).toEqual(['header', 'term', 'role', 'vote', 'send', 'receive', 'term', 'vote', 'send', 'duplicate', 'receive', 'role', 'append']);
    expect(judgeItf(ELECTION).valid).toBe(true);
  });
});

describe('ITF round trip of the examples', () => {
  const expectedValid = JSON.parse(fs.readFileSync(`${EXAMPLES}/expected-valid.json`, 'utf8')) as string[] | Record<string, unknown>;
  const validFiles = (Array.isArray(expectedValid) ? expectedValid : Object.keys(expectedValid)).map((f) => path.join(EXAMPLES, 'valid', f));

  it('every valid example stays valid (the one that gives no raft.tla variable, and those with snapshots, membership changes or heartbeat messages, cannot be exported)', () => {
    const refused: string[] = [];
    for (const file of validFiles) {
      const lines = readTrace(file);
      let report;
      try {
        report = judgeItf(lines);
      } catch (error) {
        refused.push(`${path.basename(file)}: ${(error as Error).message.slice(0, 39)}`);
        continue;
      }
      expect(report.errors, file).toEqual([]);
    }
    expect(refused.sort()).toEqual([
      'near-miss-config-on-apply-changes.jsonl: the membership feature has no counterpa',
      'near-miss-heartbeat-commit.jsonl: the heartbeat feature has no counterpar',
      'near-miss-membership-changes.jsonl: the membership feature has no counterpa',
      'near-miss-membership-with-every-feature.jsonl: the snapshot feature has no counterpart',
      'near-miss-snapshots.jsonl: the snapshot feature has no counterpart',
      'near-miss-sparse-applies.jsonl: nothing to export: the trace gives none',
    ]);
    expect(validFiles.length).toBeGreaterThanOrEqual(30);
  });

  const expectedInvalid = JSON.parse(fs.readFileSync(`${EXAMPLES}/expected-invalid.json`, 'utf8')) as Record<string, { rule: string }>;
  /** Invalid examples whose evidence lies in what ITF carries: the same rule, found again. */
  const SAME_RULE = [
    'acknowledged-durable/restart-loses-acknowledged-entry.jsonl', 'commit-current-term/figure-8-commit-old-term-by-counting.jsonl',
    'committed-durable/follower-truncates-committed-entry.jsonl', 'committed-durable/restart-changes-committed-entry.jsonl',
    'conformance.unexpected/accept-append-from-older-term.jsonl', 'conformance.unexpected/commit-beyond-last-new-entry.jsonl',
    'conformance.unexpected/grant-vote-without-voting.jsonl', 'conformance.unexpected/vote-for-less-up-to-date-log.jsonl',
    'election-safety/two-leaders-one-term.jsonl', 'log-matching/same-index-and-term-different-entry.jsonl',
    'prevote.lease/pre-vote-granted-in-lease.jsonl', 'prevote.majority/election-without-pre-votes.jsonl',
    'schema.header/unknown-skip-rule.jsonl', 'schema.node-id/undeclared-vote.jsonl', 'term-monotonic/term-goes-back.jsonl',
    'vote-once/voted-twice-in-a-term.jsonl',
  ];
  /** Still invalid, reported under a neighbouring rule (the ITF steps group the events otherwise). */
  const OTHER_RULE: Record<string, string> = {
    'conformance.state/vote-kept-across-terms.jsonl': 'conformance.unexpected',
    'conformance.unexpected/stale-append-truncates-matching-log.jsonl': 'acknowledged-durable',
    'checkquorum.lease/vote-granted-in-lease.jsonl': 'vote-once',
  };

  it('invalid examples keep their rule where the ITF carries the evidence', () => {
    for (const file of SAME_RULE) {
      const report = judgeItf(readTrace(path.join(EXAMPLES, 'invalid', file)));
      expect(report.errors[0]?.rule, file).toBe(expectedInvalid[file]!.rule);
    }
    for (const [file, rule] of Object.entries(OTHER_RULE)) {
      const report = judgeItf(readTrace(path.join(EXAMPLES, 'invalid', file)));
      expect(report.errors[0]?.rule, file).toBe(rule);
    }
    // Every listed example is registered, with the rule the list says.
    for (const file of [...SAME_RULE, ...Object.keys(OTHER_RULE)]) expect(expectedInvalid[file], file).toBeDefined();
  });
});

describe('ITF round trip of reference runs (property)', () => {
  it('a reference run with faults stays valid through ITF', () => {
    fc.assert(
      fc.property(schedules, ([schedule]) => {
        const lines = referenceRun(schedule);
        expect(judge(lines).valid).toBe(true);
        const report = judgeItf(lines);
        expect(report.errors).toEqual([]);
      }),
      { numRuns: 6, seed: 171 },
    );
  });
});

describe('validate --format itf: bad input', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-itf-'));
  const good = exportItf(ELECTION, 'election');
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const bad = (edit: (doc: Record<string, unknown> & { states: Array<Record<string, unknown>> }) => void) => {
    const doc = JSON.parse(JSON.stringify(good)) as Record<string, unknown> & { states: Array<Record<string, unknown>> };
    edit(doc);
    return JSON.stringify(doc);
  };

  const cases: Array<[string, string, string]> = [
    ['not-json.itf.json', '{"states": [', 'not-json.itf.json: not JSON: '],
    ['no-states.itf.json', '{"vars": []}', 'no-states.itf.json: states: expected a non-empty array of states'],
    ['term.itf.json', bad((d) => ((d.states[3]!.currentTerm as { '#map': unknown[][] })['#map'][1]![1] = 'two')), 'term.itf.json: state 3: currentTerm["n2"]: expected an integer ({"#bigint": "..."}), got "two"'],
    ['missing.itf.json', bad((d) => delete d.states[2]!.votedFor), 'missing.itf.json: state 2: votedFor: missing (the document lists it in vars)'],
    ['role.itf.json', bad((d) => ((d.states[4]!.state as { '#map': unknown[][] })['#map'][0]![1] = 'Boss')), 'role.itf.json: state 4: state["n1"]: expected one of Follower, PreCandidate, Candidate, Leader, got "Boss"'],
    ['server.itf.json', bad((d) => (d.states[1]!.currentTerm = { '#map': [['n1', { '#bigint': '1' }], ['n9', { '#bigint': '0' }]] })), 'server.itf.json: state 1: currentTerm["n9"]: server "n9" is not one of n1, n2'],
    ['var-missing.itf.json', bad((d) => (d.vars = [...(d.vars as string[]), 'commitIndex'])), 'var-missing.itf.json: state 0: commitIndex: missing (the document lists it in vars)'],
    ['mtype.itf.json', bad((d) => (((d.states[1]!.messages as { '#map': Array<Array<Record<string, unknown>>> })['#map'][0]![0]!).mtype = 'Gossip')), 'mtype.itf.json: state 1: messages[0][0].mtype: expected one of RequestVoteRequest, RequestVoteResponse, AppendEntriesRequest, AppendEntriesResponse, PreVoteRequest, PreVoteResponse, TimeoutNowRequest, got "Gossip"'],
    ['leader.itf.json', bad((d) => ((d.states[0]!.state as { '#map': unknown[][] })['#map'][0]![1] = 'Leader')), 'leader.itf.json: state 0: state["n1"]: leader: raftcheck\'s nodes start as followers'],
  ];
  for (const [name, content, message] of cases) {
    it(`${name}: exit 2, one line naming the file, the state and the variable`, async () => {
      const file = write(name, content);
      const r = await cli('validate', '--format', 'itf', file);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${dir}/${message}`);
    });
  }

  it('importItf reports the state and the variable as data', () => {
    try {
      importItf(bad((d) => ((d.states[2]!.log as { '#map': unknown[][] })['#map'][0]![1] = [{ term: { '#bigint': '1' } }])));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ItfFormatError);
      expect((error as ItfFormatError).state).toBe(2);
      expect((error as ItfFormatError).variable).toBe('log["n1"][1]');
      expect((error as ItfFormatError).message).toBe("record has no field 'value'");
    }
  });
});

describe('raftcheck export --format itf', () => {
  it('writes the document atomically and validate --format itf judges it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-itf-'));
    const out = path.join(dir, 'e3.itf.json');
    const r = await cli('export', '--format', 'itf', `${EXAMPLES}/valid/election-3.jsonl`, '--out', out);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).vars).toContain('currentTerm');
    expect((await cli('export', '--format', 'itf', `${EXAMPLES}/valid/election-3.jsonl`, '--out', out)).code).toBe(2); // exists: --force
    const v = await cli('validate', '--format', 'itf', out);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('valid');
  });

  it('refuses a trace that does not parse, naming file, line and field', async () => {
    const r = await cli('export', '--format', 'itf', `${EXAMPLES}/invalid/schema.shape/wrong-type.jsonl`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('wrong-type.jsonl:6: /msg/term: must be integer');
  });

  it('names a missing trace and a directory in one line (exit 2)', async () => {
    const missing = await cli('export', '--format', 'itf', 'nope.jsonl');
    expect([missing.code, missing.stderr]).toEqual([2, 'raftcheck export: nope.jsonl: no such file\n']);
    const dir = await cli('export', '--format', 'itf', `${EXAMPLES}/valid`);
    expect([dir.code, dir.stderr]).toEqual([2, `raftcheck export: ${EXAMPLES}/valid: is a directory (give one trace file)\n`]);
  });

  it('needs --format', async () => {
    expect((await cli('export', `${EXAMPLES}/valid/election-3.jsonl`)).code).toBe(2);
  });
});

describe('validate --format itf of a raft.tla-shaped trace (model against model)', () => {
  // As Apalache writes raft.tla's states: term 1 at the start, plain values in the log, the
  // history field mlog in responses, nextIndex and matchIndex (not read), integers as #bigint.
  const I = (n: number) => ({ '#bigint': String(n) });
  const per = (a: unknown, b: unknown) => ({ '#map': [['s1', a], ['s2', b]] });
  const rv = (from: string, to: string) => ({ mtype: 'RequestVoteRequest', mterm: I(2), mlastLogTerm: I(0), mlastLogIndex: I(0), msource: from, mdest: to });
  const grant = (from: string, to: string) => ({ mtype: 'RequestVoteResponse', mterm: I(2), mvoteGranted: true, mlog: [], msource: from, mdest: to });
  const state = (terms: [number, number], roles: [string, string], votes: [string, string], messages: Array<[unknown, number]>) => ({
    currentTerm: per(I(terms[0]), I(terms[1])), state: per(roles[0], roles[1]), votedFor: per(votes[0], votes[1]),
    log: per([], []), commitIndex: per(I(0), I(0)), nextIndex: per(per(I(1), I(1)), per(I(1), I(1))), matchIndex: per(per(I(0), I(0)), per(I(0), I(0))),
    messages: { '#map': messages.map(([m, n]) => [m, I(n)]) },
  });
  const doc = (extra: object[]) => JSON.stringify({
    vars: ['currentTerm', 'state', 'votedFor', 'log', 'commitIndex', 'nextIndex', 'matchIndex', 'messages'],
    states: [
      state([1, 1], ['Follower', 'Follower'], ['Nil', 'Nil'], []),
      state([2, 1], ['Candidate', 'Follower'], ['s1', 'Nil'], []),
      state([2, 1], ['Candidate', 'Follower'], ['s1', 'Nil'], [[rv('s1', 's2'), 1]]),
      state([2, 2], ['Candidate', 'Follower'], ['s1', 's1'], [[grant('s2', 's1'), 1]]),
      state([2, 2], ['Leader', 'Follower'], ['s1', 's1'], []),
      ...extra,
    ].map((s, i) => ({ '#meta': { index: i }, ...s })),
  });
  const invariantsOnly = { enabled: new Set(['election-safety', 'vote-once', 'log-matching', 'term-monotonic', 'leader-append-only', 'leader-completeness', 'committed-durable', 'commit-current-term']) };

  it('starts each server from the first state by a restart, ignores what it does not read, and passes an election', () => {
    const imported = importItf(doc([]));
    expect(imported.ignored).toEqual(['nextIndex', 'matchIndex']);
    expect(imported.lines[1]).toMatchObject({ kind: 'restart', node: 's1', persisted: { term: 1, votedFor: null, log: [] } });
    expect(imported.lines.map((l) => l.kind).slice(3)).toEqual(['term', 'role', 'vote', 'send', 'receive', 'term', 'vote', 'send', 'receive', 'role']);
    const report = validateText('raft.itf.json', doc([]), 'itf', invariantsOnly);
    expect(report.errors).toEqual([]);
  });

  it('finds a second vote in one term (vote-once) and a second leader (election-safety), at the state that makes them', () => {
    const twice = [
      state([2, 2], ['Leader', 'Candidate'], ['s1', 's2'], []),
      state([2, 2], ['Leader', 'Leader'], ['s1', 's2'], []),
    ];
    const report = validateText('raft.itf.json', doc(twice), 'itf', invariantsOnly);
    expect(report.errors.map((e) => [e.rule, e.line])).toEqual([['vote-once', 5], ['election-safety', 6]]);
  });
});
