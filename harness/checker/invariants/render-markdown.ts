/** Renders spec/invariants.md from the rule table, so the document and the checker cannot drift. */
import { INVARIANT_RULES } from './rules.js';

export function renderInvariantsMarkdown(): string {
  const rows = INVARIANT_RULES.map((r) => `## \`${r.id}\`: ${r.title}\n\n${r.statement}\n\n*Paper:* ${r.paper}.\n`).join('\n');
  return `# Cluster invariants

<!-- Generated from harness/checker/invariants/rules.ts by \`npx raftcheck spec --write\`; do not edit. -->

The safety properties raftcheck checks on every trace, on one streaming pass, with the id that
verdicts name. The first five are the Raft paper's Figure 3; the rest follow from Figure 2's
rules about persistent and volatile state. Facts a trace does not log leave the rules that
need them unconstrained (for example, log rules need \`append\`/\`truncate\` events or full logs).

${rows}`;
}
