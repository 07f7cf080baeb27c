/**
 * Turns an adapter (harness/adapters/adapter.ts) into a `RaftNode` the simulator drives: each
 * call's output becomes effects, and the difference between the observations before and
 * after the call becomes the state changes, in the order the reference logs them (an
 * election: role, term, vote; a higher term: term, role; then truncate, append, commit,
 * apply), each with the state right after it, so the conformance checker can compare them
 * with the reference step by step.
 */
import { applyCommand, INITIAL_VALUE } from '../../src/raft/register.js';
import type {
  Effect, Entry, NodeInput, NodeView, PersistentState, RaftNode, RegisterState, Snapshot, StateSummary, StepRecord,
} from '../../src/raft/types.js';
import { sameEntry } from '../checker/entry-hash.js';
import type { NodeFactory } from '../simulator/cluster.js';
import type { AdapterDefinition, NodeUnderTest, Observation, Output, SnapshotReport } from './adapter.js';
import { snapshotReportsProblem } from './snapshot-report.js';

type ConfigSeen = NonNullable<Observation['config']>;

/** An observation with its defaults filled in, and what the harness tracks beside it. */
interface Seen {
  obs: Observation;
  lastApplied: number;
  value: RegisterState;
  /** Feature `snapshot`: the node's latest snapshot (reported, or restored at a restart); `obs.log` holds the entries after it. */
  snapshot: Snapshot | null;
}

function lastIndexOf(s: Seen): number {
  return (s.snapshot?.index ?? 0) + s.obs.log.length;
}

function summary(s: Seen): StateSummary {
  const { obs } = s;
  const state: StateSummary = {
    role: obs.role, term: obs.term, votedFor: obs.votedFor, commitIndex: obs.commitIndex, lastApplied: s.lastApplied,
    lastLogIndex: lastIndexOf(s), lastLogTerm: obs.log.at(-1)?.term ?? s.snapshot?.term ?? 0, value: s.value,
  };
  if (s.snapshot) {
    state.snapshotIndex = s.snapshot.index;
    state.snapshotTerm = s.snapshot.term;
  }
  return state;
}

function sameConfig(a: ConfigSeen | undefined, b: ConfigSeen | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.index === b.index && same(a.voters, b.voters) && same(a.learners, b.learners);
}

function toSnapshot(r: SnapshotReport): Snapshot {
  return { index: r.index, term: r.term, value: r.value, ...(r.config ? { config: r.config } : {}) };
}

class AdaptedNode implements RaftNode {
  private seen: Seen;
  private stopped = false;

  /**
   * `preVote`: the run has PreVote on (the node's config), so an election begins with a pre-vote round.
   * `restored`: the snapshot the node restarts from (feature `snapshot`), if any.
   */
  constructor(readonly id: string, private readonly impl: NodeUnderTest, private readonly preVote = false, restored?: Snapshot) {
    // A restarted node has applied nothing yet: its register starts empty, like the reference's —
    // or, restored from a snapshot, at the snapshot.
    const obs = impl.observe();
    const snapshot = restored ?? null;
    let lastApplied = snapshot?.index ?? 0;
    let value = snapshot ? snapshot.value : INITIAL_VALUE;
    const applied = obs.lastApplied ?? obs.commitIndex;
    for (let i = lastApplied + 1; i <= applied && i - lastApplied <= obs.log.length; i++) value = applyCommand(value, obs.log[i - (snapshot?.index ?? 0) - 1]!.command).value;
    lastApplied = Math.max(lastApplied, applied);
    this.seen = { obs, lastApplied, value: obs.value !== undefined ? obs.value : value, snapshot };
  }

  get tickMs(): number | undefined {
    return this.impl.tickMs;
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
      case 'reconfigure':
        // Only runs of an implementation that declares `membership` ask for one.
        if (!this.impl.reconfigure) throw new Error(`node ${this.id} declares the feature 'membership' but has no reconfigure(change, server) (docs/ADAPTERS.md)`);
        return this.records(this.impl.reconfigure(input.change, input.server));
      case 'snapshot':
        return []; // the checker's shadows' input (snapshots where a trace logs them): an implementation snapshots on its own
    }
  }

  view(): NodeView {
    return { id: this.id, leaderId: null, log: this.seen.obs.log, ...summary(this.seen) };
  }

  persistent(): PersistentState {
    const { obs, snapshot } = this.seen;
    return { term: obs.term, votedFor: obs.votedFor, log: obs.log.map((e) => ({ ...e })), ...(snapshot ? { snapshot: structuredClone(snapshot) } : {}) };
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

  private fail(message: string): never {
    throw new Error(`node ${this.id}: ${message}`);
  }

  /**
   * The effects of one call: fired timers, the observed state changes (with the snapshots it
   * reports: an install before the log changes, a snapshot taken after the applies), timers,
   * messages, replies.
   */
  private records(out: Output, electionTimeout = false): StepRecord[] {
    const before = this.seen;
    const a = this.impl.observe();
    const records: StepRecord[] = [];
    let state = summary(before);
    const push = (effect: Effect, next: Partial<StateSummary> = {}) => {
      state = { ...state, ...next };
      records.push({ effect, state });
    };
    for (const timer of out.fired ?? []) push({ kind: 'timeout', timer });

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
    // A leader that steps down keeping its term (removed by a configuration it committed, or
    // CheckQuorum) does so at the end of its step, as the reference does: what it sent and
    // committed in that step it did as leader.
    const lateStepDown = !termUp && b.role === 'leader' && a.role !== 'leader';
    if (state.role !== a.role && !lateStepDown) push({ kind: 'role', role: a.role }, { role: a.role });
    if (a.votedFor !== null && a.votedFor !== state.votedFor) push({ kind: 'vote', votedFor: a.votedFor }, { votedFor: a.votedFor });

    // Feature `snapshot`: what the call reports, checked before anything of it is used.
    let reports: readonly SnapshotReport[] = [];
    if (out.snapshots !== undefined) {
      const problem = snapshotReportsProblem(out.snapshots);
      if (problem !== null) this.fail(`reported ${problem}`);
      reports = out.snapshots;
    }

    // The log as known before the log changes: `known` holds the entries after `base`.
    let snapshot = before.snapshot;
    let base = snapshot?.index ?? 0;
    let known: readonly Entry[] = b.log;
    let lastApplied = before.lastApplied;
    let value = before.value;
    for (const r of reports) {
      if (r.kind !== 'install_snapshot') continue;
      const kept = r.logKept && r.index >= base && r.index <= base + known.length ? known.slice(r.index - base) : [];
      snapshot = toSnapshot(r);
      base = r.index;
      known = kept;
      lastApplied = r.index;
      value = r.value;
      const lastLogIndex = base + kept.length;
      push(
        { kind: 'install_snapshot', index: r.index, term: r.term, value: r.value, logKept: r.logKept, ...(r.config ? { config: r.config } : {}) },
        { commitIndex: r.index, lastApplied: r.index, value: r.value, snapshotIndex: r.index, snapshotTerm: r.term, lastLogIndex, lastLogTerm: kept.at(-1)?.term ?? r.term },
      );
    }

    // The log after the call, from base on: the entries its snapshots discarded in this call, then what observe() shows.
    const taken = reports.filter((r): r is Extract<SnapshotReport, { kind: 'snapshot' }> => r.kind === 'snapshot');
    const covered: Entry[] = [];
    let from = base;
    for (const t of taken) {
      const where = `snapshots/${reports.indexOf(t)}`;
      if (t.index <= from) this.fail(`reported ${where}: a snapshot through ${t.index}, not past the one before it (${from})`);
      if (t.entries !== undefined) {
        if (t.entries.length !== t.index - from) this.fail(`reported ${where}/entries: ${t.entries.length} entries, but a snapshot through ${t.index} taken after ${from} discards ${t.index - from} (entries ${from + 1}..${t.index})`);
        covered.push(...t.entries);
      } else {
        if (t.index > base + known.length) {
          this.fail(`reported ${where}: a snapshot through ${t.index} discarding entries up to ${t.index} that observe() never showed (it showed up to ${base + known.length}): give them in its entries`);
        }
        covered.push(...known.slice(from - base, t.index - base));
      }
      from = t.index;
    }
    const afterBase = from;
    const afterLog: readonly Entry[] = covered.length ? [...covered, ...a.log] : a.log;
    if (a.snapshotIndex !== undefined && a.snapshotIndex !== afterBase) {
      this.fail(`observe().snapshotIndex is ${a.snapshotIndex}, but the snapshots it reported (Output.snapshots) end at ${afterBase}: report every snapshot it takes or installs`);
    }

    let common = 0;
    const shorter = Math.min(afterLog.length, known.length);
    while (common < shorter && (afterLog[common] === known[common] || sameEntry(afterLog[common]!, known[common]!))) common++;
    // What the difference cannot show: entries deleted and written back as they were.
    const cut = out.truncatedFrom;
    if (cut !== undefined) {
      if (!Number.isSafeInteger(cut) || cut < 1) this.fail(`reported truncatedFrom ${String(cut)}: expected a log index (an integer ≥ 1)`);
      if (cut <= base + known.length) common = Math.min(common, Math.max(0, cut - 1 - base));
    }
    if (common < known.length) {
      const lastLogIndex = base + common;
      push({ kind: 'truncate', fromIndex: lastLogIndex + 1 }, { lastLogIndex, lastLogTerm: common > 0 ? afterLog[common - 1]!.term : (snapshot?.term ?? 0) });
    }
    if (common < afterLog.length) {
      push({ kind: 'append', index: base + common + 1, entries: afterLog.slice(common).map((e) => ({ ...e })) }, { lastLogIndex: base + afterLog.length, lastLogTerm: afterLog.at(-1)!.term });
    }
    // Feature `membership`: the configuration in effect changed (by this call's appends or truncation, or a snapshot installed).
    if (!sameConfig(a.config, before.obs.config) && a.config !== undefined) {
      push({ kind: 'config', index: a.config.index, voters: [...a.config.voters], learners: [...a.config.learners] });
    }
    if (a.commitIndex !== state.commitIndex) push({ kind: 'commit', commitIndex: a.commitIndex }, { commitIndex: a.commitIndex });

    const afterApplied = a.lastApplied ?? a.commitIndex;
    for (let i = lastApplied + 1; i <= afterApplied; i++) {
      const entry = i > base ? afterLog[i - base - 1] : undefined;
      if (!entry) this.fail(`reports lastApplied ${afterApplied} beyond its log (${i <= base ? `entry ${i} is under its snapshot through ${base}` : `${base + afterLog.length} entries`})`);
      const applied = applyCommand(value, entry.command);
      value = i === afterApplied && a.value !== undefined ? a.value : applied.value;
      push({ kind: 'apply', index: i, command: entry.command, value, result: applied.result }, { lastApplied: i, value });
    }
    if (a.value !== undefined) value = a.value;

    const final = { obs: a, lastApplied: afterApplied, value, snapshot: taken.length ? toSnapshot(taken.at(-1)!) : snapshot };
    this.seen = final;
    // The state with each effect from here on is the final one, but for the snapshots taken: until one is logged, the one before it.
    const untaken = (): Partial<StateSummary> => (snapshot ? { snapshotIndex: snapshot.index, snapshotTerm: snapshot.term } : {});
    const { snapshotIndex: _index, snapshotTerm: _term, ...rest } = summary(final);
    state = { ...rest, ...untaken(), ...(lateStepDown ? { role: b.role } : {}) };
    let next = 0;
    const takeUpTo = (index: number) => {
      for (; next < taken.length && taken[next]!.index <= index; next++) {
        const t = taken[next]!;
        snapshot = toSnapshot(t);
        push({ kind: 'snapshot', index: t.index, term: t.term, value: t.value, ...(t.config ? { config: t.config } : {}) }, { snapshotIndex: t.index, snapshotTerm: t.term });
      }
    };

    for (const [timer, ms] of Object.entries(out.timers ?? {}) as Array<[keyof NonNullable<Output['timers']>, number | null]>) {
      push(ms === null ? { kind: 'cancel_timer', timer } : { kind: 'set_timer', timer, after: ms });
    }
    // A snapshot taken is logged after the messages, as the reference takes it at the end of its step
    // (an AppendEntries sent before it may start under it) — but before an InstallSnapshot of it.
    for (const m of out.messages ?? []) {
      if ('unmodelled' in m) push({ kind: 'send_unmodelled', msg: m.unmodelled });
      else {
        if (m.msg.type === 'InstallSnapshot') takeUpTo(m.msg.lastIncludedIndex);
        push(m.wire === undefined ? { kind: 'send', msg: m.msg } : { kind: 'send', msg: m.msg, wire: m.wire });
      }
    }
    takeUpTo(Infinity);
    for (const r of out.replies ?? []) push({ kind: 'client_response', client: r.client, requestId: r.requestId, result: r.result });
    if (lateStepDown) push({ kind: 'role', role: a.role }, { role: a.role });
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
    return new AdaptedNode(config.id, impl, config.features?.includes('prevote') ?? false, options.persisted?.snapshot);
  };
  // Read when asked, not now: an external node's profile is what its program declares (process-adapter.ts).
  Object.defineProperty(factory, 'profile', { get: () => definition.profile, enumerable: true });
  factory.declaresFeatures = true;
  return factory;
}
