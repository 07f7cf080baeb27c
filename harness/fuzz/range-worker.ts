/**
 * Task module of the fuzzing workers: evaluates one range of runs. The task names the
 * implementation; each worker resolves it once (functions cannot cross threads).
 */
import type { NodeFactory } from '../simulator/cluster.js';
import { loadImplementation, withProfile } from './implementations.js';
import { evaluateRange, type RangeResult, type RunSpec } from './run-range.js';

export interface RangeTask {
  impl: string;
  spec: RunSpec;
  start: number;
  count: number;
  timeLimitMs?: number;
  replyTimeoutMs?: number;
  /** The campaign's skip list: the runs skip exactly these rules (default: what the implementation resolved here declares). */
  skipRules?: Array<{ rule: string; reason: string }>;
  interleave?: boolean;
}

const resolved = new Map<string, NodeFactory>();

export default async function evaluateRangeTask(task: RangeTask): Promise<RangeResult> {
  const key = `${task.replyTimeoutMs ?? ''}|${task.interleave ? 'interleave' : ''}|${task.impl}`;
  let createNode = resolved.get(key);
  if (!createNode) {
    const replyTimeout = task.replyTimeoutMs !== undefined ? { replyTimeoutMs: task.replyTimeoutMs } : {};
    const found = await loadImplementation(task.impl, { process: replyTimeout, async: { ...replyTimeout, ...(task.interleave ? { interleave: true } : {}) } });
    if ('error' in found) throw new Error(found.error);
    createNode = found;
    resolved.set(key, createNode);
  }
  const judged = task.skipRules ? withProfile(createNode, { ...createNode.profile, skipRules: task.skipRules }) : createNode;
  return evaluateRange(task.spec, judged, task.start, task.count, task.timeLimitMs !== undefined ? { timeLimitMs: task.timeLimitMs } : {});
}
