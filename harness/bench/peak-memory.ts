/** Child process of the benchmark: validates one file and prints its peak RSS in KiB. */
import { validateTraceFile } from '../validate/validate-file.js';

const file = process.argv[2];
if (!file) throw new Error('usage: peak-memory.ts FILE');
validateTraceFile(file);
process.stdout.write(`${process.resourceUsage().maxRSS}\n`);
