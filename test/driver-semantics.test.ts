/**
 * What spec/DRIVER.md and docs/ADAPTERS.md answer for porting, pinned: timers fire once per
 * arming (a forced election supersedes the armed one); a leader ignores a forced election; a
 * tick that only resends vote requests fired nothing; matchIndex is compared only on success.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import type { AdapterDefinition, Output } from '../harness/adapters/adapter.js';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import type { Schedule } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import type { TraceLine } from '../src/trace/schema.js';
import type { TimerName } from '../src/raft/types.js';
import { makeCluster } from './helpers/sim.js';
import { PYTHON } from './helpers/python.js';

const variant = (...options: string[]) => {
  const f = resolveImplementation(`cmd:${PYTHON} test/fixtures/driver/variant.py ${options.join(' ')}`);
  if ('error' in f) throw new Error(f.error);
  return f;
};

/** A node that stays a follower of term 0 and arms timers as `onTimer` says (no Raft: the timers are the point). */
function timerNode(start: Output['timers'], onTimeout: (timer: TimerName) => Output['timers']): NodeFactory {
  const definition: AdapterDefinition = {
    name: 'timers',
    create: () => ({
      start: () => ({ timers: start }),
      deliver: () => ({}),
      timeout: (timer) => ({ timers: onTimeout(timer) }),
      tick: () => ({}),
      client: () => ({}),
      observe: () => ({ role: 'follower', term: 0, votedFor: null, commitIndex: 0, log: [] }),
      crash: () => ({ term: 0, votedFor: null, log: [] }),
    }),
  };
  return adapterFactory(definition);
}

function timeouts(lines: readonly TraceLine[]): string[] {
  return lines.flatMap((l) => (l.kind === 'timeout' ? [`${l.timer}@${l.time}`] : []));
}

describe('armed timers', () => {
  it('fire once: a timer fires again only if the reply to its timeout (or any later reply) arms it again', () => {
    const once = makeCluster(1, 1, {}, timerNode({ election: 100, heartbeat: 30 }, () => ({})));
    once.cluster.runUntil(1000);
    expect(timeouts(once.sink.lines)).toEqual(['heartbeat@30', 'election@100']);
    const again = makeCluster(1, 1, {}, timerNode({ heartbeat: 30 }, (t) => (t === 'heartbeat' ? { heartbeat: 30 } : {})));
    again.cluster.runUntil(100);
    expect(timeouts(again.sink.lines)).toEqual(['heartbeat@30', 'heartbeat@60', 'heartbeat@90']);
  });

  it('arming an armed timer replaces it (a follower that re-arms its election timer on every heartbeat never times out)', () => {
    const { cluster, sink } = makeCluster(1, 1, {}, timerNode({ election: 100, heartbeat: 30 }, (t) => (t === 'heartbeat' ? { heartbeat: 30, election: 100 } : {})));
    cluster.runUntil(1000);
    expect(timeouts(sink.lines).filter((t) => t.startsWith('election'))).toEqual([]);
  });

  it('a forced election supersedes the armed election timer: arm a new one in the reply', () => {
    const { cluster, sink } = makeCluster(1, 1, {}, timerNode({ election: 100 }, () => ({})));
    cluster.at(50, () => cluster.fireTimer('n1', 'election'));
    cluster.runUntil(1000);
    expect(timeouts(sink.lines)).toEqual(['election@50']);
  });
});

describe('a forced election at a leader', () => {
  // n1 wins term 1, then the schedule forces its election timer while it leads.
  const schedule: Schedule = {
    version: 1, nodes: 3, seed: 5, durationMs: 400, batch: 64, naturalElections: false,
    fates: [{ lose: false, duplicate: false, delay: 3 }],
    events: [
      { at: 10, action: { type: 'timeout', node: 0 } },
      { at: 100, action: { type: 'timeout', node: 0 } },
      { at: 150, action: { type: 'client', node: 0, op: { type: 'set', value: 1 } } },
    ],
  };

  it('is ignored, as the reference does (Figure 2 gives leaders no election timeout)', () => {
    const outcome = runSchedule(schedule, variant(), { keepLines: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.lines.some((l) => l.kind === 'timeout' && l.node === 'n1' && l.time === 100 && l.state?.role === 'leader')).toBe(true);
  }, 60_000);

  it('is a conformance violation if the leader starts an election', () => {
    const outcome = runSchedule(schedule, variant('--leader-campaigns'));
    expect(outcome.error).toMatchObject({ rule: 'conformance.unexpected', message: expect.stringMatching(/^n1 logged "role candidate" after the timeout on line \d+/) });
  }, 60_000);
});

describe('a tick-driven node', () => {
  // n2 and n3 are down when n1 stands: n1 stays candidate for a while, and resends its
  // RequestVote on every tick in which no timer fired.
  const schedule: Schedule = {
    version: 1, nodes: 3, seed: 5, durationMs: 300, batch: 64, naturalElections: false,
    fates: [{ lose: false, duplicate: false, delay: 3 }],
    events: [
      { at: 5, action: { type: 'crash', node: 1 } },
      { at: 5, action: { type: 'crash', node: 2 } },
      { at: 10, action: { type: 'timeout', node: 0 } },
      { at: 60, action: { type: 'restart', node: 1 } },
      { at: 60, action: { type: 'restart', node: 2 } },
    ],
  };

  it('that only resends vote requests in a tick fired nothing: `fired` stays empty (a request may be sent at any time)', () => {
    const outcome = runSchedule(schedule, variant('--tick', '10', '--resend-votes', 'none'), { keepLines: true, liveness: false });
    expect(outcome.error).toBeUndefined();
    const resent = outcome.lines.filter((l) => l.kind === 'send' && l.msg.type === 'RequestVote' && l.msg.term === 1 && l.time > 10 && l.time < 60);
    expect(resent.length).toBeGreaterThanOrEqual(8);
    expect(outcome.lines.some((l) => l.kind === 'role' && l.role === 'leader')).toBe(true);
  }, 60_000);

  it('reporting the election timer as fired then says an election started that did not', () => {
    const outcome = runSchedule(schedule, variant('--tick', '10', '--resend-votes', 'election'), { liveness: false });
    expect(outcome.error?.rule).toMatch(/^conformance\./);
  }, 60_000);
});

describe('matchIndex in an AppendEntriesResponse', () => {
  const text = fs.readFileSync('traces/examples/valid/near-miss-follower-catches-up.jsonl', 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as TraceLine);

  /** The trace with `change` applied to the first response matching `which`, in its send and its receive. */
  function edited(which: (m: Extract<TraceLine, { kind: 'send' }>['msg']) => boolean, change: Record<string, unknown>): TraceLine[] {
    const id = lines.find((l) => l.kind === 'send' && l.msg.type === 'AppendEntriesResponse' && which(l.msg))!;
    const msgId = (id as Extract<TraceLine, { kind: 'send' }>).msg.id;
    return lines.map((l) => ((l.kind === 'send' || l.kind === 'receive') && l.msg.id === msgId ? ({ ...l, msg: { ...l.msg, ...change } } as TraceLine) : l));
  }

  function firstError(trace: TraceLine[]) {
    const v = new TraceValidation({ maxErrors: 1 });
    trace.forEach((l, i) => v.line(l, i + 1));
    return v.finish('edited', { lines: trace.length, bytes: 0 }).errors[0];
  }

  it('is not checked in a failed response (any value, or none)', () => {
    expect(firstError(edited((m) => m.type === 'AppendEntriesResponse' && !m.success, { matchIndex: 99 }))).toBeUndefined();
  });

  it('must be the reference\'s in a successful one', () => {
    expect(firstError(edited((m) => m.type === 'AppendEntriesResponse' && m.success, { matchIndex: 99 }))).toMatchObject({ rule: 'conformance.unexpected' });
  });
});
