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
    statement: 'At most one node becomes leader in a given term.',
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
    statement: 'If two logs contain an entry with the same index and term, the logs are identical in all entries up through that index.',
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
    statement: 'If a node has applied an entry at an index, no node ever applies a different entry at that index; and a node applies only entries up to its commitIndex, in index order.',
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
    statement: 'A node votes for at most one candidate in a term, also across restarts: a restart must recover the vote it cast in its current term.',
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
    statement: 'An entry that is committed is never deleted from a log that holds it, and no restart recovers a log that lost an entry the node had committed.',
    paper: '§5.4; Figure 2 (persistent log)',
  },
  {
    id: 'acknowledged-durable',
    title: 'Acknowledged entries survive restarts',
    statement: 'A node that acknowledged entries 1..m (a successful AppendEntriesResponse with matchIndex m) and did not delete them before it crashed recovers them unchanged on restart: the log is written to stable storage before the node responds.',
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
];

export const INVARIANT_IDS = new Set(INVARIANT_RULES.map((r) => r.id));
