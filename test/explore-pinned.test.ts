/**
 * `raftcheck explore`'s results pinned, and its fingerprints checked against the encoding they
 * stand for. The search was made faster (per-part fingerprints, copy-on-write checker memory,
 * shared snapshots): WHAT it explores and checks must not change. The numbers below are those
 * of the string-encoding search before that work (distinct states, states generated, depth,
 * states beyond the bounds, queue, the counterexample's steps), in every mode, with and
 * without symmetry, on the reference and on mutants; a change to any of them is a change of
 * the search, not of its speed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enabledActions } from '../harness/explore/actions.js';
import { buildModel } from '../harness/explore/build-model.js';
import { canonicalKey, identity, permutations, stateFingerprint } from '../harness/explore/encode.js';
import { Hash64 } from '../harness/explore/fingerprint.js';
import { DEFAULT_BOUNDS, type ExploreBounds, type ExploreModel, type ExploreState } from '../harness/explore/model.js';
import { MUTANT_BOUNDS } from '../harness/explore/mutant-bounds.js';
import { explore, Search, type SearchOptions, type SearchResult } from '../harness/explore/search.js';

const model = (impl: string, bounds: Partial<ExploreBounds>): ExploreModel => {
  const m = buildModel(impl, { ...DEFAULT_BOUNDS, ...bounds });
  if ('error' in m) throw new Error(m.error);
  return m;
};

const TINY: Partial<ExploreBounds> = { servers: 2, maxTerm: 1, maxLog: 1, maxMsgs: 2, maxCrashes: 0, maxClientOps: 1 };
const THREE: Partial<ExploreBounds> = { servers: 3, maxTerm: 1, maxLog: 0, maxMsgs: 2, maxCrashes: 0, maxClientOps: 0 };
const ANCHOR: Partial<ExploreBounds> = { servers: 3, maxTerm: 3, maxLog: 2, maxMsgs: 3, maxCrashes: 0, maxClientOps: 2 };

const CASES: Record<string, [impl: string, bounds: Partial<ExploreBounds>, options: SearchOptions]> = {
  'ref-tiny-sym': ['reference', TINY, { symmetry: true }],
  'ref-3-sym': ['reference', THREE, { symmetry: true }],
  'ref-3-dfs-sym': ['reference', THREE, { mode: 'dfs', maxDepth: 10, symmetry: true }],
  'anchor-2000': ['reference', ANCHOR, { maxStates: 2000 }],
  'anchor-2000-sym': ['reference', ANCHOR, { maxStates: 2000, symmetry: true }],
  'mutant-keep-vote-on-new-term': ['mutant:keep-vote-on-new-term', MUTANT_BOUNDS['keep-vote-on-new-term']!, {}],
  'mutant-accept-stale-append': ['mutant:accept-stale-append', MUTANT_BOUNDS['accept-stale-append']!, {}],
  'mutant-count-old-votes': ['mutant:count-old-votes', MUTANT_BOUNDS['count-old-votes']!, {}],
  'mutant-forget-vote-on-restart': ['mutant:forget-vote-on-restart', MUTANT_BOUNDS['forget-vote-on-restart']!, {}],
  'mutant-forget-log-on-restart': ['mutant:forget-log-on-restart', MUTANT_BOUNDS['forget-log-on-restart']!, {}],
  'mutant-apply-before-commit': ['mutant:apply-before-commit', MUTANT_BOUNDS['apply-before-commit']!, {}],
  'mutant-truncate-on-match': ['mutant:truncate-on-match', MUTANT_BOUNDS['truncate-on-match']!, {}],
  'mutant-vote-twice-iddfs': ['mutant:vote-twice', MUTANT_BOUNDS['vote-twice']!, { mode: 'iddfs', maxDepth: 12 }],
};

// What the string-encoding search found (before the speed work), case by case.
const PINNED: Record<string, unknown> = {
  'ref-tiny-sym': {"outcome": "exhausted", "distinct": 852, "generated": 1839, "depth": 15, "beyond": 515, "queue": 0},
  'ref-3-sym': {"outcome": "exhausted", "distinct": 757, "generated": 1261, "depth": 14, "beyond": 539, "queue": 0},
  'ref-3-dfs-sym': {"outcome": "bounded", "stoppedBy": "max-depth", "distinct": 629, "generated": 1149, "depth": 10, "beyond": 435, "queue": 0},
  'anchor-2000': {"outcome": "bounded", "stoppedBy": "max-states", "distinct": 2005, "generated": 4714, "depth": 5, "beyond": 766, "queue": 877},
  'anchor-2000-sym': {"outcome": "bounded", "stoppedBy": "max-states", "distinct": 2000, "generated": 4841, "depth": 7, "beyond": 914, "queue": 715},
  'mutant-keep-vote-on-new-term': {"outcome": "violation", "distinct": 65, "generated": 127, "depth": 4, "beyond": 10, "queue": 37, "rule": "conformance.state", "line": 16, "steps": ["n1 election timeout", "n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "deliver RequestVote n1→n2 (term 2)"]},
  'mutant-accept-stale-append': {"outcome": "violation", "distinct": 306, "generated": 652, "depth": 5, "beyond": 94, "queue": 124, "rule": "conformance.unexpected", "line": 20, "steps": ["n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "n2 election timeout", "deliver RequestVoteResponse n2→n1 (term 1)", "deliver AppendEntries n1→n2 (term 1)"]},
  'mutant-count-old-votes': {"outcome": "violation", "distinct": 74, "generated": 159, "depth": 4, "beyond": 10, "queue": 41, "rule": "conformance.unexpected", "line": 16, "steps": ["n1 election timeout", "n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "deliver RequestVoteResponse n2→n1 (term 1)"]},
  'mutant-forget-vote-on-restart': {"outcome": "violation", "distinct": 42, "generated": 66, "depth": 3, "beyond": 7, "queue": 26, "rule": "conformance.state", "line": 8, "steps": ["n1 election timeout", "crash n1", "restart n1"]},
  'mutant-forget-log-on-restart': {"outcome": "violation", "distinct": 397, "generated": 773, "depth": 6, "beyond": 154, "queue": 101, "rule": "conformance.state", "line": 17, "steps": ["n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "deliver RequestVoteResponse n2→n1 (term 1)", "client c1 set 1 at n1", "crash n1", "restart n1"]},
  'mutant-apply-before-commit': {"outcome": "violation", "distinct": 583, "generated": 1158, "depth": 7, "beyond": 250, "queue": 110, "rule": "conformance.unexpected", "line": 23, "steps": ["n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "deliver RequestVoteResponse n2→n1 (term 1)", "deliver AppendEntries n1→n2 (term 1)", "client c1 set 1 at n1", "deliver AppendEntriesResponse n2→n1 (term 1)", "deliver AppendEntries n1→n2 (term 1)"]},
  'mutant-truncate-on-match': {"outcome": "violation", "distinct": 1102, "generated": 2223, "depth": 10, "beyond": 560, "queue": 55, "rule": "conformance.unexpected", "line": 27, "steps": ["n1 election timeout", "deliver RequestVote n1→n2 (term 1)", "deliver RequestVoteResponse n2→n1 (term 1)", "deliver AppendEntries n1→n2 (term 1)", "client c1 set 1 at n1", "deliver AppendEntriesResponse n2→n1 (term 1)", "deliver AppendEntries n1→n2 (term 1)", "drop AppendEntriesResponse n2→n1 (term 1)", "n1 heartbeat timeout", "deliver AppendEntries n1→n2 (term 1)"]},
  'mutant-vote-twice-iddfs': {"outcome": "violation", "distinct": 90, "generated": 459, "depth": 5, "beyond": 229, "queue": 6, "rule": "vote-once", "line": 17, "steps": ["n1 election timeout", "drop RequestVote n1→n2 (term 1)", "drop RequestVote n1→n3 (term 1)", "n2 election timeout", "deliver RequestVote n2→n1 (term 1)"]},
};

const summary = (r: SearchResult) => ({
  outcome: r.outcome, ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
  distinct: r.stats.distinct, generated: r.stats.generated, depth: r.stats.depth, beyond: r.stats.beyondBounds, queue: r.stats.queue,
  ...(r.violation ? { rule: r.violation.rule, line: r.violation.line, steps: r.violation.steps } : {}),
});

describe('raftcheck explore: pinned results', () => {
  for (const [name, [impl, bounds, options]] of Object.entries(CASES)) {
    it(`${name}: the same counts and counterexample as the string-encoding search`, () => {
      expect(summary(explore(model(impl, bounds), options))).toEqual(PINNED[name]);
    });
  }
});

/**
 * The states along random walks from the initial state (any enabled action; the walks revisit
 * states by other paths), each fingerprinted as it is made, before its successors, as the
 * search does (the parts' caches fill in that order).
 */
function walkStates(m: ExploreModel, search: Search, walks: readonly number[][]): ExploreState[] {
  const states: ExploreState[] = [];
  for (const walk of walks) {
    let s = search.initial();
    search.fingerprintOf(s);
    states.push(s);
    for (const choice of walk) {
      const actions = enabledActions(m, s);
      if (actions.length === 0) break;
      s = search.successor(s, actions[choice % actions.length]!, () => []).next;
      search.fingerprintOf(s);
      states.push(s);
    }
  }
  return states;
}

/** Equal encodings <=> equal fingerprints over `states` (a collision of 64-bit fingerprints among a few thousand states: odds ~1e-13). */
function expectSameClasses(states: readonly ExploreState[], key: (s: ExploreState) => string, fp: (s: ExploreState) => string): { keys: number } {
  const fpOfKey = new Map<string, string>();
  const keyOfFp = new Map<string, string>();
  for (const s of states) {
    const k = key(s);
    const f = fp(s);
    expect(fpOfKey.get(k) ?? f).toBe(f);
    expect(keyOfFp.get(f) ?? k).toBe(k);
    fpOfKey.set(k, f);
    keyOfFp.set(f, k);
  }
  return { keys: fpOfKey.size };
}

describe('raftcheck explore: copy-on-write checker memory', () => {
  it('every successor of a state leaves the state\'s memory as it was, and its cached key is the key written afresh', () => {
    const m = model('reference', { ...ANCHOR, maxCrashes: 1 });
    const search = new Search(m, {});
    const key = (s: ExploreState) => s.history.historyKey(m.ids, (id) => id);
    let frontier = [search.initial()];
    let checked = 0;
    // Breadth-first a few levels: each parent's key before and after all its children are made.
    for (let depth = 0; depth < 6; depth++) {
      const next: ExploreState[] = [];
      for (const parent of frontier.slice(0, 40)) {
        const before = key(parent);
        for (const a of enabledActions(m, parent)) {
          const child = search.successor(parent, a, () => []).next;
          // The cached key (parts reused) is the key written afresh.
          expect(child.history.historyKey(m.ids, (id) => id, true)).toBe(key(child));
          next.push(child);
        }
        expect(key(parent)).toBe(before);
        expect(parent.history.historyKey(m.ids, (id) => id, true)).toBe(before);
        checked++;
      }
      frontier = next;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('raftcheck explore: fingerprints against the canonical encoding (differential)', () => {
  const walks = fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 14 }), { minLength: 10, maxLength: 30 });

  for (const symmetry of [false, true]) {
    it(`equal states have equal fingerprints and unequal ones unequal${symmetry ? ', up to permutations of the servers (--symmetry)' : ''}`, () => {
      const m = model('reference', { ...ANCHOR, maxCrashes: 1 });
      const perms = symmetry ? permutations(m.ids) : null;
      const fpPerms = perms ?? [identity(m.ids)];
      const hash = new Hash64();
      let revisits = 0;
      fc.assert(fc.property(walks, (w) => {
        const search = new Search(m, { symmetry });
        const states = walkStates(m, search, w);
        const { keys } = expectSameClasses(states, (s) => canonicalKey(s, m.ids, perms), (s) => {
          // The search's fingerprint (parts cached along the walk); the same computed again.
          const { hi, lo } = search.fingerprintOf(s);
          expect(stateFingerprint(s, m.ids, fpPerms, hash)).toEqual({ hi, lo });
          return `${hi}:${lo}`;
        });
        revisits += states.length - keys;
      }), { seed: symmetry ? 22 : 17, numRuns: 25 });
      // Not vacuous: walks met states again by other paths (and, with symmetry, permuted ones).
      expect(revisits).toBeGreaterThan(100);
    });
  }

  it('a state permuted has the fingerprint of the original with symmetry, and (almost always) another without', () => {
    const m = model('reference', THREE);
    const search = new Search(m, { symmetry: true });
    const plain = new Search(m, {});
    // n1 times out, or n2 does: one state up to the renaming n1 <-> n2.
    const after = (node: number) => search.successor(search.initial(), enabledActions(m, search.initial()).find((a) => a.type === 'timeout' && a.node === node)!, () => []).next;
    expect(search.fingerprintOf(after(0))).toEqual(search.fingerprintOf(after(1)));
    expect(plain.fingerprintOf(after(0))).not.toEqual(plain.fingerprintOf(after(1)));
  });
});
