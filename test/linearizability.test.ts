import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../harness/checker/linearizability/search.js';
import type { HistoryOp, Outcome } from '../harness/checker/linearizability/history.js';
import { describeOp } from '../harness/checker/linearizability/history.js';
import { stepRegister } from '../harness/checker/linearizability/register-model.js';
import { JepsenFormatError, parseJepsenHistory } from '../harness/importers/jepsen.js';
import type { Operation } from '../src/trace/schema.js';

const JEPSEN = 'traces/external/porcupine/jepsen';
const LINEARIZABLE = new Set(['002', '005', '007', '018']); // from EXPECTED.md

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

  it('returns unknown instead of searching past its budget', () => {
    const history = Array.from({ length: 12 }, (_, i) => op(i, `c${i}`, { type: 'set', value: i }, { status: 'ok' }, 0, 100));
    history.push(op(12, 'z', { type: 'get' }, { status: 'ok', value: 99 }, 101, 102));
    const r = checkLinearizable(history, { maxSteps: 50 });
    expect(r.verdict).toBe('unknown');
  });

  it('agrees with brute force on small random histories', () => {
    const arbOp = fc.record({
      kind: fc.constantFrom('set', 'get', 'cas'),
      a: fc.integer({ min: 0, max: 2 }),
      b: fc.integer({ min: 0, max: 2 }),
      start: fc.integer({ min: 0, max: 20 }),
      len: fc.integer({ min: 0, max: 8 }),
      status: fc.constantFrom('ok', 'cas_failed', 'unknown'),
    });
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 6 }), (raw) => {
        const history = raw.map((r, i): HistoryOp => {
          const o: Operation = r.kind === 'set' ? { type: 'set', value: r.a } : r.kind === 'get' ? { type: 'get' } : { type: 'cas', expected: r.a, value: r.b };
          const outcome: Outcome =
            r.status === 'unknown' ? { status: 'unknown' } : r.kind === 'cas' && r.status === 'cas_failed' ? { status: 'cas_failed' } : r.kind === 'get' ? { status: 'ok', value: r.b === 0 ? null : r.b } : { status: 'ok' };
          return op(i, `c${i}`, o, outcome, r.start * 2, outcome.status === 'unknown' ? Infinity : r.start * 2 + r.len * 2 + 1);
        });
        expect(checkLinearizable(history).verdict).toBe(bruteForce(history) ? 'linearizable' : 'not-linearizable');
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

/** Tries every permutation that respects real-time order. */
function bruteForce(history: HistoryOp[]): boolean {
  const used = new Array<boolean>(history.length).fill(false);
  const go = (state: HistoryOp['op'] extends unknown ? import('../src/trace/schema.js').RegisterState : never, placed: number[]): boolean => {
    if (placed.length === history.length) return true;
    for (const h of history) {
      if (used[h.id]) continue;
      // h may go next only if no unplaced operation returned before h was called.
      if (history.some((o) => !used[o.id] && o.id !== h.id && o.ret < h.call)) continue;
      const r = stepRegister(state, h);
      if (!r) continue;
      used[h.id] = true;
      if (go(r.next, [...placed, h.id])) return true;
      used[h.id] = false;
    }
    return false;
  };
  return go(null, []);
}

describe('Jepsen etcd histories (Porcupine test data)', () => {
  const files = fs.readdirSync(JEPSEN).filter((f) => f.endsWith('.log')).sort();
  it('has the 20 histories with known verdicts', () => expect(files).toHaveLength(20));
  for (const file of files) {
    const n = /etcd_(\d+)\.log/.exec(file)![1]!;
    const expected = LINEARIZABLE.has(n) ? 'linearizable' : 'not-linearizable';
    it(`${file} is ${expected}`, () => {
      const history = parseJepsenHistory(fs.readFileSync(path.join(JEPSEN, file), 'utf8'));
      expect(history.length).toBeGreaterThan(70);
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
    expect(h.map((x) => [x.client, x.op.type, x.outcome.status, x.call, x.ret])).toEqual([
      ['1', 'set', 'ok', 1, 3],
      ['2', 'cas', 'unknown', 2, Infinity],
      ['3', 'get', 'unknown', 5, 6],
      ['5', 'get', 'unknown', 9, Infinity],
    ]);
    expect(describeOp(h[0]!)).toBe('client 1: set 3, ok (line 1–3)');
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
});
