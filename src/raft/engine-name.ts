/**
 * The names of the engines that run the reference statechart (engine.ts), apart from the
 * engines themselves: the CLI checks RAFTCHECK_ENGINE before it loads any statechart code.
 */
export type Engine = 'actor' | 'interpreter';
export const ENGINES: readonly Engine[] = ['actor', 'interpreter'];

/** Reads an engine name (RAFTCHECK_ENGINE); null if it names none. */
export function parseEngine(value: string | undefined): Engine | null {
  if (value === undefined || value === '') return 'interpreter';
  return (ENGINES as readonly string[]).includes(value) ? (value as Engine) : null;
}
