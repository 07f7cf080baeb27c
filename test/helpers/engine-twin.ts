/**
 * Twin nodes: one implementation built on the reference statechart (the reference or a
 * mutant) run on both engines at once — the XState actor and the direct interpreter — fed the
 * same inputs, with identical random draws. Every call's outcome is compared: the step records
 * (effects and post-states), the transitions reported, the state value, the view, the
 * persistent state, and thrown errors. The actor's results drive the run.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Engine, ReferenceRaftNode } from '../../src/raft/node.js';
import type { TakenTransition } from '../../src/raft/transitions.js';
import type { NodeInput, RaftNode } from '../../src/raft/types.js';
import type { NodeFactory } from '../../harness/simulator/cluster.js';

export interface TwinLog {
  /** Calls compared (start and step). */
  calls: number;
  /** Transitions compared. */
  transitions: number;
  /** Diagram positions seen, as `from event position`. */
  taken: Set<string>;
  differences: string[];
}

export function newTwinLog(): TwinLog {
  return { calls: 0, transitions: 0, taken: new Set(), differences: [] };
}

type Outcome<T> = { value: T } | { error: string };

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { value: f() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

interface Side {
  node: RaftNode & { stateValue?: () => string };
  taken: TakenTransition[];
}

const show = (x: unknown) => JSON.stringify(x)?.slice(0, 600);

export function twinFactory(factory: NodeFactory, log: TwinLog): NodeFactory {
  return (config, options) => {
    const side = (engine: Engine): Side => {
      const taken: TakenTransition[] = [];
      // Forks with the same label are the same stream: both engines draw the same timeouts.
      const node = factory(config, { ...options, random: options.random.fork('engine-twin'), engine, onTransition: (t) => void taken.push(t) });
      return { node, taken };
    };
    const actor = side('actor');
    const interpreter = side('interpreter');
    const compare = <T>(what: string, call: (n: RaftNode) => T): T => {
      log.calls++;
      const a = attempt(() => call(actor.node));
      const b = attempt(() => call(interpreter.node));
      const differ = (kind: string, x: unknown, y: unknown) => {
        log.differences.push(`${config.id} ${what}: ${kind} differ\n  actor:       ${show(x)}\n  interpreter: ${show(y)}`);
      };
      if (!isDeepStrictEqual(a, b)) differ('outcomes', a, b);
      if (!isDeepStrictEqual(actor.taken, interpreter.taken)) differ('transitions', actor.taken, interpreter.taken);
      log.transitions += actor.taken.length;
      for (const t of actor.taken) log.taken.add(`${t.from} ${t.event} ${t.position}`);
      actor.taken.length = 0;
      interpreter.taken.length = 0;
      if (!('error' in a)) {
        const state = (n: Side['node']) => ({ value: n.stateValue?.(), view: n.view(), persistent: n.persistent() });
        const sa = state(actor.node);
        const sb = state(interpreter.node);
        if (!isDeepStrictEqual(sa, sb)) differ('states', sa, sb);
      }
      if ('error' in a) throw new Error(a.error);
      return a.value;
    };
    const twin: RaftNode & Pick<ReferenceRaftNode, 'concedeElection'> = {
      id: config.id,
      // The checker's input (hidden step 8), for reference nodes; another node has none to compare.
      concedeElection: () => compare('concedeElection', (n) => (n as Partial<ReferenceRaftNode>).concedeElection?.() ?? []),
      start: () => compare('start', (n) => n.start()),
      step: (input: NodeInput) => compare(`step ${show(input)}`, (n) => n.step(input)),
      view: () => actor.node.view(),
      persistent: () => actor.node.persistent(),
    };
    return twin;
  };
}
