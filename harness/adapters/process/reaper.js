// The reaper: a tiny process that outlives raftcheck just long enough to kill the node
// processes raftcheck started, whatever way raftcheck ends (Ctrl-C, SIGTERM, SIGKILL, a crash).
// raftcheck's driver writes `+PID` when it starts a node (in its own process group) and
// `-PID` when that node is gone. When stdin closes, raftcheck is gone: every process group
// still listed is killed. Signals are ignored so that a Ctrl-C to the terminal's process
// group cannot stop the reaper before it has done its job.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

const live = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  const lines = (pending + text).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    if (line[0] === '+') live.add(pid);
    else live.delete(pid);
  }
});
const reap = () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('close', reap);
