/**
 * True when raftcheck runs from its TypeScript sources (through tsx or vitest), false when it
 * runs from the JavaScript built into dist/ (tools/build.ts). A few things differ: the file
 * names of worker modules, whether TypeScript loads without registering tsx, and whether the
 * trace schema's validator is compiled at start-up or was compiled by the build.
 */
export const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');
