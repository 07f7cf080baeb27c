/**
 * The random driver: one seed decides the network's delays and losses, when partitions start
 * and heal, which node crashes and when it restarts, and what the clients do. Every decision
 * draws from its own fork of the seed's generator, so turning one knob (say, adding a client)
 * leaves the others' draws unchanged.
 */
import { createRandom, type Random } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig } from '../../src/raft/types.js';
import type { TraceSink } from '../trace/sink.js';
import { DEFAULT_CLIENTS, startClients, type ClientStats } from './clients.js';
import { Cluster, type NodeFactory } from './cluster.js';
import { randomNetwork } from './network.js';

export interface SimulationOptions {
  nodes: number;
  seed: number;
  durationMs: number;
  delay: { min: number; max: number };
  drop: number;
  duplicate: number;
  /** Mean interval between partitions, ms (0: none). */
  partitionEvery: number;
  /** Mean interval between crashes, ms (0: none). */
  crashEvery: number;
  clients: number;
  clientTimeout: number;
  /** Feature `membership`: mean interval between configuration change requests to the leader, ms (0 or absent: none). */
  reconfigureEvery?: number;
  node: Omit<NodeConfig, 'id' | 'members'>;
  /** The implementation's name and --interleave, recorded in the header's meta when given. */
  impl?: string;
  interleave?: boolean;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  nodes: 3,
  seed: 1,
  durationMs: 10_000,
  delay: { min: 1, max: 10 },
  drop: 0,
  duplicate: 0,
  partitionEvery: 0,
  crashEvery: 0,
  clients: 0,
  clientTimeout: DEFAULT_CLIENTS.timeout,
  node: DEFAULT_NODE_CONFIG,
};

export interface SimulationResult {
  lines: number;
  /** Leader of each term, in term order. */
  leaders: Array<{ term: number; node: string }>;
  /** Highest commitIndex reached on any node. */
  maxCommit: number;
  clients: ClientStats | null;
  cluster: Cluster;
}

export function nodeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

/** A random grouping into two non-empty sides, or a one-way cut of some links. */
function randomPartition(cluster: Cluster, random: Random): void {
  const ids = [...cluster.ids];
  if (random.chance(0.75)) {
    const shuffled = ids.map((id) => ({ id, k: random.next() })).sort((a, b) => a.k - b.k).map((x) => x.id);
    const cut = random.int(1, ids.length - 1);
    cluster.partitionGroups([shuffled.slice(0, cut), shuffled.slice(cut)]);
  } else {
    const links: Array<{ from: string; to: string }> = [];
    for (const from of ids) for (const to of ids) if (from !== to && random.chance(0.3)) links.push({ from, to });
    if (links.length === 0) links.push({ from: ids[0]!, to: ids[1]! });
    cluster.partitionLinks(links);
  }
}

/**
 * A fault that recurs: it begins a random while (around `every`) after the previous one ended,
 * and ends `duration` later. `begin` starts it and returns what ends it.
 */
function recurring(cluster: Cluster, random: Random, every: number, end: number, duration: { min: number; max: number }, begin: () => () => void): void {
  const next = (from: number) => {
    const start = from + random.int(Math.ceil(every / 2), Math.ceil((every * 3) / 2));
    if (start >= end) return;
    cluster.at(start, () => {
      const stop = begin();
      cluster.at(start + random.int(duration.min, duration.max), () => {
        stop();
        next(cluster.time);
      });
    });
  };
  next(0);
}

/** Partitions heal after a quarter to a half of `partitionEvery`; a crashed node restarts after an eighth to a third of `crashEvery`. */
function scheduleFaults(cluster: Cluster, random: Random, options: SimulationOptions): void {
  const end = options.durationMs;
  const p = options.partitionEvery;
  if (p > 0) {
    recurring(cluster, random, p, end, { min: Math.ceil(p / 4), max: Math.ceil(p / 2) }, () => {
      randomPartition(cluster, random);
      return () => cluster.heal();
    });
  }
  const c = options.crashEvery;
  if (c > 0) {
    recurring(cluster, random, c, end, { min: Math.ceil(c / 8), max: Math.ceil(c / 3) }, () => {
      const victim = random.pick(cluster.ids.filter((id) => cluster.isUp(id)));
      cluster.crash(victim);
      return () => cluster.restart(victim);
    });
  }
}

/**
 * Feature `membership`: around every `every` ms, the leader of the highest term (if any is up)
 * is asked to add, promote or remove a random node; a change that does not apply is ignored.
 */
function scheduleReconfigurations(cluster: Cluster, random: Random, every: number, end: number): void {
  const next = (from: number) => {
    const at = from + random.int(Math.ceil(every / 2), Math.ceil((every * 3) / 2));
    if (at > end) return;
    cluster.at(at, () => {
      const change = random.pick(['add', 'promote', 'remove'] as const);
      const server = random.pick(cluster.ids);
      const leader = cluster.views().filter((v) => v.role === 'leader').sort((a, b) => b.term - a.term)[0];
      if (leader) cluster.reconfigure(leader.id, change, server);
      next(at);
    });
  };
  next(0);
}

/** A simulation set up to run: `cluster.runUntil(durationMs)`, in one go or in slices (the same result), then `finish()`. */
export interface PreparedSimulation {
  cluster: Cluster;
  durationMs: number;
  /** Closes the sink and sums up the run. */
  finish(): SimulationResult;
}

export function simulate(options: SimulationOptions, sink: TraceSink, createNode?: NodeFactory): SimulationResult {
  const run = prepareSimulation(options, sink, createNode);
  run.cluster.runUntil(run.durationMs);
  return run.finish();
}

export function prepareSimulation(options: SimulationOptions, sink: TraceSink, createNode?: NodeFactory): PreparedSimulation {
  const root = createRandom(options.seed);
  const cluster = new Cluster({
    ids: nodeIds(options.nodes),
    node: options.node,
    random: root.fork('nodes'),
    network: randomNetwork(root.fork('network'), { delay: options.delay, drop: options.drop, duplicate: options.duplicate }),
    sink,
    seed: options.seed,
    ...(createNode ? { createNode } : {}),
    meta: {
      durationMs: options.durationMs, delay: options.delay, drop: options.drop, duplicate: options.duplicate,
      partitionEvery: options.partitionEvery, crashEvery: options.crashEvery, clients: options.clients,
      ...(options.impl !== undefined ? { impl: options.impl } : {}), ...(options.interleave ? { interleave: true } : {}),
    },
  });
  const leaders = new Map<number, string>();
  let maxCommit = 0;
  cluster.stepListeners.push((id) => {
    const v = cluster.view(id);
    if (!v) return;
    if (v.role === 'leader' && !leaders.has(v.term)) leaders.set(v.term, id);
    maxCommit = Math.max(maxCommit, v.commitIndex);
  });
  cluster.start();
  scheduleFaults(cluster, root.fork('faults'), options);
  if ((options.reconfigureEvery ?? 0) > 0) scheduleReconfigurations(cluster, root.fork('membership'), options.reconfigureEvery!, options.durationMs);
  const clients = options.clients > 0
    ? startClients(cluster, root.fork('clients'), { count: options.clients, think: DEFAULT_CLIENTS.think, timeout: options.clientTimeout, until: options.durationMs })
    : null;
  const finish = (): SimulationResult => {
    sink.close();
    return {
      lines: cluster.lines,
      leaders: [...leaders.entries()].sort((a, b) => a[0] - b[0]).map(([term, node]) => ({ term, node })),
      maxCommit,
      clients,
      cluster,
    };
  };
  return { cluster, durationMs: options.durationMs, finish };
}
