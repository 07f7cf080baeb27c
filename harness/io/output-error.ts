/**
 * An output that cannot be written, told with the path the user gave (never the name of a
 * temporary file) and the system's reason in words: `out/a.jsonl: cannot create directory
 * /proc/x: no such file or directory`.
 */

export class OutputError extends Error {
  override name = 'OutputError';
  constructor(readonly target: string, readonly reason: string) {
    super(`${target}: ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EXDEV: 'not on the same file system as its directory',
};

/** A system error in words, without the paths Node puts in its messages. */
export function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code && REASONS[code]) || (error instanceof Error ? error.message : String(error));
}

/** `error` (from writing `target`, its directory or its temporary file) as an OutputError about `target`. */
export function outputError(target: string, error: unknown): OutputError {
  if (error instanceof OutputError) return error;
  // A directory that could not be made says which one (harness/io/make-dirs.ts).
  if (error instanceof Error && error.name === 'MakeDirsError') return new OutputError(target, error.message);
  return new OutputError(target, `cannot write: ${errnoReason(error)}`);
}
