/**
 * Values of the Informal Trace Format (ITF) of Apalache and Quint
 * (https://apalache-mc.org/docs/adr/015adr-trace.html): booleans, strings, integers as
 * `{"#bigint": "-12"}`, sequences as JSON arrays, records as JSON objects, and `#tup`, `#set`,
 * `#map` (a list of [key, value] pairs), `#unserializable`.
 *
 * Encoding is canonical (set elements and map keys sorted by their JSON text) so that one
 * state always has one ITF text. Decoding names what it expected at a path within a variable,
 * so that a bad input is reported as `state 3: currentTerm: ["n1"]: expected an integer`.
 */

export type ItfValue =
  | boolean
  | string
  | number
  | ItfValue[]
  | { '#bigint': string }
  | { '#tup': ItfValue[] }
  | { '#set': ItfValue[] }
  | { '#map': Array<[ItfValue, ItfValue]> }
  | { '#unserializable': string }
  | { [field: string]: ItfValue };

export const int = (n: number): ItfValue => ({ '#bigint': String(n) });

const byText = <T>(text: (x: T) => string) => (a: T, b: T) => {
  const ta = text(a);
  const tb = text(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
};

export const set = (elements: readonly ItfValue[]): ItfValue => {
  const unique = new Map(elements.map((e) => [JSON.stringify(e), e]));
  return { '#set': [...unique.entries()].sort(byText(([t]) => t)).map(([, e]) => e) };
};

export const map = (pairs: ReadonlyArray<readonly [ItfValue, ItfValue]>): ItfValue => ({
  '#map': pairs.map(([k, v]): [ItfValue, ItfValue] => [k, v]).sort(byText(([k]) => JSON.stringify(k))),
});

/** A bad value: `at` is the path within the variable (`["n1"]`, `.mterm`). */
export class ItfValueError extends Error {
  constructor(readonly at: string, message: string) {
    super(message);
    this.name = 'ItfValueError';
  }
}

const describe = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An integer: `{"#bigint": "7"}` or a plain JSON integer (older Apalache output), within 2^53. */
export function decodeInt(v: unknown, at = ''): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (isObject(v) && typeof v['#bigint'] === 'string' && /^-?\d+$/.test(v['#bigint'])) n = Number(v['#bigint']);
  else throw new ItfValueError(at, `expected an integer ({"#bigint": "..."}), got ${describe(v)}`);
  if (!Number.isSafeInteger(n)) throw new ItfValueError(at, `integer out of range (beyond 2^53): ${describe(v)}`);
  return n;
}

export function decodeNat(v: unknown, at = ''): number {
  const n = decodeInt(v, at);
  if (n < 0) throw new ItfValueError(at, `expected a natural number, got ${n}`);
  return n;
}

export function decodeString(v: unknown, at = ''): string {
  if (typeof v !== 'string') throw new ItfValueError(at, `expected a string, got ${describe(v)}`);
  return v;
}

export function decodeBool(v: unknown, at = ''): boolean {
  if (typeof v !== 'boolean') throw new ItfValueError(at, `expected a boolean, got ${describe(v)}`);
  return v;
}

/** A sequence: a JSON array (a `#tup` is accepted too: Apalache writes short sequences either way). */
export function decodeSeq(v: unknown, at = ''): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v) && Array.isArray(v['#tup'])) return v['#tup'];
  throw new ItfValueError(at, `expected a sequence (a JSON array), got ${describe(v)}`);
}

export function decodeSet(v: unknown, at = ''): unknown[] {
  if (isObject(v) && Array.isArray(v['#set'])) return v['#set'];
  throw new ItfValueError(at, `expected a set ({"#set": [...]}), got ${describe(v)}`);
}

/** A function or a map: `#map` pairs (each key once). */
export function decodeMap(v: unknown, at = ''): Array<[unknown, unknown]> {
  if (!isObject(v) || !Array.isArray(v['#map'])) throw new ItfValueError(at, `expected a function ({"#map": [[key, value], ...]}), got ${describe(v)}`);
  const seen = new Set<string>();
  return v['#map'].map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ItfValueError(`${at}[${i}]`, `expected a [key, value] pair, got ${describe(pair)}`);
    const key = JSON.stringify(pair[0]);
    if (seen.has(key)) throw new ItfValueError(at, `key ${describe(pair[0])} given twice`);
    seen.add(key);
    return [pair[0], pair[1]];
  });
}

/** A record: a JSON object none of whose fields is an ITF tag. */
export function decodeRecord(v: unknown, at = ''): Record<string, unknown> {
  if (!isObject(v) || Object.keys(v).some((k) => k.startsWith('#'))) throw new ItfValueError(at, `expected a record, got ${describe(v)}`);
  return v;
}

export function field(rec: Record<string, unknown>, name: string, at: string): unknown {
  if (!Object.hasOwn(rec, name)) throw new ItfValueError(at, `record has no field '${name}'`);
  return rec[name];
}
