/**
 * `npm run bench [-- --quick] [-- --only startup|explore|snapshot-memory]`: measures raftcheck's
 * speed in one run, prints the table and writes BENCHMARKS.md (atomically) with the machine and
 * the date. `--only startup` measures the start-up of the CLI alone, `--only explore` the
 * exhaustive search (`raftcheck explore`), `--only snapshot-memory` the validation memory with
 * snapshots on (snapshot-memory.ts), each rewriting only its section.
 *
 * Every figure is the median of several runs, and every ratio is taken run by run from two
 * measurements made side by side (then its median), so that a busy machine slows both sides
 * alike. This is a CLI edge: wall-clock timing is its purpose; it is never part of the tests.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext } from '../../src/raft/context.js';
import { createReferenceNode, type Engine } from '../../src/raft/node.js';
import { acceptAppendEntries } from '../../src/raft/rules/replication.js';
import { createRandom } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG, type AppendEntries } from '../../src/raft/types.js';
import { SemanticChecker } from '../checker/semantic-checker.js';
import { checkLinearizable } from '../checker/linearizability/search.js';
import { runCampaign } from '../fuzz/campaign.js';
import { loadImplementation } from '../fuzz/implementations.js';
import { runPoolCampaign } from '../fuzz/pool-campaign.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { parseJepsenHistory } from '../importers/jepsen.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { MUTANTS } from '../mutants/catalogue.js';
import { huntMutant } from '../mutants/hunt.js';
import { DEFAULT_SIMULATION, simulate, type SimulationOptions } from '../simulator/simulate.js';
import { TraceFileWriter } from '../trace/writer.js';
import { readLines } from '../trace/reader.js';
import { validateTraceFile } from '../validate/validate-file.js';
import { describeMachine, fmt, median, time, timeAsync } from './measure.js';
import { SNAPSHOT_MEMORY_HEADING, snapshotMemory } from './snapshot-memory.js';
import { buildModel } from '../explore/build-model.js';
import { explore, type SearchResult } from '../explore/search.js';
import { exploreParallel } from '../explore/parallel/explore-parallel.js';
import type { ExploreBounds } from '../explore/model.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const JEPSEN = path.resolve(ROOT, 'traces/external/porcupine/jepsen');
const quick = process.argv.includes('--quick');
/** `--only startup|explore|snapshot-memory`: measure that section alone and rewrite only it in BENCHMARKS.md. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'startup' && only !== 'explore' && only !== 'snapshot-memory') {
  process.stderr.write(`--only: expected startup, explore or snapshot-memory, got '${only}'\n`);
  process.exit(2);
}
const onlyStartup = only === 'startup';
const onlyExplore = only === 'explore';
const EXPLORE_HEADING = '## Exhaustive search';
const STARTUP_HEADING = '## Start-up';
const RUNS = quick ? 1 : 3;
const MiB = 2 ** 20;

interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: string;
}

const rows: Row[] = [];
/** Why a target is missed, written under the table (evaluated at the end, when every figure is known). */
const notes: Array<() => string> = [];
let xstateCost = 0;
let interpreterCost = 0;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function row(figure: string, value: string, target = '', verdict = ''): void {
  rows.push({ figure, value, target, verdict });
}

function verdict(met: boolean): string {
  return met ? 'met' : 'not met';
}

/** A 5-node trace with faults and (unless `clients` is 0) client writes throughout. */
function makeTrace(file: string, durationMs: number, seed: number, clients = 4): number {
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION, nodes: 5, seed, durationMs, drop: 0.02, duplicate: 0.01, crashEvery: 20_000, partitionEvery: 30_000, clients,
  };
  fs.rmSync(file, { force: true });
  return simulate(options, new TraceFileWriter(file)).lines;
}

/** About 1,300 lines per virtual second with clients, 280 without (measured); overshoot a little. */
const durationFor = (events: number, perSecond: number) => Math.ceil((events / perSecond) * 1000);

/** Copies the first `count` lines of a trace: the same run, exactly a tenth as long, say. */
function prefixOf(source: string, target: string, count: number): number {
  const fd = fs.openSync(target, 'w');
  let batch: string[] = [];
  let n = 0;
  try {
    readLines(source, (text) => {
      batch.push(text);
      if (++n % 10_000 === 0) {
        fs.writeSync(fd, `${batch.join('\n')}\n`);
        batch = [];
      }
    }, { shouldStop: () => n >= count });
    if (batch.length > 0) fs.writeSync(fd, `${batch.join('\n')}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

function bareParse(file: string): number {
  let n = 0;
  readLines(file, (text) => {
    JSON.parse(text);
    n++;
  });
  return n;
}

interface Memory {
  rssMiB: number;
  heapMiB: number;
}

function memoryOf(file: string): Memory {
  const script = path.join(ROOT, 'harness/bench/peak-memory.ts');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx/esm', script, file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peak-memory child failed: ${r.stderr}`);
  const { maxRssKiB, heapAtEnd } = JSON.parse(r.stdout) as { maxRssKiB: number; heapAtEnd: number };
  return { rssMiB: maxRssKiB / 1024, heapMiB: heapAtEnd / MiB };
}

function validationThroughput(big: string, lines: number): void {
  const parseRates: number[] = [];
  const fullRates: number[] = [];
  const schemaRates: number[] = [];
  const ratios: number[] = [];
  const schemaRatios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const parse = time(() => bareParse(big)).ms;
    const v = time(() => validateTraceFile(big));
    if (!v.value.valid) throw new Error(`the bench trace is invalid: ${JSON.stringify(v.value.errors[0])}`);
    const schema = time(() => validateTraceFile(big, { schemaOnly: true })).ms;
    parseRates.push(lines / (parse / 1000));
    fullRates.push(lines / (v.ms / 1000));
    schemaRates.push(lines / (schema / 1000));
    ratios.push(parse / v.ms);
    schemaRatios.push(parse / schema);
  }
  const ratio = median(ratios);
  log(`  bare read + JSON.parse ${fmt(median(parseRates))} lines/s; full validation ${fmt(median(fullRates))} events/s (×${fmt(ratio, 2)}); schema only ${fmt(median(schemaRates))} events/s`);
  row(`bare read + JSON.parse of the same file`, `${fmt(median(parseRates))} lines/s`);
  row('full validation (schema, conformance, invariants, linearizability)', `${fmt(median(fullRates))} events/s`);
  row('full validation / bare parse (side by side)', fmt(ratio, 2), '≥ 0.5', verdict(ratio >= 0.5));
  row('schema-level validation', `${fmt(median(schemaRates))} events/s (${fmt(median(schemaRatios), 2)} of bare parse)`);
  if (ratio < 0.5) {
    const schema = median(schemaRatios);
    notes.push(() => `*Validation / parse* (${fmt(ratio, 2)}): parsing is a floor that validation cannot go below, and validation does much more per event. The schema level alone (ajv's check of every line, then node ids, sequence numbers and every receive matched to its send) takes ${fmt(1 / schema, 2)}× the time of bare parsing, so 0.5 would leave the semantic layers nothing; full validation takes ${fmt(1 / ratio, 2)}×. On top of the schema level, each node's steps drive a shadow reference statechart whose state is compared with the logged post-state (on the direct interpreter of the chart, which costs ×${fmt(interpreterCost, 1)} the rule called directly where the XState actor costs ×${fmt(xstateCost, 1)}), the cluster invariants follow every node's log, and the client history is checked for linearizability. What is left is mostly allocation: JSON.parse's objects, which the checker keeps (logs, shadows, the window of received messages) for longer than V8's young generation, and the per-effect records of the shadows.`);
  }
}

/** Peak RSS and retained heap validating a trace and its first tenth; then the same for a run without client writes. */
function memoryFlatness(big: string, bigLines: number, target: number, dir: string): void {
  const small = path.join(dir, 'tenth.jsonl');
  const smallLines = prefixOf(big, small, Math.floor(bigLines / 10));
  const a = memoryOf(small);
  const b = memoryOf(big);
  const growth = b.rssMiB / a.rssMiB;
  log(`  peak RSS ${fmt(a.rssMiB)} → ${fmt(b.rssMiB)} MiB, live heap at the end ${fmt(a.heapMiB)} → ${fmt(b.heapMiB)} MiB for ${fmt(smallLines)} → ${fmt(bigLines)} events`);
  row(`peak RSS validating the first tenth of the trace, then all of it (${fmt(smallLines)} → ${fmt(bigLines)} events)`, `${fmt(a.rssMiB)} → ${fmt(b.rssMiB)} MiB (×${fmt(growth, 2)})`, 'flat (≤ ×1.5)', verdict(growth <= 1.5));
  row('live heap after the last line (the checker\'s state)', `${fmt(a.heapMiB)} → ${fmt(b.heapMiB)} MiB`);

  // The same faults with no client writes: the log stops growing, the trace does not.
  const idle = path.join(dir, 'idle.jsonl');
  const idleTenth = path.join(dir, 'idle-tenth.jsonl');
  const idleLines = makeTrace(idle, durationFor(target, 280), 13, 0);
  const idleTenthLines = prefixOf(idle, idleTenth, Math.floor(idleLines / 10));
  const c = memoryOf(idleTenth);
  const d = memoryOf(idle);
  fs.rmSync(idle, { force: true });
  log(`  no client writes: peak RSS ${fmt(c.rssMiB)} → ${fmt(d.rssMiB)} MiB, live heap ${fmt(c.heapMiB)} → ${fmt(d.heapMiB)} MiB for ${fmt(idleTenthLines)} → ${fmt(idleLines)} events`);
  row(`the same for a run without client writes (the log stays short), ${fmt(idleTenthLines)} → ${fmt(idleLines)} events`, `peak RSS ${fmt(c.rssMiB)} → ${fmt(d.rssMiB)} MiB (×${fmt(d.rssMiB / c.rssMiB, 2)}); live heap ${fmt(c.heapMiB)} → ${fmt(d.heapMiB)} MiB`);
  if (growth > 1.5) {
    notes.push(() => `*Peak memory* (×${fmt(growth, 2)} for a 10× longer trace): what grows is the Raft log, not the trace. The checker must keep every node's log (Log Matching, Leader Completeness and State Machine Safety compare them; the shadow references of the conformance layer keep theirs), and the client history for linearizability. The simulated cluster never compacts its log, and on this workload four clients write throughout, so the log grows with the trace (live heap row). Peak RSS also includes V8's working heap, which lets garbage reach a few times the live data before a full collection and settles at its working size only some way into a long run. Without client writes the log stays short: the retained heap stays ${fmt(c.heapMiB)} → ${fmt(d.heapMiB)} MiB over a 10× longer trace, and what peak RSS still gains (×${fmt(d.rssMiB / c.rssMiB, 2)}) is that working heap settling, not retained data. Lost messages, which were kept to the end of the trace, are now forgotten at their \`drop\` event. Flat memory on a growing log needs log compaction (snapshots) in the trace format and the checker.`);
  }
}

/**
 * `raftcheck validate`, `view` and `diagram --coverage` as whole processes on the same trace,
 * one after the other in each round (so that a busy machine slows all three alike), with
 * --progress as a person would run them on a long trace: each reads and checks every line,
 * view and coverage must stay within 2× of validate.
 */
function wholeProcesses(big: string, lines: number, dir: string): void {
  const cli = path.join(ROOT, 'harness/cli/raftcheck.js');
  const report = path.join(dir, 'big.html');
  const run = (argv: string[]): number => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, ...argv], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * MiB });
    if (r.status !== 0) throw new Error(`raftcheck ${argv.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr.slice(-500)}`);
    return (performance.now() - t) / 1000;
  };
  const seconds: Record<'validate' | 'view' | 'coverage', number[]> = { validate: [], view: [], coverage: [] };
  const viewRatios: number[] = [];
  const coverageRatios: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(os.loadavg()[0] ?? 0);
    const validate = run(['validate', '--progress', big]);
    const view = run(['view', '--progress', '--force', '-o', report, big]);
    const coverage = run(['diagram', '--coverage', '--progress', big]);
    seconds.validate.push(validate);
    seconds.view.push(view);
    seconds.coverage.push(coverage);
    viewRatios.push(view / validate);
    coverageRatios.push(coverage / validate);
  }
  loads.push(os.loadavg()[0] ?? 0);
  fs.rmSync(report, { force: true });
  const [viewRatio, coverageRatio] = [median(viewRatios), median(coverageRatios)];
  const load = `load average ${fmt(Math.min(...loads), 2)}–${fmt(Math.max(...loads), 2)}`;
  log(`  validate ${fmt(median(seconds.validate), 1)} s, view ${fmt(median(seconds.view), 1)} s (×${fmt(viewRatio, 2)}), diagram --coverage ${fmt(median(seconds.coverage), 1)} s (×${fmt(coverageRatio, 2)}); ${load}`);
  row(`whole processes on the same ${fmt(lines)}-event trace, --progress: raftcheck validate`, `${fmt(median(seconds.validate), 1)} s (${load})`);
  const met = viewRatio <= 2 && coverageRatio <= 2;
  row('raftcheck view (the HTML report) / validate; diagram --coverage / validate (side by side)', `×${fmt(viewRatio, 2)} (${fmt(median(seconds.view), 1)} s); ×${fmt(coverageRatio, 2)} (${fmt(median(seconds.coverage), 1)} s)`, '≤ 2 each', verdict(met));
  if (!met) {
    notes.push(() => `*view and diagram --coverage / validate* (×${fmt(viewRatio, 2)}, ×${fmt(coverageRatio, 2)}): both run the checker of validate on every line; view also builds the report's model (a state, a text and a message entry per event) and writes it, coverage also counts each statechart transition. Measured with the ${load}: the report's model is memory-bound (hash tables, large arrays) and suffers more than validate from other processes competing for caches and memory bandwidth.`);
  }
}

/** Complete simulated runs with faults, checked as they stream, on this thread. */
function schedulesOneThread(): number {
  const schedules = quick ? 20 : 100;
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = time(() => {
      for (let seed = 0; seed < schedules; seed++) {
        const opts: SimulationOptions = { ...DEFAULT_SIMULATION, seed, nodes: 3, durationMs: 5000, drop: 0.05, duplicate: 0.02, partitionEvery: 1500, crashEvery: 2000, clients: 2 };
        let checker: SemanticChecker | null = null;
        let n = 0;
        simulate(opts, {
          write(line) {
            n++;
            if (line.kind === 'header') checker = new SemanticChecker(line);
            else checker!.event(line, n);
          },
          close() {},
        });
        const result = (checker as SemanticChecker | null)?.finish();
        if (result && result.violations.length > 0) throw new Error(`seed ${seed}: ${result.violations[0]!.message}`);
      }
    });
    rates.push(schedules / (t.ms / 1000));
  }
  const perSecond = median(rates);
  log(`  ${fmt(perSecond, 1)} schedules/s on one thread (3 nodes, 5 s virtual, faults, checked)`);
  row('simulation + checking, 3 nodes, 5 s virtual, faults on, one thread', `${fmt(perSecond, 1)} schedules/s`, '≥ 100 per core', verdict(perSecond >= 100));
  const load = os.loadavg()[0] ?? 0;
  if (perSecond < 100) notes.push(() => `*Schedules per second* (${fmt(perSecond, 1)} on one thread): the work is CPU-bound on one thread, and the load average was ${fmt(load, 2)} on ${os.availableParallelism()} cores when it was measured${load >= os.availableParallelism() ? ': other processes were using the cores, so this figure understates the machine' : ''}.`);
  return perSecond;
}

/** A fuzzing campaign on worker threads against one thread, side by side; results must agree. */
async function schedulesAllCores(): Promise<void> {
  const cores = os.availableParallelism();
  const spec = { seed: 1, nodes: [3], faults: 'mild' as const, durationMs: 5000 };
  const runs = quick ? 60 : 600;
  const one: number[] = [];
  const all: number[] = [];
  const speedups: number[] = [];
  let fingerprint = '';
  for (let r = 0; r < RUNS; r++) {
    for (const workers of [1, cores]) {
      const t = await timeAsync(() => runPoolCampaign({ impl: 'reference', spec, range: { start: 0, end: runs }, workers, createNode: createReferenceNode }));
      const print = JSON.stringify({ evaluated: t.value.evaluated, events: t.value.events, failure: t.value.failure?.index ?? null });
      if (fingerprint && print !== fingerprint) throw new Error(`${workers} workers gave ${print}, not ${fingerprint}`);
      fingerprint = print;
      (workers === 1 ? one : all).push(runs / (t.ms / 1000));
    }
    speedups.push(all.at(-1)! / one.at(-1)!);
  }
  const rate = median(all);
  log(`  fuzz campaign: ${fmt(median(one), 1)} schedules/s with 1 worker, ${fmt(rate, 1)} with ${cores} (×${fmt(median(speedups), 2)}); identical results`);
  row(`raftcheck fuzz, 3 nodes, 5 s virtual, mild faults, ${runs} runs: 1 worker`, `${fmt(median(one), 1)} schedules/s`);
  row(`the same on ${cores} workers (starting the threads included; identical results)`, `${fmt(rate, 1)} schedules/s, ${fmt(rate / cores, 1)} per core (×${fmt(median(speedups), 2)} over 1 worker)`);
  const load = os.loadavg()[0] ?? 0;
  if (cores > 1 && median(speedups) < 1.3) {
    notes.push(() => `*Worker threads* (×${fmt(median(speedups), 2)} on ${cores} cores): threads only help with free cores, and the load average was ${fmt(load, 2)} on ${cores} cores when this was measured${load >= cores ? ', so the workers shared the cores with other processes' : ''}. Each worker also pays once to start (loading tsx and the module graph in its own thread, under a second), which a campaign of ${runs} runs only partly amortises; longer campaigns gain more.`);
  }
}

async function loadOrThrow(file: string, interleave = false): Promise<NodeFactory> {
  const f = await loadImplementation(path.join(ROOT, file), { async: { interleave } });
  if ('error' in f) throw new Error(f.error);
  return f;
}

/**
 * Asynchronous adapters (harness/adapters/async/): the async test node (every write awaits its
 * in-memory store, timers on the node runtime) against the reference on the same schedules,
 * side by side; with --interleave; and what one call through the worker thread costs.
 */
async function asyncAdapters(): Promise<void> {
  const runs = quick ? 10 : 50;
  const spec = { runs, seed: 1, nodes: [3], faults: 'mild' as const, durationMs: 3000, shrink: false };
  const node = await loadOrThrow('test/fixtures/adapters/async-raft/adapter.ts');
  const interleaved = await loadOrThrow('test/fixtures/adapters/async-raft/adapter.ts', true);
  // Start the worker thread (about a second; both share it) outside the measurements.
  for (const createNode of [node, interleaved]) runCampaign({ ...spec, runs: 1, impl: 'warm-up', createNode });
  const reference: number[] = [];
  const asynchronous: number[] = [];
  const interleaving: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const campaign = (impl: string, createNode: NodeFactory) => {
      const t = time(() => runCampaign({ ...spec, impl, createNode }));
      if (t.value.failure) throw new Error(`${impl}: ${t.value.failure.outcome.error?.message}`);
      return runs / (t.ms / 1000);
    };
    reference.push(campaign('reference', createReferenceNode));
    asynchronous.push(campaign('async test node', node));
    interleaving.push(campaign('async test node --interleave', interleaved));
    ratios.push(reference.at(-1)! / asynchronous.at(-1)!);
  }
  const idle = await loadOrThrow('test/fixtures/adapters/async-misbehaving/idle-adapter.ts');
  const calls = quick ? 2000 : 20_000;
  const perCall = median(Array.from({ length: RUNS }, () => {
    const n = idle({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2', 'n3'] }, { random: createRandom(1) });
    n.start();
    const msg: AppendEntries = { id: 'm', type: 'AppendEntries', from: 'n2', to: 'n1', term: 0, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    const t = time(() => {
      for (let i = 0; i < calls; i++) n.step({ type: 'receive', msg });
    });
    n.dispose?.();
    return (t.ms * 1000) / calls;
  }));
  log(`  async test node: ${fmt(median(asynchronous), 1)} schedules/s (reference ${fmt(median(reference), 1)}, ×${fmt(median(ratios), 1)} slower), ${fmt(median(interleaving), 1)} with --interleave; ${fmt(perCall, 1)} µs per call through the worker thread`);
  row(`async test node (every write awaited on its store; timers on the node runtime), 3 nodes, 3 s virtual, mild faults, ${runs} runs, checked`, `${fmt(median(asynchronous), 1)} schedules/s (the reference on the same runs: ${fmt(median(reference), 1)}, ×${fmt(median(ratios), 1)} faster)`);
  row('the same with --interleave', `${fmt(median(interleaving), 1)} schedules/s`);
  row('one call through the worker thread (a node that does nothing: post, settle, observe, answer)', `${fmt(perCall, 1)} µs`);
}

/** The reference statechart on each engine (an XState actor, the direct interpreter) against the same rule called directly: their cost factors. */
function statechartSteps(): { actor: number; interpreter: number } {
  const steps = quick ? 20_000 : 100_000;
  const members = ['n1', 'n2', 'n3'];
  const hb = (i: number): AppendEntries => ({ id: `m${i}`, type: 'AppendEntries', from: 'n2', to: 'n1', term: 1, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 });
  const onEngine = (engine: Engine) => () => {
    const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members }, { random: createRandom(1), persisted: { term: 1, votedFor: null, log: [] }, engine });
    node.start();
    for (let i = 0; i < steps; i++) node.step({ type: 'receive', msg: hb(i) });
  };
  const actorRates: number[] = [];
  const interpreterRates: number[] = [];
  const directRates: number[] = [];
  const ratios: number[] = [];
  const interpreterRatios: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const actor = time(onEngine('actor'));
    const interpreter = time(onEngine('interpreter'));
    const direct = time(() => {
      const ctx = createContext({ ...DEFAULT_NODE_CONFIG, id: 'n1', members }, createRandom(1), { term: 1, votedFor: null, log: [] });
      for (let i = 0; i < steps; i++) {
        acceptAppendEntries(ctx, hb(i));
        ctx.out.length = 0;
      }
    });
    actorRates.push(steps / (actor.ms / 1000));
    interpreterRates.push(steps / (interpreter.ms / 1000));
    directRates.push(steps / (direct.ms / 1000));
    ratios.push(actor.ms / direct.ms);
    interpreterRatios.push(interpreter.ms / direct.ms);
  }
  const cost = median(ratios);
  log(`  statechart ${fmt(median(actorRates))} steps/s on the XState actor, ${fmt(median(interpreterRates))} on the interpreter; rules directly ${fmt(median(directRates))} steps/s (×${fmt(cost, 1)}, ×${fmt(median(interpreterRatios), 1)})`);
  row('reference statechart (XState actor), heartbeat handling', `${fmt(median(actorRates))} steps/s`);
  row('the same statechart on the direct interpreter (the default engine)', `${fmt(median(interpreterRates))} steps/s`);
  row('the same rule called directly', `${fmt(median(directRates))} steps/s (XState costs ×${fmt(cost, 1)}, the interpreter ×${fmt(median(interpreterRatios), 1)})`);
  return { actor: cost, interpreter: median(interpreterRatios) };
}

function jepsen(): void {
  if (!fs.existsSync(JEPSEN)) throw new Error(`${JEPSEN} is missing (the bundled Jepsen histories)`);
  const times: Array<{ file: string; ms: number }> = [];
  for (const file of fs.readdirSync(JEPSEN).filter((f) => f.endsWith('.log')).sort()) {
    const history = parseJepsenHistory(fs.readFileSync(path.join(JEPSEN, file), 'utf8'));
    times.push({ file, ms: median(Array.from({ length: RUNS }, () => time(() => checkLinearizable(history)).ms)) });
  }
  const total = times.reduce((a, b) => a + b.ms, 0);
  const worst = times.reduce((a, b) => (a.ms >= b.ms ? a : b));
  log(`  Jepsen: ${times.length} histories in ${fmt(total)} ms, worst ${worst.file} ${fmt(worst.ms)} ms`);
  row(`linearizability, every Jepsen history of traces/external/porcupine/jepsen (${times.length})`, `total ${fmt(total)} ms, worst ${fmt(worst.ms)} ms (${worst.file})`);
}

/** Time to the first failing run of each mutant (no shrinking), median of RUNS hunts each. */
function mutantDetection(): void {
  const hunts = MUTANTS.map((m) => {
    const samples = Array.from({ length: RUNS }, () => time(() => huntMutant(m, { runs: 300, seed: 1, shrink: false })));
    return { name: m.name, ms: median(samples.map((s) => s.ms)), detected: samples.every((s) => s.value.detected) };
  });
  const caught = hunts.filter((h) => h.detected);
  const worst = hunts.reduce((a, b) => (a.ms >= b.ms ? a : b));
  const medianMs = caught.length ? median(caught.map((h) => h.ms)) : Infinity;
  log(`  mutants: ${caught.length}/${hunts.length} caught; median ${fmt(medianMs)} ms, worst ${fmt(worst.ms)} ms (${worst.name})`);
  row(
    `mutant detection, ${hunts.length} mutants: time to first failure`,
    `${caught.length}/${hunts.length} caught; median ${fmt(medianMs)} ms, worst ${fmt(worst.ms)} ms (${worst.name})`,
    'all caught, median ≤ 1 s',
    verdict(caught.length === hunts.length && medianMs <= 1000),
  );
}

/** bash's `time` of one command: wall clock, and the CPU time (user + system) of the process it runs. */
const TIMED = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>&1; } 2>&1';

/** One whole process: its wall-clock and CPU time in ms; it must exit 0. */
function processCost(args: readonly string[]): { wall: number; cpu: number } {
  const r = spawnSync('bash', ['-c', TIMED, 'timed', process.execPath, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  const [wall, user, system] = r.stdout.trim().split(/\s+/).map((x) => Number(x) * 1000);
  if (wall === undefined || user === undefined || system === undefined || [wall, user, system].some((x) => !Number.isFinite(x))) throw new Error(`cannot read bash's time: ${r.stdout}`);
  return { wall, cpu: user + system };
}

/**
 * Start-up: whole processes of the built CLI (dist/, rebuilt first), each run alternately with
 * `node -e 0` in the same loop, so that both see the same load; a ratio is the median of the
 * ratios of each pair. CPU time is what a busy machine distorts least: the targets apply to it.
 * Returns the section of BENCHMARKS.md.
 */
function startup(dir: string): string {
  log('building dist/ (npm run build) ...');
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
  const loadBefore = os.loadavg()[0] ?? 0;
  const trace = path.join(dir, 'ten-lines.jsonl');
  prefixOf(path.join(ROOT, 'traces/examples/valid/election-3.jsonl'), trace, 10);
  const cli = path.join(ROOT, 'dist/raftcheck.js');
  const cases: Array<{ label: string; args: string[]; target?: number; repeats?: number }> = [
    { label: '`raftcheck --version`', args: [cli, '--version'], target: 3 },
    { label: '`raftcheck --help`', args: [cli, '--help'], target: 3 },
    { label: '`raftcheck validate` of a 10-line trace', args: [cli, 'validate', trace], target: 5 },
    { label: '`raftcheck fuzz --runs 1 --nodes 3`', args: [cli, 'fuzz', '--runs', '1', '--nodes', '3', '--out', dir] },
    // What every command cost before the build: the TypeScript sources through tsx.
    { label: '`raftcheck --version` from the sources (tsx, no build)', args: [path.join(ROOT, 'harness/cli/raftcheck.js'), '--version'], repeats: quick ? 2 : 5 },
  ];
  const repeats = quick ? 5 : 15;
  const bare: Array<{ wall: number; cpu: number }> = [];
  const lines: string[] = [];
  for (const c of cases) {
    const costs: Array<{ wall: number; cpu: number }> = [];
    const wallRatios: number[] = [];
    const cpuRatios: number[] = [];
    for (let i = 0; i < (c.repeats ?? repeats); i++) {
      const base = processCost(['-e', '0']);
      const cost = processCost(c.args);
      bare.push(base);
      costs.push(cost);
      wallRatios.push(cost.wall / base.wall);
      cpuRatios.push(cost.cpu / base.cpu);
    }
    const wall = median(costs.map((x) => x.wall));
    const cpu = median(costs.map((x) => x.cpu));
    const ratio = median(cpuRatios);
    log(`  ${c.label}: CPU ${fmt(cpu)} ms (×${fmt(ratio, 2)} node -e 0), wall ${fmt(wall)} ms (×${fmt(median(wallRatios), 2)})`);
    lines.push(`| ${c.label} | ${fmt(cpu)} ms | ×${fmt(ratio, 2)} | ${fmt(wall)} ms | ×${fmt(median(wallRatios), 2)} | ${c.target ? `≤ ×${c.target}` : ''} | ${c.target ? verdict(ratio <= c.target) : ''} |`);
  }
  const loadAfter = os.loadavg()[0] ?? 0;
  return `${STARTUP_HEADING}

Measured by \`npm run bench\` (alone: \`npm run bench -- --only startup\`) on ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ${os.availableParallelism()} cores; load average ${fmt(loadBefore, 2)} at the start of this section, ${fmt(loadAfter, 2)} at its end.
Whole processes of the built CLI (\`dist/raftcheck.js\`, rebuilt first), each run alternately with \`node -e 0\` in the same loop (median CPU ${fmt(median(bare.map((x) => x.cpu)))} ms, wall ${fmt(median(bare.map((x) => x.wall)))} ms here); a ratio is the median of the ratios of each pair, so that a busy machine slows both sides alike. CPU is user + system time of the process (bash's \`time\`); the targets apply to it, as wall-clock time on a loaded machine is mostly waiting for a core.

| command | CPU (median) | × \`node -e 0\` | wall (median) | × \`node -e 0\` | target (CPU) | verdict |
| --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}
`;
}

/** Rewrites only the start-up section of BENCHMARKS.md (it is the last one). */
async function startupOnly(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-bench-'));
  try {
    const section = startup(dir);
    const file = path.join(ROOT, 'BENCHMARKS.md');
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
    const at = current.indexOf(`\n${STARTUP_HEADING}\n`);
    const before = at === -1 ? current : current.slice(0, at + 1);
    writeFileAtomic(file, `${before.replace(/\n*$/, '\n\n')}${section}`, { overwrite: true });
    process.stdout.write(`${section}\nwrote the start-up section of BENCHMARKS.md\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The snapshot-memory section's long trace: 10× the tenth, whose length lets V8's heap settle (quick: a tenth of it). */
const snapshotLines = () => (quick ? 150_000 : 1_500_000);

/** Rewrites only the snapshot-memory section of BENCHMARKS.md (it comes before start-up). */
function snapshotMemoryOnly(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-bench-'));
  try {
    const section = snapshotMemory(ROOT, dir, snapshotLines(), RUNS, log);
    const file = path.join(ROOT, 'BENCHMARKS.md');
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
    const at = current.indexOf(`\n${SNAPSHOT_MEMORY_HEADING}\n`);
    const startupAt = current.indexOf(`\n${STARTUP_HEADING}\n`);
    let next: string;
    if (at !== -1) {
      const end = current.indexOf('\n## ', at + 1);
      next = `${current.slice(0, at + 1)}${section}${end === -1 ? '' : `\n${current.slice(end + 1)}`}`;
    } else if (startupAt !== -1) {
      next = `${current.slice(0, startupAt + 1)}${section}\n${current.slice(startupAt + 1)}`;
    } else {
      next = `${current.replace(/\n*$/, '\n\n')}${section}`;
    }
    writeFileAtomic(file, next, { overwrite: true });
    process.stdout.write(`${section}\nwrote the snapshot-memory section of BENCHMARKS.md\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Shrinking each mutant's first failure: trace lines as found and as saved, runs and time (one hunt each). */
function mutantShrinking(): void {
  const hunts = MUTANTS.map((m) => {
    let found = 0;
    const started = performance.now();
    const r = huntMutant(m, { runs: 300, seed: 1, onFirstFailure: () => (found = performance.now()) });
    return { name: m.name, found: r.foundTraceEvents ?? 0, saved: r.traceEvents ?? 0, runs: r.shrinkRuns ?? 0, ms: found ? performance.now() - found : 0, searchMs: found - started };
  });
  const worst = hunts.reduce((a, b) => (a.saved >= b.saved ? a : b));
  const slowest = hunts.reduce((a, b) => (a.ms >= b.ms ? a : b));
  const lines = `trace lines as found: median ${fmt(median(hunts.map((h) => h.found)))}, max ${fmt(Math.max(...hunts.map((h) => h.found)))}; saved: median ${fmt(median(hunts.map((h) => h.saved)))}, max ${fmt(worst.saved)} (${worst.name})`;
  const cost = `shrinking: median ${fmt(median(hunts.map((h) => h.runs)))} runs, ${fmt(median(hunts.map((h) => h.ms)))} ms; slowest ${fmt(slowest.ms)} ms (${slowest.name})`;
  log(`  shrinking: ${lines}; ${cost}`);
  row(`counterexamples, ${hunts.length} mutants: shrunk and minimised (at most 600 runs each)`, `${lines}; ${cost}`, 'saved < 100 trace lines', verdict(worst.saved < 100));
}

/**
 * `raftcheck explore` at TLC's anchor bounds for raft.tla (3 servers, terms ≤ 3, logs ≤ 2),
 * for a fixed wall-time budget: distinct states per second (and per CPU second), without and
 * with symmetry. Returns the section of BENCHMARKS.md.
 */
async function exploreSection(): Promise<string> {
  const budgetMs = quick ? 10_000 : 120_000;
  const bounds: ExploreBounds = { servers: 3, maxTerm: 3, maxLog: 2, maxMsgs: 3, maxCrashes: 0, maxClientOps: 2, batch: 64 };
  const model = buildModel('reference', bounds);
  if ('error' in model) throw new Error(model.error);
  const load = os.loadavg()[0]!;
  const results = [false, true].map((symmetry) => {
    const cpu = process.cpuUsage();
    const r = explore(model, { symmetry, timeBudgetMs: budgetMs, now: () => performance.now() });
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    log(`  explore${symmetry ? ' --symmetry' : ''}: ${r.outcome}, ${fmt(r.stats.distinct)} distinct states, ${fmt(r.stats.generated)} generated, depth ${r.stats.depth}, queue ${fmt(r.stats.queue)} in ${fmt(r.stats.elapsedMs / 1000, 1)} s`);
    return { symmetry, r, cpuMs };
  });
  const rowsText = results.map(({ symmetry, r, cpuMs }) => {
    const s = r.stats;
    const perSecond = s.distinct / (s.elapsedMs / 1000);
    const perCpu = s.distinct / (cpuMs / 1000);
    return `| ${symmetry ? 'with `--symmetry`' : 'no symmetry'} | ${r.outcome === 'exhausted' ? 'exhausted' : 'bounded: not exhausted (time budget)'} | ${fmt(s.distinct)} | ${fmt(s.generated)} | ${s.depth} | ${fmt(s.queue)} | ${fmt(s.elapsedMs / 1000, 1)} s | ${fmt(perSecond)} | ${fmt(perCpu)} |`;
  });
  const workersText = await exploreWorkers();
  const loadAfter = os.loadavg()[0]!;
  // The anchor's rate: 3 million states in 3.5 minutes at the low end (issue 17).
  const anchorLow = 3_000_000 / 210;
  // Its high end: 6 million states in 2 minutes.
  const anchorHigh = 6_000_000 / 120;
  const plain = results[0]!;
  const perCpu = plain.r.stats.distinct / (plain.cpuMs / 1000);
  const goal = perCpu > anchorLow
    ? `raftcheck's ${fmt(perCpu)} distinct states per CPU second are above the anchor's low end (${fmt(anchorLow)}/s, TLC's rate on all its workers, so at least its rate per core): the issue's goal, more distinct states per second per core than TLC, is met on this machine. ${perCpu > anchorHigh ? `They are above the anchor's high end too (${fmt(anchorHigh)}/s).` : `They are below the anchor's high end (${fmt(anchorHigh)}/s: 6 million states in 2 minutes), which is a rate per core only if TLC ran on one core: against it the goal is met if TLC used at least ${Math.ceil(anchorHigh / perCpu)} cores, which the issue does not say.`}`
    : `raftcheck's ${fmt(perCpu)} distinct states per CPU second are below the anchor's low end (${fmt(anchorLow)}/s, before dividing by TLC's cores): the issue's goal, more distinct states per second per core than TLC, is not met.`;
  return `${EXPLORE_HEADING}

Measured by \`npm run bench\` (alone: \`npm run bench -- --only explore\`) on ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ${os.availableParallelism()} cores, one thread; load average ${fmt(load, 2)} at the start, ${fmt(loadAfter, 2)} at the end.
\`raftcheck explore --servers 3 --max-term 3 --max-log 2 --max-msgs 3 --max-crashes 0 --max-client-ops 2\` (breadth-first), stopped by a ${fmt(budgetMs / 1000)} s time budget.

| run | outcome | distinct states | generated | depth | queue | wall time | distinct states/s | distinct states per CPU second |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rowsText.join('\n')}

The anchor: TLC on the classic raft.tla finds about 3–6 million distinct states for 3 servers with terms ≤ 3 and logs ≤ 2, in 2–3.5 minutes (issue 17); that is roughly 15,000–50,000 distinct states per second, on however many worker threads TLC used. The models differ, so the counts are not comparable one to one:
- raftcheck's nodes are the executable reference: a state holds each node's whole statechart state (a candidate's votes, a leader's nextIndex and matchIndex, the register's value, commitIndex and lastApplied, the client requests it will answer); raft.tla keeps fewer volatile variables.
- raft.tla's messages are a bag too, but its bounds are a state constraint on terms, log length and message counts per message; here a state beyond a bound is checked and counted but not expanded, messages in flight are bounded as a whole (\`--max-msgs 3\`), and log entries come only from client requests (\`--max-client-ops 2\`), each a \`set\` or a \`get\`.
- the state includes the checker's history (every vote of every term, the leader of each term, every log prefix seen, the committed prefixes, the applied commands and values): the rules are checked by the checker's own code on every step. raft.tla's history variables (\`elections\`, \`allLogs\`, \`voterLog\`) play that role, and also multiply its states.
- timeouts: raft.tla's Timeout is enabled in any state for a follower or candidate, like an armed election timer here; a leader's heartbeat is an action here, AppendEntries in raft.tla are sent per peer at any time.
- each state is kept with its checker's memory (shared copy-on-write with its parent: about 3 KB a queued state in all): the breadth-first queue, not the fingerprint set, bounds how far a run gets in memory; \`--mode iddfs --max-depth N\` keeps only the fingerprints and the current path.
Speed: each step resumes a node from its snapshot and runs the statechart on the interpreter; the checker's memory is shared copy-on-write with the parent state, and the state's fingerprint combines cached fingerprints of its parts (docs/EXPLORE.md, "Fingerprints"). Before that (whole memory cloned and whole state encoded as one string per successor) this section measured 7,031 distinct states per CPU second on 2026-12-01, and 12,214 after it, before the second round: the resumed node's runner became a class (an object literal with getters, made per step, was about a third of the CPU time with the garbage it left: about 1.5 times the rate from that alone, measured side by side), no closures are made per step on the hot path, and a clone of the checker's memory or a resumed node's context makes no empty parts to replace them at once. The rates above are measured on one thread. ${goal} The CPU-second figure counts the process's CPU time (the garbage collector's threads included), which a loaded machine inflates less than the wall time.

${workersText}`;
}

/**
 * `explore --workers 1` and `--workers 2` side by side on bounds that one thread exhausts in
 * about half a minute: the same counts (checked), and the rates. The wall time includes
 * starting the worker threads (which compile the sources when run from them, as here).
 */
async function exploreWorkers(): Promise<string> {
  const bounds: ExploreBounds = quick
    ? { servers: 2, maxTerm: 1, maxLog: 1, maxMsgs: 2, maxCrashes: 0, maxClientOps: 1, batch: 64 }
    : { servers: 3, maxTerm: 2, maxLog: 1, maxMsgs: 2, maxCrashes: 0, maxClientOps: 0, batch: 64 };
  const model = buildModel('reference', bounds);
  if ('error' in model) throw new Error(model.error);
  const runs: Array<{ workers: number; r: SearchResult; cpuMs: number; load: number }> = [];
  for (const workers of [1, 2]) {
    const load = os.loadavg()[0]!;
    const cpu = process.cpuUsage();
    const now = () => performance.now();
    const r = workers === 1 ? explore(model, { now }) : await exploreParallel(model, { workers, now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const used = process.cpuUsage(cpu);
    runs.push({ workers, r, cpuMs: (used.user + used.system) / 1000, load });
    log(`  explore --workers ${workers}: ${r.outcome}, ${fmt(r.stats.distinct)} distinct states in ${fmt(r.stats.elapsedMs / 1000, 1)} s`);
  }
  const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const same = one.r.outcome === two.r.outcome && one.r.stats.distinct === two.r.stats.distinct && one.r.stats.generated === two.r.stats.generated && one.r.stats.depth === two.r.stats.depth;
  const b = bounds;
  const rowsText = runs.map(({ workers, r, cpuMs, load }) => {
    const s = r.stats;
    return `| ${workers} | ${fmt(load, 2)} | ${r.outcome} | ${fmt(s.distinct)} | ${fmt(s.generated)} | ${s.depth} | ${fmt(s.elapsedMs / 1000, 1)} s | ${fmt(s.distinct / (s.elapsedMs / 1000))} | ${fmt(cpuMs / 1000, 1)} s | ${fmt(s.distinct / (cpuMs / 1000))} |`;
  });
  return `### Worker threads

\`raftcheck explore --servers ${b.servers} --max-term ${b.maxTerm} --max-log ${b.maxLog} --max-msgs ${b.maxMsgs} --max-client-ops ${b.maxClientOps} --workers N\` (breadth-first, exhausted), one thread and two side by side, ${os.availableParallelism()} cores; the load average is read before each run.

| workers | load average | outcome | distinct states | generated | depth | wall time | distinct states/s | CPU time | distinct states per CPU second |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rowsText.join('\n')}

${same ? 'Both runs found the same distinct states, states generated and depth (as `test/explore-workers.test.ts` requires).' : '**The two runs disagree**: a bug of --workers.'} The threads share one visited set (fingerprints in a SharedArrayBuffer, claimed by compare-and-exchange) and meet at the end of each breadth-first level; each keeps and expands the states it added, so no state travels between threads. Two workers took ${fmt(two.r.stats.elapsedMs / one.r.stats.elapsedMs, 2)} times the wall time of one, and ${fmt(two.cpuMs / one.cpuMs, 2)} times the CPU time (the seed each thread repeats, the barriers, and starting both threads, which compile the TypeScript sources when run from them, as here). ${two.r.stats.elapsedMs < one.r.stats.elapsedMs ? 'On a machine whose load average is above its cores, the wall time gained is mostly the larger share of the cores that two threads get among the other processes, not a parallel speed-up:' : 'A search of a few seconds on one thread is too short for two: starting the second thread and the barriers cost more than the half of the work it takes;'} the distinct states per CPU second compare the work itself. The CPU time counts every thread of the process.
`;
}

/** Rewrites only the exhaustive-search section of BENCHMARKS.md (before the start-up section). */
async function exploreOnly(): Promise<void> {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const section = await exploreSection();
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const start = doc.indexOf(EXPLORE_HEADING);
  let next: string;
  if (start >= 0) {
    const end = doc.indexOf('\n## ', start + EXPLORE_HEADING.length);
    next = `${doc.slice(0, start)}${section}${end >= 0 ? `\n${doc.slice(end + 1)}` : ''}`;
  } else {
    const startup = doc.indexOf(STARTUP_HEADING);
    next = startup >= 0 ? `${doc.slice(0, startup)}${section}\n${doc.slice(startup)}` : `${doc.replace(/\n*$/, '\n\n')}${section}`;
  }
  writeFileAtomic(file, next, { overwrite: true });
  process.stdout.write(`${section}\nwrote the exhaustive-search section of BENCHMARKS.md\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  const date = new Date().toISOString().slice(0, 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-bench-'));
  let startupSection = '';
  let snapshotSection = '';
  let exploreText = '';
  try {
    const target = quick ? 100_000 : 1_000_000;
    const big = path.join(dir, 'big.jsonl');
    log(`generating a 5-node trace of at least ${fmt(target)} events ...`);
    const gen = time(() => makeTrace(big, durationFor(target, 1300), 11));
    const lines = gen.value;
    log(`  ${fmt(lines)} lines, ${fmt(fs.statSync(big).size / MiB, 1)} MiB, in ${fmt(gen.ms / 1000, 1)} s`);
    row('trace for the validation figures', `${fmt(lines)} events, 5 nodes, faults and 4 clients, ${fmt(fs.statSync(big).size / MiB)} MiB`);
    validationThroughput(big, lines);
    log('validate, view and diagram --coverage as processes ...');
    wholeProcesses(big, lines, dir);
    log('peak memory ...');
    memoryFlatness(big, lines, target, dir);
    row('simulator alone (5 nodes, trace written to disk)', `${fmt(lines / (gen.ms / 1000))} events/s`);
    fs.rmSync(big, { force: true });
    log('schedules ...');
    schedulesOneThread();
    await schedulesAllCores();
    log('asynchronous adapters ...');
    await asyncAdapters();
    ({ actor: xstateCost, interpreter: interpreterCost } = statechartSteps());
    jepsen();
    mutantDetection();
    mutantShrinking();
    log('validation memory with snapshots ...');
    snapshotSection = snapshotMemory(ROOT, dir, snapshotLines(), RUNS, log);
    log('exhaustive search ...');
    exploreText = await exploreSection();
    log('start-up ...');
    startupSection = startup(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const table = ['| figure | value | target | verdict |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.verdict} |`)].join('\n');
  const missed = notes.map((n) => `- ${n()}`).join('\n');
  const doc = `# Benchmarks

Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${date} in ${fmt((performance.now() - started) / 1000)} s.
Machine: ${machine}.
Every figure is the median of ${RUNS} run${RUNS === 1 ? '' : 's'}; ratios are taken run by run from measurements made side by side, then their median.

${table}

${missed ? `Targets not met, and why:\n${missed}\n\n` : ''}How each figure is measured:
- *bare read + JSON.parse*: the reader's line splitting plus \`JSON.parse\` of each line, nothing else; *full validation* is \`raftcheck validate\` in-process on the same file: schema, structure, conformance of every node (a shadow reference statechart per node), cluster invariants and linearizability of the client history. Every reference node (the simulator's, the fuzzer's, the shadows) runs on the default engine, the direct interpreter of the statechart; \`RAFTCHECK_ENGINE=actor npm run bench\` measures them on XState actors.
- *whole processes*: \`raftcheck validate\`, \`view\` and \`diagram --coverage\` started as processes (\`node harness/cli/raftcheck.js\`, startup included) on the same trace, with \`--progress\`, one after the other in each round; the ratios are taken round by round, and the load average is read before each round.
- *peak RSS*: \`process.resourceUsage().maxRSS\` of a child process validating one file; *live heap*: \`heapUsed\` after a full GC at the last line, before the final checks (the checker's retained state at its largest). The shorter trace is the first tenth of the longer one's lines.
- *schedules/s*: complete simulated runs, each checked by the semantic checker as it streams. *raftcheck fuzz* runs the campaign itself (fast-check schedules, checked, liveness included) with \`--workers 1\` and with one worker per core, alternately, and checks that both give the same result.
- *async test node*: \`runCampaign\` on the same schedules with the reference, the async test node of test/fixtures/adapters/async-raft/ (its worker thread started beforehand) and the same with --interleave, alternately; *one call*: a node that does nothing, sent AppendEntries through its worker thread (Atomics.wait on the main thread, one turn of the worker's event loop to settle).
- *statechart steps*: a follower handling heartbeats through its XState actor, through the direct interpreter of the same chart, and the same rule function called on a plain context.
- *Jepsen*: parse excluded; the linearizability search of each history, median per history.
- *mutant detection*: \`huntMutant\` (swarm faults, seed 1, up to 300 runs, no shrinking) until the first failing run, per mutant; median and worst over the mutants.
- *counterexamples*: the same hunts with shrinking (fast-check, then \`harness/fuzz/minimise.ts\`), one each: the trace's lines up to the violation in the failing run as found and in the saved case (deterministic), and the runs and wall time shrinking took (from the first failure on), median over the mutants.

${snapshotSection}
${exploreText}
${startupSection}`;
  writeFileAtomic(path.join(ROOT, 'BENCHMARKS.md'), doc, { overwrite: true });
  process.stdout.write(`${table}\n${missed ? `\n${missed}\n` : ''}\nwrote BENCHMARKS.md\n`);
}

if (only === 'snapshot-memory') snapshotMemoryOnly();
else await (onlyStartup ? startupOnly() : onlyExplore ? exploreOnly() : main());
