/**
 * Values by integer key, where keys are added in increasing order, never below a key already
 * dropped, and dropped from the low end:
 * the reference's applies that a node has not logged yet. A restart can re-apply tens of
 * thousands of entries in one step; an array with a moving start keeps each access O(1) and
 * memory bounded by what is pending, where a Map of that many numbers costs a cache miss per
 * access.
 */
export class IndexWindow<T> {
  private items: Array<T | undefined> = [];
  /** Key of items[head]; the slots before head are dropped (compacted away now and then). */
  private base = 0;
  private head = 0;

  get(key: number): T | undefined {
    const i = key - this.base;
    return i >= 0 ? this.items[this.head + i] : undefined;
  }

  set(key: number, value: T): void {
    if (this.head === this.items.length) this.reset(key);
    else if (key < this.base) this.grow(key);
    this.items[this.head + key - this.base] = value;
  }

  /** Drops every key up to and including `key`. */
  dropThrough(key: number): void {
    while (this.base <= key && this.head < this.items.length) {
      this.items[this.head++] = undefined;
      this.base++;
    }
    if (this.head === this.items.length) this.reset(key + 1);
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.reset(0);
  }

  private reset(base: number): void {
    this.items = [];
    this.head = 0;
    this.base = base;
  }

  /** A key below the window (never from the reference, which applies in order): make room for it. */
  private grow(key: number): void {
    this.items = [...new Array<T | undefined>(this.base - key), ...this.items.slice(this.head)];
    this.head = 0;
    this.base = key;
  }
}
