/**
 * The user's mistakes, as opposed to findings and bugs. The CLI prints either as one line and
 * exits 2 (harness/cli/run.ts); the programmatic API (harness/api/) throws them.
 */

/** The command line or an option is wrong (unknown option, missing argument, bad value). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An input could not be used (missing file, unreadable, not a trace, a program that does not start). */
export class InputError extends Error {
  override name = 'InputError';
}
