/**
 * Client requests (§5.3, §8): only the leader appends them; anyone else points to the leader
 * it knows of in the current term.
 */
import { record, type NodeContext } from '../context.js';
import type { Command, Operation } from '../types.js';
import { advanceCommitIndex } from './replication.js';

export interface ClientRequest {
  client: string;
  requestId: number;
  op: Operation;
}

export function commandFor(req: ClientRequest): Command {
  // The operation's fields in its own order, then the origin (as `{ ...op, client, requestId }`,
  // which V8 runs several times slower on operations of mixed shapes).
  const command = Object.assign({}, req.op) as Command & { client: string; requestId: number };
  command.client = req.client;
  command.requestId = req.requestId;
  return command;
}

/** Appends the request to the leader's log, to be answered when applied. */
export function appendClientEntry(ctx: NodeContext, req: ClientRequest): void {
  const index = ctx.log.lastIndex + 1;
  const entry = { term: ctx.term, command: commandFor(req) };
  ctx.log.append([entry]);
  ctx.pending.set(index, { client: req.client, requestId: req.requestId });
  record(ctx, { kind: 'append', index, entries: [entry] });
}

/** Effect: append to the leader's log; it goes out with the next heartbeat (seed notes, step 3). */
export function appendClientCommand(ctx: NodeContext, req: ClientRequest): void {
  appendClientEntry(ctx, req);
  // A one-node cluster is its own majority.
  if (ctx.majority === 1) advanceCommitIndex(ctx);
}

export function rejectNotLeader(ctx: NodeContext, req: ClientRequest): void {
  record(ctx, { kind: 'client_response', client: req.client, requestId: req.requestId, result: { status: 'not_leader', leaderHint: ctx.leaderId } });
}
