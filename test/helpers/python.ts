import { execFileSync } from 'node:child_process';

/** The Python interpreter itself, not a version-manager shim (which costs ~0.2 s per process start). */
export const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
