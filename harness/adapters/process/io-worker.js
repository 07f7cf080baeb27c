// The I/O side of the external-process driver, in a worker thread: it owns the node
// processes and does their asynchronous I/O, so that the simulator on the main thread stays
// synchronous (it blocks on Atomics.wait until this worker answers; see host.ts).
//
// Plain JavaScript on purpose: a worker thread cannot load TypeScript without a loader, and
// neither tsx's programmatic registration nor vitest's transform reaches worker threads.
//
// Protocol with the main thread (over `port`; every answer carries the request's `seq`, is
// posted first and then signalled through the shared `flag`):
//   {op: 'spawn', seq, key, mark, file, args, maxLineBytes} -> {ok, pid} | {ok: false, error: 'spawn', message}
//   {op: 'request', seq, key, line}                  -> {ok, line} | {ok: false, error, message, stderr}
//   {op: 'kill', seq, key}                           -> {ok, stderr}
// Errors: 'exit' (the process ended), 'flood' (too much output), 'unsolicited' (output that
// answers no request).
import { spawn } from 'node:child_process';
import { workerData } from 'node:worker_threads';
import { killTree, MARK_VARIABLE } from './process-tree.js';

const { port, flag: flagBuffer, reaperPath } = workerData;
const flag = new Int32Array(flagBuffer);
const STDERR_TAIL = 4096;

/** @type {Map<string, any>} */
const children = new Map();

// The reaper kills every node process if this whole process dies without cleaning up
// (Ctrl-C, SIGTERM, SIGKILL): it notices when its stdin closes.
const reaper = spawn(process.execPath, [reaperPath], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
reaper.stdin.on('error', () => {});
reaper.unref();

function answer(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function fail(child, error, message) {
  child.failure ??= { error, message };
  if (child.pending !== null) {
    const seq = child.pending;
    child.pending = null;
    answer({ seq, ok: false, ...child.failure, stderr: child.stderr });
  }
}

/** The node and everything it started: its process group, and descendants that left it (process-tree.js). */
function killGroup(child) {
  if (child.closed) return;
  killTree(child.proc.pid, child.mark);
  try {
    child.proc.kill('SIGKILL');
  } catch {
    // already gone
  }
}

function onStdout(child, text) {
  let rest = text;
  for (;;) {
    const nl = rest.indexOf('\n');
    if (nl < 0) break;
    const line = child.partial + rest.slice(0, nl);
    child.partial = '';
    rest = rest.slice(nl + 1);
    if (child.pending !== null && child.lines.length === 0) {
      const seq = child.pending;
      child.pending = null;
      answer({ seq, ok: true, line });
    } else {
      child.lines.push(line);
      child.buffered += line.length;
    }
  }
  child.partial += rest;
  if (child.partial.length > child.maxLineBytes) {
    fail(child, 'flood', `wrote a line longer than ${child.maxLineBytes} bytes`);
    killGroup(child);
  } else if (child.buffered + child.partial.length > child.maxLineBytes || child.lines.length > 1000) {
    fail(child, 'flood', `wrote more than ${child.lines.length > 1000 ? '1000 lines' : `${child.maxLineBytes} bytes`} that answer no request`);
    killGroup(child);
  }
}

function spawnChild(msg) {
  let proc;
  try {
    // detached: a process group (and session) of its own; the mark finds its descendants wherever they go.
    proc = spawn(msg.file, msg.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, windowsHide: true, env: { ...process.env, [MARK_VARIABLE]: msg.mark } });
  } catch (error) {
    answer({ seq: msg.seq, ok: false, error: 'spawn', message: String(error?.message ?? error) });
    return;
  }
  const child = { proc, mark: msg.mark, pending: null, lines: [], buffered: 0, partial: '', stderr: '', failure: null, closed: false, maxLineBytes: msg.maxLineBytes, killers: [] };
  children.set(msg.key, child);
  let started = false;
  proc.once('spawn', () => {
    started = true;
    reaper.stdin.write(`+${proc.pid} ${msg.mark}\n`);
    answer({ seq: msg.seq, ok: true, pid: proc.pid });
  });
  proc.once('error', (error) => {
    if (!started) {
      children.delete(msg.key);
      answer({ seq: msg.seq, ok: false, error: 'spawn', message: error.code === 'ENOENT' ? `command not found: ${msg.file}` : String(error.message) });
    }
  });
  proc.stdin.on('error', () => {}); // a node that exits leaves a broken pipe: 'close' reports it
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (text) => onStdout(child, text));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (text) => {
    child.stderr = (child.stderr + text).slice(-STDERR_TAIL);
  });
  // 'close' comes after the output streams are drained: a reply written just before exiting still counts.
  proc.once('close', (code, signal) => {
    child.closed = true;
    if (started) reaper.stdin.write(`-${proc.pid}\n`);
    fail(child, 'exit', signal ? `was killed by ${signal}` : `exited with code ${code}`);
    for (const done of child.killers.splice(0)) done();
  });
}

function request(msg) {
  const child = children.get(msg.key);
  if (!child) return answer({ seq: msg.seq, ok: false, error: 'exit', message: 'is not running', stderr: '' });
  if (child.failure) return answer({ seq: msg.seq, ok: false, ...child.failure, stderr: child.stderr });
  if (child.lines.length > 0) {
    child.failure = { error: 'unsolicited', message: `wrote a line that answers no request: ${JSON.stringify(child.lines[0].slice(0, 200))}` };
    return answer({ seq: msg.seq, ok: false, ...child.failure, stderr: child.stderr });
  }
  child.pending = msg.seq;
  child.proc.stdin.write(msg.line + '\n');
}

function kill(msg) {
  const child = children.get(msg.key);
  if (!child) return answer({ seq: msg.seq, ok: true, stderr: '' });
  children.delete(msg.key);
  const done = () => answer({ seq: msg.seq, ok: true, stderr: child.stderr });
  if (child.closed) return done();
  child.failure ??= { error: 'exit', message: 'was stopped by raftcheck' };
  child.pending = null;
  child.killers.push(done);
  killGroup(child);
}

port.on('message', (msg) => {
  switch (msg.op) {
    case 'spawn':
      return spawnChild(msg);
    case 'request':
      return request(msg);
    case 'kill':
      return kill(msg);
  }
});
