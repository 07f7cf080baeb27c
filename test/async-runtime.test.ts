/**
 * The node runtime (harness/adapters/async/runtime.ts): virtual timers that run only when the
 * harness runs them, in due order, with Node's API and delay coercion.
 */
import { describe, expect, it } from 'vitest';
import { NodeRuntime, VIRTUAL_EPOCH_MS, VirtualTimer } from '../harness/adapters/async/runtime.js';

/** Runs everything due up to `until`, oldest first, as the settle loop does (without the real turns). */
function runUntil(rt: NodeRuntime, until: number): void {
  for (;;) {
    if (rt.readyCount() > 0) {
      rt.runReady(0);
      continue;
    }
    const due = rt.nextDue();
    if (due === null || due > until) break;
    rt.advanceTo(due);
  }
  rt.advanceTo(until);
}

describe('the node runtime', () => {
  it('runs timers in due order, ties in the order they were set, each at its due time', () => {
    const rt = new NodeRuntime();
    const seen: string[] = [];
    const log = (name: string) => () => seen.push(`${name}@${rt.now()}`);
    rt.timers.setTimeout(log('c'), 30);
    rt.timers.setTimeout(log('a'), 10);
    rt.timers.setTimeout(log('b1'), 20);
    rt.timers.setTimeout(log('b2'), 20);
    expect(rt.nextDue()).toBe(10);
    runUntil(rt, 25);
    expect(seen).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(rt.now()).toBe(25);
    runUntil(rt, 100);
    expect(seen).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(rt.nextDue()).toBeNull();
  });

  it('runs nothing by itself: time moves and tasks run only when the harness says so', async () => {
    const rt = new NodeRuntime();
    let ran = false;
    rt.timers.setImmediate(() => (ran = true));
    rt.timers.setTimeout(() => (ran = true), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toBe(false);
    expect(rt.readyCount()).toBe(1);
    rt.runReady(0);
    expect(ran).toBe(true);
  });

  it('clears timers and immediates by handle or by number, also once they are ready', () => {
    const rt = new NodeRuntime();
    const seen: string[] = [];
    const t1 = rt.timers.setTimeout(() => seen.push('t1'), 5);
    const t2 = rt.timers.setTimeout(() => seen.push('t2'), 5);
    const i1 = rt.timers.setImmediate(() => seen.push('i1'));
    rt.timers.setImmediate(() => seen.push('i2'));
    rt.timers.clearTimeout(t1);
    rt.timers.clearImmediate(Number(i1));
    rt.advanceTo(5); // t2 is ready now
    rt.timers.clearTimeout(+t2);
    rt.timers.clearTimeout(undefined);
    rt.timers.clearTimeout(12345);
    runUntil(rt, 10);
    expect(seen).toEqual(['i2']);
  });

  it('re-arms intervals from when they ran until cleared, also from inside the callback', () => {
    const rt = new NodeRuntime();
    const ticks: number[] = [];
    const handle: VirtualTimer = rt.timers.setInterval(() => {
      ticks.push(rt.now());
      if (ticks.length === 4) rt.timers.clearInterval(handle);
    }, 10);
    runUntil(rt, 100);
    expect(ticks).toEqual([10, 20, 30, 40]);
    expect(rt.nextDue()).toBeNull();
  });

  it('coerces delays as Node does: below 1 ms, not a number or beyond 2^31-1 become 1 ms; callbacks get their arguments', () => {
    const rt = new NodeRuntime();
    const seen: unknown[] = [];
    rt.timers.setTimeout((x: string) => seen.push([x, rt.now()]), 0, 'zero');
    rt.timers.setTimeout((x: string) => seen.push([x, rt.now()]), Number.NaN, 'nan');
    rt.timers.setTimeout((x: string) => seen.push([x, rt.now()]), 2 ** 31, 'huge');
    rt.timers.setTimeout((x: string) => seen.push([x, rt.now()]), -5, 'negative');
    runUntil(rt, 1);
    expect(seen).toEqual([['zero', 1], ['nan', 1], ['huge', 1], ['negative', 1]]);
    expect(() => rt.timers.setTimeout('not a function' as unknown as () => void, 5)).toThrow(TypeError);
  });

  it('gives handles the Timeout API: ref/unref/hasRef, refresh re-arms from now (even after firing)', () => {
    const rt = new NodeRuntime();
    let fired = 0;
    const t = rt.timers.setTimeout(() => fired++, 10);
    expect(t.hasRef()).toBe(true);
    expect(t.unref().hasRef()).toBe(false);
    expect(t.ref().hasRef()).toBe(true);
    runUntil(rt, 8);
    t.refresh(); // due at 18 now
    runUntil(rt, 15);
    expect(fired).toBe(0);
    runUntil(rt, 18);
    expect(fired).toBe(1);
    t.refresh(); // fired already: refresh reactivates it
    runUntil(rt, 40);
    expect(fired).toBe(2);
    expect(typeof +t).toBe('number');
  });

  it('lets the harness run any ready task (the --interleave order), and stops for good', () => {
    const rt = new NodeRuntime();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) rt.timers.setImmediate(() => seen.push(i));
    rt.runReady(2);
    rt.runReady(0);
    expect(seen).toEqual([2, 0]);
    expect(() => rt.runReady(5)).toThrow(RangeError);
    rt.timers.setTimeout(() => seen.push(99), 1);
    rt.stop();
    rt.timers.setImmediate(() => seen.push(100));
    expect(rt.readyCount()).toBe(0);
    expect(rt.nextDue()).toBeNull();
  });

  it('reads its clock as Date.now() from a fixed epoch, and never goes back', () => {
    const rt = new NodeRuntime();
    expect(rt.dateNow()).toBe(VIRTUAL_EPOCH_MS);
    rt.advanceTo(1500);
    rt.advanceTo(1000);
    expect(rt.now()).toBe(1500);
    expect(new Date(rt.dateNow()).toISOString()).toBe('2024-01-01T00:00:01.500Z');
  });

  it('hands every callback to its invoker (the harness attributes and guards them)', () => {
    const calls: string[] = [];
    const rt = new NodeRuntime((run) => {
      calls.push('enter');
      run();
      calls.push('leave');
    });
    rt.timers.setImmediate(() => calls.push('callback'));
    rt.runReady(0);
    expect(calls).toEqual(['enter', 'callback', 'leave']);
  });
});
