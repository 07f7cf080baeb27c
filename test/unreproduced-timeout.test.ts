import { describe, expect, it } from 'vitest';
import { InputError } from '../harness/errors.js';
import { createReferenceNode } from '../src/raft/node.js';
import { shrinkRun } from '../harness/fuzz/run-range.js';

const SPEC = { seed: 4, nodes: [3], faults: 'mild' as const, durationMs: 500 };

describe('a failure that does not come back when the failing run is replayed', () => {
  it('after a reply timeout: the node was slow (a loaded machine), a usage-level message naming --reply-timeout, not an internal error', () => {
    // The reference passes run 10: as if its first attempt had timed out.
    expect(() => shrinkRun(SPEC, createReferenceNode, 10, { shrink: false, foundRule: 'driver.timeout' })).toThrow(InputError);
    expect(() => shrinkRun(SPEC, createReferenceNode, 10, { shrink: false, foundRule: 'adapter.timeout' })).toThrow(/failed with \[adapter\.timeout\] .* answered in time when replayed: .* raise --reply-timeout/);
  });

  it('after any other rule: the implementation is not deterministic (a bug to report)', () => {
    let error: unknown;
    try {
      shrinkRun(SPEC, createReferenceNode, 10, { shrink: false, foundRule: 'vote-once' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/run 10 of seed 4 failed once and passed when replayed: the implementation is not deterministic/);
  });
});
