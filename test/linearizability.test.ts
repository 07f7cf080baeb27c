import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../harness/checker/linearizability/search.js';
import type { HistoryOp, Outcome } from '../harness/checker/linearizability/history.js';
import { describeOp } from '../harness/checker/linearizability/history.js';
import { stepRegister } from '../harness/checker/linearizability/register-model.js';
import { JepsenFormatError, parseJepsenHistory } from '../harness/importers/jepsen.js';
import type { Operation } from '../src/trace/schema.js';

const JEPSEN = 'traces/external/porcupine/jepsen';
const LINEARIZABLE = new Set(['002', '005', '007', '018', '100', '101', '102']); // from EXPECTED.md

function op(id: number, client: string, o: Operation, outcome: Outcome, call: number, ret: number): HistoryOp {
  return { id, client, op: o, outcome, call, ret };
}

describe('register model (sequential specification)', () => {
  const h = (o: Operation, outcome: Outcome) => op(0, 'c', o, outcome, 0, 1);
  it('set always applies', () => expect(stepRegister(null, h({ type: 'set', value: 5 }, { status: 'ok' }))).toEqual({ next: 5 }));
  it('get must read the current value; an unknown get reads anything', () => {
    expect(stepRegister(5, h({ type: 'get' }, { status: 'ok', value: 5 }))).toEqual({ next: 5 });
    expect(stepRegister(5, h({ type: 'get' }, { status: 'ok', value: 4 }))).toBeUndefined();
    expect(stepRegister(null, h({ type: 'get' }, { status: 'ok' }))).toEqual({ next: null });
    expect(stepRegister(3, h({ type: 'get' }, { status: 'unknown' }))).toEqual({ next: 3 });
  });
  it('cas ok needs a match, cas_failed needs a mismatch, unknown cas applies only on a match', () => {
    const cas = { type: 'cas', expected: 1, value: 2 } as const;
    expect(stepRegister(1, h(cas, { status: 'ok' }))).toEqual({ next: 2 });
    expect(stepRegister(3, h(cas, { status: 'ok' }))).toBeUndefined();
    expect(stepRegister(3, h(cas, { status: 'cas_failed' }))).toEqual({ next: 3 });
    expect(stepRegister(1, h(cas, { status: 'cas_failed' }))).toBeUndefined();
    expect(stepRegister(1, h(cas, { status: 'unknown' }))).toEqual({ next: 2 });
    expect(stepRegister(3, h(cas, { status: 'unknown' }))).toEqual({ next: 3 });
  });
  it('a failed cas that says what it saw must have seen the register', () => {
    const cas = { type: 'cas', expected: 1, value: 2 } as const;
    expect(stepRegister(3, h(cas, { status: 'cas_failed', value: 3 }))).toEqual({ next: 3 });
    expect(stepRegister(3, h(cas, { status: 'cas_failed', value: 4 }))).toBeUndefined();
    expect(stepRegister(null, h(cas, { status: 'cas_failed', value: null }))).toEqual({ next: null });
  });
  it('cas_failed is no answer to a set or a get', () => {
    expect(stepRegister(null, h({ type: 'set', value: 5 }, { status: 'cas_failed' }))).toBeUndefined();
    expect(stepRegister(null, h({ type: 'get' }, { status: 'cas_failed' }))).toBeUndefined();
  });
});

describe('linearizability search', () => {
  it('accepts concurrent operations in any order that explains the reads', () => {
    // set 1 and set 2 overlap; a later read of 1 is fine (set 2 took effect first).
    const history = [
      op(0, 'a', { type: 'set', value: 1 }, { status: 'ok' }, 0, 3),
      op(1, 'b', { type: 'set', value: 2 }, { status: 'ok' }, 1, 2),
      op(2, 'a', { type: 'get' }, { status: 'ok', value: 1 }, 4, 5),
    ];
    const r = checkLinearizable(history);
    expect(r.verdict).toBe('linearizable');
    if (r.verdict === 'linearizable') expect(r.order).toEqual([1, 0, 2]);
  });

  it('rejects a stale read after a completed write, naming the culprit', () => {
    const history = [
      op(0, 'a', { type: 'set', value: 1 }, { status: 'ok' }, 0, 1),
      op(1, 'b', { type: 'get' }, { status: 'ok', value: null }, 2, 3),
    ];
    const r = checkLinearizable(history);
    expect(r.verdict).toBe('not-linearizable');
    if (r.verdict === 'not-linearizable') {
      expect(r.longestPrefix).toEqual([0]);
      expect(r.stateAfterPrefix).toBe(1);
      expect(r.stuck).toContain(1);
    }
  });

  it('lets an unknown write take effect late, or never', () => {
    const lateWrite = [
      op(0, 'a', { type: 'set', value: 7 }, { status: 'unknown' }, 0, Infinity),
      op(1, 'b', { type: 'get' }, { status: 'ok', value: null }, 1, 2),
      op(2, 'b', { type: 'get' }, { status: 'ok', value: 7 }, 3, 4),
    ];
    expect(checkLinearizable(lateWrite).verdict).toBe('linearizable');
    const neverWrite = [lateWrite[0]!, op(1, 'b', { type: 'get' }, { status: 'ok', value: null }, 5, 6)];
    expect(checkLinearizable(neverWrite).verdict).toBe('linearizable');
    // ...but an unknown write cannot take effect before it was invoked.
    const early = [op(0, 'b', { type: 'get' }, { status: 'ok', value: 7 }, 0, 1), op(1, 'a', { type: 'set', value: 7 }, { status: 'unknown' }, 2, Infinity)];
    expect(checkLinearizable(early).verdict).toBe('not-linearizable');
  });

  it('lets a timed-out operation (unknown outcome, finite return) take effect after its time-out, or never', () => {
    // A read that timed out constrains nothing, wherever it sits.
    const timedOutRead = [op(0, 'a', { type: 'get' }, { status: 'unknown' }, 0, 1)];
    expect(checkLinearizable(timedOutRead).verdict).toBe('linearizable');
    const amongOthers = [
      op(0, 'a', { type: 'set', value: 1 }, { status: 'ok' }, 0, 1),
      op(1, 'b', { type: 'get' }, { status: 'unknown' }, 2, 3),
      op(2, 'a', { type: 'get' }, { status: 'ok', value: 1 }, 4, 5),
    ];
    expect(checkLinearizable(amongOthers).verdict).toBe('linearizable');
    // A write that timed out at 1 is seen at 4: the request was still on its way.
    const lateWrite = [
      op(0, 'a', { type: 'set', value: 7 }, { status: 'unknown' }, 0, 1),
      op(1, 'b', { type: 'get' }, { status: 'ok', value: null }, 2, 3),
      op(2, 'b', { type: 'get' }, { status: 'ok', value: 7 }, 4, 5),
    ];
    expect(checkLinearizable(lateWrite).verdict).toBe('linearizable');
    // A cas that timed out may have applied, or not.
    const cas = (seen: number) => [
      op(0, 'a', { type: 'set', value: 1 }, { status: 'ok' }, 0, 1),
      op(1, 'b', { type: 'cas', expected: 1, value: 2 }, { status: 'unknown' }, 2, 3),
      op(2, 'a', { type: 'get' }, { status: 'ok', value: seen }, 4, 5),
    ];
    expect(checkLinearizable(cas(1)).verdict).toBe('linearizable');
    expect(checkLinearizable(cas(2)).verdict).toBe('linearizable');
    expect(checkLinearizable(cas(3)).verdict).toBe('not-linearizable');
  });

  it('makes an operation with a known outcome and no return take effect (some time after its call)', () => {
    const history = [op(0, 'a', { type: 'get' }, { status: 'ok', value: 5 }, 0, Infinity)];
    expect(checkLinearizable(history).verdict).toBe('not-linearizable');
    expect(checkLinearizable([...history, op(1, 'b', { type: 'set', value: 5 }, { status: 'ok' }, 3, 4)]).verdict).toBe('linearizable');
  });

  it('rejects an operation that returns before it is called', () => {
    expect(() => checkLinearizable([op(0, 'a', { type: 'get' }, { status: 'ok' }, 2, 1)])).toThrow(RangeError);
  });

  it('returns unknown instead of searching past its budget', () => {
    const history = Array.from({ length: 12 }, (_, i) => op(i, `c${i}`, { type: 'set', value: i }, { status: 'ok' }, 0, 100));
    history.push(op(12, 'z', { type: 'get' }, { status: 'ok', value: 99 }, 101, 102));
    const r = checkLinearizable(history, { maxSteps: 50 });
    expect(r.verdict).toBe('unknown');
  });
  // Agreement with a brute force on random histories: test/linearizability-differential.test.ts.
});

describe('Jepsen etcd histories (Porcupine test data)', () => {
  const files = fs.readdirSync(JEPSEN).filter((f) => f.endsWith('.log')).sort();
  it('has the 23 histories with known verdicts', () => expect(files).toHaveLength(23));
  it('three of them have timed-out reads', () => {
    const withTimeouts = files.filter((f) => /:fail\s+:read\s+:timed-out/.test(fs.readFileSync(path.join(JEPSEN, f), 'utf8')));
    expect(withTimeouts).toEqual(['etcd_100.log', 'etcd_101.log', 'etcd_102.log']);
  });
  for (const file of files) {
    const n = /etcd_(\d+)\.log/.exec(file)![1]!;
    const expected = LINEARIZABLE.has(n) ? 'linearizable' : 'not-linearizable';
    it(`${file} is ${expected}`, () => {
      const history = parseJepsenHistory(fs.readFileSync(path.join(JEPSEN, file), 'utf8'));
      expect(history.length).toBeGreaterThan(60);
      expect(checkLinearizable(history).verdict).toBe(expected);
    });
  }
});

describe('Jepsen importer', () => {
  it('pairs invocations with completions per process and maps outcomes', () => {
    const text = [
      'INFO  jepsen.util - 1\t:invoke\t:write\t3',
      'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]',
      'INFO  jepsen.util - 1\t:ok\t:write\t3',
      'INFO  jepsen.util - 2\t:info\t:cas\t:timed-out',
      'INFO  jepsen.util - 3 :invoke :read nil',
      'INFO  jepsen.util - 3 :fail :read :timed-out',
      'INFO  jepsen.util - 4\t:invoke\t:write\t1',
      'INFO  jepsen.util - 4\t:fail\t:write\t1',
      'INFO  jepsen.util - 5\t:invoke\t:read\tnil',
    ].join('\n');
    const h = parseJepsenHistory(text);
    // The timed-out read (:fail) and the failed write did not take effect: they are left out.
    expect(h.map((x) => [x.client, x.op.type, x.outcome.status, x.call, x.ret])).toEqual([
      ['1', 'set', 'ok', 1, 3],
      ['2', 'cas', 'unknown', 2, Infinity],
      ['5', 'get', 'unknown', 9, Infinity],
    ]);
    expect(describeOp(h[0]!)).toBe('client 1: set 3, ok (line 1–3)');
  });

  it('reads a failed cas as a compare that did not match (the etcd client reports it so)', () => {
    const h = parseJepsenHistory(['INFO  jepsen.util - 0 :invoke :cas [1 2]', 'INFO  jepsen.util - 0 :fail :cas [1 2]', 'INFO  jepsen.util - 0 :invoke :cas [3 4]', 'INFO  jepsen.util - 0 :ok :cas [3 4]'].join('\n'));
    expect(h.map((x) => [x.op, x.outcome.status, x.call, x.ret])).toEqual([
      [{ type: 'cas', expected: 1, value: 2 }, 'cas_failed', 1, 2],
      [{ type: 'cas', expected: 3, value: 4 }, 'ok', 3, 4],
    ]);
  });

  it('reports malformed lines with their line number and field', () => {
    const bad = (text: string) => {
      try {
        parseJepsenHistory(text);
      } catch (e) {
        if (e instanceof JepsenFormatError) return `${e.line}:${e.field}: ${e.message}`;
        throw e;
      }
      return 'no error';
    };
    expect(bad('hello')).toMatch(/^1:line: not a Jepsen history line/);
    expect(bad('INFO  jepsen.util - 1 :invoke :write x')).toMatch(/^1:value: expected an integer or nil/);
    expect(bad('INFO  jepsen.util - 1 :invoke :frob 1')).toMatch(/^1:function: unknown function/);
    expect(bad('INFO  jepsen.util - 1 :ok :write 1')).toMatch(/^1:process: :ok for process 1, which has no open invocation/);
    expect(bad('INFO  jepsen.util - 1 :invoke :write 1\nINFO  jepsen.util - 1 :invoke :write 2')).toMatch(/^2:process: process 1 invokes while/);
    expect(bad('INFO  jepsen.util - 1 :invoke :cas [1]')).toMatch(/^1:value: expected \[expected new\]/);
    expect(bad('INFO  jepsen.util - 1 :invoke :write 1\nINFO  jepsen.util - 1 :weird :write 1')).toMatch(/^2:type: unknown type/);
    // A completion must repeat its invocation's value (else it belongs to another operation).
    expect(bad('INFO  jepsen.util - 1 :invoke :write 1\nINFO  jepsen.util - 1 :ok :write 2')).toMatch(/^2:value: '2' does not repeat the value of the invocation on line 1/);
    expect(bad('INFO  jepsen.util - 1 :invoke :cas [1 2]\nINFO  jepsen.util - 1 :fail :cas [1 3]')).toMatch(/^2:value: '\[1 3\]' does not repeat/);
    expect(bad('INFO  jepsen.util - 1 :invoke :cas [1 2]\nINFO  jepsen.util - 1 :ok :cas :timed-out')).toMatch(/^2:value: expected \[expected new\]/);
  });
});

describe('client history from a trace', async () => {
  const { HistoryCollector } = await import('../harness/checker/linearizability/history-from-trace.js');
  const ev = (e: Record<string, unknown>) => ({ node: 'n1', seq: 0, time: 0, ...e }) as unknown as import('../src/trace/schema.js').TraceEvent;
  it('pairs requests and responses, drops not_leader answers and leaves unanswered ones unknown', () => {
    const c = new HistoryCollector();
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } }), 2);
    c.event(ev({ kind: 'client_request', client: 'b', requestId: 1, op: { type: 'get' } }), 3);
    c.event(ev({ kind: 'client_response', client: 'b', requestId: 1, result: { status: 'not_leader', leaderHint: 'n1' } }), 4);
    c.event(ev({ kind: 'client_request', client: 'b', requestId: 2, op: { type: 'get' } }), 5);
    c.event(ev({ kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok' } }), 6);
    c.event(ev({ kind: 'client_response', client: 'b', requestId: 2, result: { status: 'ok', value: 5 } }), 7);
    c.event(ev({ kind: 'client_request', client: 'c', requestId: 1, op: { type: 'cas', expected: 1, value: 2 } }), 8);
    c.event(ev({ kind: 'client_response', client: 'z', requestId: 9, result: { status: 'ok' } }), 9);
    const h = c.history();
    expect(h.map((x) => [x.client, x.op.type, x.outcome.status, x.call, x.ret])).toEqual([
      ['a', 'set', 'ok', 2, 6],
      ['b', 'get', 'ok', 5, 7],
      ['c', 'cas', 'unknown', 8, Infinity],
    ]);
    expect(c.orphanResponses).toEqual([9]);
    expect(checkLinearizable(h).verdict).toBe('linearizable');
  });

  it('keeps the value a failed cas saw', () => {
    const c = new HistoryCollector();
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'cas', expected: 1, value: 2 } }), 2);
    c.event(ev({ kind: 'client_response', client: 'a', requestId: 1, result: { status: 'cas_failed', value: 7 } }), 3);
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 2, op: { type: 'cas', expected: 1, value: 2 } }), 4);
    c.event(ev({ kind: 'client_response', client: 'a', requestId: 2, result: { status: 'cas_failed' } }), 5);
    expect(c.history().map((x) => x.outcome)).toEqual([{ status: 'cas_failed', value: 7 }, { status: 'cas_failed' }]);
    // The register never held 7.
    expect(checkLinearizable(c.history()).verdict).toBe('not-linearizable');
  });

  it('keeps a request sent again under the same id from its first send (a retry)', () => {
    const c = new HistoryCollector();
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } }), 2);
    // The first send took effect: b reads 5 before a sends its request again.
    c.event(ev({ kind: 'client_request', client: 'b', requestId: 1, op: { type: 'get' } }), 3);
    c.event(ev({ kind: 'client_response', client: 'b', requestId: 1, result: { status: 'ok', value: 5 } }), 4);
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } }), 5);
    c.event(ev({ kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok' } }), 6);
    const h = c.history();
    expect(h.map((x) => [x.client, x.outcome.status, x.call, x.ret])).toEqual([
      ['a', 'ok', 2, 6],
      ['b', 'ok', 3, 4],
      ['a', 'unknown', 5, Infinity],
    ]);
    expect(c.size).toBe(3);
    expect(checkLinearizable(h).verdict).toBe('linearizable');
  });

  it('lets a not_leader answer to one of several sends under the same id remove none of them', () => {
    const c = new HistoryCollector();
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } }), 2);
    c.event(ev({ kind: 'client_request', client: 'a', requestId: 1, op: { type: 'set', value: 5 } }), 3);
    c.event(ev({ kind: 'client_response', client: 'a', requestId: 1, result: { status: 'not_leader', leaderHint: null } }), 4);
    c.event(ev({ kind: 'client_request', client: 'b', requestId: 1, op: { type: 'get' } }), 5);
    c.event(ev({ kind: 'client_response', client: 'b', requestId: 1, result: { status: 'ok', value: 5 } }), 6);
    expect(c.history().map((x) => [x.client, x.outcome.status, x.call])).toEqual([
      ['a', 'unknown', 2],
      ['a', 'unknown', 3],
      ['b', 'ok', 5],
    ]);
    expect(checkLinearizable(c.history()).verdict).toBe('linearizable');
  });
});
