import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash, commandKey, sameCommand, sameEntries, sameEntry } from '../harness/checker/entry-hash.js';
import { NodeLog } from '../harness/checker/node-log.js';
import type { Command, Entry } from '../src/trace/schema.js';

// Small domains, so that equal commands built apart are frequent; keys in any order.
const value = fc.oneof(fc.constantFrom(1, 2, -0, 0), fc.constantFrom('1', '2', 'a|b'));
const origin = fc.record({ client: fc.constantFrom('c1', 'c2', 'c1|2'), requestId: fc.constantFrom(1, 2, 12) }, { requiredKeys: [] });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(value, origin).map(([v, o]): Command => ({ ...o, value: v, type: 'set' })),
  origin.map((o): Command => ({ type: 'get', ...o })),
  fc.tuple(fc.option(value, { nil: null }), value, origin).map(([e, v, o]): Command => ({ value: v, type: 'cas', expected: e, ...o })),
  fc.constant<Command>({ type: 'noop' }),
);
const entry: fc.Arbitrary<Entry> = fc.record({ term: fc.constantFrom(1, 2), command });

describe('entry comparison and hashing', () => {
  it('sameCommand is equality of commandKey, without building keys', () => {
    fc.assert(fc.property(command, command, (a, b) => {
      expect(sameCommand(a, b)).toBe(commandKey(a) === commandKey(b));
    }), { numRuns: 3000 });
  });

  it('sameEntry and sameEntries compare terms and commands', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 3 }), fc.array(entry, { maxLength: 3 }), (a, b) => {
      const byKey = a.length === b.length && a.every((x, i) => x.term === b[i]!.term && commandKey(x.command) === commandKey(b[i]!.command));
      expect(sameEntries(a, b)).toBe(byKey);
      if (a.length > 0 && b.length > 0) expect(sameEntry(a[0]!, b[0]!)).toBe(a[0]!.term === b[0]!.term && commandKey(a[0]!.command) === commandKey(b[0]!.command));
    }), { numRuns: 3000 });
  });

  it('chainHash: equal prefixes hash alike, and these different ones differ', () => {
    const hash = (log: readonly Entry[]) => log.reduce((h, e) => chainHash(h, e), 0);
    fc.assert(fc.property(fc.array(entry, { maxLength: 4 }), fc.array(entry, { maxLength: 4 }), (a, b) => {
      const equal = sameEntries(a, b);
      // Different logs of this small domain never collide (a collision would be a 2^-52 event).
      expect(hash(a) === hash(b)).toBe(equal);
    }), { numRuns: 5000 });
    expect(chainHash(0, { term: 1, command: { type: 'set', value: 1 } })).not.toBe(chainHash(0, { term: 1, command: { type: 'set', value: '1' } }));
    expect(chainHash(0, { term: 1, command: { type: 'set', value: 0 } })).toBe(chainHash(0, { term: 1, command: { type: 'set', value: -0 } }));
    expect(Number.isSafeInteger(chainHash(2 ** 52 - 1, { term: 2 ** 53 - 1, command: { type: 'noop' } }))).toBe(true);
  });
});

describe('NodeLog.like', () => {
  it('builds the same log and prefix hashes as replace, whatever log it takes hashes from', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 6 }), fc.array(entry, { maxLength: 6 }), fc.nat(6), (before, after, keep) => {
      const recovered = [...before.slice(0, keep), ...after]; // often a prefix of the old log, then new entries
      const old = new NodeLog();
      old.replace(before);
      const fresh = new NodeLog();
      fresh.replace(recovered);
      const like = NodeLog.like(old, recovered);
      expect(like.lastIndex).toBe(fresh.lastIndex);
      for (let i = 0; i <= fresh.lastIndex; i++) {
        expect(like.prefixHash(i)).toBe(fresh.prefixHash(i));
        expect(like.entry(i)).toBe(fresh.entry(i));
      }
    }), { numRuns: 2000 });
  });
});
