/**
 * The small bounds at which `raftcheck explore` catches each mutant of the catalogue
 * (`raftcheck mutants` runs them for MUTANTS.md's explore columns). Each is the cheapest of a
 * ladder of bounds tried in order (servers, terms, log, messages, crashes, client requests,
 * batch); a mutant added to the catalogue needs an entry here (test/explore.test.ts).
 */
import { DEFAULT_BOUNDS, type ExploreBounds } from './model.js';

const b = (servers: number, maxTerm: number, maxLog: number, maxMsgs: number, maxCrashes: number, maxClientOps: number, batch = DEFAULT_BOUNDS.batch): ExploreBounds =>
  ({ servers, maxTerm, maxLog, maxMsgs, maxCrashes, maxClientOps, batch });

export const MUTANT_BOUNDS: Readonly<Record<string, ExploreBounds>> = {
  'vote-twice': b(3, 1, 0, 2, 0, 0),
  'ignore-up-to-date': b(2, 2, 1, 2, 0, 1),
  'keep-vote-on-new-term': b(2, 2, 1, 2, 0, 1),
  'commit-old-term': b(2, 2, 1, 2, 0, 1),
  'majority-off-by-one': b(3, 1, 0, 2, 0, 0),
  'accept-stale-append': b(2, 2, 1, 2, 0, 1),
  'truncate-on-match': b(2, 1, 1, 1, 1, 1),
  'leader-ignores-higher-term': b(2, 2, 2, 2, 0, 2, 1),
  'count-old-votes': b(2, 2, 2, 2, 0, 2, 1),
  'forget-vote-on-restart': b(2, 1, 1, 1, 1, 1),
  'forget-log-on-restart': b(2, 1, 1, 1, 1, 1),
  'skip-consistency-check': b(2, 3, 1, 2, 0, 1),
  'apply-before-commit': b(2, 1, 1, 1, 1, 1),
  // A follower two entries behind a leader that has committed both, sent one entry at a time.
  'commit-without-min': b(3, 1, 2, 2, 0, 2, 1),
};

/** The explore command line for a mutant's bounds. */
export function exploreCommandLine(mutant: string, bounds: ExploreBounds): string {
  const batch = bounds.batch !== DEFAULT_BOUNDS.batch ? ` --batch ${bounds.batch}` : '';
  return `raftcheck explore --mutant ${mutant} --servers ${bounds.servers} --max-term ${bounds.maxTerm} --max-log ${bounds.maxLog} --max-msgs ${bounds.maxMsgs} --max-crashes ${bounds.maxCrashes} --max-client-ops ${bounds.maxClientOps}${batch}`;
}
