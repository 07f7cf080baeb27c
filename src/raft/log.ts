/**
 * A node's Raft log, 1-indexed as in the paper (index 0 is the empty prefix, term 0).
 * Mutated in place and shared by reference: the statechart never copies it per event, so every
 * step stays O(1) amortised in the log's length (GUIDE §5).
 */
import type { Entry } from '../trace/schema.js';

export class RaftLog {
  private readonly entries: Entry[];

  constructor(initial: readonly Entry[] = []) {
    this.entries = [...initial];
  }

  get lastIndex(): number {
    return this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? 0;
  }

  /** Term of the entry at `index`; 0 for index 0; undefined past the end. */
  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    return this.entries[index - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - 1];
  }

  /** Appends entries after the last one. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) this.entries.push(e);
  }

  /** Deletes the entry at `fromIndex` and every one after it. */
  truncateFrom(fromIndex: number): void {
    if (fromIndex >= 1 && fromIndex <= this.entries.length) this.entries.length = fromIndex - 1;
  }

  /** Entries from `from` (inclusive), at most `max` of them: a copy of only what is sent. */
  slice(from: number, max: number): Entry[] {
    return this.entries.slice(from - 1, from - 1 + max);
  }

  /** First index holding `term`, scanning back from `index` (for conflict hints). */
  firstIndexOfTerm(term: number, index: number): number {
    let i = index;
    while (i > 1 && this.entries[i - 2]?.term === term) i--;
    return i;
  }

  /** Last index holding `term`, or 0 if the log has none (terms never decrease along a log). */
  lastIndexOfTerm(term: number): number {
    for (let i = this.entries.length; i >= 1; i--) {
      const t = this.entries[i - 1]!.term;
      if (t === term) return i;
      if (t < term) return 0;
    }
    return 0;
  }

  /** A read-only live view (for NodeView). */
  view(): readonly Entry[] {
    return this.entries;
  }

  /** A copy, for persistence. */
  toArray(): Entry[] {
    return [...this.entries];
  }
}
