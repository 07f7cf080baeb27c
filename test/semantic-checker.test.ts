import { describe, expect, it } from 'vitest';
import { SemanticChecker, SEMANTIC_RULES } from '../harness/checker/semantic-checker.js';
import type { Header, TraceEvent } from '../src/trace/schema.js';

const header: Header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2', 'n3'], producer: { name: 'test', version: '1' } };
const feed = (c: SemanticChecker, events: Array<Record<string, unknown>>) => events.forEach((e, i) => c.event({ node: 'n1', seq: i, time: i, ...e } as unknown as TraceEvent, i + 2));

describe('semantic checker', () => {
  it('lists every invariant and linearizability among its rules, each id once', () => {
    const ids = SEMANTIC_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('linearizability');
    expect(ids).toContain('election-safety');
  });

  it('reports a stale read as a linearizability violation at the completing line', () => {
    const c = new SemanticChecker(header, { enabled: new Set(['linearizability']) });
    feed(c, [
      { kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } },
      { kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok' } },
      { kind: 'client_request', client: 'b', requestId: 1, op: { type: 'get' } },
      { kind: 'client_response', client: 'b', requestId: 1, result: { status: 'ok', value: null } },
    ]);
    const r = c.finish();
    expect(r.linearizability.verdict).toBe('not-linearizable');
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ rule: 'linearizability', line: 5 });
    expect(r.violations[0]!.message).toMatch(/client b: get, read null \(line 4–5\)/);
    expect(r.violations[0]!.expected).toMatch(/register holding 5/);
  });

  it('never passes a client history it could not decide within its budget as valid', () => {
    const c = new SemanticChecker(header, { enabled: new Set(['linearizability']), linearizabilityMaxSteps: 2 });
    feed(c, [
      { kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } },
      { kind: 'client_request', client: 'b', requestId: 1, op: { type: 'set', value: 6 } },
      { kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok' } },
      { kind: 'client_response', client: 'b', requestId: 1, result: { status: 'ok' } },
      { kind: 'client_request', client: 'b', requestId: 2, op: { type: 'get' } },
      { kind: 'client_response', client: 'b', requestId: 2, result: { status: 'ok', value: 5 } },
    ]);
    const r = c.finish();
    expect(r.linearizability.verdict).toBe('unknown');
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ rule: 'linearizability', line: 2 });
    expect(r.violations[0]!.message).toBe('linearizability of the client history of 3 operations could not be decided: search budget of 2 steps exhausted');
  });

  it('attaches an excerpt with the related earlier event and the violating one', () => {
    const c = new SemanticChecker(header, { enabled: new Set(['election-safety']) });
    feed(c, [
      { kind: 'term', node: 'n1', term: 1 }, { kind: 'role', node: 'n1', role: 'leader' },
      { kind: 'note', text: 'filler' },
      { kind: 'term', node: 'n2', term: 1 }, { kind: 'role', node: 'n2', role: 'leader' },
    ]);
    const r = c.finish();
    expect(r.violations.map((v) => v.rule)).toEqual(['election-safety']);
    const lines = r.violations[0]!.excerpt.map((x) => x.line);
    expect(lines).toContain(3); // n1 became leader
    expect(lines.at(-1)).toBe(6); // the violating event itself
  });

  it('counts constraining events, so an empty trace is recognisably unconstrained', () => {
    const c = new SemanticChecker(header);
    feed(c, [{ kind: 'timeout', timer: 'election' }, { kind: 'note', text: 'x' }]);
    expect(c.finish().constrainingEvents).toBe(0);
    const d = new SemanticChecker(header);
    feed(d, [{ kind: 'timeout', timer: 'election', state: { term: 1 } }]);
    expect(d.finish().constrainingEvents).toBe(1);
    // The state a restart recovers is checked (terms, votes, logs across restarts): it constrains.
    const e = new SemanticChecker(header);
    feed(e, [{ kind: 'crash' }, { kind: 'restart' }]);
    expect(e.finish().constrainingEvents).toBe(0);
    const f = new SemanticChecker(header);
    feed(f, [{ kind: 'crash' }, { kind: 'restart', persisted: { term: 2, votedFor: null, log: [] } }]);
    expect(f.finish().constrainingEvents).toBe(1);
  });

  it('reads a candidate\'s next term as a new election when its node does not log election timeouts', () => {
    const requests = (term: number) => ['n2', 'n3'].map((to) => ({ kind: 'send', node: 'n1', msg: { id: `rv${term}${to}`, from: 'n1', to, term, type: 'RequestVote', candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 } }));
    // A split vote: n1 stands in term 1, then again in term 2, staying candidate (no role change).
    const elections = [{ kind: 'role', role: 'candidate' }, { kind: 'term', term: 1 }, { kind: 'vote', votedFor: 'n1' }, ...requests(1), { kind: 'term', term: 2 }, { kind: 'vote', votedFor: 'n1' }, ...requests(2)];
    const silent = new SemanticChecker(header);
    feed(silent, elections);
    expect(silent.finish().violations).toEqual([]);
    // A node that logs its election timeouts would have logged this one: the term came from a
    // message, after which the reference, a follower again, does not vote for itself.
    const logged = new SemanticChecker(header);
    feed(logged, [{ kind: 'timeout', timer: 'election' }, ...elections]);
    expect(logged.finish().violations.map((v) => [v.rule, v.line])[0]).toEqual(['conformance.unexpected', 9]);
  });

  it('leaves to the invariants a node that logs state changes but neither inputs nor messages', () => {
    // A producer that logs only elections: n1's victory cannot be explained without the vote
    // responses it received, which it does not log; that is no conformance violation.
    const election = [
      { kind: 'role', node: 'n1', role: 'candidate' }, { kind: 'term', node: 'n1', term: 1 }, { kind: 'vote', node: 'n1', votedFor: 'n1' },
      { kind: 'term', node: 'n2', term: 1 }, { kind: 'vote', node: 'n2', votedFor: 'n1' },
      { kind: 'role', node: 'n1', role: 'leader' },
    ];
    const sparse = new SemanticChecker(header);
    feed(sparse, election);
    expect(sparse.finish().violations).toEqual([]);
    // The invariants still hold it: a second leader in term 1 is reported.
    const twoLeaders = new SemanticChecker(header);
    feed(twoLeaders, [...election, { kind: 'role', node: 'n3', role: 'candidate' }, { kind: 'term', node: 'n3', term: 1 }, { kind: 'role', node: 'n3', role: 'leader' }]);
    expect(twoLeaders.finish().violations.map((v) => [v.rule, v.line])).toEqual([['election-safety', 10]]);
    // A node that does log its messages is still checked: its RequestVote shows it logs what drives it.
    const talking = new SemanticChecker(header);
    const request = { kind: 'send', node: 'n1', msg: { id: 'm1', from: 'n1', to: 'n2', term: 1, type: 'RequestVote', candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 } };
    feed(talking, [...election.slice(0, 3), request, { kind: 'role', node: 'n1', role: 'leader' }]);
    expect(talking.finish().violations.map((v) => [v.rule, v.line])).toEqual([['conformance.unexpected', 6]]);
  });

  describe('several rules broken at one event (harness/checker/verdict-order.ts)', () => {
    // n1, a follower, answers a read it should have refused (not_leader) with a value no write
    // explains: conformance and linearizability both break at that answer, line 3.
    const wrongRead = [
      { kind: 'client_request', client: 'a', requestId: 1, op: { type: 'get' } },
      { kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok', value: 3 } },
    ];

    it('reports linearizability first, then conformance, and says they coincide', () => {
      for (const maxViolations of [1, 20]) {
        const c = new SemanticChecker(header, { maxViolations });
        feed(c, wrongRead);
        const v = c.finish().violations;
        expect(v.map((x) => [x.rule, x.line]), `maxViolations ${maxViolations}`).toEqual(maxViolations === 1 ? [['linearizability', 3]] : [['linearizability', 3], ['conformance.unexpected', 3]]);
        expect(v[0]!.also).toEqual(['conformance.unexpected']);
        expect(v[1]?.also).toBeUndefined();
        expect(v[0]!.excerpt.at(-1)!.line).toBe(3);
      }
    });

    it('reports an invariant before conformance at one event, whichever layer finds it first', () => {
      // n1 votes for n2 and then for n3 in term 1: vote-once, and the reference (driven by
      // n1's election timeout) would vote for itself, not for n3.
      const c = new SemanticChecker(header, { maxViolations: 1 });
      feed(c, [{ kind: 'timeout', timer: 'election' }, { kind: 'role', role: 'candidate' }, { kind: 'term', term: 1 }, { kind: 'vote', votedFor: 'n1' }, { kind: 'vote', votedFor: 'n3' }]);
      const v = c.finish().violations;
      expect(v.map((x) => [x.rule, x.line])).toEqual([['vote-once', 6]]);
      expect(v[0]!.also).toEqual(['conformance.unexpected']);
    });

    it('puts a linearizability violation of an earlier event before a later one, even past the limit', () => {
      const c = new SemanticChecker(header, { maxViolations: 1 });
      feed(c, [...wrongRead.map((e) => ({ ...e, node: 'n2' })), { kind: 'term', term: 3 }, { kind: 'term', term: 2 }]);
      const v = c.finish().violations;
      expect(v.map((x) => [x.rule, x.line, x.also])).toEqual([['linearizability', 3, ['conformance.unexpected']]]);
    });
  });

  it('skips rules that are not enabled and stops at maxViolations', () => {
    const c = new SemanticChecker(header, { enabled: new Set(['vote-once']) });
    feed(c, [{ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'get' } }, { kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok', value: 3 } }]);
    expect(c.finish()).toMatchObject({ violations: [], linearizability: { verdict: 'skipped' } });
    const d = new SemanticChecker(header, { maxViolations: 1 });
    feed(d, [{ kind: 'term', term: 3 }, { kind: 'term', term: 2 }, { kind: 'term', term: 1 }]);
    expect(d.finish().violations).toHaveLength(1);
  });
});
