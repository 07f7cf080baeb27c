/**
 * The etcd-raft driver (examples/etcd-raft-driver) needs Go and etcd's source, which `npm test`
 * does not have: `npm run etcd:fuzz` builds and fuzzes it (docs/ETCD.md). Here, with nothing
 * but Node: its source is present and wired to the script, and the script says exactly which
 * package is missing, with exit 2, instead of failing somewhere in a build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const DRIVER = 'examples/etcd-raft-driver';

/** tools/etcd-fuzz.ts run by this Node, with PATH an empty directory (no go, no apt-get) and `env` added. */
function etcdFuzz(env: Record<string, string>): { code: number | null; stderr: string; stdout: string } {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-no-go-'));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'GO' && k !== 'ETCD_GOPATH')) as Record<string, string>;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/etcd-fuzz.ts', '--runs', '1'], { env: { ...base, PATH: empty, ...env }, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('the etcd-raft driver (npm run etcd:fuzz)', () => {
  it('is a Go program around etcd\'s RawNode, built and fuzzed by npm run etcd:fuzz', () => {
    const main = fs.readFileSync(`${DRIVER}/main.go`, 'utf8');
    expect(main).toMatch(/"go\.etcd\.io\/etcd\/raft"/);
    expect(main).toMatch(/raft\.NewRawNode\(/);
    expect(fs.readFileSync(`${DRIVER}/rand.go`, 'utf8')).toMatch(/go:linkname etcdRand go\.etcd\.io\/etcd\/raft\.globalRand/);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['etcd:fuzz']).toBe('tsx tools/etcd-fuzz.ts');
    expect(pkg.scripts.test).not.toMatch(/etcd/);
  });

  it('without Go: names the Debian packages to install, exit 2, nothing built', () => {
    const r = etcdFuzz({});
    expect(r.stderr).toMatch(/^etcd:fuzz: Go is not installed: install the Debian package golang-go .*golang-etcd-server-dev/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.code).toBe(2);
  });

  it('with Go but without etcd\'s raft source: names golang-etcd-server-dev, exit 2', () => {
    const gopath = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-gopath-'));
    const r = etcdFuzz({ GO: process.execPath, ETCD_GOPATH: gopath });
    expect(r.stderr).toMatch(/^etcd:fuzz: etcd's raft source is not in .*install the Debian package golang-etcd-server-dev/);
    expect(r.code).toBe(2);
  });
});
