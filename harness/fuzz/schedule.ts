/**
 * A schedule: everything that happens to a cluster in one fuzzing run, as plain data that
 * fast-check generates and shrinks, and that a regression file stores.
 *
 * - `fates`: what the network does to each message, in send order (cycling when exhausted):
 *   lost, duplicated, and its delay. A shorter list, fewer losses, shorter delays are simpler.
 * - `events`: faults and client operations at virtual times.
 * - `seed`: the nodes' election timeout draws (uniform in 150-300 ms).
 * - `batch`: the most entries one AppendEntries carries (small batches make followers catch
 *   up over several requests, where commitIndex rules matter).
 * - `events` include `timeout`s: a node's election timer fired early. Forced elections make
 *   the split votes and stale vote responses that some bugs need (counting old votes is
 *   found under mild faults only with them: 8 of 8 seeds against 4 of 8 without).
 * - `naturalElections` (hand-written schedules only; absent means true): whether election
 *   timers fire by themselves. When false, elections happen only at the schedule's `timeout`
 *   events, so a scripted scenario decides who stands and when. The random schedules never
 *   set it: tried as a shrinking aid, it made the mutants' counterexamples longer.
 * - `heartbeatMs` (absent means 50): set only when a counterexample is minimised
 *   (minimise.ts), within the protocol's bounds: fewer heartbeats make a shorter trace.
 */
import fc from 'fast-check';
import type { Feature } from '../../src/raft/features/index.js';
import type { ConfigChange, Operation } from '../../src/trace/schema.js';

export type Action =
  | { type: 'partition'; side: number[] }
  | { type: 'heal' }
  | { type: 'crash'; node: number }
  | { type: 'restart'; node: number }
  | { type: 'client'; node: number; op: Operation }
  /** Fires a node's election timer now. */
  | { type: 'timeout'; node: number }
  /** Feature `transfer`: asks a node (if it leads) to hand leadership to `target`. */
  | { type: 'transfer'; node: number; target: number }
  /**
   * Feature `membership`: asks the node that leads now (the highest term's, if any is up) to
   * change the configuration by one server: add it as a learner, promote it, or remove it.
   */
  | { type: 'reconfigure'; change: ConfigChange; server: number };

export interface Fate {
  lose: boolean;
  duplicate: boolean;
  delay: number;
}

export interface Schedule {
  version: 1;
  nodes: number;
  seed: number;
  durationMs: number;
  batch: number;
  naturalElections?: boolean;
  /** Protocol extensions the nodes run (absent: none). */
  features?: Feature[];
  /** Feature `snapshot`: a node snapshots once it has applied this many entries past its last snapshot. */
  snapshotEvery?: number;
  /**
   * Feature `membership`: the first `members` nodes are the initial configuration's voters; the
   * others start as non-members, to be added (absent: every node a voter).
   */
  members?: number;
  /** The nodes' heartbeat interval in ms (absent: 50). Set only by minimisation (minimise.ts). */
  heartbeatMs?: number;
  fates: Fate[];
  events: Array<{ at: number; action: Action }>;
}

export type FaultLevel = 'none' | 'mild' | 'harsh' | 'swarm';
export const FAULT_LEVELS: readonly FaultLevel[] = ['none', 'mild', 'harsh', 'swarm'];

interface FaultMix {
  losePercent: number;
  duplicatePercent: number;
  maxDelay: number;
  partitions: boolean;
  crashes: boolean;
}

const MIXES: Record<Exclude<FaultLevel, 'swarm'>, FaultMix> = {
  none: { losePercent: 0, duplicatePercent: 0, maxDelay: 10, partitions: false, crashes: false },
  mild: { losePercent: 5, duplicatePercent: 5, maxDelay: 30, partitions: true, crashes: true },
  harsh: { losePercent: 20, duplicatePercent: 15, maxDelay: 200, partitions: true, crashes: true },
};

const opArb: fc.Arbitrary<Operation> = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((value): Operation => ({ type: 'set', value })),
  fc.constant<Operation>({ type: 'get' }),
  fc.record({ expected: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }), value: fc.integer({ min: 1, max: 5 }) }).map((r): Operation => ({ type: 'cas', ...r })),
);

/**
 * Feature `snapshot`: how often nodes snapshot, fixed by the campaign or drawn per schedule —
 * small, so that a follower cut off for a few writes (a partition, a crash) falls behind its
 * leader's snapshot and catches up by InstallSnapshot.
 */
function snapshotEveryArb(snapshotEvery: number | undefined): fc.Arbitrary<number> {
  return snapshotEvery !== undefined ? fc.constant(snapshotEvery) : fc.constantFrom(1, 3, 8);
}

function scheduleFor(mix: FaultMix, nodes: fc.Arbitrary<number>, durationMs: number, features: readonly Feature[], snapshotEvery?: number): fc.Arbitrary<Schedule> {
  return nodes.chain((n) => {
    const node = fc.integer({ min: 0, max: n - 1 });
    const faults: Array<fc.Arbitrary<Action>> = [];
    if (mix.partitions) {
      faults.push(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((side): Action => ({ type: 'partition', side })));
      faults.push(fc.constant<Action>({ type: 'heal' }));
    }
    if (mix.crashes) {
      faults.push(node.map((i): Action => ({ type: 'crash', node: i })));
      faults.push(node.map((i): Action => ({ type: 'restart', node: i })));
    }
    const client = fc.record({ node, op: opArb }).map(({ node: i, op }): Action => ({ type: 'client', node: i, op }));
    const timeout = node.map((i): Action => ({ type: 'timeout', node: i }));
    // Drawn only with the feature on, so schedules without it are generated as before.
    const extra: Array<fc.Arbitrary<Action>> = [];
    if (features.includes('transfer')) extra.push(fc.record({ node, target: node }).map((r): Action => ({ type: 'transfer', ...r })));
    if (features.includes('membership')) {
      const change = fc.constantFrom<ConfigChange>('add', 'promote', 'remove');
      extra.push(fc.record({ change, server: node }).map((r): Action => ({ type: 'reconfigure', ...r })));
    }
    const action = fc.oneof({ arbitrary: client, weight: 3 }, { arbitrary: timeout, weight: 1 }, ...[...faults, ...extra].map((arbitrary) => ({ arbitrary, weight: 1 })));
    const fate = fc.record({
      lose: fc.integer({ min: 0, max: 99 }).map((x) => x < mix.losePercent),
      duplicate: fc.integer({ min: 0, max: 99 }).map((x) => x < mix.duplicatePercent),
      delay: fc.integer({ min: 1, max: mix.maxDelay }),
    });
    // fast-check 4 caps arrays at 10 items unless a size is given (GUIDE §5).
    return fc.record({
      version: fc.constant(1 as const),
      nodes: fc.constant(n),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      durationMs: fc.constant(durationMs),
      batch: fc.constantFrom(64, 4, 1),
      fates: fc.array(fate, { minLength: 1, maxLength: 300, size: 'max' }),
      events: fc.array(fc.record({ at: fc.integer({ min: 0, max: durationMs }), action }), { maxLength: 120, size: 'max' }),
      // Drawn only with the feature on (last: the other fields are drawn as before).
      ...(features.includes('snapshot') ? { snapshotEvery: snapshotEveryArb(snapshotEvery) } : {}),
      // Some nodes start outside the configuration, to be added and caught up as learners.
      ...(features.includes('membership') ? { members: fc.integer({ min: Math.max(1, n - 2), max: n }) } : {}),
    }).map((s): Schedule => (features.length > 0 ? { ...s, features: [...features] } : s));
  });
}

/** Schedules for a fault level; `swarm` draws a different fault mix for every run. */
export function scheduleArbitrary(level: FaultLevel, nodes: readonly number[], durationMs = 3000, features: readonly Feature[] = [], snapshotEvery?: number): fc.Arbitrary<Schedule> {
  const nodeArb = fc.constantFrom(...nodes);
  if (level !== 'swarm') return scheduleFor(MIXES[level], nodeArb, durationMs, features, snapshotEvery);
  const swarmMix = fc.record({
    losePercent: fc.constantFrom(0, 5, 20),
    duplicatePercent: fc.constantFrom(0, 5, 15),
    maxDelay: fc.constantFrom(10, 50, 250),
    partitions: fc.boolean(),
    crashes: fc.boolean(),
  });
  return swarmMix.chain((mix) => scheduleFor(mix, nodeArb, durationMs, features, snapshotEvery));
}
