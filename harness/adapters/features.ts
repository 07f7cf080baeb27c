/**
 * What an implementation declares it models beyond Figure 2 (its profile, or a driver's reply
 * to `init`): features it has, and rules that do not apply to it. Declarations are checked
 * before anything runs: a misspelt rule would otherwise skip nothing, and a feature raftcheck
 * cannot model would be judged as if the implementation lacked it.
 */
import { unknownSkipRule } from '../checker/skip-rules.js';
import type { ImplementationProfile } from '../simulator/cluster.js';

/**
 * Raft features beyond Figure 2 that raftcheck models, by name. None yet: PreVote and
 * CheckQuorum will be the first (the conformance checker needs their transitions first).
 */
export const KNOWN_FEATURES: readonly string[] = [];

/** The first declared feature raftcheck does not model, or null. */
export function unknownFeature(features: readonly string[]): { index: number; message: string } | null {
  const index = features.findIndex((f) => !KNOWN_FEATURES.includes(f));
  if (index < 0) return null;
  return { index, message: `raftcheck does not model feature '${features[index]}' yet (known: ${KNOWN_FEATURES.length ? KNOWN_FEATURES.join(', ') : 'none'})` };
}

/** What is wrong with a profile (an unknown rule to skip, an unknown feature), or null. */
export function profileProblem(profile: ImplementationProfile | undefined): string | null {
  const rule = unknownSkipRule(profile?.skipRules ?? []);
  if (rule) return `skipRules/${rule.index}: ${rule.message}`;
  const feature = unknownFeature(profile?.features ?? []);
  return feature ? `features/${feature.index}: ${feature.message}` : null;
}
