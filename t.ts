import { loadRegression } from './harness/fuzz/regression.js';
import { runSchedule } from './harness/fuzz/run-schedule.js';
import { createReferenceNode } from './src/raft/node.js';
const meta = loadRegression('traces/regressions/liveness-003b5ef44c68.jsonl');
const r = runSchedule(meta.schedule, createReferenceNode, { keepLines: true });
const tail = r.lines.filter((l: any) => l.time >= 3000 && (l.kind === 'client_request' || l.kind === 'client_response' || l.kind === 'role' || l.kind === 'term' || l.kind==='restart' || l.kind==='heal' || l.kind === 'append' || l.kind==='commit'));
for (const l of tail.slice(0, 30)) console.log(JSON.stringify(l).slice(0, 200));
console.log(r.error);
