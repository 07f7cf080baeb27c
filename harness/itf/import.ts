/**
 * An ITF trace of a Raft model, under raft.tla's variable names (raft-vars.ts), as a v1 trace
 * that the checker judges like any other: each step from one ITF state to the next becomes,
 * per server, the events that explain it (spec/ITF.md, "Import"):
 *
 * - a message gone from `messages` is a `receive` by its destination if that server changed
 *   anything in the step (a variable or a message sent); otherwise a `drop` — except an
 *   AppendEntriesResponse, which a leader may take without a visible change (raft.tla keeps
 *   matchIndex and nextIndex, which raftcheck does not read);
 * - a message added is a `send` by its source, or a `duplicate` when the step adds only copies
 *   of messages already in flight and changes nothing else (raft.tla's DuplicateMessage);
 * - changes of currentTerm, state, votedFor, log and commitIndex are `term`, `role`, `vote`,
 *   `truncate`/`append` and `commit` events; without a message received, a commitIndex going
 *   back, a leader or candidate becoming follower in the same term, or a log losing entries is
 *   a `crash` and `restart`;
 * - the server's last event of the step (unless it is the receive) carries its state after
 *   the step, so the checker compares the whole state, not only the changes.
 * Timeouts are not logged (the checker infers an election from the role change) and neither
 * are client requests (a leader's append stands for one). Times are 0.
 */
import type { Entry, Header, NodeState, Role, SkipRule, TraceLine } from '../../src/trace/schema.js';
import { FEATURES, type Feature } from '../../src/raft/features/index.js';
import { VERSION } from '../version.js';
import { decodeLog, decodeMessage, decodeRole, decodeVote, encodeMessage, ITF_VARS, type IdlessMessage, type ItfVar } from './raft-vars.js';
import { decodeInt, decodeMap, decodeNat, decodeSet, decodeString, ItfValueError } from './value.js';

/** Bad ITF input: the state (null: the document) and the variable where it was found. */
export class ItfFormatError extends Error {
  constructor(readonly state: number | null, readonly variable: string, message: string) {
    super(message);
    this.name = 'ItfFormatError';
  }
  /** One line: `FILE: state 3: currentTerm["n1"]: expected an integer, got "x"`. */
  describe(file: string): string {
    return `${file}: ${this.state === null ? '' : `state ${this.state}: `}${this.variable ? `${this.variable}: ` : ''}${this.message}`;
  }
}

export interface ItfImport {
  lines: TraceLine[];
  /** For each line, the index of the ITF state whose step it comes from (the header: 0). */
  sourceLines: number[];
  /** Variables of the document that raftcheck does not read (raft.tla's nextIndex, matchIndex, history variables, ...). */
  ignored: string[];
}

interface ServerState {
  term?: number;
  role?: Role;
  votedFor?: string | null;
  log?: Entry[];
  commitIndex?: number;
  responded?: string;
  granted?: string;
}

interface Flight {
  msg: IdlessMessage;
  count: number;
}

interface ClusterState {
  servers: Map<string, ServerState>;
  bag: Map<string, Flight> | null;
}

const PER_SERVER = ['currentTerm', 'state', 'votedFor', 'log', 'commitIndex', 'votesResponded', 'votesGranted'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A server id: a string, or an integer (as Quint specs often have), read as its decimal text. */
function decodeServer(v: unknown, at: string): string {
  return typeof v === 'string' ? v : String(decodeInt(v, at));
}

function readMeta(doc: Record<string, unknown>): { nodes?: string[]; features?: Feature[]; skipRules?: SkipRule[] } {
  const meta = isObject(doc['#meta']) && isObject(doc['#meta'].raftcheck) ? doc['#meta'].raftcheck : undefined;
  if (!meta) return {};
  const fail = (name: string, what: string) => {
    throw new ItfFormatError(null, `#meta.raftcheck.${name}`, `expected ${what}`);
  };
  const out: { nodes?: string[]; features?: Feature[]; skipRules?: SkipRule[] } = {};
  if (meta.nodes !== undefined) {
    if (!Array.isArray(meta.nodes) || meta.nodes.length === 0 || !meta.nodes.every((n) => typeof n === 'string')) fail('nodes', 'a non-empty array of server ids');
    out.nodes = meta.nodes as string[];
  }
  if (meta.features !== undefined) {
    if (!Array.isArray(meta.features) || !meta.features.every((f) => (FEATURES as readonly unknown[]).includes(f))) fail('features', `an array of ${FEATURES.join(', ')}`);
    out.features = meta.features as Feature[];
  }
  if (meta.skipRules !== undefined) {
    if (!Array.isArray(meta.skipRules) || !meta.skipRules.every((s) => isObject(s) && typeof s.rule === 'string' && typeof s.reason === 'string')) fail('skipRules', 'an array of {rule, reason}');
    out.skipRules = (meta.skipRules as Array<{ rule: string; reason: string }>).map((s) => ({ rule: s.rule, reason: s.reason }));
  }
  return out;
}

function decodeState(raw: Record<string, unknown>, index: number, vars: readonly ItfVar[], ids: readonly string[] | null): ClusterState {
  const servers = new Map<string, ServerState>();
  let bag: Map<string, Flight> | null = null;
  for (const name of vars) {
    if (!Object.hasOwn(raw, name)) throw new ItfFormatError(index, name, 'missing (the document lists it in vars)');
    try {
      if (name === 'messages') {
        bag = new Map();
        for (const [i, [key, count]] of decodeMap(raw[name]).entries()) {
          const msg = decodeMessage(key, `[${i}][0]`);
          for (const end of [msg.from, msg.to]) if (ids && !ids.includes(end)) throw new ItfValueError(`[${i}][0]`, `server "${end}" is not one of ${ids.join(', ')}`);
          const copies = decodeNat(count, `[${i}][1]`);
          const k = JSON.stringify(encodeMessage(msg));
          const held = bag.get(k);
          if (held) held.count += copies;
          else if (copies > 0) bag.set(k, { msg, count: copies });
        }
        continue;
      }
      const pairs = decodeMap(raw[name]);
      const seen = new Set<string>();
      for (const [key, value] of pairs) {
        const id = decodeServer(key, '');
        const at = `[${JSON.stringify(id)}]`;
        if (ids && !ids.includes(id)) throw new ItfValueError(at, `server "${id}" is not one of ${ids.join(', ')}`);
        seen.add(id);
        const s = servers.get(id) ?? {};
        servers.set(id, s);
        const servers_ = (v: unknown) => JSON.stringify(decodeSet(v, at).map((x) => decodeServer(x, at)).sort());
        if (name === 'currentTerm') s.term = decodeNat(value, at);
        else if (name === 'state') s.role = decodeRole(value, at);
        else if (name === 'votedFor') s.votedFor = decodeVote(value, at);
        else if (name === 'log') s.log = decodeLog(value, at);
        else if (name === 'commitIndex') s.commitIndex = decodeNat(value, at);
        else if (name === 'votesResponded') s.responded = servers_(value);
        else if (name === 'votesGranted') s.granted = servers_(value);
      }
      if (ids) for (const id of ids) if (!seen.has(id)) throw new ItfValueError('', `has no value for server "${id}"`);
    } catch (error) {
      if (error instanceof ItfValueError) throw new ItfFormatError(index, `${name}${error.at}`, error.message);
      throw error;
    }
  }
  return { servers, bag };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function importItf(text: string): ItfImport {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ItfFormatError(null, '', `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(doc)) throw new ItfFormatError(null, '', 'expected an ITF document: a JSON object with "vars" and "states"');
  const rawStates = doc.states;
  if (!Array.isArray(rawStates) || rawStates.length === 0) throw new ItfFormatError(null, 'states', 'expected a non-empty array of states');
  rawStates.forEach((s, i) => {
    if (!isObject(s)) throw new ItfFormatError(i, '', 'expected a state: a JSON object of variables');
  });
  const states = rawStates as Array<Record<string, unknown>>;
  let declared: string[];
  if (doc.vars === undefined) declared = Object.keys(states[0]!).filter((k) => k !== '#meta');
  else if (Array.isArray(doc.vars) && doc.vars.every((v) => typeof v === 'string')) declared = doc.vars as string[];
  else throw new ItfFormatError(null, 'vars', 'expected an array of variable names');
  const vars = ITF_VARS.filter((v) => declared.includes(v));
  const ignored = declared.filter((v) => !(ITF_VARS as readonly string[]).includes(v));
  const meta = readMeta(doc);
  if (!vars.some((v) => (PER_SERVER as readonly string[]).includes(v))) {
    throw new ItfFormatError(null, 'vars', `no variable raftcheck reads: expected some of ${PER_SERVER.join(', ')} (raft.tla's names)`);
  }

  // The servers: the header's, when raftcheck wrote the document, else the first state's.
  const first = decodeState(states[0]!, 0, vars, meta.nodes ?? null);
  const ids = meta.nodes ?? [...first.servers.keys()];
  const decoded = [decodeState(states[0]!, 0, vars, ids), ...states.slice(1).map((s, i) => decodeState(s, i + 1, vars, ids))];

  const header: Header = {
    kind: 'header', format: 'raftcheck-trace', version: 1, nodes: [...ids],
    producer: { name: 'raftcheck-itf-import', version: VERSION },
    ...(meta.features?.length ? { minor: 1, features: meta.features } : {}),
    ...(meta.skipRules?.length ? { skipRules: meta.skipRules } : {}),
  };
  const lines: TraceLine[] = [header];
  const sourceLines = [0];
  const seq = new Map(ids.map((id) => [id, 0]));
  let networkSeq = 0;
  let messageCount = 0;
  /** Ids of the copies in flight, per message key, oldest first. */
  const inFlight = new Map<string, string[]>();
  const emit = (line: TraceLine, index: number) => {
    lines.push(line);
    sourceLines.push(index);
  };
  const base = (node: string) => ({ node, seq: (seq.set(node, seq.get(node)! + 1), seq.get(node)!), time: 0 });
  const takeId = (key: string) => inFlight.get(key)!.shift()!;

  // The initial state: raftcheck's nodes start as followers of term 0 with nothing; a model's
  // other persistent start (raft.tla's term 1) is a restart from it.
  const init = decoded[0]!;
  if (init.bag && init.bag.size > 0) throw new ItfFormatError(0, 'messages', 'messages in flight in the initial state: raftcheck traces start with none');
  for (const id of ids) {
    const s = init.servers.get(id)!;
    if (s.role !== undefined && s.role !== 'follower') throw new ItfFormatError(0, `state["${id}"]`, `${s.role}: raftcheck's nodes start as followers`);
    if (s.commitIndex !== undefined && s.commitIndex !== 0) throw new ItfFormatError(0, `commitIndex["${id}"]`, `${s.commitIndex}: raftcheck's nodes start with commitIndex 0`);
    if ((s.term ?? 0) === 0 && (s.votedFor ?? null) === null && (s.log ?? []).length === 0) continue;
    emit(restartLine(base(id), s), 0);
  }

  for (let index = 1; index < decoded.length; index++) {
    const prev = decoded[index - 1]!;
    const next = decoded[index]!;
    const added: Array<[string, Flight]> = [];
    const removed: Array<[string, Flight]> = [];
    if (prev.bag && next.bag) {
      for (const key of new Set([...prev.bag.keys(), ...next.bag.keys()])) {
        const before = prev.bag.get(key)?.count ?? 0;
        const after = next.bag.get(key)?.count ?? 0;
        const msg = (next.bag.get(key) ?? prev.bag.get(key))!.msg;
        if (after > before) added.push([key, { msg, count: after - before }]);
        if (after < before) removed.push([key, { msg, count: before - after }]);
      }
      added.sort(([a], [b]) => (a < b ? -1 : 1));
      removed.sort(([a], [b]) => (a < b ? -1 : 1));
    }
    const changed = (id: string) => !same(prev.servers.get(id), next.servers.get(id));
    const onlyDuplicates = added.length > 0 && removed.length === 0 && ids.every((id) => !changed(id)) && added.every(([key]) => prev.bag!.has(key));
    if (onlyDuplicates) {
      for (const [key, f] of added) {
        for (let c = 0; c < f.count; c++) {
          const id = inFlight.get(key)![0]!;
          inFlight.get(key)!.push(id);
          emit({ kind: 'duplicate', seq: ++networkSeq, time: 0, msgId: id }, index);
        }
      }
      continue;
    }
    const network: TraceLine[] = [];
    for (const id of ids) {
      const before = prev.servers.get(id)!;
      const after = next.servers.get(id)!;
      const sends = added.filter(([, f]) => f.msg.from === id);
      const incoming = removed.filter(([, f]) => f.msg.to === id);
      const active = changed(id) || sends.length > 0;
      const events: TraceLine[] = [];
      let received = false;
      if (active) {
        const copies = incoming.reduce((n, [, f]) => n + f.count, 0);
        if (copies > 1) {
          throw new ItfFormatError(index, 'messages', `server "${id}" changes while ${copies} messages to it leave the network in one step: which one it handled is ambiguous`);
        }
        if (copies === 1) {
          const [key, f] = incoming[0]!;
          events.push({ kind: 'receive', ...base(id), msg: { id: takeId(key), ...f.msg } } as TraceLine);
          received = true;
        }
      } else {
        for (const [key, f] of incoming) {
          for (let c = 0; c < f.count; c++) {
            if (f.msg.type === 'AppendEntriesResponse') events.push({ kind: 'receive', ...base(id), msg: { id: takeId(key), ...f.msg } } as TraceLine);
            else network.push({ kind: 'drop', seq: ++networkSeq, time: 0, msgId: takeId(key) });
          }
        }
      }
      // What the node's events change, from `from`: a restart resets role and commitIndex.
      const from: ServerState = { ...before };
      const restarted =
        active && !received &&
        ((after.commitIndex !== undefined && after.commitIndex < before.commitIndex!) ||
          (after.role === 'follower' && before.role !== 'follower' && before.role !== undefined && after.term === before.term) ||
          // Without a message a log only grows: losing entries is a restart (a crash lost what was not stored).
          (after.log !== undefined && !same(after.log.slice(0, before.log!.length), before.log)));
      if (restarted) {
        events.push({ kind: 'crash', ...base(id) });
        events.push(restartLine(base(id), after));
        Object.assign(from, { role: 'follower', commitIndex: 0 }, after.term !== undefined ? { term: after.term } : {});
        if (after.votedFor !== undefined) from.votedFor = after.votedFor;
        if (after.log !== undefined) from.log = after.log;
      }
      if (after.term !== undefined && after.term !== from.term) {
        events.push({ kind: 'term', ...base(id), term: after.term });
        from.votedFor = null; // a new term clears the vote
      }
      if (after.role !== undefined && after.role !== from.role) events.push({ kind: 'role', ...base(id), role: after.role });
      if (after.votedFor && after.votedFor !== from.votedFor) events.push({ kind: 'vote', ...base(id), votedFor: after.votedFor });
      if (after.log && from.log && !same(after.log, from.log)) {
        let d = 0;
        while (d < after.log.length && d < from.log.length && same(after.log[d], from.log[d])) d++;
        if (d < from.log.length) events.push({ kind: 'truncate', ...base(id), fromIndex: d + 1 });
        if (d < after.log.length) events.push({ kind: 'append', ...base(id), index: d + 1, entries: after.log.slice(d) });
      }
      if (after.commitIndex !== undefined && after.commitIndex !== from.commitIndex) events.push({ kind: 'commit', ...base(id), commitIndex: after.commitIndex });
      for (const [key, f] of sends) {
        for (let c = 0; c < f.count; c++) {
          const msgId = `m${++messageCount}`;
          const ids_ = inFlight.get(key) ?? [];
          ids_.push(msgId);
          inFlight.set(key, ids_);
          events.push({ kind: 'send', ...base(id), msg: { id: msgId, ...f.msg } } as TraceLine);
        }
      }
      const last = events.at(-1);
      if (last && last.kind !== 'receive' && 'node' in last) (last as { state?: NodeState }).state = stateOf(after);
      for (const e of events) emit(e, index);
    }
    for (const e of network) emit(e, index);
  }
  return { lines, sourceLines, ignored };
}

/** The state fields the ITF gives. */
function stateOf(s: ServerState): NodeState {
  return {
    ...(s.role !== undefined ? { role: s.role } : {}),
    ...(s.term !== undefined ? { term: s.term } : {}),
    ...(s.votedFor !== undefined ? { votedFor: s.votedFor } : {}),
    ...(s.commitIndex !== undefined ? { commitIndex: s.commitIndex } : {}),
    ...(s.log !== undefined ? { lastLogIndex: s.log.length, lastLogTerm: s.log.at(-1)?.term ?? 0 } : {}),
  };
}

/** A restart into `s`: with its persistent state when the ITF gives all of it, else with the parts it gives as the state after. */
function restartLine(base: { node: string; seq: number; time: number }, s: ServerState): TraceLine {
  if (s.term !== undefined && s.votedFor !== undefined && s.log !== undefined) {
    return { kind: 'restart', ...base, persisted: { term: s.term, votedFor: s.votedFor, log: s.log } };
  }
  const state: NodeState = { role: 'follower', ...(s.term !== undefined ? { term: s.term } : {}), ...(s.votedFor !== undefined ? { votedFor: s.votedFor } : {}) };
  return { kind: 'restart', ...base, state };
}
