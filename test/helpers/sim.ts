import { createRandom } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG } from '../../src/raft/types.js';
import { runFeatures } from '../../harness/adapters/features.js';
import { Cluster, type NodeFactory } from '../../harness/simulator/cluster.js';
import { randomNetwork, type RandomNetworkOptions } from '../../harness/simulator/network.js';
import { nodeIds } from '../../harness/simulator/simulate.js';
import { MemorySink } from '../../harness/trace/sink.js';

export function makeCluster(n: number, seed = 1, network: Partial<RandomNetworkOptions> = {}, createNode?: NodeFactory) {
  const features = createNode ? runFeatures(createNode, undefined) : [];
  if ('error' in features) throw new Error(features.error);
  const sink = new MemorySink();
  const root = createRandom(seed);
  const cluster = new Cluster({
    ids: nodeIds(n),
    // An implementation's own features (coaty's pre-vote and check-quorum) are on in its runs, as in fuzz.
    node: features.length ? { ...DEFAULT_NODE_CONFIG, features } : DEFAULT_NODE_CONFIG,
    random: root.fork('nodes'),
    network: randomNetwork(root.fork('network'), { delay: { min: 1, max: 10 }, drop: 0, duplicate: 0, ...network }),
    sink,
    seed,
    ...(createNode ? { createNode } : {}),
  });
  cluster.start();
  return { cluster, sink };
}

export function leaders(cluster: Cluster) {
  return cluster.views().filter((v) => v.role === 'leader');
}

/** Runs until exactly one node leads (and returns it), or fails after `within` ms. */
export function runUntilLeader(cluster: Cluster, within = 2000, except?: string) {
  const deadline = cluster.time + within;
  while (cluster.time < deadline) {
    cluster.runUntil(cluster.time + 5);
    const ls = leaders(cluster).filter((v) => v.id !== except);
    const top = Math.max(...cluster.views().map((v) => v.term));
    if (ls.length === 1 && ls[0]!.term === top) return ls[0]!;
  }
  throw new Error(`no single leader within ${within} ms (at ${cluster.time})`);
}
