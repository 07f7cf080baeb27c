/**
 * Which transition of the statechart a node took. XState v5 reports every microstep to an
 * inspector (`createActor(machine, { inspect })`, event `@xstate.microstep`) with the
 * transition definitions it took; a definition is named here by its source state, its event
 * and its position in that state's list for the event — the same triple that orders the
 * transitions of `describeStatechart()` (./diagram.ts), so a taken transition maps to one row
 * of the diagram. Positions do not depend on guard or action implementations, so variants
 * built with `machine.provide(...)` (the bug catalogue) map to the same rows.
 */
import type { InspectionEvent } from 'xstate';
import { ALWAYS_EVENT, listedEvent, positionOf, targetOf, type TransitionDefinition } from './definition.js';
import type { StatechartDiagram } from './diagram.js';

export { ALWAYS_EVENT };

export interface TakenTransition {
  from: string;
  event: string;
  /** Index in `from`'s list of transitions for `event` (the order XState tries them). */
  position: number;
  /** Target state; null for a targetless transition (handled in place). */
  to: string | null;
}

/** How a transition definition is reported when taken. */
export function takenTransition(t: TransitionDefinition): TakenTransition {
  return { from: t.source.key, event: listedEvent(t), position: positionOf(t), to: targetOf(t) };
}

/** An XState inspector that reports each transition taken, in order. */
export function transitionInspector(onTransition: (t: TakenTransition) => void): (e: InspectionEvent) => void {
  // One report object per definition, as the interpreter does: observers may key on it.
  const reported = new WeakMap<object, TakenTransition>();
  return (e) => {
    if (e.type !== '@xstate.microstep') return;
    for (const raw of e._transitions) {
      let t = reported.get(raw);
      if (!t) {
        t = takenTransition(raw as unknown as TransitionDefinition);
        reported.set(raw, t);
      }
      onTransition(t);
    }
  };
}

/** Maps a taken transition to its row in the diagram's transition list (-1 if it has none). */
export function transitionRows(d: StatechartDiagram): (t: TakenTransition) => number {
  const rows = new Map<string, number>();
  const seen = new Map<string, number>();
  d.transitions.forEach((t, row) => {
    const group = `${t.from}\u0000${t.event}`;
    const position = seen.get(group) ?? 0;
    seen.set(group, position + 1);
    rows.set(`${group}\u0000${position}`, row);
  });
  // The interpreter reports each transition as one shared object: look its row up once, not
  // by building a key for each of the millions of steps of a long trace.
  const known = new WeakMap<TakenTransition, number>();
  return (t) => {
    let row = known.get(t);
    if (row === undefined) {
      row = rows.get(`${t.from}\u0000${t.event}\u0000${t.position}`) ?? -1;
      known.set(t, row);
    }
    return row;
  };
}
