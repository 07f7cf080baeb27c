/** Renders spec/invariants.md from the rule table, so the document and the checker cannot drift. */
import { FEATURES } from '../../../src/raft/features/index.js';
import { FEATURE_RULES } from '../features/rules.js';
import { INVARIANT_RULES } from './rules.js';
import { LINEARIZABILITY_RULE } from '../semantic-checker.js';

export function renderInvariantsMarkdown(): string {
  const rows = INVARIANT_RULES.map((r) => `## \`${r.id}\`: ${r.title}\n\n${r.statement}\n\n*Paper:* ${r.paper}.\n`).join('\n');
  const ruled = FEATURES.filter((f) => FEATURE_RULES.some((r) => r.feature === f));
  const unruled = FEATURES.filter((f) => !ruled.includes(f));
  const featureRows = ruled.map((f) => FEATURE_RULES.filter((r) => r.feature === f).map((r) => `## \`${r.id}\`: ${r.title}\n\nFeature \`${f}\`. ${r.statement}\n\n*Source:* ${r.paper}.\n`).join('\n')).join('\n') +
    (unruled.length > 0 ? `\n${unruled.map((f) => `\`${f}\``).join(', ')}: no cluster rule of ${unruled.length === 1 ? 'its' : 'their'} own; conformance checks ${unruled.length === 1 ? 'its' : 'their'} messages step by step ([\`CONFORMANCE.md\`](CONFORMANCE.md), Protocol extensions).\n` : '');
  return `# Cluster invariants

<!-- Generated from harness/checker/invariants/rules.ts by \`npx raftcheck spec --write\`; do not edit. -->

The safety properties raftcheck checks on every trace, on one streaming pass, with the id that
verdicts name. The first five are the Raft paper's Figure 3; the rest follow from Figure 2's
rules about persistent and volatile state and about applying entries to the state machine.
Facts a trace does not log leave the rules that need them unconstrained (for example, log
rules need \`append\` events or full logs; see "What a trace may leave out" in
[\`TRACE_FORMAT.md\`](TRACE_FORMAT.md)): a rule reports only what the logged facts prove. None of
them needs conformance: they hold implementations that skip it by design, and traces too sparse
to drive it.

${rows}
# Protocol extensions

Rules of the features a trace's header declares (\`features\`: ${FEATURES.map((f) => `\`${f}\``).join(', ')}; see
[\`TRACE_FORMAT.md\`](TRACE_FORMAT.md)), checked only when it declares them, like the invariants
above from what the trace logs. Where a rule speaks of time, it is the trace's own \`time\` and
the header's \`params\` (an election timeout of 150-300 ms when absent): the checker follows the
run's clock, and the reference follows the same rules with timers (\`lease\`, \`quorum\`,
\`transfer\`) whose firings the trace logs.

${featureRows}
# Clients

## \`${LINEARIZABILITY_RULE.id}\`: ${LINEARIZABILITY_RULE.title}

${LINEARIZABILITY_RULE.statement}

What each outcome means:

- answered \`ok\` or \`cas_failed\`: the operation took effect exactly once, between its request
  and its answer. A \`get\` read the value given (none given: \`null\`); a \`cas_failed\` found the
  register not holding \`expected\`, and if it gives a \`value\`, that is what it found.
  \`cas_failed\` is no answer to a \`set\` or a \`get\`;
- answered \`not_leader\`: it took no effect, and leaves the history;
- never answered (a crash, a lost leader, a client that timed out): the outcome is unknown. The
  operation took effect once, at any point after its request, however late (a time-out does
  not stop a request already on its way), or never. An unknown \`get\` therefore constrains
  nothing; an unknown \`set\` or \`cas\` may explain a later read.

A request sent again under the same client and \`requestId\` before it is answered (a retry) is
another operation; an answer completes the earliest send still open under that id, and the
others stay unknown. Real time orders two operations only if one was answered before the other
was requested; equal times overlap. The search is Wing & Gong's with Lowe's memoisation (as in
Porcupine), checked against a brute force on random histories; with a step budget: past it the
verdict is "could not be decided", an error, never a hang and never a pass.

A Jepsen history (\`validate --format jepsen\`) maps onto the same outcomes: \`:ok\` is answered;
\`:fail\` took no effect (a timed-out read, \`:fail :read :timed-out\`, leaves the history),
except \`:fail :cas\`, the etcd client's compare that did not match (\`cas_failed\`); \`:info\`
or no completion is unknown.

*Reference:* ${LINEARIZABILITY_RULE.paper}.

# A trace that constrains nothing

## \`unconstrained\`

A trace none of whose events logs a state field, a state change, a message or the state a
restart recovers (\`persisted\`) gives no rule anything to check. It is reported as such,
never passed as valid.
`;
}
