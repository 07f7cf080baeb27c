import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../package-root.js';
import { EXIT, parseCommandLine, UsageError, type Command } from '../command.js';
import { GENERATED_SPEC_FILES } from '../../spec-files.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

const ROOT = packageRoot();

export const specCommand: Command = {
  name: 'spec',
  summary: 'check or regenerate the generated files under spec/ (trace schema, statechart exports)',
  help: `Usage: raftcheck spec [--check | --write]

The files under spec/ that are generated from code (${GENERATED_SPEC_FILES.map((f) => f.path).join(', ')})
must match the code that defines them.

Options:
  --check   report files that are out of date and exit 1 if any is (the default)
  --write   regenerate every out-of-date file (atomically)
  -h, --help  show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { check: { type: 'boolean' }, write: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.check && values.write) throw new UsageError('choose one of --check and --write');
    let stale = 0;
    for (const file of GENERATED_SPEC_FILES) {
      const target = path.join(ROOT, file.path);
      const wanted = file.render();
      const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
      if (current === wanted) continue;
      if (values.write) {
        writeFileAtomic(target, wanted, { overwrite: true });
        io.out(`wrote ${file.path}\n`);
      } else {
        stale += 1;
        io.out(`${file.path}: out of date (run 'raftcheck spec --write')\n`);
      }
    }
    if (stale === 0 && !values.write) io.out(`all ${GENERATED_SPEC_FILES.length} generated spec files are current\n`);
    return stale > 0 ? EXIT.failed : EXIT.ok;
  },
};
