import { describe, expect, it } from 'vitest';
import { applyEdits, locate, matches } from './helpers/trace-edits.js';

const trace = [
  { kind: 'header', nodes: ['n1', 'n2'] },
  { kind: 'term', node: 'n1', seq: 0, time: 1, term: 1, state: { term: 1 } },
  { kind: 'term', node: 'n2', seq: 0, time: 2, term: 1 },
  { kind: 'vote', node: 'n1', seq: 1, time: 3, votedFor: 'n1' },
].map((l) => JSON.stringify(l));

describe('trace edits (the near-miss mutations)', () => {
  it('matches objects on the fields a pattern names, arrays and values exactly', () => {
    expect(matches({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
    expect(matches({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(matches({ a: null }, { a: undefined })).toBe(false);
    expect(() => locate(trace.map((l) => JSON.parse(l) as unknown), { kind: 'term' })).toThrow(/2 lines match/);
  });

  it('sets, removes and drops by pattern, keeping untouched lines byte for byte', () => {
    const text = trace.join('\n') + '\n';
    const edited = applyEdits(text, [
      { at: { kind: 'term', node: 'n1' }, set: { term: 2, 'state.term': 2 } },
      { at: { kind: 'term', node: 'n2' }, unset: ['term'] },
      { at: { kind: 'vote' }, drop: true },
    ]);
    const lines = edited.text.split('\n');
    expect(lines).toEqual([trace[0], JSON.stringify({ kind: 'term', node: 'n1', seq: 0, time: 1, term: 2, state: { term: 2 } }), JSON.stringify({ kind: 'term', node: 'n2', seq: 0, time: 2 }), '']);
    expect(edited.touched).toEqual([2, 3]);
  });

  it('inserts a node event after a line, renumbering that node alone, and keeps CRLF and a missing final newline', () => {
    const edited = applyEdits(trace.join('\r\n'), [{ after: { kind: 'term', node: 'n1' }, insert: { kind: 'role', role: 'candidate' } }]);
    const lines = edited.text.split('\r\n');
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[2]!)).toEqual({ kind: 'role', node: 'n1', seq: 1, time: 1, role: 'candidate' });
    expect(JSON.parse(lines[3]!)).toMatchObject({ node: 'n2', seq: 0 });
    expect(JSON.parse(lines[4]!)).toMatchObject({ kind: 'vote', seq: 2 });
    expect(edited.text.endsWith('}')).toBe(true);
    expect(edited.touched).toEqual([3]);
    expect(locate(edited.values, { kind: 'vote' })).toBe(5);
  });

  it('cuts a line short, and refuses a pattern that matches no line', () => {
    const edited = applyEdits(trace.join('\n'), [{ at: { kind: 'vote' }, cut: 1 }]);
    expect(edited.text.endsWith('"votedFor":"n1"')).toBe(true);
    expect(edited.values.at(-1)).toBeUndefined();
    expect(() => applyEdits(trace.join('\n'), [{ at: { kind: 'crash' }, drop: true }])).toThrow(/0 lines match/);
  });
});
