/**
 * The reference statechart (and any mutant of it) behind the adapter interface: the proof that
 * an implementation observed only through `observe()` and its outputs yields a trace complete
 * enough for every rule, conformance included (test/adapters.test.ts fuzzes it).
 */
import { initialConfiguration } from '../../src/raft/configuration.js';
import { createReferenceNode } from '../../src/raft/node.js';
import type { Entry, NodeConfig, NodeInput, PersistentState, StepRecord } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { adapterFactory } from './adapt.js';
import type { AdapterDefinition, NodeUnderTest, Observation, Output, SnapshotReport } from './adapter.js';

/** The node's log by absolute index (entry i at i − 1; holes under a restored snapshot), and its snapshot's last index. */
interface KnownLog {
  full: Entry[];
  snapshotIndex: number;
}

/**
 * Keeps only what an adapter reports: messages, timers, client replies, truncations and
 * (feature `snapshot`) the snapshots taken and installed. `log` is kept up to date from the
 * node's appends, truncations and snapshots: a snapshot
 * taken reports the entries it discarded, which the harness may not have observed (appended
 * and compacted in the same step).
 */
function toOutput(records: StepRecord[], log: KnownLog): Output {
  const { full } = log;
  const out: Required<Pick<Output, 'messages' | 'replies' | 'timers'>> & Pick<Output, 'truncatedFrom' | 'snapshots'> = { messages: [], replies: [], timers: {} };
  for (const { effect } of records) {
    if (effect.kind === 'truncate') {
      out.truncatedFrom = Math.min(out.truncatedFrom ?? Infinity, effect.fromIndex);
      full.length = effect.fromIndex - 1;
    } else if (effect.kind === 'append') full.splice(effect.index - 1, effect.entries.length, ...effect.entries);
    else if (effect.kind === 'send') out.messages.push({ msg: effect.msg });
    else if (effect.kind === 'client_response') out.replies.push({ client: effect.client, requestId: effect.requestId, result: effect.result });
    else if (effect.kind === 'set_timer') out.timers[effect.timer] = effect.after;
    else if (effect.kind === 'cancel_timer') out.timers[effect.timer] = null;
    else if (effect.kind === 'snapshot' || effect.kind === 'install_snapshot') {
      const { kind: _kind, ...fields } = effect;
      let report: SnapshotReport;
      if (effect.kind === 'snapshot') {
        report = { kind: 'snapshot', ...(fields as Omit<typeof effect, 'kind'>), entries: full.slice(log.snapshotIndex, effect.index).map((e) => ({ ...e })) };
      } else {
        report = { kind: 'install_snapshot', ...(fields as Omit<typeof effect, 'kind'>) };
        if (!effect.logKept) full.length = effect.index;
      }
      (out.snapshots ??= []).push(report);
      log.snapshotIndex = effect.index;
    }
  }
  return out;
}

/** Feature `membership`: the configuration a node starts in (the latest in its persisted log or snapshot, else the initial one). */
function startingConfiguration(config: NodeConfig, persisted: PersistentState | undefined): NonNullable<Observation['config']> {
  const base = persisted?.snapshot?.index ?? 0;
  const log = persisted?.log ?? [];
  for (let i = log.length - 1; i >= 0; i--) {
    const c = log[i]!.command;
    if (c.type === 'config') return { index: base + i + 1, voters: c.voters, learners: c.learners };
  }
  return persisted?.snapshot?.config ?? { index: 0, ...initialConfiguration(config) };
}

/** An adapter over a `RaftNode` factory (the reference's by default). */
export function referenceAdapter(createNode: NodeFactory = createReferenceNode, name = 'reference'): AdapterDefinition {
  return {
    name,
    create(init): NodeUnderTest {
      const node = createNode(init.config, { random: init.random, ...(init.persisted ? { persisted: init.persisted } : {}) });
      const restored = init.persisted?.snapshot?.index ?? 0;
      const known: KnownLog = { full: [], snapshotIndex: restored };
      known.full.length = restored;
      known.full.push(...(init.persisted?.log ?? []));
      const membership = init.config.features?.includes('membership') ?? false;
      let config = membership ? startingConfiguration(init.config, init.persisted) : undefined;
      const report = (records: StepRecord[]): Output => {
        for (const { effect } of records) if (effect.kind === 'config') config = { index: effect.index, voters: effect.voters, learners: effect.learners };
        return toOutput(records, known);
      };
      const step = (input: NodeInput) => report(node.step(input));
      return {
        start: () => report(node.start()),
        deliver: (d) => ('msg' in d ? step({ type: 'receive', msg: d.msg }) : {}),
        timeout: (timer) => step({ type: 'timeout', timer }),
        tick: () => ({}),
        client: (r) => step({ type: 'client_request', ...r }),
        transfer: (target) => step({ type: 'transfer', target }),
        reconfigure: (change, server) => step({ type: 'reconfigure', change, server }),
        observe: () => {
          const v = node.view();
          return {
            role: v.role, term: v.term, votedFor: v.votedFor, commitIndex: v.commitIndex, lastApplied: v.lastApplied, value: v.value, log: v.log.slice(),
            ...(v.snapshotIndex !== undefined ? { snapshotIndex: v.snapshotIndex } : {}), ...(config ? { config } : {}),
          };
        },
        crash: () => node.persistent(),
      };
    },
  };
}

export const referenceThroughAdapter = adapterFactory(referenceAdapter());
