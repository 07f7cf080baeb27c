/**
 * The directory of raftcheck's own package.json, where spec/ and the docs are: the same
 * whether raftcheck runs from its TypeScript sources or from the built dist/ (at another depth).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

function isRaftcheckPackage(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'raftcheck';
  } catch {
    return false;
  }
}

export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; ) {
    if (isRaftcheckPackage(dir)) return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`raftcheck's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
