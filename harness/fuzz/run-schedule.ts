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
import { SEMANTIC_RULES } from '../checker/semantic-checker.js';
import { TraceValidation, type FileError } from '../validate/validate-file.js';
import type { Action, Schedule } from './schedule.js';

export interface ScheduleOutcome {
  ok: boolean;
  /** The first violation, if any. */
  error?: FileError;
  lines: TraceLine[];
  /** Lines written before the run stopped. */
  events: number;
  /** Messages the trace format does not model (logged as notes), by name. */
  notModelled: Record<string, number>;
  /** Network fates drawn from the schedule (one per message sent). */
  fatesUsed: number;
  /** With RunOptions.fateTimes: the virtual time each fate was drawn at, in draw order (minimise.ts). */
  fateTimes?: number[];
  /** With RunOptions.fateTimes: when the faults ended (the liveness check began) and how many fates had been drawn (absent: never). */
  heal?: { time: number; fatesDrawn: number };
  /** Virtual time of the violating line, if any. */
  violationTime?: number;
  /**
   * Lines the verdict needed (from the header on): the violation's line, or a later one where
   * the checker held the violation until the trace showed it applies (a leader's log that may
   * have grown unseen, until the trace shows its client requests). A saved case keeps them all.
   */
  decidedLine?: number;
}


/**
 * The semantic rules that apply to an implementation (all but those its profile skips). A run
 * records its skip list in the trace header, which every validation of the trace honours;
 * this is for checks of lines that carry no such header.
 */
export function enabledRules(createNode: NodeFactory): Set<string> | undefined {
  const skip = createNode.profile?.skipRules;
  if (!skip?.length) return undefined;
  const skipped = new Set(skip.map((s) => s.rule));
  return new Set(SEMANTIC_RULES.map((r) => r.id).filter((id) => !skipped.has(id)));
}

/** A failure of the implementation's process or adapter that names its own rule (driver.timeout, ...). */
function ruleOf(error: unknown): string {
  const rule = typeof error === 'object' && error !== null && 'rule' in error ? (error as { rule: unknown }).rule : undefined;
  return typeof rule === 'string' ? rule : 'exception';
}

/**
 * The schedule's network. Once healed it loses and duplicates nothing and delivers within
 * 10 ms: liveness needs broadcastTime ≪ electionTimeout (paper §5.6), and long delays are a
 * fault like any other.
 */
function scheduleNetwork(schedule: Schedule, times?: number[]): NetworkModel & { healed: boolean; healedAt?: { time: number; fatesDrawn: number }; used: number } {
  return {
    healed: false,
    used: 0,
    fate(_from, _to, now) {
      times?.push(now);
      const f = schedule.fates[this.used++ % schedule.fates.length]!;
      if (this.healed) return { kind: 'deliver', delays: [1 + (f.delay % 10)] };
      if (f.lose) return { kind: 'lose' };
      return { kind: 'deliver', delays: f.duplicate ? [f.delay, f.delay + 1] : [f.delay] };
    },
  };
}

/** Virtual time allowed, after the last fault heals, to elect a leader and commit a write. */
export const DEFAULT_LIVENESS_WINDOW = 10 * DEFAULT_NODE_CONFIG.electionTimeout.max;

/**
 * Bounded liveness: once every fault is over (partitions healed, crashed nodes restarted,
 * the network reliable), a leader must be elected and a client write must commit within the
 * window. A client keeps submitting one write, following not_leader hints.
 */
function checkLiveness(cluster: Cluster, network: { healed: boolean; healedAt?: { time: number; fatesDrawn: number }; used: number }, healAt: number, window: number, failed: () => boolean): { ok: true } | { ok: false; message: string } {
  cluster.at(healAt, () => {
    if (cluster.partitioned) cluster.heal();
    for (const id of cluster.ids) if (!cluster.isUp(id)) cluster.restart(id);
    network.healedAt = { time: cluster.time, fatesDrawn: network.used };
    network.healed = true;
    cluster.setNaturalElections(true);
  });
  let committed = false;
  let guess = 0;
  let requestId = 0;
  // Hints are followed, but stale ones can form a cycle that never reaches the leader (a removed
  // server hints its old leader, which was removed too and hints nobody): after two hints in a row
  // the client asks the next server in turn, so every server is asked within 3·n attempts.
  let turn = 0;
  let hintsInARow = 0;
  cluster.onClientResponse((r) => {
    if (r.client !== 'liveness') return;
    if (r.result.status === 'ok') committed = true;
    else if (r.result.status === 'not_leader' && r.result.leaderHint && hintsInARow < 2) {
      guess = cluster.ids.indexOf(r.result.leaderHint);
      hintsInARow++;
    } else {
      turn = (turn + 1) % cluster.ids.length;
      guess = turn;
      hintsInARow = 0;
    }
  });
  const attempt = (at: number) => {
    if (at > healAt + window) return;
    cluster.at(at, () => {
      if (committed) return;
      cluster.clientRequest(cluster.ids[guess]!, 'liveness', ++requestId, { type: 'set', value: 'live' });
      attempt(at + 100);
    });
  };
  attempt(healAt);
  // A safety violation during the window ends the run (it is the verdict; the rest is noise).
  cluster.runUntil(healAt + window, failed);
  if (committed) return { ok: true };
  const leader = cluster.views().some((v) => v.role === 'leader');
  return {
    ok: false,
    message: `${leader ? 'a client write was not committed' : 'no leader was elected'} within ${window} ms after the last fault healed (at ${healAt} ms)`,
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
    case 'timeout':
      cluster.fireTimer(ids[action.node]!, 'election');
      return;
    case 'transfer':
      if (action.node !== action.target) cluster.transferLeadership(ids[action.node]!, ids[action.target]!);
      return;
    case 'reconfigure': {
      // To the leader of the highest term among the nodes up (a request to a follower would be ignored).
      const leader = cluster.views().filter((v) => v.role === 'leader').sort((a, b) => b.term - a.term)[0];
      if (leader) cluster.reconfigure(leader.id, action.change, ids[action.server]!);
      return;
    }
    case 'client':
      // Each client operation is its own client: the history stays simple to read.
      cluster.clientRequest(ids[action.node]!, `c${++clientRequests}`, 1, action.op);
      return;
  }
}

export interface RunOptions {
  keepLines?: boolean;
  meta?: Record<string, unknown>;
  /**
   * The rules this run skips, with their reasons (default: those of the implementation's
   * profile). Recorded in the trace header: a saved case is judged the same way wherever it is read.
   */
  skipRules?: ReadonlyArray<{ rule: string; reason: string }>;
  /** Check bounded liveness after the schedule's faults (default on), within this window. */
  liveness?: boolean;
  livenessWindowMs?: number;
  /** Record when each fate was drawn (ScheduleOutcome.fateTimes). */
  fateTimes?: boolean;
}

export function runSchedule(schedule: Schedule, createNode: NodeFactory, options: RunOptions = {}): ScheduleOutcome {
  clientRequests = 0;
  // The rules skipped come from the header the cluster writes (its skipRules), as for any reader of the trace.
  const validation = new TraceValidation({ maxErrors: 1 });
  const lines: TraceLine[] = [];
  /** Each line's virtual time (0 for the header), to tell when the violation happened. */
  const times: number[] = [];
  let n = 0;
  /** The line on which the validation failed. */
  let decided: number | undefined;
  const fateTimes = options.fateTimes ? [] as number[] : undefined;
  const network = scheduleNetwork(schedule, fateTimes);
  const cluster = new Cluster({
    ids: nodeIds(schedule.nodes),
    node: {
      ...DEFAULT_NODE_CONFIG,
      maxEntriesPerMessage: schedule.batch ?? DEFAULT_NODE_CONFIG.maxEntriesPerMessage,
      heartbeatInterval: schedule.heartbeatMs ?? DEFAULT_NODE_CONFIG.heartbeatInterval,
      ...(schedule.features?.length ? { features: schedule.features } : {}),
      ...(schedule.snapshotEvery !== undefined ? { snapshotEvery: schedule.snapshotEvery } : {}),
      ...(schedule.members !== undefined ? { configuration: { voters: nodeIds(schedule.nodes).slice(0, schedule.members), learners: [] } } : {}),
    },
    random: createRandom(schedule.seed),
    network,
    sink: {
      write(line) {
        n++;
        times.push(('time' in line ? line.time : undefined) ?? 0);
        if (options.keepLines) lines.push(line);
        validation.line(line, n);
        if (decided === undefined && validation.failed) decided = n;
      },
      close() {},
    },
    seed: schedule.seed,
    ...(options.meta ? { meta: options.meta } : {}),
    ...(options.skipRules ? { skipRules: options.skipRules } : {}),
    createNode,
  });
  const done = (outcome: Pick<ScheduleOutcome, 'ok' | 'error'>): ScheduleOutcome => {
    const violationTime = outcome.error ? times[outcome.error.line - 1] : undefined;
    // A verdict reached at the end (finish, liveness, a throw) needed every line.
    const decidedLine = outcome.error ? Math.max(outcome.error.line, decided ?? n) : undefined;
    return { ...outcome, lines, events: n, notModelled: cluster.notModelled, fatesUsed: network.used, ...(fateTimes ? { fateTimes } : {}), ...(fateTimes && network.healedAt ? { heal: network.healedAt } : {}), ...(violationTime !== undefined ? { violationTime } : {}), ...(decidedLine !== undefined ? { decidedLine } : {}) };
  };
  try {
    cluster.setNaturalElections(schedule.naturalElections !== false);
    cluster.start();
    for (const e of [...schedule.events].sort((a, b) => a.at - b.at)) cluster.at(e.at, () => perform(cluster, e.action));
    while (!validation.failed && cluster.stepOnce()) {
      if (cluster.time > schedule.durationMs) break;
    }
    if (!validation.failed && options.liveness !== false) {
      const live = checkLiveness(cluster, network, Math.max(cluster.time, schedule.durationMs), options.livenessWindowMs ?? DEFAULT_LIVENESS_WINDOW, () => validation.failed);
      const report = validation.finish('schedule', { lines: n, bytes: 0 });
      if (!report.valid) return done({ ok: false, error: report.errors[0]! });
      if (!live.ok) return done({ ok: false, error: { line: n, rule: 'liveness', path: '/', message: live.message } });
      return done({ ok: true });
    }
  } catch (error) {
    // A violation already logged came before the implementation threw: it is the verdict
    // (a node that lost its log may well crash on what follows).
    if (validation.failed) {
      const report = validation.finish('schedule', { lines: n, bytes: 0 });
      if (!report.valid) return done({ ok: false, error: report.errors[0]! });
    }
    const rule = ruleOf(error);
    const text = error instanceof Error ? error.message : String(error);
    return done({ ok: false, error: { line: n, rule, path: '/', message: rule === 'exception' ? `the implementation threw: ${text}` : text } });
  } finally {
    cluster.dispose();
  }
  const report = validation.finish('schedule', { lines: n, bytes: 0 });
  return done(report.valid ? { ok: true } : { ok: false, error: report.errors[0]! });
}
