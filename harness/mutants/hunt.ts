/**
 * Hunting a mutant: simulated faulty runs of a cluster of mutant nodes, each checked by every
 * rule as it streams, until one fails. Deterministic: run i uses seed `seed + i`.
 */
import { DEFAULT_SIMULATION, simulate, type SimulationOptions } from '../simulator/simulate.js';
import { TraceValidation } from '../validate/validate-file.js';
import type { TraceLine } from '../../src/trace/schema.js';
import type { NodeFactory } from '../simulator/cluster.js';

export interface HuntResult {
  detected: boolean;
  /** Runs simulated (the failing one included). */
  runs: number;
  seed?: number;
  nodes?: number;
  rule?: string;
  line?: number;
  message?: string;
  /** Events of the failing run up to the violation. */
  events?: number;
}

/** The fault mix of run i: alternately 3 and 5 nodes, with loss, duplication, partitions, crashes and clients. */
export function huntOptions(seed: number, i: number): SimulationOptions {
  // Every third run has long delays (messages outlive terms) and small batches (a follower
  // catches up over several AppendEntries): bugs that need reordering or lag show up there.
  const slow = i % 3 === 2;
  return {
    ...DEFAULT_SIMULATION, seed, nodes: i % 2 === 0 ? 3 : 5, durationMs: 3000, drop: 0.05, duplicate: 0.05, partitionEvery: 800, crashEvery: 1000, clients: 3,
    delay: slow ? { min: 1, max: 250 } : DEFAULT_SIMULATION.delay,
    node: { ...DEFAULT_SIMULATION.node, maxEntriesPerMessage: slow ? 2 : DEFAULT_SIMULATION.node.maxEntriesPerMessage },
  };
}

export function huntMutant(createNode: NodeFactory, options: { runs: number; seed: number; shouldStop?: () => boolean }): HuntResult {
  for (let i = 0; i < options.runs; i++) {
    if (options.shouldStop?.()) return { detected: false, runs: i };
    const sim = huntOptions(options.seed + i, i);
    const validation = new TraceValidation({ maxErrors: 1 });
    let n = 0;
    try {
      simulate(sim, { write: (line: TraceLine) => validation.line(line, ++n), close() {} }, createNode);
    } catch (error) {
      // The implementation threw: that is a failure too, at the point it was reached.
      return { detected: true, runs: i + 1, seed: sim.seed, nodes: sim.nodes, rule: 'exception', line: n, message: error instanceof Error ? error.message : String(error), events: n };
    }
    const report = validation.finish(`seed ${sim.seed}`, { lines: n, bytes: 0 });
    if (!report.valid) {
      const e = report.errors[0]!;
      return { detected: true, runs: i + 1, seed: sim.seed, nodes: sim.nodes, rule: e.rule, line: e.line, message: e.message, events: e.line };
    }
  }
  return { detected: false, runs: options.runs };
}
