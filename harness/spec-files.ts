/**
 * Files under spec/ that are generated from code. `raftcheck spec --write` regenerates them and
 * a test fails when a committed copy is out of date, so the code stays the single source.
 */
import { renderTraceJsonSchema } from '../src/trace/json-schema.js';
import { renderDriverJsonSchema } from './adapters/process/protocol.js';
import { renderInvariantsMarkdown } from './checker/invariants/render-markdown.js';
import { describeStatechart, toJson, toMermaid } from '../src/raft/diagram.js';
import { ALL_FEATURES } from '../src/raft/features/index.js';
import { machineFor } from '../src/raft/node-machine.js';

export interface GeneratedFile {
  /** Path relative to the repository root. */
  path: string;
  render(): string;
}

export const GENERATED_SPEC_FILES: GeneratedFile[] = [
  { path: 'spec/trace.schema.json', render: renderTraceJsonSchema },
  { path: 'spec/driver.schema.json', render: renderDriverJsonSchema },
  { path: 'spec/invariants.md', render: renderInvariantsMarkdown },
  { path: 'spec/raft-node.mmd', render: () => toMermaid(describeStatechart()) },
  { path: 'spec/raft-node.json', render: () => toJson(describeStatechart()) },
  // The chart with every protocol extension that runs with the others on (src/raft/features): the states and transitions they add.
  { path: 'spec/raft-node-features.mmd', render: () => toMermaid(describeStatechart(machineFor(ALL_FEATURES))) },
  { path: 'spec/raft-node-features.json', render: () => toJson(describeStatechart(machineFor(ALL_FEATURES))) },
  // Membership changes run alone: their chart apart.
  { path: 'spec/raft-node-membership.mmd', render: () => toMermaid(describeStatechart(machineFor(['membership']))) },
  { path: 'spec/raft-node-membership.json', render: () => toJson(describeStatechart(machineFor(['membership']))) },
];
