/**
 * Turns an adapter (harness/adapters/adapter.ts) into a `RaftNode` the simulator drives: each
 * call's output becomes effects, and the difference between the observations before and
 * after the call becomes the state changes, in the order the reference logs them (an
 * election: role, term, vote; a higher term: term, role; then truncate, append, commit,
 * apply), each with the state right after it, so the conformance checker can compare them
 * with the reference step by step.
 */
import { applyCommand, INITIAL_VALUE } from '../../src/raft/register.js';
import type { Effect, NodeInput, NodeView, PersistentState, RaftNode, RegisterState, StateSummary, StepRecord } from '../../src/raft/types.js';
import { sameEntry } from '../checker/entry-hash.js';
import type { NodeFactory } from '../simulator/cluster.js';
import type { AdapterDefinition, NodeUnderTest, Observation, Output } from './adapter.js';

/** An observation with its defaults filled in. */
interface Seen {
  obs: Observation;
  lastApplied: number;
  value: RegisterState;
}

function summary(s: Seen): StateSummary {
  const { obs } = s;
  return {
    role: obs.role, term: obs.term, votedFor: obs.votedFor, commitIndex: obs.commitIndex, lastApplied: s.lastApplied,
    lastLogIndex: obs.log.length, lastLogTerm: obs.log.at(-1)?.term ?? 0, value: s.value,
  };
}

class AdaptedNode implements RaftNode {
  private seen: Seen;
  private stopped = false;

  /** `preVote`: the run has PreVote on (the node's config), so an election begins with a pre-vote round. */
  constructor(readonly id: string, private readonly impl: NodeUnderTest, private readonly preVote = false) {
    // A restarted node has applied nothing yet: its register starts empty, like the reference's.
    this.seen = this.fill(impl.observe(), { lastApplied: 0, value: INITIAL_VALUE });
  }

  get tickMs(): number | undefined {
    return this.impl.tickMs;
  }

  /** Fills lastApplied and value in from the previous state when the adapter leaves them out. */
  private fill(obs: Observation, prev: { lastApplied: number; value: RegisterState }): Seen {
    const lastApplied = obs.lastApplied ?? obs.commitIndex;
    let value = prev.value;
    for (let i = prev.lastApplied + 1; i <= lastApplied && i <= obs.log.length; i++) value = applyCommand(value, obs.log[i - 1]!.command).value;
    return { obs, lastApplied, value: obs.value !== undefined ? obs.value : value };
  }

  start(): StepRecord[] {
    return this.records(this.impl.start());
  }

  step(input: NodeInput): StepRecord[] {
    if (this.stopped) throw new Error(`node ${this.id} was crashed`);
    switch (input.type) {
      case 'receive':
        return this.records(this.impl.deliver(input.wire === undefined ? { msg: input.msg } : { msg: input.msg, wire: input.wire }));
      case 'receive_unmodelled': {
        const { from, name, term, wire } = input.msg;
        return this.records(this.impl.deliver({ unmodelled: { from, name, ...(term !== undefined ? { term } : {}), wire } }));
      }
      case 'timeout':
        return this.records(this.impl.timeout(input.timer), input.timer === 'election');
      case 'tick':
        return this.records(this.impl.tick());
      case 'client_request':
        return this.records(this.impl.client({ client: input.client, requestId: input.requestId, op: input.op }));
      case 'transfer':
        // Only runs of an implementation that declares `transfer` ask for one (harness/adapters/features.ts).
        if (!this.impl.transfer) throw new Error(`node ${this.id} declares the feature 'transfer' but has no transfer(target) (docs/ADAPTERS.md)`);
        return this.records(this.impl.transfer(input.target));
      case 'snapshot':
      case 'reconfigure':
        return []; // adapters declare no snapshot or membership feature yet (spec/DRIVER.md): such a request is not theirs
    }
  }

  view(): NodeView {
    return { id: this.id, leaderId: null, log: this.seen.obs.log, ...summary(this.seen) };
  }

  persistent(): PersistentState {
    const { obs } = this.seen;
    return { term: obs.term, votedFor: obs.votedFor, log: obs.log.map((e) => ({ ...e })) };
  }

  beforeCrash(): StepRecord[] {
    return this.impl.beforeCrash ? this.records(this.impl.beforeCrash()) : [];
  }

  crash(): PersistentState {
    this.stopped = true;
    return this.impl.crash();
  }

  dispose(): void {
    this.stopped = true;
    this.impl.dispose?.();
  }

  /** The effects of one call: fired timers, the observed state changes, timers, messages, replies. */
  private records(out: Output, electionTimeout = false): StepRecord[] {
    const before = this.seen;
    const after = this.fill(this.impl.observe(), before);
    this.seen = after;
    const records: StepRecord[] = [];
    let state = summary(before);
    const push = (effect: Effect, next: Partial<StateSummary> = {}) => {
      state = { ...state, ...next };
      records.push({ effect, state });
    };
    for (const timer of out.fired ?? []) push({ kind: 'timeout', timer });

    const a = after.obs;
    const b = before.obs;
    const termUp = a.term !== b.term;
    // An election moves to candidate before the new term; a higher term comes before stepping down.
    // A node that is leader of a term it did not hold before won an election within this call (a
    // one-node cluster is its own majority): it passed through candidate, voted for itself, and
    // only then became leader, which the two observations alone do not show.
    const wonElection = termUp && a.role === 'leader';
    // With PreVote, such an election timeout began with a pre-vote round (won at once: the node is its own majority).
    if (this.preVote && wonElection && state.role === 'follower' && (electionTimeout || out.fired?.includes('election'))) push({ kind: 'role', role: 'precandidate' }, { role: 'precandidate' });
    if (termUp && (a.role === 'candidate' || wonElection) && state.role !== 'candidate') push({ kind: 'role', role: 'candidate' }, { role: 'candidate' });
    if (termUp) push({ kind: 'term', term: a.term }, { term: a.term, votedFor: null });
    if (wonElection && a.votedFor !== null) push({ kind: 'vote', votedFor: a.votedFor }, { votedFor: a.votedFor });
    if (state.role !== a.role) push({ kind: 'role', role: a.role }, { role: a.role });
    if (a.votedFor !== null && a.votedFor !== state.votedFor) push({ kind: 'vote', votedFor: a.votedFor }, { votedFor: a.votedFor });

    let common = 0;
    const shorter = Math.min(a.log.length, b.log.length);
    while (common < shorter && (a.log[common] === b.log[common] || sameEntry(a.log[common]!, b.log[common]!))) common++;
    // What the difference cannot show: entries deleted and written back as they were.
    const cut = out.truncatedFrom;
    if (cut !== undefined) {
      if (!Number.isSafeInteger(cut) || cut < 1) throw new Error(`node ${this.id} reported truncatedFrom ${String(cut)}: expected a log index (an integer ≥ 1)`);
      if (cut <= b.log.length) common = Math.min(common, cut - 1);
    }
    if (common < b.log.length) push({ kind: 'truncate', fromIndex: common + 1 }, { lastLogIndex: common, lastLogTerm: common > 0 ? a.log[common - 1]!.term : 0 });
    if (common < a.log.length) {
      push({ kind: 'append', index: common + 1, entries: a.log.slice(common).map((e) => ({ ...e })) }, { lastLogIndex: a.log.length, lastLogTerm: a.log.at(-1)!.term });
    }
    if (a.commitIndex !== b.commitIndex) push({ kind: 'commit', commitIndex: a.commitIndex }, { commitIndex: a.commitIndex });

    let value = before.value;
    for (let i = before.lastApplied + 1; i <= after.lastApplied; i++) {
      const entry = a.log[i - 1];
      if (!entry) throw new Error(`node ${this.id} reports lastApplied ${after.lastApplied} beyond its log (${a.log.length} entries)`);
      const applied = applyCommand(value, entry.command);
      value = i === after.lastApplied ? after.value : applied.value;
      push({ kind: 'apply', index: i, command: entry.command, value, result: applied.result }, { lastApplied: i, value });
    }
    state = summary(after);

    for (const [timer, ms] of Object.entries(out.timers ?? {}) as Array<[keyof NonNullable<Output['timers']>, number | null]>) {
      push(ms === null ? { kind: 'cancel_timer', timer } : { kind: 'set_timer', timer, after: ms });
    }
    for (const m of out.messages ?? []) {
      if ('unmodelled' in m) push({ kind: 'send_unmodelled', msg: m.unmodelled });
      else push(m.wire === undefined ? { kind: 'send', msg: m.msg } : { kind: 'send', msg: m.msg, wire: m.wire });
    }
    for (const r of out.replies ?? []) push({ kind: 'client_response', client: r.client, requestId: r.requestId, result: r.result });
    return records;
  }
}

/** The `NodeFactory` of an adapter: what `--impl` resolves to and the simulator drives. */
export function adapterFactory(definition: AdapterDefinition): NodeFactory {
  const factory: NodeFactory = (config, options) => {
    const impl = definition.create({
      id: config.id, members: config.members, config, random: options.random,
      ...(options.persisted ? { persisted: options.persisted } : {}), ...(options.now ? { now: options.now } : {}),
    });
    return new AdaptedNode(config.id, impl, config.features?.includes('prevote') ?? false);
  };
  // Read when asked, not now: an external node's profile is what its program declares (process-adapter.ts).
  Object.defineProperty(factory, 'profile', { get: () => definition.profile, enumerable: true });
  factory.declaresFeatures = true;
  return factory;
}
