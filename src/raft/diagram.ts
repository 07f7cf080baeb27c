/**
 * The statechart as data and as pictures, read from the machine definition itself (no
 * renderer exists for XState v5 machines): states with their entry/exit actions, and every
 * transition with its event, guard, target and actions, in the order XState tries them.
 */
import { raftNodeMachine } from './node-machine.js';

export interface DiagramTransition {
  from: string;
  event: string;
  guard: string | null;
  /** null: a targetless transition (handled in place). */
  to: string | null;
  actions: string[];
  /** Re-enters its own state (runs exit and entry again). */
  reenter: boolean;
}

export interface DiagramState {
  name: string;
  entry: string[];
  exit: string[];
}

export interface StatechartDiagram {
  id: string;
  initial: string;
  states: DiagramState[];
  transitions: DiagramTransition[];
}

type Named = { type?: unknown } | string | ((...args: never[]) => unknown);

function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && 'type' in a && typeof (a as { type: unknown }).type === 'string') return (a as { type: string }).type;
  if (typeof a === 'function') return a.name || 'inline';
  return 'inline';
}

function guardName(g: unknown): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && 'type' in g) return String((g as { type: unknown }).type);
  return 'inline';
}

interface StateNodeLike {
  key: string;
  entry: readonly Named[];
  exit: readonly Named[];
  transitions: Map<string, ReadonlyArray<{ guard?: unknown; target?: ReadonlyArray<{ key: string }>; actions: readonly Named[]; reenter?: boolean }>>;
  always?: ReadonlyArray<{ guard?: unknown; target?: ReadonlyArray<{ key: string }>; actions: readonly Named[]; reenter?: boolean }>;
}

export function describeStatechart(): StatechartDiagram {
  const root = raftNodeMachine.root;
  const states: DiagramState[] = [];
  const transitions: DiagramTransition[] = [];
  for (const node of Object.values(root.states) as unknown as StateNodeLike[]) {
    states.push({ name: node.key, entry: node.entry.map(actionName), exit: node.exit.map(actionName) });
    const lists: Array<[string, NonNullable<StateNodeLike['always']>]> = [...node.transitions.entries()];
    if (node.always && node.always.length > 0) lists.push(['(always)', node.always]);
    for (const [event, list] of lists) {
      for (const t of list) {
        transitions.push({
          from: node.key,
          event,
          guard: guardName(t.guard),
          to: t.target && t.target.length > 0 ? t.target[0]!.key : null,
          actions: t.actions.map(actionName),
          reenter: Boolean(t.reenter),
        });
      }
    }
  }
  return { id: root.id, initial: String(raftNodeMachine.config.initial), states, transitions };
}

function label(t: DiagramTransition): string {
  const guard = t.guard ? ` [${t.guard}]` : '';
  const actions = t.actions.length > 0 ? ` / ${t.actions.join(', ')}` : '';
  return `${t.event}${guard}${actions}`;
}

/** Mermaid `stateDiagram-v2` (GitHub renders it in Markdown and pull requests). */
export function toMermaid(d: StatechartDiagram): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${d.initial}`];
  for (const s of d.states) {
    if (s.entry.length > 0) lines.push(`  ${s.name}: ${s.name}\\nentry / ${s.entry.join(', ')}${s.exit.length > 0 ? `\\nexit / ${s.exit.join(', ')}` : ''}`);
  }
  for (const t of d.transitions) lines.push(`  ${t.from} --> ${t.to ?? t.from}: ${label(t).replace(/:/g, '∶')}`);
  return lines.join('\n') + '\n';
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Graphviz DOT; targetless transitions are drawn as self-loops with dashed lines. */
export function toDot(d: StatechartDiagram): string {
  const lines = [`digraph ${dotString(d.id)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];', '  __start [shape=point];', `  __start -> ${dotString(d.initial)};`];
  for (const s of d.states) {
    const extra = [s.entry.length > 0 ? `entry / ${s.entry.join(', ')}` : '', s.exit.length > 0 ? `exit / ${s.exit.join(', ')}` : ''].filter(Boolean).join('\\n');
    lines.push(`  ${dotString(s.name)} [label=${dotString(extra ? `${s.name}\\n${extra}` : s.name).replace(/\\\\n/g, '\\n')}];`);
  }
  for (const t of d.transitions) {
    lines.push(`  ${dotString(t.from)} -> ${dotString(t.to ?? t.from)} [label=${dotString(label(t))}${t.to === null ? ', style=dashed' : ''}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toJson(d: StatechartDiagram): string {
  return JSON.stringify(d, null, 2) + '\n';
}
