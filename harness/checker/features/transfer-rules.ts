/**
 * Rule of leadership transfer (./rules.ts): `transfer.target-up-to-date` — a TimeoutNow's
 * target holds the sender's whole log when it receives it.
 */
import type { NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import { logKnown, type NodeFacts } from './node-facts.js';

/** Bounded: a TimeoutNow never received is forgotten after this many newer ones. */
const MAX_REMEMBERED = 4096;

export class TransferRules {
  /** The sender's last log entry at each TimeoutNow sent, by message id. */
  private readonly sent = new Map<string, { index: number; term: number; line: number }>();

  constructor(private readonly report: Report, private readonly on: (rule: string) => boolean) {}

  event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    if (!this.on('transfer.target-up-to-date')) return;
    if (e.kind === 'send' && e.msg.type === 'TimeoutNow') {
      if (!logKnown(n, e)) return;
      this.sent.set(e.msg.id, { index: n.lastIndex!, term: n.lastTerm!, line });
      if (this.sent.size > MAX_REMEMBERED) this.sent.delete(this.sent.keys().next().value as string);
      return;
    }
    if (e.kind !== 'receive' || e.msg.type !== 'TimeoutNow') return;
    const leader = this.sent.get(e.msg.id);
    if (!leader || !logKnown(n, e)) return;
    const upToDate = n.lastTerm! > leader.term || (n.lastTerm === leader.term && n.lastIndex! >= leader.index);
    if (upToDate) return;
    this.report({
      rule: 'transfer.target-up-to-date', line, nodes: [e.msg.from, n.id], terms: [e.msg.term],
      message: `${n.id} received TimeoutNow from ${e.msg.from} with its log ending at index ${n.lastIndex} (term ${n.lastTerm}), behind the leader's last entry at index ${leader.index} (term ${leader.term}) when it sent it (line ${leader.line})`,
      expected: `a log up to index ${leader.index}, term ${leader.term}`, seen: `a log ending at index ${n.lastIndex}, term ${n.lastTerm}`, related: [leader.line],
    });
  }
}
