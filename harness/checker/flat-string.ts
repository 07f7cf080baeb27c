/**
 * A string built by concatenation is a tree of pieces in V8 (a rope: 32 bytes a piece); a string
 * kept by the hundred thousand (`raftcheck explore`'s cached keys) is cheaper flat. Reading a
 * character of a rope flattens it in place (one piece of the characters): the text is unchanged.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
