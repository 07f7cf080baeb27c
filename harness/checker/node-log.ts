/**
 * The checker's copy of one node's log, rebuilt from `append`/`truncate` events (or a full
 * logged log): entry terms, the entries themselves and the chain hash of every prefix.
 *
 * Log compaction (feature `snapshot`): the entries up to `base` (the node's snapshot) are
 * forgotten; the last of them is still known by its term and the hash of the prefix it ends
 * (`baseTerm`, `baseHash`), so Log Matching, Leader Completeness and durability still compare
 * prefixes that reach it, and memory follows the node's log, not the trace.
 */
import type { Entry } from '../../src/trace/schema.js';
import { chainHash, sameEntry } from './entry-hash.js';

export class NodeLog {
  /** Entry base + 1 at position 0, and the prefix hash through it. */
  private readonly entries: Entry[] = [];
  private readonly hashes: number[] = [];
  private baseIndex = 0;
  private baseTermValue = 0;
  private baseHashValue = 0;

  get lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }
  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? this.baseTermValue;
  }
  /** The last index forgotten (the node's snapshot); 0 without one. */
  get base(): number {
    return this.baseIndex;
  }
  /** The entry at a 1-based index, if present (never one under the snapshot). */
  entry(index: number): Entry | undefined {
    return index <= this.baseIndex ? undefined : this.entries[index - this.baseIndex - 1];
  }
  termAt(index: number): number | undefined {
    if (index === this.baseIndex) return this.baseTermValue;
    return index < this.baseIndex ? undefined : this.entries[index - this.baseIndex - 1]?.term;
  }
  /** Chain hash of the prefix 1..index (0 for the empty prefix; undefined under the snapshot). */
  prefixHash(index: number): number | undefined {
    if (index === this.baseIndex) return this.baseHashValue;
    return index < this.baseIndex ? undefined : this.hashes[index - this.baseIndex - 1];
  }

  /**
   * The first index at which `other` differs from this log within 1..`upTo` (an entry changed,
   * or missing from one of them), or null if they agree there. Prefix hashes chain, so once two
   * prefixes differ all longer ones do: a binary search finds it in O(log upTo). Under a
   * snapshot only the prefix through it is known: a difference there is reported at its end.
   */
  firstDifference(other: NodeLog, upTo: number): number | null {
    const end = Math.min(upTo, Math.max(this.lastIndex, other.lastIndex));
    const same = (i: number) => i <= this.lastIndex && i <= other.lastIndex && this.prefixHash(i) === other.prefixHash(i);
    if (end <= 0 || same(end)) return null;
    const floor = Math.max(this.baseIndex, other.baseIndex);
    // Entries 1..end all under a snapshot: forgotten by one of the logs, so not comparable.
    if (floor > end) return null;
    if (floor > 0 && !same(floor)) return floor;
    let lo = Math.max(1, floor + 1);
    let hi = end; // the logs differ at or before hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (same(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends at `index`; entries at and after it are replaced (a log that skips ahead is an error); entries under the snapshot are skipped. */
  append(index: number, entries: readonly Entry[]): void {
    if (index > this.lastIndex + 1) throw new RangeError(`append at index ${index} leaves a gap after the last entry ${this.lastIndex}`);
    const skip = Math.max(0, this.baseIndex + 1 - index);
    this.truncate(index + skip);
    for (let k = skip; k < entries.length; k++) {
      const entry = entries[k]!;
      this.hashes.push(chainHash(this.hashes.at(-1) ?? this.baseHashValue, entry));
      this.entries.push(entry);
    }
  }

  /** Deletes the entry at `fromIndex` and all after it (down to the snapshot, not under it). */
  truncate(fromIndex: number): void {
    if (fromIndex <= this.lastIndex) {
      this.entries.length = Math.max(0, fromIndex - this.baseIndex - 1);
      this.hashes.length = this.entries.length;
    }
  }

  replace(entries: readonly Entry[]): void {
    this.truncate(1);
    this.append(this.baseIndex + 1, entries);
  }

  /** Forgets the entries through `index` (a snapshot there), keeping the term and prefix hash at it. */
  compact(index: number): void {
    if (index <= this.baseIndex || index > this.lastIndex) return;
    this.baseTermValue = this.termAt(index)!;
    this.baseHashValue = this.prefixHash(index)!;
    const drop = index - this.baseIndex;
    this.entries.splice(0, drop);
    this.hashes.splice(0, drop);
    this.baseIndex = index;
  }

  /**
   * A snapshot through (index, term), whose prefix hash is `hash`, replaces the log: the
   * entries after it stay if `keepSuffix` and the log reaches it, else all go.
   */
  install(index: number, term: number, hash: number, keepSuffix: boolean): void {
    if (keepSuffix && index > this.baseIndex && index <= this.lastIndex) {
      this.compact(index);
      return;
    }
    this.entries.length = 0;
    this.hashes.length = 0;
    this.baseIndex = index;
    this.baseTermValue = term;
    this.baseHashValue = hash;
  }

  /**
   * A log holding `entries` after a snapshot through (base, baseTerm, baseHash), as `replace`
   * builds it, that takes the prefix hashes of `like` where the entries are the same: a restart
   * recovers mostly the log the node had, and hashing it again costs more than comparing it.
   */
  static like(like: NodeLog, entries: readonly Entry[], snapshot?: { index: number; term: number; hash: number }): NodeLog {
    const log = new NodeLog();
    if (snapshot) log.install(snapshot.index, snapshot.term, snapshot.hash, false);
    const base = log.baseIndex;
    let same = 0;
    if (like.prefixHash(base) === log.baseHashValue) {
      while (same < entries.length && like.entry(base + same + 1) !== undefined && sameEntry(entries[same]!, like.entry(base + same + 1)!)) same++;
    }
    for (let i = 0; i < same; i++) {
      log.entries.push(entries[i]!);
      log.hashes.push(like.prefixHash(base + i + 1)!);
    }
    log.append(base + same + 1, entries.slice(same));
    return log;
  }

  /** A copy (entries are shared: they are never mutated). */
  clone(): NodeLog {
    const copy = new NodeLog();
    copy.entries.push(...this.entries);
    copy.hashes.push(...this.hashes);
    copy.baseIndex = this.baseIndex;
    copy.baseTermValue = this.baseTermValue;
    copy.baseHashValue = this.baseHashValue;
    return copy;
  }
}
