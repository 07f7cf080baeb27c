/**
 * Applying committed entries (Figure 2, All Servers 1): in index order, each exactly once;
 * the node that appended an entry for a client answers that client now.
 */
import { record, type NodeContext } from '../context.js';
import { applyCommand } from '../register.js';
import type { ClientResult } from '../types.js';
import { isClientCommand } from '../../trace/schema.js';

/** Raises commitIndex to `n` (never lowers it), records the commit and applies what it covers. */
export function commitUpTo(ctx: NodeContext, n: number): void {
  if (n <= ctx.commitIndex) return;
  ctx.commitIndex = n;
  record(ctx, { kind: 'commit', commitIndex: n });
  applyCommitted(ctx);
}

export function applyCommitted(ctx: NodeContext): void {
  while (ctx.lastApplied < ctx.commitIndex) {
    const index = ctx.lastApplied + 1;
    const entry = ctx.log.entry(index);
    if (!entry) return; // commitIndex beyond the log: only a broken variant gets here

    const { value, result } = applyCommand(ctx.value, entry.command);
    ctx.lastApplied = index;
    ctx.value = value;
    record(ctx, { kind: 'apply', index, command: entry.command, value, result });
    const origin = ctx.pending.get(index);
    if (origin) {
      ctx.pending.delete(index);
      const c = entry.command;
      // Only answer if the entry is still the one appended for this client.
      if (isClientCommand(c) && c.client === origin.client && c.requestId === origin.requestId) {
        const answer: ClientResult =
          c.type === 'get' ? { status: 'ok', value } : result === 'cas_failed' ? { status: 'cas_failed', value } : { status: 'ok' };
        record(ctx, { kind: 'client_response', client: origin.client, requestId: origin.requestId, result: answer });
      }
    }
  }
}
