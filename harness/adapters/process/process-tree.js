// Ending a node process and everything it started. Killing the node's process group is not
// enough: a descendant that calls setsid() (a daemon, `setsid`, Node's `detached: true`) has
// left the group, and one whose parent exited has been handed to init, so no parent link
// leads to it any more. On Linux, /proc shows both ways back:
//   - the process tree: each process's parent (/proc/PID/stat), from the node down;
//   - the environment: raftcheck starts each node with RAFTCHECK_NODE=<mark>, unique to that
//     node, which its descendants inherit (/proc/PID/environ) wherever they moved.
// Every process found either way is stopped (SIGSTOP: a stopped process cannot start
// another), the search is repeated until it finds no new one, then all are killed (SIGKILL),
// and killed again until none is left running. Where /proc is missing (macOS, the BSDs), the
// process group alone is killed.
//
// Plain JavaScript: the driver's I/O worker and the reaper load it without a TypeScript loader.
import fs from 'node:fs';

/** The environment variable that marks a node's processes. */
export const MARK_VARIABLE = 'RAFTCHECK_NODE';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(sleeper, 0, 0, ms);

let buffer = Buffer.allocUnsafe(16384);

/** A /proc file's text (open, one read, close: half the system calls of readFileSync), or null. */
function readProc(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null; // ended, or someone else's
  }
  try {
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
    }
    return buffer.latin1Slice(0, length);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** {ppid, pgid, dead, started} of a process, or null if it is gone. */
function readStat(pid) {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // "pid (command) state ppid pgrp session tty tpgid flags ... starttime(22nd)": the command may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), pgid: Number(fields[2]), dead: fields[0] === 'Z' || fields[0] === 'X', started: fields[19] };
}

/** pid -> {ppid, pgid, dead, started}, for every process; null where /proc is not there. */
function listProcesses() {
  let names;
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const processes = new Map();
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue; // not a pid
    const info = readStat(name);
    if (info) processes.set(Number(name), info);
  }
  return processes;
}

/** The RAFTCHECK_NODE value each process started with (or null), by pid and start time: read once per process. */
let marks = new Map();

function markOf(pid, info) {
  const key = `${pid}:${info.started}`;
  let mark = marks.get(key);
  if (mark === undefined) {
    const environ = readProc(`/proc/${pid}/environ`);
    const at = environ === null ? -1 : `\0${environ}`.indexOf(`\0${MARK_VARIABLE}=`);
    mark = at < 0 ? null : environ.slice(at + MARK_VARIABLE.length + 1, (environ.indexOf('\0', at) + 1 || environ.length + 1) - 1);
    marks.set(key, mark);
  }
  return mark;
}

/** The living processes of a node: itself, its group, those with its mark, and all their descendants. */
function membersOf(processes, root, mark) {
  const seen = new Map();
  const marked = (pid, info) => {
    const value = markOf(pid, info);
    seen.set(`${pid}:${info.started}`, value);
    return value === mark;
  };
  const members = new Set();
  // The root itself only while it is provably the node (the pid of a reaped node may be reused).
  const rootInfo = processes.get(root);
  if (rootInfo && !rootInfo.dead && (rootInfo.ppid === process.pid || marked(root, rootInfo))) members.add(root);
  for (const [pid, p] of processes) {
    if (p.dead || members.has(pid)) continue;
    // A process group id is not reused while the group has members.
    if (p.pgid === root || marked(pid, p)) members.add(pid);
  }
  marks = seen; // forget processes that are gone
  const children = new Map();
  for (const [pid, p] of processes) {
    if (p.dead) continue;
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(pid);
    else children.set(p.ppid, [pid]);
  }
  const queue = [...members];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()) ?? []) {
      if (!members.has(child)) {
        members.add(child);
        queue.push(child);
      }
    }
  }
  return members;
}

/** The children of a process (of all its threads), or null where the kernel does not list them. */
function childrenOf(pid) {
  let threads;
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // gone
  }
  const children = [];
  for (const tid of threads) {
    const text = readProc(`/proc/${pid}/task/${tid}/children`);
    if (text === null) return fs.existsSync(`/proc/${pid}/task/${tid}`) ? null : children;
    for (const word of text.split(' ')) if (word) children.push(Number(word));
  }
  return children;
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/**
 * Kills the node process `root` (the leader of its own process group) and every descendant,
 * also those that left its group or lost their parent. Synchronous; returns the pids killed.
 */
export function killTree(root, mark) {
  const processes = listProcesses();
  if (processes === null) {
    signal(-root, 'SIGKILL');
    return [root];
  }
  const stopped = new Set();
  let fresh = [...membersOf(processes, root, mark)];
  while (fresh.length > 0) {
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      stopped.add(pid);
    }
    // Children forked since the scan, before the stop (a stopped process starts no more).
    const next = new Set();
    for (const pid of fresh) {
      const children = childrenOf(pid);
      if (children === null) {
        // The kernel does not list children: look at every process again.
        for (const member of membersOf(listProcesses() ?? new Map(), root, mark)) if (!stopped.has(member)) next.add(member);
        break;
      }
      for (const child of children) if (!stopped.has(child)) next.add(child);
    }
    fresh = [...next];
  }
  signal(-root, 'SIGKILL');
  for (const pid of stopped) signal(pid, 'SIGKILL');
  // SIGKILL takes effect when the kernel next schedules the process: look until all are gone.
  let left = [...stopped];
  for (let waited = 0; waited < 1000 && left.length > 0; waited++) {
    left = left.filter((pid) => {
      const info = readStat(pid);
      return info !== null && !info.dead;
    });
    for (const pid of left) signal(pid, 'SIGKILL');
    if (left.length > 0) sleep(1);
  }
  return [...stopped];
}
