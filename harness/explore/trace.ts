/**
 * A path of the model as a v1 trace: the header, then each action's lines with per-node and
 * network sequence numbers, message ids (`n1-1`, `n1-2`, … per sender; a duplicated message
 * keeps its id) and abstract time (the action's number along the path). `raftcheck validate`,
 * `view` and `replay` read it like any other trace.
 */
import type { Header, TraceEvent, TraceLine } from '../../src/trace/schema.js';
import { VERSION } from '../version.js';
import type { Action } from './actions.js';
import type { ExploreModel } from './model.js';
import { applyAction, initialState, type StepLine } from './step.js';

export function traceHeader(model: ExploreModel, meta?: Record<string, unknown>): Header {
  return {
    kind: 'header',
    format: 'raftcheck-trace',
    version: 1,
    nodes: [...model.ids],
    producer: { name: 'raftcheck-explore', version: VERSION },
    params: {
      electionTimeoutMin: model.node.electionTimeout.min,
      electionTimeoutMax: model.node.electionTimeout.max,
      heartbeatInterval: model.node.heartbeatInterval,
    },
    ...(meta ? { meta } : {}),
  };
}

/** Numbers a path's lines as they would be logged. */
class PathNumbering {
  private readonly seq = new Map<string, number>();
  private networkSeq = 0;
  private readonly sent = new Map<string, number>();
  /** Ids of the copies in flight, by message key, oldest first. */
  private readonly inFlight = new Map<string, string[]>();

  number(line: StepLine, time: number): TraceEvent {
    const e = structuredClone(line.event) as TraceEvent & { seq: number; time: number };
    e.time = time;
    if ('node' in e && e.node !== undefined) {
      e.seq = this.seq.get(e.node) ?? 0;
      this.seq.set(e.node, e.seq + 1);
    } else e.seq = this.networkSeq++;
    const key = line.flightKey;
    if (key === undefined) return e;
    const copies = this.inFlight.get(key) ?? [];
    this.inFlight.set(key, copies);
    switch (e.kind) {
      case 'send': {
        const n = (this.sent.get(e.node) ?? 0) + 1;
        this.sent.set(e.node, n);
        e.msg.id = `${e.node}-${n}`;
        copies.push(e.msg.id);
        break;
      }
      case 'receive':
        e.msg.id = this.take(copies, key);
        break;
      case 'drop':
        e.msgId = this.take(copies, key);
        break;
      case 'duplicate':
        e.msgId = copies[0] ?? this.missing(key);
        copies.push(e.msgId);
        break;
      default:
        break;
    }
    return e;
  }

  private take(copies: string[], key: string): string {
    return copies.shift() ?? this.missing(key);
  }

  private missing(key: string): never {
    throw new Error(`internal: no copy of ${key} in flight`);
  }
}

/** The trace of `actions` from the initial state (each must be enabled where it is taken). */
export function pathTrace(model: ExploreModel, actions: readonly Action[], meta?: Record<string, unknown>): TraceLine[] {
  const lines: TraceLine[] = [traceHeader(model, meta)];
  const numbering = new PathNumbering();
  let { state, lines: start } = initialState(model);
  for (const l of start) lines.push(numbering.number(l, 0));
  actions.forEach((action, k) => {
    const step = applyAction(model, state, action);
    for (const l of step.lines) lines.push(numbering.number(l, k + 1));
    state = step.next;
  });
  return lines;
}
