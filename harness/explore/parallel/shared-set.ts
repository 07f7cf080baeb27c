/**
 * The visited set of a search on several threads: 64-bit fingerprints in an open-addressing
 * table in a SharedArrayBuffer, claimed with compare-and-exchange, so that exactly one thread
 * adds each state. Its capacity is fixed when it is made (a shared table cannot be replaced
 * under running threads): `full` tells the search to stop cleanly before it degrades.
 */

/** The buffers of a shared set, as they travel to a worker thread. */
export interface SharedSetBuffers {
  table: SharedArrayBuffer;
  /** [0]: the number of fingerprints added. */
  count: SharedArrayBuffer;
}

const EMPTY = 0n;

export class SharedFingerprintSet {
  private readonly table: BigInt64Array;
  private readonly counter: Int32Array;
  private readonly mask: number;
  /** Past this many entries the table is too full to probe quickly. */
  readonly limit: number;

  constructor(readonly buffers: SharedSetBuffers) {
    this.table = new BigInt64Array(buffers.table);
    this.counter = new Int32Array(buffers.count);
    this.mask = this.table.length - 1;
    this.limit = Math.floor(this.table.length * 0.75);
  }

  /** A table of at least 4/3 × `states` slots (a power of two). */
  static create(states: number): SharedFingerprintSet {
    let slots = 1024;
    while (slots * 0.75 < states) slots *= 2;
    return new SharedFingerprintSet({ table: new SharedArrayBuffer(slots * 8), count: new SharedArrayBuffer(4) });
  }

  get size(): number {
    return Atomics.load(this.counter, 0);
  }

  get full(): boolean {
    return this.size >= this.limit;
  }

  /** Adds the fingerprint; false if some thread added it already. */
  add(hi: number, lo: number): boolean {
    // Fingerprint 0 marks an empty slot: a state with that fingerprint is stored as 1 (one more collision in 2^64).
    const fp = (BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)) || 1n);
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    // The search stops at `limit`; a table with no empty slot would make this loop endless.
    if (this.size >= this.mask) throw new Error('internal: the shared visited set is full');
    for (;;) {
      const seen = Atomics.compareExchange(this.table, i, EMPTY, fp);
      if (seen === EMPTY) {
        Atomics.add(this.counter, 0, 1);
        return true;
      }
      if (seen === fp) return false;
      i = (i + 1) & this.mask;
    }
  }
}
