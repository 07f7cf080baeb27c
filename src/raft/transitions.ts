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
  return (e) => {
    if (e.type !== '@xstate.microstep') return;
    for (const raw of e._transitions) onTransition(takenTransition(raw as unknown as TransitionDefinition));
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
  return (t) => rows.get(`${t.from}\u0000${t.event}\u0000${t.position}`) ?? -1;
}
