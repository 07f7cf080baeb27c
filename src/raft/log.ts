/**
 * A node's Raft log, 1-indexed as in the paper (index 0 is the empty prefix, term 0).
 * Mutated in place and shared by reference: the statechart never copies it per event, so every
 * step stays O(1) amortised in the log's length (GUIDE §5).
 *
 * Log compaction (feature `snapshot`, paper §7): the entries up to `snapshotIndex` may be
 * discarded; indices stay absolute, and the last discarded entry is still known by its
 * (index, term) — `termAt(snapshotIndex)` is `snapshotTerm` — as AppendEntries' consistency
 * check needs. Without a snapshot `snapshotIndex` is 0 and the log is the whole log.
 */
import type { Entry } from '../trace/schema.js';

/** A configuration entry under the snapshot: its index and its command (its term is not kept). */
export interface SnapshotConfigEntry {
  index: number;
  command: Extract<Entry['command'], { type: 'config' }>;
}

export class RaftLog {
  /** The entries after the snapshot: entry `snapshotIndex + 1` at position 0. */
  private readonly entries: Entry[];
  private base: number;
  private baseTerm: number;
  /**
   * Feature `membership`: the indices of the configuration entries, ascending, so that the
   * latest configuration is found in O(1) after any append or truncation (it takes effect when
   * appended and reverts when truncated: thesis §4.1).
   */
  private configs: number[] = [];
  /**
   * Features `membership` and `snapshot`: the configuration entry in effect at the snapshot's
   * last index (the latest at or under it), kept when the prefix holding it is discarded — a
   * snapshot carries its configuration (thesis §5.4.2). Null: the initial configuration.
   */
  private baseConfig: SnapshotConfigEntry | null;

  constructor(initial: readonly Entry[] = [], snapshot?: { index: number; term: number; config?: SnapshotConfigEntry | null }) {
    this.entries = [];
    this.base = snapshot?.index ?? 0;
    this.baseTerm = snapshot?.term ?? 0;
    this.baseConfig = snapshot?.config ?? null;
    this.append(initial);
  }

  /** Index of the last configuration entry (feature `membership`), 0 if the log holds none: the snapshot's, if the log after it holds none. */
  get lastConfigIndex(): number {
    return this.configs.at(-1) ?? this.baseConfig?.index ?? 0;
  }

  /** Index of the configuration entry before the last one, 0 if none (or if it is under the snapshot's). */
  get previousConfigIndex(): number {
    return this.configs.length >= 2 ? this.configs.at(-2)! : this.configs.length === 1 ? (this.baseConfig?.index ?? 0) : 0;
  }

  /**
   * Feature `config-on-apply`: index of the latest configuration entry at or under `index` (the
   * snapshot's if the log after it holds none there; 0: the initial configuration).
   */
  configIndexAtOrBefore(index: number): number {
    for (let k = this.configs.length - 1; k >= 0; k--) if (this.configs[k]! <= index) return this.configs[k]!;
    return this.baseConfig && this.baseConfig.index <= index ? this.baseConfig.index : 0;
  }

  /** Feature `config-on-apply`: indices of the configuration entries after `index`, ascending. */
  configIndicesAfter(index: number): number[] {
    return this.configs.filter((i) => i > index);
  }

  /** The command of the entry at `index`: in the log after the snapshot, or the configuration the snapshot carries. */
  commandAt(index: number): Entry['command'] | undefined {
    if (index > this.base) return this.entry(index)?.command;
    return this.baseConfig?.index === index ? this.baseConfig.command : undefined;
  }

  /** The configuration entry the snapshot carries (null: the initial configuration, or no snapshot). */
  get snapshotConfigEntry(): SnapshotConfigEntry | null {
    return this.baseConfig;
  }

  get lastIndex(): number {
    return this.base + this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? this.baseTerm;
  }

  /** The last index the snapshot covers (0: no snapshot). */
  get snapshotIndex(): number {
    return this.base;
  }

  get snapshotTerm(): number {
    return this.baseTerm;
  }

  /** Term of the entry at `index`; 0 for index 0; undefined past the end or under the snapshot (but its last entry). */
  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    if (index < this.base) return undefined;
    return this.entries[index - this.base - 1]?.term;
  }

  /** The entry at `index`; undefined past the end or under the snapshot. */
  entry(index: number): Entry | undefined {
    return index <= this.base ? undefined : this.entries[index - this.base - 1];
  }

  /** Appends entries after the last one. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      this.entries.push(e);
      if (e.command.type === 'config') this.configs.push(this.lastIndex);
    }
  }

  /** Deletes the entry at `fromIndex` and every one after it (never under the snapshot). */
  truncateFrom(fromIndex: number): void {
    if (fromIndex > this.base && fromIndex <= this.lastIndex) {
      this.entries.length = fromIndex - this.base - 1;
      while ((this.configs.at(-1) ?? 0) >= fromIndex) this.configs.pop();
    }
  }

  /** Entries from `from` (inclusive, above the snapshot), at most `max` of them: a copy of only what is sent. */
  slice(from: number, max: number): Entry[] {
    const start = Math.max(0, from - this.base - 1);
    return this.entries.slice(start, start + max);
  }

  /** First index holding `term`, scanning back from `index` (for conflict hints); not below the snapshot. */
  firstIndexOfTerm(term: number, index: number): number {
    let i = index;
    while (i > this.base + 1 && this.entries[i - this.base - 2]?.term === term) i--;
    return i;
  }

  /** Last index holding `term`, or 0 if the log has none (terms never decrease along a log). */
  lastIndexOfTerm(term: number): number {
    for (let i = this.lastIndex; i > this.base; i--) {
      const t = this.entries[i - this.base - 1]!.term;
      if (t === term) return i;
      if (t < term) return 0;
    }
    return this.base > 0 && this.baseTerm === term ? this.base : 0;
  }

  /** Discards the entries up to `index` (at most the last index), keeping what follows: a snapshot was taken there. */
  compact(index: number): void {
    if (index <= this.base || index > this.lastIndex) return;
    // The configuration in effect at `index` goes with the snapshot; those after it stay in the log.
    const under = this.configs.filter((i) => i <= index).at(-1);
    if (under !== undefined) {
      const command = this.entry(under)!.command;
      if (command.type === 'config') this.baseConfig = { index: under, command };
    }
    this.configs = this.configs.filter((i) => i > index);
    this.baseTerm = this.termAt(index)!;
    this.entries.splice(0, index - this.base);
    this.base = index;
  }

  /**
   * A snapshot through (index, term) replaces the log: the entries after it are kept if
   * `keepSuffix`, else all are discarded (Figure 13, 6-7); `config` is the configuration entry
   * it carries (null: the initial configuration, or no membership).
   */
  install(index: number, term: number, keepSuffix: boolean, config: SnapshotConfigEntry | null = null): void {
    if (keepSuffix && index > this.base && index <= this.lastIndex) this.entries.splice(0, index - this.base);
    else this.entries.length = 0;
    this.base = index;
    this.baseConfig = config;
    // The configuration entries left are those of the suffix kept.
    this.configs.length = 0;
    this.entries.forEach((e, k) => {
      if (e.command.type === 'config') this.configs.push(index + 1 + k);
    });
    this.baseTerm = term;
  }

  /** A read-only live view of the entries after the snapshot (for NodeView). */
  view(): readonly Entry[] {
    return this.entries;
  }

  /** A copy of the entries after the snapshot, for persistence. */
  toArray(): Entry[] {
    return [...this.entries];
  }
}
