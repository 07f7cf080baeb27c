/**
 * One short line per event and per message, as the trace viewer shows them beside the lanes
 * and in its panel. Messages are described once (their send and receive share the text).
 */
import type { ClientResult, Message, TraceEvent } from '../../src/trace/schema.js';
import { describeOperation } from '../checker/linearizability/history.js';

export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'RequestVote':
      return `RequestVote t${m.term} (last log ${m.lastLogIndex}/t${m.lastLogTerm})`;
    case 'RequestVoteResponse':
      return `RequestVoteResponse t${m.term} ${m.voteGranted ? 'granted' : 'refused'}`;
    case 'AppendEntries': {
      const entries = m.entries.length === 0 ? 'heartbeat' : `${m.entries.length} entr${m.entries.length === 1 ? 'y' : 'ies'}`;
      return `AppendEntries t${m.term} prev ${m.prevLogIndex}/t${m.prevLogTerm}, ${entries}, commit ${m.leaderCommit}`;
    }
    case 'AppendEntriesResponse':
      return m.success
        ? `AppendEntriesResponse t${m.term} ok${m.matchIndex !== undefined ? ` match ${m.matchIndex}` : ''}`
        : `AppendEntriesResponse t${m.term} refused${m.conflictIndex !== undefined ? ` (conflict at ${m.conflictIndex}${m.conflictTerm !== undefined ? `/t${m.conflictTerm}` : ''})` : ''}`;
    case 'PreVote':
      return `PreVote for t${m.term} (last log ${m.lastLogIndex}/t${m.lastLogTerm})`;
    case 'PreVoteResponse':
      return `PreVoteResponse t${m.term} ${m.voteGranted ? 'granted' : 'refused'}`;
    case 'TimeoutNow':
      return `TimeoutNow t${m.term}: stand for election now`;
    case 'InstallSnapshot':
      return `InstallSnapshot t${m.term} through ${m.lastIncludedIndex}/t${m.lastIncludedTerm}, value ${JSON.stringify(m.value)}`;
    case 'InstallSnapshotResponse':
      return `InstallSnapshotResponse t${m.term} ${m.matchIndex !== undefined ? `match ${m.matchIndex}` : 'refused'}`;
    case 'Heartbeat':
      return `Heartbeat t${m.term}, commit ${m.commit}`;
    case 'HeartbeatResponse':
      return `HeartbeatResponse t${m.term}`;
  }
}

/** A few characters beside a send on the diagram: `RV t3`, `vote ✓`, `AE +2`, `AE ♥`, `ok 7`, `✗ 4`. */
export function shortMessage(m: Message): string {
  switch (m.type) {
    case 'RequestVote':
      return `RV t${m.term} →${m.to}`;
    case 'RequestVoteResponse':
      return `vote ${m.voteGranted ? '✓' : '✗'} →${m.to}`;
    case 'AppendEntries':
      return `AE ${m.entries.length === 0 ? '♥' : `+${m.entries.length}`} →${m.to}`;
    case 'AppendEntriesResponse':
      return `${m.success ? `ok${m.matchIndex !== undefined ? ` ${m.matchIndex}` : ''}` : `✗${m.conflictIndex !== undefined ? ` ${m.conflictIndex}` : ''}`} →${m.to}`;
    case 'PreVote':
      return `PV t${m.term} →${m.to}`;
    case 'PreVoteResponse':
      return `prevote ${m.voteGranted ? '✓' : '✗'} →${m.to}`;
    case 'TimeoutNow':
      return `TimeoutNow →${m.to}`;
    case 'InstallSnapshot':
      return `IS ${m.lastIncludedIndex} →${m.to}`;
    case 'InstallSnapshotResponse':
      return `${m.matchIndex !== undefined ? `snap ok ${m.matchIndex}` : 'snap ✗'} →${m.to}`;
    case 'Heartbeat':
      return `♥ c${m.commit} →${m.to}`;
    case 'HeartbeatResponse':
      return `♥ ok →${m.to}`;
  }
}

function describeResult(r: ClientResult): string {
  if (r.status === 'not_leader') return `not leader${r.leaderHint ? ` (try ${r.leaderHint})` : ''}`;
  const value = r.value !== undefined ? ` ${JSON.stringify(r.value)}` : '';
  return `${r.status === 'ok' ? 'ok' : 'cas failed'}${value}`;
}

/**
 * The event's own text; null for send/receive/drop/duplicate, which the viewer describes by
 * their message (plus direction).
 */
export function describeEvent(e: TraceEvent): string | null {
  switch (e.kind) {
    case 'send':
    case 'receive':
    case 'drop':
    case 'duplicate':
      return e.kind === 'drop' && e.reason ? `dropped (${e.reason})` : null;
    case 'timeout':
      return `${e.timer} timeout`;
    case 'role':
      return `becomes ${e.role}`;
    case 'term':
      return `term → ${e.term}`;
    case 'vote':
      return `votes for ${e.votedFor}`;
    case 'append': {
      const last = e.index + e.entries.length - 1;
      const ops = e.entries.slice(0, 3).map((x) => describeOperation(x.command)).join(', ');
      return `append ${e.index === last ? e.index : `${e.index}..${last}`} (t${e.entries[e.entries.length - 1]!.term}): ${ops}${e.entries.length > 3 ? ', …' : ''}`;
    }
    case 'truncate':
      return `truncate from ${e.fromIndex}`;
    case 'commit':
      return `commitIndex → ${e.commitIndex}`;
    case 'apply':
      return `apply ${e.index}: ${describeOperation(e.command)}${e.value !== undefined ? ` → value ${JSON.stringify(e.value)}` : ''}${e.result === 'cas_failed' ? ' (cas failed)' : ''}`;
    case 'client_request':
      return `${e.client}#${e.requestId} asks ${describeOperation(e.op)}`;
    case 'client_response':
      return `${e.client}#${e.requestId} ← ${describeResult(e.result)}`;
    case 'crash':
      return 'crash';
    case 'snapshot':
      return `snapshot through ${e.index} (t${e.term}), value ${JSON.stringify(e.value)}: log compacted`;
    case 'install_snapshot':
      return `installs snapshot through ${e.index} (t${e.term}), value ${JSON.stringify(e.value)}; ${e.logKept ? 'keeps the log after it' : 'discards its log'}`;
    case 'transfer':
      return `asked to hand leadership to ${e.target}`;
    case 'reconfigure':
      return `asked to ${e.change} ${e.server}${e.change === 'add' ? ' (as a learner)' : e.change === 'promote' ? ' (learner to voter)' : ''}`;
    case 'config':
      return `configuration ${e.index === 0 ? '(initial)' : `of entry ${e.index}`} in effect: voters {${e.voters.join(',')}}${e.learners.length ? `, learners {${e.learners.join(',')}}` : ''}`;
    case 'restart':
      return e.persisted ? `restart (term ${e.persisted.term}, ${e.persisted.snapshot ? `snapshot through ${e.persisted.snapshot.index}, ` : ''}${e.persisted.log.length} entries)` : 'restart';
    case 'partition': {
      const groups = e.groups ? e.groups.map((g) => `{${g.join(',')}}`).join(' | ') : '';
      const blocked = e.blocked ? e.blocked.map((b) => `${b.from}↛${b.to}`).join(' ') : '';
      return `partition ${[groups, blocked].filter(Boolean).join(' ')}`.trimEnd();
    }
    case 'heal':
      return 'heal: all links work';
    case 'note':
      return `note: ${e.text}`;
  }
}
