import { DEFAULT_NODE_CONFIG } from '../../../src/raft/types.js';
import type { TraceLine } from '../../../src/trace/schema.js';
import { durationOption, EXIT, featuresOption, InputError, intOption, parseCommandLine, probabilityOption, snapshotEveryOption, UsageError, type Command } from '../command.js';
import { DEFAULT_SIMULATION, simulate, type SimulationOptions } from '../../simulator/simulate.js';
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
  summary: 'run reference nodes in a seeded, deterministic simulation and write the v1 trace',
  help: `Usage: raftcheck simulate -o FILE [options]

Runs a cluster of reference Raft nodes in virtual time and writes the trace (format v1).
Everything random (timeouts, delays, losses, faults, clients) comes from --seed: the same
arguments give a byte-identical file.

Options:
  -o, --out FILE          where to write the trace ('-' for stdout); required
      --nodes N           cluster size (default ${DEFAULT_SIMULATION.nodes})
      --seed S            integer seed (default ${DEFAULT_SIMULATION.seed})
      --duration D        virtual time to simulate: 500ms, 10s, 2m (default 10s)
      --delay A-B         message delay range in ms, uniform (default 1-10)
      --drop P            probability a message is lost (default 0)
      --dup P             probability a message is delivered twice (default 0)
      --partition-every D mean time between partitions (random groups or one-way cuts;
                          each heals after a while); default: none
      --crash-every D     mean time between crashes (a random node; it restarts from its
                          persistent state after a while); default: none
      --clients K         clients issuing set/get/cas operations (default 0)
      --client-timeout D  a client gives up on an unanswered operation after D (default 1s)
      --election-timeout A-B  election timeout range in ms (default 150-300)
      --heartbeat D       heartbeat interval (default 50ms)
      --features LIST     protocol extensions the nodes run: prevote, checkquorum, transfer,
                          snapshot (comma-separated, or all; default none), declared in the header
      --snapshot-every N  with --features snapshot: a node snapshots once it has applied N
                          entries past its last snapshot (default 100), in the header's params
      --force             replace FILE if it exists
  -h, --help              show this help

Prints a one-line summary on stderr: events, leaders by term, highest commit, client operations.

Examples:
  raftcheck simulate --nodes 5 --seed 7 --duration 10s -o a.jsonl
  raftcheck simulate --seed 3 --drop 0.1 --dup 0.05 --partition-every 2s --crash-every 3s --clients 2 -o f.jsonl
  raftcheck simulate --features prevote,checkquorum --partition-every 2s --clients 2 -o pv.jsonl
  raftcheck simulate --features snapshot --snapshot-every 5 --crash-every 2s --clients 2 -o snap.jsonl
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
      force: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.out === undefined) throw new UsageError('-o FILE is required (use -o - for stdout)');
    const electionTimeout = rangeOption('election-timeout', values['election-timeout'], DEFAULT_NODE_CONFIG.electionTimeout);
    if (electionTimeout.min < 1) throw new UsageError('--election-timeout: must be at least 1ms');
    const heartbeat = durationOption('heartbeat', values.heartbeat, DEFAULT_NODE_CONFIG.heartbeatInterval);
    if (heartbeat < 1 || heartbeat >= electionTimeout.min) throw new UsageError(`--heartbeat: must be at least 1ms and below the election timeout (${electionTimeout.min}ms)`);
    const features = featuresOption(values.features);
    const snapshotEvery = features.includes('snapshot') ? { snapshotEvery: 100, ...snapshotEveryOption(values['snapshot-every'], features) } : snapshotEveryOption(values['snapshot-every'], features);
    const options: SimulationOptions = {
      nodes: intOption('nodes', values.nodes, DEFAULT_SIMULATION.nodes, 1, 99),
      seed: intOption('seed', values.seed, DEFAULT_SIMULATION.seed, -Number.MAX_SAFE_INTEGER),
      durationMs: durationOption('duration', values.duration, DEFAULT_SIMULATION.durationMs),
      delay: rangeOption('delay', values.delay, DEFAULT_SIMULATION.delay),
      drop: probabilityOption('drop', values.drop, 0),
      duplicate: probabilityOption('dup', values.dup, 0),
      partitionEvery: durationOption('partition-every', values['partition-every'], 0),
      crashEvery: durationOption('crash-every', values['crash-every'], 0),
      clients: intOption('clients', values.clients, 0, 0, 1000),
      clientTimeout: durationOption('client-timeout', values['client-timeout'], DEFAULT_SIMULATION.clientTimeout),
      node: { ...DEFAULT_NODE_CONFIG, electionTimeout, heartbeatInterval: heartbeat, ...(features.length > 0 ? { features } : {}), ...snapshotEvery },
    };
    if (options.drop >= 1) throw new UsageError('--drop: must be below 1 (no message would ever arrive)');
    let sink: TraceSink;
    if (values.out === '-') {
      sink = new StdoutSink(io.out);
    } else {
      try {
        sink = new TraceFileWriter(values.out, { overwrite: Boolean(values.force) });
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message : String(error));
      }
    }
    let result;
    try {
      result = simulate(options, sink);
    } catch (error) {
      if (sink instanceof TraceFileWriter) sink.abort();
      throw error;
    }
    const leaders = result.leaders.map((l) => `${l.term}:${l.node}`).join(' ') || 'none';
    const clients = result.clients
      ? `; client operations: ${result.clients.invoked} invoked, ${result.clients.ok} ok, ${result.clients.casFailed} cas failed, ${result.clients.notLeader} redirected, ${result.clients.unknown} unknown`
      : '';
    io.err(`simulated ${options.nodes} nodes for ${options.durationMs} ms (seed ${options.seed}): ${result.lines} lines; leaders by term: ${leaders}; highest commit ${result.maxCommit}${clients}\n`);
    return EXIT.ok;
  },
};
