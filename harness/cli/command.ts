/**
 * The shape of a CLI verb and the errors that map to exit codes. Verbs live one per file in
 * harness/cli/commands/ and are listed in harness/cli/commands/index.ts.
 */
import { parseFeatureList, type Feature } from '../../src/raft/features/index.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, UsageError } from '../errors.js';

/** Where a verb writes; tests pass buffers, the CLI passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then, or when forced). */
  isTTY: boolean;
}

export interface Command {
  name: string;
  /** One line for `raftcheck --help`. */
  summary: string;
  /** The full text of `raftcheck <name> --help`. */
  help: string;
  /** Returns the exit code. Throw UsageError / InputError for the user's mistakes. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Exit codes shared by every verb. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** The user's mistakes: exit 2, one line (also thrown by the programmatic API). */
export { InputError, UsageError };

type Options = NonNullable<ParseArgsConfig['options']>;

/** A value such as `-5`, `-5s` or `-0.1`: util.parseArgs would take it for an option. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * `--runs -5` as `--runs=-5`: util.parseArgs refuses a value that starts with a dash as
 * "ambiguous", which would hide the real problem (a negative number) behind a puzzle.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const longOf = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : /^-[A-Za-z]$/.test(arg) ? longOf.get(arg[1]!) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`--${name}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/**
 * util.parseArgs with the verb's own options plus --help, and errors turned into UsageError
 * with a one-line message a person can act on.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const option = ambiguous[1]!;
      const long = option.startsWith('--') ? option : `--${Object.entries(options).find(([, o]) => o.short === option.slice(1))?.[0] ?? option.slice(1)}`;
      throw new UsageError(`${option}: expects a value, but the next argument is an option (a value that starts with '-' is written ${long}=-VALUE)`);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '').replace(/\n/g, ' '));
  }
}

/** `--features prevote,checkquorum,transfer` (or `all`); absent: none. */
export function featuresOption(raw: string | undefined): Feature[] {
  if (raw === undefined) return [];
  const parsed = parseFeatureList(raw);
  if ('error' in parsed) throw new UsageError(`--features: ${parsed.error}`);
  return parsed;
}

/** `--snapshot-every N` (feature `snapshot`): a positive integer, only with the feature on. */
export function snapshotEveryOption(raw: string | undefined, features: readonly Feature[]): { snapshotEvery?: number } {
  if (raw === undefined) return {};
  if (!features.includes('snapshot')) throw new UsageError('--snapshot-every: needs --features snapshot');
  return { snapshotEvery: intOption('snapshot-every', raw, 0, 1) };
}

/** Parses an integer option in [min, max], naming the option in the error. */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name}: expected an integer, got '${raw}'`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = max !== Number.MAX_SAFE_INTEGER ? `be between ${min} and ${max}` : min === 1 ? 'be a positive integer' : min === 0 ? 'be zero or more' : `be at least ${min}`;
    throw new UsageError(`--${name}: must ${bounds}, got ${raw.trim()}`);
  }
  return value;
}

/** Parses a probability in [0, 1]. */
export function probabilityOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new UsageError(`--${name}: expected a probability between 0 and 1, got '${raw}'`);
  return value;
}

export interface DurationBounds {
  /** Accept 0 (an option where 0 means "none"); otherwise a duration must be at least 1 ms. */
  zero?: boolean;
}

/** Parses a duration such as `10s`, `250ms`, `2m` or a bare number of milliseconds: at least 1 ms, unless `zero`. */
export function durationOption(name: string, raw: string | undefined, fallbackMs: number, bounds: DurationBounds = {}): number {
  if (raw === undefined) return fallbackMs;
  const must = bounds.zero ? 'must be a duration of 0 (none) or more' : 'must be a positive duration';
  if (/^\s*-/.test(raw)) throw new UsageError(`--${name}: ${must}, got ${raw.trim()}`);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(raw);
  if (!match) throw new UsageError(`--${name}: expected a duration such as 500ms, 10s or 2m, got '${raw}'`);
  const scale = match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 1;
  const ms = Math.round(Number(match[1]) * scale);
  if (!Number.isSafeInteger(ms)) throw new UsageError(`--${name}: duration too large: '${raw}'`);
  if (ms < 1 && !bounds.zero) throw new UsageError(`--${name}: ${must} (at least 1ms), got ${raw.trim()}`);
  return ms;
}
