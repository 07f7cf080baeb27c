/**
 * `--impl`, `--reply-timeout` and `--skip-rules`, shared by fuzz and replay: resolves the
 * implementation, and turns an external node that cannot even start, or whose declaration
 * names a rule or a feature raftcheck does not know, into a usage error (exit 2) rather than a
 * verdict against it.
 */
import { DEFAULT_REPLY_TIMEOUT_MS } from '../adapters/process/process-adapter.js';
import { preflight } from '../adapters/process/preflight.js';
import { mergeSkipRules, parseSkipRulesOption } from '../checker/skip-rules.js';
import { isAdapterPath, loadImplementation, withProfile } from '../fuzz/implementations.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { durationOption, UsageError } from './command.js';

/** The help lines of --impl and --reply-timeout; `fallback` says what runs without --impl. */
export const implHelp = (fallback: string): string => `  --impl NAME        reference, mutant:<name> (see 'raftcheck mutants --list'),
                     adapter:<name> (the same through the adapter interface), coaty
                     (@coaty/consensus.raft; coaty:plain without pre-vote and
                     check-quorum), liferaft (@markwylde/liferaft, asynchronous),
                     cmd:"<command line>" (one process per node
                     speaking spec/DRIVER.md; no shell: quote arguments with ' or "), or a
                     path to an adapter module (./my-adapter.ts; see docs/ADAPTERS.md)
                     (default: ${fallback})
  --reply-timeout D  how long an external node, or one call of an asynchronous adapter,
                     may take to answer (default 5s)
  --skip-rules LIST  semantic rules that do not apply to the implementation, each with its
                     reason: RULE=reason,RULE=reason (see 'raftcheck validate --rules'); added
                     to what the implementation declares, printed in the report and recorded
                     in the trace`;

/** The help lines of --interleave. */
export const interleaveHelp = `  --interleave       asynchronous adapters (docs/ADAPTERS.md): deliver messages to a node
                     without waiting for its handlers to finish, and run their pending
                     continuations in a seeded order, so that handlers overlap at their awaits
                     (finds races; conformance is not checked: steps overlap)`;

/** Parses --reply-timeout (default 5 s; at least 1 ms). */
export function replyTimeoutOption(replyTimeout: string | undefined): number {
  return durationOption('reply-timeout', replyTimeout, DEFAULT_REPLY_TIMEOUT_MS);
}

/** Parses --skip-rules (RULE=reason,...). */
export function skipRulesOption(text: string | undefined): Array<{ rule: string; reason: string }> {
  if (text === undefined) return [];
  const parsed = parseSkipRulesOption(text);
  if ('error' in parsed) throw new UsageError(`--skip-rules: ${parsed.error}`);
  return parsed;
}

export async function implOption(name: string, replyTimeout: string | undefined, skipRules?: string, interleave = false): Promise<NodeFactory> {
  const replyTimeoutMs = replyTimeoutOption(replyTimeout);
  const extra = skipRulesOption(skipRules);
  const createNode = await loadImplementation(name, { process: { replyTimeoutMs }, async: { replyTimeoutMs, ...(interleave ? { interleave } : {}) } });
  if ('error' in createNode) throw new UsageError(createNode.error.startsWith('--interleave') ? createNode.error : `--impl: ${createNode.error}`);
  if (name.startsWith('cmd:') || isAdapterPath(name)) preflight(createNode);
  if (extra.length === 0) return createNode;
  const profile = createNode.profile;
  return withProfile(createNode, { ...profile, skipRules: mergeSkipRules(profile?.skipRules ?? [], extra) });
}
