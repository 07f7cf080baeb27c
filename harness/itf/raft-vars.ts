/**
 * The variable mapping between raftcheck's traces and ITF states of the classic raft.tla
 * (ongardie/raft.tla): variable names, server states, `Nil`, log entries and messages, in
 * both directions. spec/ITF.md documents it; export.ts and import.ts use nothing else.
 */
import type { Command, Entry, Message, RegisterValue, Role } from '../../src/trace/schema.js';
import {
  decodeBool, decodeInt, decodeNat, decodeRecord, decodeSeq, decodeString, field, int, ItfValueError, type ItfValue,
} from './value.js';

/** raft.tla's variables that raftcheck writes (each only when the trace gives it: export.ts), in this order. */
export const ITF_VARS = ['currentTerm', 'state', 'votedFor', 'log', 'commitIndex', 'votesResponded', 'votesGranted', 'messages'] as const;
export type ItfVar = (typeof ITF_VARS)[number];

/** raft.tla's reserved value for "no vote". */
export const NIL = 'Nil';

const ROLE_TO_ITF: Record<Role, string> = { follower: 'Follower', precandidate: 'PreCandidate', candidate: 'Candidate', leader: 'Leader' };
const ITF_TO_ROLE = new Map(Object.entries(ROLE_TO_ITF).map(([role, itf]) => [itf, role as Role]));

export const encodeRole = (role: Role): ItfValue => ROLE_TO_ITF[role];
export function decodeRole(v: unknown, at: string): Role {
  const name = decodeString(v, at);
  const role = ITF_TO_ROLE.get(name);
  if (!role) throw new ItfValueError(at, `expected one of ${[...ITF_TO_ROLE.keys()].join(', ')}, got "${name}"`);
  return role;
}

export const encodeVote = (votedFor: string | null): ItfValue => votedFor ?? NIL;
export const decodeVote = (v: unknown, at: string): string | null => {
  const s = decodeString(v, at);
  return s === NIL ? null : s;
};

const encodeRegister = (v: RegisterValue): ItfValue => (typeof v === 'number' ? int(v) : v);
function decodeRegister(v: unknown, at: string): RegisterValue {
  return typeof v === 'string' ? v : decodeInt(v, at);
}

/** A command as a record with its `type` and fields; a cas's `expected: null` is left out (absent means null). */
export function encodeCommand(c: Command): ItfValue {
  if (c.type === 'config') throw new Error('a configuration entry has no raft.tla value (exportItf refuses traces with membership changes)');
  const rec: Record<string, ItfValue> = { type: c.type };
  if (c.type === 'cas' && c.expected !== null) rec.expected = encodeRegister(c.expected);
  if (c.type === 'set' || c.type === 'cas') rec.value = encodeRegister(c.value);
  if (c.type !== 'noop') {
    if (c.client !== undefined) rec.client = c.client;
    if (c.requestId !== undefined) rec.requestId = int(c.requestId);
  }
  return rec;
}

/** A raftcheck command record, or a plain value (raft.tla's `Value`), which reads as `set` of it. */
export function decodeCommand(v: unknown, at: string): Command {
  if (typeof v === 'string' || typeof v === 'number' || (typeof v === 'object' && v !== null && '#bigint' in v)) return { type: 'set', value: decodeRegister(v, at) };
  const rec = decodeRecord(v, at);
  const type = decodeString(field(rec, 'type', at), `${at}.type`);
  const origin = {
    ...(rec.client !== undefined ? { client: decodeString(rec.client, `${at}.client`) } : {}),
    ...(rec.requestId !== undefined ? { requestId: decodeNat(rec.requestId, `${at}.requestId`) } : {}),
  };
  switch (type) {
    case 'noop':
      return { type: 'noop' };
    case 'get':
      return { type: 'get', ...origin };
    case 'set':
      return { type: 'set', value: decodeRegister(field(rec, 'value', at), `${at}.value`), ...origin };
    case 'cas':
      return {
        type: 'cas', expected: rec.expected === undefined ? null : decodeRegister(rec.expected, `${at}.expected`),
        value: decodeRegister(field(rec, 'value', at), `${at}.value`), ...origin,
      };
    default:
      throw new ItfValueError(`${at}.type`, `expected set, get, cas or noop, got "${type}"`);
  }
}

/** A log entry as raft.tla's record [term |-> T, value |-> command]. */
export const encodeEntry = (e: Entry): ItfValue => ({ term: int(e.term), value: encodeCommand(e.command) });
export function decodeEntry(v: unknown, at: string): Entry {
  const rec = decodeRecord(v, at);
  return { term: decodeNat(field(rec, 'term', at), `${at}.term`), command: decodeCommand(field(rec, 'value', at), `${at}.value`) };
}
export const encodeLog = (log: readonly Entry[]): ItfValue => log.map(encodeEntry);
export const decodeLog = (v: unknown, at: string): Entry[] => decodeSeq(v, at).map((e, i) => decodeEntry(e, `${at}[${i + 1}]`));

/** raft.tla has no snapshots and no heartbeat messages: traces with those features are refused before any message is encoded. */
type ItfMessageType = Exclude<Message['type'], 'InstallSnapshot' | 'InstallSnapshotResponse' | 'Heartbeat' | 'HeartbeatResponse'>;

const MTYPE = {
  RequestVote: 'RequestVoteRequest',
  RequestVoteResponse: 'RequestVoteResponse',
  AppendEntries: 'AppendEntriesRequest',
  AppendEntriesResponse: 'AppendEntriesResponse',
  PreVote: 'PreVoteRequest',
  PreVoteResponse: 'PreVoteResponse',
  TimeoutNow: 'TimeoutNowRequest',
} as const satisfies Record<ItfMessageType, string>;
const FROM_MTYPE = new Map(Object.entries(MTYPE).map(([type, mtype]) => [mtype as string, type as ItfMessageType]));

/** A message without its id, as raft.tla's record (candidateId and leaderId are the sender, msource). */
export type IdlessMessage = Message extends infer M ? (M extends Message ? Omit<M, 'id'> : never) : never;

export function encodeMessage(m: Message | IdlessMessage): ItfValue {
  if (m.type === 'InstallSnapshot' || m.type === 'InstallSnapshotResponse' || m.type === 'Heartbeat' || m.type === 'HeartbeatResponse') {
    throw new Error(`${m.type} has no raft.tla message type (exportItf refuses traces with snapshots or heartbeat messages)`);
  }
  const rec: Record<string, ItfValue> = { mtype: MTYPE[m.type], mterm: int(m.term), msource: m.from, mdest: m.to };
  switch (m.type) {
    case 'RequestVote':
    case 'PreVote':
      rec.mlastLogTerm = int(m.lastLogTerm);
      rec.mlastLogIndex = int(m.lastLogIndex);
      if (m.type === 'RequestVote' && m.leadershipTransfer !== undefined) rec.mleadershipTransfer = m.leadershipTransfer;
      break;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      rec.mvoteGranted = m.voteGranted;
      break;
    case 'AppendEntries':
      rec.mprevLogIndex = int(m.prevLogIndex);
      rec.mprevLogTerm = int(m.prevLogTerm);
      rec.mentries = encodeLog(m.entries);
      rec.mcommitIndex = int(m.leaderCommit);
      break;
    case 'AppendEntriesResponse':
      rec.msuccess = m.success;
      if (m.matchIndex !== undefined) rec.mmatchIndex = int(m.matchIndex);
      if (m.conflictIndex !== undefined) rec.mconflictIndex = int(m.conflictIndex);
      if (m.conflictTerm !== undefined) rec.mconflictTerm = int(m.conflictTerm);
      break;
    case 'TimeoutNow':
      break;
  }
  return rec;
}

/** A raft.tla message record (fields raftcheck does not read, like raft.tla's history field mlog, are ignored). */
export function decodeMessage(v: unknown, at: string): IdlessMessage {
  const rec = decodeRecord(v, at);
  const get = (name: string) => field(rec, name, at);
  const mtype = decodeString(get('mtype'), `${at}.mtype`);
  const type = FROM_MTYPE.get(mtype);
  if (!type) throw new ItfValueError(`${at}.mtype`, `expected one of ${[...FROM_MTYPE.keys()].join(', ')}, got "${mtype}"`);
  const from = decodeString(get('msource'), `${at}.msource`);
  const base = { from, to: decodeString(get('mdest'), `${at}.mdest`), term: decodeNat(get('mterm'), `${at}.mterm`) };
  const nat = (name: string) => decodeNat(get(name), `${at}.${name}`);
  const optNat = (name: string) => (rec[name] === undefined ? {} : { [name.slice(1, 2).toLowerCase() + name.slice(2)]: decodeNat(rec[name], `${at}.${name}`) });
  switch (type) {
    case 'RequestVote':
      return {
        ...base, type, candidateId: from, lastLogIndex: nat('mlastLogIndex'), lastLogTerm: nat('mlastLogTerm'),
        ...(rec.mleadershipTransfer !== undefined ? { leadershipTransfer: decodeBool(rec.mleadershipTransfer, `${at}.mleadershipTransfer`) } : {}),
      };
    case 'PreVote':
      return { ...base, type, candidateId: from, lastLogIndex: nat('mlastLogIndex'), lastLogTerm: nat('mlastLogTerm') };
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return { ...base, type, voteGranted: decodeBool(get('mvoteGranted'), `${at}.mvoteGranted`) };
    case 'AppendEntries':
      return {
        ...base, type, leaderId: from, prevLogIndex: nat('mprevLogIndex'), prevLogTerm: nat('mprevLogTerm'),
        entries: decodeLog(get('mentries'), `${at}.mentries`), leaderCommit: nat('mcommitIndex'),
      };
    case 'AppendEntriesResponse':
      return { ...base, type, success: decodeBool(get('msuccess'), `${at}.msuccess`), ...optNat('mmatchIndex'), ...optNat('mconflictIndex'), ...optNat('mconflictTerm') };
    case 'TimeoutNow':
      return { ...base, type };
  }
  throw new ItfValueError(`${at}.mtype`, `"${mtype}" is not a message type raftcheck reads`);
}
