/**
 * A v1 trace as an ITF trace of whole-cluster states under raft.tla's variable names
 * (raft-vars.ts; spec/ITF.md). The cluster's state is rebuilt line by line from what the
 * trace logs; one ITF state is written after each step — a step begins at an input event
 * (`receive`, `timeout`, `client_request`, `transfer`, `crash`, `restart`), at a network
 * event, or where another node's events begin — and a step that changes no variable writes no
 * state. A variable the trace does not give (no event or state field of its kind anywhere) is
 * left out of `vars` and named, with the reason, in `#meta.raftcheck.omitted`.
 */
import type { Entry, Header, Message, NodeState, Role, TraceEvent, TraceLine } from '../../src/trace/schema.js';
import { VERSION } from '../version.js';
import { encodeLog, encodeMessage, encodeRole, encodeVote, ITF_VARS, NIL, type ItfVar } from './raft-vars.js';
import { int, map, set, type ItfValue } from './value.js';

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';

/** What raftcheck records in the document's `#meta.raftcheck`; import.ts reads it back. */
export interface RaftcheckItfMeta {
  nodes: string[];
  producer: Header['producer'];
  features?: NonNullable<Header['features']>;
  skipRules?: NonNullable<Header['skipRules']>;
  omitted?: Partial<Record<ItfVar, string>>;
}

export interface ItfDocument {
  '#meta': { format: 'ITF'; 'format-description': string; description: string; raftcheck: RaftcheckItfMeta };
  vars: ItfVar[];
  states: Array<{ '#meta': { index: number; lines: [number, number] } } & Partial<Record<ItfVar, ItfValue>>>;
}

/** A trace raftcheck cannot export: `line` and `field` name where. */
export class ExportError extends Error {
  constructor(readonly line: number, readonly field: string, message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

interface NodeView {
  term: number;
  role: Role;
  votedFor: string | null;
  log: Entry[];
  commitIndex: number;
  responded: Set<string>;
  granted: Set<string>;
}

const INPUTS = new Set<TraceEvent['kind']>(['receive', 'timeout', 'client_request', 'transfer', 'crash', 'restart']);
const NETWORK = new Set<TraceEvent['kind']>(['drop', 'duplicate', 'partition', 'heal']);

/** Figure 2, AppendEntries 3-4: a conflicting entry replaces the rest of the log; entries held as they are stay. */
function appendEntries(log: Entry[], index: number, entries: readonly Entry[]): void {
  entries.forEach((entry, k) => {
    const at = index - 1 + k;
    const held = log[at];
    if (held && JSON.stringify(held) === JSON.stringify(entry)) return;
    log.length = Math.min(log.length, at);
    log.push(entry);
  });
}

/** Which variables the trace gives: a kind logged anywhere is read as logged by every node (spec/ITF.md). */
function givenVars(events: readonly TraceEvent[]): { vars: ItfVar[]; omitted: Partial<Record<ItfVar, string>> } {
  const has = (test: (e: TraceEvent, s: NodeState | undefined) => boolean) => events.some((e) => test(e, 'state' in e ? e.state : undefined));
  const persisted = (e: TraceEvent) => e.kind === 'restart' && e.persisted !== undefined;
  const given: Record<ItfVar, string | null> = {
    currentTerm: has((e, s) => e.kind === 'term' || s?.term !== undefined || persisted(e)) ? null : 'the trace logs no term event, state.term or restart.persisted',
    state: has((e, s) => e.kind === 'role' || s?.role !== undefined) ? null : 'the trace logs no role event or state.role',
    votedFor: has((e, s) => e.kind === 'vote' || s?.votedFor !== undefined || persisted(e)) ? null : 'the trace logs no vote event, state.votedFor or restart.persisted',
    log: has((e, s) => e.kind === 'append' || e.kind === 'truncate' || s?.log !== undefined || persisted(e)) ? null : 'the trace logs no append, truncate, state.log or restart.persisted',
    commitIndex: has((e, s) => e.kind === 'commit' || s?.commitIndex !== undefined) ? null : 'the trace logs no commit event or state.commitIndex',
    messages: has((e) => e.kind === 'send') ? null : 'the trace logs no send event',
    votesResponded: null,
    votesGranted: null,
  };
  const needed = (['messages', 'currentTerm', 'state', 'votedFor'] as const).filter((v) => given[v] !== null);
  if (needed.length) given.votesResponded = given.votesGranted = `derived from ${needed.join(', ')}, which the trace does not give`;
  const omitted: Partial<Record<ItfVar, string>> = {};
  for (const v of ITF_VARS) if (given[v] !== null) omitted[v] = given[v];
  return { vars: ITF_VARS.filter((v) => given[v] === null), omitted };
}

export function exportItf(lines: readonly TraceLine[], source: string): ItfDocument {
  const header = lines[0];
  if (header?.kind !== 'header') throw new ExportError(1, 'kind', 'the first line is not a header');
  const ids = header.nodes;
  if (ids.includes(NIL)) throw new ExportError(1, 'nodes', `a node is called "${NIL}", raft.tla's value for "no vote": rename it`);
  if (header.features?.includes('snapshot')) {
    throw new ExportError(1, 'features', "the snapshot feature has no counterpart in raft.tla (its logs are whole, from index 1): export a trace without snapshots");
  }
  if (header.features?.includes('heartbeat')) {
    throw new ExportError(1, 'features', "the heartbeat feature has no counterpart in raft.tla (its heartbeats are AppendEntries): export a trace without Heartbeat messages");
  }
  if (header.features?.includes('membership')) {
    throw new ExportError(1, 'features', "the membership feature has no counterpart in raft.tla (its servers are a constant): export a trace without membership changes");
  }
  const events = lines.slice(1) as TraceEvent[];
  const { vars, omitted } = givenVars(events);
  if (vars.length === 0 || vars.every((v) => v === 'messages')) {
    throw new ExportError(1, 'nodes', 'nothing to export: the trace gives none of raft.tla\'s server variables (it logs no term, role, vote, append, truncate or commit event, no state field of them and no restart.persisted)');
  }
  const nodes = new Map<string, NodeView>(ids.map((id) => [id, { term: 0, role: 'follower', votedFor: null, log: [], commitIndex: 0, responded: new Set(), granted: new Set() }]));
  /** Messages in flight: the ITF key of each message, and copies per key. */
  const keyOf = new Map<string, { key: string; value: ItfValue }>();
  const bag = new Map<string, { value: ItfValue; count: number }>();

  const view = (id: string, lineNo: number): NodeView => {
    const n = nodes.get(id);
    if (!n) throw new ExportError(lineNo, 'node', `node "${id}" is not in the header's nodes`);
    return n;
  };
  const setTerm = (n: NodeView, term: number) => {
    if (term === n.term) return;
    n.term = term;
    n.votedFor = null;
    n.responded.clear();
    n.granted.clear();
  };
  const addCopy = (id: string, lineNo: number, field: string) => {
    const m = keyOf.get(id);
    if (!m) throw new ExportError(lineNo, field, `message "${id}" was never sent`);
    const held = bag.get(m.key);
    if (held) held.count++;
    else bag.set(m.key, { value: m.value, count: 1 });
  };
  const removeCopy = (id: string, lineNo: number, field: string) => {
    const m = keyOf.get(id);
    if (!m) throw new ExportError(lineNo, field, `message "${id}" was never sent`);
    const held = bag.get(m.key);
    if (!held) return; // received or dropped again: already out of the network
    if (--held.count === 0) bag.delete(m.key);
  };

  const snapshot = (): Partial<Record<ItfVar, ItfValue>> => {
    const perNode = (f: (n: NodeView) => ItfValue) => map(ids.map((id) => [id, f(nodes.get(id)!)] as const));
    const all: Record<ItfVar, () => ItfValue> = {
      currentTerm: () => perNode((n) => int(n.term)),
      state: () => perNode((n) => encodeRole(n.role)),
      votedFor: () => perNode((n) => encodeVote(n.votedFor)),
      log: () => perNode((n) => encodeLog(n.log)),
      commitIndex: () => perNode((n) => int(n.commitIndex)),
      votesResponded: () => perNode((n) => set([...n.responded])),
      votesGranted: () => perNode((n) => set([...n.granted])),
      messages: () => map([...bag.values()].map((m) => [m.value, int(m.count)] as const)),
    };
    return Object.fromEntries(vars.map((v) => [v, all[v]()]));
  };

  const apply = (e: TraceEvent, lineNo: number) => {
    if ('state' in e && e.state && 'node' in e && e.node !== undefined) {
      const n = view(e.node, lineNo);
      const s = e.state;
      if (s.term !== undefined) setTerm(n, s.term);
      if (s.role !== undefined) n.role = s.role;
      if (s.votedFor !== undefined) n.votedFor = s.votedFor;
      if (s.commitIndex !== undefined) n.commitIndex = s.commitIndex;
      if (s.log !== undefined) n.log = [...s.log];
    }
    switch (e.kind) {
      case 'term':
        setTerm(view(e.node, lineNo), e.term);
        break;
      case 'role':
        view(e.node, lineNo).role = e.role;
        break;
      case 'vote': {
        const n = view(e.node, lineNo);
        n.votedFor = e.votedFor;
        if (e.votedFor === e.node) n.responded.add(e.node), n.granted.add(e.node);
        break;
      }
      case 'append':
        appendEntries(view(e.node, lineNo).log, e.index, e.entries);
        break;
      case 'truncate': {
        const n = view(e.node, lineNo);
        n.log.length = Math.min(n.log.length, e.fromIndex - 1);
        break;
      }
      case 'commit':
        view(e.node, lineNo).commitIndex = e.commitIndex;
        break;
      case 'restart': {
        const n = view(e.node, lineNo);
        n.role = 'follower';
        n.commitIndex = 0;
        n.responded.clear();
        n.granted.clear();
        if (e.persisted) {
          setTerm(n, e.persisted.term);
          n.votedFor = e.persisted.votedFor;
          n.log = [...e.persisted.log];
        }
        break;
      }
      case 'send': {
        if (keyOf.has(e.msg.id)) throw new ExportError(lineNo, 'msg/id', `message id "${e.msg.id}" sent twice`);
        const { id: _id, ...body } = e.msg;
        const value = encodeMessage(body as Omit<Message, 'id'> as Message);
        keyOf.set(e.msg.id, { key: JSON.stringify(value), value });
        addCopy(e.msg.id, lineNo, 'msg/id');
        break;
      }
      case 'receive': {
        removeCopy(e.msg.id, lineNo, 'msg/id');
        const n = view(e.node, lineNo);
        const m = e.msg;
        if (m.type === 'RequestVoteResponse' && m.term === n.term && n.role === 'candidate') {
          n.responded.add(m.from);
          if (m.voteGranted) n.granted.add(m.from);
        }
        break;
      }
      case 'drop':
        removeCopy(e.msgId, lineNo, 'msgId');
        break;
      case 'duplicate':
        addCopy(e.msgId, lineNo, 'msgId');
        break;
      default:
        break;
    }
  };

  const initial = snapshot();
  const states: ItfDocument['states'] = [{ '#meta': { index: 0, lines: [1, 1] }, ...initial }];
  let previous = JSON.stringify(initial);
  let stepNode: string | undefined;
  let stepStart = 2;
  const close = (end: number) => {
    if (end < stepStart) return;
    const s = snapshot();
    const text = JSON.stringify(s);
    if (text !== previous) states.push({ '#meta': { index: states.length, lines: [stepStart, end] }, ...s });
    previous = text;
  };
  events.forEach((e, i) => {
    const lineNo = i + 2;
    if (e.kind === 'note') return;
    const node = 'node' in e ? e.node : undefined;
    const starts = INPUTS.has(e.kind) || NETWORK.has(e.kind) || node !== stepNode;
    if (starts) {
      close(lineNo - 1);
      stepStart = lineNo;
      stepNode = NETWORK.has(e.kind) ? undefined : node;
    }
    apply(e, lineNo);
  });
  close(lines.length);

  const meta: RaftcheckItfMeta = {
    nodes: [...ids], producer: header.producer,
    ...(header.features?.length ? { features: header.features } : {}),
    ...(header.skipRules?.length ? { skipRules: header.skipRules } : {}),
    ...(Object.keys(omitted).length ? { omitted } : {}),
  };
  return {
    '#meta': {
      format: 'ITF', 'format-description': ITF_FORMAT_DESCRIPTION,
      description: `raftcheck ${VERSION}: the cluster states of ${source} under the variable names of raft.tla (spec/ITF.md)`,
      raftcheck: meta,
    },
    vars,
    states,
  };
}
