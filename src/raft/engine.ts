/**
 * What runs the reference statechart. Both engines execute the same definition
 * (node-machine.ts, or a `provide()` variant of it):
 * - `actor`: one long-lived XState actor per node (creating an actor per event would cost far
 *   more);
 * - `interpreter`: the direct interpreter (./interpreter.ts), the same steps several times
 *   faster; kept equal to the actor by test/engine-equivalence.test.ts.
 * The default is the interpreter; `RAFTCHECK_ENGINE=actor` in the environment (inherited by
 * worker threads) makes every node that does not name an engine an XState actor.
 */
import { createActor, type Actor } from 'xstate';
import type { NodeContext } from './context.js';
import { StatechartInterpreter } from './interpreter.js';
import type { NodeEvent, RaftNodeMachine } from './node-machine.js';
import { transitionInspector, type TakenTransition } from './transitions.js';
import { parseEngine, type Engine } from './engine-name.js';

export { ENGINES, parseEngine, type Engine } from './engine-name.js';

/** The engine of nodes that do not name one (an unknown RAFTCHECK_ENGINE is refused by the CLI before any node runs). */
export const DEFAULT_ENGINE: Engine = parseEngine(globalThis.process?.env?.RAFTCHECK_ENGINE) ?? 'interpreter';

/** What a reference node needs of its engine: start, send, the current state, the first error. */
export interface Runner {
  readonly value: string;
  readonly error: unknown;
  send(event: NodeEvent): void;
}

function actorRunner(machine: RaftNodeMachine, ctx: NodeContext, onTransition?: (t: TakenTransition) => void): { runner: Runner; context: NodeContext } {
  const actor: Actor<RaftNodeMachine> = createActor(machine, { input: ctx, ...(onTransition ? { inspect: transitionInspector(onTransition) } : {}) });
  // XState copies the input object once, at creation; after that the context is stable.
  const context = actor.getSnapshot().context;
  // An error is rethrown by step(); without an observer XState would also rethrow it later from a timer.
  actor.subscribe({ error: () => undefined });
  actor.start();
  return {
    context,
    runner: {
      get value() {
        return String(actor.getSnapshot().value);
      },
      get error() {
        return actor.getSnapshot().error;
      },
      send: (event) => actor.send(event),
    },
  };
}

/** The interpreter behind the Runner interface (a class: explore makes one per step, and an object literal with getters is slow to make). */
class InterpreterRunner implements Runner {
  constructor(private readonly interpreter: StatechartInterpreter<NodeContext, NodeEvent>) {}

  get value(): string {
    return this.interpreter.value ?? 'stopped';
  }

  get error(): unknown {
    return this.interpreter.error;
  }

  send(event: NodeEvent): void {
    try {
      this.interpreter.send(event);
    } catch {
      // Reported through `error`, as the actor reports it.
    }
  }
}

function interpreterRunner(machine: RaftNodeMachine, ctx: NodeContext, onTransition?: (t: TakenTransition) => void, resumeAt?: string): { runner: Runner; context: NodeContext } {
  const interpreter = new StatechartInterpreter<NodeContext, NodeEvent>(machine, ctx, onTransition);
  if (resumeAt !== undefined) interpreter.resume(resumeAt);
  else {
    try {
      interpreter.start();
    } catch {
      // Reported through `error`, as the actor reports it.
    }
  }
  return { context: ctx, runner: new InterpreterRunner(interpreter) };
}

/** Starts the statechart over `ctx` on `engine`; `context` is the engine's own context object from now on. */
export function startEngine(engine: Engine, machine: RaftNodeMachine, ctx: NodeContext, onTransition?: (t: TakenTransition) => void): { runner: Runner; context: NodeContext } {
  return (engine === 'actor' ? actorRunner : interpreterRunner)(machine, ctx, onTransition);
}

/** Runs the statechart from its state `key` over a context that already holds that state (the interpreter only: `raftcheck explore`). */
export function resumeEngine(machine: RaftNodeMachine, ctx: NodeContext, key: string, onTransition?: (t: TakenTransition) => void): { runner: Runner; context: NodeContext } {
  return interpreterRunner(machine, ctx, onTransition, key);
}
