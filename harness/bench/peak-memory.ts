/**
 * Child process of the benchmark (run with --expose-gc): validates one file and prints, as
 * JSON, its peak RSS (KiB), its CPU time (user + system, ms) and the live heap after a full GC
 * at the last line (bytes: V8's heap plus array buffers, where typed arrays keep their data,
 * as the client history does), the checker's state at its largest. The one forced GC comes at the end, so the peak RSS
 * is the one an ordinary run has. `--without RULE` leaves a rule out (to tell what grows).
 * It also samples V8's old space as the file is read (its largest size, bytes): what of the
 * peak is garbage not yet collected rather than data kept.
 */
import v8 from 'node:v8';
import { SEMANTIC_RULES } from '../checker/semantic-checker.js';
import { tuneHeapForStreaming } from '../cli/heap-tuning.js';
import { validateTraceFile } from '../validate/validate-file.js';

const file = process.argv[2];
if (!file) throw new Error('usage: node --expose-gc --import tsx/esm peak-memory.ts FILE [--without RULE]');
const at = process.argv.indexOf('--without');
const without = at === -1 ? undefined : process.argv[at + 1];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
// As \`raftcheck validate\` does.
tuneHeapForStreaming();
let heapAtEnd = 0;
let heapUsed = 0;
let arrayBuffers = 0;
let oldSpacePeak = 0;
const report = validateTraceFile(file, {
  ...(without ? { enabled: new Set(SEMANTIC_RULES.map((r) => r.id).filter((id) => id !== without)) } : {}),
  onProgress: (read, total) => {
    const old = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'old_space');
    if (old) oldSpacePeak = Math.max(oldSpacePeak, old.space_size);
    if (read < total) return;
    gc();
    ({ heapUsed, arrayBuffers } = process.memoryUsage());
    heapAtEnd = heapUsed + arrayBuffers;
  },
});
if (!report.valid) throw new Error(`${file} is invalid: ${JSON.stringify(report.errors[0])}`);
const usage = process.resourceUsage();
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
process.stdout.write(`${JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs, heapAtEnd, heapUsed, arrayBuffers, oldSpacePeak, events: report.events })}\n`);
