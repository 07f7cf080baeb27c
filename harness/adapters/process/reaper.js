// The reaper: a tiny process that outlives raftcheck just long enough to kill the node
// processes raftcheck started, whatever way raftcheck ends (Ctrl-C, SIGTERM, SIGKILL, a crash).
// raftcheck's driver writes `+PID MARK` when it starts a node (in its own process group, with
// RAFTCHECK_NODE=MARK in its environment) and `-PID` when that node is gone. When stdin
// closes, raftcheck is gone: every node still listed is killed with all its descendants
// (process-tree.js). Signals are ignored so that a Ctrl-C to the terminal's process group
// cannot stop the reaper before it has done its job.
import { killTree } from './process-tree.js';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

/** pid -> mark */
const live = new Map();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  const lines = (pending + text).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const [pidText, mark] = line.slice(1).split(' ');
    const pid = Number(pidText);
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    if (line[0] === '+' && mark) live.set(pid, mark);
    else live.delete(pid);
  }
});
const reap = () => {
  for (const [pid, mark] of live) killTree(pid, mark);
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('close', reap);
