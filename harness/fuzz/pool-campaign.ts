/**
 * A campaign over worker threads, on one shard or on the whole run space.
 *
 * The range of runs is cut into chunks (contiguous, in index order), which workers evaluate
 * independently (run-range.ts). The campaign's result is a walk over the chunks in order up
 * to the first failing run, which is then shrunk here, on the calling thread. Nothing in the
 * result depends on how many workers there were or which finished first: N workers give what
 * one thread gives. Chunks after a known failure are not started, and running ones are
 * stopped, since they cannot change the result.
 */
import { withProfile } from './implementations.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { createWorkerPool, taskModule, type WorkerPool } from '../pool/worker-pool.js';
import type { RangeTask } from './range-worker.js';
import { addCounts, evaluateRange, shrinkRun, worthShrinking, type RangeResult, type RunSpec, type ShrunkFailure } from './run-range.js';
import type { RunRange } from './shard.js';

export interface PoolCampaignOptions {
  impl: string;
  spec: RunSpec;
  range: RunRange;
  /** Worker threads; 1 runs everything on the calling thread. */
  workers: number;
  /** The implementation on the calling thread (for shrinking, and for the runs when workers = 1). */
  createNode: NodeFactory;
  /** Wall-clock budget left for the runs, in ms (the CLI reads the clock); none means no limit. Shrinking is bounded by `shrinkRuns` only. */
  remainingMs?: () => number;
  /** Most runs shrinking the failure may spend (default DEFAULT_SHRINK_RUNS). */
  shrinkRuns?: number;
  /** When the runs are over, before any shrinking: the index of the first failing run, or null (the CLI reads its clock here). */
  onRunsDone?: (failedAt: number | null) => void;
  /** After each chunk: runs and events evaluated so far, and whether a failure is known. */
  onProgress?: (runs: number, events: number, failed: boolean) => void;
  /** While the failure is shrunk: attempts so far, and how many found a smaller failing schedule. */
  onShrinkStep?: (attempts: number, smaller: number) => void;
  /** Shrink the failure (default true). */
  shrink?: boolean;
  /** How long an external node may take to answer (passed to each worker's implementation). */
  replyTimeoutMs?: number;
  /** The rules the runs skip, with their reasons (default: those of createNode's profile); workers are told them. */
  skipRules?: ReadonlyArray<{ rule: string; reason: string }>;
  /** --interleave (an asynchronous adapter's handlers overlap): each worker's implementation is loaded with it. */
  interleave?: boolean;
}

export interface PoolCampaignResult {
  range: RunRange;
  /** Runs evaluated, contiguously from range.start, up to and including the first failure. */
  evaluated: number;
  events: number;
  /** The time limit stopped the campaign before its range was done. */
  interrupted: boolean;
  /** Messages the trace format does not model, over the evaluated runs, by name. */
  notModelled: Record<string, number>;
  failure: ShrunkFailure | null;
}

const MIN_CHUNK = 8;

/**
 * Chunks grow with the run index: fast-check reaches run i by skipping i random streams
 * (about 0.5 µs each), so a chunk starting at i is given at least i / 64 runs to keep that
 * skip well under 1% of the chunk's work even for campaigns of millions of runs.
 */
export function planChunks(range: RunRange): Array<{ start: number; count: number }> {
  const chunks: Array<{ start: number; count: number }> = [];
  for (let start = range.start; start < range.end; ) {
    const count = Math.min(range.end - start, Math.max(MIN_CHUNK, Math.ceil(start / 64)));
    chunks.push({ start, count });
    start += count;
  }
  return chunks;
}

type Evaluate = (task: RangeTask, signal: AbortSignal) => Promise<RangeResult>;

export async function runPoolCampaign(campaign: PoolCampaignOptions): Promise<PoolCampaignResult> {
  // The runs skip exactly `skipRules` on this thread (runs, shrinking) as on the workers.
  const options = campaign.skipRules
    ? { ...campaign, createNode: withProfile(campaign.createNode, { ...campaign.createNode.profile, skipRules: [...campaign.skipRules] }) }
    : campaign;
  const chunks = planChunks(options.range);
  const threads = Math.min(options.workers, chunks.length);
  let pool: WorkerPool<RangeTask, RangeResult> | null = null;
  let evaluate: Evaluate;
  if (threads > 1) {
    const p = createWorkerPool<RangeTask, RangeResult>(taskModule('range-worker', import.meta.url), threads);
    pool = p;
    evaluate = (task, signal) => p.run(task, signal);
  } else {
    evaluate = async (task) => evaluateRange(task.spec, options.createNode, task.start, task.count, task.timeLimitMs !== undefined ? { timeLimitMs: task.timeLimitMs } : {});
  }
  let results: Array<RangeResult | undefined>;
  try {
    results = await evaluateChunks(chunks, Math.max(1, threads), evaluate, options);
  } finally {
    await pool?.destroy();
  }

  let evaluated = 0;
  let events = 0;
  let interrupted = false;
  let failedAt: number | null = null;
  let failedRule: string | null = null;
  const notModelled: Record<string, number> = {};
  for (const r of results) {
    if (!r) {
      interrupted = true;
      break;
    }
    evaluated += r.evaluated;
    events += r.events;
    addCounts(notModelled, r.notModelled);
    if (r.failedAt !== null) {
      failedAt = r.failedAt;
      failedRule = r.failedRule;
      break;
    }
    if (r.interrupted) {
      interrupted = true;
      break;
    }
  }
  const result = { range: options.range, evaluated, events, interrupted, notModelled };
  options.onRunsDone?.(failedAt);
  if (failedAt === null) return { ...result, failure: null };
  const meta = { fuzz: { impl: options.impl, seed: options.spec.seed, faults: options.spec.faults, ...(options.interleave ? { interleave: true } : {}) } };
  // No time budget here: the shrunk case must not depend on the machine's speed or load.
  return { ...result, failure: shrinkRun(options.spec, options.createNode, failedAt, {
    meta, shrink: options.shrink !== false && worthShrinking(failedRule), foundRule: failedRule,
    ...(options.shrinkRuns !== undefined ? { maxRuns: options.shrinkRuns } : {}), ...(options.onShrinkStep ? { onShrinkStep: options.onShrinkStep } : {}),
  }) };
}

/** Runs the chunks, at most `concurrency` at a time, in index order; undefined for chunks not run. */
function evaluateChunks(chunks: Array<{ start: number; count: number }>, concurrency: number, evaluate: Evaluate, options: PoolCampaignOptions): Promise<Array<RangeResult | undefined>> {
  const results: Array<RangeResult | undefined> = new Array(chunks.length).fill(undefined);
  const running = new Map<number, AbortController>();
  let next = 0;
  let firstFailure = Infinity;
  let timeUp = false;
  let runs = 0;
  let events = 0;
  let failed: unknown = null;
  return new Promise((resolve, reject) => {
    const settle = () => {
      if (running.size > 0) return;
      if (failed) reject(failed);
      else resolve(results);
    };
    const launch = () => {
      while (!failed && !timeUp && running.size < concurrency && next < chunks.length && chunks[next]!.start < firstFailure) {
        const budget = options.remainingMs?.();
        if (budget !== undefined && budget <= 0) {
          timeUp = true;
          break;
        }
        const id = next++;
        const controller = new AbortController();
        running.set(id, controller);
        const task: RangeTask = {
          impl: options.impl, spec: options.spec, start: chunks[id]!.start, count: chunks[id]!.count,
          ...(budget !== undefined ? { timeLimitMs: budget } : {}), ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}),
          // A worker resolves the implementation by name: it learns the run's skip list (--skip-rules, a driver's declaration) from here.
          skipRules: [...(options.skipRules ?? options.createNode.profile?.skipRules ?? [])],
          ...(options.interleave ? { interleave: true } : {}),
        };
        evaluate(task, controller.signal).then(
          (r) => {
            running.delete(id);
            results[id] = r;
            runs += r.evaluated;
            events += r.events;
            if (r.failedAt !== null && r.failedAt < firstFailure) {
              firstFailure = r.failedAt;
              // Later chunks cannot change the result any more.
              for (const [other, c] of running) if (chunks[other]!.start > firstFailure) c.abort();
            }
            options.onProgress?.(runs, events, firstFailure !== Infinity);
            launch();
            settle();
          },
          (error: unknown) => {
            running.delete(id);
            if (!controller.signal.aborted && !failed) {
              failed = error instanceof Error ? error : new Error(String(error));
              for (const c of running.values()) c.abort();
            }
            settle();
          },
        );
      }
    };
    launch();
    settle();
  });
}
