/**
 * The chart of a feature set: the base chart (src/raft/chart.ts) extended by each feature that
 * is on, in one fixed order, and the guards and actions every feature registers.
 */
import { BASE_CHART, copyChart, type ChartConfig } from '../chart.js';
import { addCheckQuorum, checkQuorumActions, checkQuorumGuards } from './checkquorum.js';
import { addConfigOnApply, configOnApplyActions, configOnApplyGuards } from './config-on-apply.js';
import type { Feature } from './index.js';
import { addHeartbeat, heartbeatActions, heartbeatGuards } from './heartbeat.js';
import { addLease, leaseActions, leaseGuards } from './lease.js';
import { addMembership, membershipActions, membershipGuards } from './membership.js';
import { addPreVote, prevoteActions, prevoteGuards } from './prevote.js';
import { addSnapshot, snapshotActions, snapshotGuards } from './snapshot.js';
import { addTransfer, transferActions, transferGuards } from './transfer.js';

export const FEATURE_GUARDS = { ...leaseGuards, ...prevoteGuards, ...checkQuorumGuards, ...transferGuards, ...snapshotGuards, ...membershipGuards, ...heartbeatGuards, ...configOnApplyGuards };
export const FEATURE_ACTIONS = { ...leaseActions, ...prevoteActions, ...checkQuorumActions, ...transferActions, ...snapshotActions, ...membershipActions, ...heartbeatActions, ...configOnApplyActions };

export function composeChart(features: readonly Feature[]): ChartConfig {
  const on = new Set(features);
  const chart = copyChart(BASE_CHART);
  if (on.has('prevote')) addPreVote(chart);
  // After prevote (a pre-candidate answers heartbeats too), before checkquorum and the lease
  // (a heartbeat's answer is a sign of life; heeding a heartbeat renews the lease).
  if (on.has('heartbeat')) addHeartbeat(chart);
  if (on.has('checkquorum')) addCheckQuorum(chart);
  if (on.has('transfer')) addTransfer(chart);
  // Last: it adds the lease's timer to every state, the pre-candidate included.
  if (on.has('prevote') || on.has('checkquorum')) addLease(chart);
  // After the lease: it takes over every replication action, and renews the lease on InstallSnapshot too.
  if (on.has('snapshot')) addSnapshot(chart);
  // Last: its quorums replace the base's in every leader action, the snapshot's included, and
  // every step that changes the log (an install too) adopts the latest configuration.
  if (on.has('membership')) addMembership(chart);
  // After membership, whose transitions it retimes: a configuration takes effect when applied.
  if (on.has('membership') && on.has('config-on-apply')) addConfigOnApply(chart);
  return chart;
}
