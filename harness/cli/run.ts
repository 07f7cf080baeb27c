/**
 * `raftcheck`: dispatches to one verb per file in harness/cli/commands/ and maps errors to exit
 * codes. Only the verb that runs is loaded: `--version` and `--help` load nothing else.
 */
import { EXIT, InputError, UsageError, type CliIO } from './command.js';
import { COMMANDS } from './commands/index.js';
import { OutputError } from '../io/output-error.js';
import { VERSION } from '../version.js';
import { ENGINES, parseEngine } from '../../src/raft/engine-name.js';

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const verbs = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `raftcheck ${VERSION}: a conformance test harness for the Raft consensus protocol

Usage: raftcheck <command> [options]

Commands:
${verbs}

Options:
  -h, --help     show this help, or a command's help with 'raftcheck <command> --help'
  -V, --version  print the version

Exit codes: 0 success, 1 a check failed (an invalid trace, a violation), 2 a usage or input
error, 3 an internal error (a bug in raftcheck: please report it with the command line).
`;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const topic = verb === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? (await topic.load()).help : mainHelp());
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  if (verb === '--version' || verb === '-V') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === verb);
  if (!entry) {
    io.err(`raftcheck: unknown command '${verb}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See 'raftcheck --help'.\n`);
    return EXIT.usage;
  }
  const engine = process.env.RAFTCHECK_ENGINE;
  if (parseEngine(engine) === null) {
    io.err(`raftcheck: RAFTCHECK_ENGINE must be ${ENGINES.map((e) => `'${e}'`).join(' or ')} (what runs the reference statechart), got '${engine}'\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`raftcheck ${verb}: ${error.message}\nSee 'raftcheck ${verb} --help'.\n`);
      return EXIT.usage;
    }
    if (error instanceof InputError || error instanceof OutputError) {
      io.err(`raftcheck ${verb}: ${error.message}\n`);
      return EXIT.usage;
    }
    const detail = error instanceof Error ? (process.env.RAFTCHECK_DEBUG ? error.stack ?? error.message : error.message) : String(error);
    io.err(`raftcheck ${verb}: internal error: ${detail}\n(this is a bug in raftcheck; RAFTCHECK_DEBUG=1 shows the stack)\n`);
    return EXIT.internal;
  }
}

