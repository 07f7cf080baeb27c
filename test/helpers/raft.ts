import { createContext, type NodeContext } from '../../src/raft/context.js';
import { createReferenceNode } from '../../src/raft/node.js';
import { createRandom } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG, type Entry, type Message, type MessageBody, type PersistentState, type StepRecord } from '../../src/raft/types.js';

export const MEMBERS = ['n1', 'n2', 'n3'];

export function ctxFor(id = 'n1', persisted?: PersistentState, members = MEMBERS): NodeContext {
  return createContext({ ...DEFAULT_NODE_CONFIG, id, members }, createRandom(1).fork(id), persisted);
}

export function nodeFor(id = 'n1', persisted?: PersistentState, members = MEMBERS) {
  const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id, members }, { random: createRandom(1).fork(id), ...(persisted ? { persisted } : {}) });
  node.start();
  return node;
}

export const set = (term: number, value: number, client?: string, requestId?: number): Entry => ({
  term,
  command: client ? { type: 'set', value, client, requestId: requestId ?? 1 } : { type: 'set', value },
});

let ids = 0;
export function withId(body: MessageBody): Message {
  return { id: `t${++ids}`, ...body } as Message;
}

/** Effect kinds of a step, without timer bookkeeping (the trace's view of the step). */
export function kinds(records: StepRecord[]): string[] {
  return records.filter((r) => r.effect.kind !== 'set_timer' && r.effect.kind !== 'cancel_timer').map((r) => {
    const e = r.effect;
    return e.kind === 'send' ? `send ${e.msg.type}>${e.msg.to}` : e.kind === 'role' ? `role ${e.role}` : e.kind;
  });
}

export function sends(records: StepRecord[]): Message[] {
  return records.flatMap((r) => (r.effect.kind === 'send' ? [withId(r.effect.msg)] : []));
}
