/**
 * Streaming reader of JSON Lines traces: constant memory whatever the file size, one pass,
 * synchronous (the fastest way to read a file in Node, and a hot path of every check).
 *
 * It splits lines itself so that it can number them, bound their length and tell a truncated
 * last line from a missing final newline. A line longer than the limit stops the reading at
 * once (LineTooLongError): reading on to its end could take forever (`/dev/zero`, a stream
 * with no newline) and holding it would take all memory. A UTF-8 byte order mark before the
 * first line is skipped. Each line is parsed and validated against the schema; the visitor
 * gets either a typed line or a located error.
 */
import fs from 'node:fs';
import type { TraceLine } from '../../src/trace/schema.js';
import { describeSchemaError, traceLineValidator } from './validator.js';

export interface LocatedError {
  line: number;
  /** JSON pointer of the field (`/msg/term`), or `/` for the whole line. */
  path: string;
  message: string;
  rule: string;
}

export interface TraceVisitor {
  line(value: TraceLine, lineNo: number): void;
  error(error: LocatedError): void;
}

export interface ReadOptions {
  /** Longest accepted line in bytes (default 4 MiB). */
  maxLineBytes?: number;
  /** Read buffer size (default 1 MiB). */
  chunkBytes?: number;
  /** Called after each chunk with bytes read so far (progress reporting). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Asked after every line; returning true stops reading. */
  shouldStop?: () => boolean;
  /** What errors call a trace held in memory (default `<trace>`); a file is called by its path. */
  name?: string;
}

/** Long enough for a restart line carrying a log of ~40,000 entries; short enough to refuse a 10 MB line. */
export const DEFAULT_MAX_LINE_BYTES = 4 << 20;
const NEWLINE = 10;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A line longer than the limit: the file is not read further. */
export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
  constructor(readonly file: string, readonly line: number, readonly limit: number) {
    super(`${file}:${line}: a line longer than ${limit} bytes: not read further`);
  }
}

/** The message for commands that have `--max-line-bytes`. */
export const tooLongHint = (error: LineTooLongError): string => `${error.message} (--max-line-bytes raises the limit)`;

const hasBom = (buf: Buffer) => buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;

/**
 * Raw lines of a file (a path) or of a trace already in memory (a Buffer): calls
 * `onLine(text, lineNo, terminated)` for each; throws LineTooLongError at a line over the limit.
 */
export function readLines(
  source: string | Buffer,
  onLine: (text: string, lineNo: number, terminated: boolean) => void,
  options: ReadOptions = {},
): { lines: number; bytes: number } {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const inMemory = typeof source !== 'string';
  const name = inMemory ? (options.name ?? '<trace>') : source;
  const chunk = inMemory ? source : Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
  const fd = inMemory ? null : fs.openSync(source, 'r');
  const total = fd === null ? chunk.length : fs.fstatSync(fd).size;
  // A file is read chunk by chunk; a Buffer is its own single chunk.
  let consumed = false;
  const read = () => (fd !== null ? fs.readSync(fd, chunk, 0, chunk.length, null) : consumed ? 0 : ((consumed = true), chunk.length));
  let carry: Buffer | null = null; // the unfinished line from the previous chunk
  let lineNo = 0;
  let bytes = 0;
  let stopped = false;
  const emit = (buf: Buffer, terminated: boolean) => {
    lineNo++;
    const start = lineNo === 1 && hasBom(buf) ? 3 : 0; // a byte order mark, as some Windows editors write
    let end = buf.length;
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    const text = buf.toString('utf8', start, end);
    if (text.includes('\uFFFD')) {
      try {
        fatalUtf8.decode(buf.subarray(start, end));
      } catch {
        onLine('\u0000invalid-utf8', lineNo, terminated);
        return;
      }
    }
    onLine(text, lineNo, terminated);
    if (options.shouldStop?.()) stopped = true;
  };
  try {
    for (;;) {
      const n = read();
      if (n === 0) break;
      bytes += n;
      let start = 0;
      while (start < n && !stopped) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl === -1 || nl >= n ? n : nl;
        const piece = chunk.subarray(start, end);
        const pending = (carry?.length ?? 0) + piece.length;
        // The limit counts the line's bytes without its newline (and a BOM on line 1).
        if (pending > maxLine + (lineNo === 0 && hasBom(carry ?? piece) ? 3 : 0)) throw new LineTooLongError(name, lineNo + 1, maxLine);
        if (end < n) {
          emit(carry ? Buffer.concat([carry, piece]) : piece, true);
          carry = null;
        } else {
          carry = carry ? Buffer.concat([carry, piece]) : Buffer.from(piece);
        }
        start = end + 1;
      }
      options.onProgress?.(bytes, total);
      if (stopped) break;
    }
    if (!stopped && carry && carry.length > 0) emit(carry, false);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  return { lines: lineNo, bytes };
}

/** Reads, parses and schema-validates every line of a trace file (a path) or of a trace in memory. */
export function readTraceFile(source: string | Buffer, visitor: TraceVisitor, options: ReadOptions = {}): { lines: number; bytes: number } {
  const validate = traceLineValidator();
  let sawContent = false;
  const result = readLines(
    source,
    (text, lineNo, terminated) => {
      if (text === '\u0000invalid-utf8') {
        visitor.error({ line: lineNo, path: '/', message: 'not valid UTF-8', rule: 'schema.parse' });
        return;
      }
      if (text.trim() === '') {
        if (terminated || sawContent) visitor.error({ line: lineNo, path: '/', message: 'empty line (every line must be one JSON object)', rule: 'schema.parse' });
        return;
      }
      sawContent = true;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        visitor.error({
          line: lineNo,
          path: '/',
          message: terminated ? `not JSON: ${detail}` : `truncated last line (no newline at the end of the file, and not complete JSON: ${detail})`,
          rule: 'schema.parse',
        });
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        visitor.error({ line: lineNo, path: '/', message: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, rule: 'schema.shape' });
        return;
      }
      if (validate(value)) visitor.line(value, lineNo);
      else visitor.error({ line: lineNo, ...describeSchemaError(validate.errors), rule: 'schema.shape' });
    },
    options,
  );
  if (result.bytes === 0 || !sawContent) visitor.error({ line: 1, path: '/', message: 'empty trace: expected a header line', rule: 'schema.header' });
  return result;
}

/**
 * A whole text file (an etcd trace, a Jepsen history, a summary) or such a text in memory,
 * read line by line with the same line limit as traces: `/dev/zero` or a file with no newline
 * is refused, not read into memory forever. Lines are joined with `\n` (CRLF and a byte order mark are dropped).
 */
export function readTextFile(source: string | Buffer, options: Pick<ReadOptions, 'maxLineBytes' | 'name'> = {}): string {
  const lines: string[] = [];
  let last = true;
  readLines(source, (text, _lineNo, terminated) => {
    lines.push(text === '\u0000invalid-utf8' ? '\uFFFD' : text);
    last = terminated;
  }, options);
  return lines.join('\n') + (lines.length > 0 && last ? '\n' : '');
}
