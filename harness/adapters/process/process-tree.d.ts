/** Types of process-tree.js (plain JavaScript, shared with the driver's worker and the reaper). */

/** The environment variable that marks a node's processes: `RAFTCHECK_NODE=<mark>`. */
export declare const MARK_VARIABLE: 'RAFTCHECK_NODE';

/**
 * Kills the node process `root` (the leader of its own process group) and every descendant,
 * also those that left its group (setsid) or lost their parent, found through /proc (Linux);
 * elsewhere, the process group only. Synchronous; returns the pids killed.
 */
export declare function killTree(root: number, mark: string): number[];
