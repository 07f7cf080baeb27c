/**
 * Every verb of the CLI, in the order `raftcheck --help` lists them. One file per verb, each
 * loaded only when that verb runs (or shows its help): loading every verb's modules would
 * cost `raftcheck --version` most of a second. test/cli.test.ts checks that each entry's name
 * and summary are the ones of the verb it loads.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  /** One line for `raftcheck --help` (equal to the command's own `summary`). */
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check traces: schema, structure, conformance to the reference statechart, cluster invariants and client linearizability',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'fuzz',
    summary: 'generate random schedules with fast-check, check every run, shrink a failure and save it as a regression case',
    load: async () => (await import('./fuzz.js')).fuzzCommand,
  },
  {
    name: 'merge-results',
    summary: "combine the JSON summaries of a sharded campaign's shards into one report and regression case",
    load: async () => (await import('./merge-results.js')).mergeResultsCommand,
  },
  {
    name: 'explore',
    summary: 'search every reachable state of a small cluster of reference (or mutant) nodes within bounds, checking every rule on every step',
    load: async () => (await import('./explore.js')).exploreCommand,
  },
  {
    name: 'replay',
    summary: 'replay a saved regression case exactly: the recorded failure must reproduce, the reference must pass',
    load: async () => (await import('./replay.js')).replayCommand,
  },
  {
    name: 'simulate',
    summary: 'run reference nodes (or any implementation) in a seeded, deterministic simulation and write the v1 trace',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  {
    name: 'diagram',
    summary: 'draw the reference statechart (Mermaid, DOT, SVG, JSON or a table), optionally with the transition coverage of traces',
    load: async () => (await import('./diagram.js')).diagramCommand,
  },
  {
    name: 'view',
    summary: 'write a self-contained HTML report of a trace: space-time diagram, node states, statechart steps, violations',
    load: async () => (await import('./view.js')).viewCommand,
  },
  {
    name: 'export',
    summary: "write a trace's whole-cluster states in another format: ITF (Apalache, Quint) under raft.tla's variable names",
    load: async () => (await import('./export.js')).exportCommand,
  },
  {
    name: 'mutants',
    summary: 'run the bug catalogue: simulate each mutant node until the checker catches it',
    load: async () => (await import('./mutants.js')).mutantsCommand,
  },
  {
    name: 'spec',
    summary: 'check or regenerate the generated files under spec/ (trace schema, statechart exports)',
    load: async () => (await import('./spec.js')).specCommand,
  },
];
