import fs from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { readTraceFile } from '../harness/trace/reader.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import { createRandom } from '../src/random.js';
import type { TraceLine } from '../src/trace/schema.js';
import { constrainsSomething, sparsify } from './helpers/sparsify.js';
it('many', () => {
  const VALID = 'traces/examples/valid';
  const files = fs.readdirSync(VALID).filter((f) => f.endsWith('.jsonl')).sort();
  const bad: string[] = [];
  for (const f of files) {
    const lines: TraceLine[] = [];
    readTraceFile(path.join(VALID, f), { line: (v) => void lines.push(v), error: () => {} });
    for (let seed = 0; seed < 60; seed++) {
      const { lines: out, applied } = sparsify(lines, createRandom(seed * 7919 + 13));
      const v = new TraceValidation({ maxErrors: 3 });
      out.forEach((l, i) => v.line(l, i + 1));
      const errs = v.finish('x', { lines: out.length, bytes: 0 }).errors;
      if (errs.length === 1 && errs[0]!.rule === 'unconstrained' && !constrainsSomething(out)) continue;
      if (errs.length) { fs.writeFileSync(`/tmp/i15/bad-${f}`, out.map((l) => JSON.stringify(l)).join("\n") + "\n"); bad.push(`${f} ${seed} ${applied.join(',')} ${JSON.stringify(errs.map((e) => [e.rule, e.line, e.message.slice(0, 150)]))}`); break; }
    }
  }
  console.log(files.length, 'files;', bad.length, 'bad\n' + bad.join('\n'));
}, 1_200_000);
