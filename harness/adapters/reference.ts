/**
 * The reference statechart (and any mutant of it) behind the adapter interface: the proof that
 * an implementation observed only through `observe()` and its outputs yields a trace complete
 * enough for every rule, conformance included (test/adapters.test.ts fuzzes it).
 */
import { createReferenceNode } from '../../src/raft/node.js';
import type { NodeInput, StepRecord } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { adapterFactory } from './adapt.js';
import type { AdapterDefinition, NodeUnderTest, Output } from './adapter.js';

/** Keeps only what an adapter reports: messages, timers, client replies and truncations. */
function toOutput(records: StepRecord[]): Output {
  const out: Required<Pick<Output, 'messages' | 'replies' | 'timers'>> & Pick<Output, 'truncatedFrom'> = { messages: [], replies: [], timers: {} };
  for (const { effect } of records) {
    if (effect.kind === 'truncate') out.truncatedFrom = Math.min(out.truncatedFrom ?? Infinity, effect.fromIndex);
    else if (effect.kind === 'send') out.messages.push({ msg: effect.msg });
    else if (effect.kind === 'client_response') out.replies.push({ client: effect.client, requestId: effect.requestId, result: effect.result });
    else if (effect.kind === 'set_timer') out.timers[effect.timer] = effect.after;
    else if (effect.kind === 'cancel_timer') out.timers[effect.timer] = null;
  }
  return out;
}

/** An adapter over a `RaftNode` factory (the reference's by default). */
export function referenceAdapter(createNode: NodeFactory = createReferenceNode, name = 'reference'): AdapterDefinition {
  return {
    name,
    create(init): NodeUnderTest {
      const node = createNode(init.config, { random: init.random, ...(init.persisted ? { persisted: init.persisted } : {}) });
      const step = (input: NodeInput) => toOutput(node.step(input));
      return {
        start: () => toOutput(node.start()),
        deliver: (d) => ('msg' in d ? step({ type: 'receive', msg: d.msg }) : {}),
        timeout: (timer) => step({ type: 'timeout', timer }),
        tick: () => ({}),
        client: (r) => step({ type: 'client_request', ...r }),
        transfer: (target) => step({ type: 'transfer', target }),
        observe: () => {
          const v = node.view();
          return { role: v.role, term: v.term, votedFor: v.votedFor, commitIndex: v.commitIndex, lastApplied: v.lastApplied, value: v.value, log: v.log.slice() };
        },
        crash: () => node.persistent(),
      };
    },
  };
}

export const referenceThroughAdapter = adapterFactory(referenceAdapter());
