/**
 * The rules of feature config-on-apply (harness/checker/features/config-on-apply-rules.ts, and
 * membership.election-quorum counting the configuration applied) against a slower, obvious
 * version: every node's whole log rebuilt line by line, its lastApplied read from every event's
 * state, and each question answered by scanning them. Traces come from fuzzing schedules run by
 * the reference (valid) and by the feature's mutants (which break the rules for real); both must
 * report the same violations, rule and line, with conformance off.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, TraceLine } from '../src/trace/schema.js';
import { createReferenceNode } from '../src/raft/node.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';

const RULES = ['membership.election-quorum', 'config-on-apply.in-effect', 'config-on-apply.one-change', 'config-on-apply.prior-applied'];
const CONFORMANCE = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];
type Found = { rule: string; line: number };

/** TRACE_FORMAT.md's append: an entry of the same index and term as the one there stays (Log Matching is another rule's). */
const same = (a: Entry, b: Entry) => a.term === b.term;
const configs = (log: readonly Entry[], upTo: number) =>
  log.slice(0, upTo).flatMap((e, i) => (e.command.type === 'config' ? [{ index: i + 1, voters: e.command.voters, learners: e.command.learners }] : []));

function bruteForce(lines: readonly TraceLine[]): Found[] {
  const header = lines[0] as Extract<TraceLine, { kind: 'header' }>;
  const initial = { index: 0, voters: header.params?.voters ?? header.nodes, learners: header.params?.learners ?? [] };
  const logs = new Map<string, Entry[]>(header.nodes.map((id) => [id, []]));
  const applied = new Map<string, number>(header.nodes.map((id) => [id, 0]));
  const role = new Map<string, string>();
  const termOf = new Map<string, number>();
  const found: Found[] = [];
  lines.forEach((l, i) => {
    const line = i + 1;
    if (l.kind === 'header' || !('node' in l) || l.node === undefined || l.kind === 'note') return;
    const id = l.node;
    const log = logs.get(id)!;
    if (l.kind === 'role') role.set(id, l.role);
    if (l.kind === 'term') termOf.set(id, l.term);
    if (l.kind === 'restart') role.set(id, 'follower');
    if (l.kind !== 'receive' && l.state?.role !== undefined) role.set(id, l.state.role);
    if (l.kind !== 'receive' && l.state?.term !== undefined) termOf.set(id, l.state.term);
    // What the node has applied as of this event (the reference logs it in every state).
    if (l.state?.lastApplied !== undefined) applied.set(id, l.state.lastApplied);
    const bound = applied.get(id)!;
    if (l.kind === 'append') {
      const term = termOf.get(id);
      const leads = role.get(id) === 'leader';
      l.entries.forEach((entry, k) => {
        const index = l.index + k;
        if (log[index - 1] && same(log[index - 1]!, entry)) return;
        log.length = index - 1;
        if (leads && entry.command.type === 'config' && entry.term === term) {
          const first = [...log, entry].findIndex((e) => e.term === term) + 1;
          if (configs(log, log.length).some((x) => x.index > bound)) found.push({ rule: 'config-on-apply.one-change', line });
          else if (bound < first - 1) found.push({ rule: 'config-on-apply.prior-applied', line });
        }
        log.push(entry);
      });
    } else if (l.kind === 'truncate') log.length = l.fromIndex - 1;
    else if (l.kind === 'restart') logs.set(id, [...(l.persisted?.log ?? [])]);
    else if (l.kind === 'config') {
      const want = configs(log, bound).at(-1) ?? initial;
      if (l.index > bound || JSON.stringify(want) !== JSON.stringify({ index: l.index, voters: l.voters, learners: l.learners })) found.push({ rule: 'config-on-apply.in-effect', line });
    } else if (l.kind === 'role' && l.role === 'leader') {
      const term = termOf.get(id)!;
      const config = configs(log, bound).at(-1) ?? initial;
      const voters = new Set<string>();
      for (const x of lines.slice(0, i)) {
        if (x.kind === 'receive' && x.node === id && x.msg.type === 'RequestVoteResponse' && x.msg.voteGranted && x.msg.term === term && config.voters.includes(x.msg.from)) voters.add(x.msg.from);
      }
      if (config.voters.includes(id)) voters.add(id);
      if (voters.size < Math.floor(config.voters.length / 2) + 1) found.push({ rule: 'membership.election-quorum', line });
    }
  });
  return found;
}

function checker(lines: readonly TraceLine[]): Found[] {
  const v = new TraceValidation({ maxErrors: 10_000, enabled: new Set(RULES), allRules: true });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('trace', { lines: lines.length, bytes: 0 }).errors.map(({ rule, line }) => ({ rule, line }));
}

describe('config-on-apply rules against brute force', () => {
  const sources: Array<[string, NodeFactory]> = [
    ['the reference', createReferenceNode as NodeFactory],
    ['config-on-apply-switch-at-append', findMutant('config-on-apply-switch-at-append')!.createNode],
    ['config-on-apply-two-changes-at-once', findMutant('config-on-apply-two-changes-at-once')!.createNode],
  ];
  for (const [name, createNode] of sources) {
    it(`${name}: 30 swarm schedules, the same violations`, () => {
      const schedules = fc.sample(scheduleArbitrary('swarm', [3, 5], 2000, ['membership', 'config-on-apply']), { seed: 3, numRuns: 30 });
      const skipRules = [...RULES, ...CONFORMANCE].map((rule) => ({ rule, reason: 'compared separately' }));
      let violations = 0;
      for (const s of schedules) {
        const r = runSchedule(s, createNode, { keepLines: true, liveness: false, skipRules });
        const expected = bruteForce(r.lines);
        violations += expected.length;
        expect(checker(r.lines)).toEqual(expected);
      }
      if (name === 'the reference') expect(violations).toBe(0);
      else expect(violations).toBeGreaterThan(0);
    });
  }
});

describe('config-on-apply rules against brute force, on the examples', () => {
  const onApply = (file: string) => fs.readFileSync(file, 'utf8').split('\n', 1)[0]!.includes('"config-on-apply"');
  const files = ['traces/examples/valid/near-miss-config-on-apply-changes.jsonl', ...RULES.flatMap((r) => fs.readdirSync(`traces/examples/invalid/${r}`).map((f) => `traces/examples/invalid/${r}/${f}`)).filter(onApply)];
  it.each(files)('%s: the same violations (none for the near miss; its rule first for an invalid example)', (file) => {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
    const expected = bruteForce(lines);
    expect(checker(lines)).toEqual(expected);
    // An edited example may break more later (a second change at index 2 keeps its place when the real one comes).
    if (file.includes('/valid/')) expect(expected).toEqual([]);
    else expect(expected[0]?.rule).toBe(file.split('/')[3]!);
  });
});
