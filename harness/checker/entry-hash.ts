/**
 * Hashes of log entries and of log prefixes. Log Matching, Leader Completeness and durability
 * compare whole prefixes; a chain hash (hash of the previous prefix hash and the entry) makes
 * each comparison O(1), so checking stays linear in the trace.
 */
import type { Command, Entry, RegisterState } from '../../src/trace/schema.js';

/** A canonical string of a command: equal commands give equal strings whatever the key order. */
export function commandKey(c: Command): string {
  switch (c.type) {
    case 'set':
      return `set|${JSON.stringify(c.value)}|${c.client ?? ''}|${c.requestId ?? ''}`;
    case 'get':
      return `get|${c.client ?? ''}|${c.requestId ?? ''}`;
    case 'cas':
      return `cas|${JSON.stringify(c.expected)}|${JSON.stringify(c.value)}|${c.client ?? ''}|${c.requestId ?? ''}`;
    case 'noop':
      return 'noop';
    case 'config':
      return `config|${c.voters.join(',')}|${c.learners.join(',')}`;
  }
}

/**
 * `commandKey(a) === commandKey(b)`, without building the keys (a hot path: every append, apply
 * and AppendEntries compares entries). Register values are strings and safe integers, for which
 * equal JSON means equal values.
 */
export function sameCommand(a: Command, b: Command): boolean {
  if (a === b) return true;
  switch (a.type) {
    case 'set':
      return b.type === 'set' && a.value === b.value && a.client === b.client && a.requestId === b.requestId;
    case 'get':
      return b.type === 'get' && a.client === b.client && a.requestId === b.requestId;
    case 'cas':
      return b.type === 'cas' && a.expected === b.expected && a.value === b.value && a.client === b.client && a.requestId === b.requestId;
    case 'noop':
      return b.type === 'noop';
    case 'config':
      return b.type === 'config' && sameList(a.voters, b.voters) && sameList(a.learners, b.learners);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Equal terms and commands. */
export function sameEntry(a: Entry, b: Entry): boolean {
  return a.term === b.term && sameCommand(a.command, b.command);
}

/** Equal entry lists. */
export function sameEntries(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameEntry(a[i]!, b[i]!)) return false;
  return true;
}

function mix32(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

function hashString(h: number, s: string): number {
  h = mix32(h, s.length);
  for (let i = 0; i < s.length; i++) h = mix32(h, s.charCodeAt(i));
  return h;
}

/** A safe integer, in two 32-bit halves (-0 and 0 alike, as `===` has them). */
function hashNumber(h: number, x: number): number {
  return mix32(mix32(h, x >>> 0), Math.floor(x / 4294967296) | 0);
}

/** A register value, tagged by type: the string "1" and the number 1 differ. */
function hashValue(h: number, v: RegisterState): number {
  if (v === null) return mix32(h, 1);
  return typeof v === 'string' ? hashString(mix32(h, 2), v) : hashNumber(mix32(h, 3), v);
}

/** A command, field by field behind tags: commands equal under `sameCommand` hash alike. */
function hashCommand(h: number, c: Command): number {
  switch (c.type) {
    case 'set':
      h = hashValue(mix32(h, 11), c.value);
      break;
    case 'get':
      h = mix32(h, 12);
      break;
    case 'cas':
      h = hashValue(hashValue(mix32(h, 13), c.expected), c.value);
      break;
    case 'noop':
      return mix32(h, 14);
    case 'config':
      h = mix32(h, 19);
      for (const v of c.voters) h = hashString(h, v);
      h = mix32(h, 20);
      for (const l of c.learners) h = hashString(h, l);
      return h;
  }
  h = c.client === undefined ? mix32(h, 15) : hashString(mix32(h, 16), c.client);
  return c.requestId === undefined ? mix32(h, 17) : hashNumber(mix32(h, 18), c.requestId);
}

/** Hash of the prefix ending with `entry`, given the hash of the prefix before it (0 for empty). */
export function chainHash(previous: number, entry: Entry): number {
  // Two independent 26-bit lanes combined into one safe integer (~2^-52 collision odds).
  const lo = previous % 67108864;
  const hi = Math.floor(previous / 67108864);
  const a = hashCommand(hashNumber(mix32(lo, 0x2545f491), entry.term), entry.command) & 0x3ffffff;
  const b = hashCommand(hashNumber(mix32(hi, 0x9e3779b9), entry.term), entry.command) & 0x3ffffff;
  return b * 67108864 + a;
}
