/**
 * One action of the model applied to a state: the nodes involved are resumed from their
 * snapshots and stepped by their own statechart (the interpreter engine, as in the simulator),
 * and what they do becomes the next state and the trace lines of the step. The lines carry no
 * sequence numbers, times or message ids yet: trace.ts gives them those along a whole path.
 */
import { createRandom } from '../../src/random.js';
import { createReferenceNode, type ReferenceRaftNode } from '../../src/raft/node.js';
import type { NodeSnapshot } from '../../src/raft/snapshot.js';
import type { MessageBody, NodeConfig, NodeInput, PersistentState, RaftNode, StateSummary, StepRecord } from '../../src/raft/types.js';
import type { Message, NodeState, TraceEvent } from '../../src/trace/schema.js';
import { flat } from '../checker/flat-string.js';
import { toNodeState } from '../simulator/cluster.js';
import { CLIENT, type Action } from './actions.js';
import { messageKey } from './encode.js';
import type { ExploreModel, ExploreState, Flight, NodeSlot, UpNode } from './model.js';

/** A line of the step's trace, and the message it concerns (by key) for send, receive, drop and duplicate. */
export interface StepLine {
  event: TraceEvent;
  flightKey?: string;
}

export interface StepResult {
  /** The next state, without its checker history (check.ts adds it). */
  next: Omit<ExploreState, 'history'>;
  lines: StepLine[];
  /** A node stepped otherwise than the reference would have from the same state. */
  deviated: boolean;
}

// Timeout draws do not matter: timers are actions here, whatever delay a node arms them with.
const random = createRandom(0);

const configs = new WeakMap<ExploreModel, Map<string, NodeConfig>>();

function config(model: ExploreModel, id: string): NodeConfig {
  let byId = configs.get(model);
  if (!byId) {
    byId = new Map(model.ids.map((m) => [m, { ...model.node, id: m, members: model.ids }]));
    configs.set(model, byId);
  }
  return byId.get(id)!;
}

function asReference(node: RaftNode, impl: string): ReferenceRaftNode {
  if (!('snapshot' in node) || typeof node.snapshot !== 'function') throw new Error(`explore needs nodes built on the reference statechart; ${impl}'s are not`);
  return node as ReferenceRaftNode;
}

function observed(model: ExploreModel, reference: boolean): { onTransition?: ExploreModel['onTransition'] } {
  return !reference && model.onTransition ? { onTransition: model.onTransition } : {};
}

function resume(model: ExploreModel, id: string, snap: NodeSnapshot, reference = false): ReferenceRaftNode {
  // Written out, not spread: a node is resumed per step.
  const options = !reference && model.onTransition
    ? { random, resume: snap, engine: 'interpreter' as const, onTransition: model.onTransition }
    : { random, resume: snap, engine: 'interpreter' as const };
  const node = reference ? createReferenceNode(config(model, id), options) : asReference(model.createNode(config(model, id), options), model.impl);
  node.start();
  return node;
}

function restartNode(model: ExploreModel, id: string, persisted: PersistentState, reference = false): ReferenceRaftNode {
  const options = { random, persisted, engine: 'interpreter' as const, ...observed(model, reference) };
  return reference ? createReferenceNode(config(model, id), options) : asReference(model.createNode(config(model, id), options), model.impl);
}

function summaryOf(s: NodeSnapshot): StateSummary {
  return {
    role: s.role, term: s.term, votedFor: s.votedFor, commitIndex: s.commitIndex, lastApplied: s.lastApplied,
    lastLogIndex: s.log.length, lastLogTerm: s.log.at(-1)?.term ?? 0, value: s.value,
  };
}

function nodeLine(kind: string, node: string, fields: Record<string, unknown>, state: StateSummary | null): TraceEvent {
  const line: Record<string, unknown> = { kind, node, seq: 0, time: 0 };
  for (const key in fields) if (key !== 'kind') line[key] = fields[key];
  if (state) line.state = toNodeState(state) satisfies NodeState;
  return line as TraceEvent;
}

function withId(m: MessageBody): Message {
  return Object.assign({ id: '-' }, m) as Message;
}

/** The step's effects as lines, and the messages it sent. */
function effectLines(node: string, records: readonly StepRecord[], lines: StepLine[], sent: Flight[]): void {
  for (const r of records) {
    const e = r.effect;
    if (e.kind === 'set_timer' || e.kind === 'cancel_timer') continue;
    if (e.kind === 'send') {
      const flight: Flight = { key: flat(messageKey(e.msg)), msg: e.msg, fp: undefined, fps: undefined };
      sent.push(flight);
      lines.push({ event: nodeLine('send', node, { msg: withId(e.msg) }, r.state), flightKey: flight.key });
      continue;
    }
    lines.push({ event: nodeLine(e.kind, node, e as unknown as Record<string, unknown>, r.state) });
  }
}

/** What a step did, for comparison with the reference's: effects other than timers, and the state after. */
function outcomeKey(records: readonly StepRecord[], after: NodeSnapshot): string {
  return JSON.stringify([records.filter((r) => r.effect.kind !== 'set_timer' && r.effect.kind !== 'cancel_timer').map((r) => r.effect), after]);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

const sameValue = <T>(x: T, y: T): boolean => x === y;
const samePair = (x: readonly [unknown, unknown], y: readonly [unknown, unknown]): boolean => x[0] === y[0] && x[1] === y[1];
const samePending = (x: NodeSnapshot['pending'][number], y: NodeSnapshot['pending'][number]): boolean =>
  x[0] === y[0] && x[1].client === y[1].client && x[1].requestId === y[1].requestId;

/**
 * The slot after a step: the one before when the node's state did not change (a stale message
 * ignored), else a new one that shares with the old snapshot each list that is unchanged. States
 * are kept by the thousand: what is shared is neither kept twice nor fingerprinted again.
 */
function slotAfter(before: UpNode, after: NodeSnapshot): UpNode {
  const b = before.snap;
  const log = sameList(after.log, b.log, sameValue) ? b.log : after.log;
  const votes = sameList(after.votes, b.votes, sameValue) ? b.votes : after.votes;
  const nextIndex = sameList(after.nextIndex, b.nextIndex, samePair) ? b.nextIndex : after.nextIndex;
  const matchIndex = sameList(after.matchIndex, b.matchIndex, samePair) ? b.matchIndex : after.matchIndex;
  const pending = sameList(after.pending, b.pending, samePending) ? b.pending : after.pending;
  if (after.state === b.state && after.role === b.role && after.term === b.term && after.votedFor === b.votedFor && after.commitIndex === b.commitIndex &&
    after.lastApplied === b.lastApplied && after.value === b.value && after.leaderId === b.leaderId &&
    log === b.log && votes === b.votes && nextIndex === b.nextIndex && matchIndex === b.matchIndex && pending === b.pending) return before;
  return { up: true, snap: { ...after, log, votes, nextIndex, matchIndex, pending }, fp: undefined, fps: undefined };
}

function insert(bag: Flight[], flight: Flight): void {
  let i = bag.length;
  while (i > 0 && bag[i - 1]!.key > flight.key) i--;
  bag.splice(i, 0, flight);
}

function removeOne(bag: Flight[], key: string): void {
  const i = bag.findIndex((f) => f.key === key);
  if (i < 0) throw new Error(`no message ${key} in flight`);
  bag.splice(i, 1);
}

/** What a step is building (the next state's slots, its lines, the messages sent), passed to `stepNode`. */
interface StepWork {
  nodes: NodeSlot[];
  lines: StepLine[];
  sent: Flight[];
  deviated: boolean;
}

/** Steps server `k` (up) with `input`, logging `line` first. */
function stepNode(model: ExploreModel, work: StepWork, k: number, input: NodeInput, line: Record<string, unknown>, flightKey?: string): void {
  const id = model.ids[k]!;
  const slot = work.nodes[k]!;
  if (!slot.up) throw new Error(`${id} is down`);
  const event = nodeLine(String(line.kind), id, line, summaryOf(slot.snap));
  work.lines.push(flightKey !== undefined ? { event, flightKey } : { event });
  const node = resume(model, id, slot.snap);
  const records = node.step(input);
  const after = node.snapshot();
  if (model.compareWithReference) {
    const ref = resume(model, id, slot.snap, true);
    const refRecords = ref.step(input);
    if (outcomeKey(records, after) !== outcomeKey(refRecords, ref.snapshot())) work.deviated = true;
  }
  effectLines(id, records, work.lines, work.sent);
  work.nodes[k] = slotAfter(slot, after);
}

/** Applies `action` (enabled in `s`) and returns the next state and the step's lines. */
export function applyAction(model: ExploreModel, s: Omit<ExploreState, 'history'>, action: Action): StepResult {
  const nodes: NodeSlot[] = [...s.nodes];
  const bag: Flight[] = [...s.bag];
  const lines: StepLine[] = [];
  const sent: Flight[] = [];
  let { crashes, clientOps } = s;

  const work: StepWork = { nodes, lines, sent, deviated: false };

  switch (action.type) {
    case 'timeout':
      stepNode(model, work, action.node, { type: 'timeout', timer: action.timer }, { kind: 'timeout', timer: action.timer });
      break;
    case 'deliver': {
      removeOne(bag, action.flight.key);
      const msg = withId(action.flight.msg);
      stepNode(model, work, model.ids.indexOf(msg.to), { type: 'receive', msg }, { kind: 'receive', msg }, action.flight.key);
      break;
    }
    case 'drop':
      removeOne(bag, action.flight.key);
      lines.push({ event: { kind: 'drop', seq: 0, time: 0, msgId: '-', reason: 'loss' } as TraceEvent, flightKey: action.flight.key });
      break;
    case 'duplicate':
      insert(bag, action.flight);
      lines.push({ event: { kind: 'duplicate', seq: 0, time: 0, msgId: '-' } as TraceEvent, flightKey: action.flight.key });
      break;
    case 'crash': {
      const slot = nodes[action.node]!;
      if (!slot.up) throw new Error('crash of a down node');
      const { term, votedFor, log } = slot.snap;
      nodes[action.node] = { up: false, persisted: { term, votedFor, log: [...log] }, fp: undefined, fps: undefined };
      crashes++;
      lines.push({ event: nodeLine('crash', model.ids[action.node]!, {}, null) });
      break;
    }
    case 'restart': {
      const slot = nodes[action.node]!;
      if (slot.up) throw new Error('restart of a running node');
      const id = model.ids[action.node]!;
      const node = restartNode(model, id, slot.persisted);
      const view = node.view();
      lines.push({ event: nodeLine('restart', id, { persisted: slot.persisted }, view) });
      const records = node.start();
      const after = node.snapshot();
      if (model.compareWithReference) {
        const ref = restartNode(model, id, slot.persisted, true);
        const refView = ref.view();
        const refRecords = ref.start();
        if (outcomeKey(records, after) !== outcomeKey(refRecords, ref.snapshot()) || JSON.stringify(toNodeState(view)) !== JSON.stringify(toNodeState(refView))) work.deviated = true;
      }
      effectLines(id, records, lines, sent);
      nodes[action.node] = { up: true, snap: after, fp: undefined, fps: undefined };
      break;
    }
    case 'client': {
      clientOps++;
      const requestId = clientOps;
      stepNode(model, work, action.node, { type: 'client_request', client: CLIENT, requestId, op: action.op }, { kind: 'client_request', client: CLIENT, requestId, op: action.op });
      break;
    }
  }
  for (const f of sent) insert(bag, f);
  return { next: { nodes, bag, crashes, clientOps, diverged: s.diverged || work.deviated }, lines, deviated: work.deviated };
}

/** The initial state: every server started afresh (followers of term 0, election timers armed), nothing in flight. */
export function initialState(model: ExploreModel): { state: Omit<ExploreState, 'history'>; lines: StepLine[] } {
  const nodes: NodeSlot[] = [];
  const lines: StepLine[] = [];
  const sent: Flight[] = [];
  for (const id of model.ids) {
    const node = asReference(model.createNode(config(model, id), { random, engine: 'interpreter' }), model.impl);
    effectLines(id, node.start(), lines, sent);
    nodes.push({ up: true, snap: node.snapshot(), fp: undefined, fps: undefined });
  }
  const bag: Flight[] = [];
  for (const f of sent) insert(bag, f);
  return { state: { nodes, bag, crashes: 0, clientOps: 0, diverged: false }, lines };
}
