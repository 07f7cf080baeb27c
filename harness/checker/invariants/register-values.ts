/**
 * Rule `applied-value`: the register values and results a trace reports are those its applied
 * commands produce (Figure 1: the same commands in the same order give the same state;
 * Figure 2: apply log[lastApplied] to the state machine). Independent of conformance, so it
 * holds implementations that skip it and traces that log only applies.
 *
 * The register's value after index i is a function of the committed entries 1..i, the same on
 * every node. It is known here from a node's own applies since it (re)started with an empty
 * register, or from what any node reported or was computed to hold after i. Where the value
 * before an index is unknown (the applies before it were not logged), only what the command
 * fixes is checked: the value after a `set`, after a `cas` that succeeded; a `get` or a
 * failed `cas` leaves whatever was there, and the value a node logs for it is taken as a claim
 * that later facts must agree with.
 *
 * Semantics come from src/raft/register.ts (`applyCommand`), the reference's own state machine.
 */
import { applyCommand, INITIAL_VALUE, type ApplyResult } from '../../../src/raft/register.js';
import type { ClientResult, Command, NodeState, RegisterState } from '../../../src/trace/schema.js';
import { describeCommand } from '../describe-entry.js';
import type { Violation } from '../violation.js';
import { ForgetfulArray } from '../forgetful-array.js';
import { flat } from '../flat-string.js';
import { RecentRequests } from './recent-requests.js';
import { isClientCommand } from '../../../src/trace/schema.js';

export const APPLIED_VALUE_RULE = 'applied-value';

type Result = ApplyResult['result'];

interface NodeRegister {
  /** The node's register holds `value` after applying entries 1..`through` (-1: not known). */
  through: number;
  value: RegisterState;
  /** Reported once: the node's register no longer follows the log; left alone until its restart. */
  diverged: boolean;
  /** Client commands applied since the restart (the most recent ones). */
  requests: RecentRequests;
}

const show = (v: RegisterState): string => JSON.stringify(v);

/** No node register owned (the list is replaced, never pushed to). */
const NONE_OWNED: NodeRegister[] = [];

export class RegisterValues {
  /** The value after each index, cluster-wide, where known; with the node and line that told it. */
  private after: ForgetfulArray<RegisterState>;
  private afterNode: ForgetfulArray<string>;
  private afterLine: ForgetfulArray<number>;
  /** True where the value was logged by that node rather than computed from a known earlier value. */
  private afterLogged: ForgetfulArray<boolean>;
  private nodes: Map<string, NodeRegister>;
  /**
   * Copy-on-write (a clone shares all of the above with its original): the `after` arrays and
   * the nodes' map are shared while `sharedAfter` / `sharedNodes` hold, and a node's register is
   * shared unless it is in `ownRegisters`; each is copied before its first change.
   */
  private sharedAfter = false;
  private sharedNodes = false;
  private ownRegisters: NodeRegister[] | null = null;
  /** `historyKey` in the servers' own order, once written (shared by clones; cleared before every change). */
  private keyCache: string | undefined = undefined;
  /** One violation per event: a wrong apply and its wrong post-state are one mistake. */
  private reportedLine = 0;

  /** `original`: a clone's (see `clone`), whose parts it shares (no empty ones made to be replaced). */
  constructor(nodeIds: readonly string[], private readonly report: (v: Violation) => void, original?: RegisterValues) {
    if (original) {
      // Shared, both ways: whichever changes a part first copies it.
      this.after = original.after;
      this.afterNode = original.afterNode;
      this.afterLine = original.afterLine;
      this.afterLogged = original.afterLogged;
      this.nodes = original.nodes;
      this.sharedAfter = original.sharedAfter = true;
      this.sharedNodes = original.sharedNodes = true;
      this.ownRegisters = original.ownRegisters = NONE_OWNED;
      this.reportedLine = original.reportedLine;
      this.keyCache = original.keyCache;
      return;
    }
    this.after = new ForgetfulArray();
    this.afterNode = new ForgetfulArray();
    this.afterLine = new ForgetfulArray();
    this.afterLogged = new ForgetfulArray();
    this.nodes = new Map();
    for (const id of nodeIds) this.nodes.set(id, { through: 0, value: INITIAL_VALUE, diverged: false, requests: new RecentRequests() });
  }

  /** The node's register, ready to change (copied first if shared with a clone). */
  private writable(id: string): NodeRegister {
    this.keyCache = undefined;
    const n = this.nodes.get(id)!;
    if (this.ownRegisters === null || this.ownRegisters.includes(n)) return n;
    if (this.sharedNodes) {
      this.nodes = new Map(this.nodes);
      this.sharedNodes = false;
    }
    const copy = { through: n.through, value: n.value, diverged: n.diverged, requests: n.requests.clone() };
    this.nodes.set(id, copy);
    if (this.ownRegisters === NONE_OWNED) this.ownRegisters = [copy];
    else this.ownRegisters.push(copy);
    return copy;
  }

  /** The `after` arrays, ready to change. */
  private ownAfter(): void {
    this.keyCache = undefined;
    if (!this.sharedAfter) return;
    this.after = this.after.clone();
    this.afterNode = this.afterNode.clone();
    this.afterLine = this.afterLine.clone();
    this.afterLogged = this.afterLogged.clone();
    this.sharedAfter = false;
  }

  /** `n` must be writable (`writable`). */
  private fail(v: Omit<Violation, 'rule' | 'terms'>, n: NodeRegister): void {
    n.diverged = true;
    if (v.line === this.reportedLine) return;
    this.reportedLine = v.line;
    this.report({ rule: APPLIED_VALUE_RULE, terms: [], ...v });
  }

  /** A restart rebuilds the register from the log: it starts empty, nothing applied. */
  restart(node: string): void {
    const n = this.writable(node);
    n.through = 0;
    n.value = INITIAL_VALUE;
    n.diverged = false;
    n.requests.clear();
  }

  /**
   * Feature `snapshot`: the register's value after `index` where known (the node's own applies,
   * or any node's), and where it is known from, for a snapshot's value to be checked against.
   */
  valueAfter(id: string, index: number): { value: RegisterState; source: string; line: number | null } | undefined {
    const n = this.nodes.get(id)!;
    if (!n.diverged && n.through === index) return { value: n.value, source: `as ${id}'s own applies left it`, line: null };
    const known = this.after.get(index);
    return known === undefined ? undefined : { value: known, source: this.source(index), line: this.afterLine.get(index)! };
  }

  /** Feature `snapshot`: the node's register now holds `value` after `index` (it installed or restarted from a snapshot). */
  resume(id: string, index: number, value: RegisterState, line: number): void {
    const n = this.writable(id);
    n.through = index;
    n.value = value;
    n.diverged = false;
    if (this.after.get(index) === undefined) {
      this.ownAfter();
      this.after.set(index, value);
      this.afterNode.set(index, id);
      this.afterLine.set(index, line);
      this.afterLogged.set(index, true);
    }
  }

  /** Feature `snapshot`: no event names an index below `floor` any more. */
  forgetBelow(floor: number): void {
    this.ownAfter();
    this.after.forgetBelow(floor);
    this.afterNode.forgetBelow(floor);
    this.afterLine.forgetBelow(floor);
    this.afterLogged.forgetBelow(floor);
  }

  /** The node applied a command other than the cluster's at some index (state-machine-safety): its register follows another log. */
  diverge(node: string): void {
    this.writable(node).diverged = true;
  }

  /** Where the value after `index` comes from, for messages: "as n1 logged it after index 3 (line 12)". */
  private source(index: number): string {
    return `as ${this.afterNode.get(index)} ${this.afterLogged.get(index) ? 'logged' : 'held'} it after index ${index} (line ${this.afterLine.get(index)})`;
  }

  /** How the value before `index` was known, for messages ("as n1's own applies left it"). */
  private beforeText(id: string, index: number, from: 'empty' | 'own' | 'cluster'): string {
    return from === 'empty' ? 'empty before index 1' : from === 'own' ? `as ${id}'s own applies left it` : this.source(index - 1);
  }

  apply(id: string, index: number, command: Command, value: RegisterState | undefined, result: Result | undefined, line: number): void {
    const n = this.writable(id);
    if (n.diverged) return;
    // The value before: the empty register, the node's own applies since its restart, or any node's.
    let before: RegisterState | undefined;
    let from: 'empty' | 'own' | 'cluster' = 'cluster';
    if (index === 1) {
      before = INITIAL_VALUE;
      from = 'empty';
    } else if (n.through === index - 1) {
      before = n.value;
      from = 'own';
    } else {
      before = this.after.get(index - 1);
    }
    // Without the value before, a set still fixes the outcome, and so does a cas that succeeded
    // (the register held what it expected).
    const outcome: ApplyResult | undefined = before !== undefined
      ? applyCommand(before, command)
      : command.type === 'set' ? applyCommand(INITIAL_VALUE, command)
        : command.type === 'cas' && result === 'ok' ? applyCommand(command.expected, command) : undefined;
    if (outcome) {
      const wrongResult = result !== undefined && result !== outcome.result;
      if (wrongResult || (value !== undefined && value !== outcome.value)) {
        // Messages are built only here: this runs for every apply.
        const what = `${id} applied index ${index} (${describeCommand(command)})`;
        const because = before !== undefined && command.type !== 'set' ? ` on the register's ${show(before)}, ${this.beforeText(id, index, from)}` : '';
        const related = before !== undefined && from === 'cluster' ? [this.afterLine.get(index - 1)!] : [];
        return this.fail(wrongResult
          ? { line, nodes: [id], message: `${what} with result ${result}, but it gives ${outcome.result}${because}`, expected: `result ${outcome.result}`, seen: `result ${result}`, related }
          : { line, nodes: [id], message: `${what} and logged value ${show(value!)}, but the register holds ${show(outcome.value)} after it${because}`, expected: `value ${show(outcome.value)}`, seen: `value ${show(value!)}`, related }, n);
      }
    } else if (command.type !== 'cas' ? result === 'cas_failed' : value !== undefined && value === command.expected && value !== command.value) {
      // The value before is unknown, and yet no value before could give this.
      const what = `${id} applied index ${index} (${describeCommand(command)})`;
      return this.fail(command.type !== 'cas'
        ? { line, nodes: [id], message: `${what} with result cas_failed: only a cas can fail`, expected: 'result ok', seen: 'result cas_failed' }
        : {
          line, nodes: [id], message: `${what} and logged value ${show(value!)}: a cas that succeeds leaves ${show(command.value)}, one that fails leaves a value other than ${show(command.expected)}`,
          expected: `value ${show(command.value)}, or a value other than ${show(command.expected)}`, seen: `value ${show(value!)}`,
        }, n);
    }
    const after = outcome ? outcome.value : value;
    if (after !== undefined && !this.agree(id, n, index, after, outcome === undefined, line)) return;
    n.through = after !== undefined ? index : -1;
    if (after !== undefined) n.value = after;
    if (isClientCommand(command) && command.client !== undefined && command.requestId !== undefined) {
      // Only a cas can fail: the result of the others is known whatever the value before.
      const known = outcome ? outcome.result : result ?? (command.type === 'cas' ? undefined : 'ok');
      n.requests.add(command.client, command.requestId, { index, type: command.type, result: known, value: after, line });
    }
  }

  /** The node holds `value` after `index`: every node must (a value first told is remembered). */
  private agree(id: string, n: NodeRegister, index: number, value: RegisterState, logged: boolean, line: number): boolean {
    const known = this.after.get(index);
    if (known === undefined) {
      this.ownAfter();
      this.after.set(index, value);
      this.afterNode.set(index, id);
      this.afterLine.set(index, line);
      this.afterLogged.set(index, logged);
      return true;
    }
    if (known === value) return true;
    this.fail({
      line, nodes: [id, this.afterNode.get(index)!],
      message: `${id}'s register ${logged ? 'is logged to hold' : 'holds'} ${show(value)} after index ${index}, but ${this.afterNode.get(index)}'s ${this.afterLogged.get(index) ? 'was logged to hold' : 'held'} ${show(known)} (line ${this.afterLine.get(index)})`,
      expected: `value ${show(known)} after index ${index}, as on ${this.afterNode.get(index)}`, seen: `value ${show(value)}`, related: [this.afterLine.get(index)!],
    }, n);
    return false;
  }

  /** A logged state's value is the register's after its lastApplied. */
  state(id: string, s: NodeState, line: number): void {
    if (s.value === undefined || s.lastApplied === undefined) return;
    const n = this.nodes.get(id)!;
    if (n.diverged) return;
    const i = s.lastApplied;
    const own = i > 0 && n.through === i;
    const want = i === 0 ? INITIAL_VALUE : own ? n.value : this.after.get(i);
    if (want === undefined) {
      // Not known yet: the logged value is the first word on it.
      this.agree(id, this.writable(id), i, s.value, true, line);
      return;
    }
    if (want === s.value) return;
    const from = i === 0 ? 'nothing applied: the register is empty' : own ? `as ${id}'s own applies left it` : this.source(i);
    this.fail({
      line, nodes: [id], message: `${id}'s logged state has value ${show(s.value)} with lastApplied ${i}, but the register holds ${show(want)} after index ${i}, ${from}`,
      expected: `value ${show(want)}`, seen: `value ${show(s.value)}`, related: own || i === 0 ? [] : [this.afterLine.get(i)!],
    }, this.writable(id));
  }

  /** An answer ok / cas_failed is the result of applying the request's command (a read's value, the value there). */
  answer(id: string, client: string, requestId: number, result: ClientResult, line: number): void {
    if (result.status === 'not_leader') return;
    const n = this.writable(id);
    if (n.diverged) return;
    const found = n.requests.find(client, requestId);
    if (!found || found.ambiguous) return;
    const applied = found.applied;
    const what = `${id} answered client ${client} request ${requestId}`;
    const where = `index ${applied.index}, line ${applied.line}`;
    if (applied.result !== undefined && result.status !== applied.result) {
      return this.fail({
        line, nodes: [id], message: `${what} with ${result.status}, but applying its ${applied.type} (${where}) gave ${applied.result}`,
        expected: `status ${applied.result}`, seen: `status ${result.status}`, related: [applied.line],
      }, n);
    }
    if (applied.type === 'get' && result.status === 'ok' && result.value !== undefined && applied.value !== undefined && result.value !== applied.value) {
      this.fail({
        line, nodes: [id], message: `${what} with value ${show(result.value)}, but the read, applied at ${where}, found ${show(applied.value)}`,
        expected: `value ${show(applied.value)}`, seen: `value ${show(result.value)}`, related: [applied.line],
      }, n);
    }
  }

  /** A copy that reports through `report` (`raftcheck explore` forks the checker with every state). */
  clone(report: (v: Violation) => void): RegisterValues {
    return new RegisterValues([], report, this);
  }

  /**
   * What of this memory decides later verdicts, as a string: values after each index and each
   * node's register (nodes in `order`, the ids as `rename` maps them). Lines and the nodes that
   * told a value only word messages, so they are left out (see ClusterInvariants.historyKey).
   */
  historyKey(order: readonly string[], identity = false): string {
    // `identity`: `order` is the servers' own order, and the key written since the last change is reused.
    if (identity) return (this.keyCache ??= flat(this.historyKey(order)));
    let key = '';
    for (let i = 0; i < this.after.length; i++) {
      const after = this.after.get(i);
      key += `${after === undefined ? '?' : JSON.stringify(after)}${this.afterLogged.get(i) ? 'L' : ''},`;
    }
    for (const id of order) {
      const n = this.nodes.get(id)!;
      key += `|${n.through}:${JSON.stringify(n.value)}:${n.diverged ? 1 : 0}:${n.requests.historyKey()}`;
    }
    return key;
  }
}
