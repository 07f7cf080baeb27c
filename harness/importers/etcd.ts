/**
 * Importer for traces recorded by etcd-io/raft's TLA+ tracing hook (`Config.TraceLogger`, one
 * zap JSON record per line with the trace event in `event`).
 *
 * etcd logs, for each step, the node's state *at* that step (term, vote, commit, role, last
 * log index) but not the content of log entries. The importer therefore keeps, per node, the
 * terms of its log entries, reconstructed from what the trace proves: a leader's new entries
 * are of its term; a follower's come from the AppendEntries it just received, whose entries
 * the importer knew at send time from the leader's log. Entry contents are unknown to the
 * trace and become `noop` commands.
 *
 * Each etcd event becomes: the state changes since the node's previous event (`term`, `role`,
 * `vote`, `truncate`/`append`, `commit`), then the event itself where the v1 format has it
 * (`send`, `receive`, an inferred election `timeout` before `BecomeCandidate`). Beyond
 * Figure 2's messages: MsgHeartbeat(Resp) are feature heartbeat's Heartbeat(Response);
 * MsgPreVote(Resp) and the pre-candidate role are feature prevote's; MsgTimeoutNow and the
 * leader's MsgTransferLeader (its `transfer` input) are feature transfer's, and the header
 * declares the features the trace shows. A self-addressed message is one of the node's own
 * steps, which the reference takes without a message: a candidate's grant to itself (it votes
 * for itself when it starts the election) and a leader's acknowledgement of its own append (it
 * counts its own last index); each becomes a `note` saying so, and is checked to be exactly
 * that. What raftcheck does not model (configuration changes, other self-addressed messages)
 * becomes a `note` and is counted in `notModelled`, never silently dropped.
 */
import { canonicalFeatures, featuresRevision, type Feature } from '../../src/raft/features/index.js';
import { type Entry, type Header, type Message, type NodeState, type Role, type TraceLine } from '../../src/trace/schema.js';
import { VERSION } from '../version.js';

export class EtcdFormatError extends Error {
  constructor(readonly line: number, readonly field: string, message: string) {
    super(message);
    this.name = 'EtcdFormatError';
  }
}

interface EtcdMessage {
  type: string;
  term: number;
  from: string;
  to: string;
  entries: number;
  logTerm: number;
  index: number;
  commit: number;
  vote?: string;
  reject: boolean;
  rejectHint: number;
}

interface EtcdEvent {
  name: string;
  nid: string;
  state: { term: number; vote: string; commit: number };
  role: string;
  log: number;
  applied?: number;
  msg?: EtcdMessage;
}

interface EtcdRecord {
  ts?: number;
  event?: EtcdEvent;
}

interface NodeImport {
  id: string;
  seq: number;
  role: Role;
  term: number;
  votedFor: string | null;
  commit: number;
  applied: number;
  /** Terms of the log entries, index 1 at position 0. */
  logTerms: number[];
  /** Entries carried by the AppendEntries being handled, to explain a follower's appends. */
  incoming: { prevLogIndex: number; terms: number[] } | null;
  /** The last message received was a TimeoutNow: the election it starts has no timeout. */
  timeoutNow: boolean;
  /** Still starting: etcd's InitState, BecomeFollower, ApplyConfChange and Bootstrap before the node's first step. */
  booting: boolean;
  /** The commit index its bootstrap gave it (entries it started with, committed): commits up to it are not steps. */
  bootCommit: number;
  bootCommitSeen: boolean;
}

export interface EtcdImport {
  lines: TraceLine[];
  /** etcd behaviour raftcheck does not model, by kind, with counts. */
  notModelled: Record<string, number>;
  /** Source line of each output line (index 0 is the header, from source line 1). */
  sourceLines: number[];
  /** Self-addressed messages taken as the reference's own steps (a candidate's own vote, a leader's own acknowledgement). */
  ownSteps: number;
}

const ROLES: Record<string, Role> = { StateFollower: 'follower', StateCandidate: 'candidate', StateLeader: 'leader', StatePreCandidate: 'precandidate' };

function num(value: unknown, line: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new EtcdFormatError(line, field, `expected a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

function str(value: unknown, line: number, field: string): string {
  if (typeof value !== 'string' || value === '') throw new EtcdFormatError(line, field, `expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function parseRecord(text: string, line: number): EtcdEvent | null {
  let record: EtcdRecord;
  try {
    record = JSON.parse(text) as EtcdRecord;
  } catch (error) {
    throw new EtcdFormatError(line, 'line', `not JSON: ${(error as Error).message}`);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new EtcdFormatError(line, 'line', 'expected a JSON object');
  const e = record.event;
  if (e === undefined) return null; // some other log record
  if (typeof e !== 'object' || e === null) throw new EtcdFormatError(line, '/event', 'expected an object');
  str(e.name, line, '/event/name');
  str(e.nid, line, '/event/nid');
  if (typeof e.state !== 'object' || e.state === null) throw new EtcdFormatError(line, '/event/state', 'expected an object');
  num(e.state.term, line, '/event/state/term');
  num(e.state.commit, line, '/event/state/commit');
  str(e.state.vote, line, '/event/state/vote');
  num(e.log, line, '/event/log');
  if (!(e.role in ROLES)) throw new EtcdFormatError(line, '/event/role', `unknown role ${JSON.stringify(e.role)}`);
  if (e.msg !== undefined) {
    const m = e.msg;
    str(m.type, line, '/event/msg/type');
    for (const f of ['term', 'entries', 'logTerm', 'index', 'commit', 'rejectHint'] as const) num(m[f], line, `/event/msg/${f}`);
    str(m.from, line, '/event/msg/from');
    str(m.to, line, '/event/msg/to');
    if (typeof m.reject !== 'boolean') throw new EtcdFormatError(line, '/event/msg/reject', 'expected a boolean');
  }
  return e;
}

/** Content key of a message: etcd messages have no id, so a receive is matched to the oldest equal send. */
function messageKey(m: EtcdMessage): string {
  return [m.type, m.from, m.to, m.term, m.index, m.logTerm, m.entries, m.commit, m.reject, m.rejectHint].join('|');
}

export function importEtcdTrace(text: string): EtcdImport {
  const raw = text.replace(/^\uFEFF/, '').split('\n'); // a byte order mark is not part of line 1
  const events: Array<{ e: EtcdEvent; line: number; ts: number }> = [];
  raw.forEach((t, i) => {
    if (t.trim() === '') return;
    const e = parseRecord(t, i + 1);
    if (e) events.push({ e, line: i + 1, ts: (JSON.parse(t) as EtcdRecord).ts ?? 0 });
  });
  if (events.length === 0) throw new EtcdFormatError(1, 'line', 'no etcd trace events (records with an "event" object) found');

  const ids = [...new Set(events.map((x) => x.e.nid))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const t0 = events[0]!.ts;
  const lines: TraceLine[] = [
    {
      kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ids,
      producer: { name: 'raftcheck-import-etcd', version: VERSION },
      meta: { source: 'etcd-io/raft TraceLogger', note: 'entry contents are not in etcd traces; entries are imported as noop commands with their terms' },
    },
  ];
  const sourceLines = [1];
  const notModelled: Record<string, number> = {};
  const nodes = new Map<string, NodeImport>(ids.map((id) => [id, { id, seq: 0, role: 'follower', term: 0, votedFor: null, commit: 0, applied: 0, logTerms: [], incoming: null, timeoutNow: false, booting: true, bootCommit: 0, bootCommitSeen: false }]));
  const features = new Set<Feature>();
  const inFlight = new Map<string, Array<{ id: string; msg: Message }>>();
  let nextMsg = 0;
  let ownSteps = 0;

  for (const { e, line, ts } of events) {
    const n = nodes.get(e.nid)!;
    const time = Math.max(0, Math.round((ts - t0) * 1e6) / 1e3);
    const state = (): NodeState => ({
      role: n.role, term: n.term, votedFor: n.votedFor, commitIndex: n.commit, lastApplied: n.applied,
      lastLogIndex: n.logTerms.length, lastLogTerm: n.logTerms.at(-1) ?? 0,
    });
    const emit = (event: Record<string, unknown>): void => {
      lines.push({ ...event, node: n.id, seq: n.seq++, time, state: state() } as unknown as TraceLine);
      sourceLines.push(line);
    };
    /** A self-addressed message the reference takes as its own step: said, not counted as not modelled. */
    const ownNote = (text: string): void => {
      ownSteps++;
      lines.push({ kind: 'note', node: n.id, seq: n.seq++, time, text: `own step: ${text}`, data: { etcd: e.name, line } });
      sourceLines.push(line);
    };
    const note = (kind: string, text: string): void => {
      notModelled[kind] = (notModelled[kind] ?? 0) + 1;
      lines.push({ kind: 'note', node: n.id, seq: n.seq++, time, text: `not modelled: ${text}`, data: { etcd: e.name, line } });
      sourceLines.push(line);
    };

    // A node's bootstrap (its configuration entries written to storage, committed) is where it
    // starts from: one `restart` with that persisted state, as the reference starts from
    // storage; the configuration changes themselves stay notes.
    if (n.booting && !e.msg && BOOTSTRAP_EVENTS.has(e.name)) {
      n.term = e.state.term;
      n.votedFor = e.state.vote === '0' ? null : e.state.vote;
      while (n.logTerms.length < e.log) n.logTerms.push(n.term);
      n.logTerms.length = Math.min(n.logTerms.length, e.log);
      n.bootCommit = n.commit = e.state.commit;
      if (n.bootCommit > 0) n.bootCommitSeen = true;
      if (e.name === 'ApplyConfChange' || e.name === 'Bootstrap') note('configuration change', `${e.name} (membership changes)`);
      continue;
    }
    if (n.booting) {
      n.booting = false;
      // commitIndex and lastApplied are volatile: the reference recovers neither, and learns the
      // commit index again from its leader (commits up to bootCommit are not logged).
      n.commit = 0;
      n.applied = 0;
      if (n.term > 0 || n.logTerms.length > 0) {
        emit({ kind: 'restart', persisted: { term: n.term, votedFor: n.votedFor, log: n.logTerms.map((t): Entry => ({ term: t, command: { type: 'noop' } })) } });
      }
    }

    // Receives come before the state changes they cause; everything else is logged after.
    const isReceive = e.name.startsWith('Receive');
    if (isReceive && e.msg) handleReceive(e.msg);
    // Inferred: etcd campaigns on an election tick, but not when a pre-vote majority or a TimeoutNow made the candidate.
    if (e.name === 'BecomeCandidate' && n.role !== 'precandidate' && !n.timeoutNow) emit({ kind: 'timeout', timer: 'election' });
    if (e.role === 'StatePreCandidate') features.add('prevote');
    applyDiffs();
    if (!isReceive && e.msg) handleSend(e.msg);
    if (!e.msg) {
      if (e.name === 'ApplyConfChange' || e.name === 'ChangeConf' || e.name === 'Bootstrap') note('configuration change', `${e.name} (membership changes)`);
    }

    function applyDiffs(): void {
      const term = e.state.term;
      const role = ROLES[e.role]!;
      const vote = e.state.vote === '0' ? null : e.state.vote;
      // In the reference's order: a candidate changes role, then term; a server that adopts a
      // higher term does so before it changes role.
      const roleFirst = role === 'candidate' && role !== n.role;
      if (roleFirst) {
        n.role = role;
        emit({ kind: 'role', role });
      }
      if (term !== n.term) {
        n.term = term;
        n.votedFor = null;
        emit({ kind: 'term', term });
      }
      if (role !== n.role) {
        n.role = role;
        emit({ kind: 'role', role });
      }
      if (vote !== null && vote !== n.votedFor) {
        n.votedFor = vote;
        emit({ kind: 'vote', votedFor: vote });
      }
      syncLog(e.log);
      if (e.state.commit !== n.commit && e.state.commit > n.bootCommit) {
        n.bootCommit = 0;
        n.commit = e.state.commit;
        emit({ kind: 'commit', commitIndex: n.commit });
      }
      if (e.applied !== undefined) n.applied = Math.min(e.applied, n.commit); // the bootstrap's applied entries are its committed ones, not logged
    }

    /** Brings the reconstructed log to `last` entries, from the AppendEntries being handled or the leader's term. */
    function syncLog(last: number): void {
      const inc = n.incoming;
      let from = n.logTerms.length + 1;
      const wanted: number[] = n.logTerms.slice(0, Math.min(last, n.logTerms.length));
      if (inc) {
        // Entries the message carries replace ours from their first conflict on.
        inc.terms.forEach((t, k) => {
          const idx = inc.prevLogIndex + 1 + k;
          if (idx > last) return;
          if (idx <= wanted.length && wanted[idx - 1] !== t) wanted.length = idx - 1;
          if (idx === wanted.length + 1) wanted.push(t);
        });
      }
      // A configuration bootstrap, a leader's proposal or its empty first entry: entries of the current term.
      while (wanted.length < last) wanted.push(n.term);
      let common = 0;
      while (common < wanted.length && common < n.logTerms.length && wanted[common] === n.logTerms[common]) common++;
      if (common < n.logTerms.length) {
        n.logTerms.length = common;
        emit({ kind: 'truncate', fromIndex: common + 1 });
      }
      from = common + 1;
      if (wanted.length > common) {
        const added = wanted.slice(common);
        n.logTerms.push(...added);
        emit({ kind: 'append', index: from, entries: added.map((t): Entry => ({ term: t, command: { type: 'noop' } })) });
      }
    }

    function toMessage(m: EtcdMessage, id: string): Message | null {
      const base = { id, from: m.from, to: m.to, term: m.term };
      switch (m.type) {
        case 'MsgVote':
          return { ...base, type: 'RequestVote', candidateId: m.from, lastLogIndex: m.index, lastLogTerm: m.logTerm };
        case 'MsgVoteResp':
          return { ...base, type: 'RequestVoteResponse', voteGranted: !m.reject };
        case 'MsgApp': {
          const sender = nodes.get(m.from);
          const terms = sender ? sender.logTerms.slice(m.index, m.index + m.entries) : [];
          if (terms.length !== m.entries) return null;
          return {
            ...base, type: 'AppendEntries', leaderId: m.from, prevLogIndex: m.index, prevLogTerm: m.logTerm,
            entries: terms.map((t) => ({ term: t, command: { type: 'noop' } })), leaderCommit: m.commit,
          };
        }
        case 'MsgHeartbeat':
          return { ...base, type: 'Heartbeat', commit: m.commit };
        case 'MsgHeartbeatResp':
          return { ...base, type: 'HeartbeatResponse' };
        case 'MsgPreVote':
          return { ...base, type: 'PreVote', candidateId: m.from, lastLogIndex: m.index, lastLogTerm: m.logTerm };
        case 'MsgPreVoteResp':
          return { ...base, type: 'PreVoteResponse', voteGranted: !m.reject };
        case 'MsgTimeoutNow':
          return { ...base, type: 'TimeoutNow' };
        case 'MsgAppResp':
          return m.reject
            ? { ...base, type: 'AppendEntriesResponse', success: false, conflictIndex: m.rejectHint + 1 }
            : { ...base, type: 'AppendEntriesResponse', success: true, matchIndex: m.index };
        default:
          return null;
      }
    }

    function unmodelledMessage(m: EtcdMessage): string | null {
      if (m.from === m.to) return `${m.type} to itself`;
      if (!MODELLED.has(m.type)) return `${m.type} message`;
      return null;
    }

    /**
     * A self-addressed message that is one of the reference's own steps: a candidate's grant
     * of its own vote, in its term, having voted for itself (the reference counts it when the
     * election starts), or a leader's acknowledgement of its own log (the reference counts its
     * own last index): what it is, or null.
     */
    function ownStep(m: EtcdMessage): string | null {
      if (m.from !== m.to) return null;
      if (m.type === 'MsgVoteResp' && !m.reject && m.term === n.term && (n.role === 'candidate' || n.votedFor === n.id || e.state.vote === n.id)) return 'its own vote (the reference counts it when it starts the election)';
      if (m.type === 'MsgPreVoteResp' && !m.reject && (n.role === 'precandidate' || e.role === 'StatePreCandidate')) return 'its own pre-vote (the reference counts it when it starts the round)';
      if (m.type === 'MsgAppResp' && !m.reject && m.index <= n.logTerms.length) return 'its own acknowledgement of its log (the reference counts its own last index)';
      return null;
    }

    function handleSend(m: EtcdMessage): void {
      if (m.type === 'MsgHeartbeat' || m.type === 'MsgHeartbeatResp') features.add('heartbeat');
      const own = ownStep(m);
      if (own) return ownNote(`send ${m.type} to itself: ${own}`);
      const why = unmodelledMessage(m);
      if (why) return note(m.from === m.to ? 'self-addressed message' : m.type, `send ${why}`);
      const msg = toMessage(m, `e${++nextMsg}`);
      if (!msg) return note('entries unknown', `send ${m.type} whose entries precede what the trace shows`);
      const key = messageKey(m);
      const queue = inFlight.get(key) ?? [];
      queue.push({ id: msg.id, msg });
      inFlight.set(key, queue);
      // etcd persists a vote before the message that grants it leaves, but traces the state it
      // had persisted before that step: the vote is logged where the grant shows it.
      if (msg.type === 'RequestVoteResponse' && msg.voteGranted && msg.term === n.term && n.votedFor !== msg.to) {
        n.votedFor = msg.to;
        emit({ kind: 'vote', votedFor: msg.to });
      }
      emit({ kind: 'send', msg });
    }

    function handleReceive(m: EtcdMessage): void {
      n.incoming = null;
      n.timeoutNow = m.type === 'MsgTimeoutNow';
      if (m.type === 'MsgTransferLeader' && n.role === 'leader') {
        // A request to the leader to hand leadership to the sender: its `transfer` input.
        features.add('transfer');
        return emit({ kind: 'transfer', target: m.from });
      }
      if (m.type === 'MsgPreVote' || m.type === 'MsgPreVoteResp') features.add('prevote');
      if (m.type === 'MsgTimeoutNow') features.add('transfer');
      if (m.type === 'MsgHeartbeat' || m.type === 'MsgHeartbeatResp') features.add('heartbeat');
      const own = ownStep(m);
      if (own) return ownNote(`receive ${m.type} from itself: ${own}`);
      const why = unmodelledMessage(m);
      if (why) return note(m.from === m.to ? 'self-addressed message' : m.type, `receive ${why}`);
      const queue = inFlight.get(messageKey(m));
      const sent = queue?.shift();
      if (!sent) return note('unmatched receive', `receive ${m.type} whose send is not in the trace`);
      if (sent.msg.type === 'AppendEntries') n.incoming = { prevLogIndex: sent.msg.prevLogIndex, terms: sent.msg.entries.map((x) => x.term) };
      emit({ kind: 'receive', msg: sent.msg });
    }
  }
  // A node that bootstraps with committed entries starts with a commit index the reference
  // cannot recover (Figure 2's commitIndex is volatile), and its leader sends it at once: its
  // steps cannot be compared with the reference's. Said in the header, with the reason.
  const booted = [...nodes.values()].filter((x) => x.bootCommit > 0 || x.bootCommitSeen);
  if (booted.length > 0) {
    notModelled['conformance (bootstrap commit index)'] = 1;
    const reason = `etcd: nodes ${booted.map((x) => x.id).join(', ')} bootstrap with committed configuration entries (a commit index the reference, whose commitIndex is volatile, cannot recover)`;
    Object.assign(lines[0] as Header, { skipRules: CONFORMANCE_RULES.map((rule) => ({ rule, reason })) });
  }
  // The features the trace shows (check-quorum leaves no trace of its own: not declared).
  if (features.size > 0) Object.assign(lines[0] as Header, { minor: featuresRevision(canonicalFeatures(features)), features: canonicalFeatures(features) });
  return { lines, notModelled, sourceLines, ownSteps };
}

const CONFORMANCE_RULES = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];

/** What etcd logs while a node starts, before its first step (see `booting`). */
const BOOTSTRAP_EVENTS = new Set(['InitState', 'BecomeFollower', 'ApplyConfChange', 'Bootstrap']);

/** etcd messages with a trace form (see toMessage). */
const MODELLED = new Set(['MsgVote', 'MsgVoteResp', 'MsgApp', 'MsgAppResp', 'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgPreVote', 'MsgPreVoteResp', 'MsgTimeoutNow']);
