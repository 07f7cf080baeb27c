/**
 * What the statechart's guards and actions receive: the node's events and context, and the
 * small helpers every chart part (the base chart, each feature) reads them with.
 */
import type { NodeContext } from './context.js';
import { record } from './context.js';
import type { ClientRequest } from './rules/client.js';
import type { AppendEntries, ConfigChange, AppendEntriesResponse, Heartbeat, HeartbeatResponse, InstallSnapshot, InstallSnapshotResponse, Message, PreVote, PreVoteResponse, RegisterState, RequestVote, RequestVoteResponse, Role, TimeoutNow } from './types.js';

export type NodeEvent =
  | { type: 'ELECTION_TIMEOUT' }
  | { type: 'HEARTBEAT_TIMEOUT' }
  /** Given by the conformance checker only: a candidate that cannot win steps down (rules/election-lost.ts). */
  | { type: 'ELECTION_LOST' }
  | { type: 'CLIENT_REQUEST'; request: ClientRequest }
  | { type: 'RequestVote'; msg: RequestVote }
  | { type: 'RequestVoteResponse'; msg: RequestVoteResponse }
  | { type: 'AppendEntries'; msg: AppendEntries }
  | { type: 'AppendEntriesResponse'; msg: AppendEntriesResponse }
  // Features (src/raft/features): a chart without them has no transition for these.
  | { type: 'PreVote'; msg: PreVote }
  | { type: 'PreVoteResponse'; msg: PreVoteResponse }
  | { type: 'TimeoutNow'; msg: TimeoutNow }
  | { type: 'Heartbeat'; msg: Heartbeat }
  | { type: 'HeartbeatResponse'; msg: HeartbeatResponse }
  | { type: 'LEASE_TIMEOUT' }
  | { type: 'QUORUM_TIMEOUT' }
  | { type: 'TRANSFER_TIMEOUT' }
  | { type: 'TRANSFER_LEADERSHIP'; target: string }
  | { type: 'InstallSnapshot'; msg: InstallSnapshot }
  | { type: 'InstallSnapshotResponse'; msg: InstallSnapshotResponse }
  | { type: 'SNAPSHOT'; index: number; value: RegisterState }
  | { type: 'RECONFIGURE'; change: ConfigChange; server: string };

/** What every guard and action receives. */
export type Args = { context: NodeContext; event: NodeEvent };

/** The message an event carries (every guard/action is only wired to message events where it reads one). */
export function msg<T extends Message>({ event }: Args): T {
  if (!('msg' in event)) throw new Error(`event ${event.type} carries no message`);
  return event.msg as T;
}

export function request({ event }: Args): ClientRequest {
  if (event.type !== 'CLIENT_REQUEST') throw new Error(`event ${event.type} is not a client request`);
  return event.request;
}

/** Records a role change (only a change: re-entering candidate for a new election records none). */
export function enterRole(context: NodeContext, role: Role): void {
  if (context.role === role) return;
  context.role = role;
  record(context, { kind: 'role', role });
}
