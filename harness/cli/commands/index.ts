/** Every verb of the CLI, in the order `raftcheck --help` lists them. One file per verb. */
import type { Command } from '../command.js';
import { diagramCommand } from './diagram.js';
import { fuzzCommand } from './fuzz.js';
import { mergeResultsCommand } from './merge-results.js';
import { replayCommand } from './replay.js';
import { mutantsCommand } from './mutants.js';
import { simulateCommand } from './simulate.js';
import { specCommand } from './spec.js';
import { validateCommand } from './validate.js';
import { viewCommand } from './view.js';

export const COMMANDS: Command[] = [
  validateCommand,
  fuzzCommand,
  mergeResultsCommand,
  replayCommand,
  simulateCommand,
  diagramCommand,
  viewCommand,
  mutantsCommand,
  specCommand,
];
