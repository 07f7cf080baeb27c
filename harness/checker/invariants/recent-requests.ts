/**
 * The client commands a node applied most recently, for checking its answers against them
 * (rule applied-value). A node answers a request when it applies it, or soon after: a fixed
 * ring of the last CAPACITY is enough, and costs no allocation per apply (a Map keyed by
 * "client#requestId" cost more than every other invariant together). A request that fell
 * out of the ring is simply not checked.
 */
import type { ApplyResult } from '../../../src/raft/register.js';
import type { Command, RegisterState } from '../../../src/trace/schema.js';

const CAPACITY = 256;

export interface AppliedRequest {
  index: number;
  type: Command['type'];
  /** The apply's result and the value after it, where known. */
  result: ApplyResult['result'] | undefined;
  value: RegisterState | undefined;
  line: number;
}

export class RecentRequests {
  // Grown to CAPACITY as requests come (a node that applies few costs little: explore keeps one per state).
  private readonly client: string[] = [];
  private readonly requestId: number[] = [];
  private readonly applied: Array<AppliedRequest | null> = [];
  /** Entries written so far (the next one goes to count % CAPACITY). */
  private count = 0;

  add(client: string, requestId: number, applied: AppliedRequest): void {
    const k = this.count++ % CAPACITY;
    if (k === this.client.length) {
      this.client.push(client);
      this.requestId.push(requestId);
      this.applied.push(applied);
      return;
    }
    this.client[k] = client;
    this.requestId[k] = requestId;
    this.applied[k] = applied;
  }

  /**
   * The most recent apply of that request still remembered; `ambiguous` when the same request
   * was also applied at another index (a duplicate in the log: the answer could be either's).
   */
  find(client: string, requestId: number): { applied: AppliedRequest; ambiguous: boolean } | null {
    let found: AppliedRequest | null = null;
    for (let i = this.count - 1; i >= Math.max(0, this.count - CAPACITY); i--) {
      const k = i % CAPACITY;
      if (this.requestId[k] !== requestId || this.client[k] !== client) continue;
      const a = this.applied[k]!;
      if (!found) found = a;
      else if (a.index !== found.index) return { applied: found, ambiguous: true };
    }
    return found ? { applied: found, ambiguous: false } : null;
  }

  clear(): void {
    this.count = 0;
  }

  /** A copy (`raftcheck explore` forks the checker with every state). */
  clone(): RecentRequests {
    const copy = new RecentRequests();
    copy.client.push(...this.client);
    copy.requestId.push(...this.requestId);
    copy.applied.push(...this.applied);
    copy.count = this.count;
    return copy;
  }

  /** What the ring holds, oldest first, without lines (see ClusterInvariants.historyKey). */
  historyKey(): string {
    let key = '';
    for (let i = Math.max(0, this.count - CAPACITY); i < this.count; i++) {
      const k = i % CAPACITY;
      const a = this.applied[k]!;
      key += `${this.client[k]}#${this.requestId[k]}@${a.index}:${a.type}:${a.result ?? '?'}:${a.value === undefined ? '?' : JSON.stringify(a.value)};`;
    }
    return key;
  }
}
