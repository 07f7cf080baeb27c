/**
 * One file's verdict: the schema level (each line's shape, then the structural rules) and,
 * on a structurally sound trace, the semantic layers (cluster invariants, linearizability),
 * all on one streaming pass.
 */
import { missingRequirement } from '../../src/raft/features/index.js';
import fs from 'node:fs';
import { SemanticChecker, SEMANTIC_RULES, type ExcerptLine } from '../checker/semantic-checker.js';
import type { TransitionObserver } from '../checker/conformance/conformance.js';
import type { Engine } from '../../src/raft/node.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { enabledWithout, unknownSkipRule, type SkipRule } from '../checker/skip-rules.js';
import { readTraceFile, type LocatedError, type TraceVisitor } from '../trace/reader.js';
import { SchemaRules, SCHEMA_RULES } from './schema-rules.js';

export const ALL_RULES: ReadonlyArray<{ id: string; statement: string; layer: 'schema' | 'semantic' }> = [
  ...SCHEMA_RULES.map((r) => ({ id: r.id, statement: r.statement, layer: 'schema' as const })),
  ...SEMANTIC_RULES.map((r) => ({ id: r.id, statement: r.statement, layer: 'semantic' as const })),
];

export interface FileError extends LocatedError {
  nodes?: string[];
  terms?: number[];
  expected?: string;
  seen?: string;
  /** Other rules the same event breaks (on the first error of that event; see harness/checker/verdict-order.ts). */
  also?: string[];
  excerpt?: ExcerptLine[];
}

export interface FileReport {
  file: string;
  valid: boolean;
  /** Events after the header. */
  events: number;
  lines: number;
  bytes: number;
  /** The first `maxErrors` errors, in line order within each layer. */
  errors: FileError[];
  /** All errors, including those beyond `maxErrors`. */
  errorCount: number;
  /** True when the trace logs nothing any rule can check. */
  unconstrained: boolean;
  linearizability?: { operations: number; verdict: string; steps: number };
  /** Rules the header's `skipRules` declares do not apply, and were therefore not checked. */
  skipped?: SkipRule[];
}

export interface ValidateOptions {
  maxErrors?: number;
  /**
   * Semantic rule ids to check (default: all); schema rules always run. The rules the header's
   * `skipRules` names are left out as well, unless `allRules`.
   */
  enabled?: ReadonlySet<string>;
  /** Ignore the skip list recorded in the header: check every enabled rule (for reviewers). */
  allRules?: boolean;
  /** Schema level only. */
  schemaOnly?: boolean;
  maxLineBytes?: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Told of each reference transition that explains a node's step (the viewer, transition coverage). */
  onTransition?: TransitionObserver;
  /** What runs the conformance shadows' statechart (default: the reference node's default). */
  engine?: Engine;
  /** Feature `snapshot`: forget what every node has compacted (default true); off for the differential test. */
  forgetCompacted?: boolean;
}

/**
 * The verdict in the making: feed it lines (or located errors) in order, then `finish`.
 * Files go through `validateTraceFile`; importers feed their converted lines directly.
 */
export class TraceValidation implements TraceVisitor {
  private readonly maxErrors: number;
  private readonly errors: FileError[] = [];
  private errorCount = 0;
  private structural = 0;
  private semantic: SemanticChecker | null = null;
  private skipped: SkipRule[] = [];
  private readonly schema = new SchemaRules((e) => this.structuralError(e));

  constructor(private readonly options: ValidateOptions = {}) {
    this.maxErrors = options.maxErrors ?? 20;
  }

  private push(e: FileError): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push(e);
  }

  private structuralError(e: LocatedError): void {
    this.structural++;
    this.push(e);
  }

  error(e: LocatedError): void {
    this.structuralError(e);
  }

  /** True as soon as some rule has failed (for runs that stop at the first violation). */
  get failed(): boolean {
    return this.errorCount > 0 || (this.semantic?.violationCount ?? 0) > 0;
  }

  line(value: TraceLine, lineNo: number): void {
    const event = this.schema.line(value, lineNo);
    // The header the schema level accepted (the first line): its skip list, then the semantic layers.
    if (value.kind === 'header' && this.schema.header === value) {
      this.readSkipRules(value.skipRules ?? [], lineNo);
      // A feature that retimes another (config-on-apply: membership) means nothing without it.
      const missing = missingRequirement(value.features ?? []);
      if (missing) this.structuralError({ line: lineNo, rule: 'schema.header', path: '/features', message: missing });
    }
    if (value.kind === 'header' && this.schema.header && !this.semantic && !this.options.schemaOnly) {
      const enabled = enabledWithout(this.skipped, this.options.enabled);
      this.semantic = new SemanticChecker(this.schema.header, {
        ...(enabled ? { enabled } : {}), maxViolations: this.maxErrors,
        ...(this.options.onTransition ? { onTransition: this.options.onTransition } : {}),
        ...(this.options.engine ? { engine: this.options.engine } : {}),
        ...(this.options.forgetCompacted !== undefined ? { forgetCompacted: this.options.forgetCompacted } : {}),
      });
    }
    // Semantic state is only meaningful while the trace is structurally sound.
    if (event && this.semantic && this.structural === 0) this.semantic.event(event, lineNo);
  }

  /** The header's skip list: honoured unless `allRules`; a rule id raftcheck does not know is a header error. */
  private readSkipRules(skip: readonly SkipRule[], lineNo: number): void {
    const unknown = unknownSkipRule(skip);
    if (unknown) this.structuralError({ line: lineNo, rule: 'schema.header', path: `/skipRules/${unknown.index}/rule`, message: unknown.message });
    else if (!this.options.allRules) this.skipped = skip.map((s) => ({ rule: s.rule, reason: s.reason }));
  }

  finish(file: string, io: { lines: number; bytes: number }): FileReport {
    let unconstrained = false;
    let linearizability: FileReport['linearizability'];
    if (this.semantic && this.structural === 0) {
      const result = this.semantic.finish();
      for (const v of result.violations) {
        this.push({
          line: v.line, rule: v.rule, path: '/', message: v.message, nodes: v.nodes, terms: v.terms,
          ...(v.expected !== undefined ? { expected: v.expected } : {}), ...(v.seen !== undefined ? { seen: v.seen } : {}),
          ...(v.also ? { also: v.also } : {}), excerpt: v.excerpt,
        });
      }
      unconstrained = this.schema.events === 0 || result.constrainingEvents === 0;
      linearizability = result.linearizability;
      if (unconstrained) {
        this.push({
          line: 1, rule: 'unconstrained', path: '/',
          message: `the trace constrains nothing: none of its ${this.schema.events} events logs a state field, a state change, a message or a restart's recovered state, so no rule could be checked`,
        });
      }
    }
    return {
      file, valid: this.errorCount === 0, events: this.schema.events, lines: io.lines, bytes: io.bytes,
      errors: this.errors, errorCount: this.errorCount, unconstrained, ...(linearizability ? { linearizability } : {}),
      ...(this.skipped.length ? { skipped: this.skipped } : {}),
    };
  }
}

/** Throws only for files that cannot be read (missing, a directory, permissions). */
export function validateTraceFile(file: string, options: ValidateOptions = {}): FileReport {
  if (fs.statSync(file).isDirectory()) throw Object.assign(new Error(`${file}: is a directory`), { code: 'EISDIR' });
  const validation = new TraceValidation(options);
  const io = readTraceFile(file, validation, {
    ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return validation.finish(file, io);
}

/** The same verdict for a trace held in memory (the programmatic API); `name` stands for the file in the report. */
export function validateTraceText(name: string, text: string | Buffer, options: ValidateOptions = {}): FileReport {
  const validation = new TraceValidation(options);
  const io = readTraceFile(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, validation, {
    name,
    ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return validation.finish(name, io);
}
