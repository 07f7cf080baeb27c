/** Log entries and commands in the words of a verdict: `term 2: set 4 (c1#3)`. */
import type { Command, Entry } from '../../src/trace/schema.js';

export function describeCommand(c: Command): string {
  const what = c.type === 'set' ? `set ${JSON.stringify(c.value)}` : c.type === 'cas' ? `cas ${JSON.stringify(c.expected)}→${JSON.stringify(c.value)}` : c.type;
  return c.type !== 'noop' && c.client !== undefined ? `${what} by ${c.client}#${c.requestId ?? '?'}` : what;
}

export function describeEntry(e: Entry): string {
  return `term ${e.term}: ${describeCommand(e.command)}`;
}
