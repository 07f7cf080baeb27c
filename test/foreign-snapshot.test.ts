/**
 * A foreign snapshot (feature snapshot): a restart from a snapshot whose term is above the term
 * the node restarts in (etcd's test bootstrap), whose prefix no node showed. The invariants take
 * it for one prefix on every node that restarts from it, so logs built on it are compared; a
 * snapshot that is not foreign and was never shown still leaves the node's log unknown.
 */
import { describe, expect, it } from 'vitest';
import { validateTraceText } from '../harness/validate/validate-file.js';
import { SKIPPABLE_RULE_IDS } from '../harness/checker/skip-rules.js';

const header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2'], producer: { name: 'test', version: '0' }, minor: 2, features: ['snapshot'] };
const invariantsOnly = new Set(SKIPPABLE_RULE_IDS.filter((r) => !r.startsWith('conformance.')));

/** Two nodes restart from a snapshot through 2 of term `snapTerm` in term `term`, then each appends an entry 3 of term 1 (n2's a `set`, n1's a `noop`). */
function trace(term: number, snapTerm: number): string {
  const restart = (node: string) => ({ kind: 'restart', node, seq: 0, time: 1, persisted: { term, votedFor: null, log: [], snapshot: { index: 2, term: snapTerm, value: null } } });
  const append = (node: string, command: object) => ({ kind: 'append', node, seq: 1, time: 2, index: 3, entries: [{ term: 1, command }] });
  return [header, restart('n1'), restart('n2'), append('n1', { type: 'noop' }), append('n2', { type: 'set', value: 7 })].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('a restart from a foreign snapshot', () => {
  it('builds one prefix on every node: two different entries 3 of term 1 on it break log-matching', () => {
    const report = validateTraceText('x', trace(0, 1), { enabled: invariantsOnly });
    expect(report.errors.map((e) => e.rule)).toEqual(['log-matching']);
  });
  it('the same entries on it: valid', () => {
    const same = trace(0, 1).replace('{"type":"set","value":7}', '{"type":"noop"}');
    expect(validateTraceText('x', same, { enabled: invariantsOnly }).valid).toBe(true);
  });
  it('a snapshot of the node\'s own term, never shown, leaves its log unknown: no comparison, no alarm', () => {
    expect(validateTraceText('x', trace(1, 1), { enabled: invariantsOnly }).valid).toBe(true);
  });
});
