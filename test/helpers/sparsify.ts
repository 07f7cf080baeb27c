/**
 * What spec/TRACE_FORMAT.md ("What a trace may leave out") lets a producer leave out, as trace
 * transformations: each takes a valid trace to one that another producer could have written
 * for the same run, so it must stay valid. Each names the row of that table it relies on.
 * `sparsify` applies a random selection of them, with random strengths.
 */
import type { Random } from '../../src/random.js';
import type { Message, NodeState, TraceLine } from '../../src/trace/schema.js';

type Line = TraceLine;
export type Omission = (lines: readonly Line[], random: Random) => Line[];

const STATE_FIELDS = ['role', 'term', 'votedFor', 'commitIndex', 'lastApplied', 'lastLogIndex', 'lastLogTerm', 'log', 'value'] as const;
const NETWORK_KINDS = new Set(['drop', 'duplicate', 'partition', 'heal']);
/** State changes a producer logs per node and per kind, all or none. */
const KINDS_PER_NODE = ['term', 'role', 'vote', 'append'] as const;
/** Feature membership's kind of state change, drawn only for its traces (the others keep their random stream). */
const hasMembership = (lines: readonly Line[]): boolean => lines[0]?.kind === 'header' && (lines[0].features ?? []).includes('membership');

const FEATURE_TIMERS = ['lease', 'quorum', 'transfer'] as const;
const hasFeatures = (lines: readonly Line[]): boolean => lines[0]?.kind === 'header' && (lines[0].features?.length ?? 0) > 0;
const nodeOf = (l: Line): string | undefined => ('node' in l && typeof l.node === 'string' ? l.node : undefined);
const nodesOf = (lines: readonly Line[]): string[] => (lines[0]?.kind === 'header' ? lines[0].nodes : []);

function without<T extends object>(value: T, ...keys: string[]): T {
  const copy = { ...value } as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as T;
}

/** The lines with each node event's state changed by `f` (undefined: no state). */
function mapState(lines: readonly Line[], f: (state: NodeState) => NodeState | undefined): Line[] {
  return lines.map((l) => {
    if (!('state' in l) || l.state === undefined) return l;
    const state = f(l.state);
    return (state === undefined || Object.keys(state).length === 0 ? without(l, 'state') : { ...l, state }) as Line;
  });
}

/** The messages with `f` applied to each, in the send and in every receive alike (they must stay identical). */
function mapMessages(lines: readonly Line[], f: (msg: Message) => Message): Line[] {
  const changed = new Map<string, Message>();
  return lines.map((l) => {
    if (l.kind !== 'send' && l.kind !== 'receive') return l;
    let msg = changed.get(l.msg.id);
    if (!msg) {
      msg = f(l.msg);
      changed.set(l.msg.id, msg);
    }
    return { ...l, msg } as Line;
  });
}

export const OMISSIONS: Record<string, Omission> = {
  /** Any `state` field, on any event, each independently. */
  stateFields(lines, random) {
    const p = random.next();
    return mapState(lines, (s) => without(s, ...STATE_FIELDS.filter(() => random.chance(p))));
  },
  /** Optional fields: an apply's value and result, a response's matchIndex and conflict hints, a drop's reason, a restart's persisted state, the header's params, seed and meta. */
  optionalFields(lines, random) {
    const p = random.next();
    const out = lines.map((l) => {
      // The initial configuration (feature membership) is not optional: absent, every node is a voter.
      if (l.kind === 'header') return random.chance(p) ? keepConfiguration(l, without(l, 'params', 'seed', 'meta')) : l;
      if (l.kind === 'apply') return without(l, ...['value', 'result'].filter(() => random.chance(p)));
      if (l.kind === 'drop' && random.chance(p)) return without(l, 'reason');
      if (l.kind === 'restart' && random.chance(p)) return without(l, 'persisted');
      return l;
    });
    return mapMessages(out, (m) => (m.type === 'AppendEntriesResponse' ? without(m, ...['matchIndex', 'conflictIndex', 'conflictTerm'].filter(() => random.chance(p))) : m));
  },
  /** `note`, `drop`, `duplicate`, `partition`, `heal`: any of them. */
  networkAndNotes(lines, random) {
    const p = random.next();
    return lines.filter((l) => !((l.kind === 'note' || NETWORK_KINDS.has(l.kind)) && random.chance(p)));
  },
  /** Any `timeout{heartbeat}`, `crash`, `commit` or `apply`. */
  anyOfThem(lines, random) {
    const p = random.next() * 0.6;
    const kinds = new Set(['crash', 'commit', 'apply'].filter(() => random.chance(0.6)));
    return lines.filter((l) => !((kinds.has(l.kind) || (l.kind === 'timeout' && l.timer === 'heartbeat')) && random.chance(p)));
  },
  /**
   * Any `client_response` (its request's outcome is then unknown). Only a few: every unknown
   * outcome multiplies the orders the linearizability search may have to try, and past its
   * budget the verdict is "could not be decided", which is an error.
   */
  clientResponses(lines, random) {
    const p = random.next() * 0.1;
    return lines.filter((l) => !(l.kind === 'client_response' && random.chance(p)));
  },
  /** `term`, `role`, `vote`, `append` (and `config`, with membership): per node and kind, all or none; `truncate`: any of them. */
  stateChanges(lines, random) {
    const p = random.next() * 0.5;
    const kinds: readonly string[] = hasMembership(lines) ? [...KINDS_PER_NODE, 'config'] : KINDS_PER_NODE;
    const dropped = new Set(nodesOf(lines).flatMap((n) => kinds.filter(() => random.chance(p)).map((k) => `${n} ${k}`)));
    return lines.filter((l) => !(dropped.has(`${nodeOf(l)} ${l.kind}`) || (l.kind === 'truncate' && random.chance(p))));
  },
  /** A node's state changes, commits and applies, all of them: it logs its messages only (a network-level producer). */
  messagesOnly(lines, random) {
    const node = random.pick(nodesOf(lines));
    const internal = new Set(['term', 'role', 'vote', 'append', 'truncate', 'commit', 'apply', 'config']);
    return lines.filter((l) => !(nodeOf(l) === node && internal.has(l.kind)));
  },
  /**
   * `timeout{election}`: all of a node's, or none, where its elections show otherwise (its
   * term or vote changes; its RequestVotes, as long as those never received are logged too).
   */
  electionTimeouts(lines, random) {
    const shown = new Set(lines.flatMap((l) => (l.kind === 'term' || l.kind === 'vote' || (l.kind === 'send' && l.msg.type === 'RequestVote') ? [nodeOf(l)!] : [])));
    const nodes = new Set(nodesOf(lines).filter((n) => shown.has(n) && random.chance(0.5)));
    return lines.filter((l) => !(l.kind === 'timeout' && l.timer === 'election' && nodes.has(l.node)));
  },
  /** `client_request`: all of them (every node's) or none. */
  clientRequests(lines) {
    return lines.filter((l) => l.kind !== 'client_request');
  },
  /**
   * Inputs and messages: every `send`, `receive`, `timeout`, `client_request`, `transfer` and `reconfigure` (a producer of
   * state changes only; a node that logs any input or message logs every message it receives).
   */
  messages(lines) {
    return lines.filter((l) => !['send', 'receive', 'timeout', 'client_request', 'transfer', 'reconfigure'].includes(l.kind));
  },
  /** `seq` may have gaps: one counter for every event of the trace (as near-miss-schema-edges). */
  seqGaps(lines) {
    let seq = 0;
    return lines.map((l) => ('seq' in l && l.seq !== undefined ? ({ ...l, seq: seq++ } as Line) : l));
  },
  /**
   * `time` is the producer's clock, which no rule reads without features: a producer without
   * one logs 0. (With features the lease, the quorum check and the feature timers read it.)
   */
  noClock(lines) {
    if (hasFeatures(lines)) return [...lines];
    return lines.map((l) => ('time' in l && l.time !== undefined ? ({ ...l, time: 0 } as Line) : l));
  },
  /** `timeout{lease}`, `timeout{quorum}`, `timeout{transfer}`: per node and timer, all or none (the checker fires those not logged). */
  featureTimers(lines, random) {
    const p = random.next();
    const dropped = new Set(nodesOf(lines).flatMap((n) => FEATURE_TIMERS.filter(() => random.chance(p)).map((t) => `${n} ${t}`)));
    return lines.filter((l) => !(l.kind === 'timeout' && dropped.has(`${l.node} ${l.timer}`)));
  },
  /**
   * A request that is never received: its send; a RequestVote only from a node that logs its
   * elections otherwise (election timeouts, term or vote changes).
   */
  unreceivedRequests(lines, random) {
    const received = new Set(lines.flatMap((l) => (l.kind === 'receive' ? [l.msg.id] : [])));
    const logsElections = new Set(lines.flatMap((l) => ((l.kind === 'timeout' && l.timer === 'election') || l.kind === 'term' || l.kind === 'vote' ? [l.node] : [])));
    // (Dropping them may hide the elections of a node that shows them only by its RequestVotes.)
    const mayOmit = (m: Message) => m.type === 'AppendEntries' || (m.type === 'RequestVote' && logsElections.has(m.from));
    return lines.filter((l) => !(l.kind === 'send' && !received.has(l.msg.id) && mayOmit(l.msg) && random.chance(0.7)));
  },
};

/** How often `sparsify` applies each: those that leave little to check, less often. */
const WEIGHT: Record<string, number> = { clientRequests: 0.25, messages: 0.15 };

/** Some of the omissions, each with probability `p` (less for some), in a fixed order; the names of those applied. */
export function sparsify(lines: readonly Line[], random: Random, p = 0.45): { lines: Line[]; applied: string[] } {
  let out = [...lines];
  const applied: string[] = [];
  for (const [name, omit] of Object.entries(OMISSIONS)) {
    if (!random.chance(WEIGHT[name] ?? p)) continue;
    out = omit(out, random);
    applied.push(name);
  }
  return { lines: out, applied };
}

/** Whether a trace logs anything a rule can check (the `unconstrained` verdict's test, written independently). */
export function constrainsSomething(lines: readonly Line[]): boolean {
  const changes = new Set(['role', 'term', 'vote', 'append', 'truncate', 'commit', 'apply', 'send', 'receive', 'client_response']);
  return lines.some((l) => changes.has(l.kind) || ('state' in l && l.state !== undefined && Object.keys(l.state).length > 0) || (l.kind === 'restart' && l.persisted !== undefined));
}

/** The header without its optional fields, but with the initial configuration it declares (`params.voters`, `params.learners`). */
function keepConfiguration(original: Line, stripped: Line): Line {
  if (original.kind !== 'header' || stripped.kind !== 'header') return stripped;
  const { voters, learners } = original.params ?? {};
  if (voters === undefined && learners === undefined) return stripped;
  return { ...stripped, params: { ...(voters ? { voters } : {}), ...(learners ? { learners } : {}) } };
}

