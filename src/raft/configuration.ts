/**
 * Cluster configurations (feature `membership`, Ongaro's thesis ch. 4). A configuration is the
 * set of voters — whose votes and acknowledgements make quorums — and of learners, which receive
 * entries but neither vote nor count. Without the feature the configuration is fixed: every
 * member a voter. With it, a server uses the latest configuration entry in its log, committed or
 * not, and the initial configuration (NodeConfig.configuration) before any.
 */
import type { RaftLog, SnapshotConfigEntry } from './log.js';
import type { Entry, NodeConfig, NodeId } from './types.js';

export interface Configuration {
  voters: readonly NodeId[];
  learners: readonly NodeId[];
}

/** The configuration before any configuration entry: NodeConfig's, or every member a voter. */
export function initialConfiguration(config: NodeConfig): Configuration {
  return config.configuration ?? { voters: config.members, learners: [] };
}

/** The configuration an entry holds (a `config` command), or null. */
export function configurationIn(entry: Entry | undefined): Configuration | null {
  return configurationOf(entry?.command);
}

/** The configuration a command is (a `config` command), or null. */
export function configurationOf(c: Entry['command'] | undefined): Configuration | null {
  return c && c.type === 'config' ? { voters: c.voters, learners: c.learners } : null;
}

/** The latest configuration in the log and the index of its entry (0: the initial one). */
export function latestConfiguration(log: RaftLog, config: NodeConfig): { index: number; configuration: Configuration } {
  const index = log.lastConfigIndex;
  const configuration = index > 0 ? configurationOf(log.commandAt(index)) : null;
  return configuration ? { index, configuration } : { index: 0, configuration: initialConfiguration(config) };
}

/**
 * Feature `config-on-apply` (etcd's rule): a configuration takes effect when its entry is
 * applied, so the one in effect is the latest configuration entry at or under `applied` (the
 * snapshot's, under it; 0: the initial one), whatever the log holds after it.
 */
export function appliedConfiguration(log: RaftLog, config: NodeConfig, applied: number): { index: number; configuration: Configuration } {
  const index = log.configIndexAtOrBefore(applied);
  const configuration = index > 0 ? configurationOf(log.commandAt(index)) : null;
  return configuration ? { index, configuration } : { index: 0, configuration: initialConfiguration(config) };
}

/**
 * The configurations whose voters elect a candidate: the one in effect and every configuration
 * entry after it in the log. With feature `membership` alone the one in effect is the latest in
 * the log, so this is that one; with `config-on-apply` it adds the changes appended but not yet
 * applied (spec/CONFORMANCE.md: a candidate needs a majority of each).
 */
export function electionConfigurations(log: RaftLog, configIndex: number, inEffect: Configuration): Configuration[] {
  const later = log.configIndicesAfter(configIndex).flatMap((i) => configurationOf(log.commandAt(i)) ?? []);
  return [inEffect, ...later];
}

/** A strict majority of the voters. */
export function quorumOf(configuration: Configuration): number {
  return Math.floor(configuration.voters.length / 2) + 1;
}

/** Everyone a leader replicates to: the voters and learners, itself excepted, in that order. */
export function peersIn(configuration: Configuration, self: NodeId): NodeId[] {
  return [...configuration.voters, ...configuration.learners].filter((m) => m !== self);
}

/** The configuration before the latest one (the initial one if the log holds at most one configuration entry). */
export function previousConfiguration(log: RaftLog, config: NodeConfig): Configuration {
  const index = log.previousConfigIndex;
  return (index > 0 ? configurationOf(log.commandAt(index)) : null) ?? initialConfiguration(config);
}

/**
 * Features `membership` and `snapshot`: the configuration a snapshot through the log's
 * snapshotIndex carries (thesis §5.4.2) — the latest configuration at or under it, its entry's
 * index (0: the initial one) — as the trace logs it; undefined without membership.
 */
export function snapshotConfiguration(log: RaftLog, config: NodeConfig): { index: number; voters: NodeId[]; learners: NodeId[] } | undefined {
  if (!config.features?.includes('membership')) return undefined;
  const carried = log.snapshotConfigEntry;
  const c = carried?.command ?? initialConfiguration(config);
  return { index: carried?.index ?? 0, voters: [...c.voters], learners: [...c.learners] };
}

/** The configuration entry a logged snapshot configuration stands for (null: the initial one, index 0, or none logged). */
export function snapshotConfigEntry(c: { index: number; voters: readonly NodeId[]; learners: readonly NodeId[] } | undefined): SnapshotConfigEntry | null {
  if (!c || c.index === 0) return null;
  return { index: c.index, command: { type: 'config', voters: [...c.voters], learners: [...c.learners] } };
}
