/**
 * The protocol extensions the reference knows, beyond the Raft paper's Figure 2. Each is off by
 * default, declared in a trace's header (`features`) and by a node that has it (the driver's
 * `init` reply), and is a set of named states, transitions, guards and actions of its own that
 * is composed with the base chart when it is on (./compose.ts) — never a flag threaded through
 * the base rules.
 *
 * - `prevote` (Ongaro's thesis §9.6): an election starts with a pre-vote round that changes no
 *   term; a server grants a pre-vote only to an up-to-date log, and only if it has not heard
 *   from a leader within the minimum election timeout.
 * - `checkquorum` (thesis §6.2, §4.2.3): a leader that has not heard from a majority within an
 *   election timeout steps down; a server that believes a leader is alive ignores RequestVote
 *   (leader stickiness).
 * - `transfer` (thesis §3.10): leadership transfer: the leader stops taking client requests,
 *   brings the target up to date and sends it TimeoutNow; the target starts an election at once.
 * - `snapshot` (paper §7): log compaction and InstallSnapshot.
 * - `membership` (thesis ch. 4): single-server configuration changes, learners. PreVote's and
 *   CheckQuorum's quorums are of the configuration's voters, a transfer's target is one of them,
 *   heartbeats go to learners too, a snapshot carries the configuration at its last index.
 * - `heartbeat` (etcd-raft's MsgHeartbeat): a leader's heartbeat tick sends `Heartbeat`, a
 *   message of its own carrying min(matchIndex[peer], commitIndex) and no log check; the
 *   follower advances its commitIndex to it and answers `HeartbeatResponse`.
 * - `config-on-apply` (etcd-raft's timing; needs `membership`): a configuration takes effect
 *   when its entry is applied, not appended, and a leader starts no change while an earlier one,
 *   or an entry of an earlier term, is not applied (./config-on-apply.ts).
 */
export const FEATURES = ['prevote', 'checkquorum', 'transfer', 'snapshot', 'membership', 'heartbeat', 'config-on-apply'] as const;
export type Feature = (typeof FEATURES)[number];

/**
 * The minor revision of trace format v1 a header declaring these features needs: 1 introduced
 * `features` and the first three, 2 the feature `snapshot`, 3 `membership`, 4 `heartbeat`, 5
 * `membership` with `snapshot` (a snapshot's configuration), 6 `config-on-apply`
 * (src/trace/schema.ts, TRACE_MINOR). A trace needs no newer revision than its features do.
 */
export function featuresRevision(features: readonly Feature[]): number {
  if (features.includes('config-on-apply')) return 6;
  if (features.includes('membership') && features.includes('snapshot')) return 5;
  if (features.includes('heartbeat')) return 4;
  if (features.includes('membership')) return 3;
  return features.includes('snapshot') ? 2 : 1;
}

export function isFeature(name: string): name is Feature {
  return (FEATURES as readonly string[]).includes(name);
}

/**
 * What `all` names: every feature (they all run together; membership's quorums, targets and
 * snapshots follow the configuration) but `config-on-apply`, a variant of membership's timing
 * rather than an extension.
 */
export const ALL_FEATURES: readonly Feature[] = FEATURES.filter((f) => f !== 'config-on-apply');

/** Features that need another: `config-on-apply` retimes `membership`'s changes. */
export const REQUIRES: Partial<Record<Feature, Feature>> = { 'config-on-apply': 'membership' };

/** Why a feature set cannot run (a feature without the one it needs), or null. */
export function missingRequirement(features: readonly string[]): string | null {
  for (const [f, needs] of Object.entries(REQUIRES)) if (features.includes(f) && !features.includes(needs)) return `feature '${f}' needs feature '${needs}'`;
  return null;
}

/** A feature list in the one canonical order (FEATURES'), without repeats. */
export function canonicalFeatures(features: Iterable<string>): Feature[] {
  const set = new Set(features);
  return FEATURES.filter((f) => set.has(f));
}

/**
 * Reads a comma-separated list (`prevote,checkquorum`); `all` names ALL_FEATURES, `none` or
 * the empty string none. Returns an error naming the unknown name and the known ones.
 */
export function parseFeatureList(text: string): Feature[] | { error: string } {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 1 && names[0] === 'all') return [...ALL_FEATURES];
  if (names.length === 1 && names[0] === 'none') return [];
  for (const n of names) if (!isFeature(n)) return { error: `unknown feature '${n}' (known: ${FEATURES.join(', ')}, or all of them)` };
  const missing = missingRequirement(names);
  if (missing) return { error: missing };
  return canonicalFeatures(names);
}
