/**
 * The statechart as data and as pictures, read from the machine definition itself (no
 * renderer exists for XState v5 machines): states with their entry/exit actions, and every
 * transition with its event, guard, target and actions, in the order XState tries them.
 */
import type { AnyStateMachine } from 'xstate';
import { actionName, guardName, rootOf, statesOf, targetOf, transitionLists } from './definition.js';
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

export function describeStatechart(machine: AnyStateMachine = raftNodeMachine): StatechartDiagram {
  const states: DiagramState[] = [];
  const transitions: DiagramTransition[] = [];
  for (const node of statesOf(machine)) {
    states.push({ name: node.key, entry: node.entry.map(actionName), exit: node.exit.map(actionName) });
    for (const { event, definitions } of transitionLists(node)) {
      for (const t of definitions) {
        transitions.push({ from: node.key, event, guard: guardName(t.guard), to: targetOf(t), actions: t.actions.map(actionName), reenter: Boolean(t.reenter) });
      }
    }
  }
  return { id: rootOf(machine).id, initial: String(machine.config.initial), states, transitions };
}

/** How often each transition (by its index in `transitions`) was taken, and over how many traces. */
export interface TransitionCounts {
  counts: readonly number[];
  traces: number;
}

/** `event [guard] / actions`: how a transition reads on every picture. */
export function transitionLabel(t: DiagramTransition): string {
  const guard = t.guard ? ` [${t.guard}]` : '';
  const actions = t.actions.length > 0 ? ` / ${t.actions.join(', ')}` : '';
  return `${t.event}${guard}${actions}`;
}

function countText(count: number): string {
  return count === 0 ? 'NEVER TAKEN' : `×${count}`;
}

/** One line on how much of the statechart the traces exercised. */
export function coverageSummary(d: StatechartDiagram, c: TransitionCounts): string {
  const taken = c.counts.filter((n) => n > 0).length;
  const percent = d.transitions.length === 0 ? 100 : Math.round((taken / d.transitions.length) * 100);
  return `${taken} of ${d.transitions.length} transitions taken (${percent}%) in ${c.traces} trace${c.traces === 1 ? '' : 's'}`;
}

/** Mermaid `stateDiagram-v2` (GitHub renders it in Markdown and pull requests); with counts, each label ends with them. */
export function toMermaid(d: StatechartDiagram, coverage?: TransitionCounts): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${d.initial}`];
  for (const s of d.states) {
    if (s.entry.length > 0) lines.push(`  ${s.name}: ${s.name}\\nentry / ${s.entry.join(', ')}${s.exit.length > 0 ? `\\nexit / ${s.exit.join(', ')}` : ''}`);
  }
  d.transitions.forEach((t, i) => {
    const count = coverage ? ` (${countText(coverage.counts[i] ?? 0)})` : '';
    lines.push(`  ${t.from} --> ${t.to ?? t.from}: ${transitionLabel(t).replace(/:/g, '∶')}${count}`);
  });
  if (coverage) lines.push(`  note right of ${d.initial}: ${coverageSummary(d, coverage)}`);
  return lines.join('\n') + '\n';
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const NEVER_COLOR = '#d62728';

/**
 * Graphviz DOT. Transitions that change state are edges; targetless ones (handled in place)
 * are listed inside their state's box, as UML draws internal transitions — a dozen self-loops
 * per state would bury their labels. With counts, every transition shows how often it was
 * taken, edges get thicker the more they were, and the never-taken ones are red: the review
 * aid for what a test suite left untouched.
 */
export function toDot(d: StatechartDiagram, coverage?: TransitionCounts): string {
  const lines = [`digraph ${dotString(d.id)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];', '  __start [shape=point];', `  __start -> ${dotString(d.initial)};`];
  if (coverage) lines.splice(2, 0, `  label=${dotString(`transition coverage: ${coverageSummary(d, coverage)}`)};`, '  labelloc=t;', '  fontname="Helvetica";');
  const count = (i: number) => coverage?.counts[i] ?? 0;
  const suffix = (i: number) => (coverage ? ` (${countText(count(i))})` : '');
  for (const s of d.states) {
    const rows = [`<tr><td><b>${htmlText(s.name)}</b></td></tr>`];
    if (s.entry.length > 0) rows.push(`<tr><td align="left">entry / ${htmlText(s.entry.join(', '))}</td></tr>`);
    if (s.exit.length > 0) rows.push(`<tr><td align="left">exit / ${htmlText(s.exit.join(', '))}</td></tr>`);
    const internal = d.transitions.flatMap((t, i) => (t.from === s.name && t.to === null ? [i] : []));
    internal.forEach((i, k) => {
      const text = htmlText(transitionLabel(d.transitions[i]!) + suffix(i));
      const cell = coverage && count(i) === 0 ? `<font color="${NEVER_COLOR}">${text}</font>` : text;
      rows.push(`${k === 0 ? '<hr/>' : ''}<tr><td align="left"><font point-size="10">${cell}</font></td></tr>`);
    });
    lines.push(`  ${dotString(s.name)} [label=<<table border="0" cellborder="0" cellspacing="2">${rows.join('')}</table>>];`);
  }
  d.transitions.forEach((t, i) => {
    if (t.to === null) return;
    const attrs = [`label=${dotString(transitionLabel(t) + suffix(i))}`];
    if (coverage) attrs.push(count(i) === 0 ? `color="${NEVER_COLOR}", fontcolor="${NEVER_COLOR}", penwidth=2.5` : `penwidth=${Math.min(4, 1 + Math.log10(count(i))).toFixed(1)}`);
    lines.push(`  ${dotString(t.from)} -> ${dotString(t.to)} [${attrs.join(', ')}];`);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Plain text, one transition per line in the order XState tries them (with counts: the untested ones marked). */
export function toTable(d: StatechartDiagram, coverage?: TransitionCounts): string {
  const rows = d.transitions.map((t, i) => [
    ...(coverage ? [countText(coverage.counts[i] ?? 0)] : []), t.from, t.event, t.guard ?? '', t.to ?? '(stays)', t.actions.join(', '),
  ]);
  const head = [...(coverage ? ['taken'] : []), 'from', 'event', 'guard', 'to', 'actions'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const format = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const lines = [format(head), ...rows.map(format)];
  if (coverage) lines.push('', coverageSummary(d, coverage));
  return lines.join('\n') + '\n';
}

/** The diagram as JSON; with counts, each transition carries its `count`. */
export function toJson(d: StatechartDiagram, coverage?: TransitionCounts): string {
  const data = coverage ? { ...d, traces: coverage.traces, transitions: d.transitions.map((t, i) => ({ ...t, count: coverage.counts[i] ?? 0 })) } : d;
  return JSON.stringify(data, null, 2) + '\n';
}
