/**
 * Minimising a counterexample for the person who reads it.
 *
 * fast-check shrinks the schedule as data (fewer events, smaller numbers); that does not make
 * the run short: a shrunk schedule may still idle for seconds of heartbeats, run five nodes where
 * three suffice, or move the one fault that matters to the end of the run. This pass minimises
 * the run itself, through the schedule: every candidate is a schedule that is run again, and it
 * is kept only if it fails with the same rule and its trace up to the violation is shorter (or
 * as short, with a smaller schedule). The saved case is therefore a real run, replayed exactly.
 *
 * A run already at the floor (its violation on the first line, one node, no events, a reliable
 * network: `failingFloor`, tried before any search) can only lose time; only the time cuts run.
 *
 * Reductions, tried in this order and repeated until none helps or the budget is spent:
 * - trim: what the run never used goes (events after the violation, fates past the last
 *   message sent, faults after it); the run is the same;
 * - events: fewer schedule events (delta debugging: all, halves, quarters, ... single events);
 * - network: a reliable network (one fate: delivered once after 1 ms);
 * - nodes: drop a node (its events go, transfers and configuration changes of it too, the others are renumbered), down
 *   to one node;
 * - time: idle stretches cut: each gap between the schedule's times (its events and the end
 *   of the faults, `durationMs`) is cut, wholly or in part, moving everything after it;
 * - fates: each fate without loss, without duplication, with a 1 ms delay (in chunks);
 * - in place: time cuts and single event removals that also remove the fates drawn in what is
 *   cut (fates are drawn in send order: a plain cut hands every later message another one's
 *   fate), and the run written down with every election forced (`frozen`), then cut, so that
 *   no cut moves an election that fired when a node's random timer ran out;
 * - heartbeat: a longer heartbeat interval (fewer heartbeats), up to MAX_HEARTBEAT_MS;
 * - batch and seed: other AppendEntries batch sizes, other election timeout draws.
 *
 * The protocol extensions the run has (`features`) are part of what fails and are kept: every
 * candidate has the schedule's features, and the feature timers come from them.
 *
 * The pass is deterministic and bounded by a count of runs, never by time: the same failure
 * gives the same minimal case on every machine.
 */
import { DEFAULT_NODE_CONFIG } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { runSchedule, type ScheduleOutcome } from './run-schedule.js';
import type { Action, Fate, Schedule } from './schedule.js';

/**
 * The longest heartbeat interval a minimised schedule may use: two thirds of the shortest
 * election timeout, so that heartbeats delivered late by the healed network (up to 10 ms)
 * still reach followers well before their election timers fire (paper §5.6).
 */
export const MAX_HEARTBEAT_MS = Math.floor((DEFAULT_NODE_CONFIG.electionTimeout.min * 2) / 3);

export interface MinimiseOptions {
  /** Most runs to spend (default DEFAULT_MINIMISE_RUNS). */
  maxRuns?: number;
  /** After each run: runs so far and how many candidates were kept. */
  onRun?: (runs: number, kept: number) => void;
}

export const DEFAULT_MINIMISE_RUNS = 400;

export interface Minimised {
  schedule: Schedule;
  /** The run of the minimal schedule (lines not kept). */
  outcome: ScheduleOutcome;
  /** Runs spent. */
  runs: number;
  /** Candidates kept (each a smaller failing run). */
  kept: number;
}

const CLEAN_FATE: Fate = { lose: false, duplicate: false, delay: 1 };
const BATCHES = [64, 4, 1];
const SEEDS = 8;

/**
 * The size of a failing run, compared in order: trace lines up to the violation first, then
 * the schedule's nodes, events, fates, faulty fates, delays and times.
 */
function cost(schedule: Schedule, outcome: ScheduleOutcome): number[] {
  const fates = schedule.fates;
  return [
    outcome.error!.line,
    schedule.nodes,
    schedule.events.length,
    fates.length,
    fates.filter((f) => f.lose || f.duplicate).length,
    fates.reduce((sum, f) => sum + f.delay, 0),
    schedule.events.reduce((sum, e) => sum + e.at, schedule.durationMs),
  ];
}

/** Whether failing run `a` is smaller than `b` (see `cost`). */
export function smallerRun(a: FailingRun, b: FailingRun): boolean {
  return lessThan(cost(a.schedule, a.outcome), cost(b.schedule, b.outcome));
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/**
 * Whether a failing run's size is at its floor but for time: its violation on the trace's first
 * line, one node, no schedule events and a reliable network. Only cutting time can then make it
 * smaller; every other pass would spend runs for nothing.
 */
function atFloor(c: readonly number[]): boolean {
  return c[0]! <= 1 && c[1] === 1 && c[2] === 0 && c[3]! <= 1 && c[4] === 0 && c[5]! <= 1;
}

/** The smallest schedule like `s`: one node (the initial voter), no events, a reliable network. */
export function floorSchedule(s: Schedule): Schedule {
  return { ...s, nodes: 1, events: [], fates: [CLEAN_FATE], ...(s.members === undefined ? {} : { members: 1 }) };
}

/**
 * The floor of the schedule that failed, run, if it fails with the same rule: a failure that
 * does not need the schedule (a node that cannot start, say) is then minimal at once instead of
 * after hundreds of shrinking runs. One run otherwise.
 */
export function failingFloor(schedule: Schedule, createNode: NodeFactory, rule: string): FailingRun | null {
  const floor = floorSchedule(schedule);
  const outcome = runSchedule(floor, createNode, { fateTimes: true });
  return !outcome.ok && outcome.error?.rule === rule ? { schedule: floor, outcome } : null;
}

/** Stops the pass when the budget is spent. */
class BudgetSpent extends Error {}

export interface FailingRun {
  schedule: Schedule;
  outcome: ScheduleOutcome;
}

/**
 * Minimises a failing run: the result fails with the same rule, with a trace no longer than
 * the start's.
 */
export function minimiseSchedule(start: FailingRun, createNode: NodeFactory, options: MinimiseOptions = {}): Minimised {
  const rule = start.outcome.error?.rule;
  if (start.outcome.ok || rule === undefined) throw new Error('only a failing run can be minimised');
  const maxRuns = options.maxRuns ?? DEFAULT_MINIMISE_RUNS;
  // The start replayed once (not counted: the same run) for when it drew each fate.
  const replay = start.outcome.fateTimes ? start.outcome : runSchedule(start.schedule, createNode, { fateTimes: true });
  const first = replay.error?.rule === rule && replay.error?.line === start.outcome.error?.line ? replay : start.outcome;
  let best = { schedule: start.schedule, outcome: first, cost: cost(start.schedule, first) };
  let runs = 0;
  let kept = 0;
  const seen = new Set<string>([JSON.stringify(start.schedule)]);

  /** Runs a candidate; keeps it (and returns true) if it is a smaller failure of the same rule. */
  const attempt = (candidate: Schedule): boolean => {
    const key = JSON.stringify(candidate);
    if (seen.has(key)) return false;
    seen.add(key);
    if (runs >= maxRuns) throw new BudgetSpent();
    runs++;
    const result = runSchedule(candidate, createNode, { fateTimes: true });
    const smaller = !result.ok && result.error?.rule === rule && lessThan(cost(candidate, result), best.cost);
    if (smaller) {
      best = { schedule: candidate, outcome: result, cost: cost(candidate, result) };
      kept++;
    }
    options.onRun?.(runs, kept);
    return smaller;
  };

  /** Runs a schedule (counted) without keeping it: what a composite reduction starts from. */
  const probe: Probe = (candidate, keepLines) => {
    if (runs >= maxRuns) throw new BudgetSpent();
    runs++;
    const outcome = runSchedule(candidate, createNode, { fateTimes: true, keepLines });
    options.onRun?.(runs, kept);
    return !outcome.ok && outcome.error?.rule === rule ? { schedule: candidate, outcome } : null;
  };

  const cutTime = () => compressTime(() => best, attempt);
  const passes: Array<() => boolean> = [
    () => attempt(trimmed(best.schedule, best.outcome)),
    () => removeChunks(() => best.schedule.events, (events) => ({ ...best.schedule, events }), attempt),
    () => attempt({ ...best.schedule, fates: [CLEAN_FATE] }),
    () => reduceNodes(() => best.schedule, attempt),
    cutTime,
    () => freezeElections(() => best.schedule, probe, attempt),
    () => removeEventsAligned(() => best, attempt),
    () => reduceFates(() => best.schedule, attempt),
    () => lengthenHeartbeat(() => best.schedule, attempt),
    () => otherBatches(() => best.schedule, attempt),
    () => otherSeeds(() => best.schedule, attempt),
  ];
  try {
    for (let progress = true; progress; ) {
      progress = false;
      for (const pass of atFloor(best.cost) ? [cutTime] : passes) if (pass()) progress = true;
    }
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
  }
  return { schedule: best.schedule, outcome: best.outcome, runs, kept };
}

type Attempt = (candidate: Schedule) => boolean;
/** A counted run of a candidate: the run if it fails with the rule, else null. */
type Probe = (candidate: Schedule, keepLines?: boolean) => FailingRun | null;

/** Drops nodes, highest first: a node's own events go, higher-numbered nodes move down. */
function reduceNodes(current: () => Schedule, attempt: Attempt): boolean {
  let progress = false;
  for (let node = current().nodes - 1; node >= 0; node--) {
    const s = current();
    if (s.nodes > 1 && node < s.nodes && attempt(withoutNode(s, node))) progress = true;
  }
  return progress;
}

export function withoutNode(s: Schedule, node: number): Schedule {
  const renumber = (i: number) => (i > node ? i - 1 : i);
  const events: Schedule['events'] = [];
  for (const e of s.events) {
    const a = e.action;
    if (a.type === 'partition') events.push({ at: e.at, action: { type: 'partition', side: a.side.filter((_, i) => i !== node) } });
    else if (a.type === 'transfer') {
      // A transfer from or to the node dropped goes with it; the others keep their nodes.
      if (a.node !== node && a.target !== node) events.push({ at: e.at, action: { type: 'transfer', node: renumber(a.node), target: renumber(a.target) } });
    } else if (a.type === 'reconfigure') {
      // A change of the node dropped goes with it.
      if (a.server !== node) events.push({ at: e.at, action: { ...a, server: renumber(a.server) } });
    } else if ('node' in a) {
      if (a.node !== node) events.push({ at: e.at, action: { ...a, node: renumber(a.node) } as Action });
    } else events.push(e);
  }
  // Feature `membership`: the initial voters are the first `members` nodes (at least one stays).
  const members = s.members === undefined ? {} : { members: Math.max(1, node < s.members ? s.members - 1 : s.members) };
  return { ...s, nodes: s.nodes - 1, events, ...members };
}

/**
 * Fates without their faults, in chunks (all, halves, quarters, ... single fates): a clean
 * fate, then one without loss, without duplication, with a 1 ms delay. Fates are changed, not
 * removed, so that every other message keeps its fate.
 */
function reduceFates(current: () => Schedule, attempt: Attempt): boolean {
  let progress = false;
  const simpler: Array<(f: Fate) => Fate> = [() => CLEAN_FATE, (f) => ({ ...f, lose: false }), (f) => ({ ...f, duplicate: false }), (f) => ({ ...f, delay: 1 })];
  for (const change of simpler) {
    for (let size = current().fates.length; size >= 1; size = Math.floor(size / 2)) {
      for (let start = 0; start < current().fates.length; start += size) {
        const s = current();
        if (attempt({ ...s, fates: s.fates.map((f, i) => (i >= start && i < start + size ? change(f) : f)) })) progress = true;
      }
    }
  }
  return progress;
}

/**
 * What the run never used cut off: events after the violation, the fates past the last
 * message sent, and, when the violation came before the faults ended, the rest of the faults.
 * The run is the same, with a smaller schedule.
 */
export function trimmed(s: Schedule, outcome: ScheduleOutcome): Schedule {
  const end = outcome.violationTime;
  if (end === undefined) return s;
  return {
    ...s,
    durationMs: Math.min(s.durationMs, end),
    events: s.events.filter((e) => e.at <= end),
    fates: s.fates.slice(0, Math.max(1, outcome.fatesUsed)),
  };
}

/** Delta debugging over a list: removes all of it, then halves, quarters, ... down to single items. */
function removeChunks<T>(items: () => readonly T[], rebuild: (items: T[]) => Schedule | null, attempt: Attempt): boolean {
  let progress = false;
  for (let size = items().length; size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start < items().length; ) {
      const list = items();
      const candidate = rebuild([...list.slice(0, start), ...list.slice(start + size)]);
      if (candidate && attempt(candidate)) progress = true;
      else start += size;
    }
  }
  return progress;
}

/**
 * Removes idle time: for each gap before one of the schedule's times (its events' and the end
 * of the faults), moves that time and all later ones earlier by the whole gap, or by a number
 * of heartbeat intervals (halving it): a stable cluster repeats itself every heartbeat, so
 * cutting whole intervals keeps an event where it was relative to the leader's heartbeats,
 * which is often what the bug needs. Order is kept; no event moves past the end of the faults.
 */
function compressTime(current: () => FailingRun, attempt: Attempt): boolean {
  let progress = false;
  const schedule = () => current().schedule;
  const points = () => [...new Set([0, ...schedule().events.map((e) => e.at), schedule().durationMs])].sort((a, b) => a - b);
  for (let k = 1; k < points().length; k++) {
    const p = points();
    if (k >= p.length) break;
    for (const shift of shifts(p[k]! - p[k - 1]!, heartbeatOf(schedule()))) {
      const aligned = withoutFatesDrawn(current(), p[k]! - shift, p[k]!);
      if ((aligned && attempt(shifted(aligned, p[k]!, shift))) || attempt(shifted(schedule(), p[k]!, shift))) {
        progress = true;
        break;
      }
    }
  }
  return progress;
}

/**
 * The schedule without the fates its run drew in [from, to): when that stretch of time is cut,
 * the messages after it keep the fates they had (fates are drawn in send order, so cutting time
 * alone hands every later message another message's fate, and a failure that needed a few
 * losses at the right moments is lost). Draws past the schedule's fates (they cycle) are left
 * as they fall. Null when nothing was drawn there.
 */
export function withoutFatesDrawn(run: FailingRun, from: number, to: number): Schedule | null {
  const times = run.outcome.fateTimes;
  const fates = run.schedule.fates;
  if (!times) return null;
  const drawn = new Set<number>();
  times.forEach((t, i) => {
    if (t >= from && t < to && i < fates.length) drawn.add(i);
  });
  if (drawn.size === 0 || drawn.size >= fates.length) return null;
  return { ...run.schedule, fates: fates.filter((_, i) => !drawn.has(i)) };
}

/** Cuts of a gap to try, longest first: all of it, whole heartbeat intervals (halving), then halves. */
function shifts(gap: number, heartbeat: number): number[] {
  const out = gap > 0 ? [gap] : [];
  for (let beats = Math.floor(gap / heartbeat); beats >= 1; beats = Math.floor(beats / 2)) out.push(beats * heartbeat);
  for (let part = Math.floor(gap / 2); part >= 1; part = Math.floor(part / 2)) out.push(part);
  return [...new Set(out)];
}

function heartbeatOf(s: Schedule): number {
  return s.heartbeatMs ?? DEFAULT_NODE_CONFIG.heartbeatInterval;
}

/** Moves every time at or after `from` earlier by `shift`. */
export function shifted(s: Schedule, from: number, shift: number): Schedule {
  const move = (t: number) => (t >= from ? t - shift : t);
  return { ...s, durationMs: move(s.durationMs), events: s.events.map((e) => ({ ...e, at: move(e.at) })) };
}

/**
 * Single events removed with the fates drawn from their time up to the schedule's next time
 * (what the event set off, mostly): the messages after keep their fates. The plain removal
 * (the events pass) hands every later message another message's fate.
 */
function removeEventsAligned(current: () => FailingRun, attempt: Attempt): boolean {
  let progress = false;
  for (let i = current().schedule.events.length - 1; i >= 0; i--) {
    const run = current();
    const events = run.schedule.events;
    if (i >= events.length) continue;
    const at = events[i]!.at;
    const next = Math.min(run.schedule.durationMs + 1, ...events.filter((e) => e.at > at).map((e) => e.at));
    const aligned = withoutFatesDrawn(run, at, next);
    if (aligned && attempt({ ...aligned, events: events.filter((_, k) => k !== i) })) progress = true;
  }
  return progress;
}

/**
 * Elections only where the run had them, then time cut. A node's election timer fires after a
 * draw from the node's random stream, one draw per reset (every heartbeat heard), so cutting any
 * stretch of time changes the number of draws and every later election: a failure that needed
 * an election at the right moment is lost. So the run is first written down as it happened
 * (`frozen`), with natural elections off; in it, cutting time moves the elections with the rest,
 * and each gap of the schedule is cut, latest first (wholly or by heartbeat intervals, the fates
 * drawn in it removed: see `withoutFatesDrawn`). The first cut that fails with the rule and is
 * smaller is kept.
 */
function freezeElections(current: () => Schedule, probe: Probe, attempt: Attempt): boolean {
  const s = current();
  if (s.naturalElections === false) return false;
  const run = probe(s, true);
  const frozenSchedule = run && frozen(run);
  const base = frozenSchedule && probe(frozenSchedule);
  if (!frozenSchedule || !base) return false;
  const points = [...new Set([0, ...frozenSchedule.events.map((e) => e.at), frozenSchedule.durationMs])].sort((a, b) => a - b);
  for (let k = points.length - 1; k >= 1; k--) {
    for (const shift of shifts(points[k]! - points[k - 1]!, heartbeatOf(s))) {
      const aligned = withoutFatesDrawn(base, points[k]! - shift, points[k]!);
      if (aligned && attempt(shifted(aligned, points[k]!, shift))) return true;
    }
  }
  return false;
}

/**
 * The run written down as a schedule whose faults last up to the violation, with every election
 * forced: each election timeout that fired by itself becomes a `timeout` event at its time,
 * natural elections off; what the bounded liveness check did after the faults (heal, restart
 * every node, its client writes, a reliable network) becomes events and fates. It is the same
 * run up to the first instant where a forced timeout and a delivery fall at the same virtual
 * time and run in the other order; it is a base for cuts only, and every cut is run and kept
 * only if it fails with the rule and is smaller. Null if the run kept no lines or fate times.
 */
export function frozen(run: FailingRun): Schedule | null {
  const { schedule: s, outcome } = run;
  const times = outcome.fateTimes;
  const violation = outcome.violationTime;
  if (!times || violation === undefined || outcome.lines.length === 0) return null;
  const events: Schedule['events'] = [...s.events];
  const indexOf = (node: string) => Number(node.slice(1)) - 1;
  for (const line of outcome.lines) {
    if (line.kind === 'timeout' && line.timer === 'election' && !s.events.some((e) => e.at === line.time && e.action.type === 'timeout' && e.action.node === indexOf(line.node))) {
      events.push({ at: line.time, action: { type: 'timeout', node: indexOf(line.node) } });
    }
    if (line.kind === 'client_request' && line.client === 'liveness') events.push({ at: line.time, action: { type: 'client', node: indexOf(line.node), op: line.op } });
  }
  const heal = outcome.heal;
  if (heal) {
    // The liveness check healed after the schedule's events at its time: sorted after them (stable).
    events.push({ at: heal.time, action: { type: 'heal' } });
    for (let node = 0; node < s.nodes; node++) events.push({ at: heal.time, action: { type: 'restart', node } });
  }
  const fates = times.map((_, i) => {
    const f = s.fates[i % s.fates.length]!;
    return heal && i >= heal.fatesDrawn ? { lose: false, duplicate: false, delay: 1 + (f.delay % 10) } : f;
  });
  return {
    ...s,
    naturalElections: false,
    durationMs: Math.max(s.durationMs, violation),
    events: events.sort((a, b) => a.at - b.at),
    fates: fates.length > 0 ? fates : s.fates,
  };
}

/** A longer heartbeat interval: the longest allowed, then halfway there. */
function lengthenHeartbeat(current: () => Schedule, attempt: Attempt): boolean {
  const now = heartbeatOf(current());
  for (const heartbeatMs of [MAX_HEARTBEAT_MS, Math.round((now + MAX_HEARTBEAT_MS) / 2)]) {
    if (heartbeatMs > now && attempt({ ...current(), heartbeatMs })) return true;
  }
  return false;
}

function otherBatches(current: () => Schedule, attempt: Attempt): boolean {
  let progress = false;
  for (const batch of BATCHES) if (batch !== current().batch && attempt({ ...current(), batch })) progress = true;
  return progress;
}

/** Other draws of the election timeouts (seeds 0 .. SEEDS - 1): who times out first, and when. */
function otherSeeds(current: () => Schedule, attempt: Attempt): boolean {
  let progress = false;
  for (let seed = 0; seed < SEEDS; seed++) if (seed !== current().seed && attempt({ ...current(), seed })) progress = true;
  return progress;
}
