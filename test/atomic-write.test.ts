import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../harness/io/atomic-write.js';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-atomic-'));

  it('creates missing directories and leaves no temporary file behind', () => {
    const target = path.join(dir, 'a/b/c.txt');
    writeFileAtomic(target, 'hello');
    expect(fs.readFileSync(target, 'utf8')).toBe('hello');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['c.txt']);
  });

  it('refuses to overwrite an existing file unless asked, keeping its content', () => {
    const target = path.join(dir, 'keep.txt');
    fs.writeFileSync(target, 'original');
    expect(() => writeFileAtomic(target, 'new')).toThrow(/already exists/);
    expect(fs.readFileSync(target, 'utf8')).toBe('original');
    writeFileAtomic(target, 'replaced', { overwrite: true });
    expect(fs.readFileSync(target, 'utf8')).toBe('replaced');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
