/**
 * Skip lists: the semantic rules an implementation declares do not apply to it (by design),
 * each with a reason. A fuzz run records its skip list in the trace header (`skipRules`), so
 * that every later reader of the trace judges it as the run did (spec/TRACE_FORMAT.md).
 */
import type { SkipRule } from '../../src/trace/schema.js';
import { SEMANTIC_RULES } from './semantic-checker.js';

export type { SkipRule };

/** The rules a skip list may name: the semantic ones (the schema level always applies). */
export const SKIPPABLE_RULE_IDS: readonly string[] = SEMANTIC_RULES.map((r) => r.id);

/** One line naming an unknown rule id and listing the known ones. */
export function unknownRuleMessage(id: string): string {
  return `unknown rule '${id}' (rules: ${SKIPPABLE_RULE_IDS.join(', ')})`;
}

/** The first entry of a skip list that names no rule raftcheck knows, or null. */
export function unknownSkipRule(list: readonly SkipRule[]): { index: number; message: string } | null {
  const index = list.findIndex((s) => !SKIPPABLE_RULE_IDS.includes(s.rule));
  return index < 0 ? null : { index, message: unknownRuleMessage(list[index]!.rule) };
}

/**
 * Parses `--skip-rules RULE=reason,RULE=reason`. A reason runs up to the next `,RULE=`, so it
 * may contain commas itself; each rule needs a reason (reports say why it was not checked).
 */
export function parseSkipRulesOption(text: string): SkipRule[] | { error: string } {
  const items = text.split(/,(?=\s*[a-z][a-z0-9.-]*=)/);
  const list: SkipRule[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    const rule = (eq < 0 ? item : item.slice(0, eq)).trim();
    const reason = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (rule === '') return { error: `expected RULE=reason[,RULE=reason...], got '${text}'` };
    const problem = skipRuleProblem(rule, reason);
    if (problem) return { error: problem };
    list.push({ rule, reason });
  }
  return list;
}

/** What is wrong with one entry of a skip list given by a user (an unknown rule, no reason, a long one), or null. */
export function skipRuleProblem(rule: string, reason: string): string | null {
  if (!SKIPPABLE_RULE_IDS.includes(rule)) return unknownRuleMessage(rule);
  if (reason.trim() === '') return `'${rule}' needs a reason (${rule}=why it does not apply): reports say why a rule was not checked`;
  if (reason.length > 512) return `the reason for '${rule}' is longer than 512 characters`;
  return null;
}

/** `a` then what `b` adds, each rule once (its first reason is kept). */
export function mergeSkipRules(a: readonly SkipRule[], b: readonly SkipRule[]): SkipRule[] {
  const merged: SkipRule[] = [];
  for (const s of [...a, ...b]) if (!merged.some((m) => m.rule === s.rule)) merged.push({ rule: s.rule, reason: s.reason });
  return merged;
}

/** The rules left to check: `enabled` (default: every semantic rule) without the skipped ones; undefined means all. */
export function enabledWithout(skip: readonly SkipRule[], enabled?: ReadonlySet<string>): ReadonlySet<string> | undefined {
  if (skip.length === 0) return enabled;
  const skipped = new Set(skip.map((s) => s.rule));
  return new Set((enabled ? [...enabled] : SKIPPABLE_RULE_IDS).filter((id) => !skipped.has(id)));
}

/** A skip list for people: rules sharing a reason together, `a, b (why); c (why not)`. */
export function describeSkipRules(list: readonly SkipRule[]): string {
  const byReason = new Map<string, string[]>();
  for (const s of list) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.rule]);
  return [...byReason].map(([reason, rules]) => `${rules.join(', ')} (${reason})`).join('; ');
}
