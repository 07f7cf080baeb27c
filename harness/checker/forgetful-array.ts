/**
 * Values by log index, dense from a floor up: the checker's cluster-wide facts per index (every
 * (index, term) seen, the command applied, the register's value). Once every node has compacted
 * its log past an index (feature `snapshot`), no event can name it again but a restart from an
 * older snapshot, which the snapshot rules report: what is below the floor is forgotten, and
 * memory follows the logs the nodes hold, not the length of the trace.
 */
export class ForgetfulArray<T> {
  private items: Array<T | undefined> = [];
  /** Index of items[0]; everything below `floor` reads as unknown. */
  private offset = 0;
  private floor = 0;

  get(index: number): T | undefined {
    return index < this.floor ? undefined : this.items[index - this.offset];
  }

  /** Sets the value at `index` (ignored below the floor: it is forgotten). */
  set(index: number, value: T): void {
    if (index < this.floor) return;
    this.items[index - this.offset] = value;
  }

  /** Forgets every index below `floor`; the memory is given back in large pieces (O(1) amortised). */
  forgetBelow(floor: number): void {
    if (floor <= this.floor) return;
    this.floor = floor;
    const drop = Math.min(floor - this.offset, this.items.length);
    if (drop >= 1024 && drop * 2 >= this.items.length) {
      this.items = this.items.slice(drop);
      this.offset += drop;
    }
  }

  /** One past the highest index set so far (what a loop over every index runs to). */
  get length(): number {
    return this.offset + this.items.length;
  }

  /** A copy (the values are shared: callers never mutate them), for `raftcheck explore`'s states. */
  clone(): ForgetfulArray<T> {
    const copy = new ForgetfulArray<T>();
    copy.items = this.items.slice();
    copy.offset = this.offset;
    copy.floor = this.floor;
    return copy;
  }
}
