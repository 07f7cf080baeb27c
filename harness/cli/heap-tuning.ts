/**
 * V8's heap tuned for a long streaming pass (`validate`): after each full garbage collection
 * V8 lets the old space grow by a factor it picks from the allocation rate (up to 4×), so on a
 * long trace the old space fills with garbage up to several times the live data before the
 * next full collection, and the peak RSS grows with the trace's length while the data kept does
 * not. A fixed factor of 1.2 keeps it near the live data at no measured cost in speed
 * (BENCHMARKS.md, "Validation memory with snapshots"). A CLI edge: the flag given to node
 * itself (`node --heap-growing-percent=N`; 0 is V8's own choice) wins. Set by the process entry
 * (main.ts) for `validate` only, before the reading starts (V8 reads it at each full
 * collection), never for a program that calls runCli or the API: its heap is its own.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_FLAG = '--heap-growing-percent';

export function tuneHeapForStreaming(): void {
  const given = process.execArgv.some((a) => a.replaceAll('_', '-').startsWith(HEAP_GROWING_FLAG));
  if (!given) v8.setFlagsFromString(`${HEAP_GROWING_FLAG}=20`);
}
