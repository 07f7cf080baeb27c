/**
 * `raftcheck/adapter`: what an adapter module needs to type itself (docs/ADAPTERS.md).
 *
 *   import { defineAdapter } from 'raftcheck/adapter';
 *   export default defineAdapter({ name: 'my-raft', create(init) { ... } });
 *
 * and for an asynchronous library (calls that return promises, timers of its own):
 *
 *   import { defineAsyncAdapter } from 'raftcheck/adapter';
 *   export default defineAsyncAdapter({ name: 'my-raft', async create(init) { ... } });
 */
export {
  defineAdapter,
  type AdapterDefinition, type AdapterInit, type ClientReply, type ClientRequest, type Delivery, type NodeUnderTest,
  type Observation, type Outgoing, type Output, type SnapshotReport,
} from '../adapters/adapter.js';
export {
  defineAsyncAdapter,
  type AsyncAdapterDefinition, type AsyncAdapterInit, type AsyncNodeUnderTest, type NodeClock,
} from '../adapters/async/async-adapter.js';
export type { NodeTimerPromises, NodeTimers } from '../adapters/async/runtime.js';
export type {
  AppendEntries, AppendEntriesResponse, ClientResult, Command, ConfigChange, Entry, InstallSnapshot, InstallSnapshotResponse, Message, MessageBody,
  NodeConfig, NodeId, Operation, PersistentState, RegisterState, RequestVote, RequestVoteResponse, Role, Snapshot, SnapshotConfig, TimerName,
} from '../../src/raft/types.js';
export type { Random } from '../../src/random.js';
export type { ImplementationProfile } from '../simulator/cluster.js';
/** The register's semantics (set, get, compare-and-set), for an adapter that applies committed entries itself. */
export { applyCommand, INITIAL_VALUE, type ApplyResult } from '../../src/raft/register.js';
