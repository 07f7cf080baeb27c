/**
 * The statechart's definition as XState v5 holds it once the machine is built (`machine.root`):
 * the one walker of it that the diagram (./diagram.ts), transition reporting
 * (./transitions.ts) and the direct interpreter (./interpreter.ts) share, so that all three
 * read the same states, the same transition lists in the same order.
 *
 * XState types these internals loosely (they are not its public API); the interfaces below
 * name only what raftcheck reads, as XState 5 sets it (StateNode: `key`, `id`, `type`,
 * `states`, `entry`, `exit`, `transitions` by event type, `always`, `invoke`; a transition:
 * `eventType`, `guard`, `target`, `actions`, `reenter`, `source`).
 */
import type { AnyStateMachine } from 'xstate';

/** The event name the diagram gives eventless (`always`) transitions. */
export const ALWAYS_EVENT = '(always)';

/** A guard or action as the chart refers to it: a name registered with `setup()`, or something else (inline, parameterized). */
export type ImplementationRef = unknown;

export interface TransitionDefinition {
  /** The event type; '' for an eventless (`always`) transition. */
  eventType: string;
  guard?: ImplementationRef;
  target?: readonly StateNodeDefinition[];
  actions: readonly ImplementationRef[];
  reenter?: boolean;
  source: StateNodeDefinition;
}

export interface StateNodeDefinition {
  key: string;
  /** Full id (`raft.follower`), as XState names the state in its errors. */
  id: string;
  type: string;
  states: Readonly<Record<string, StateNodeDefinition>>;
  entry: readonly ImplementationRef[];
  exit: readonly ImplementationRef[];
  transitions: ReadonlyMap<string, readonly TransitionDefinition[]>;
  always?: readonly TransitionDefinition[];
  invoke: readonly unknown[];
}

/** One state's transitions for one event (or ALWAYS_EVENT), in the order XState tries them. */
export interface TransitionList {
  event: string;
  definitions: readonly TransitionDefinition[];
}

export function rootOf(machine: AnyStateMachine): StateNodeDefinition {
  return machine.root as unknown as StateNodeDefinition;
}

/** The top-level states, in definition order. */
export function statesOf(machine: AnyStateMachine): StateNodeDefinition[] {
  return Object.values(rootOf(machine).states);
}

/** A state's transition lists: its `on` events in definition order, then its eventless ones. */
export function transitionLists(state: StateNodeDefinition): TransitionList[] {
  const lists = [...state.transitions.entries()].map(([event, definitions]) => ({ event, definitions }));
  if (state.always && state.always.length > 0) lists.push({ event: ALWAYS_EVENT, definitions: state.always });
  return lists;
}

/** The event name a transition is listed under (ALWAYS_EVENT for an eventless one). */
export function listedEvent(t: TransitionDefinition): string {
  return t.eventType === '' ? ALWAYS_EVENT : t.eventType;
}

/** Index of `t` in its source state's list for its event (the order XState tries them); -1 if not found. */
export function positionOf(t: TransitionDefinition): number {
  const list = t.eventType === '' ? t.source.always : t.source.transitions.get(t.eventType);
  return list ? list.indexOf(t) : -1;
}

/** The target state's key; null for a targetless transition (handled in place). */
export function targetOf(t: TransitionDefinition): string | null {
  return t.target && t.target.length > 0 ? t.target[0]!.key : null;
}

/** The name of an action reference (a registered name, a built-in's type, or a function's name). */
export function actionName(a: ImplementationRef): string {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && 'type' in a && typeof (a as { type: unknown }).type === 'string') return (a as { type: string }).type;
  if (typeof a === 'function') return a.name || 'inline';
  return 'inline';
}

export function guardName(g: ImplementationRef): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && 'type' in g) return String((g as { type: unknown }).type);
  return 'inline';
}
