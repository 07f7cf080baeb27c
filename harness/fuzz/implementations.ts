/**
 * Implementations the harness can run, by name: `reference`, or `mutant:<name>` from the bug
 * catalogue. (External processes and adapters plug in here later.)
 */
import { createReferenceNode } from '../../src/raft/node.js';
import { findMutant, MUTANTS } from '../mutants/catalogue.js';
import type { NodeFactory } from '../simulator/cluster.js';

export function resolveImplementation(name: string): NodeFactory | { error: string } {
  if (name === 'reference') return createReferenceNode;
  if (name.startsWith('mutant:')) {
    const m = findMutant(name.slice('mutant:'.length));
    return m ? m.createNode : { error: `unknown mutant '${name.slice(7)}' (mutants: ${MUTANTS.map((x) => x.name).join(', ')})` };
  }
  return { error: `unknown implementation '${name}' (expected 'reference' or 'mutant:<name>')` };
}
