/** Writes the generated near-miss traces into traces/examples/valid/ (`npm run gen:near-misses`). */
import fs from 'node:fs';
import { NEAR_MISSES } from './near-misses.js';

for (const [file, generate] of Object.entries(NEAR_MISSES)) {
  fs.writeFileSync(`traces/examples/valid/${file}`, generate());
  console.log(`wrote traces/examples/valid/${file}`);
}
