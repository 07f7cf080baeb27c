/** Log entries and commands in the words of a verdict: `term 2: set 4 (c1#3)`. */
import type { Command, Entry } from '../../src/trace/schema.js';
import { isClientCommand } from '../../src/trace/schema.js';

export function describeCommand(c: Command): string {
  if (c.type === 'config') return `config voters {${c.voters.join(',')}}${c.learners.length ? ` learners {${c.learners.join(',')}}` : ''}`;
  const what = c.type === 'set' ? `set ${JSON.stringify(c.value)}` : c.type === 'cas' ? `cas ${JSON.stringify(c.expected)}→${JSON.stringify(c.value)}` : c.type;
  return isClientCommand(c) && c.client !== undefined ? `${what} by ${c.client}#${c.requestId ?? '?'}` : what;
}

export function describeEntry(e: Entry): string {
  return `term ${e.term}: ${describeCommand(e.command)}`;
}
