/**
 * The cluster invariants: each rule's id, statement and paper reference. The statements are
 * the normative text of spec/invariants.md; the checks live in cluster-invariants.ts.
 */
export interface InvariantRule {
  id: string;
  title: string;
  statement: string;
  paper: string;
}

export const INVARIANT_RULES: readonly InvariantRule[] = [
  {
    id: 'election-safety',
    title: 'Election Safety',
    statement: 'At most one node becomes leader in a given term. (A state that shows the leader role with a term new on its line, other than an input\'s, is a leader that has taken a higher term and not yet stepped down: no leadership in that term.)',
    paper: 'Figure 3; §5.2',
  },
  {
    id: 'leader-append-only',
    title: 'Leader Append-Only',
    statement: 'While a node is leader in a term it never deletes or overwrites entries of its own log; it only appends. Checked per step.',
    paper: 'Figure 3; §5.3',
  },
  {
    id: 'log-matching',
    title: 'Log Matching',
    statement: 'If two logs contain an entry with the same index and term, the logs are identical in all entries up through that index. '
      + 'With feature snapshot, a prefix under a node\'s snapshot is known by the hash of the log that showed it (a node that took or installed it, or one that held its last entry). '
      + 'A restart from a snapshot whose prefix no node showed leaves that node\'s log unknown, except for a foreign snapshot, whose term is above the term the node restarts in '
      + '(no leader the node knows of created it; etcd\'s test bootstrap writes one snapshot of term 1 into nodes of term 0): it stands for one prefix on every node that restarts from it, '
      + 'so the logs built on it are compared from its index on (an assumption only about entries no event shows).',
    paper: 'Figure 3; §5.3',
  },
  {
    id: 'leader-completeness',
    title: 'Leader Completeness',
    statement: 'If an entry is committed in a term, it is present in the log of every leader of every higher term (checked when a node becomes leader).',
    paper: 'Figure 3; §5.4',
  },
  {
    id: 'state-machine-safety',
    title: 'State Machine Safety',
    statement:
      'If a node has applied an entry at an index, no node ever applies a different entry at that index; and a node applies only entries up to its commitIndex, in index order. ' +
      'Applies may be logged with gaps (spec/TRACE_FORMAT.md): those logged go up in index order between restarts, each above the lastApplied logged before it; and each is at most the commitIndex logged with it or after it before the next restart (commitIndex never decreases, so that bounds the one the node had when it applied). A logged state\'s lastApplied is at most its commitIndex.',
    paper: 'Figure 3; §5.4.3',
  },
  {
    id: 'term-monotonic',
    title: 'Terms never decrease',
    statement: "A node's currentTerm never decreases, also across a restart (currentTerm is persistent).",
    paper: 'Figure 2 (persistent state, "All Servers")',
  },
  {
    id: 'vote-once',
    title: 'One vote per term',
    statement: 'A node votes for at most one candidate in a term, also across restarts: a restart must recover the vote it cast in its current term. A vote is a `vote` event (or a state\'s votedFor) in a term the trace shows, or a RequestVoteResponse that grants it (in the response\'s term).',
    paper: 'Figure 2 (RequestVote RPC, persistent votedFor); §5.2',
  },
  {
    id: 'commit-monotonic',
    title: 'commitIndex never decreases',
    statement: "A node's commitIndex never decreases, except that a restart resets it to 0 (it is volatile).",
    paper: 'Figure 2 (volatile state)',
  },
  {
    id: 'committed-durable',
    title: 'Committed entries are never lost',
    statement:
      'An entry that is committed is never deleted from a log that holds it (a truncation or an overwriting append), and no restart loses a committed entry that the node had stored: one it had acknowledged (a successful AppendEntriesResponse whose matchIndex covers it), or that an earlier restart recovered, and that it has not deleted since. ' +
      'A restart may lose entries the node had appended but not stored yet, committed ones included: Figure 2 asks a node to store its log before it answers, not before it appends, and the committed entry is held by the majority that acknowledged it. ' +
      'Restarts are compared with the log only for a node that logs its appends (a node that does not may have replaced entries unseen).',
    paper: '§5.4; Figure 2 (persistent state: "updated on stable storage before responding to RPCs")',
  },
  {
    id: 'acknowledged-durable',
    title: 'Acknowledged entries survive restarts',
    statement: 'A node that acknowledged entries 1..m (a successful AppendEntriesResponse with matchIndex m) and did not delete them before it crashed recovers them unchanged on restart: the log is written to stable storage before the node responds. Checked for a node that logs its appends (which say what it deleted); a lost entry known to be committed is reported as committed-durable.',
    paper: 'Figure 2 (persistent state: "updated on stable storage before responding to RPCs")',
  },
  {
    id: 'commit-current-term',
    title: 'Leaders commit by counting only current-term entries',
    statement: "A leader advances commitIndex only to an index whose entry is of its current term; earlier entries are committed indirectly.",
    paper: '§5.4.2; Figure 8; Figure 2 (Rules for Servers, Leaders)',
  },
  {
    id: 'applied-value',
    title: 'Applied values are the register\'s',
    statement:
      "The register's value after index i is that of applying the committed entries 1..i in order to the empty register (`null`), the same on every node (set, get and cas as in spec/TRACE_FORMAT.md; a restart starts the register afresh). " +
      "So an `apply` logs the value and result its command gives on the value after i − 1; all nodes hold the same value after each index; a logged state's `value` is the value after its `lastApplied`; " +
      "and an `ok` or `cas_failed` answer to a client is what its command gave when the answering node applied it (for a read, the value it found). " +
      "Where the value before an index is unknown (earlier applies not logged), only what the command fixes is checked (the value after a set or a successful cas; only a cas fails), and a value logged for a get or a failed cas is a claim that later applies, states and answers must agree with. " +
      "A node is reported once until its restart, and not where it applied a command other than the cluster's (that is state-machine-safety).",
    paper: 'Figure 1 (replicated state machines); Figure 2 (Rules for Servers, All Servers: apply log[lastApplied] to state machine); §5.3; §8 (client interaction)',
  },
  {
    id: 'state-consistent',
    title: 'Logged states agree with the node\'s own events',
    statement:
      "A node's logged state says what its own logged events imply, where both are logged: term, role and votedFor are those its `term`, `role` and `vote` events leave it with, for a node that logs that kind (a term event's state shows its term, and so on), and votedFor is the candidate a RequestVoteResponse it logs with grants; " +
      'lastLogIndex and lastLogTerm (or a full `log`) are those of the log its `append` and `truncate` events build, for a node that logs its appends; ' +
      'lastApplied is the index of the `apply` it is logged with, and never below an index the node applied since its last restart; commitIndex and lastApplied never exceed the last log index. ' +
      'Independent of conformance: it holds implementations whose conformance is not checked, and sparse traces. In a verdict it comes after conformance (harness/checker/verdict-order.ts).',
    paper: 'Figure 2 (state); spec/TRACE_FORMAT.md (`state`: the node\'s state right after the event)',
  },
];

export const INVARIANT_IDS = new Set(INVARIANT_RULES.map((r) => r.id));
