import { describeStatechart, toDot, toJson, toMermaid } from '../../../src/raft/diagram.js';
import { EXIT, InputError, parseCommandLine, UsageError, type Command } from '../command.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

const FORMATS = { mermaid: toMermaid, dot: toDot, json: toJson } as const;

export const diagramCommand: Command = {
  name: 'diagram',
  summary: 'print the reference statechart (Mermaid, Graphviz DOT or JSON), generated from the machine itself',
  help: `Usage: raftcheck diagram [--format mermaid|dot|json] [-o FILE]

Prints the reference node's statechart: its states with their entry and exit actions, and
every transition with its event, guard (in [brackets]) and actions, in the order XState tries
them. It is read from the machine definition, so it is always the statechart that runs.

Options:
  --format F     mermaid (default; GitHub renders it), dot (Graphviz: dot -Tsvg), json
  -o, --out FILE write to FILE (atomically) instead of stdout
  --force        replace FILE if it exists
  -h, --help     show this help

Examples:
  raftcheck diagram --format mermaid
  raftcheck diagram --format dot | dot -Tsvg > raft-node.svg
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { format: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const format = values.format ?? 'mermaid';
    if (!(format in FORMATS)) throw new UsageError(`--format: expected one of ${Object.keys(FORMATS).join(', ')}, got '${format}'`);
    const text = FORMATS[format as keyof typeof FORMATS](describeStatechart());
    if (values.out === undefined || values.out === '-') {
      io.out(text);
    } else {
      try {
        writeFileAtomic(values.out, text, { overwrite: Boolean(values.force) });
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message.replace('(refusing to overwrite)', '(use --force to replace it)') : String(error));
      }
      io.err(`wrote ${values.out}\n`);
    }
    return EXIT.ok;
  },
};
