/**
 * The client history cut as it streams (history-from-trace.ts: exact cuts where no request is
 * open, cuts past open requests by a chain of witnesses) against the whole history, on random
 * client traces: a few clients send requests (and send some again under the same requestId)
 * and are answered (or get `not_leader`, or give up: a request left open, applied or not,
 * sometimes answered much later, sometimes refused later with `not_leader`, often never), the
 * answers those of a register executed at the answer (linearizable by construction) or
 * perturbed (a read of another value, a cas's outcome flipped). Every collector sees the same
 * events; the linearizability verdict must be the one of the whole history, cuts or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryCollector } from '../harness/checker/linearizability/history-from-trace.js';
import { checkLinearizable } from '../harness/checker/linearizability/search.js';
import type { ClientResult, Operation, RegisterState, TraceEvent } from '../src/trace/schema.js';

interface Step {
  client: number;
  /** What happens next to this client: a request, its answer, giving up on it, or sending it again (same requestId). */
  action: 'send' | 'answer' | 'not_leader' | 'give-up' | 'resend';
  op: { type: 'set' | 'get' | 'cas'; value: number; expected: number };
  /** A request given up on: applied or not; answered later or never. */
  applied: boolean;
  lateAnswer: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  client: fc.nat(1),
  action: fc.constantFrom<Step['action']>('send', 'answer', 'answer', 'answer', 'answer', 'not_leader', 'give-up', 'give-up', 'resend'),
  op: fc.record({ type: fc.constantFrom<'set' | 'get' | 'cas'>('set', 'get', 'cas'), value: fc.nat(2), expected: fc.nat(2) }),
  applied: fc.boolean(),
  lateAnswer: fc.boolean(),
});

function operation(o: Step['op']): Operation {
  return o.type === 'set' ? { type: 'set', value: o.value } : o.type === 'get' ? { type: 'get' } : { type: 'cas', expected: o.expected, value: o.value };
}

/** Runs the operation on the register; its truthful answer. */
function execute(state: { value: RegisterState }, op: Operation): ClientResult {
  if (op.type === 'set') {
    state.value = op.value;
    return { status: 'ok' };
  }
  if (op.type === 'get') return { status: 'ok', value: state.value };
  if (state.value === op.expected) {
    state.value = op.value;
    return { status: 'ok' };
  }
  return { status: 'cas_failed', value: state.value };
}

function lie(op: Operation, r: ClientResult): ClientResult {
  if (op.type === 'get' && r.status === 'ok') return { status: 'ok', value: typeof r.value === 'number' ? (r.value + 1) % 3 : 0 };
  if (op.type === 'cas') return r.status === 'ok' ? { status: 'cas_failed' } : { status: 'ok' };
  return { status: 'cas_failed' }; // to a set: an answer the register never gives
}

/**
 * Client events from the steps: each client has at most one request outstanding (sent once or
 * more), and moves on when it gives up. The answer number `lieAt` (if any) is wrong.
 */
function trace(steps: readonly Step[], lieAt: number | null): { events: TraceEvent[]; gaveUp: boolean } {
  let answers = 0;
  let gaveUp = false;
  const wrong = () => answers++ === lieAt;
  const events: TraceEvent[] = [];
  const register = { value: null as RegisterState };
  const outstanding = new Map<number, { requestId: number; op: Operation }>();
  const late: Array<{ client: number; requestId: number; result: ClientResult }> = [];
  let requestId = 0;
  const base = { node: 'n1', seq: 0, time: 0 };
  const answer = (client: number, id: number, result: ClientResult) => events.push({ ...base, kind: 'client_response', client: `c${client}`, requestId: id, result } as TraceEvent);
  const request = (client: number, id: number, op: Operation) => events.push({ ...base, kind: 'client_request', client: `c${client}`, requestId: id, op } as TraceEvent);
  for (const s of steps) {
    const open = outstanding.get(s.client);
    if (s.action === 'send' || !open) {
      if (open) continue;
      const op = operation(s.op);
      outstanding.set(s.client, { requestId: ++requestId, op });
      request(s.client, requestId, op);
      continue;
    }
    if (s.action === 'resend') {
      request(s.client, open.requestId, open.op);
      continue;
    }
    outstanding.delete(s.client);
    if (s.action === 'not_leader') answer(s.client, open.requestId, { status: 'not_leader', leaderHint: null });
    else if (s.action === 'give-up') {
      gaveUp = true;
      const result = s.applied ? execute(register, open.op) : null;
      // Answered later if at all: with what it did, or (not applied) refused.
      if (s.lateAnswer) late.push({ client: s.client, requestId: open.requestId, result: result ? (wrong() ? lie(open.op, result) : result) : { status: 'not_leader', leaderHint: null } });
    } else {
      const result = execute(register, open.op);
      answer(s.client, open.requestId, wrong() ? lie(open.op, result) : result);
    }
    // A request given up on is answered a while later, if at all.
    if (late.length > 0 && s.lateAnswer) {
      const l = late.shift()!;
      answer(l.client, l.requestId, l.result);
    }
  }
  return { events, gaveUp };
}

interface Verdict {
  verdict: string;
  from: 'witnesses' | 'last exact cut';
}

function verdict(events: readonly TraceEvent[], collector: HistoryCollector): Verdict {
  events.forEach((e, i) => collector.event(e, i + 1));
  const v = collector.verdict();
  return { verdict: v.result.verdict, from: v.from };
}

/** The collectors compared with the whole history: cutting as validate does, and past open requests wherever a cut is possible. */
const cutters = (minSegment: number) => [new HistoryCollector({ minSegment }), new HistoryCollector({ minSegment, onlyGivenUp: false })];

describe('the client history cut as it streams', () => {
  it('gives the verdict of the whole history on random client traces', () => {
    const mix = { linearizable: 0, not: 0, exactCut: 0, cutAndNot: 0, gaveUp: 0, cutPastOpen: 0, cutPastOpenAndNot: 0, byWitnesses: 0, witnessGivenUp: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 3 }), fc.option(fc.nat(20), { freq: 2 }), (steps, minSegment, lieAt) => {
        const { events, gaveUp } = trace(steps, lieAt);
        const whole = verdict(events, new HistoryCollector({ cut: false }));
        expect(whole.from).toBe('last exact cut');
        for (const collector of cutters(minSegment)) {
          const cut = verdict(events, collector);
          expect(cut.verdict).toBe(whole.verdict);
          const { exactCuts, cutsPastOpen, witnessesGivenUp } = collector.stats;
          if (exactCuts > 0) mix.exactCut++;
          if (exactCuts > 0 && whole.verdict === 'not-linearizable') mix.cutAndNot++;
          if (cutsPastOpen > 0) mix.cutPastOpen++;
          if (cutsPastOpen > 0 && whole.verdict === 'not-linearizable') mix.cutPastOpenAndNot++;
          if (cut.from === 'witnesses') mix.byWitnesses++;
          if (witnessesGivenUp > 0) mix.witnessGivenUp++;
        }
        if (gaveUp) mix.gaveUp++;
        if (whole.verdict === 'linearizable') mix.linearizable++;
        else mix.not++;
      }),
      { numRuns: 4000, seed: 16 },
    );
    console.log(`cut differential: ${JSON.stringify(mix)}`);
    // Both verdicts, exact cuts, cuts past open requests (before a violation too), verdicts by
    // the witnesses, witnesses given up, requests given up on: each in a good share of the runs.
    expect(mix.linearizable).toBeGreaterThan(1000);
    expect(mix.not).toBeGreaterThan(600);
    expect(mix.exactCut).toBeGreaterThan(1000);
    expect(mix.cutAndNot).toBeGreaterThan(150);
    expect(mix.gaveUp).toBeGreaterThan(1000);
    expect(mix.cutPastOpen).toBeGreaterThan(1000);
    expect(mix.cutPastOpenAndNot).toBeGreaterThan(150);
    expect(mix.byWitnesses).toBeGreaterThan(500);
    expect(mix.witnessGivenUp).toBeGreaterThan(150);
  });
  it('keeps a part that is not linearizable and stops cutting (the final search reports it)', () => {
    const c = new HistoryCollector({ minSegment: 1 });
    const events: TraceEvent[] = [
      { node: 'n1', seq: 0, time: 0, kind: 'client_request', client: 'a', requestId: 1, op: { type: 'get' } },
      { node: 'n1', seq: 1, time: 0, kind: 'client_response', client: 'a', requestId: 1, result: { status: 'ok', value: 7 } },
      { node: 'n1', seq: 2, time: 0, kind: 'client_request', client: 'a', requestId: 2, op: { type: 'set', value: 1 } },
      { node: 'n1', seq: 3, time: 0, kind: 'client_response', client: 'a', requestId: 2, result: { status: 'ok' } },
    ] as TraceEvent[];
    events.forEach((e, i) => c.event(e, i + 1));
    expect(c.history()).toHaveLength(2);
    expect(c.size).toBe(2);
    expect(checkLinearizable(c.history(), { initial: c.initial }).verdict).toBe('not-linearizable');
  });

  // c1 sends a cas null→1 and is not answered; c2 reads 1, which only that cas explains: the
  // witness places it, and the next search starts from 1. Then c1's answer comes.
  const placedThenAnswered = (result: ClientResult): HistoryCollector => {
    const c = new HistoryCollector({ minSegment: 1, onlyGivenUp: false });
    const base = { node: 'n1', seq: 0, time: 0 };
    const events = [
      { ...base, kind: 'client_request', client: 'c1', requestId: 1, op: { type: 'cas', expected: null, value: 1 } },
      { ...base, kind: 'client_request', client: 'c2', requestId: 1, op: { type: 'get' } },
      { ...base, kind: 'client_response', client: 'c2', requestId: 1, result: { status: 'ok', value: 1 } },
      { ...base, kind: 'client_response', client: 'c1', requestId: 1, result },
    ] as TraceEvent[];
    events.forEach((e, i) => c.event(e, i + 1));
    return c;
  };

  it('keeps the chain of witnesses when a request it placed is answered as placed', () => {
    const c = placedThenAnswered({ status: 'ok' });
    expect(c.stats).toEqual({ exactCuts: 0, witnessCuts: 1, cutsPastOpen: 1, witnessesGivenUp: 0 });
    const v = c.verdict();
    expect([v.result.verdict, v.from]).toEqual(['linearizable', 'witnesses']);
  });

  it('gives the chain up when a request it placed is answered otherwise (a failed cas, not_leader): the whole history decides', () => {
    for (const answer of [{ status: 'cas_failed', value: null }, { status: 'not_leader', leaderHint: null }] as ClientResult[]) {
      const c = placedThenAnswered(answer);
      expect(c.stats).toEqual({ exactCuts: 0, witnessCuts: 1, cutsPastOpen: 1, witnessesGivenUp: 1 });
      const v = c.verdict();
      expect([v.result.verdict, v.from]).toEqual(['not-linearizable', 'last exact cut']);
    }
  });
});
