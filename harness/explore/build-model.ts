/**
 * The model for an implementation name and bounds: the reference, or a mutant of the catalogue
 * (both built on the reference statechart, which explore resumes from snapshots).
 */
import { createReferenceNode } from '../../src/raft/node.js';
import { DEFAULT_NODE_CONFIG } from '../../src/raft/types.js';
import { findMutant, MUTANTS } from '../mutants/catalogue.js';
import type { NodeFactory } from '../simulator/cluster.js';
import type { ExploreBounds, ExploreModel } from './model.js';

/** Explore enumerates permutations of the servers and keeps whole states: a handful of servers. */
export const MAX_SERVERS = 5;

/** The model, or an error message naming what is wrong. */
export function buildModel(impl: string, bounds: ExploreBounds): ExploreModel | { error: string } {
  let createNode: NodeFactory = createReferenceNode;
  if (impl !== 'reference') {
    if (!impl.startsWith('mutant:')) return { error: `explore runs the reference or a mutant (mutant:NAME), not '${impl}': it resumes nodes of the reference statechart from snapshots` };
    const m = findMutant(impl.slice('mutant:'.length));
    if (!m) return { error: `unknown mutant '${impl.slice('mutant:'.length)}' (mutants: ${MUTANTS.map((x) => x.name).join(', ')})` };
    createNode = m.createNode;
  }
  if (bounds.batch < 1) return { error: `batch must be at least 1, got ${bounds.batch}` };
  if (bounds.servers < 1 || bounds.servers > MAX_SERVERS) return { error: `servers must be between 1 and ${MAX_SERVERS}, got ${bounds.servers}` };
  return {
    ids: Array.from({ length: bounds.servers }, (_, k) => `n${k + 1}`),
    bounds,
    node: { ...DEFAULT_NODE_CONFIG, maxEntriesPerMessage: bounds.batch },
    createNode,
    impl,
    compareWithReference: impl !== 'reference',
  };
}
