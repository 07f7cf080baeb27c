/**
 * 64-bit fingerprints of canonical encodings, and the visited set that holds them. Like TLC,
 * the search keeps fingerprints, not states: two distinct states with one fingerprint would be
 * taken for one (the odds, about n²/2⁶⁵ for n states, are printed with the result).
 */

/** Two independent 32-bit multiplicative hashes of the string's UTF-16 code units (FNV-1a and a murmur-style mix). */
export function fingerprint(text: string): { hi: number; lo: number } {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}

/** The probability that some two of `n` distinct states share a 64-bit fingerprint (birthday bound). */
export function collisionOdds(n: number): number {
  return (n * (n - 1)) / 2 / 2 ** 64;
}

/**
 * An open-addressing hash set of 64-bit fingerprints (two Uint32Arrays, 8 bytes a state), with
 * a small number per entry (the depth at which a depth-first search saw the state).
 */
export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private depth: Uint16Array;
  private used: Uint8Array;
  private count = 0;

  constructor(capacity = 1 << 16) {
    let size = 1;
    while (size < capacity * 2) size <<= 1;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.depth = new Uint16Array(size);
    this.used = new Uint8Array(size);
  }

  get size(): number {
    return this.count;
  }

  private slot(hi: number, lo: number): number {
    const mask = this.hi.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.used[i] && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  /** Adds the fingerprint; returns false if it was there already. */
  add(hi: number, lo: number, depth = 0): boolean {
    const i = this.slot(hi, lo);
    if (this.used[i]) return false;
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.depth[i] = Math.min(depth, 0xffff);
    if (++this.count * 2 > this.hi.length) this.grow();
    return true;
  }

  /** The depth recorded with the fingerprint, or -1 if absent. */
  depthOf(hi: number, lo: number): number {
    const i = this.slot(hi, lo);
    return this.used[i] ? this.depth[i]! : -1;
  }

  /** Records a smaller depth for a fingerprint already present. */
  lowerDepth(hi: number, lo: number, depth: number): void {
    const i = this.slot(hi, lo);
    if (this.used[i] && depth < this.depth[i]!) this.depth[i] = depth;
  }

  private grow(): void {
    const { hi, lo, depth, used } = this;
    const size = hi.length * 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.depth = new Uint16Array(size);
    this.used = new Uint8Array(size);
    this.count = 0;
    for (let i = 0; i < hi.length; i++) if (used[i]) this.add(hi[i]!, lo[i]!, depth[i]!);
  }
}
