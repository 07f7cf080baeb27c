/**
 * The last `capacity` values added, by key, forgetting the oldest first. A Map used this way
 * (set, then delete `keys().next()`) scans the deleted entries V8 leaves at the front of its
 * table on every eviction; a ring of keys evicts in O(1).
 */
export class FifoWindow<V> {
  private readonly values = new Map<string, V>();
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** Adds a value (evicting the oldest when full); a key already there keeps its place, as in a Map. */
  add(key: string, value: V): void {
    const size = this.values.size;
    this.values.set(key, value);
    if (this.values.size === size) return; // already there
    if (this.order.length < this.capacity) {
      this.order.push(key);
    } else {
      this.values.delete(this.order[this.next]!);
      this.order[this.next] = key;
      this.next = (this.next + 1) % this.capacity;
    }
  }
}
