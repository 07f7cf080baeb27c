/**
 * The Python example (examples/python-raft): a Figure 2 node in another language, driven over
 * the driver protocol. A brief fuzz campaign must find nothing, conformance included.
 */
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { PYTHON } from './helpers/python.js';

describe('examples/python-raft', () => {
  it('passes a brief fuzz campaign with every rule checked (raftcheck fuzz --impl cmd:"python3 ...")', async () => {
    const r = await cli('fuzz', '--impl', `cmd:${PYTHON} examples/python-raft/raft_node.py`, '--runs', '12', '--seed', '4', '--faults', 'swarm', '--duration', '2s', '--nodes', '3,5');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/: no failure in 12 runs \(\d+ events/);
    expect(r.stdout).not.toMatch(/not checked/);
    expect(r.code).toBe(0);
  });
});
