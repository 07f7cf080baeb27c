/**
 * etcd-io/raft's interaction-test transcripts (traces/external/etcd-raft/interaction-testdata,
 * Apache-2.0) imported with `--format etcd-testdata`: the verdict, the number of events and of
 * commands run with their output hidden, and what is not modelled, pinned for every file; the
 * import's structure; and edits to a transcript that a checked rule must catch.
 */
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { EtcdTestdataFormatError, importEtcdTestdata } from '../harness/importers/etcd-testdata.js';
import { validateText } from '../harness/validate/validate-input.js';
import type { FileReport } from '../harness/validate/validate-file.js';
import { SKIPPABLE_RULE_IDS } from '../harness/checker/skip-rules.js';
import { buildTraceJsonSchema } from '../src/trace/json-schema.js';
import type { TraceEvent } from '../src/trace/schema.js';
import { transcriptTable } from '../tools/etcd-testdata-table.js';
import { cli } from './helpers/cli.js';

const DIR = 'traces/external/etcd-raft/interaction-testdata';
const read = (file: string): string => fs.readFileSync(`${DIR}/${file}`, 'utf8');

/**
 * file, verdict (every rule on, conformance included: its header skips conformance only where a
 * `conformance (...)` kind says why), events, hidden commands, not modelled.
 */
const EXPECTED: Array<[string, string, number, number, Record<string, number>]> = [
  ['async_storage_writes.txt', 'valid', 253, 0, {"configuration change":3,"storage message":108,"self-addressed message":12,"conformance (asynchronous storage writes)":1}],
  ['async_storage_writes_append_aba_race.txt', 'valid', 145, 3, {"hidden steps":7,"storage message":23,"self-addressed message":4,"conformance (asynchronous storage writes)":1}],
  ['campaign.txt', 'valid', 45, 0, {"configuration change":3}],
  ['campaign_learner_must_vote.txt', 'valid', 38, 6, {"hidden steps":2}],
  ['checkquorum.txt', 'valid', 94, 3, {"hidden steps":3}],
  ['confchange_disable_validation.txt', 'valid', 18, 1, {"configuration change":3,"hidden steps":1,"conformance (joint consensus)":1}],
  ['confchange_v1_add_single.txt', 'valid', 23, 0, {"configuration change":2,"MsgSnap":2,"conformance (voter added in one step)":1}],
  ['confchange_v1_remove_leader.txt', 'valid', 87, 3, {"hidden steps":3}],
  ['confchange_v1_remove_leader_stepdown.txt', 'valid', 69, 3, {"hidden steps":3}],
  ['confchange_v2_add_double_auto.txt', 'valid', 137, 0, {"configuration change":14,"MsgSnap":4,"conformance (joint consensus)":1}],
  ['confchange_v2_add_double_implicit.txt', 'valid', 37, 0, {"configuration change":6,"MsgSnap":2,"conformance (joint consensus)":1}],
  ['confchange_v2_add_single_auto.txt', 'valid', 23, 0, {"configuration change":2,"MsgSnap":2,"conformance (voter added in one step)":1}],
  ['confchange_v2_add_single_explicit.txt', 'valid', 59, 0, {"configuration change":6,"MsgSnap":2,"conformance (joint consensus)":1}],
  ['confchange_v2_replace_leader.txt', 'valid', 148, 3, {"hidden steps":4,"configuration change":9,"MsgSnap":2,"snapshot":2,"leader transfer":1,"MsgTimeoutNow":2,"conformance (joint consensus)":1}],
  ['confchange_v2_replace_leader_stepdown.txt', 'valid', 79, 5, {"hidden steps":12,"configuration change":5,"MsgProp":2,"conformance (joint consensus)":1}],
  ['forget_leader.txt', 'valid', 60, 5, {"hidden steps":12,"forget leader":3}],
  ['forget_leader_prevote_checkquorum.txt', 'valid', 68, 5, {"hidden steps":9,"forget leader":2,"conformance (pre-vote lease in ticks)":1}],
  ['forget_leader_read_only_lease_based.txt', 'valid', 10, 3, {"hidden steps":3}],
  ['heartbeat_resp_recovers_from_probing.txt', 'valid', 20, 3, {"hidden steps":3}],
  ['lagging_commit.txt', 'valid', 49, 6, {"hidden steps":3,"unmatched receive":4}],
  ['prevote.txt', 'valid', 94, 3, {"hidden steps":3,"conformance (pre-vote lease in ticks)":1}],
  ['prevote_checkquorum.txt', 'valid', 112, 3, {"hidden steps":3,"conformance (pre-vote lease in ticks)":1}],
  ['probe_and_replicate.txt', 'valid', 144, 55, {"hidden steps":7}],
  ['replicate_pause.txt', 'valid', 19, 10, {"hidden steps":3}],
  ['single_node.txt', 'valid', 9, 0, {"configuration change":1}],
  ['slow_follower_after_compaction.txt', 'unconstrained', 1, 13, {"log compaction":1}],
  ['snapshot_succeed_via_app_resp.txt', 'valid', 24, 5, {"hidden steps":3,"configuration change":2,"MsgSnap":2,"snapshot":2}],
  ['snapshot_succeed_via_app_resp_behind.txt', 'valid', 28, 8, {"hidden steps":5,"unmatched receive":1,"MsgSnap":2,"configuration change":1,"snapshot":2}],
];

function verdict(file: string, text: string, enabled?: ReadonlySet<string>): { verdict: string; events: number; notModelled: Record<string, number> } {
  const report = validateText(file, text, 'etcd-testdata', enabled ? { enabled } : {}) as FileReport & { notModelled?: Record<string, number> };
  const rules = report.errors.map((e) => e.rule);
  const v = report.valid ? 'valid' : rules.join(',') === 'unconstrained' ? 'unconstrained' : `invalid:${rules.join(',')}`;
  return { verdict: v, events: report.events, notModelled: report.notModelled ?? {} };
}

describe('etcd interaction transcripts (--format etcd-testdata)', () => {
  it('ships every transcript it pins, and pins every transcript it ships', () => {
    expect(fs.readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()).toEqual(EXPECTED.map((e) => e[0]).sort());
  });

  it.each(EXPECTED)('%s: %s, %i events, %i hidden commands', (file, expected, events, hidden, notModelled) => {
    const text = read(file);
    const r = verdict(file, text);
    expect(r.verdict).toBe(expected);
    expect(r.events).toBe(events);
    expect(r.notModelled).toEqual(notModelled);
    expect(importEtcdTestdata(text).hiddenCommands).toBe(hidden);
  });

  it('writes schema-valid lines, every receive after its send, sequence numbers increasing per node', () => {
    const ajv = new Ajv2020.default({ discriminator: true, strict: true });
    const validate = ajv.compile(buildTraceJsonSchema());
    for (const [file] of EXPECTED) {
      const { lines } = importEtcdTestdata(read(file));
      const bad = lines.map((l, i) => (validate(l) ? null : `${file}:${i}: ${ajv.errorsText(validate.errors)}`)).filter(Boolean);
      expect(bad).toEqual([]);
      const sent = new Set<string>();
      const seq = new Map<string, number>();
      for (const l of lines.slice(1) as TraceEvent[]) {
        if (l.kind === 'send') sent.add(l.msg.id);
        if (l.kind === 'receive') expect(sent.has(l.msg.id)).toBe(true);
        if ('node' in l && l.node !== undefined && l.seq !== undefined) {
          expect(l.seq).toBeGreaterThan(seq.get(l.node) ?? -1);
          seq.set(l.node, l.seq);
        }
      }
    }
  });

  it('docs/ETCD.md holds the transcript table as tools/etcd-testdata-table.ts generates it (no count typed by hand)', () => {
    expect(fs.readFileSync('docs/ETCD.md', 'utf8')).toContain(transcriptTable());
  });

  it('maps MsgHeartbeat(Resp) to feature heartbeat\'s Heartbeat(Response), with the commit it carries, and declares the feature (revision 1.4)', () => {
    const { lines, notModelled } = importEtcdTestdata(read('checkquorum.txt'));
    expect(lines[0]).toMatchObject({ kind: 'header', minor: 4, features: ['heartbeat'] });
    const beats = lines.flatMap((l) => (l.kind === 'send' && l.msg.type === 'Heartbeat' ? [l.msg] : []));
    expect(beats.length).toBe(10);
    expect(beats[0]).toMatchObject({ from: '1', to: '2', term: 1, commit: 11 });
    expect(lines.filter((l) => l.kind === 'send' && l.msg.type === 'HeartbeatResponse').length).toBe(5);
    expect(notModelled).toEqual({ 'hidden steps': 3 });
    // A transcript without heartbeats declares none: campaign.txt only snapshot, for its bootstrap.
    expect(importEtcdTestdata(read('campaign.txt')).lines[0]).toMatchObject({ minor: 2, features: ['snapshot'] });
  });

  it('reads the election of campaign.txt step by step: timeout, term, candidate, votes, leader, the empty entry, its commit', () => {
    const events = importEtcdTestdata(read('campaign.txt')).lines.slice(1) as TraceEvent[];
    const brief = events.filter((e) => e.kind !== 'note' && e.kind !== 'send' && e.kind !== 'receive').map((e) => `${'node' in e ? e.node : ''}:${e.kind}:${JSON.stringify({ ...e, kind: undefined, node: undefined, seq: undefined, time: undefined, state: undefined })}`);
    // Bootstrapped from storage (a restart from the bootstrap snapshot at index 2, term 1, committed there), then the election in the reference's order.
    expect(brief.slice(0, 3)).toEqual(['1', '2', '3'].map((n) => `${n}:restart:{"persisted":{"term":0,"votedFor":null,"log":[],"snapshot":{"index":2,"term":1,"value":null}}}`));
    expect(events[3]).toMatchObject({ kind: 'restart', state: { term: 0, commitIndex: 2, lastLogIndex: 2, lastLogTerm: 1, snapshotIndex: 2, snapshotTerm: 1 } });
    expect(brief.slice(3, 11)).toEqual([
      '1:timeout:{"timer":"election"}', '1:role:{"role":"candidate"}', '1:term:{"term":1}', '1:vote:{"votedFor":"1"}',
      '2:term:{"term":1}', '2:vote:{"votedFor":"1"}', '3:term:{"term":1}', '3:vote:{"votedFor":"1"}',
    ]);
    expect(brief).toContain('1:role:{"role":"leader"}');
    expect(brief.filter((b) => b.endsWith(':commit:{"commitIndex":3}')).length).toBe(3);
    expect(events.filter((e) => e.kind === 'send').length).toBe(12);
  });

  it('imports a proposal as a set of its data by client etcd, which conformance takes as a client request the leader was not seen to receive', () => {
    // campaign.txt, then one proposal replicated and committed, printed as etcd prints it (cf. confchange_v1_remove_leader.txt).
    const resp = (n: string, i: number) => `  ${n}->1 MsgAppResp Term:1 Log:0/${i}`;
    const app = (n: string, log: string, commit: number, entries = '') => `1->${n} MsgApp Term:1 Log:${log} Commit:${commit}${entries}`;
    const prop = ' Entries:[1/4 EntryNormal "prop_1"]';
    const text = `${read('campaign.txt')}
propose 1 prop_1
----
ok

stabilize
----
> 1 handling Ready
  Ready MustSync=true:
  Entries:
  1/4 EntryNormal "prop_1"
  Messages:
  ${app('2', '1/3', 3, prop)}
  ${app('3', '1/3', 3, prop)}
> 2 receiving messages
  ${app('2', '1/3', 3, prop)}
> 3 receiving messages
  ${app('3', '1/3', 3, prop)}
${['2', '3'].map((n) => `> ${n} handling Ready\n  Ready MustSync=true:\n  Entries:\n  1/4 EntryNormal "prop_1"\n  Messages:\n${resp(n, 4)}`).join('\n')}
> 1 receiving messages
${resp('2', 4)}
${resp('3', 4)}
> 1 handling Ready
  Ready MustSync=false:
  HardState Term:1 Vote:1 Commit:4
  CommittedEntries:
  1/4 EntryNormal "prop_1"
  Messages:
  ${app('2', '1/4', 4)}
  ${app('3', '1/4', 4)}
> 2 receiving messages
  ${app('2', '1/4', 4)}
> 3 receiving messages
  ${app('3', '1/4', 4)}
${['2', '3'].map((n) => `> ${n} handling Ready\n  Ready MustSync=false:\n  HardState Term:1 Vote:1 Commit:4\n  CommittedEntries:\n  1/4 EntryNormal "prop_1"\n  Messages:\n${resp(n, 4)}`).join('\n')}
> 1 receiving messages
${resp('2', 4)}
${resp('3', 4)}
`;
    const { lines } = importEtcdTestdata(text);
    const appends = lines.flatMap((l) => (l.kind === 'append' && l.index === 4 ? [`${l.node}:${JSON.stringify(l.entries)}`] : []));
    expect(appends).toEqual(['1', '2', '3'].map((n) => `${n}:[{"term":1,"command":{"type":"set","value":"prop_1","client":"etcd","requestId":1}}]`));
    expect(lines.filter((l) => l.kind === 'commit' && l.commitIndex === 4).length).toBe(3);
    // Conformance on (no skip), every node followed: valid. As a noop, the entry would be a second no-op (conformance.unexpected).
    expect(lines[0]).not.toHaveProperty('skipRules');
    expect(verdict('x', text).verdict).toBe('valid');
  });

  it('imports a restored snapshot as install_snapshot (etcd\'s restore discards the whole log), committed at its index', () => {
    const { lines } = importEtcdTestdata(read('confchange_v1_add_single.txt'));
    const installs = lines.filter((l) => l.kind === 'install_snapshot');
    expect(installs).toMatchObject([{ node: '2', index: 4, term: 1, value: null, logKept: false, state: { commitIndex: 4, lastLogIndex: 4, snapshotIndex: 4, snapshotTerm: 1 } }]);
    expect(lines.some((l) => l.kind === 'append' && l.node === '2' && l.index <= 4)).toBe(false);
  });

  it('maps single-server changes to feature config-on-apply: the proposal is a reconfigure, the entry the configuration it makes, the switch a config after commit', () => {
    const { lines } = importEtcdTestdata(read('confchange_v1_remove_leader_stepdown.txt'));
    expect(lines[0]).toMatchObject({ minor: 6, features: ['membership', 'config-on-apply'], params: { voters: ['1', '2', '3'], learners: [] } });
    const asked = lines.findIndex((l) => l.kind === 'reconfigure');
    expect(lines[asked]).toMatchObject({ node: '1', change: 'remove', server: '1' });
    expect(lines[asked + 1]).toMatchObject({ kind: 'append', node: '1', index: 4, entries: [{ term: 1, command: { type: 'config', voters: ['2', '3'], learners: [] } }] });
    const switches = lines.filter((l) => l.kind === 'config');
    expect(switches.map((l) => l.node).sort()).toEqual(['1', '2', '3']);
    for (const c of switches) expect(c).toMatchObject({ index: 4, voters: ['2', '3'], learners: [], state: { commitIndex: 5 } });
    // Joint consensus stays out of reach, with its reason; a voter added in one step is no step of the reference.
    expect(importEtcdTestdata(read('confchange_v2_add_double_auto.txt')).notModelled).toMatchObject({ 'conformance (joint consensus)': 1 });
    expect(importEtcdTestdata(read('confchange_v2_add_double_auto.txt')).lines[0]).not.toHaveProperty('params');
    const addSingle = importEtcdTestdata(read('confchange_v1_add_single.txt'));
    expect(addSingle.lines[0]).toMatchObject({ features: ['snapshot', 'membership', 'config-on-apply'], skipRules: expect.arrayContaining([{ rule: 'conformance.unexpected', reason: expect.stringContaining('adds a server as a voter in one step') }]) });
    expect(addSingle.lines.find((l) => l.kind === 'install_snapshot')).toMatchObject({ config: { index: 4, voters: ['1', '2'], learners: [] } });
  });

  describe('edits that a checked rule catches', () => {
    it('a follower that switches to the removal when it appends it, before it commits: config-on-apply.in-effect', () => {
      const original = read('confchange_v1_remove_leader_stepdown.txt');
      const text = original.replace('  Entries:\n  1/4 EntryConfChange r1\n  1/5 EntryNormal "foo"\n  Messages:\n  2->1 MsgAppResp Term:1 Log:0/4\n', '  Entries:\n  1/4 EntryConfChange r1\n  1/5 EntryNormal "foo"\n  INFO 2 switched to configuration voters=(2 3)\n  Messages:\n  2->1 MsgAppResp Term:1 Log:0/4\n');
      expect(text).not.toBe(original);
      expect(verdict('x', original).verdict).toBe('valid');
      expect(verdict('x', text).verdict).toMatch(/^invalid:config-on-apply\.in-effect/);
    });
    it('a second leader in term 1: election-safety (and conformance: node 3 became leader unelected)', () => {
      const text = read('campaign.txt').replace('  INFO 1 became leader at term 1\n', '  INFO 1 became leader at term 1\n  INFO 3 became leader at term 1\n');
      expect(verdict('x', text).verdict).toBe('invalid:election-safety,conformance.unexpected,conformance.state,conformance.unexpected');
    });
    it('a follower that commits entry 3 with another term: conformance first, state-machine-safety without it', () => {
      const original = read('campaign.txt');
      const text = original.replace('> 3 handling Ready\n  Ready MustSync=true:\n  Lead:1 State:StateFollower\n  Entries:\n  1/3 EntryNormal ""', '> 3 handling Ready\n  Ready MustSync=true:\n  Lead:1 State:StateFollower\n  Entries:\n  0/3 EntryNormal ""');
      expect(text).not.toBe(original);
      expect(verdict('x', text).verdict).toMatch(/^invalid:conformance\.unexpected.*,state-machine-safety/);
      // The invariants alone: the nodes' logs are built on one bootstrap snapshot, so they are compared.
      const invariantsOnly = new Set(SKIPPABLE_RULE_IDS.filter((r) => !r.startsWith('conformance.')));
      expect(verdict('x', text, invariantsOnly).verdict).toBe('invalid:state-machine-safety');
    });
    it('a leader that appends a second empty entry after its bootstrap snapshot: conformance.unexpected (one no-op per leadership)', () => {
      const original = read('single_node.txt');
      const text = original.replace('  Entries:\n  1/4 EntryNormal ""\n', '  Entries:\n  1/4 EntryNormal ""\n  1/5 EntryNormal ""\n');
      expect(text).not.toBe(original);
      expect(verdict('x', text).verdict).toMatch(/^invalid:conformance\.unexpected/);
    });
    it('after hidden steps, a raft-state listing with two leaders in term 1: election-safety', () => {
      const original = read('forget_leader_read_only_lease_based.txt');
      const text = original.replace('2: StateFollower (Voter) Term:1 Lead:1', '2: StateLeader (Voter) Term:1 Lead:2');
      expect(text).not.toBe(original);
      expect(verdict('x', text).verdict).toBe('invalid:election-safety');
    });
    it('a pre-candidate that campaigns after one of its two pre-vote grants is turned into a refusal: prevote.majority', () => {
      const original = read('prevote.txt');
      const text = original.replaceAll('1->2 MsgPreVoteResp Term:2 Log:0/0', '1->2 MsgPreVoteResp Term:1 Log:0/0 Rejected (Hint: 0)');
      expect(text).not.toBe(original);
      expect(verdict('x', text).verdict).toBe('invalid:prevote.majority');
    });
    it('a node that votes for two candidates in one term: vote-once', () => {
      const original = read('campaign.txt');
      const text = original.replace('  INFO 3 [logterm: 1, index: 2, vote: 0] cast MsgVote for 1 [logterm: 1, index: 2] at term 1\n', '  INFO 3 [logterm: 1, index: 2, vote: 0] cast MsgVote for 1 [logterm: 1, index: 2] at term 1\n  INFO 3 [logterm: 1, index: 2, vote: 0] cast MsgVote for 2 [logterm: 1, index: 2] at term 1\n');
      expect(text).not.toBe(original);
      expect(verdict('x', text).verdict).toMatch(/^invalid:vote-once/);
    });
  });

  it('reports malformed input with its line: a command without ----, an append past the end of a log', () => {
    expect(() => importEtcdTestdata('campaign 1\n')).toThrow(EtcdTestdataFormatError);
    expect(() => importEtcdTestdata('\n# only a comment\n')).toThrow(/no commands/);
    const gap = 'add-nodes 1 voters=(1) index=0\n----\nINFO newRaft 1 [peers: [1], term: 0, commit: 0, applied: 0, lastindex: 0, lastterm: 0]\n\nprocess-ready 1\n----\nReady MustSync=true:\nEntries:\n1/5 EntryNormal ""\n';
    try {
      importEtcdTestdata(gap);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EtcdTestdataFormatError);
      expect((error as EtcdTestdataFormatError).line).toBe(9);
    }
  });

  it('raftcheck validate --format etcd-testdata: exit 0 on a transcript, 1 on an edited one, 1 with the line on bad input', async () => {
    const ok = await cli('validate', '--format', 'etcd-testdata', `${DIR}/campaign.txt`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/campaign\.txt: valid \(45 events; not modelled: 3 configuration change\)/);
    const dir = fs.mkdtempSync('/tmp/raftcheck-etcd-testdata-');
    fs.writeFileSync(`${dir}/bad.txt`, 'campaign 1\n');
    const bad = await cli('validate', '--format', 'etcd-testdata', `${dir}/bad.txt`);
    expect(bad.stdout + bad.stderr).toMatch(/bad\.txt:1: .*no "----" line/);
    expect(bad.code).not.toBe(0);
  });
});
