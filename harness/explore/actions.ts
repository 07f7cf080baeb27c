/**
 * The actions of the model (docs/EXPLORE.md): what may happen next in a state, enumerated in a
 * fixed order so that a search, and the path to any state, is the same on every run.
 */
import type { Operation, TimerName } from '../../src/raft/types.js';
import type { ExploreModel, ExploreState, Flight } from './model.js';

export type Action =
  /** An armed timer fires: the election timer of a follower or candidate, a leader's heartbeat. */
  | { type: 'timeout'; node: number; timer: TimerName }
  /** One copy of a message in flight reaches its (running) receiver. */
  | { type: 'deliver'; flight: Flight }
  /** The network loses one copy. */
  | { type: 'drop'; flight: Flight }
  /** The network makes one more copy. */
  | { type: 'duplicate'; flight: Flight }
  | { type: 'crash'; node: number }
  | { type: 'restart'; node: number }
  /** Client c1 sends its next request (`set` to the request's number, or `get`) to a node. */
  | { type: 'client'; node: number; op: Operation };

/** The client every request of the model comes from. */
export const CLIENT = 'c1';

/** Every action enabled in `s`, in the model's fixed order. */
export function enabledActions(model: ExploreModel, s: ExploreState): Action[] {
  const actions: Action[] = [];
  const { bounds } = model;
  s.nodes.forEach((n, node) => {
    if (!n.up) return;
    // Timers are armed by role in the reference chart: a leader has only its heartbeat timer.
    actions.push({ type: 'timeout', node, timer: n.snap.role === 'leader' ? 'heartbeat' : 'election' });
  });
  for (let i = 0; i < s.bag.length; i++) {
    const flight = s.bag[i]!;
    if (i > 0 && s.bag[i - 1]!.key === flight.key) continue; // copies are interchangeable
    const to = model.ids.indexOf(flight.msg.to);
    if (s.nodes[to]!.up) actions.push({ type: 'deliver', flight });
    actions.push({ type: 'drop', flight });
    if (s.bag.length < bounds.maxMsgs) actions.push({ type: 'duplicate', flight });
  }
  s.nodes.forEach((n, node) => {
    if (n.up && s.crashes < bounds.maxCrashes) actions.push({ type: 'crash', node });
    if (!n.up) actions.push({ type: 'restart', node });
  });
  if (s.clientOps < bounds.maxClientOps) {
    const value = s.clientOps + 1;
    s.nodes.forEach((n, node) => {
      if (!n.up) return;
      actions.push({ type: 'client', node, op: { type: 'set', value } });
      actions.push({ type: 'client', node, op: { type: 'get' } });
    });
  }
  return actions;
}

/** One line for people: `n1 election timeout`, `deliver RequestVote n1→n2 (term 1)`. */
export function describeAction(model: ExploreModel, a: Action): string {
  switch (a.type) {
    case 'timeout':
      return `${model.ids[a.node]} ${a.timer} timeout`;
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return `${a.type} ${a.flight.msg.type} ${a.flight.msg.from}→${a.flight.msg.to} (term ${a.flight.msg.term})`;
    case 'crash':
    case 'restart':
      return `${a.type} ${model.ids[a.node]}`;
    case 'client':
      return `client ${CLIENT} ${a.op.type}${a.op.type === 'set' ? ` ${a.op.value}` : ''} at ${model.ids[a.node]}`;
  }
}
