/**
 * The simulator's agenda: a binary min-heap of timed events. Ties on time are broken by
 * insertion order, so a run is a function of its seed alone.
 */
export class EventQueue<T> {
  private readonly heap: Array<{ at: number; order: number; item: T }> = [];
  private counter = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const node = { at, order: this.counter++, item };
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(node, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = node;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && this.less(h[l]!, best)) {
          m = l;
          best = h[l]!;
        }
        if (r < h.length && this.less(h[r]!, best)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return { at: top.at, item: top.item };
  }

  private less(a: { at: number; order: number }, b: { at: number; order: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}
