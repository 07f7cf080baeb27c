/**
 * The trace viewer's data: everything the page draws, computed here (and unit-tested) so that
 * the page script only looks things up. One streaming pass feeds each line both to the
 * checker (for the verdict, and for the statechart transition that explains each node step:
 * the conformance shadows report them) and to the builder below.
 *
 * The model is columnar and deduplicated to stay small inside a 100,000-event HTML file:
 * per event a handful of small integers (line and time as deltas), with texts, node states
 * and messages in shared tables.
 */
import path from 'node:path';
import { describeStatechart, transitionLabel } from '../../src/raft/diagram.js';
import { transitionRows } from '../../src/raft/transitions.js';
import type { Entry, Header, Message, NodeState, RegisterState, TraceEvent, TraceLine } from '../../src/trace/schema.js';
import { describeOperation } from '../checker/linearizability/history.js';
import { readTraceFile, type LocatedError } from '../trace/reader.js';
import { TraceValidation, type FileReport } from '../validate/validate-file.js';
import { describeEvent, describeMessage, shortMessage } from './describe.js';

export const VIEW_MODEL_VERSION = 1;

/** A node's state after an event: role (or `crashed`), term, votedFor, commitIndex, lastApplied, lastLogIndex, lastLogTerm, value. */
export type StateTuple = [role: string, term: number, votedFor: string | null, commitIndex: number, lastApplied: number, lastLogIndex: number, lastLogTerm: number, value: RegisterState];

/** Message kinds as the viewer filters them: heartbeats (AppendEntries without entries) apart, as they dominate long traces. */
export const MESSAGE_TYPES = ['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse', 'heartbeat', 'PreVote', 'PreVoteResponse', 'TimeoutNow', 'InstallSnapshot', 'InstallSnapshotResponse'] as const;
const HEARTBEAT = MESSAGE_TYPES.indexOf('heartbeat');

/** The colour class of a message: feature heartbeat's messages are drawn as heartbeats and their answers. */
function messageTypeIndex(msg: Message): number {
  if (msg.type === 'Heartbeat' || (msg.type === 'AppendEntries' && msg.entries.length === 0)) return HEARTBEAT;
  if (msg.type === 'HeartbeatResponse') return MESSAGE_TYPES.indexOf('AppendEntriesResponse');
  return MESSAGE_TYPES.indexOf(msg.type);
}

export interface ViewError {
  line: number;
  rule: string;
  path: string;
  message: string;
  expected?: string;
  seen?: string;
  /** The event shown for it: the event on that line, or the last one before it. */
  event: number;
  /** False when the line itself is not an event the viewer could draw (unparsable, the header). */
  exact: boolean;
}

export interface ViewModel {
  version: typeof VIEW_MODEL_VERSION;
  title: string;
  producer: string;
  seed: string | null;
  /** Lanes: the header's nodes, then any undeclared id the trace uses. */
  nodes: string[];
  kinds: string[];
  events: {
    /** Line numbers as deltas (the first is absolute). */
    line: number[];
    /** Times in ms as deltas from the previous event (notes without a time repeat it). */
    time: number[];
    /** Lane index; -1 for network events. */
    node: number[];
    kind: number[];
    /** Index into `texts`; -1 when the message says it all. */
    text: number[];
    /** Index into `messages`; -1 when none. */
    msg: number[];
    /** Index into `states`: the node's state after the event; -1 for network events. */
    state: number[];
  };
  texts: string[];
  states: StateTuple[];
  messageTypes: readonly string[];
  messages: {
    type: number[];
    from: number[];
    to: number[];
    text: number[];
    /** Index into `texts`: a few characters drawn beside the send. */
    short: number[];
    /** Event index of the send, first receive and drop (-1 when none). */
    send: number[];
    recv: number[];
    drop: number[];
  };
  /** Further receives of duplicated messages, flat: message, event, message, event, … */
  extraReceives: number[];
  /** Per lane, log entries flat: index, term, text, added at event, removed at event (-1: still there), … */
  logs: number[][];
  /** The statechart's transitions, in describeStatechart() order. */
  transitions: Array<{ from: string; to: string; label: string }>;
  /** Transitions the reference took for a node's step, flat: event, count, transition…, event, count, … */
  steps: number[];
  /** `skipped`: the rules the trace's header declares do not apply (its run did not check them), with their reasons. */
  verdict: { valid: boolean; errorCount: number; unconstrained: boolean; errors: ViewError[]; skipped: Array<{ rule: string; reason: string }> };
  /** The event the page opens on: the first violating one, else the first. */
  focus: number;
}

/** A trace that cannot be drawn at all (no usable header). */
export class UndrawableTraceError extends Error {
  override name = 'UndrawableTraceError';
}

const LOG_FIELDS = 5;

interface Lane {
  state: StateTuple;
  /** Index of `state` in the model's states (-1 before the lane's first event). */
  stateIndex: number;
  /** Entry slots of the live log (slot = position in the lane's flat list / LOG_FIELDS), entry 1 first. */
  live: number[];
  flat: number[];
}

/**
 * Where a text or state already is in its table, among those added lately. Repeats in a
 * trace are near each other (five nodes apply the same entry within milliseconds), so a small
 * index finds nearly all of them, and a small index stays fast: one over every text of a
 * million-event trace costs more than the rest of the model (hash tables of that size miss the
 * processor's caches). A repeat found no more is stored again: the report is a little larger.
 */
class RecentIndex {
  private map = new Map<string, number>();

  get(key: string): number | undefined {
    return this.map.get(key);
  }

  set(key: string, index: number): void {
    if (this.map.size >= RECENT) this.map = new Map();
    this.map.set(key, index);
  }
}

const RECENT = 1 << 14;

/** The kinds whose own fields change what a lane shows (role, term, vote, log, commit, apply, crash). */
const STATEFUL_KINDS: ReadonlySet<string> = new Set(['role', 'term', 'vote', 'append', 'truncate', 'commit', 'apply', 'crash', 'restart']);

/** Whether a logged state (without a log) says nothing the tuple does not already hold. */
function agrees(s: StateTuple, logged: NodeState): boolean {
  return (logged.role === undefined || logged.role === s[0]) && (logged.term === undefined || logged.term === s[1]) &&
    (logged.votedFor === undefined || logged.votedFor === s[2]) && (logged.commitIndex === undefined || logged.commitIndex === s[3]) &&
    (logged.lastApplied === undefined || logged.lastApplied === s[4]) && (logged.lastLogIndex === undefined || logged.lastLogIndex === s[5]) &&
    (logged.lastLogTerm === undefined || logged.lastLogTerm === s[6]) && (logged.value === undefined || logged.value === s[7]);
}

function sameState(a: StateTuple, b: StateTuple): boolean {
  if (a === b) return true;
  for (let k = 0; k < 7; k++) if (a[k] !== b[k]) return false;
  return a[7] === b[7] || JSON.stringify(a[7]) === JSON.stringify(b[7]); // the value may be any JSON
}

function initialState(): StateTuple {
  return ['follower', 0, null, 0, 0, 0, 0, null];
}

/** Builds the model from typed lines, in file order. */
export class ViewModelBuilder {
  private header: Header | null = null;
  private readonly nodes: string[] = [];
  private readonly lanes: Lane[] = [];
  private readonly laneOf = new Map<string, number>();
  private readonly kinds: string[] = [];
  private readonly kindOf = new Map<string, number>();
  private readonly texts: string[] = [];
  private readonly textOf = new RecentIndex();
  private readonly states: StateTuple[] = [];
  private readonly stateOf = new RecentIndex();
  private readonly events: ViewModel['events'] = { line: [], time: [], node: [], kind: [], text: [], msg: [], state: [] };
  private readonly messages: ViewModel['messages'] = { type: [], from: [], to: [], text: [], short: [], send: [], recv: [], drop: [] };
  private readonly messageOf = new Map<string, number>();
  private readonly extraReceives: number[] = [];
  /** Transitions per event, flat and in event order: event, count, rows…, event, count, … */
  private readonly steps: number[] = [];
  /** Where the last event's count is in `steps` (-1: that event has none yet). */
  private stepCountAt = -1;
  private stepEvent = -1;
  /** Absolute lines of the events, for locating errors. */
  readonly lines: number[] = [];
  private lastLine = 0;
  private lastTime = 0;

  get count(): number {
    return this.lines.length;
  }

  line(value: TraceLine, lineNo: number): void {
    if (value.kind === 'header') {
      if (this.header) return;
      this.header = value;
      for (const id of value.nodes) this.lane(id);
      return;
    }
    if (!this.header) return; // before the header: nothing to place it in
    this.event(value, lineNo);
  }

  /** Records that the statechart transition `row` explains a step of the event on `lineNo`. */
  transition(lineNo: number, row: number): void {
    const i = this.lines.length - 1;
    if (i < 0 || this.lines[i] !== lineNo || row < 0) return;
    // Transitions come for the newest event only, so the table is built in order, flat.
    if (this.stepEvent !== i) {
      this.stepEvent = i;
      this.stepCountAt = this.steps.length + 1;
      this.steps.push(i, 0);
    }
    this.steps[this.stepCountAt]!++;
    this.steps.push(row);
  }

  private lane(id: string): number {
    let i = this.laneOf.get(id);
    if (i === undefined) {
      i = this.nodes.length;
      this.nodes.push(id);
      this.lanes.push({ state: initialState(), stateIndex: -1, live: [], flat: [] });
      this.laneOf.set(id, i);
    }
    return i;
  }

  private intern<T>(table: T[], index: Map<string, number> | RecentIndex, key: string, value: T): number {
    let i = index.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(value);
      index.set(key, i);
    }
    return i;
  }

  private text(s: string | null): number {
    return s === null ? -1 : this.intern(this.texts, this.textOf, s, s);
  }

  private event(e: TraceEvent, lineNo: number): void {
    const i = this.lines.length;
    const time = 'time' in e && e.time !== undefined ? e.time : this.lastTime;
    const nodeId = 'node' in e ? e.node : undefined;
    const lane = nodeId !== undefined ? this.lane(nodeId) : -1;
    this.lines.push(lineNo);
    this.events.line.push(lineNo - this.lastLine);
    this.events.time.push(time - this.lastTime);
    this.events.node.push(lane);
    this.events.kind.push(this.intern(this.kinds, this.kindOf, e.kind, e.kind));
    this.events.text.push(this.text(describeEvent(e)));
    this.events.msg.push(this.message(e, i));
    this.lastLine = lineNo;
    this.lastTime = time;
    if (lane < 0) {
      this.events.state.push(-1);
      return;
    }
    const l = this.lanes[lane]!;
    const before = l.state;
    const state = this.fold(l, e, i);
    // Most events (messages, timeouts) change no field: the lane's state is reused as it is.
    if (l.stateIndex < 0 || !sameState(before, state)) l.stateIndex = this.intern(this.states, this.stateOf, JSON.stringify(state), state);
    this.events.state.push(l.stateIndex);
  }

  private message(e: TraceEvent, i: number): number {
    const m = this.messages;
    switch (e.kind) {
      case 'send': {
        if (this.messageOf.has(e.msg.id)) return this.messageOf.get(e.msg.id)!; // a re-send under the same id (a schema error): drawn once
        const k = m.send.length;
        m.type.push(messageTypeIndex(e.msg));
        m.from.push(this.lane(e.msg.from));
        m.to.push(this.lane(e.msg.to));
        m.text.push(this.text(describeMessage(e.msg)));
        m.short.push(this.text(shortMessage(e.msg)));
        m.send.push(i);
        m.recv.push(-1);
        m.drop.push(-1);
        this.messageOf.set(e.msg.id, k);
        return k;
      }
      case 'receive': {
        const k = this.messageOf.get(e.msg.id);
        if (k === undefined) return -1;
        if (m.recv[k] === -1) m.recv[k] = i;
        else this.extraReceives.push(k, i);
        return k;
      }
      case 'drop':
      case 'duplicate': {
        const k = this.messageOf.get(e.msgId);
        if (k === undefined) return -1;
        if (e.kind === 'drop' && m.drop[k] === -1) m.drop[k] = i;
        return k;
      }
      default:
        return -1;
    }
  }

  /** The node's state after the event: what the event changes, then whatever state it logs. */
  private fold(lane: Lane, e: TraceEvent, i: number): StateTuple {
    // Messages, timers and client events change nothing the lane shows, unless they log a
    // state that differs: then the lane's state is shared, not copied (most events).
    if (!STATEFUL_KINDS.has(e.kind)) {
      const logged = 'state' in e ? (e.state as NodeState | undefined) : undefined;
      if (logged === undefined || (logged.log === undefined && agrees(lane.state, logged))) return lane.state;
    }
    const s: StateTuple = [...lane.state];
    switch (e.kind) {
      case 'role':
        s[0] = e.role;
        break;
      case 'term':
        s[1] = e.term;
        s[2] = null;
        break;
      case 'vote':
        s[2] = e.votedFor;
        break;
      case 'append':
        this.truncateLog(lane, e.index, i);
        this.appendLog(lane, e.index, e.entries, i);
        break;
      case 'truncate':
        this.truncateLog(lane, e.fromIndex, i);
        break;
      case 'commit':
        s[3] = e.commitIndex;
        break;
      case 'apply':
        s[4] = e.index;
        if (e.value !== undefined) s[7] = e.value;
        break;
      case 'crash':
        s[0] = 'crashed';
        break;
      case 'restart':
        s[0] = 'follower';
        s[3] = 0;
        s[4] = 0;
        s[7] = null;
        if (e.persisted) {
          s[1] = e.persisted.term;
          s[2] = e.persisted.votedFor;
          this.replaceLog(lane, e.persisted.log, i);
        }
        break;
      default:
        break;
    }
    if (e.kind === 'append' || e.kind === 'truncate' || e.kind === 'restart') this.logPosition(lane, s);
    const logged = 'state' in e ? (e.state as NodeState | undefined) : undefined;
    if (logged) {
      if (logged.log) {
        this.replaceLog(lane, logged.log, i);
        this.logPosition(lane, s);
      }
      if (logged.role !== undefined) s[0] = logged.role;
      if (logged.term !== undefined) s[1] = logged.term;
      if (logged.votedFor !== undefined) s[2] = logged.votedFor;
      if (logged.commitIndex !== undefined) s[3] = logged.commitIndex;
      if (logged.lastApplied !== undefined) s[4] = logged.lastApplied;
      if (logged.lastLogIndex !== undefined) s[5] = logged.lastLogIndex;
      if (logged.lastLogTerm !== undefined) s[6] = logged.lastLogTerm;
      if (logged.value !== undefined) s[7] = logged.value;
    }
    lane.state = s;
    return s;
  }

  private logPosition(lane: Lane, s: StateTuple): void {
    const last = lane.live.at(-1);
    s[5] = last === undefined ? 0 : lane.flat[last * LOG_FIELDS]!;
    s[6] = last === undefined ? 0 : lane.flat[last * LOG_FIELDS + 1]!;
  }

  private appendLog(lane: Lane, index: number, entries: readonly Entry[], i: number): void {
    entries.forEach((entry, k) => {
      const slot = lane.flat.length / LOG_FIELDS;
      lane.flat.push(index + k, entry.term, this.text(describeOperation(entry.command)), i, -1);
      lane.live.push(slot);
    });
  }

  /** Removes the entries from `fromIndex` on (also before an append over them, if no truncate was logged). */
  private truncateLog(lane: Lane, fromIndex: number, i: number): void {
    while (lane.live.length > 0 && lane.flat[lane.live.at(-1)! * LOG_FIELDS]! >= fromIndex) lane.flat[lane.live.pop()! * LOG_FIELDS + 4] = i;
  }

  private replaceLog(lane: Lane, log: readonly Entry[], i: number): void {
    const same = log.length === lane.live.length && log.every((x, k) => {
      const at = lane.live[k]! * LOG_FIELDS;
      return lane.flat[at + 1] === x.term && this.texts[lane.flat[at + 2]!] === describeOperation(x.command);
    });
    if (same) return;
    this.truncateLog(lane, 1, i);
    this.appendLog(lane, 1, log, i);
  }

  /** Where an error points: the event on its line, or the last one before it. */
  locate(line: number): { event: number; exact: boolean } {
    let lo = 0;
    let hi = this.lines.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid]! <= line) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return { event: Math.max(found, 0), exact: found >= 0 && this.lines[found] === line };
  }

  finish(title: string, report: FileReport): ViewModel {
    if (!this.header) throw new UndrawableTraceError('no header');
    const diagram = describeStatechart();
    const steps = this.steps;
    const errors: ViewError[] = [...report.errors]
      .sort((a, b) => a.line - b.line)
      .map((e) => ({
        line: e.line, rule: e.rule, path: e.path, message: e.message,
        ...(e.expected !== undefined ? { expected: e.expected } : {}), ...(e.seen !== undefined ? { seen: e.seen } : {}),
        ...this.locate(e.line),
      }));
    const violation = errors.find((e) => e.rule !== 'unconstrained');
    return {
      version: VIEW_MODEL_VERSION,
      title,
      producer: `${this.header.producer.name} ${this.header.producer.version}`.trim(),
      seed: this.header.seed !== undefined ? String(this.header.seed) : null,
      nodes: this.nodes,
      kinds: this.kinds,
      events: this.events,
      texts: this.texts,
      states: this.states,
      messageTypes: MESSAGE_TYPES,
      messages: this.messages,
      extraReceives: this.extraReceives,
      logs: this.lanes.map((l) => l.flat),
      transitions: diagram.transitions.map((t) => ({ from: t.from, to: t.to ?? t.from, label: transitionLabel(t) })),
      steps,
      verdict: { valid: report.valid, errorCount: report.errorCount, unconstrained: report.unconstrained, errors, skipped: report.skipped ?? [] },
      focus: violation ? violation.event : 0,
    };
  }
}

export interface BuildOptions {
  /** Shown as the page title (default: the file's name). */
  title?: string;
  /** Errors listed in the verdict (default 20). */
  maxErrors?: number;
  /** Check the rules the header's skipRules leaves out too (by default the report judges as the trace's run did). */
  allRules?: boolean;
  /** Longest accepted line (default 4 MiB): a longer one throws LineTooLongError. */
  maxLineBytes?: number;
  /** Called as the file is read (bytes read, file size). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Reads, checks and models a trace file; throws UndrawableTraceError (one line, with file and
 * line) when it has no usable header, LineTooLongError at a line over the limit.
 */
export function buildViewModel(file: string, options: BuildOptions = {}): ViewModel {
  const builder = new ViewModelBuilder();
  const rowOf = transitionRows(describeStatechart());
  const validation = new TraceValidation({ maxErrors: options.maxErrors ?? 20, ...(options.allRules ? { allRules: true } : {}), onTransition: (_node, line, t) => builder.transition(line, rowOf(t)) });
  let firstError: LocatedError | null = null;
  const io = readTraceFile(file, {
    // The builder first: the checker's transitions for this line then attach to its event.
    line(value, lineNo) {
      builder.line(value, lineNo);
      validation.line(value, lineNo);
    },
    error(e) {
      firstError ??= e;
      validation.error(e);
    },
  }, { ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const report = validation.finish(file, io);
  try {
    return builder.finish(options.title ?? path.basename(file), report);
  } catch (error) {
    if (!(error instanceof UndrawableTraceError)) throw error;
    const e = (firstError as LocatedError | null) ?? { line: 1, path: '/', message: 'no header line', rule: 'schema.header' };
    throw new UndrawableTraceError(`${file}:${e.line}: ${e.path !== '/' ? `${e.path}: ` : ''}${e.message} [${e.rule}]: cannot draw a trace without its header`);
  }
}
