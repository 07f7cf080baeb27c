/** Checks that an external implementation or an adapter module can start at all, before a campaign runs against it. */
import { createRandom } from '../../../src/random.js';
import { DEFAULT_NODE_CONFIG } from '../../../src/raft/types.js';
import { InputError } from '../../errors.js';
import type { NodeFactory } from '../../simulator/cluster.js';

/**
 * Starts one node and stops it: a program that is not there, an init reply that declares a rule
 * or a feature raftcheck does not know, or an asynchronous adapter module that does not load in
 * its worker thread, is the user's mistake (InputError), not a finding.
 */
export function preflight(createNode: NodeFactory): void {
  try {
    const node = createNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2', 'n3'] }, { random: createRandom(0) });
    node.dispose?.();
  } catch (error) {
    const rule = typeof error === 'object' && error !== null && 'rule' in error ? (error as { rule: unknown }).rule : undefined;
    const usage = typeof error === 'object' && error !== null && 'usage' in error && (error as { usage: unknown }).usage === true;
    if (rule === 'driver.spawn' || rule === 'adapter.load' || usage) throw new InputError(error instanceof Error ? error.message : String(error));
    // Anything else is a verdict the campaign reports, with its trace.
  }
}
