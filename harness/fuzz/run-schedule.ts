/**
 * Runs one schedule synchronously: the cluster in virtual time, the network's fates and the
 * events taken from the schedule, every line checked as it is written, stopping at the first
 * violation.
 */
import { createRandom } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG } from '../../src/raft/types.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { Cluster, type NodeFactory } from '../simulator/cluster.js';
import type { NetworkModel } from '../simulator/network.js';
import { nodeIds } from '../simulator/simulate.js';
import { TraceValidation, type FileError } from '../validate/validate-file.js';
import type { Action, Schedule } from './schedule.js';

export interface ScheduleOutcome {
  ok: boolean;
  /** The first violation, if any. */
  error?: FileError;
  lines: TraceLine[];
  /** Lines written before the run stopped. */
  events: number;
}

function scheduleNetwork(schedule: Schedule): NetworkModel {
  let next = 0;
  return {
    fate() {
      const f = schedule.fates[next++ % schedule.fates.length]!;
      if (f.lose) return { kind: 'lose' };
      return { kind: 'deliver', delays: f.duplicate ? [f.delay, f.delay + 1] : [f.delay] };
    },
  };
}

let clientRequests = 0;

function perform(cluster: Cluster, action: Action): void {
  const ids = cluster.ids;
  switch (action.type) {
    case 'partition': {
      const groups = [ids.filter((_, i) => action.side[i] === 0), ids.filter((_, i) => action.side[i] !== 0)].filter((g) => g.length > 0);
      if (groups.length > 1) cluster.partitionGroups(groups);
      return;
    }
    case 'heal':
      if (cluster.partitioned) cluster.heal();
      return;
    case 'crash':
      if (cluster.isUp(ids[action.node]!)) cluster.crash(ids[action.node]!);
      return;
    case 'restart':
      if (!cluster.isUp(ids[action.node]!)) cluster.restart(ids[action.node]!);
      return;
    case 'client':
      // Each client operation is its own client: the history stays simple to read.
      cluster.clientRequest(ids[action.node]!, `c${++clientRequests}`, 1, action.op);
      return;
  }
}

export function runSchedule(schedule: Schedule, createNode: NodeFactory, options: { keepLines?: boolean; meta?: Record<string, unknown> } = {}): ScheduleOutcome {
  clientRequests = 0;
  const validation = new TraceValidation({ maxErrors: 1 });
  const lines: TraceLine[] = [];
  let n = 0;
  const cluster = new Cluster({
    ids: nodeIds(schedule.nodes),
    node: { ...DEFAULT_NODE_CONFIG, maxEntriesPerMessage: schedule.batch ?? DEFAULT_NODE_CONFIG.maxEntriesPerMessage },
    random: createRandom(schedule.seed),
    network: scheduleNetwork(schedule),
    sink: {
      write(line) {
        n++;
        if (options.keepLines) lines.push(line);
        validation.line(line, n);
      },
      close() {},
    },
    seed: schedule.seed,
    ...(options.meta ? { meta: options.meta } : {}),
    createNode,
  });
  try {
    cluster.start();
    for (const e of [...schedule.events].sort((a, b) => a.at - b.at)) cluster.at(e.at, () => perform(cluster, e.action));
    while (!validation.failed && cluster.stepOnce()) {
      if (cluster.time > schedule.durationMs) break;
    }
  } catch (error) {
    const message = `the implementation threw: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, error: { line: n, rule: 'exception', path: '/', message }, lines, events: n };
  }
  const report = validation.finish('schedule', { lines: n, bytes: 0 });
  return report.valid ? { ok: true, lines, events: n } : { ok: false, error: report.errors[0]!, lines, events: n };
}
