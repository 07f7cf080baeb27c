import { DEFAULT_NODE_CONFIG } from '../../../src/raft/types.js';
import type { TraceLine } from '../../../src/trace/schema.js';
import { durationOption, EXIT, featuresOption, intOption, parseCommandLine, probabilityOption, snapshotEveryOption, UsageError, type Command } from '../command.js';
import { implHelp, implOption, interleaveHelp } from '../impl-option.js';
import { runFeatures } from '../../adapters/features.js';
import { checkOutputFile } from '../outputs.js';
import { interruptible, yieldToSignals } from '../interrupt.js';
import { DEFAULT_SIMULATION, nodeIds, prepareSimulation, type PreparedSimulation, type SimulationOptions } from '../../simulator/simulate.js';
import { TraceFileWriter } from '../../trace/writer.js';
import type { TraceSink } from '../../trace/sink.js';

function rangeOption(name: string, raw: string | undefined, fallback: { min: number; max: number }): { min: number; max: number } {
  if (raw === undefined) return fallback;
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*(ms)?\s*$/.exec(raw);
  if (!m) throw new UsageError(`--${name}: expected a range in ms such as 1-10 or 5ms, got '${raw}'`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < min) throw new UsageError(`--${name}: the range ${raw} is empty`);
  return { min, max };
}

/** Virtual time simulated between two looks at the wall clock. */
const SLICE_MS = 100;

/**
 * Runs the simulation in slices of virtual time (the same trace as one go), letting the event
 * loop turn every 50 ms of wall-clock time so that Ctrl-C is handled while the trace is written.
 */
async function runInSlices(run: PreparedSimulation) {
  let yielded = performance.now();
  for (let until = SLICE_MS; ; until += SLICE_MS) {
    run.cluster.runUntil(Math.min(until, run.durationMs));
    if (until >= run.durationMs) break;
    if (performance.now() - yielded >= 50) {
      await yieldToSignals();
      yielded = performance.now();
    }
  }
  return run.finish();
}

/** fuzz's option help, in this page's wider columns (descriptions at column 26, not 21). */
function widen(help: string): string {
  return help.split('\n').map((line) => {
    const indented = `    ${line}`;
    return `${indented.slice(0, 25)} ${indented.slice(25)}`;
  }).join('\n');
}

/** Writes lines to stdout, for `-o -`. */
class StdoutSink implements TraceSink {
  constructor(private readonly out: (text: string) => void) {}
  private buffer: string[] = [];
  write(line: TraceLine): void {
    this.buffer.push(JSON.stringify(line) + '\n');
    if (this.buffer.length >= 4096) this.flush();
  }
  private flush(): void {
    this.out(this.buffer.join(''));
    this.buffer = [];
  }
  close(): void {
    this.flush();
  }
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run reference nodes (or any implementation) in a seeded, deterministic simulation and write the v1 trace',
  help: `Usage: raftcheck simulate -o FILE [options]

Runs a cluster of Raft nodes (the reference unless --impl says otherwise) in virtual time and
writes the trace (format v1). Everything random (timeouts, delays, losses, faults, clients)
comes from --seed: the same arguments give a byte-identical file. Nothing is checked: validate
the trace with 'raftcheck validate'.

Options:
  -o, --out FILE          where to write the trace ('-' for stdout); required
${widen(implHelp('reference'))}
${widen(interleaveHelp)}
      --nodes N           cluster size (default ${DEFAULT_SIMULATION.nodes})
      --seed S            integer seed (default ${DEFAULT_SIMULATION.seed})
      --duration D        virtual time to simulate: 500ms, 10s, 2m (default 10s)
      --delay A-B         message delay range in ms, uniform (default 1-10)
      --drop P            probability a message is lost (default 0)
      --dup P             probability a message is delivered twice (default 0)
      --partition-every D mean time between partitions (random groups or one-way cuts;
                          each heals after a while); default (or 0): none
      --crash-every D     mean time between crashes (a random node; it restarts from its
                          persistent state after a while); default (or 0): none
      --clients K         clients issuing set/get/cas operations (default 0)
      --client-timeout D  a client gives up on an unanswered operation after D (default 1s)
      --election-timeout A-B  election timeout range in ms (default 150-300)
      --heartbeat D       heartbeat interval (default 50ms)
      --features LIST     protocol extensions the nodes run: prevote, checkquorum, transfer,
                          snapshot, heartbeat, membership (comma-separated, or all); default
                          none; declared in the header;
                          with --impl, those the implementation declares (give none, or the same)
      --snapshot-every N  with --features snapshot: a node snapshots once it has applied N
                          entries past its last snapshot (default 100), in the header's params
      --members N         with --features membership: the first N nodes are the initial
                          configuration's voters, the others start outside it (default: all)
      --reconfigure-every D  with --features membership: mean time between requests to the
                          leader to add, promote or remove a random node (default (or 0): none)
      --force             replace FILE if it exists
  -h, --help              show this help

Prints a one-line summary on stderr: events, leaders by term, highest commit, client operations.
The trace is written to a temporary file beside FILE and renamed at the end: Ctrl-C deletes
it and leaves FILE untouched.

Examples:
  raftcheck simulate --nodes 5 --seed 7 --duration 10s -o a.jsonl
  raftcheck simulate --seed 3 --drop 0.1 --dup 0.05 --partition-every 2s --crash-every 3s --clients 2 -o f.jsonl
  raftcheck simulate --features prevote,checkquorum --partition-every 2s --clients 2 -o pv.jsonl
  raftcheck simulate --features snapshot --snapshot-every 5 --crash-every 2s --clients 2 -o snap.jsonl
  raftcheck simulate --features membership --nodes 5 --members 3 --reconfigure-every 1s --clients 2 -o m.jsonl
  raftcheck simulate --impl ./my-async-adapter.ts --interleave --clients 2 --seed 5 -o a.jsonl

Exit codes: 0 written; 1 the implementation failed (threw, or an adapter verdict: the trace
so far is kept); 2 usage error.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      out: { type: 'string', short: 'o' },
      nodes: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      delay: { type: 'string' },
      drop: { type: 'string' },
      dup: { type: 'string' },
      'partition-every': { type: 'string' },
      'crash-every': { type: 'string' },
      clients: { type: 'string' },
      'client-timeout': { type: 'string' },
      'election-timeout': { type: 'string' },
      heartbeat: { type: 'string' },
      features: { type: 'string' },
      'snapshot-every': { type: 'string' },
      members: { type: 'string' },
      'reconfigure-every': { type: 'string' },
      force: { type: 'boolean' },
      impl: { type: 'string' },
      'reply-timeout': { type: 'string' },
      interleave: { type: 'boolean' },
      'skip-rules': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.out === undefined) throw new UsageError('-o FILE is required (use -o - for stdout)');
    const electionTimeout = rangeOption('election-timeout', values['election-timeout'], DEFAULT_NODE_CONFIG.electionTimeout);
    if (electionTimeout.min < 1) throw new UsageError('--election-timeout: must be at least 1ms');
    const heartbeat = durationOption('heartbeat', values.heartbeat, DEFAULT_NODE_CONFIG.heartbeatInterval);
    if (heartbeat < 1 || heartbeat >= electionTimeout.min) throw new UsageError(`--heartbeat: must be at least 1ms and below the election timeout (${electionTimeout.min}ms)`);
    const options: SimulationOptions = {
      nodes: intOption('nodes', values.nodes, DEFAULT_SIMULATION.nodes, 1, 99),
      seed: intOption('seed', values.seed, DEFAULT_SIMULATION.seed, -Number.MAX_SAFE_INTEGER),
      durationMs: durationOption('duration', values.duration, DEFAULT_SIMULATION.durationMs),
      delay: rangeOption('delay', values.delay, DEFAULT_SIMULATION.delay),
      drop: probabilityOption('drop', values.drop, 0),
      duplicate: probabilityOption('dup', values.dup, 0),
      partitionEvery: durationOption('partition-every', values['partition-every'], 0, { zero: true }),
      crashEvery: durationOption('crash-every', values['crash-every'], 0, { zero: true }),
      clients: intOption('clients', values.clients, 0, 0, 1000),
      clientTimeout: durationOption('client-timeout', values['client-timeout'], DEFAULT_SIMULATION.clientTimeout),
      node: { ...DEFAULT_NODE_CONFIG, electionTimeout, heartbeatInterval: heartbeat },
      ...(values.impl !== undefined ? { impl: values.impl } : {}),
      ...(values.interleave ? { interleave: true } : {}),
    };
    if (options.drop >= 1) throw new UsageError('--drop: must be below 1 (no message would ever arrive)');
    const custom = values.impl !== undefined || values.interleave || values['skip-rules'] !== undefined;
    const createNode = custom ? await implOption(values.impl ?? 'reference', values['reply-timeout'], values['skip-rules'], values.interleave === true) : undefined;
    // The reference runs the features asked for; an adapter or a driver those it declares (harness/adapters/features.ts).
    const requested = values.features === undefined ? undefined : featuresOption(values.features);
    const features = createNode ? runFeatures(createNode, requested) : requested ?? [];
    if ('error' in features) throw new UsageError(`--features: ${features.error}: leave --features out, or give the same list`);
    if (features.length > 0) options.node = { ...options.node, features };
    // Feature `snapshot`: the interval is in the header's params (default 100).
    if (features.includes('snapshot')) options.node = { ...options.node, snapshotEvery: 100, ...snapshotEveryOption(values['snapshot-every'], features) };
    else snapshotEveryOption(values['snapshot-every'], features);
    // Feature `membership`: the initial configuration (in the header's params) and the changes asked for.
    if ((values.members !== undefined || values['reconfigure-every'] !== undefined) && !features.includes('membership')) {
      throw new UsageError(`--${values.members !== undefined ? 'members' : 'reconfigure-every'}: needs --features membership`);
    }
    if (values.members !== undefined) {
      const members = intOption('members', values.members, options.nodes, 1, options.nodes);
      options.node = { ...options.node, configuration: { voters: nodeIds(options.nodes).slice(0, members), learners: [] } };
    }
    const reconfigureEvery = durationOption('reconfigure-every', values['reconfigure-every'], 0, { zero: true });
    if (reconfigureEvery > 0) options.reconfigureEvery = reconfigureEvery;
    let sink: TraceSink;
    if (values.out === '-') {
      sink = new StdoutSink(io.out);
    } else {
      checkOutputFile('-o', values.out, { force: Boolean(values.force) });
      sink = new TraceFileWriter(values.out, { overwrite: Boolean(values.force) });
    }
    let result;
    try {
      result = await interruptible(() => runInSlices(prepareSimulation(options, sink, createNode)));
    } catch (error) {
      // An implementation that throws (or an adapter verdict) ends the run: keep the trace so far, say why.
      const rule = typeof error === 'object' && error !== null && 'rule' in error ? String((error as { rule: unknown }).rule) : null;
      if (!createNode || !(error instanceof Error)) {
        if (sink instanceof TraceFileWriter) sink.abort();
        throw error;
      }
      sink.close();
      io.err(`raftcheck simulate: ${options.impl ?? 'the implementation'} failed${rule ? ` [${rule}]` : ''}: ${error.message}; the trace up to there is in ${values.out === '-' ? 'stdout' : values.out}\n`);
      return EXIT.failed;
    }
    result.cluster.dispose();
    const leaders = result.leaders.map((l) => `${l.term}:${l.node}`).join(' ') || 'none';
    const clients = result.clients
      ? `; client operations: ${result.clients.invoked} invoked, ${result.clients.ok} ok, ${result.clients.casFailed} cas failed, ${result.clients.notLeader} redirected, ${result.clients.unknown} unknown`
      : '';
    io.err(`simulated ${options.nodes} nodes for ${options.durationMs} ms (seed ${options.seed}): ${result.lines} lines; leaders by term: ${leaders}; highest commit ${result.maxCommit}${clients}\n`);
    return EXIT.ok;
  },
};
