/**
 * Trace format v1: the single source of truth for both the TypeScript types and
 * `spec/trace.schema.json` (generated from these definitions by `raftcheck spec --write`).
 *
 * Every object is closed (`additionalProperties: false`) so that a misspelt field is an
 * error rather than silently unconstrained, and every integer is bounded by 2^53 - 1 so
 * that a number JSON.parse cannot represent exactly is rejected instead of rounded.
 */
import { Type, type Static, type TSchema, type TObject, type TProperties } from '@sinclair/typebox';
import { FEATURES } from '../raft/features/index.js';

export const TRACE_FORMAT = 'raftcheck-trace';
export const TRACE_VERSION = 1;
/**
 * The newest minor revision of version 1 this reader knows. A minor revision only adds what an
 * older trace never contains (revision 1: `features`, the `precandidate` role, the PreVote,
 * PreVoteResponse and TimeoutNow messages, the `transfer` input, RequestVote's
 * `leadershipTransfer`, and the `lease`, `quorum` and `transfer` timers; revision 2: the `snapshot` feature's InstallSnapshot and
 * InstallSnapshotResponse messages, `snapshot` and `install_snapshot` events, the state's
 * `snapshotIndex`/`snapshotTerm`, a persisted `snapshot` and the `snapshotEvery` parameter;
 * revision 3: the `membership` feature's `config` command, `reconfigure` and `config` events and
 * the initial configuration's `voters`/`learners` parameters; revision 4: the feature
 * `heartbeat` with its Heartbeat and HeartbeatResponse messages; revision 5: `membership` with
 * `snapshot`, a snapshot's `config` — in the `snapshot` and `install_snapshot` events, the
 * InstallSnapshot message and a persisted snapshot; revision 6: the feature `config-on-apply`),
 * so every v1 trace stays valid as it was.
 * A header without `minor` is revision 0.
 */
export const TRACE_MINOR = 6;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Closed object: unknown fields are errors. */
function Closed<T extends TProperties>(properties: T, description?: string): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

export const Int = (description?: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_SAFE, ...(description ? { description } : {}) });
export const Index = (description: string) => Int(description);
export const Term = (description = 'a Raft term (0 before the first election)') => Int(description);

export const Feature = Type.Union(FEATURES.map((f) => Type.Literal(f)), { description: 'a protocol extension (src/raft/features)' });

export const NodeId = Type.String({ minLength: 1, maxLength: 128, description: 'a node id declared in the header' });
export type NodeId = Static<typeof NodeId>;

export const Role = Type.Union([Type.Literal('follower'), Type.Literal('precandidate'), Type.Literal('candidate'), Type.Literal('leader')], {
  description: "precandidate: a node in a pre-vote round (feature 'prevote'; revision 1.1)",
});
export type Role = Static<typeof Role>;

/** The register holds a string or an integer; `null` means "never written". */
export const RegisterValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Integer({ minimum: -MAX_SAFE, maximum: MAX_SAFE })]);
export type RegisterValue = Static<typeof RegisterValue>;
export const RegisterState = Type.Union([RegisterValue, Type.Null()]);
export type RegisterState = Static<typeof RegisterState>;

export const ClientId = Type.String({ minLength: 1, maxLength: 128 });
export const RequestId = Int('unique per client; a retry after "not_leader" is a new request');

/** Client identity carried by a log entry, so the node that applies it can answer. */
const Origin = {
  client: Type.Optional(ClientId),
  requestId: Type.Optional(RequestId),
};

export const SetCommand = Closed({ type: Type.Literal('set'), value: RegisterValue, ...Origin });
export const GetCommand = Closed({ type: Type.Literal('get'), ...Origin });
export const CasCommand = Closed({ type: Type.Literal('cas'), expected: RegisterState, value: RegisterValue, ...Origin });
export const NoopCommand = Closed({ type: Type.Literal('noop') }, 'an entry with no effect on the register (for example a new leader\'s first entry)');
const ServerList = (description: string) => Type.Array(NodeId, { uniqueItems: true, maxItems: 1024, description });
export const ConfigCommand = Closed({
  type: Type.Literal('config'),
  voters: ServerList('the servers whose votes and acknowledgements count (at least one)'),
  learners: ServerList('servers that receive entries but neither vote nor count (none of the voters)'),
}, "feature 'membership' (revision 1.3): a configuration; a server uses the latest one in its log, committed or not; no effect on the register");
/**
 * Features `membership` and `snapshot` (revision 1.5): the configuration in effect at a
 * snapshot's last included index — the latest configuration entry at or under it (`index`; 0:
 * the header's initial configuration) — which a snapshot carries since it replaces that entry
 * (thesis §5.4.2).
 */
export const SnapshotConfig = Closed({
  index: Index('the log index of the configuration entry (0: the initial configuration of the header)'),
  voters: ServerList('its voters'),
  learners: ServerList('its learners'),
}, "features 'membership' and 'snapshot' (revision 1.5): the configuration a snapshot carries");
export type SnapshotConfig = Static<typeof SnapshotConfig>;
const snapshotConfigField = { config: Type.Optional(SnapshotConfig) };
export const Command = Type.Union([SetCommand, GetCommand, CasCommand, NoopCommand, ConfigCommand]);
export type Command = Static<typeof Command>;
/** A client's command (set, get, cas): the ones that may carry an origin and change or read the register. */
export type ClientCommand = Extract<Command, { type: 'set' | 'get' | 'cas' }>;
export function isClientCommand(c: Command): c is ClientCommand {
  return c.type === 'set' || c.type === 'get' || c.type === 'cas';
}

export const Entry = Closed({ term: Term('the term in which a leader created the entry'), command: Command });
export type Entry = Static<typeof Entry>;

/** A client operation, as submitted (no origin: that is the request's client/requestId). */
export const Operation = Type.Union([
  Closed({ type: Type.Literal('set'), value: RegisterValue }),
  Closed({ type: Type.Literal('get') }),
  Closed({ type: Type.Literal('cas'), expected: RegisterState, value: RegisterValue }),
]);
export type Operation = Static<typeof Operation>;

const Envelope = {
  id: Type.String({ minLength: 1, maxLength: 256, description: 'unique per message; a receive names the id of its send' }),
  from: NodeId,
  to: NodeId,
  term: Term("the sender's currentTerm"),
};

export const RequestVote = Closed({
  ...Envelope,
  type: Type.Literal('RequestVote'),
  candidateId: NodeId,
  lastLogIndex: Index("index of the candidate's last log entry (0 if empty)"),
  lastLogTerm: Term("term of the candidate's last log entry (0 if empty)"),
  leadershipTransfer: Type.Optional(Type.Boolean({ description: "feature 'transfer': the election was started by TimeoutNow, so it may disrupt a live leader (thesis §4.2.3)" })),
});
export const RequestVoteResponse = Closed({
  ...Envelope,
  type: Type.Literal('RequestVoteResponse'),
  voteGranted: Type.Boolean(),
});
export const AppendEntries = Closed({
  ...Envelope,
  type: Type.Literal('AppendEntries'),
  leaderId: NodeId,
  prevLogIndex: Index('index of the entry immediately preceding the new ones'),
  prevLogTerm: Term('term of the entry at prevLogIndex (0 if prevLogIndex is 0)'),
  entries: Type.Array(Entry, { description: 'entries in full; empty for a heartbeat' }),
  leaderCommit: Index("the leader's commitIndex"),
});
export const AppendEntriesResponse = Closed({
  ...Envelope,
  type: Type.Literal('AppendEntriesResponse'),
  success: Type.Boolean(),
  matchIndex: Type.Optional(Index('on success: prevLogIndex + number of entries of the request answered')),
  conflictIndex: Type.Optional(Index('on failure: a hint for the next index to try')),
  conflictTerm: Type.Optional(Term('on failure: the term of the conflicting entry, if any')),
});
export const PreVote = Closed({
  ...Envelope,
  term: Term("the term the candidate would stand in: its currentTerm + 1 (its own term does not change)"),
  type: Type.Literal('PreVote'),
  candidateId: NodeId,
  lastLogIndex: Index("index of the candidate's last log entry (0 if empty)"),
  lastLogTerm: Term("term of the candidate's last log entry (0 if empty)"),
}, "feature 'prevote': would you vote for me in this term?");
export const PreVoteResponse = Closed({
  ...Envelope,
  term: Term('granted: the term of the PreVote; refused: the sender\'s currentTerm'),
  type: Type.Literal('PreVoteResponse'),
  voteGranted: Type.Boolean(),
}, "feature 'prevote'");
export const InstallSnapshot = Closed({
  ...Envelope,
  type: Type.Literal('InstallSnapshot'),
  leaderId: NodeId,
  lastIncludedIndex: Index('the snapshot replaces all entries up through this index'),
  lastIncludedTerm: Term('term of the entry at lastIncludedIndex'),
  value: RegisterState,
  ...snapshotConfigField,
}, "feature 'snapshot' (revision 1.2): the leader's snapshot, whole (one message: no chunks): the register after lastIncludedIndex (with membership, revision 1.5: and the configuration there)");
export const InstallSnapshotResponse = Closed({
  ...Envelope,
  type: Type.Literal('InstallSnapshotResponse'),
  matchIndex: Type.Optional(Index("the request's lastIncludedIndex: the follower's log now agrees with the leader's through it (absent: a refusal of a stale request)")),
}, "feature 'snapshot' (revision 1.2)");
export const TimeoutNow = Closed({ ...Envelope, type: Type.Literal('TimeoutNow') }, "feature 'transfer': the leader tells an up-to-date follower to start an election now");
export const Heartbeat = Closed({
  ...Envelope,
  type: Type.Literal('Heartbeat'),
  commit: Index("the commit index the receiver may advance to: min(matchIndex[receiver], leader's commitIndex)"),
}, "feature 'heartbeat' (revision 1.4): the leader's heartbeat tick, without a log check (etcd's MsgHeartbeat)");
export const HeartbeatResponse = Closed({ ...Envelope, type: Type.Literal('HeartbeatResponse') }, "feature 'heartbeat' (revision 1.4): the answer to a Heartbeat (etcd's MsgHeartbeatResp)");
export const Message = Type.Union([RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse, PreVote, PreVoteResponse, TimeoutNow, InstallSnapshot, InstallSnapshotResponse, Heartbeat, HeartbeatResponse]);
export type InstallSnapshot = Static<typeof InstallSnapshot>;
export type InstallSnapshotResponse = Static<typeof InstallSnapshotResponse>;
export type Message = Static<typeof Message>;
export type PreVote = Static<typeof PreVote>;
export type PreVoteResponse = Static<typeof PreVoteResponse>;
export type TimeoutNow = Static<typeof TimeoutNow>;
export type Heartbeat = Static<typeof Heartbeat>;
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;
export type RequestVote = Static<typeof RequestVote>;
export type RequestVoteResponse = Static<typeof RequestVoteResponse>;
export type AppendEntries = Static<typeof AppendEntries>;
export type AppendEntriesResponse = Static<typeof AppendEntriesResponse>;
export type MessageType = Message['type'];

/** A node's state right after the event. Every field is optional: an absent field is unconstrained. */
export const NodeState = Closed(
  {
    role: Type.Optional(Role),
    term: Type.Optional(Term('currentTerm')),
    votedFor: Type.Optional(Type.Union([NodeId, Type.Null()], { description: 'null: no vote in this term' })),
    commitIndex: Type.Optional(Index('commitIndex')),
    lastApplied: Type.Optional(Index('lastApplied')),
    lastLogIndex: Type.Optional(Index('index of the last log entry (0 if empty)')),
    lastLogTerm: Type.Optional(Term('term of the last log entry (0 if empty)')),
    log: Type.Optional(Type.Array(Entry, { description: 'the full log, entry 1 first (with a snapshot: the entries after snapshotIndex)' })),
    value: Type.Optional(RegisterState),
    snapshotIndex: Type.Optional(Index("feature 'snapshot' (revision 1.2): the last index the node's snapshot covers (0: none)")),
    snapshotTerm: Type.Optional(Term("feature 'snapshot' (revision 1.2): the term of the entry at snapshotIndex")),
  },
  'the node state after the event; absent fields are unconstrained',
);
export type NodeState = Static<typeof NodeState>;

/** A snapshot (feature `snapshot`): the register after the entries 1..index, the last of which had term `term`. */
export const Snapshot = Closed({
  index: Type.Integer({ minimum: 1, maximum: MAX_SAFE, description: 'the last log index the snapshot covers' }),
  term: Term('the term of the entry at index'),
  value: RegisterState,
  ...snapshotConfigField,
}, "feature 'snapshot' (revision 1.2; with membership, revision 1.5: the configuration at index)");
export type Snapshot = Static<typeof Snapshot>;

export const PersistentState = Closed({
  term: Term('currentTerm'),
  votedFor: Type.Union([NodeId, Type.Null()]),
  log: Type.Array(Entry, { description: 'the log; with a snapshot, the entries after snapshot.index' }),
  snapshot: Type.Optional(Snapshot),
});
export type PersistentState = Static<typeof PersistentState>;

export const ClientResult = Type.Union([
  Closed({ status: Type.Literal('ok'), value: Type.Optional(RegisterState) }, 'applied; a get carries the value read'),
  Closed({ status: Type.Literal('cas_failed'), value: Type.Optional(RegisterState) }, 'applied, but the compare did not match: no change'),
  Closed({ status: Type.Literal('not_leader'), leaderHint: Type.Union([NodeId, Type.Null()]) }, 'not applied: ask the hinted leader'),
]);
export type ClientResult = Static<typeof ClientResult>;

// ---------------------------------------------------------------- events

const NodeEventBase = {
  node: NodeId,
  seq: Int('per-node sequence number, strictly increasing'),
  time: Type.Number({ minimum: 0, maximum: MAX_SAFE, description: 'virtual (or wall) time in milliseconds' }),
  state: Type.Optional(NodeState),
};
const NetworkEventBase = {
  seq: Int('sequence number of the network stream, strictly increasing'),
  time: NodeEventBase.time,
};

function NodeEvent<K extends string, T extends TProperties>(kind: K, props: T, description: string) {
  return Closed({ kind: Type.Literal(kind), ...NodeEventBase, ...props }, description);
}
function NetworkEvent<K extends string, T extends TProperties>(kind: K, props: T, description: string) {
  return Closed({ kind: Type.Literal(kind), ...NetworkEventBase, ...props }, description);
}

/**
 * Semantic rules the producer declares do not apply to the implementation that ran, each with
 * its reason. Every reader of the trace (validate, view, replay) then judges it as the run
 * did; `--all-rules` checks them anyway. Rule ids are checked against raftcheck's rules.
 */
export const SkipRule = Closed({
  rule: Type.String({ minLength: 1, maxLength: 64, description: 'a semantic rule id (raftcheck validate --rules)' }),
  reason: Type.String({ minLength: 1, maxLength: 512, description: 'why the rule does not apply, shown wherever the rule is reported as not checked' }),
});
export type SkipRule = Static<typeof SkipRule>;
export const SkipRules = Type.Array(SkipRule, { maxItems: 64, description: 'rules not checked, and why (a fuzz run records those of its implementation)' });

export const HeaderEvent = Closed(
  {
    kind: Type.Literal('header'),
    format: Type.Literal(TRACE_FORMAT),
    version: Type.Literal(TRACE_VERSION),
    minor: Type.Optional(Type.Integer({ minimum: 0, maximum: TRACE_MINOR, description: `the minor revision of version ${TRACE_VERSION} (absent: 0); this reader knows up to ${TRACE_MINOR}` })),
    nodes: Type.Array(NodeId, { minItems: 1, maxItems: 1024, uniqueItems: true }),
    producer: Closed({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.String({ maxLength: 64 }) }),
    params: Type.Optional(
      Closed({
        electionTimeoutMin: Type.Optional(Int('ms')),
        electionTimeoutMax: Type.Optional(Int('ms')),
        heartbeatInterval: Type.Optional(Int('ms')),
        snapshotEvery: Type.Optional(Int("feature 'snapshot' (revision 1.2): a node takes a snapshot once it has applied this many entries past its last one (0: never on its own)")),
        voters: Type.Optional(ServerList("feature 'membership' (revision 1.3): the initial configuration's voters (absent: every node); a node in neither list starts as a non-member")),
        learners: Type.Optional(ServerList("feature 'membership' (revision 1.3): the initial configuration's learners (absent: none)")),
      }),
    ),
    seed: Type.Optional(Type.Union([Type.Integer({ minimum: -MAX_SAFE, maximum: MAX_SAFE }), Type.String({ maxLength: 256 })])),
    features: Type.Optional(Type.Array(Feature, { uniqueItems: true, description: 'protocol extensions the nodes run (revision 1.1); absent: none, the Raft of Figure 2' })),
    skipRules: Type.Optional(SkipRules),
    meta: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'free-form; never checked' })),
  },
  'the first line of every trace',
);

export const SendEvent = NodeEvent('send', { msg: Message }, 'the node sent a message');
export const ReceiveEvent = NodeEvent('receive', { msg: Message }, 'the node received (and handled) a message; equal to its send');
export const TimeoutEvent = NodeEvent(
  'timeout',
  {
    timer: Type.Union([
      Type.Literal('election'), Type.Literal('heartbeat'),
      Type.Literal('lease'), Type.Literal('quorum'), Type.Literal('transfer'),
    ], { description: "lease: a follower's belief in its leader expired (prevote, checkquorum); quorum: a leader's check that it heard from a majority (checkquorum); transfer: a leadership transfer's deadline (transfer)" }),
  },
  'a timer fired',
);
export const RoleEvent = NodeEvent('role', { role: Role }, 'the node changed role');
export const TermEvent = NodeEvent('term', { term: Term('the new currentTerm') }, 'the node adopted a new term');
export const VoteEvent = NodeEvent('vote', { votedFor: NodeId }, 'the node cast its vote of the current term');
export const AppendEvent = NodeEvent(
  'append',
  { index: Type.Integer({ minimum: 1, maximum: MAX_SAFE, description: 'index of the first appended entry' }), entries: Type.Array(Entry, { minItems: 1 }) },
  'entries were appended to the log',
);
export const TruncateEvent = NodeEvent(
  'truncate',
  { fromIndex: Type.Integer({ minimum: 1, maximum: MAX_SAFE, description: 'this entry and all after it were deleted' }) },
  'the log was truncated',
);
export const CommitEvent = NodeEvent('commit', { commitIndex: Index('the new commitIndex') }, 'commitIndex changed');
export const ApplyEvent = NodeEvent(
  'apply',
  {
    index: Type.Integer({ minimum: 1, maximum: MAX_SAFE }),
    command: Command,
    value: Type.Optional(RegisterState),
    result: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('cas_failed')])),
  },
  'a committed entry was applied to the register; value is the register after it',
);
export const ClientRequestEvent = NodeEvent(
  'client_request',
  { client: ClientId, requestId: RequestId, op: Operation },
  'a client submitted an operation to this node',
);
export const ClientResponseEvent = NodeEvent(
  'client_response',
  { client: ClientId, requestId: RequestId, result: ClientResult },
  'this node answered a client request',
);
export const TransferEvent = NodeEvent(
  'transfer',
  { target: NodeId },
  "feature 'transfer': the node (its leader, if it is one) was asked to hand leadership to target",
);
export const SnapshotEvent = NodeEvent(
  'snapshot',
  { index: Type.Integer({ minimum: 1, maximum: MAX_SAFE, description: 'the last index it covers; the entries up through it are discarded' }), term: Term('the term of the entry at index'), value: RegisterState, ...snapshotConfigField },
  "feature 'snapshot' (revision 1.2): the node took a snapshot of its register after applying entries 1..index (value) and compacted its log",
);
export const InstallSnapshotEvent = NodeEvent(
  'install_snapshot',
  {
    index: Type.Integer({ minimum: 1, maximum: MAX_SAFE, description: "the snapshot's lastIncludedIndex" }),
    term: Term("the snapshot's lastIncludedTerm"),
    value: RegisterState,
    logKept: Type.Boolean({ description: 'true: the log held an entry (index, term) and keeps the entries after it; false: the whole log was discarded' }),
    ...snapshotConfigField,
  },
  "feature 'snapshot' (revision 1.2): the node installed a snapshot it received (Figure 13): commitIndex and lastApplied become index, the register value",
);
export const ConfigChange = Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('promote')], {
  description: 'add: a new server joins as a learner; remove: a voter or learner leaves; promote: a learner becomes a voter',
});
export type ConfigChange = Static<typeof ConfigChange>;
export const ReconfigureEvent = NodeEvent(
  'reconfigure',
  { change: ConfigChange, server: NodeId },
  "feature 'membership' (revision 1.3): the node (its leader, if it is one) was asked to change the configuration by one server",
);
export const ConfigEvent = NodeEvent(
  'config',
  {
    index: Index('the log index of the configuration entry now in effect (0: the initial configuration of the header)'),
    voters: ServerList('its voters'),
    learners: ServerList('its learners'),
  },
  "feature 'membership' (revision 1.3): the node's configuration changed: it appended a configuration entry (in effect at once, committed or not), or a truncation removed the one in effect and an earlier one is back",
);
export const CrashEvent = NodeEvent('crash', {}, 'the node stopped; its volatile state is lost');
export const RestartEvent = NodeEvent('restart', { persisted: Type.Optional(PersistentState) }, 'the node restarted from its persistent state');
export const NoteEvent = Closed(
  {
    kind: Type.Literal('note'),
    node: Type.Optional(NodeId),
    seq: Type.Optional(NodeEventBase.seq),
    time: Type.Optional(NodeEventBase.time),
    text: Type.String({ maxLength: 4096 }),
    data: Type.Optional(Type.Unknown()),
  },
  'a free-form annotation (for example a producer step raftcheck does not model); never checked',
);

export const DropEvent = NetworkEvent(
  'drop',
  { msgId: Envelope.id, reason: Type.Optional(Type.Union([Type.Literal('loss'), Type.Literal('partition'), Type.Literal('crash')])) },
  'the network dropped a message',
);
export const DuplicateEvent = NetworkEvent('duplicate', { msgId: Envelope.id }, 'the network will deliver a message once more');
export const PartitionEvent = NetworkEvent(
  'partition',
  {
    groups: Type.Optional(Type.Array(Type.Array(NodeId, { minItems: 1 }), { minItems: 1, description: 'nodes in different groups cannot talk' })),
    blocked: Type.Optional(Type.Array(Closed({ from: NodeId, to: NodeId }), { description: 'directed links cut (asymmetric partitions)' })),
  },
  'links were cut; replaces any earlier partition',
);
export const HealEvent = NetworkEvent('heal', {}, 'every link works again');

export const NodeEvents = [
  SendEvent, ReceiveEvent, TimeoutEvent, RoleEvent, TermEvent, VoteEvent, AppendEvent, TruncateEvent,
  CommitEvent, ApplyEvent, ClientRequestEvent, ClientResponseEvent, CrashEvent, RestartEvent, TransferEvent,
  SnapshotEvent, InstallSnapshotEvent, ReconfigureEvent, ConfigEvent,
] as const;
export const NetworkEvents = [DropEvent, DuplicateEvent, PartitionEvent, HealEvent] as const;

export const TraceLine = Type.Union([HeaderEvent, ...NodeEvents, ...NetworkEvents, NoteEvent]);
export type TraceLine = Static<typeof TraceLine>;
export type Header = Static<typeof HeaderEvent>;
export type TraceEvent = Exclude<TraceLine, Header>;
export type EventKind = TraceEvent['kind'];
export type NodeTraceEvent = Extract<TraceEvent, { node: string; seq: number; time: number; state?: NodeState }>;
export type NetworkTraceEvent = Static<(typeof NetworkEvents)[number]>;

type EventOf<K extends TraceLine['kind']> = Extract<TraceLine, { kind: K }>;
export type SendEvent = EventOf<'send'>;
export type ReceiveEvent = EventOf<'receive'>;

/** Keys whose union must be validated as a discriminated `oneOf` (one precise error per bad line). */
export const DISCRIMINATORS: ReadonlyArray<readonly [TSchema, string]> = [
  [TraceLine, 'kind'],
  [Message, 'type'],
  [Command, 'type'],
  [Operation, 'type'],
  [ClientResult, 'status'],
];
