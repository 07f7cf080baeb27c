/**
 * `--impl` and `--reply-timeout`, shared by fuzz and replay: resolves the implementation, and
 * turns an external node that cannot even start into a usage error (exit 2) rather than a
 * verdict against it.
 */
import { DEFAULT_REPLY_TIMEOUT_MS } from '../adapters/process/process-adapter.js';
import { preflight } from '../adapters/process/preflight.js';
import { loadImplementation } from '../fuzz/implementations.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { durationOption, UsageError } from './command.js';

/** The help lines of --impl and --reply-timeout; `fallback` says what runs without --impl. */
export const implHelp = (fallback: string): string => `  --impl NAME        reference, mutant:<name> (see 'raftcheck mutants --list'),
                     adapter:<name> (the same through the adapter interface), coaty
                     (@coaty/consensus.raft; coaty:plain without pre-vote and
                     check-quorum), cmd:"<command line>" (one process per node
                     speaking spec/DRIVER.md; no shell: quote arguments with ' or "), or a
                     path to an adapter module (./my-adapter.ts; see docs/ADAPTERS.md)
                     (default: ${fallback})
  --reply-timeout D  how long an external node may take to answer one request (default 5s)`;

/** Parses --reply-timeout (default 5 s; at least 1 ms). */
export function replyTimeoutOption(replyTimeout: string | undefined): number {
  return durationOption('reply-timeout', replyTimeout, DEFAULT_REPLY_TIMEOUT_MS);
}

export async function implOption(name: string, replyTimeout: string | undefined): Promise<NodeFactory> {
  const replyTimeoutMs = replyTimeoutOption(replyTimeout);
  const createNode = await loadImplementation(name, { process: { replyTimeoutMs } });
  if ('error' in createNode) throw new UsageError(`--impl: ${createNode.error}`);
  if (name.startsWith('cmd:')) preflight(createNode);
  return createNode;
}
