/**
 * `raftcheck`: the programmatic API, for a Raft library's own tests (vitest, node:test, ...).
 *
 *   import { validateTrace, runFuzz } from 'raftcheck';
 *   const report = await validateTrace('trace.jsonl');            // or { text } or { lines }
 *   const result = await runFuzz({ impl: './test/my-adapter.ts', runs: 200, seed: 1 });
 *
 * Both return data: nothing is printed and the process is never exited. Bad options throw a
 * UsageError, unusable inputs an InputError. The adapter types are in 'raftcheck/adapter'.
 */
export { validateTrace, formatTraceReport, type TraceInput, type TraceReport, type TraceError, type ValidateTraceOptions } from './validate-trace.js';
export { runFuzz, type RunFuzzOptions, type FuzzResult, type FuzzFailure } from './run-fuzz.js';
export { InputError, UsageError } from '../errors.js';
export { defineAdapter, type AdapterDefinition } from '../adapters/adapter.js';
export type { FaultLevel } from '../fuzz/schedule.js';
export type { FuzzSummary } from '../fuzz/summary.js';
export type { TraceLine } from '../../src/trace/schema.js';
export { VERSION } from '../version.js';
