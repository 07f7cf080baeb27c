/**
 * Importer for etcd-io/raft's interaction-test transcripts (`testdata/*.txt`, datadriven):
 * commands, each followed by `----` and the output etcd's test environment printed for it.
 *
 * The output shows each node's steps as they happen: `INFO` lines for elections and votes
 * ("1 became candidate at term 1", "2 ... cast MsgVote for 1 ..."), `Ready` blocks (HardState,
 * the entries appended, the messages sent) and the messages each node receives. Entries carry
 * term and index (`1/3 EntryNormal "data"`), so logs are known in full.
 *
 * Each node's step becomes trace events in the order the transcript prints them: a receive
 * (matched to the earliest identical send), then the state changes it causes (`term`, `role`,
 * `vote`, `truncate`/`append`, `commit`), then the sends. A bootstrapped node (`add-nodes ...
 * index=I`, etcd's test bootstrap: a snapshot at I with a ConfState) is a `restart` from that
 * persisted snapshot (feature snapshot). A proposal's entry is a client's `set` of its data
 * (no client events); an empty entry is a `noop`. Single-server configuration changes are
 * features membership and config-on-apply's (etcd switches when it applies the entry): a change
 * entry is the `config` command of the configuration it makes, the leader's proposal a
 * `reconfigure` input, `switched to configuration` a `config` event; joint consensus stays a
 * note (and a `noop` entry), with conformance skipped. Heartbeats and pre-votes are features
 * heartbeat's and prevote's messages (and role `precandidate`); the header declares the
 * features the transcript shows. What Figure 2 does not have is a
 * `note`, counted by kind: snapshots, configuration changes, storage
 * messages of asynchronous writes, self-addressed messages, leader transfer.
 *
 * `log-level none` hides a stretch of the run. A node whose steps were hidden is unknown when
 * the transcript shows it again: the importer logs a `restart` without `persisted` for it (the
 * trace format's way to say "this node's log and vote are unknown from here"), with a note,
 * and resumes from what the next lines show: its role and term from a `raft-state` listing, a
 * `became` line, a Ready's `Lead:/State:`, or a MsgApp it sends (only a leader sends one).
 * Nothing hidden is guessed.
 */
import type { Entry, Message, NodeState, Role, TraceLine } from '../../src/trace/schema.js';
import { canonicalFeatures, featuresRevision, type Feature } from '../../src/raft/features/index.js';
import { VERSION } from '../version.js';
import type { Configuration } from '../../src/raft/configuration.js';
import type { ConfigChange } from '../../src/raft/types.js';

/**
 * etcd's messages that are Figure 2's, feature heartbeat's (MsgHeartbeat carries etcd's
 * min(match, committed), which the checker holds the leader to) or feature prevote's
 * (MsgPreVote's term is the one the pre-candidate would stand in).
 */
const MODELLED = new Set(['MsgVote', 'MsgVoteResp', 'MsgApp', 'MsgAppResp', 'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgPreVote', 'MsgPreVoteResp']);

/**
 * Why a transcript with pre-votes skips the lease (rule prevote.lease, and conformance, whose
 * shadows fire the lease timer): a pre-vote lease is the minimum election timeout since the node
 * last heard from its leader, in that node's own ticks (etcd's electionElapsed), and a
 * transcript's commands tick nodes one by one (tick-heartbeat, tick-election): its time (one
 * unit per command) is no clock of any node.
 */
const PREVOTE_LEASE_IN_TICKS = 'a pre-vote lease runs in each node\'s own ticks, which a transcript advances node by node (tick-election, tick-heartbeat): the trace\'s time, one unit per command, cannot show when a lease ends';

/**
 * Why a transcript with asynchronous storage writes skips conformance: a node hands its
 * entries to its append thread (MsgStorageAppend) and answers only when the thread has stored
 * them, in a later command, after it may have received further messages; so a follower's
 * AppendEntriesResponse is not the answer to the message it just received (measured on
 * async_storage_writes.txt: conformance.missing, then a matchIndex one append behind). The
 * reference saves before it answers, within the step.
 */
const ASYNC_STORAGE_WRITES = 'with asynchronous storage writes a node answers an append when its append thread has stored it, in a later step and after further messages, while the reference answers each append in the step that receives it';

/** etcd's state names, as a Ready's `State:` and a raft-state listing print them (without `State`). */
const ROLES: Record<string, Role> = { Leader: 'leader', Candidate: 'candidate', PreCandidate: 'precandidate', Follower: 'follower' };

const CONFORMANCE_RULES = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];

/**
 * Why a transcript with joint consensus skips conformance, and keeps its configuration changes
 * as notes (no feature membership): the reference changes one server at a time.
 */
const JOINT_CONSENSUS = 'it changes membership by joint consensus (ConfChangeV2 entering and leaving a joint configuration, thesis §4.3), which the reference does not model: it changes one server at a time';

/**
 * Why a transcript whose single-server changes are mapped to feature config-on-apply still skips
 * conformance, by what it shows.
 */
const ADD_VOTER_IN_ONE_STEP = 'etcd adds a server as a voter in one step (ConfChangeAddNode, `v2` of a server outside the configuration), while the reference adds it as a learner and promotes it (input reconfigure add, then promote): no step of the reference appends that configuration';

export class EtcdTestdataFormatError extends Error {
  constructor(readonly line: number, readonly field: string, message: string) {
    super(message);
    this.name = 'EtcdTestdataFormatError';
  }
}

export interface EtcdTestdataImport {
  lines: TraceLine[];
  /** etcd behaviour raftcheck does not model, by kind, with counts. */
  notModelled: Record<string, number>;
  /** Source line of each output line (index 0 is the header, from source line 1). */
  sourceLines: number[];
  /** Commands in the transcript, and how many ran with their output hidden (log-level none). */
  commands: number;
  hiddenCommands: number;
}

interface NodeImport {
  id: string;
  seq: number;
  role: Role;
  term: number;
  votedFor: string | null;
  commit: number;
  /** Terms of the log entries, index 1 at position 0; null while unknown (after hidden steps). */
  logTerms: number[] | null;
  /** Steps of this node were hidden since it was last seen. */
  lostSight: boolean;
  /** Since hidden steps, its role (and term) are not known yet. */
  roleUnknown: boolean;
  /** A commit shown by a Ready, logged after its entries. */
  pendingCommit: number | null;
  /** Where its snapshot ends (index and term of its last entry), once it has one. */
  snapshot: { index: number; term: number } | null;
  /** The register's value its snapshot holds (a proposal's data, or null: the initial value). */
  snapshotValue: string | null;
}

/** A message as printed: `1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal ""]`. */
interface Printed {
  text: string;
  from: string;
  to: string;
  type: string;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  entries: PrintedEntry[];
  rejected: boolean;
  hint: number;
}

interface Block {
  command: string;
  args: string[];
  line: number;
  output: Array<{ text: string; line: number }>;
}

const MESSAGE = /^(\S+)->(\S+) (Msg\w+) Term:(\d+) Log:(\d+)\/(\d+)(.*)$/;
const ENTRY = /^(\d+)\/(\d+) (\w+)(?: "(.*)")?/;

/** An entry as printed: `1/12 EntryNormal "prop_1"` (term, index, type, data). */
interface PrintedEntry {
  term: number;
  index: number;
  /** A proposal's data (EntryNormal with contents), or null: an empty entry or a configuration change. */
  data: string | null;
  /** A configuration change's changes (`v2`, `r1`, `l2 l3`; EntryConfChange or EntryConfChangeV2), or null. */
  conf: string[] | null;
}

function parseEntry(text: string): PrintedEntry | null {
  const m = ENTRY.exec(text);
  if (!m) return null;
  const conf = /^EntryConfChange(?:V2)?$/.test(m[3]!) ? text.slice(m[0].length).trim().split(/\s+/).filter(Boolean) : null;
  return { term: Number(m[1]), index: Number(m[2]), data: m[3] === 'EntryNormal' && m[4] ? m[4] : null, conf };
}

/** A configuration change as etcd's test language writes it: `v2` (add a voter or promote a learner), `l2` (add a learner), `r2` (remove). */
const CHANGE = /^([vlr])(\d+)$/;

/**
 * Why the transcript's configuration changes cannot be mapped to feature config-on-apply, or
 * null: joint consensus (a ConfChangeV2 of several changes, an explicit transition, or the empty
 * change that leaves a joint configuration; etcd prints a joint configuration `voters=(…)&&(…)`),
 * which the reference does not model (thesis §4.3).
 */
function jointConsensus(text: string): string | null {
  if (/switched to configuration voters=\([^)]*\)&&/.test(text)) return 'a joint configuration (voters=(…)&&(…))';
  for (const m of text.matchAll(/\d+\/\d+ EntryConfChange(?:V2)?((?: [vlr]\d+)*)(?=[,\]\n]|$)/gm)) {
    const changes = m[1]!.trim().split(/\s+/).filter(Boolean);
    if (changes.length !== 1) return `a configuration change of ${changes.length} changes (${m[0].trim()})`;
  }
  return null;
}

/** Splits a transcript into commands and their output (datadriven's format). */
function parseBlocks(text: string): Block[] {
  const raw = text.replace(/^\uFEFF/, '').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < raw.length) {
    const t = raw[i]!.trimEnd();
    if (t === '' || t.startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    const commandLines: string[] = [];
    while (i < raw.length && raw[i]!.trimEnd() !== '----') commandLines.push(raw[i++]!);
    if (i >= raw.length) throw new EtcdTestdataFormatError(start + 1, 'command', `command "${t}" has no "----" line after it`);
    i++; // ----
    const output: Block['output'] = [];
    // A second ---- means the output may contain blank lines and ends at ----\n----.
    if (raw[i]?.trimEnd() === '----') {
      i++;
      while (i < raw.length && !(raw[i]!.trimEnd() === '----' && raw[i + 1]?.trimEnd() === '----')) output.push({ text: raw[i]!.trimEnd(), line: ++i });
      i += 2;
    } else {
      while (i < raw.length && raw[i]!.trimEnd() !== '') output.push({ text: raw[i]!.trimEnd(), line: ++i });
    }
    const words = commandLines[0]!.trim().split(/\s+/);
    blocks.push({ command: words[0]!, args: words.slice(1), line: start + 1, output });
  }
  return blocks;
}

function parseMessage(text: string, line: number): Printed | null {
  const m = MESSAGE.exec(text);
  if (!m) return null;
  const rest = m[7]!;
  const commit = /Commit:(\d+)/.exec(rest);
  const hint = /Rejected \(Hint: (\d+)\)/.exec(rest);
  const entries: PrintedEntry[] = [];
  const inline = /Entries:\[(.*)\]$/.exec(rest);
  if (inline && inline[1] !== '') {
    for (const e of inline[1]!.split(/, (?=\d+\/\d+ )/)) {
      const em = parseEntry(e);
      if (!em) throw new EtcdTestdataFormatError(line, 'message', `cannot read entry "${e}"`);
      entries.push(em);
    }
  }
  return {
    text, from: m[1]!, to: m[2]!, type: m[3]!, term: Number(m[4]), logTerm: Number(m[5]), index: Number(m[6]),
    commit: commit ? Number(commit[1]) : 0, entries, rejected: rest.includes('Rejected'), hint: hint ? Number(hint[1]) : 0,
  };
}

/** Commands whose output shows nothing of a node's steps, and that change none. */
const PASSIVE = new Set(['log-level', 'raft-state', 'status', 'raft-log', 'set-randomized-election-timeout', 'report-unreachable']);

export function importEtcdTestdata(text: string): EtcdTestdataImport {
  const blocks = parseBlocks(text);
  if (blocks.length === 0) throw new EtcdTestdataFormatError(1, 'command', 'no commands found: not an etcd interaction transcript');
  // Every node the transcript names, for the header.
  const ids = new Set<string>();
  for (const b of blocks) {
    for (const o of b.output) {
      const m = /^(?:> )?(\d+)(?:->(\d+))?\s/.exec(o.text.trim().replace(/^dropped: /, '').replace(/^INFO |^DEBUG /, ''));
      if (m) ids.add(m[1]!);
      if (m?.[2]) ids.add(m[2]);
    }
    if (b.command === 'add-nodes') {
      const voters = /voters=\(([\d,]*)\)/.exec(b.args.join(' '));
      voters?.[1]?.split(',').filter(Boolean).forEach((v) => ids.add(v));
    }
  }
  const nodeIds = [...ids].sort((a, b) => Number(a) - Number(b));
  // Membership: the first bootstrap's configuration is the initial one; single-server changes are
  // feature config-on-apply's (etcd switches when it applies the entry), joint consensus is not modelled.
  const joint = jointConsensus(text);
  const bootstrap = blocks.find((b) => b.command === 'add-nodes' && /voters=\(/.test(b.args.join(' ')))?.args.join(' ') ?? '';
  const listed = (name: string): string[] => new RegExp(`${name}=\\(([\\d,]*)\\)`).exec(bootstrap)?.[1]?.split(',').filter(Boolean) ?? [];
  const initial: Configuration = { voters: bootstrap ? listed('voters') : nodeIds, learners: listed('learners') };
  const mapsMembership = joint === null && (/ EntryConfChange/.test(text) || initial.learners.length > 0);
  const lines: TraceLine[] = [
    {
      kind: 'header', format: 'raftcheck-trace', version: 1, nodes: nodeIds.length ? nodeIds : ['1'],
      producer: { name: 'raftcheck-import-etcd-testdata', version: VERSION },
      meta: {
        source: 'etcd-io/raft interaction test transcript',
        note: mapsMembership
          ? 'a proposal\'s entry is imported as a set of its data by client etcd (one request id per entry); empty entries as noop commands; a single-server configuration change as the config command of the configuration it makes (feature config-on-apply)'
          : 'a proposal\'s entry is imported as a set of its data by client etcd (one request id per entry); empty entries and configuration changes as noop commands',
      },
      ...(mapsMembership ? { params: { voters: [...initial.voters], learners: [...initial.learners] } } : {}),
    },
  ];
  const sourceLines = [1];
  const notModelled: Record<string, number> = {};
  const nodes = new Map<string, NodeImport>();
  const inFlight = new Map<string, Array<{ id: string; msg: Message }>>();
  let nextMsg = 0;
  let time = 0;
  let hidden = false;
  let hiddenCommands = 0;
  /** A mapped change that is no reference change: a voter added (or a voter made a learner) in one step. */
  let addsVoterInOneStep = false;
  /** A node restoring a snapshot prints its switch before the restore: the install logs it. */
  let restoring = false;
  /** The features the transcript shows: heartbeats (trace revision 1.4), pre-votes. */
  const features = new Set<Feature>();

  const state = (n: NodeImport): NodeState => ({
    role: n.role, term: n.term, votedFor: n.votedFor, commitIndex: n.commit,
    ...(n.logTerms ? { lastLogIndex: n.logTerms.length, lastLogTerm: n.logTerms.at(-1) ?? 0 } : {}),
    ...(n.snapshot ? { snapshotIndex: n.snapshot.index, snapshotTerm: n.snapshot.term } : {}),
  });
  const emit = (n: NodeImport, event: Record<string, unknown>, line: number): void => {
    lines.push({ ...event, node: n.id, seq: n.seq++, time, state: state(n) } as unknown as TraceLine);
    sourceLines.push(line);
  };
  const note = (n: NodeImport | null, kind: string, what: string, line: number): void => {
    notModelled[kind] = (notModelled[kind] ?? 0) + 1;
    lines.push({ kind: 'note', ...(n ? { node: n.id, seq: n.seq++ } : {}), time, text: `not modelled: ${what}`, data: { line } } as TraceLine);
    sourceLines.push(line);
  };
  /** The node, created fresh (term 0, empty log) when first named; resynchronised after hidden steps. */
  const node = (id: string, line: number): NodeImport => {
    let n = nodes.get(id);
    if (!n) {
      // A node first seen after hidden steps may have been created and run during them.
      n = { id, seq: 0, role: 'follower', term: 0, votedFor: null, commit: 0, logTerms: [], lostSight: hiddenCommands > 0, roleUnknown: false, pendingCommit: null, snapshot: null, snapshotValue: null };
      nodes.set(id, n);
    }
    if (n.lostSight) {
      n.lostSight = false;
      n.logTerms = null;
      n.snapshot = null;
      n.commit = 0;
      n.role = 'follower';
      n.roleUnknown = true;
      note(n, 'hidden steps', `steps hidden by log-level none: this node's log and vote are unknown from here`, line);
      emit(n, { kind: 'restart' }, line);
    }
    return n;
  };

  const setTerm = (n: NodeImport, term: number, line: number): void => {
    if (term === n.term) return;
    n.term = term;
    n.votedFor = null;
    emit(n, { kind: 'term', term }, line);
  };
  const setRole = (n: NodeImport, role: Role, line: number): void => {
    // A leader or candidate met again after hidden steps voted for itself in its term, unseen:
    // a later HardState showing that vote is no new election (no vote event for it).
    if (n.roleUnknown && (role === 'leader' || role === 'candidate') && n.votedFor === null) n.votedFor = n.id;
    n.roleUnknown = false;
    if (role === n.role) return;
    n.role = role;
    emit(n, { kind: 'role', role }, line);
  };
  const setVote = (n: NodeImport, vote: string, line: number): void => {
    if (vote === n.votedFor) return;
    n.votedFor = vote;
    emit(n, { kind: 'vote', votedFor: vote }, line);
  };
  const setCommit = (n: NodeImport, commit: number, line: number): void => {
    if (commit === n.commit) return;
    n.commit = commit;
    emit(n, { kind: 'commit', commitIndex: commit }, line);
  };
  /**
   * The proposals seen, by `term/index` (an entry's identity: one leader per term creates it),
   * with the request id each is imported with: a proposal becomes a client's `set` of its data
   * (client `etcd`, no client events), which a leader appends as a client request it was not
   * seen to receive (conformance's hidden step 8); an empty entry (a new leader's) or a
   * configuration change is a `noop`.
   */
  const proposals = new Map<string, { data: string; requestId: number }>();
  /**
   * Feature config-on-apply: the configuration each change entry makes, by `term/index`, from the
   * one before it (the latest change entry below it, else the initial configuration), in the
   * reference's order (a server added or promoted goes last); and what a leader was asked.
   */
  const changes = new Map<string, { index: number; command: Extract<Entry['command'], { type: 'config' }>; asked: { change: ConfigChange; server: string } | null }>();
  const configurationBefore = (index: number): Configuration => {
    let best: { index: number; command: Configuration } | null = null;
    for (const c of changes.values()) if (c.index < index && (!best || c.index > best.index)) best = c;
    return best ? best.command : initial;
  };
  const learnChange = (e: PrintedEntry): void => {
    const key = `${e.term}/${e.index}`;
    if (!mapsMembership || e.conf === null || changes.has(key)) return;
    const m = CHANGE.exec(e.conf[0] ?? '');
    if (!m) return;
    const server = m[2]!;
    const { voters, learners } = configurationBefore(e.index);
    const without = (l: readonly string[]) => l.filter((x) => x !== server);
    let next: Configuration;
    let asked: { change: ConfigChange; server: string } | null;
    if (m[1] === 'r') [next, asked] = [{ voters: without(voters), learners: without(learners) }, { change: 'remove', server }];
    else if (m[1] === 'l') [next, asked] = [{ voters: without(voters), learners: [...without(learners), server] }, voters.includes(server) ? null : { change: 'add', server }];
    else if (learners.includes(server)) [next, asked] = [{ voters: [...voters, server], learners: without(learners) }, { change: 'promote', server }];
    else [next, asked] = [{ voters: voters.includes(server) ? voters : [...voters, server], learners }, null]; // a voter in one step: no reference change
    if (asked === null) addsVoterInOneStep = true;
    changes.set(key, { index: e.index, command: { type: 'config', voters: [...next.voters], learners: [...next.learners] }, asked });
  };
  const learn = (e: PrintedEntry): void => {
    if (e.data !== null && !proposals.has(`${e.term}/${e.index}`)) proposals.set(`${e.term}/${e.index}`, { data: e.data, requestId: proposals.size + 1 });
    learnChange(e);
  };
  /** The configuration in effect at `index` of a log with these terms (the latest change entry at or under it), with its entry's index. */
  const configurationAt = (logTerms: readonly number[] | null, index: number): { index: number; voters: string[]; learners: string[] } | null => {
    for (let i = index; i >= 1; i--) {
      const term = logTerms?.[i - 1];
      if (term === undefined) return null;
      const c = changes.get(`${term}/${i}`);
      if (c) return { index: i, voters: [...c.command.voters], learners: [...c.command.learners] };
    }
    return { index: 0, voters: [...initial.voters], learners: [...initial.learners] };
  };
  /**
   * The change entry that makes the configuration a `switched to configuration` line prints: the
   * one at or under `commit`, else the one beyond it (a switch before commit, which the checker
   * judges), or null if none or several.
   */
  const printedChange = (t: string, commit: number): { index: number; voters: string[]; learners: string[] } | null => {
    const servers = (name: string) => new RegExp(`${name}=\\(([\\d ]*)\\)`).exec(t)?.[1]?.split(' ').filter(Boolean).sort().join(',') ?? '';
    const all = [...changes.values()].filter((c) => [...c.command.voters].sort().join(',') === servers('voters') && [...c.command.learners].sort().join(',') === servers('learners'));
    const committed = all.filter((c) => c.index <= commit);
    const found = committed.length > 0 ? committed : all;
    return found.length === 1 ? { index: found[0]!.index, voters: [...found[0]!.command.voters], learners: [...found[0]!.command.learners] } : null;
  };
  const entryAt = (index: number, term: number): Entry => {
    const change = changes.get(`${term}/${index}`);
    if (change) return { term, command: change.command };
    const p = proposals.get(`${term}/${index}`);
    return { term, command: p ? { type: 'set', value: p.data, client: 'etcd', requestId: p.requestId } : { type: 'noop' } };
  };
  /** Appends an entry at `index` (truncating a conflicting suffix first). */
  const appendAt = (n: NodeImport, index: number, terms: number[], line: number): void => {
    if (terms.length === 0) return;
    if (n.logTerms === null) {
      // Unknown log (hidden steps): an append is all that is known of it, from its first index.
      emit(n, { kind: 'append', index, entries: terms.map((t, k) => entryAt(index + k, t)) }, line);
      return;
    }
    if (index > n.logTerms.length + 1) throw new EtcdTestdataFormatError(line, 'entries', `node ${n.id} appends at index ${index} but its log ends at ${n.logTerms.length}`);
    let k = 0;
    while (k < terms.length && index + k <= n.logTerms.length && n.logTerms[index + k - 1] === terms[k]) k++;
    if (k === terms.length) return;
    const at = index + k;
    if (at <= n.logTerms.length) {
      n.logTerms.length = at - 1;
      emit(n, { kind: 'truncate', fromIndex: at }, line);
    }
    const added = terms.slice(k);
    n.logTerms.push(...added);
    emit(n, { kind: 'append', index: at, entries: added.map((t, j) => entryAt(at + j, t)) }, line);
  };

  function toMessage(p: Printed, id: string): Message | null {
    const base = { id, from: p.from, to: p.to, term: p.term };
    switch (p.type) {
      case 'MsgVote':
        return { ...base, type: 'RequestVote', candidateId: p.from, lastLogIndex: p.index, lastLogTerm: p.logTerm };
      case 'MsgVoteResp':
        return { ...base, type: 'RequestVoteResponse', voteGranted: !p.rejected };
      case 'MsgApp':
        return {
          ...base, type: 'AppendEntries', leaderId: p.from, prevLogIndex: p.index, prevLogTerm: p.logTerm,
          entries: p.entries.map((e) => entryAt(e.index, e.term)), leaderCommit: p.commit,
        };
      case 'MsgPreVote':
        return { ...base, type: 'PreVote', candidateId: p.from, lastLogIndex: p.index, lastLogTerm: p.logTerm };
      case 'MsgPreVoteResp':
        return { ...base, type: 'PreVoteResponse', voteGranted: !p.rejected };
      case 'MsgHeartbeat':
        return { ...base, type: 'Heartbeat', commit: p.commit };
      case 'MsgHeartbeatResp':
        return { ...base, type: 'HeartbeatResponse' };
      case 'MsgAppResp':
        return p.rejected
          ? { ...base, type: 'AppendEntriesResponse', success: false, conflictIndex: p.hint + 1 }
          : { ...base, type: 'AppendEntriesResponse', success: true, matchIndex: p.index };
      default:
        return null;
    }
  }

  /** Why a message is not modelled, or null for Figure 2's four between two nodes. */
  function unmodelled(p: Printed): [kind: string, what: string] | null {
    if (!/^\d+$/.test(p.from) || !/^\d+$/.test(p.to)) return ['storage message', `${p.type} ${p.from}->${p.to} (asynchronous storage writes)`];
    if (p.from === p.to) return ['self-addressed message', `${p.type} to itself`];
    if (!MODELLED.has(p.type)) return [p.type, `${p.type} ${p.from}->${p.to}`];
    return null;
  }

  function send(p: Printed, line: number): void {
    const n = node(p.from === 'AppendThread' || p.from === 'ApplyThread' ? p.to : p.from, line);
    const why = unmodelled(p);
    if (why) return note(n, why[0], `send ${why[1]}`, line);
    if (p.type === 'MsgHeartbeat' || p.type === 'MsgHeartbeatResp') features.add('heartbeat');
    if (p.type === 'MsgPreVote' || p.type === 'MsgPreVoteResp') features.add('prevote');
    if (n.roleUnknown && p.type === 'MsgApp') {
      // Only a leader sends MsgApp: a node met again after hidden steps shows its leadership here.
      setTerm(n, p.term, line);
      setRole(n, 'leader', line);
    }
    p.entries.forEach(learn);
    const msg = toMessage(p, `t${++nextMsg}`)!;
    const queue = inFlight.get(p.text) ?? [];
    queue.push({ id: msg.id, msg });
    inFlight.set(p.text, queue);
    emit(n, { kind: 'send', msg }, line);
  }

  function receive(p: Printed, line: number): NodeImport {
    const n = node(p.to, line);
    const why = unmodelled(p);
    if (why) {
      note(n, why[0], `receive ${why[1]}`, line);
      return n;
    }
    const sent = inFlight.get(p.text)?.shift();
    if (!sent) {
      note(n, 'unmatched receive', `receive ${p.text} whose send the transcript does not show`, line);
      return n;
    }
    emit(n, { kind: 'receive', msg: sent.msg }, line);
    return n;
  }

  function drop(p: Printed): void {
    inFlight.get(p.text)?.shift();
  }

  /** One INFO/DEBUG line: the state changes it reports. */
  function info(t: string, line: number, inAddNodes: boolean): void {
    let m: RegExpExecArray | null;
    if ((m = /^(\d+) is starting a new election at term \d+/.exec(t))) {
      emit(node(m[1]!, line), { kind: 'timeout', timer: 'election' }, line);
    } else if ((m = /^(\d+) became (follower|candidate|leader|pre-candidate) at term (\d+)/.exec(t))) {
      const n = node(m[1]!, line);
      const role = m[2]!;
      if (role === 'pre-candidate') {
        features.add('prevote');
        setTerm(n, Number(m[3]), line);
        return setRole(n, 'precandidate', line);
      }
      // In the reference's order: a candidate changes role, then term, then votes for itself;
      // a server that adopts a higher term does so before it becomes follower.
      if (role === 'candidate') {
        setRole(n, 'candidate', line);
        setTerm(n, Number(m[3]), line);
        setVote(n, n.id, line);
      } else {
        setTerm(n, Number(m[3]), line);
        setRole(n, role as Role, line);
      }
    } else if ((m = /^(\d+) \[logterm: \d+, index: \d+, vote: \d+\] cast MsgVote for (\d+) .* at term (\d+)/.exec(t))) {
      const n = node(m[1]!, line);
      setTerm(n, Number(m[3]), line);
      setVote(n, m[2]!, line);
    } else if (/starts to restore snapshot/.test(t)) {
      restoring = true;
    } else if ((m = /^(\d+) switched to configuration/.exec(t))) {
      const n = node(m[1]!, line);
      // Feature config-on-apply: the node applied a change entry (a bootstrap's is the initial configuration, a restore's the install's).
      if (!mapsMembership || inAddNodes) return note(n, 'configuration change', t, line);
      if (restoring) return;
      // The entry is the change entry that makes the printed configuration (one up to its commit, if any: the others
      // it may only have appended), whether its log is known or not (hidden steps).
      const c = printedChange(t, n.commit) ?? configurationAt(n.logTerms, n.commit);
      if (c === null) return note(n, 'configuration change', `${t} (of an entry the transcript does not show)`, line);
      emit(n, { kind: 'config', ...c }, line);
    } else if ((m = /^(\d+) \[commit: \d+, lastindex: \d+, lastterm: \d+\] restored snapshot \[index: (\d+), term: (\d+)\]/.exec(t))) {
      restoreSnapshot(node(m[1]!, line), Number(m[2]), Number(m[3]), line);
    } else if ((m = /^newRaft (\d+) \[peers: \[[\d,]*\], term: (\d+), commit: (\d+), applied: \d+, lastindex: (\d+), lastterm: (\d+)\]/.exec(t))) {
      const n = node(m[1]!, line);
      // etcd's test bootstrap (`add-nodes N voters=(...) index=I`) is a snapshot at index I of
      // term lastterm with a ConfState, in storage before the node starts: a restart from that
      // persisted snapshot (feature snapshot), with an empty log after it and the register's
      // initial value (the snapshot's data is no register command). A restart from a snapshot
      // starts committed at its index, which is sound: a snapshot covers committed entries only.
      const last = Number(m[4]);
      const term = Number(m[2]);
      const commit = Number(m[3]);
      if (last > 0 && n.logTerms?.length === 0 && n.snapshot === null) {
        if (commit !== last) throw new EtcdTestdataFormatError(line, 'commit', `node ${n.id} starts with commit ${commit} and last index ${last}: not a bootstrap snapshot`);
        const snapTerm = Number(m[5]);
        n.logTerms = Array(last).fill(snapTerm) as number[];
        n.snapshot = { index: last, term: snapTerm };
        n.term = term;
        n.commit = last;
        features.add('snapshot');
        const config = mapsMembership ? { config: { index: 0, voters: [...initial.voters], learners: [...initial.learners] } } : {};
        emit(n, { kind: 'restart', persisted: { term, votedFor: n.votedFor, log: [], snapshot: { index: last, term: snapTerm, value: null, ...config } } }, line);
        return;
      }
      setTerm(n, term, line);
      setCommit(n, commit, line);
    } else if ((m = /^(\d+) forgetting leader/.exec(t))) {
      note(node(m[1]!, line), 'forget leader', t, line);
    }
  }

  /**
   * A restored snapshot (etcd's `restore`, from a MsgSnap) is Figure 13's install: etcd restores
   * only a snapshot whose last entry its log does not hold, and then discards its whole log
   * (`logKept` false); it commits through the snapshot. Its prefix is that of a node whose log
   * holds (index, term), and its value the register after it: the last proposal's data up to
   * index, else that node's own snapshot's value.
   */
  function restoreSnapshot(n: NodeImport, index: number, term: number, line: number): void {
    const source = [...nodes.values()].find((o) => o.logTerms && o.logTerms.length >= index && o.logTerms[index - 1] === term);
    if (!source?.logTerms) {
      note(n, 'snapshot', `restored snapshot at index ${index}, term ${term}`, line);
      // The entries it stands for were appended in hidden steps: the log is unknown up to it.
      if (n.logTerms !== null) note(n, 'hidden steps', `snapshot of entries the transcript does not show: this node's log is unknown from here`, line);
      n.logTerms = null;
      n.snapshot = null;
      setCommit(n, index, line);
      return;
    }
    let value: string | null = source.snapshotValue;
    for (let i = (source.snapshot?.index ?? 0) + 1; i <= index; i++) {
      const c = entryAt(i, source.logTerms[i - 1]!).command;
      if (c.type === 'set') value = c.value as string;
    }
    features.add('snapshot');
    n.logTerms = source.logTerms.slice(0, index);
    n.snapshot = { index, term };
    n.snapshotValue = value;
    n.commit = index;
    // With membership (revision 1.5), the snapshot carries the configuration at its index; the node switches to it.
    const config = mapsMembership ? configurationAt(n.logTerms, index) : null;
    emit(n, { kind: 'install_snapshot', index, term, value, logKept: false, ...(config ? { config } : {}) }, line);
    if (config && restoring) emit(n, { kind: 'config', ...config }, line);
    restoring = false;
  }

  for (const block of blocks) {
    time += 1;
    if (block.command === 'log-level') {
      hidden = block.args[0] === 'none';
      continue;
    }
    const quiet = hidden || block.args.includes('log-level=none');
    if (quiet) {
      if (!PASSIVE.has(block.command)) {
        hiddenCommands++;
        for (const n of nodes.values()) n.lostSight = true;
        // Messages in flight may have been delivered unseen.
        inFlight.clear();
      }
      continue;
    }
    if (block.command === 'raft-state') {
      // `1: StateLeader (Voter) Term:1 Lead:1`: the role and term of a node met again after hidden steps.
      for (const { text: o, line } of block.output) {
        const m = /^(\d+): State(\w+) \(.*\) Term:(\d+)/.exec(o.trim());
        const n = m ? nodes.get(m[1]!) : undefined;
        if (!m || (n && !n.roleUnknown && !n.lostSight)) continue;
        const r = node(m[1]!, line);
        setTerm(r, Number(m[3]), line);
        setRole(r, ROLES[m[2]!] ?? 'follower', line);
      }
      continue;
    }
    if (PASSIVE.has(block.command)) continue;
    const single = ['process-ready', 'deliver-msgs', 'process-append-thread', 'process-apply-thread'].includes(block.command) && block.args.length === 1 && /^\d+$/.test(block.args[0]!) ? block.args[0]! : null;
    let context: 'ready' | 'receive' | 'append-thread' | 'apply-thread' | 'other' = 'other';
    let section: 'entries' | 'committed' | 'messages' | 'processing' | 'responses' | 'other' = 'other';
    let current: NodeImport | null = null;
    let pendingRole: Role | null = null;
    if (single) {
      current = node(single, block.line);
      context = block.command === 'process-ready' ? 'ready' : block.command === 'deliver-msgs' ? 'receive' : block.command === 'process-append-thread' ? 'append-thread' : 'apply-thread';
    }
    const endReady = (line: number): void => {
      if (current && pendingRole) setRole(current, pendingRole, line);
      pendingRole = null;
      if (current && current.pendingCommit !== null) {
        const c = current.pendingCommit;
        current.pendingCommit = null;
        setCommit(current, c, line);
      }
    };
    const out = block.output;
    for (let k = 0; k < out.length; k++) {
      const { text: raw, line } = out[k]!;
      let t = raw.trim();
      let h: RegExpExecArray | null;
      if ((h = /^> (\d+) (handling Ready|receiving messages|processing append thread|processing apply thread)/.exec(t))) {
        endReady(line);
        current = node(h[1]!, line);
        context = h[2] === 'handling Ready' ? 'ready' : h[2] === 'receiving messages' ? 'receive' : h[2] === 'processing append thread' ? 'append-thread' : 'apply-thread';
        section = 'other';
        continue;
      }
      // A message printed over several lines (Entries:[ ... ], Responses:[ ... ]) is one text.
      if (MESSAGE.test(t.replace(/^dropped: /, '')) && t.endsWith('[')) {
        const parts = [t];
        let depth = 1;
        while (depth > 0 && k + 1 < out.length) {
          const next = out[++k]!.text.trim();
          parts.push(next);
          if (next.endsWith('[')) depth++;
          if (next === ']') depth--;
        }
        t = normaliseList(parts);
      }
      if (t.startsWith('INFO ') || t.startsWith('DEBUG ')) {
        info(t.replace(/^(INFO|DEBUG) /, ''), line, block.command === 'add-nodes');
        continue;
      }
      if (t.startsWith('dropped: ')) {
        const p = parseMessage(t.slice('dropped: '.length), line);
        if (p) drop(p);
        continue;
      }
      if (context === 'ready' && current) {
        let m: RegExpExecArray | null;
        // Ready prints the role before the HardState: a role is logged after the term it belongs to.
        if ((m = /^Lead:(\d+) State:State(\w+)/.exec(t))) {
          pendingRole = ROLES[m[2]!] ?? 'follower';
          continue;
        }
        const hs = /^HardState Term:(\d+)(?: Vote:(\d+))? Commit:(\d+)/.exec(t);
        if (hs) setTerm(current, Number(hs[1]), line);
        if (pendingRole) setRole(current, pendingRole, line);
        pendingRole = null;
        if (/^Ready MustSync=/.test(t)) section = 'other';
        else if (hs) {
          if (hs[2] && hs[2] !== '0') setVote(current, hs[2], line);
          current.pendingCommit = Number(hs[3]);
        } else if (t === 'Entries:') section = 'entries';
        else if (t === 'CommittedEntries:' || t === 'Messages:') {
          // Entries are printed after HardState: the commit that covers them is logged after them.
          endReady(line);
          section = t === 'Messages:' ? 'messages' : 'committed';
        }
        else if ((m = /^Snapshot Index:(\d+) Term:(\d+)/.exec(t))) {
          section = 'other';
          if (!(current.logTerms && current.logTerms[Number(m[1]) - 1] === Number(m[2]) && current.commit >= Number(m[1]))) restoreSnapshot(current, Number(m[1]), Number(m[2]), line);
        } else if (section === 'entries' && parseEntry(t)) {
          const e = parseEntry(t)!;
          learn(e);
          // A leader's change entry: it was asked for that change (the proposal, an input).
          const asked = current.role === 'leader' ? changes.get(`${e.term}/${e.index}`)?.asked : undefined;
          if (asked && current.logTerms?.[e.index - 1] !== e.term) emit(current, { kind: 'reconfigure', ...asked }, line);
          appendAt(current, e.index, [e.term], line);
        } else if (section === 'messages') {
          const p = parseMessage(t, line);
          if (p) send(p, line);
        }
        continue;
      }
      if ((context === 'append-thread' || context === 'apply-thread') && current) {
        if (t === 'Processing:') section = 'processing';
        else if (t === 'Responses:') section = 'responses';
        else if (section === 'responses') {
          const p = parseMessage(t, line);
          if (p) send(p, line);
        }
        continue;
      }
      if (context === 'receive' || block.command === 'deliver-msgs') {
        const p = parseMessage(t, line);
        if (p) receive(p, line);
        continue;
      }
    }
    endReady(block.output.at(-1)?.line ?? block.line);
    if (block.command === 'transfer-leadership') note(null, 'leader transfer', `transfer-leadership ${block.args.join(' ')}`, block.line);
    if (block.command === 'compact') note(null, 'log compaction', `compact ${block.args.join(' ')} (the log is unchanged in Raft's terms)`, block.line);
  }
  if (mapsMembership) features.add('membership').add('config-on-apply');
  const declared = canonicalFeatures(features);
  if (declared.length > 0) Object.assign(lines[0]!, { minor: featuresRevision(declared), features: declared });
  const reasons: Array<{ kind: string; why: string }> = [];
  if (joint !== null) reasons.push({ kind: 'conformance (joint consensus)', why: `${JOINT_CONSENSUS} (${joint})` });
  if (addsVoterInOneStep) reasons.push({ kind: 'conformance (voter added in one step)', why: ADD_VOTER_IN_ONE_STEP });
  if (notModelled['storage message']) reasons.push({ kind: 'conformance (asynchronous storage writes)', why: ASYNC_STORAGE_WRITES });
  if (features.has('prevote')) reasons.push({ kind: 'conformance (pre-vote lease in ticks)', why: PREVOTE_LEASE_IN_TICKS });
  if (reasons.length > 0) {
    for (const r of reasons) notModelled[r.kind] = (notModelled[r.kind] ?? 0) + 1;
    const reason = `etcd-testdata: ${reasons.map((r) => r.why).join('; ')}`;
    const skipped = [...CONFORMANCE_RULES, ...(features.has('prevote') ? ['prevote.lease'] : [])];
    Object.assign(lines[0]!, { skipRules: skipped.map((rule) => ({ rule, reason: rule === 'prevote.lease' ? `etcd-testdata: ${PREVOTE_LEASE_IN_TICKS}` : reason })) });
  }
  return { lines, notModelled, sourceLines, commands: blocks.filter((b) => b.command !== 'log-level').length, hiddenCommands };
}

/** `1->2 MsgApp ... Entries:[`, entry lines, `]` as the one-line form `... Entries:[a, b]`. */
function normaliseList(parts: string[]): string {
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p.endsWith('[')) {
      out += (out ? ' ' : '') + p;
      first = true;
    } else if (p === ']') out += ']';
    else {
      out += (first ? '' : ', ') + p;
      first = false;
    }
  }
  return out;
}
