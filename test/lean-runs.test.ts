/** Work and memory that grew with the trace for no verdict's sake, found by `npm run bench`. */
import { describe, expect, it } from 'vitest';
import { scheduleAt } from '../harness/fuzz/run-range.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import { SchemaRules } from '../harness/validate/schema-rules.js';
import type { LocatedError } from '../harness/trace/reader.js';
import type { TraceLine } from '../src/trace/schema.js';

const header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2'], producer: { name: 'test', version: '1' } };
const vote = (id: string) => ({ id, type: 'RequestVote', from: 'n1', to: 'n2', term: 1, candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 });

describe('lean runs', () => {
  it('a dropped message is forgotten, and a duplicate copy still in flight is matched', () => {
    const errors: LocatedError[] = [];
    const rules = new SchemaRules((e) => errors.push(e));
    const lines = [
      header,
      { kind: 'send', node: 'n1', seq: 0, time: 1, msg: vote('m1') },
      { kind: 'send', node: 'n1', seq: 1, time: 1, msg: vote('m2') },
      { kind: 'duplicate', seq: 0, time: 2, msgId: 'm1' },
      { kind: 'drop', seq: 1, time: 3, msgId: 'm1' },
      { kind: 'drop', seq: 2, time: 3, msgId: 'm2' },
      { kind: 'drop', seq: 3, time: 3, msgId: 'never-sent' },
    ];
    lines.forEach((l, i) => rules.line(l as TraceLine, i + 1));
    expect(rules.inFlight).toBe(0);
    rules.line({ kind: 'receive', node: 'n2', seq: 0, time: 4, msg: vote('m1') } as TraceLine, 8);
    expect(errors).toEqual([]);
  });

  it('a run stops at a violation during the liveness window instead of running the window out', () => {
    // Run 8 of seed 1 breaks vote-twice only after its faults, in the liveness window.
    const schedule = scheduleAt({ seed: 1, nodes: [3, 5], faults: 'swarm', durationMs: 3000 }, 8);
    const outcome = runSchedule(schedule, findMutant('vote-twice')!.createNode, { keepLines: true });
    expect(outcome.error).toMatchObject({ rule: 'vote-once', line: 626 });
    expect((outcome.lines[625] as { time: number }).time).toBeGreaterThan(schedule.durationMs);
    expect(outcome.events).toBeLessThan(700); // a run that went on would write thousands more (a message storm until the window closed)
  });
});
