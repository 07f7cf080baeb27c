import { describe, expect, it } from 'vitest';
import { FifoWindow } from '../harness/validate/fifo-window.js';

describe('FifoWindow', () => {
  it('keeps the last `capacity` keys added and forgets the oldest first, like a bounded Map', () => {
    const w = new FifoWindow<number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) w.add(k, v);
    expect([w.get('a'), w.get('b'), w.get('c')]).toEqual([1, 2, 3]);
    w.add('d', 4);
    expect(w.get('a')).toBeUndefined();
    w.add('b', 20); // already there: new value, same place
    w.add('e', 5);
    expect([w.get('b'), w.get('c'), w.get('d'), w.get('e')]).toEqual([undefined, 3, 4, 5]);
    for (let i = 0; i < 10; i++) w.add(`k${i}`, i);
    expect([w.get('k6'), w.get('k7'), w.get('k8'), w.get('k9')]).toEqual([undefined, 7, 8, 9]);
  });
});
