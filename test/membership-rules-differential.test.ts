/**
 * The membership rules (harness/checker/features/membership-rules.ts) against a slower, obvious
 * version: every node's whole log rebuilt line by line (TRACE_FORMAT.md's append semantics),
 * every question answered by scanning it, and the votes a new leader received by scanning the
 * whole trace so far. Traces come from fuzzing schedules run by the reference (valid) and by
 * the membership mutants (which break the rules for real); both must report the same
 * violations, rule and line, with conformance off.
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

const RULES = ['membership.election-quorum', 'membership.one-change', 'membership.term-commit', 'membership.in-effect'];
type Found = { rule: string; line: number };

const same = (a: Entry, b: Entry) => a.term === b.term && JSON.stringify(a.command) === JSON.stringify(b.command);
const configs = (log: readonly Entry[], upTo = log.length) =>
  log.slice(0, upTo).flatMap((e, i) => (e.command.type === 'config' ? [{ index: i + 1, voters: e.command.voters, learners: e.command.learners }] : []));

function bruteForce(lines: readonly TraceLine[]): Found[] {
  const header = lines[0] as Extract<TraceLine, { kind: 'header' }>;
  const initial = { index: 0, voters: header.params?.voters ?? header.nodes, learners: header.params?.learners ?? [] };
  const logs = new Map<string, Entry[]>(header.nodes.map((id) => [id, []]));
  const commit = new Map<string, number>(header.nodes.map((id) => [id, 0]));
  const role = new Map<string, string>();
  const termOf = new Map<string, number>();
  const found: Found[] = [];
  lines.forEach((l, i) => {
    const line = i + 1;
    if (l.kind === 'header' || !('node' in l) || l.node === undefined || l.kind === 'note') return;
    const id = l.node;
    const log = logs.get(id)!;
    // Role and term as of this event: its state if logged, else its own change, else the last known.
    if (l.kind === 'role') role.set(id, l.role);
    if (l.kind === 'term') termOf.set(id, l.term);
    if (l.kind === 'restart') role.set(id, 'follower');
    if (l.kind !== 'receive' && l.state?.role !== undefined) role.set(id, l.state.role);
    if (l.kind !== 'receive' && l.state?.term !== undefined) termOf.set(id, l.state.term);
    if (l.kind === 'append') {
      const leads = role.get(id) === 'leader';
      const term = termOf.get(id);
      l.entries.forEach((entry, k) => {
        const index = l.index + k;
        if (log[index - 1] && same(log[index - 1]!, entry)) return;
        log.length = index - 1;
        if (leads && entry.command.type === 'config' && entry.term === term) {
          const c = commit.get(id)!;
          if (configs(log).some((x) => x.index > c)) found.push({ rule: 'membership.one-change', line });
          else if (!log.slice(0, c).some((e) => e.term === term)) found.push({ rule: 'membership.term-commit', line });
        }
        log.push(entry);
      });
    } else if (l.kind === 'truncate') log.length = l.fromIndex - 1;
    else if (l.kind === 'restart') logs.set(id, [...(l.persisted?.log ?? [])]);
    else if (l.kind === 'commit') commit.set(id, l.commitIndex);
    else if (l.kind === 'config') {
      const want = configs(log).at(-1) ?? initial;
      if (JSON.stringify(want) !== JSON.stringify({ index: l.index, voters: l.voters, learners: l.learners })) found.push({ rule: 'membership.in-effect', line });
    } else if (l.kind === 'role' && l.role === 'leader') {
      const term = termOf.get(id)!;
      const config = configs(log).at(-1) ?? initial;
      const voters = new Set<string>();
      for (const x of lines.slice(0, i)) {
        if (x.kind === 'receive' && x.node === id && x.msg.type === 'RequestVoteResponse' && x.msg.voteGranted && x.msg.term === term && config.voters.includes(x.msg.from)) voters.add(x.msg.from);
      }
      if (config.voters.includes(id)) voters.add(id);
      if (voters.size < Math.floor(config.voters.length / 2) + 1) found.push({ rule: 'membership.election-quorum', line });
    }
    if (l.state?.commitIndex !== undefined) commit.set(id, l.state.commitIndex);
  });
  return found;
}

function checker(lines: readonly TraceLine[]): Found[] {
  const v = new TraceValidation({ maxErrors: 10_000, enabled: new Set(RULES), allRules: true });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('trace', { lines: lines.length, bytes: 0 }).errors.map(({ rule, line }) => ({ rule, line }));
}

describe('membership rules against brute force', () => {
  const sources: Array<[string, NodeFactory]> = [
    ['the reference', createReferenceNode as NodeFactory],
    ['membership-change-before-term-commit', findMutant('membership-change-before-term-commit')!.createNode],
    ['membership-two-changes-at-once', findMutant('membership-two-changes-at-once')!.createNode],
  ];
  for (const [name, createNode] of sources) {
    it(`${name}: 40 swarm schedules, the same violations`, () => {
      const schedules = fc.sample(scheduleArbitrary('swarm', [3, 5], 2000, ['membership']), { seed: 1, numRuns: 40 });
      let violations = 0;
      for (const s of schedules) {
        // The whole run (the checker does not stop it: it runs with conformance and these rules off here).
        const r = runSchedule(s, createNode, { keepLines: true, liveness: false, skipRules: RULES.map((rule) => ({ rule, reason: 'compared separately' })).concat(['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'].map((rule) => ({ rule, reason: 'compared separately' }))) });
        const lines = r.lines;
        const expected = bruteForce(lines);
        violations += expected.length;
        expect(checker(lines)).toEqual(expected);
      }
      if (name === 'the reference') expect(violations).toBe(0);
      else expect(violations).toBeGreaterThan(0);
    });
  }
});

describe('membership rules against brute force, on the examples', () => {
  // Traces with feature config-on-apply, whose timing is another, have their own: config-on-apply-rules-differential.test.ts.
  const onApply = (file: string) => fs.readFileSync(file, 'utf8').split('\n', 1)[0]!.includes('"config-on-apply"');
  const files = ['traces/examples/valid/near-miss-membership-changes.jsonl', ...RULES.flatMap((r) => fs.readdirSync(`traces/examples/invalid/${r}`).map((f) => `traces/examples/invalid/${r}/${f}`))].filter((f) => !onApply(f));
  it.each(files)('%s: the same violations (one per invalid example, of its rule)', (file) => {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
    const expected = bruteForce(lines);
    expect(checker(lines)).toEqual(expected);
    const rule = file.split('/')[3]!;
    expect(expected.map((f) => f.rule)).toEqual(file.includes('/valid/') ? [] : [rule]);
  });
});

