/**
 * What an implementation declares it models beyond Figure 2 (its profile, or a driver's reply
 * to `init`): features it has, and rules that do not apply to it. Declarations are checked
 * before anything runs: a misspelt rule would otherwise skip nothing, and a feature raftcheck
 * cannot model would be judged as if the implementation lacked it.
 *
 * The features raftcheck models are the reference's (src/raft/features/index.ts, one list). A
 * run of an implementation that declares features has exactly those: its header says so, its
 * nodes are checked against the chart with them, and their rules are on.
 */
import { canonicalFeatures, FEATURES, isFeature, type Feature } from '../../src/raft/features/index.js';
import { unknownSkipRule } from '../checker/skip-rules.js';
import type { ImplementationProfile, NodeFactory } from '../simulator/cluster.js';

/**
 * Raft features beyond Figure 2 that an implementation may declare, by name: the reference's
 * (`snapshot`: Output.snapshots and InstallSnapshot; `membership`: reconfigure and
 * Observation.config; docs/ADAPTERS.md, spec/DRIVER.md), but `config-on-apply`: it retimes
 * membership for etcd's transcripts (the etcd-testdata importer), and runs of adapters under it
 * are not yet checked against the reference's runs.
 */
export const KNOWN_FEATURES: readonly Feature[] = FEATURES.filter((f) => f !== 'config-on-apply');

/** The first declared feature raftcheck does not model for an implementation, or null. */
export function unknownFeature(features: readonly string[]): { index: number; message: string } | null {
  const index = features.findIndex((f) => !isFeature(f) || !KNOWN_FEATURES.includes(f));
  if (index < 0) return null;
  const known = `(known: ${KNOWN_FEATURES.join(', ')})`;
  return {
    index,
    message: features[index] === 'config-on-apply'
      ? `feature 'config-on-apply' cannot be declared by an implementation yet: it is checked on imported etcd transcripts only ${known}`
      : `raftcheck does not model feature '${features[index]}' ${known}`,
  };
}

/** What is wrong with a profile (an unknown rule to skip, an unknown feature), or null. */
export function profileProblem(profile: ImplementationProfile | undefined): string | null {
  const rule = unknownSkipRule(profile?.skipRules ?? []);
  if (rule) return `skipRules/${rule.index}: ${rule.message}`;
  const feature = unknownFeature(profile?.features ?? []);
  return feature ? `features/${feature.index}: ${feature.message}` : null;
}

/** The features an implementation declares (its profile; for a driver, its reply to `init`), in canonical order. */
export function declaredFeatures(createNode: NodeFactory): Feature[] {
  return canonicalFeatures((createNode.profile?.features ?? []).filter(isFeature));
}

/**
 * The features a run of `createNode` has, given `--features` (`requested`; undefined: not
 * given). The reference takes any (a mutant adds the one it breaks). An adapter or a driver
 * has the features it declares, no more and no fewer: without --features a run uses them, and
 * a --features that names another set is an error (the nodes could not run it: judging them
 * under it would report what they do not have as faults, or miss what they do).
 */
export function runFeatures(createNode: NodeFactory, requested: readonly Feature[] | undefined): Feature[] | { error: string } {
  if (!createNode.declaresFeatures) return canonicalFeatures([...(requested ?? []), ...(createNode.features ?? [])]);
  const declared = declaredFeatures(createNode);
  if (requested === undefined) return declared;
  const asked = canonicalFeatures(requested);
  if (asked.join(',') === declared.join(',')) return declared;
  const list = (fs: readonly string[]) => (fs.length ? fs.join(',') : 'none');
  return { error: `the implementation declares the features ${list(declared)} (its profile, or its reply to init), not ${list(asked)}` };
}
