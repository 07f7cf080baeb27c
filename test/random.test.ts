import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';

describe('seeded random', () => {
  it('is reproducible from its seed', () => {
    const a = createRandom(42), b = createRandom(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
  });

  it('differs between seeds and between forks', () => {
    expect(createRandom(1).next()).not.toBe(createRandom(2).next());
    const root = createRandom(7);
    expect(root.fork('n1').next()).not.toBe(root.fork('n2').next());
    expect(createRandom(7).fork('n1').next()).toBe(createRandom(7).fork('n1').next());
  });

  it('draws integers uniformly within inclusive bounds', () => {
    const r = createRandom(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const x = r.int(150, 155);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([150, 151, 152, 153, 154, 155]);
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  it('accepts any safe integer seed and rejects others', () => {
    expect(() => createRandom(-5).next()).not.toThrow();
    expect(() => createRandom(2 ** 40 + 3).next()).not.toThrow();
    expect(createRandom(2 ** 40 + 3).next()).not.toBe(createRandom(3).next());
    expect(() => createRandom(1.5)).toThrow(RangeError);
    expect(() => createRandom(1).int(3, 2)).toThrow(RangeError);
    expect(() => createRandom(1).pick([])).toThrow(RangeError);
  });

  it('chance respects its bounds', () => {
    const r = createRandom(9);
    expect(Array.from({ length: 100 }, () => r.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => r.chance(1)).every(Boolean)).toBe(true);
    expect(r.pick(['only'])).toBe('only');
  });
});
