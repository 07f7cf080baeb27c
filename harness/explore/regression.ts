/**
 * Explore's counterexamples as regression cases, beside fuzz's in traces/regressions/: the
 * path's v1 trace, whose header records (`meta.explore`) the implementation, the bounds and
 * the actions, so that the path can be re-run exactly (`raftcheck replay`, `npm test`). Named
 * `<rule>-x<hash of implementation and actions>.jsonl`, never overwritten, with the HTML
 * report beside it, as fuzz's are.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TraceLine } from '../../src/trace/schema.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readHeader } from '../trace/read-header.js';
import { reportPathFor, writeReport } from '../viewer/write-report.js';
import { enabledActions, type Action } from './actions.js';
import { messageKey } from './encode.js';
import { fingerprint } from './fingerprint.js';
import { judgeTrace, type Verdict } from './check.js';
import type { ExploreBounds, ExploreModel, ExploreState } from './model.js';
import { applyAction, initialState } from './step.js';
import { pathTrace } from './trace.js';

export interface ExploreCaseMeta {
  impl: string;
  bounds: ExploreBounds;
  actions: Action[];
  rule: string;
  line: number;
  message: string;
}

export function exploreCaseFile(dir: string, meta: ExploreCaseMeta): string {
  const { hi, lo } = fingerprint(`${meta.impl}\n${JSON.stringify(meta.bounds)}\n${JSON.stringify(meta.actions)}`);
  return path.join(dir, `${meta.rule}-x${(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')).slice(0, 11)}.jsonl`);
}

/** Writes the case unless it exists; returns its path and whether it was new. */
export function saveExploreCase(dir: string, model: ExploreModel, meta: ExploreCaseMeta): { file: string; created: boolean } {
  const file = exploreCaseFile(dir, meta);
  if (fs.existsSync(file)) return { file, created: false };
  const lines = pathTrace(model, meta.actions, { explore: meta });
  writeFileAtomic(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { overwrite: false });
  writeReport(file, reportPathFor(file), { overwrite: true });
  return { file, created: true };
}

function isAction(a: unknown): a is Action {
  return typeof a === 'object' && a !== null && typeof (a as { type?: unknown }).type === 'string';
}

/** The explore metadata of a trace file's header, or null if it has none (a fuzz case, or not a case). */
export function loadExploreCase(file: string): ExploreCaseMeta | null {
  const header = readHeader(file);
  const meta = header?.meta?.explore as Partial<ExploreCaseMeta> | undefined;
  if (meta === undefined) return null;
  if (typeof meta !== 'object' || meta === null || typeof meta.impl !== 'string' || typeof meta.rule !== 'string' || !Array.isArray(meta.actions) || !meta.actions.every(isAction) || typeof meta.bounds !== 'object') {
    throw new Error(`${file}:1: /meta/explore: not an explore case (implementation, bounds, actions and rule)`);
  }
  return meta as ExploreCaseMeta;
}

/** The action of `s` that `recorded` names (the same message by content), or null if none is enabled. */
function matching(model: ExploreModel, s: Omit<ExploreState, 'history'>, recorded: Action): Action | null {
  const key = 'flight' in recorded ? messageKey(recorded.flight.msg) : null;
  const history = null as unknown as ExploreState['history'];
  for (const a of enabledActions(model, { ...s, history })) {
    if (a.type !== recorded.type) continue;
    if ('flight' in a) {
      if (a.flight.key === key) return a;
    } else if (JSON.stringify(a) === JSON.stringify(recorded)) return a;
  }
  return null;
}

/**
 * Re-runs a case's actions on `model` and judges the trace as validate does. `lenient`: an
 * action not enabled (another implementation took another path) is skipped; otherwise it is
 * an error.
 */
export function replayExploreCase(model: ExploreModel, actions: readonly Action[], lenient = false): { verdict: Verdict | null; trace: TraceLine[]; skipped: number } {
  let { state } = initialState(model);
  const taken: Action[] = [];
  let skipped = 0;
  for (const recorded of actions) {
    const a = matching(model, state, recorded);
    if (!a) {
      if (!lenient) throw new Error(`action ${taken.length + 1} (${recorded.type}) is not enabled: the case does not fit this model`);
      skipped++;
      continue;
    }
    taken.push(a);
    state = applyAction(model, state, a).next;
  }
  const trace = pathTrace(model, taken);
  return { verdict: judgeTrace(trace), trace, skipped };
}
