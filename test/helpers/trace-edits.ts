/**
 * Small, declarative edits of a trace file, for the near-miss tests: each edit names the line
 * it changes by a pattern of its fields (not by number, so a regenerated trace keeps its
 * edits), and says what to do to it. Edits are located on the original trace and applied
 * together; the text of lines no edit touches is kept byte for byte (line endings included).
 */

/** Which line an edit is about: the fields it must have (see `matches`). */
export type Pattern = { [field: string]: unknown };

export type Edit =
  /** Sets fields (dotted paths: "state.term", "msg.entries.0.term") and removes others. */
  | { at: Pattern; set?: Pattern; unset?: string[] }
  | { at: Pattern; drop: true }
  /** Removes the last `cut` characters of the line's text (a truncated write). */
  | { at: Pattern; cut: number }
  /**
   * Inserts a node event after the line: `node` and `time` default to that line's, `seq` follows
   * it, and the node's later events move up by one so that its numbering still increases.
   */
  | { after: Pattern; insert: Pattern };

interface Line {
  /** The line's text without its `\n` (a `\r` of a CRLF file stays part of it). */
  text: string;
  /** Whether a `\n` follows it in the file. */
  newline: boolean;
  value: unknown;
  /** Changed or inserted by an edit (not merely renumbered). */
  touched: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects match field by field (a pattern may name only some fields), arrays element by element, anything else by equality. */
export function matches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => matches(value[i], p));
  if (isObject(pattern)) return isObject(value) && Object.entries(pattern).every(([k, p]) => matches(value[k], p));
  return value === pattern;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function splitLines(text: string): Line[] {
  const parts = text.split('\n');
  const last = parts.pop()!; // '' when the file ends with a newline
  const lines = parts.map((t) => ({ text: t, newline: true }));
  if (last !== '') lines.push({ text: last, newline: false });
  return lines.map((l) => ({ ...l, value: parse(l.text), touched: false }));
}

/** The 1-based number of the one line matching `pattern` (an error if none or several do). */
export function locate(values: readonly unknown[], pattern: Pattern): number {
  const found = values.flatMap((v, i) => (matches(v, pattern) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`${found.length} lines match ${JSON.stringify(pattern)} (expected exactly one)`);
  return found[0]!;
}

/** The object holding the last field of a dotted path, and that field's name. */
function parentOf(target: Record<string, unknown>, path: string): [Record<string, unknown>, string] {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) throw new Error(`no field ${path}`);
    at = at[k] as Record<string, unknown>;
  }
  return [at, keys.at(-1)!];
}

function rewrite(line: Line, value: Record<string, unknown>): void {
  line.value = value;
  line.text = JSON.stringify(value) + (line.text.endsWith('\r') ? '\r' : '');
}

export interface EditedTrace {
  text: string;
  /** 1-based line numbers, in the edited trace, of the lines the edits changed or inserted. */
  touched: number[];
  /** The edited trace's lines, parsed (for `locate`). */
  values: unknown[];
}

export function applyEdits(text: string, edits: readonly Edit[]): EditedTrace {
  const lines = splitLines(text);
  const values = lines.map((l) => l.value);
  const located = edits.map((e) => ({ edit: e, index: locate(values, 'after' in e ? e.after : e.at) - 1 }));
  const dropped = new Set<number>();
  const inserts = new Map<number, Line[]>();
  for (const { edit, index } of located) {
    const line = lines[index]!;
    if ('after' in edit) {
      const base = line.value as Record<string, unknown>;
      const added: Line = { text: text.includes('\r\n') ? '\r' : '', newline: true, value: null, touched: true }; // a CRLF file's line end
      const before = inserts.get(index) ?? [];
      rewrite(added, { kind: edit.insert.kind, node: base.node, seq: Number(base.seq) + 1 + before.length, time: base.time, ...edit.insert });
      inserts.set(index, [...before, added]);
      continue;
    }
    line.touched = true;
    if ('drop' in edit) {
      dropped.add(index);
    } else if ('cut' in edit) {
      line.text = line.text.slice(0, line.text.length - edit.cut);
      line.value = parse(line.text);
    } else {
      const value = structuredClone(line.value) as Record<string, unknown>;
      for (const [path, v] of Object.entries(edit.set ?? {})) {
        const [parent, field] = parentOf(value, path);
        parent[field] = v;
      }
      for (const path of edit.unset ?? []) {
        const [parent, field] = parentOf(value, path);
        if (!(field in parent)) throw new Error(`no field ${path} to remove`);
        delete parent[field];
      }
      rewrite(line, value);
    }
  }
  // Assemble, moving each node's events after an insertion up by the number inserted before them.
  const shift = new Map<string, number>();
  const out: Line[] = [];
  lines.forEach((line, i) => {
    const v = line.value as Record<string, unknown> | undefined;
    const by = typeof v?.node === 'string' ? shift.get(v.node) : undefined;
    if (by && typeof v?.seq === 'number') rewrite(line, { ...v, seq: v.seq + by });
    if (!dropped.has(i)) out.push(line);
    for (const added of inserts.get(i) ?? []) {
      const node = (added.value as Record<string, unknown>).node as string;
      shift.set(node, (shift.get(node) ?? 0) + 1);
      out.push(added);
    }
  });
  return {
    text: out.map((l, i) => l.text + (l.newline || i < out.length - 1 ? '\n' : '')).join(''),
    touched: out.flatMap((l, i) => (l.touched ? [i + 1] : [])),
    values: out.map((l) => l.value),
  };
}
