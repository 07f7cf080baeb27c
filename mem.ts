import { validateTraceFile } from './harness/validate/validate-file.js';
const r = validateTraceFile(process.argv[2]!, { schemaOnly: process.argv[3] === 's' });
console.log(process.argv[2], process.argv[3], Math.round(process.resourceUsage().maxRSS / 1024), 'MiB', r.valid);
