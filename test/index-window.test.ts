import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexWindow } from '../harness/checker/conformance/index-window.js';

/** The Map it replaces: set, get, and delete every key from the floor up to a key. */
class Model {
  readonly map = new Map<number, number>();
  floor = 1;
  dropThrough(key: number): void {
    while (this.floor <= key) this.map.delete(this.floor++);
  }
}

describe('IndexWindow', () => {
  // Keys come in increasing order, at or above the floor: the reference applies each index once,
  // in order, until a restart (clear), and a node's apply drops only indexes it has applied.
  it('answers as a Map whose keys are dropped from the floor, over increasing keys and restarts', () => {
    const op = fc.oneof(
      fc.record({ type: fc.constant('set' as const), gap: fc.nat(3) }),
      fc.record({ type: fc.constant('burst' as const), count: fc.integer({ min: 1, max: 1500 }) }),
      fc.record({ type: fc.constant('drop' as const), ahead: fc.integer({ min: -2, max: 40 }) }),
      fc.constant({ type: 'clear' as const }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60, size: 'max' }), (ops) => {
      const w = new IndexWindow<number>();
      let m = new Model();
      let next = 1;
      const check = () => {
        const step = Math.max(1, Math.floor((next - m.floor) / 50));
        for (let k = m.floor - 3; k < next + 3; k += step) expect(w.get(k)).toBe(m.map.get(k));
      };
      for (const o of ops) {
        next = Math.max(next, m.floor);
        if (o.type === 'set') {
          next += o.gap;
          w.set(next, next * 10);
          m.map.set(next, next * 10);
          next++;
        } else if (o.type === 'burst') {
          for (let i = 0; i < o.count; i++, next++) {
            w.set(next, next * 10);
            m.map.set(next, next * 10);
          }
        } else if (o.type === 'drop') {
          const key = m.floor + o.ahead;
          w.dropThrough(key);
          m.dropThrough(key);
        } else {
          w.clear();
          m = new Model();
          next = 1;
        }
        check();
      }
    }), { numRuns: 150 });
  });

  it('compacts after dropping most of a long run of keys, and keeps the rest', () => {
    const w = new IndexWindow<number>();
    for (let k = 1; k <= 5000; k++) w.set(k, k);
    for (let k = 1; k <= 3000; k++) w.dropThrough(k);
    w.set(5001, 5001);
    expect([w.get(1), w.get(3000), w.get(3001), w.get(5000), w.get(5001), w.get(5002)]).toEqual([undefined, undefined, 3001, 5000, 5001, undefined]);
    w.dropThrough(6000);
    expect(w.get(5001)).toBeUndefined();
  });

  it('a key below the window still goes in', () => {
    const w = new IndexWindow<string>();
    w.set(10, 'a');
    w.set(7, 'b');
    expect([w.get(7), w.get(8), w.get(10)]).toEqual(['b', undefined, 'a']);
  });
});
