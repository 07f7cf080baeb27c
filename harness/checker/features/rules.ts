/**
 * The rules of the protocol extensions (src/raft/features): each rule's id, the feature that
 * switches it on (the trace header's `features`), its statement and its source. The statements
 * are the normative text of spec/invariants.md; the checks live beside this file, one file per
 * feature. Like the cluster invariants, they need no conformance: they read what the trace
 * logs (messages, state changes and the trace's own `time`) and leave what it does not log
 * unconstrained.
 */
import type { Feature } from '../../../src/raft/features/index.js';
import type { InvariantRule } from '../invariants/rules.js';

export interface FeatureRule extends InvariantRule {
  feature: Feature;
}

export const FEATURE_RULES: readonly FeatureRule[] = [
  {
    id: 'prevote.majority',
    feature: 'prevote',
    title: 'No election without a pre-vote majority',
    statement:
      'With PreVote, a node starts an election for term T (it votes for itself in T) only after pre-votes for T from a majority of the cluster, its own included: ' +
      'PreVoteResponses granting T, from distinct peers, received while its term was T − 1 — or after a TimeoutNow of term T − 1 (feature transfer), which skips the pre-vote round. ' +
      'Checked for a node that logs its receives (it has logged an input or a message), once per election: ' +
      "at its vote for itself where the trace shows that vote's term (the vote's `state.term`, or the node logs its term changes), otherwise at its first RequestVote (whose term is the election's). " +
      "A trace that leaves out a node's term changes shows a term that may lag the node's own, so a grant counts when received while the term shown was below T " +
      '(one received once the node\'s own term was T came after the election for T, which it then cannot change). A node that shows neither is not judged. ' +
      'With feature membership, the majority is of the voters of the configuration in effect at the node\'s log at its election (rule membership.in-effect\'s): only grants from those voters count, and its own only if it is one; where the trace does not show that configuration (the node logs no appends, and the event does not show its log empty), the election is not judged.',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §9.6',
  },
  {
    id: 'prevote.lease',
    feature: 'prevote',
    title: 'No pre-vote granted while a leader is alive',
    statement:
      'With PreVote, a node grants no pre-vote (a PreVoteResponse with voteGranted) to a PreVote it received while it believed a leader alive, whatever the term of the PreVote (also a stale PreVote for its own current term from the candidate it voted for: spec/CONFORMANCE.md): while it was leader, ' +
      'or less than the minimum election timeout (the header\'s params.electionTimeoutMin, default 150 ms, in the trace\'s time) after it received an AppendEntries of its current term or above, ' +
      'unless it has since changed term, started a pre-vote or an election of its own, or restarted.',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §9.6',
  },
  {
    id: 'checkquorum.lease',
    feature: 'checkquorum',
    title: 'No vote granted while a leader is alive',
    statement:
      'With CheckQuorum, a node grants no vote (a RequestVoteResponse with voteGranted, or a vote for another node) to a RequestVote it received while it believed a leader alive ' +
      '(as for prevote.lease), unless the request says it comes from a leadership transfer (leadershipTransfer).',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §4.2.3 and §6.2; etcd-raft\'s lease check',
  },
  {
    id: 'checkquorum.step-down',
    feature: 'checkquorum',
    title: 'A leader cut off from a majority steps down',
    statement:
      'With CheckQuorum, a leader that has heard from no majority of the cluster, itself included, for two maximum election timeouts ' +
      '(no AppendEntriesResponse — nor, with feature heartbeat, HeartbeatResponse — of its term from enough peers since then, counting from when it became leader) acts as leader no more: it sends no AppendEntries (nor Heartbeat) and appends no client request. Checked for a leader that logs its receives; a leadership ends with its term (a higher term the node adopts from a message or sends in one ends it, its step-down logged or not). ' +
      'Two timeouts, because a leader checks once per election timeout what it heard since the last check. ' +
      'With feature membership, the majority is of the voters of the configuration in effect at the leader\'s log (a learner\'s answers never count; the leader counts itself only if it is a voter), each voter counted as heard from no earlier than when that configuration took effect at the leader (a leader checks with the configuration of the moment: one that passed its last check with a voter it has since removed has two more timeouts from the change); where the configuration is not shown (as for prevote.majority), the leader is not judged.',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §6.2',
  },
  {
    id: 'transfer.target-up-to-date',
    feature: 'transfer',
    title: 'A transfer target holds the leader\'s log',
    statement:
      'With leadership transfer, the target of a TimeoutNow holds the sender\'s whole log when it receives it: its last log entry (term, then index) is at least the sender\'s last when it sent it. ' +
      'Checked where the trace shows both logs at those events (the node logs its appends, or the event\'s state gives lastLogIndex and lastLogTerm, or its log).',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §3.10',
  },
  {
    id: 'snapshot.committed',
    feature: 'snapshot',
    title: 'A snapshot covers only committed entries',
    statement:
      "A snapshot's last included index is at most the node's commitIndex, its last included term is the term of the node's entry there, and the prefix it replaces is the committed one (where the trace shows the node's log and the committed prefix reaches it).",
    paper: 'Raft paper §7 (Figure 12: a snapshot replaces the committed entries)',
  },
  {
    id: 'snapshot.value',
    feature: 'snapshot',
    title: "A snapshot holds the register's value",
    statement:
      "The value of a snapshot through index i — one taken (`snapshot`) or installed (`install_snapshot`) — is the register's value after applying the committed entries 1..i (rule applied-value's register), where that value is known.",
    paper: 'Raft paper §7 (the snapshot is the state machine\'s state)',
  },
  {
    id: 'snapshot.install',
    feature: 'snapshot',
    title: 'After install, the state machine equals the snapshot',
    statement:
      'A node installs only a snapshot past its commitIndex (an older one is ignored); it keeps its log after the snapshot only if the log holds an entry with the snapshot\'s last included index and term, and otherwise discards its whole log; ' +
      'after the install its commitIndex and lastApplied are the snapshot\'s index and its register the snapshot\'s value (where its state is logged).',
    paper: 'Raft paper §7, Figure 13 (InstallSnapshot RPC, receiver implementation 5-8)',
  },
  {
    id: 'snapshot.restart',
    feature: 'snapshot',
    title: 'A restart resumes from the snapshot',
    statement:
      'A snapshot is persistent: a node restarts from a snapshot no older than the newest it took or installed, its state machine starts from it (commitIndex and lastApplied at least / exactly its index, the register its value, where logged), and until its next restart it applies no index the snapshot holds.',
    paper: 'Raft paper §7 (snapshots on stable storage; "reset state machine using snapshot contents")',
  },
  {
    id: 'membership.election-quorum',
    feature: 'membership',
    title: 'A leader is elected by a quorum of its configuration',
    statement:
      'With membership changes, a node becomes leader of term T only with granted votes of term T from a strict majority of the voters of the configuration in effect at its log (the latest configuration entry in it, committed or not; the header\'s initial configuration before any): ' +
      'RequestVoteResponses granting T that it received from those voters, and its own vote if it is one of them. Together with election-safety (at most one leader per term) this is Election Safety across configurations. ' +
      'Checked for a node that logs its receives and its role changes, where its log\'s configuration entries are known (it logs its appends, or a restart its persisted log). ' +
      'With feature config-on-apply, the configuration counted is the one the node has applied (rule config-on-apply.in-effect\'s), not the latest in its log.',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §4.1 ("a server always uses the latest configuration in its log")',
  },
  {
    id: 'membership.one-change',
    feature: 'membership',
    title: 'At most one uncommitted configuration change',
    statement:
      'With membership changes, a leader appends a configuration entry only when every configuration entry already in its log is committed (at or under its commitIndex): at most one change is ever uncommitted in a leader\'s log. ' +
      'Checked where the state of the leader\'s append logs its commitIndex (any commit event may be left out of a trace, so an earlier one may be behind).',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §4.1',
  },
  {
    id: 'membership.term-commit',
    feature: 'membership',
    title: 'No change before an entry of the leader\'s term is committed',
    statement:
      'With membership changes, a leader of term T appends a configuration entry only after it has committed an entry of term T (its commitIndex reaches its first entry of term T). ' +
      'Without it a new leader\'s change can overlap an uncommitted change of an earlier leader, and two disjoint majorities can elect two leaders in one term. Checked where the leader logs its appends, and the state of the append its commitIndex.',
    paper: 'Ongaro, "bug in single-server membership changes", raft-dev, July 2015; the thesis\'s errata',
  },
  {
    id: 'membership.in-effect',
    feature: 'membership',
    title: 'A configuration takes effect when appended',
    statement:
      'With membership changes, a node\'s logged configuration (a `config` event) is the latest configuration entry in its log at that point — committed or not — or, with none, the header\'s initial configuration (index 0): a configuration takes effect when it is appended, and the one before it is back when a truncation removes it. ' +
      'That the node switches at the append itself, not later, is conformance\'s to check (the composed chart logs `config` in the step that appends). Checked where the node\'s configuration entries are known. ' +
      'With feature snapshot (revision 1.5), a snapshot replaces the entries that held the configuration, so it carries it: a snapshot a node takes logs as `config` the configuration in effect at its last index (the latest at or under it; index 0: the initial one), and after a snapshot — taken, installed (the `config` it carries), or restored by a restart — the configuration under it is still the one in effect until a later entry.',
    paper: 'Ongaro, Consensus: Bridging Theory and Practice, §4.1',
  },
  {
    id: 'config-on-apply.in-effect',
    feature: 'config-on-apply',
    title: 'A configuration takes effect when applied',
    statement:
      'With feature config-on-apply (etcd\'s timing of membership changes), a node\'s logged configuration (a `config` event) is the latest configuration entry at or under its lastApplied — or, with none, the one its snapshot carries, else the header\'s initial configuration (index 0): a configuration takes effect when its entry is applied, never when it is only appended, and a truncation never changes it. ' +
      'This takes the place of membership.in-effect for `config` events (which still checks the configuration a snapshot carries), and the configuration in effect that membership.election-quorum and the other features\' quorums count is this one. ' +
      'What the node applied is read from its `apply` events and its state\'s `lastApplied`; a node that logs neither is judged against its commitIndex, which bounds it: its `config` must name an entry at or under it, and that entry must be the configuration it names. That the node switches in the step that applies the entry, not later, is conformance\'s to check.',
    paper: 'etcd-io/raft, raft.go (applyConfChange, switchToConfig) and rawnode.go (ApplyConfChange, after the entry is committed); Ongaro, Consensus: Bridging Theory and Practice, §4.1 (the alternative it describes)',
  },
  {
    id: 'config-on-apply.one-change',
    feature: 'config-on-apply',
    title: 'At most one unapplied configuration change',
    statement:
      'With feature config-on-apply, a leader appends a configuration entry only when every configuration entry already in its log is applied (at or under its lastApplied; where the trace does not show lastApplied, under its commitIndex, which bounds it). Takes the place of membership.one-change, which it implies.',
    paper: 'etcd-io/raft, raft.go (pendingConfIndex: a proposed change is refused while an earlier one is not applied)',
  },
  {
    id: 'config-on-apply.prior-applied',
    feature: 'config-on-apply',
    title: 'No change before the earlier terms\' entries are applied',
    statement:
      'With feature config-on-apply, a leader of term T appends a configuration entry only when it has applied every entry of an earlier term in its log (its lastApplied, or where not shown its commitIndex, reaches the entry before its first entry of term T). ' +
      'Takes the place of membership.term-commit: a change takes effect only once committed and applied, so an uncommitted change of an earlier leader is never in effect, and a candidate needs a majority of its applied configuration (spec/CONFORMANCE.md, feature config-on-apply).',
    paper: 'etcd-io/raft, raft.go (becomeLeader sets pendingConfIndex to its last index)',
  },
];

export const FEATURE_RULE_IDS: ReadonlySet<string> = new Set(FEATURE_RULES.map((r) => r.id));
