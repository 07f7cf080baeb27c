/**
 * One Output from several: what a node reported during one window (its call's result and what
 * it emitted, node-host.ts), or during its create and its start (bridge.ts). Messages, replies
 * fired timers and snapshots are kept in order, later timer changes win, and of the truncations
 * the lowest counts: entries deleted from index 3 and then from index 2 were deleted from 2.
 */
import type { Output } from '../adapter.js';

/** A reported truncation that is not a log index wins, so that adapt.ts reports it as the adapter's error. */
function lowerTruncation(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const index = (x: number) => Number.isSafeInteger(x) && x >= 1;
  if (!index(a)) return a;
  if (!index(b)) return b;
  return Math.min(a, b);
}

export function mergeOutputs(outputs: readonly Output[]): Output {
  const out: Output = {};
  for (const o of outputs) {
    if (o.messages?.length) (out.messages ??= []).push(...o.messages);
    if (o.replies?.length) (out.replies ??= []).push(...o.replies);
    if (o.fired?.length) (out.fired ??= []).push(...o.fired);
    // A malformed `snapshots` (not a list) wins, so that adapt.ts reports it as the adapter's error.
    if (o.snapshots !== undefined && Array.isArray(out.snapshots ?? [])) {
      out.snapshots = out.snapshots && Array.isArray(o.snapshots) ? [...out.snapshots, ...o.snapshots] : o.snapshots;
    }
    if (o.timers) out.timers = { ...out.timers, ...o.timers };
    const truncatedFrom = lowerTruncation(out.truncatedFrom, o.truncatedFrom);
    if (truncatedFrom !== undefined) out.truncatedFrom = truncatedFrom;
  }
  return out;
}
