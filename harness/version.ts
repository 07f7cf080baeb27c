/** The version raftcheck reports and writes into the traces it produces (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
