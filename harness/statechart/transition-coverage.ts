/**
 * Transition coverage: how often traces exercised each transition of the reference statechart.
 *
 * The conformance checker already drives, for every node of a trace, a shadow reference node
 * with that node's logged inputs (and the hidden steps it allows); the shadow reports each
 * transition it takes (src/raft/transitions.ts), and that is what is counted here. So a count
 * means "the reference, fed this trace, took this transition", the same reading conformance
 * uses — no second interpretation of the trace to drift from the checker's.
 */
import { describeStatechart, type StatechartDiagram, type TransitionCounts } from '../../src/raft/diagram.js';
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

export interface CoverageOptions {
  /** Longest accepted line (default 4 MiB): a longer one throws LineTooLongError. */
  maxLineBytes?: number;
  /** Called as each file is read (its name, bytes read, its size). */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
}

/**
 * Counts transitions over the files; throws MalformedTraceError for a trace with a
 * schema-level error (the shadows stop there), LineTooLongError at a line over the limit.
 */
export function measureCoverage(files: readonly string[], options: CoverageOptions = {}): CoverageResult {
  const diagram = describeStatechart();
  const rowOf = transitionRows(diagram);
  const counts = new Array<number>(diagram.transitions.length).fill(0);
  const perFile: TraceCoverage[] = [];
  for (const file of files) {
    let steps = 0;
    const report = validateTraceFile(file, {
      enabled: CONFORMANCE_ONLY,
      maxErrors: 1,
      ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
      ...(options.onProgress ? { onProgress: (read: number, total: number) => options.onProgress!(file, read, total) } : {}),
      onTransition: (_node, _line, t) => {
        const row = rowOf(t);
        if (row >= 0) counts[row]!++;
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
