/**
 * `npm run bench`: measures raftcheck's speed in one run and writes BENCHMARKS.md.
 *
 * Medians of several runs; ratios measured side by side on the same file. This is a CLI edge:
 * wall-clock timing is its purpose (it is never part of the test suite).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext } from '../../src/raft/context.js';
import { createReferenceNode } from '../../src/raft/node.js';
import { acceptAppendEntries } from '../../src/raft/rules/replication.js';
import { createRandom } from '../../src/random.js';
import { DEFAULT_NODE_CONFIG, type AppendEntries } from '../../src/raft/types.js';
import { SemanticChecker } from '../checker/semantic-checker.js';
import { checkLinearizable } from '../checker/linearizability/search.js';
import { parseJepsenHistory } from '../importers/jepsen.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { MUTANTS } from '../mutants/catalogue.js';
import { huntMutant } from '../mutants/hunt.js';
import { DEFAULT_SIMULATION, simulate, type SimulationOptions } from '../simulator/simulate.js';
import { TraceFileWriter } from '../trace/writer.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { readLines } from '../trace/reader.js';
import { validateTraceFile } from '../validate/validate-file.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const JEPSEN = path.resolve(ROOT, 'traces/external/porcupine/jepsen');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 1 : 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A 5-node trace with faults and clients, of at least `events` lines. */
function makeTrace(file: string, events: number, seed: number): number {
  // About 1,350 lines per virtual second for this configuration (measured); overshoot a little.
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION, nodes: 5, seed, durationMs: Math.ceil((events / 1300) * 1000), drop: 0.02, duplicate: 0.01, crashEvery: 20_000, partitionEvery: 30_000, clients: 4,
  };
  fs.rmSync(file, { force: true });
  return simulate(options, new TraceFileWriter(file)).lines;
}

function bareParse(file: string): number {
  let n = 0;
  readLines(file, (text) => {
    JSON.parse(text);
    n++;
  }, () => undefined);
  return n;
}

function peakMemoryMiB(file: string): number {
  const script = path.join(ROOT, 'harness/bench/peak-memory.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx/esm', script, file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peak-memory child failed: ${r.stderr}`);
  return Number(r.stdout.trim()) / 1024;
}

interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: string;
}

function main(): void {
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-bench-'));
  try {
    // 1. Validation throughput against bare parsing, on a ≥ 1M event 5-node trace.
    const bigTarget = quick ? 100_000 : 1_000_000;
    const big = path.join(dir, 'big.jsonl');
    log(`generating a ${fmt(bigTarget)}-event 5-node trace ...`);
    const gen = time(() => makeTrace(big, bigTarget, 11));
    const lines = gen.value;
    const simRate = lines / (gen.ms / 1000);
    log(`  ${fmt(lines)} lines, ${fmt(fs.statSync(big).size / 1048576, 1)} MiB, in ${fmt(gen.ms / 1000, 1)} s`);
    const parse: number[] = [];
    const full: number[] = [];
    const schemaOnly: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      parse.push(time(() => bareParse(big)).ms);
      const v = time(() => validateTraceFile(big));
      if (!v.value.valid) throw new Error(`the bench trace is invalid: ${JSON.stringify(v.value.errors[0])}`);
      full.push(v.ms);
      schemaOnly.push(time(() => validateTraceFile(big, { schemaOnly: true })).ms);
    }
    const parseRate = lines / (median(parse) / 1000);
    const fullRate = lines / (median(full) / 1000);
    const schemaRate = lines / (median(schemaOnly) / 1000);
    log(`  bare read + JSON.parse ${fmt(parseRate)} lines/s; full validation ${fmt(fullRate)} events/s; schema only ${fmt(schemaRate)} events/s`);
    rows.push({ figure: `bare read + JSON.parse (${fmt(lines)} lines)`, value: `${fmt(parseRate)} lines/s`, target: '', verdict: '' });
    rows.push({ figure: 'full validation (schema, conformance, invariants, linearizability)', value: `${fmt(fullRate)} events/s`, target: '', verdict: '' });
    rows.push({ figure: 'full validation / bare parse', value: fmt(fullRate / parseRate, 2), target: '≥ 0.5', verdict: fullRate / parseRate >= 0.5 ? 'met' : 'not met' });
    rows.push({ figure: 'schema-level validation / bare parse', value: fmt(schemaRate / parseRate, 2), target: '', verdict: '' });

    // 2. Peak memory: a trace 10× larger must not need more memory.
    const small = path.join(dir, 'small.jsonl');
    makeTrace(small, Math.round(bigTarget / 10), 12);
    const memSmall = peakMemoryMiB(small);
    const memBig = peakMemoryMiB(big);
    log(`  peak RSS: ${fmt(memSmall)} MiB for ${fmt(bigTarget / 10)} events, ${fmt(memBig)} MiB for ${fmt(bigTarget)}`);
    rows.push({ figure: `peak RSS validating ${fmt(bigTarget / 10)} → ${fmt(bigTarget)} events (10×)`, value: `${fmt(memSmall)} → ${fmt(memBig)} MiB (×${fmt(memBig / memSmall, 2)})`, target: 'flat (×1)', verdict: memBig / memSmall <= 1.5 ? 'met' : 'not met' });

    // 3. Simulation + checking: 3 nodes, 5 s virtual, faults on.
    const schedules = quick ? 20 : 100;
    const sims = time(() => {
      for (let seed = 0; seed < schedules; seed++) {
        const lines: TraceLine[] = [];
        const opts: SimulationOptions = { ...DEFAULT_SIMULATION, seed, nodes: 3, durationMs: 5000, drop: 0.05, duplicate: 0.02, partitionEvery: 1500, crashEvery: 2000, clients: 2 };
        let checker: SemanticChecker | null = null;
        let n = 0;
        simulate(opts, {
          write(line) {
            n++;
            if (line.kind === 'header') checker = new SemanticChecker(line);
            else checker!.event(line, n);
            lines.length = 0;
          },
          close() {},
        });
        const result = (checker as SemanticChecker | null)?.finish();
        if (result && result.violations.length > 0) throw new Error(`seed ${seed}: ${result.violations[0]!.message}`);
      }
    });
    const perSecond = schedules / (sims.ms / 1000);
    log(`  ${fmt(perSecond, 1)} schedules/s (3 nodes, 5 s virtual, faults, checked)`);
    rows.push({ figure: 'simulation + checking, 3 nodes, 5 s virtual, faults on (one core)', value: `${fmt(perSecond, 1)} schedules/s`, target: '≥ 100 per core', verdict: perSecond >= 100 ? 'met' : 'not met' });
    rows.push({ figure: 'simulator alone (5 nodes, trace written to disk)', value: `${fmt(simRate)} events/s`, target: '', verdict: '' });

    // 4. Reference statechart steps vs. the same rule called directly.
    const steps = quick ? 20_000 : 100_000;
    const members = ['n1', 'n2', 'n3'];
    const hb = (i: number): AppendEntries => ({ id: `m${i}`, type: 'AppendEntries', from: 'n2', to: 'n1', term: 1, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 });
    const actor = time(() => {
      const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members }, { random: createRandom(1), persisted: { term: 1, votedFor: null, log: [] } });
      node.start();
      for (let i = 0; i < steps; i++) node.step({ type: 'receive', msg: hb(i) });
    });
    const direct = time(() => {
      const ctx = createContext({ ...DEFAULT_NODE_CONFIG, id: 'n1', members }, createRandom(1), { term: 1, votedFor: null, log: [] });
      for (let i = 0; i < steps; i++) {
        acceptAppendEntries(ctx, hb(i));
        ctx.out.length = 0;
      }
    });
    const actorRate = steps / (actor.ms / 1000);
    const directRate = steps / (direct.ms / 1000);
    log(`  statechart ${fmt(actorRate)} steps/s; rules directly ${fmt(directRate)} steps/s`);
    rows.push({ figure: 'reference statechart (XState actor), heartbeat handling', value: `${fmt(actorRate)} steps/s`, target: '', verdict: '' });
    rows.push({ figure: 'the same rule called directly', value: `${fmt(directRate)} steps/s (XState costs ×${fmt(directRate / actorRate, 1)})`, target: '', verdict: '' });

    // 5. Linearizability of the Jepsen histories.
    if (fs.existsSync(JEPSEN)) {
      const times: Array<{ file: string; ms: number }> = [];
      for (const file of fs.readdirSync(JEPSEN).filter((f) => f.endsWith('.log')).sort()) {
        const history = parseJepsenHistory(fs.readFileSync(path.join(JEPSEN, file), 'utf8'));
        times.push({ file, ms: median(Array.from({ length: RUNS }, () => time(() => checkLinearizable(history)).ms)) });
      }
      const total = times.reduce((a, b) => a + b.ms, 0);
      const worst = times.reduce((a, b) => (a.ms >= b.ms ? a : b));
      log(`  Jepsen: ${times.length} histories in ${fmt(total)} ms, worst ${worst.file} ${fmt(worst.ms)} ms`);
      rows.push({ figure: `linearizability, ${times.length} Jepsen etcd histories`, value: `total ${fmt(total)} ms, worst ${fmt(worst.ms)} ms (${worst.file})`, target: '', verdict: '' });
    }
    // 6. Mutant detection: time to the first failing run of each mutant.
    const hunts = MUTANTS.map((m) => {
      const t = time(() => huntMutant(m, { runs: 300, seed: 1, shrink: false }));
      return { name: m.name, ms: t.ms, detected: t.value.detected };
    });
    const caughtMs = hunts.filter((h) => h.detected).map((h) => h.ms).sort((a, b) => a - b);
    const worstHunt = hunts.reduce((a, b) => (a.ms >= b.ms ? a : b));
    const medianHunt = caughtMs.length ? caughtMs[Math.floor(caughtMs.length / 2)]! : Infinity;
    log(`  mutants: ${caughtMs.length}/${hunts.length} caught; median ${fmt(medianHunt)} ms, worst ${fmt(worstHunt.ms)} ms (${worstHunt.name})`);
    rows.push({
      figure: `mutant detection, ${hunts.length} mutants (time to first failure)`,
      value: `${caughtMs.length}/${hunts.length} caught; median ${fmt(medianHunt)} ms, worst ${fmt(worstHunt.ms)} ms (${worstHunt.name})`,
      target: 'all caught, median ≤ 1 s',
      verdict: caughtMs.length === hunts.length && medianHunt <= 1000 ? 'met' : 'not met',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = ['| figure | value | target | verdict |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.verdict} |`)].join('\n');
  const doc = `# Benchmarks

Written by \`npm run bench\`${quick ? ' --quick' : ''} on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}.
Medians of ${RUNS} run${RUNS === 1 ? '' : 's'}; ratios are measured side by side on the same file.

${table}

How each figure is measured:
- *bare read + JSON.parse*: the reader's line splitting plus \`JSON.parse\` of each line, nothing else.
- *full validation*: \`raftcheck validate\` in-process on the same file: schema, structure, conformance of every node (a reference statechart per node), cluster invariants and linearizability of the client history.
- *peak RSS*: \`process.resourceUsage().maxRSS\` of a child process that validates one file.
- *schedules/s*: complete simulated runs, each checked by the semantic checker as it streams.
`;
  writeFileAtomic(path.join(ROOT, 'BENCHMARKS.md'), doc, { overwrite: true });
  process.stdout.write(`${table}\n\nwrote BENCHMARKS.md\n`);
}

main();
