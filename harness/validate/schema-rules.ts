/**
 * The structural rules of a trace beyond each line's shape, checked on the same streaming pass:
 * the header comes first and once, node ids are declared, sequence numbers increase per
 * source, every receive matches an earlier send of the same message, and a crashed node logs
 * nothing until it restarts.
 */
import type { Header, Message, TraceEvent, TraceLine } from '../../src/trace/schema.js';
import type { LocatedError } from '../trace/reader.js';
import { FifoWindow } from './fifo-window.js';

export const SCHEMA_RULES = [
  { id: 'schema.parse', statement: 'Every line is one complete JSON object in valid UTF-8 (a line over the length limit is not read: an input error, exit 2).' },
  { id: 'schema.shape', statement: 'Every line conforms to spec/trace.schema.json (closed objects: unknown fields are errors).' },
  { id: 'schema.header', statement: 'The first line is the header, and there is exactly one header; the rules its skipRules names are rules raftcheck knows; a feature it declares that needs another (`config-on-apply`: `membership`) comes with it.' },
  { id: 'schema.node-id', statement: 'Every node id used in an event is declared in the header; a send is logged by its sender and a receive by its receiver.' },
  { id: 'schema.seq', statement: 'Sequence numbers strictly increase per node, and separately for network events (drop, duplicate, partition, heal).' },
  { id: 'schema.receive-unmatched', statement: 'Every receive matches an earlier send with the same message id and identical content; one id is never sent with two contents.' },
  { id: 'schema.crashed-node', statement: 'A crashed node logs nothing until it restarts: after a node\'s `crash`, its next event (notes aside) is its `restart`.' },
] as const;

type Report = (error: LocatedError) => void;

/**
 * Memory bounds: a message is remembered until received or dropped (then for a while, in
 * case the network duplicates it). Past these counts the oldest are forgotten, so memory stays flat on
 * any trace length; a receive whose send is further back than that is reported unmatched.
 */
export const MAX_UNRECEIVED = 1_000_000;
export const MAX_RECEIVED = 4_096;

function remember(map: Map<string, Message>, id: string, msg: Message, cap: number): void {
  map.set(id, msg);
  if (map.size > cap) map.delete(map.keys().next().value as string);
}

/** The network's own event stream for `seq` ordering. */
const NETWORK = '\u0000network';

export class SchemaRules {
  header: Header | null = null;
  private nodes = new Set<string>();
  private readonly lastSeq = new Map<string, number>();
  /** Messages sent and not yet received; then received ones, for duplicate deliveries. Both bounded. */
  private readonly sent = new Map<string, Message>();
  private readonly received = new FifoWindow<Message>(MAX_RECEIVED);
  /** Nodes that crashed and have not restarted, with the line of their crash. */
  private readonly crashed = new Map<string, number>();
  events = 0;

  constructor(private readonly report: Report) {}

  /** Messages remembered as sent and neither received nor dropped (what memory holds). */
  get inFlight(): number {
    return this.sent.size;
  }

  private fail(line: number, rule: string, path: string, message: string): void {
    this.report({ line, rule, path, message });
  }

  /** Feeds one schema-valid line. Returns the event when it may go on to the semantic checks. */
  line(value: TraceLine, line: number): TraceEvent | null {
    if (value.kind === 'header') {
      if (this.header || line !== 1) {
        this.fail(line, 'schema.header', '/kind', this.header ? 'a second header (a trace has exactly one, on line 1)' : 'the header must be the first line');
        return null;
      }
      this.header = value;
      this.nodes = new Set(value.nodes);
      return null;
    }
    if (!this.header) {
      if (line === 1) this.fail(line, 'schema.header', '/kind', `the first line must be the header, got a '${value.kind}' event`);
      return null;
    }
    this.events++;
    // The crash check comes last: a send of a crashed node is still remembered, so its receive
    // is not reported a second time, as unmatched.
    const ok = this.checkNodeIds(value, line) && this.checkSeq(value, line) && this.checkMessage(value, line) && this.checkCrashed(value, line);
    return ok ? value : null;
  }

  /**
   * A crashed node does nothing until its restart (volatile state lost, no timers, no
   * messages): an event it logs in between would otherwise be checked against a node that no
   * longer exists, or skipped by every layer.
   */
  private checkCrashed(e: TraceEvent, line: number): boolean {
    if (!('node' in e) || e.node === undefined || e.kind === 'note') return true;
    const crashedAt = this.crashed.get(e.node);
    if (crashedAt === undefined) {
      if (e.kind === 'crash') this.crashed.set(e.node, line);
      return true;
    }
    if (e.kind === 'restart') {
      this.crashed.delete(e.node);
      return true;
    }
    this.fail(line, 'schema.crashed-node', '/kind', `${e.node} logged a '${e.kind}' event while crashed (crash on line ${crashedAt}, no restart since)`);
    return false;
  }

  private known(id: string | null | undefined, line: number, path: string): boolean {
    if (id === null || id === undefined || this.nodes.has(id)) return true;
    this.fail(line, 'schema.node-id', path, `node ${JSON.stringify(id)} is not declared in the header (nodes: ${[...this.nodes].join(', ')})`);
    return false;
  }

  private checkNodeIds(e: TraceEvent, line: number): boolean {
    if ('node' in e && !this.known(e.node, line, '/node')) return false;
    if ('state' in e && e.state && !this.known(e.state.votedFor, line, '/state/votedFor')) return false;
    switch (e.kind) {
      case 'send':
      case 'receive': {
        const m = e.msg;
        if (!this.known(m.from, line, '/msg/from') || !this.known(m.to, line, '/msg/to')) return false;
        if (m.type === 'RequestVote' && !this.known(m.candidateId, line, '/msg/candidateId')) return false;
        if (m.type === 'AppendEntries' && !this.known(m.leaderId, line, '/msg/leaderId')) return false;
        if (e.kind === 'send' && m.from !== e.node) return this.mismatch(line, '/msg/from', `a send is logged by its sender: msg.from is ${m.from}, the event's node is ${e.node}`);
        if (e.kind === 'receive' && m.to !== e.node) return this.mismatch(line, '/msg/to', `a receive is logged by its receiver: msg.to is ${m.to}, the event's node is ${e.node}`);
        return true;
      }
      case 'vote':
        return this.known(e.votedFor, line, '/votedFor');
      case 'client_response':
        return e.result.status !== 'not_leader' || this.known(e.result.leaderHint, line, '/result/leaderHint');
      case 'restart':
        return !e.persisted || this.known(e.persisted.votedFor, line, '/persisted/votedFor');
      case 'partition': {
        const groups = e.groups ?? [];
        for (const [g, group] of groups.entries()) for (const [k, id] of group.entries()) if (!this.known(id, line, `/groups/${g}/${k}`)) return false;
        for (const [k, link] of (e.blocked ?? []).entries()) if (!this.known(link.from, line, `/blocked/${k}/from`) || !this.known(link.to, line, `/blocked/${k}/to`)) return false;
        return true;
      }
      default:
        return true;
    }
  }

  private mismatch(line: number, path: string, message: string): false {
    this.fail(line, 'schema.node-id', path, message);
    return false;
  }

  private checkSeq(e: TraceEvent, line: number): boolean {
    if (e.seq === undefined) return true; // only notes may omit it
    const source = 'node' in e && e.node !== undefined ? e.node : NETWORK;
    const last = this.lastSeq.get(source);
    this.lastSeq.set(source, e.seq);
    if (last !== undefined && e.seq <= last) {
      const who = source === NETWORK ? 'the network stream' : `node ${source}`;
      this.fail(line, 'schema.seq', '/seq', `sequence number ${e.seq} of ${who} does not increase (the previous was ${last})`);
      return false;
    }
    return true;
  }

  private checkMessage(e: TraceEvent, line: number): boolean {
    if (e.kind === 'send') {
      const earlier = this.sent.get(e.msg.id) ?? this.received.get(e.msg.id);
      if (earlier && !jsonEqual(earlier, e.msg)) {
        this.fail(line, 'schema.receive-unmatched', '/msg/id', `message id ${JSON.stringify(e.msg.id)} was already sent with different content`);
        return false;
      }
      if (!earlier) remember(this.sent, e.msg.id, e.msg, MAX_UNRECEIVED);
      return true;
    }
    if (e.kind === 'receive') {
      const sent = this.sent.get(e.msg.id) ?? this.received.get(e.msg.id);
      if (!sent) {
        this.fail(line, 'schema.receive-unmatched', '/msg/id', `receive of message ${JSON.stringify(e.msg.id)}, which no earlier send carries`);
        return false;
      }
      if (!jsonEqual(sent, e.msg)) {
        const field = firstDifference(sent, e.msg);
        this.fail(line, 'schema.receive-unmatched', `/msg/${field}`, `differs from the send of message ${JSON.stringify(e.msg.id)}`);
        return false;
      }
      if (this.sent.delete(e.msg.id)) this.received.add(e.msg.id, sent);
    }
    if (e.kind === 'drop') {
      // A lost message is never received: forget it like a received one (a duplicate copy
      // still in flight is matched from the received window). Without this, every loss
      // stayed in memory to the end of the trace.
      const sent = this.sent.get(e.msgId);
      if (sent && this.sent.delete(e.msgId)) this.received.add(e.msgId, sent);
    }
    return true;
  }
}

/**
 * Equality of two parsed JSON values (a hot path: every receive is compared with its send).
 * Values come from JSON.parse and the schema bounds their depth, so plain recursion is safe.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    count++;
    if (!(k in bo) || !jsonEqual(ao[k], bo[k])) return false;
  }
  for (const _ in bo) count--;
  return count === 0;
}

function firstDifference(a: Message, b: Message): string {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return k;
  return '';
}
