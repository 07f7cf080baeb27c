/**
 * Transition coverage: how often traces exercised each transition of the reference statechart.
 *
 * The conformance checker already drives, for every node of a trace, a shadow reference node
 * with that node's logged inputs (and the hidden steps it allows); the shadow reports each
 * transition it takes (src/raft/transitions.ts), and that is what is counted here. So a count
 * means "the reference, fed this trace, took this transition", the same reading conformance
 * uses — no second interpretation of the trace to drift from the checker's.
 */
import fs from 'node:fs';
import { describeStatechart, type DiagramTransition, type StatechartDiagram, type TransitionCounts } from '../../src/raft/diagram.js';
import { canonicalFeatures, isFeature, type Feature } from '../../src/raft/features/index.js';
import { machineFor } from '../../src/raft/node-machine.js';
import { transitionRows } from '../../src/raft/transitions.js';
import { CONFORMANCE_RULES } from '../checker/conformance/conformance.js';
import { validateTraceFile, type FileError } from '../validate/validate-file.js';

export interface TraceCoverage {
  file: string;
  /** Transitions taken in this trace. */
  steps: number;
  /** The first semantic violation, if the trace breaks a conformance rule (its steps are still counted). */
  violation: FileError | null;
  /** Every conformance rule, when its header declares them not checked (skipRules): its nodes are not replayed, nothing is counted. */
  notReplayed?: string[];
}

export interface CoverageResult extends TransitionCounts {
  diagram: StatechartDiagram;
  files: TraceCoverage[];
}

/** A trace that is not well-formed: its schema-level error, located. */
export class MalformedTraceError extends Error {
  override name = 'MalformedTraceError';
  constructor(readonly file: string, readonly error: FileError) {
    super(`${file}:${error.line}: ${error.path !== '/' ? `${error.path}: ` : ''}${error.message} [${error.rule}]`);
  }
}

/** Only the conformance layer runs: it drives the shadows; invariants and linearizability would add time, not counts. */
const CONFORMANCE_ONLY: ReadonlySet<string> = new Set(CONFORMANCE_RULES.map((r) => r.id));

/** The features a trace's header declares (read from its first line only; none if it cannot be read: validation says why). */
function headerFeatures(file: string): Feature[] {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const text = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    const header = JSON.parse(text.replace(/^\uFEFF/, '').split('\n')[0]!) as { features?: unknown };
    return Array.isArray(header.features) ? canonicalFeatures(header.features.filter((f): f is string => typeof f === 'string' && isFeature(f))) : [];
  } catch {
    return [];
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A transition's identity across charts (the chart with features repeats the base chart's
 * transitions). Feature `snapshot` renames the replication actions of the transitions it
 * keeps (AppendEntries or the snapshot), so the actions are named only after the source,
 * event, guard and target (the first transitions of a kind keep their identity).
 */
function keyed(transitions: readonly DiagramTransition[]): string[] {
  const seen = new Map<string, number>();
  const snapshotNames: Record<string, string> = { broadcastReplication: 'broadcastAppendEntries', sendMoreReplication: 'sendMoreEntries', retryReplication: 'retryAppendEntries' };
  return transitions.map((t) => {
    const actions = t.actions.filter((a) => a !== 'snapshotIfDue').map((a) => snapshotNames[a] ?? a);
    const key = `${t.from}|${t.event}|${t.guard}|${t.to}|${actions.join(',')}|${t.reenter}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return `${key}#${n}`;
  });
}

/** A trace declares a feature the chart drawn does not have. */
export class FeatureMismatchError extends Error {
  override name = 'FeatureMismatchError';
}

export interface CoverageOptions {
  /** The chart counted on (default: every feature the traces' headers declare). */
  features?: readonly Feature[];
  /** Longest accepted line (default 4 MiB): a longer one throws LineTooLongError. */
  maxLineBytes?: number;
  /** Called as each file is read (its name, bytes read, its size). */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
}

/**
 * Counts transitions over the files; throws MalformedTraceError for a trace with a
 * schema-level error (the shadows stop there), LineTooLongError at a line over the limit.
 * The chart counted on has `options.features`; each trace's shadows run the chart of its own
 * header, whose transitions are mapped onto it.
 */
export function measureCoverage(files: readonly string[], options: CoverageOptions = {}): CoverageResult {
  const traceFeatures = files.map(headerFeatures);
  const chart = options.features ? canonicalFeatures(options.features) : canonicalFeatures(traceFeatures.flat());
  const diagram = describeStatechart(machineFor(chart));
  const displayRows = new Map(keyed(diagram.transitions).map((k, i) => [k, i]));
  const counts = new Array<number>(diagram.transitions.length).fill(0);
  const perFile: TraceCoverage[] = [];
  for (const [i, file] of files.entries()) {
    const own = traceFeatures[i]!;
    const missing = own.filter((f) => !chart.includes(f));
    if (missing.length > 0) throw new FeatureMismatchError(`${file}: declares the feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which the chart drawn does not have (--features)`);
    const ownDiagram = own.length === chart.length ? diagram : describeStatechart(machineFor(own));
    const toDisplay = keyed(ownDiagram.transitions).map((k) => displayRows.get(k) ?? -1);
    const rowOf = transitionRows(ownDiagram);
    let steps = 0;
    const report = validateTraceFile(file, {
      enabled: CONFORMANCE_ONLY,
      maxErrors: 1,
      ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
      ...(options.onProgress ? { onProgress: (read: number, total: number) => options.onProgress!(file, read, total) } : {}),
      onTransition: (_node, _line, t) => {
        const row = rowOf(t);
        if (row >= 0 && toDisplay[row]! >= 0) counts[toDisplay[row]!]!++;
        steps++;
      },
    });
    const first = report.errors[0];
    if (first && first.rule.startsWith('schema.')) throw new MalformedTraceError(file, first);
    // With every conformance rule declared not checked, no shadow replays the trace's nodes.
    const skipped = (report.skipped ?? []).map((x) => x.rule).filter((rule) => CONFORMANCE_ONLY.has(rule));
    const notReplayed = skipped.length === CONFORMANCE_ONLY.size ? { notReplayed: skipped } : {};
    perFile.push({ file, steps, violation: first && first.rule !== 'unconstrained' ? first : null, ...notReplayed });
  }
  return { diagram, counts, traces: files.length, files: perFile };
}
