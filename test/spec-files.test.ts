import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_SPEC_FILES } from '../harness/spec-files.js';
import { VERSION } from '../harness/version.js';

describe('generated spec files', () => {
  for (const file of GENERATED_SPEC_FILES) {
    it(`${file.path} is current (regenerate with: npm run gen:spec)`, () => {
      expect(fs.readFileSync(file.path, 'utf8')).toBe(file.render());
    });
  }

  it('the CLI version matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
