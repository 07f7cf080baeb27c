/**
 * 64-bit fingerprints of canonical encodings (a part's encoding hashed by `fingerprint`, a
 * state's parts combined by `Hash64`: encode.ts), and the visited set that holds them. Like TLC,
 * the search keeps fingerprints, not states: two distinct states with one fingerprint would be
 * taken for one (the odds, about n²/2⁶⁵ for n states, are printed with the result).
 */

/** Two independent 32-bit multiplicative hashes of the string's UTF-16 code units (FNV-1a and a murmur-style mix). */
export function fingerprint(text: string): Fp {
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

export interface Fp {
  hi: number;
  lo: number;
}

/**
 * A 64-bit hash of a sequence of 32-bit words (the fingerprints of a state's parts, its
 * counters), in two lanes of different mixes: murmur3's block mix on one, xxHash32's round on
 * the other, each finished by murmur3's avalanche. One instance is reused (no allocation but
 * the result): `start`, then `word`/`fp` in order, then `done`.
 */
export class Hash64 {
  private a = 0;
  private b = 0;
  private n = 0;

  start(): this {
    this.a = 0x3c6ef372;
    this.b = 0x165667b1;
    this.n = 0;
    return this;
  }

  word(w: number): this {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let a = this.a ^ k;
    a = (a << 13) | (a >>> 19);
    this.a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    let b = (this.b + Math.imul(w | 0, 0x85ebca77)) | 0;
    b = (b << 13) | (b >>> 19);
    this.b = Math.imul(b, 0x9e3779b1);
    this.n++;
    return this;
  }

  fp(f: Fp): this {
    return this.word(f.hi).word(f.lo);
  }

  done(): Fp {
    return { hi: avalanche(this.a ^ this.n) >>> 0, lo: avalanche(this.b ^ Math.imul(this.n, 0x27d4eb2f)) >>> 0 };
  }
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Orders fingerprints (for the smallest over permutations, and bags sorted by fingerprint). */
export function compareFp(x: Fp, y: Fp): number {
  return x.hi !== y.hi ? x.hi - y.hi : x.lo - y.lo;
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
