/**
 * The checker's copy of one node's log, rebuilt from `append`/`truncate` events (or a full
 * logged log): entry terms, the entries themselves and the chain hash of every prefix.
 */
import type { Entry } from '../../src/trace/schema.js';
import { chainHash, sameEntry } from './entry-hash.js';

export class NodeLog {
  private readonly entries: Entry[] = [];
  private readonly hashes: number[] = [];

  get lastIndex(): number {
    return this.entries.length;
  }
  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? 0;
  }
  /** The entry at a 1-based index, if present. */
  entry(index: number): Entry | undefined {
    return this.entries[index - 1];
  }
  termAt(index: number): number | undefined {
    return index === 0 ? 0 : this.entries[index - 1]?.term;
  }
  /** Chain hash of the prefix 1..index (0 for the empty prefix). */
  prefixHash(index: number): number | undefined {
    return index === 0 ? 0 : this.hashes[index - 1];
  }

  /**
   * The first index at which `other` differs from this log within 1..`upTo` (an entry changed,
   * or missing from one of them), or null if they agree there. Prefix hashes chain, so once two
   * prefixes differ all longer ones do: a binary search finds it in O(log upTo).
   */
  firstDifference(other: NodeLog, upTo: number): number | null {
    const end = Math.min(upTo, Math.max(this.lastIndex, other.lastIndex));
    const same = (i: number) => i <= this.lastIndex && i <= other.lastIndex && this.prefixHash(i) === other.prefixHash(i);
    if (end <= 0 || same(end)) return null;
    let lo = 1;
    let hi = end; // the logs differ at or before hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (same(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends at `index`; entries at and after it are replaced (a log that skips ahead is an error). */
  append(index: number, entries: readonly Entry[]): void {
    if (index > this.entries.length + 1) throw new RangeError(`append at index ${index} leaves a gap after the last entry ${this.entries.length}`);
    this.truncate(index);
    for (const entry of entries) {
      this.hashes.push(chainHash(this.hashes.at(-1) ?? 0, entry));
      this.entries.push(entry);
    }
  }

  /** Deletes the entry at `fromIndex` and all after it. */
  truncate(fromIndex: number): void {
    if (fromIndex <= this.entries.length) {
      this.entries.length = Math.max(0, fromIndex - 1);
      this.hashes.length = this.entries.length;
    }
  }

  replace(entries: readonly Entry[]): void {
    this.truncate(1);
    this.append(1, entries);
  }

  /**
   * A log holding `entries`, as `replace` builds it, that takes the prefix hashes of `like`
   * where the entries are the same: a restart recovers mostly the log the node had, and
   * hashing it again costs more than comparing it.
   */
  static like(like: NodeLog, entries: readonly Entry[]): NodeLog {
    const log = new NodeLog();
    let same = 0;
    while (same < entries.length && same < like.entries.length && sameEntry(entries[same]!, like.entries[same]!)) same++;
    for (let i = 0; i < same; i++) {
      log.entries.push(entries[i]!);
      log.hashes.push(like.hashes[i]!);
    }
    log.append(same + 1, entries.slice(same));
    return log;
  }

  /** A copy (entries are shared: they are never mutated). */
  clone(): NodeLog {
    const copy = new NodeLog();
    copy.entries.push(...this.entries);
    copy.hashes.push(...this.hashes);
    return copy;
  }
}
