/** Renders spec/invariants.md from the rule table, so the document and the checker cannot drift. */
import { INVARIANT_RULES } from './rules.js';
import { LINEARIZABILITY_RULE } from '../semantic-checker.js';

export function renderInvariantsMarkdown(): string {
  const rows = INVARIANT_RULES.map((r) => `## \`${r.id}\`: ${r.title}\n\n${r.statement}\n\n*Paper:* ${r.paper}.\n`).join('\n');
  return `# Cluster invariants

<!-- Generated from harness/checker/invariants/rules.ts by \`npx raftcheck spec --write\`; do not edit. -->

The safety properties raftcheck checks on every trace, on one streaming pass, with the id that
verdicts name. The first five are the Raft paper's Figure 3; the rest follow from Figure 2's
rules about persistent and volatile state and about applying entries to the state machine.
Facts a trace does not log leave the rules that need them unconstrained (for example, log
rules need \`append\`/\`truncate\` events or full logs). None of them needs conformance: they
hold implementations that skip it by design, and traces too sparse to drive it.

${rows}
# Clients

## \`${LINEARIZABILITY_RULE.id}\`: ${LINEARIZABILITY_RULE.title}

${LINEARIZABILITY_RULE.statement} An operation answered \`not_leader\` took no effect and leaves
the history; one never answered may take effect at any point after its request, or never. The
search is Wing & Gong's with Lowe's memoisation (as in Porcupine), with a step budget: past it
the verdict is "unknown", never a hang.

*Reference:* ${LINEARIZABILITY_RULE.paper}.

# A trace that constrains nothing

## \`unconstrained\`

A trace none of whose events logs a state field, a state change, a message or the state a
restart recovers (\`persisted\`) gives no rule anything to check. It is reported as such,
never passed as valid.
`;
}
