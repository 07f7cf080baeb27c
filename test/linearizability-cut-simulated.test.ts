/**
 * The cuts of the client history on a simulated run like the bench's (BENCHMARKS.md,
 * "Validation memory with snapshots"): partitions leave requests unanswered for good, so no
 * exact cut follows them, and the history is cut past them instead. The verdict is the whole
 * history's, found by the chain of witnesses, and the final search covers a short segment only.
 */
import { describe, expect, it } from 'vitest';
import { HistoryCollector } from '../harness/checker/linearizability/history-from-trace.js';
import { DEFAULT_SIMULATION, simulate } from '../harness/simulator/simulate.js';
import type { TraceSink } from '../harness/trace/sink.js';
import { DEFAULT_NODE_CONFIG } from '../src/raft/types.js';
import type { TraceLine } from '../src/trace/schema.js';

/** Feeds each line to the collectors as the simulator writes it. */
class CollectingSink implements TraceSink {
  private line = 0;
  constructor(private readonly collectors: HistoryCollector[]) {}
  write(l: TraceLine): void {
    this.line++;
    if (l.kind === 'client_request' || l.kind === 'client_response') for (const c of this.collectors) c.event(l, this.line);
  }
  close(): void {}
}

describe('the client history cut on a simulated run with requests never answered', () => {
  it('is cut past the open requests, and the witnesses give the whole history\'s verdict', () => {
    const cut = new HistoryCollector();
    const whole = new HistoryCollector({ cut: false });
    simulate(
      {
        ...DEFAULT_SIMULATION, nodes: 5, seed: 11, durationMs: 100_000, drop: 0.02, duplicate: 0.01, crashEvery: 20_000, partitionEvery: 30_000, clients: 4,
        node: { ...DEFAULT_NODE_CONFIG, features: ['snapshot'], snapshotEvery: 100 },
      },
      new CollectingSink([cut, whole]),
    );
    const w = whole.verdict();
    const c = cut.verdict();
    console.log(`simulated cuts: ${JSON.stringify(cut.stats)}; ${cut.size} operations, the final search over ${c.history.length} (whole: ${w.history.length})`);
    expect(w.result.verdict).toBe('linearizable');
    expect(c.result.verdict).toBe('linearizable');
    // Requests open for good: the whole history still has them at the end.
    expect(w.history.filter((h) => h.outcome.status === 'unknown').length).toBeGreaterThan(5);
    expect(cut.stats.cutsPastOpen).toBeGreaterThan(2);
    expect(cut.stats.witnessesGivenUp).toBe(0);
    expect(c.from).toBe('witnesses');
    expect(c.history.length).toBeLessThan(w.history.length / 10);
  });
});
