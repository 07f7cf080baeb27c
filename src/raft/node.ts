/**
 * The reference node behind the `RaftNode` interface: one long-lived XState actor per node
 * (creating an actor per event would cost far more), stepped synchronously. Each step returns
 * the effects the rules recorded, with the state after each.
 */
import { createActor, type Actor } from 'xstate';
import type { Random } from '../random.js';
import { createContext, summarize, type NodeContext } from './context.js';
import { raftNodeMachine, type NodeEvent, type RaftNodeMachine } from './node-machine.js';
import { transitionInspector, type TakenTransition } from './transitions.js';
import type { NodeConfig, NodeInput, NodeView, PersistentState, RaftNode, StepRecord } from './types.js';

export interface ReferenceNodeOptions {
  /** Source of the election timeout draws (a fork of the run's seeded generator). */
  random: Random;
  /** Restart from this persistent state (term, vote, log); everything volatile starts afresh. */
  persisted?: PersistentState;
  /** A variant of the statechart (same states and events, other guards or actions): the bug catalogue's mutants. */
  machine?: RaftNodeMachine;
  /** Told of every statechart transition the node takes (the viewer and transition coverage); costs nothing when absent. */
  onTransition?: (t: TakenTransition) => void;
}

function toEvent(input: NodeInput): NodeEvent | null {
  switch (input.type) {
    case 'tick':
    case 'receive_unmodelled':
      return null; // the reference arms timers and knows only Figure 2's messages
    case 'timeout':
      return input.timer === 'election' ? { type: 'ELECTION_TIMEOUT' } : { type: 'HEARTBEAT_TIMEOUT' };
    case 'client_request':
      return { type: 'CLIENT_REQUEST', request: { client: input.client, requestId: input.requestId, op: input.op } };
    case 'receive':
      return { type: input.msg.type, msg: input.msg } as NodeEvent;
  }
}

class ReferenceNode implements RaftNode {
  /** The actor's context (XState copies the input object once, at creation; after that it is stable). */
  private ctx: NodeContext;
  private actor: Actor<RaftNodeMachine> | null = null;
  private readonly machine: RaftNodeMachine;
  private readonly onTransition: ((t: TakenTransition) => void) | undefined;

  constructor(config: NodeConfig, options: ReferenceNodeOptions) {
    this.ctx = createContext(config, options.random, options.persisted);
    this.machine = options.machine ?? raftNodeMachine;
    this.onTransition = options.onTransition;
  }

  get id(): string {
    return this.ctx.id;
  }

  private take(): StepRecord[] {
    return this.ctx.out.splice(0);
  }

  start(): StepRecord[] {
    if (this.actor) throw new Error(`node ${this.id} already started`);
    this.actor = createActor(this.machine, { input: this.ctx, ...(this.onTransition ? { inspect: transitionInspector(this.onTransition) } : {}) });
    this.ctx = this.actor.getSnapshot().context;
    this.actor.start();
    return this.take();
  }

  step(input: NodeInput): StepRecord[] {
    if (!this.actor) throw new Error(`node ${this.id} is not started`);
    const event = toEvent(input);
    if (!event) return [];
    this.actor.send(event);
    const error = this.actor.getSnapshot().error;
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return this.take();
  }

  /** The statechart's current state (equal to the role; exposed for tests and coverage). */
  stateValue(): string {
    return String(this.actor?.getSnapshot().value ?? 'stopped');
  }

  view(): NodeView {
    return { id: this.id, leaderId: this.ctx.leaderId, log: this.ctx.log.view(), ...summarize(this.ctx) };
  }

  persistent(): PersistentState {
    return { term: this.ctx.term, votedFor: this.ctx.votedFor, log: this.ctx.log.toArray() };
  }
}

export function createReferenceNode(config: NodeConfig, options: ReferenceNodeOptions): RaftNode & { stateValue(): string } {
  return new ReferenceNode(config, options);
}
