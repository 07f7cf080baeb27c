/**
 * A direct interpreter of the reference statechart. It executes the very definition an XState
 * actor executes — `raftNodeMachine` or a `provide()` variant of it (the bug catalogue): its
 * states, its transition lists in order, and the guards and actions registered by name with
 * `setup()` — but without the actor machinery (mailbox, snapshots, action executor,
 * inspection events), which costs several times the rules themselves per step
 * (BENCHMARKS.md). The chart stays the single source of truth; this is a second way to run it,
 * kept equal to the actor by test/engine-equivalence.test.ts.
 *
 * What it replicates of XState 5 (its `macrostep`/`microstep`, `StateNode.next`, `raise`):
 * - An event takes the first transition of the current state's list for its type whose guard
 *   passes (a guard that throws is reported as XState words it); none: nothing happens.
 * - A microstep runs, in order: the source's exit actions (when the target is another state,
 *   or `reenter`), the transition's actions, the target's entry actions. Guards and actions
 *   get `{ context, event }` (the reference's never use `self` or `system`).
 * - `raise` puts its event (computed when the action runs) on an internal queue.
 * - After each microstep, the current state's eventless (`always`) transitions are tried with
 *   the last event; if none is enabled, the next raised event is handled. An eventless
 *   microstep that leaves the state unchanged ends eventless selection until another event is
 *   handled (XState compares snapshots; without `assign` they differ exactly when the state does).
 * - Each microstep's transition is reported after it completes (XState's `@xstate.microstep`);
 *   starting reports nothing: it only runs the initial state's entry actions.
 * - An error stops the node: it is thrown by this send and by every later one.
 *
 * It compiles a machine once (cached per machine object) and refuses, naming the reason, any
 * machine outside the subset above: nested, parallel, history or final states, root
 * transitions or actions, invoke, delays, wildcard events, several targets, inline or
 * parameterized guards and actions, built-ins other than an immediate `raise`, unimplemented
 * names, and eventless transitions or raises on entering the initial state (XState runs those
 * before the deferred entry actions).
 */
import type { AnyStateMachine } from 'xstate';
import { actionName, guardName, rootOf, statesOf, transitionLists, type ImplementationRef, type StateNodeDefinition, type TransitionDefinition } from './definition.js';
import { takenTransition, type TakenTransition } from './transitions.js';

/** What XState gives a guard or an action (the reference's never use `self` or `system`). */
interface Args {
  context: object;
  event: Event;
}
interface Event {
  type: string;
}
type Guard = (args: Args) => unknown;
type Action = { kind: 'exec'; run: (args: Args) => unknown } | { kind: 'raise'; event: (args: Args) => Event };

interface Transition {
  guardName: string | null;
  guard: Guard | null;
  /** The state entered; null for a targetless transition. */
  target: State | null;
  /** Whether the source is exited and the target entered (another state, or `reenter`). */
  crosses: boolean;
  actions: readonly Action[];
  /** What is reported when it is taken (shared and frozen: observers only read it). */
  taken: Readonly<TakenTransition>;
}

interface State {
  key: string;
  id: string;
  entry: readonly Action[];
  exit: readonly Action[];
  on: ReadonlyMap<string, readonly Transition[]>;
  always: readonly Transition[];
}

interface Program {
  initial: State;
  /** Every state by key (for `resume`). */
  states: ReadonlyMap<string, State>;
}

/** XState's `raise` built-in, as `raise()` builds it (a function carrying `type`, `event`, `delay`). */
interface RaiseBuiltin {
  type: 'xstate.raise';
  event: unknown;
  delay?: unknown;
}

class Unsupported extends Error {
  override name = 'UnsupportedStatechartError';
}

function refuse(what: string): never {
  throw new Unsupported(`the statechart interpreter does not support ${what}; run the node on the XState actor (engine 'actor')`);
}

function compileAction(ref: ImplementationRef, where: string, implementations: Record<string, unknown>): Action {
  if (typeof ref !== 'string') refuse(`the inline or parameterized action ${actionName(ref)} (${where})`);
  const impl = implementations[ref];
  if (typeof impl !== 'function') refuse(`the action '${ref}' without an implementation (${where})`);
  if (!('resolve' in impl)) return { kind: 'exec', run: impl as (args: Args) => unknown };
  const builtin = impl as unknown as RaiseBuiltin;
  if (builtin.type !== 'xstate.raise' || builtin.delay !== undefined) refuse(`the built-in action '${ref}' (${String(builtin.type)}${builtin.delay !== undefined ? ', delayed' : ''}) (${where})`);
  const expr = builtin.event;
  if (typeof expr === 'function') return { kind: 'raise', event: expr as (args: Args) => Event };
  if (expr && typeof expr === 'object') return { kind: 'raise', event: () => expr as Event };
  return refuse(`raise with an event that is not an object (${where})`);
}

function compileGuard(ref: ImplementationRef, where: string, implementations: Record<string, unknown>): Guard | null {
  if (ref === undefined) return null;
  if (typeof ref !== 'string') refuse(`the inline or parameterized guard ${String(guardName(ref))} (${where})`);
  const impl = implementations[ref];
  if (typeof impl !== 'function' || 'check' in impl) refuse(`the guard '${ref}' (${typeof impl === 'function' ? 'a built-in' : 'not implemented'}) (${where})`);
  return impl as Guard;
}

function checkState(node: StateNodeDefinition): void {
  if (node.type !== 'atomic') refuse(`the ${node.type} state '${node.id}'`);
  if (node.invoke.length > 0) refuse(`invoke (in '${node.id}')`);
  for (const event of node.transitions.keys()) if (event.includes('*') || event.startsWith('xstate.')) refuse(`the event descriptor '${event}' (in '${node.id}')`);
}

function compile(machine: AnyStateMachine): Program {
  const root = rootOf(machine);
  if (root.type !== 'compound') refuse(`a ${root.type} root state`);
  if (root.entry.length > 0 || root.exit.length > 0 || root.transitions.size > 0 || (root.always?.length ?? 0) > 0 || root.invoke.length > 0) refuse('transitions, actions or invoke on the root state');
  const impl = machine.implementations as unknown as { guards: Record<string, unknown>; actions: Record<string, unknown> };
  const definitions = statesOf(machine);
  const states = new Map<string, State & { on: Map<string, Transition[]>; always: Transition[] }>();
  for (const node of definitions) {
    checkState(node);
    const where = `state '${node.id}'`;
    states.set(node.key, {
      key: node.key, id: node.id, on: new Map(), always: [],
      entry: node.entry.map((a) => compileAction(a, `entry of ${where}`, impl.actions)),
      exit: node.exit.map((a) => compileAction(a, `exit of ${where}`, impl.actions)),
    });
  }
  const transition = (t: TransitionDefinition, source: State): Transition => {
    if ((t.target?.length ?? 0) > 1) refuse(`a transition with several targets (in '${source.id}')`);
    const targetKey = t.target?.[0]?.key;
    const target = targetKey === undefined ? null : states.get(targetKey) ?? refuse(`the target '${targetKey}' outside the top-level states`);
    const where = `${t.eventType || 'always'} in '${source.id}'`;
    return {
      guardName: guardName(t.guard), guard: compileGuard(t.guard, where, impl.guards), target,
      crosses: target !== null && (target !== source || Boolean(t.reenter)),
      actions: t.actions.map((a) => compileAction(a, where, impl.actions)),
      taken: Object.freeze(takenTransition(t)),
    };
  };
  for (const node of definitions) {
    const state = states.get(node.key)!;
    for (const { event, definitions: list } of transitionLists(node)) {
      const compiled = list.map((t) => transition(t, state));
      if (list[0]?.eventType === '') state.always.push(...compiled);
      else state.on.set(event, compiled);
    }
  }
  const initial = states.get(String(machine.config.initial)) ?? refuse(`the initial state '${String(machine.config.initial)}'`);
  if (initial.always.length > 0 || initial.entry.some((a) => a.kind === 'raise')) refuse(`eventless transitions or raise on entering the initial state '${initial.id}'`);
  return { initial, states };
}

const programs = new WeakMap<AnyStateMachine, Program>();

function programOf(machine: AnyStateMachine): Program {
  let program = programs.get(machine);
  if (!program) {
    program = compile(machine);
    programs.set(machine, program);
  }
  return program;
}

/** Checks that the interpreter can run `machine` (throws naming what it does not support). */
export function assertInterpretable(machine: AnyStateMachine): void {
  programOf(machine);
}

/** XState's init event, which the initial state's entry actions see. */
function initEvent(input: object): Event {
  const event: Event & { input: object } = { type: 'xstate.init', input };
  return event;
}

/** One running statechart over a context that its actions mutate in place. */
export class StatechartInterpreter<Context extends object, E extends Event> {
  private state: State | null = null;
  private readonly queue: Event[] = [];
  /** Set by the first error: the node is stopped, and every later send throws it again. */
  private failure: { error: unknown } | null = null;
  private readonly program: Program;

  constructor(machine: AnyStateMachine, private readonly context: Context, private readonly onTransition?: (t: TakenTransition) => void) {
    this.program = programOf(machine);
  }

  /** The current state's name; null before start. */
  get value(): string | null {
    return this.state?.key ?? null;
  }

  get error(): unknown {
    return this.failure?.error;
  }

  /** Enters the initial state (its entry actions see XState's init event). */
  start(): void {
    if (this.state) throw new Error('the statechart is already started');
    const initial = this.program.initial;
    this.state = initial;
    try {
      this.run(initial.entry, { context: this.context, event: initEvent(this.context) });
    } catch (error) {
      this.stop(error);
    }
  }

  /**
   * Starts in the state named `key` without running any entry action: the context already
   * holds what entering it did (a snapshot of a node taken there, see snapshot.ts).
   */
  resume(key: string): void {
    if (this.state) throw new Error('the statechart is already started');
    const state = this.program.states.get(key);
    if (!state) throw new Error(`the statechart has no state '${key}'`);
    this.state = state;
  }

  /** Handles one event to completion: its transition, then eventless transitions and raised events. */
  send(event: E): void {
    if (!this.state) throw new Error('the statechart is not started');
    if (this.failure) throw this.failure.error;
    try {
      this.macrostep(event);
    } catch (error) {
      this.stop(error);
    }
  }

  private stop(error: unknown): never {
    this.failure = { error };
    this.queue.length = 0;
    throw error;
  }

  // One `{ context, event }` per event handled, shared by its guards and actions (read only).
  private macrostep(first: Event): void {
    let args: Args = { context: this.context, event: first };
    this.microstep(this.select(args), args);
    let eventless = true;
    for (;;) {
      let t: Transition | null = eventless ? this.selectEventless(args) : null;
      const isEventless: boolean = t !== null;
      if (!t) {
        const next = this.queue.shift();
        if (next === undefined) return;
        args = { context: this.context, event: next };
        t = this.select(args);
      }
      const changed = this.microstep(t, args);
      eventless = isEventless ? changed : true;
    }
  }

  private select(args: Args): Transition | null {
    const state = this.state!;
    const list = state.on.get(args.event.type);
    if (!list) return null;
    for (const t of list) {
      if (!t.guard) return t;
      let passed: unknown;
      try {
        passed = t.guard(args);
      } catch (error) {
        // XState's wording (StateNode.next), so that both engines fail alike.
        throw new Error(`Unable to evaluate guard '${t.guardName}' in transition for event '${args.event.type}' in state node '${state.id}':\n${String((error as { message?: unknown } | null)?.message)}`);
      }
      if (passed) return t;
    }
    return null;
  }

  private selectEventless(args: Args): Transition | null {
    for (const t of this.state!.always) if (!t.guard || t.guard(args)) return t;
    return null;
  }

  /** Takes `t` (if any); returns whether the state changed. */
  private microstep(t: Transition | null, args: Args): boolean {
    if (!t) return false;
    const source = this.state!;
    if (t.crosses) this.run(source.exit, args);
    this.run(t.actions, args);
    if (t.crosses) {
      this.state = t.target;
      this.run(t.target!.entry, args);
    }
    this.onTransition?.(t.taken);
    return this.state !== source;
  }

  private run(actions: readonly Action[], args: Args): void {
    for (const a of actions) {
      if (a.kind === 'exec') a.run(args);
      else this.queue.push(a.event(args));
    }
  }
}
