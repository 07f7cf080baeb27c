/**
 * Task module of the fuzzing workers: evaluates one range of runs. The task names the
 * implementation; each worker resolves it once (functions cannot cross threads).
 */
import type { NodeFactory } from '../simulator/cluster.js';
import { resolveImplementation } from './implementations.js';
import { evaluateRange, type RangeResult, type RunSpec } from './run-range.js';

export interface RangeTask {
  impl: string;
  spec: RunSpec;
  start: number;
  count: number;
  timeLimitMs?: number;
}

const resolved = new Map<string, NodeFactory>();

export default async function evaluateRangeTask(task: RangeTask): Promise<RangeResult> {
  let createNode = resolved.get(task.impl);
  if (!createNode) {
    const found = await resolveImplementation(task.impl);
    if ('error' in found) throw new Error(found.error);
    createNode = found;
    resolved.set(task.impl, createNode);
  }
  return evaluateRange(task.spec, createNode, task.start, task.count, task.timeLimitMs !== undefined ? { timeLimitMs: task.timeLimitMs } : {});
}
