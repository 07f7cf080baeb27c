/**
 * `npm run etcd:fuzz -- [--install] [--pre-vote] [--check-quorum] [--bug=forget-vote] [fuzz
 * options]`: builds the etcd-raft driver (examples/etcd-raft-driver, Go, around etcd 3.4's RawNode) and fuzzes it
 * with `raftcheck fuzz --impl cmd:...` (docs/ETCD.md).
 *
 * It needs system packages, so it is not part of `npm test`: Go (Debian: golang-go, 1.19) and
 * etcd's raft source in a GOPATH (Debian: golang-etcd-server-dev, /usr/share/gocode; another
 * GOPATH in ETCD_GOPATH). `--install` installs both with apt-get (as root); without it, a
 * missing one is named and the script exits 2. The binary goes to out/etcd-raft-driver/
 * (ignored by git). `--pre-vote` and `--check-quorum` switch etcd's options on (both off by
 * default, as in etcd's Config); `--bug=forget-vote` makes the driver lose the vote on a crash
 * (to see the checks bite). Every other argument goes to `raftcheck fuzz` (default:
 * `--runs 20 --faults swarm --nodes 3,5`; `--time-limit 3600s` unless given).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'examples', 'etcd-raft-driver');
const BINARY = path.join(ROOT, 'out', 'etcd-raft-driver', 'etcd-raft-driver');
const PACKAGES = ['golang-go', 'golang-etcd-server-dev'];
const RAFT_PACKAGE = path.join('src', 'go.etcd.io', 'etcd', 'raft', 'rawnode.go');

function fail(message: string): never {
  process.stderr.write(`etcd:fuzz: ${message}\n`);
  process.exit(2);
}

/** The first executable `name` on PATH, or null. */
function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function install(): void {
  if (which('apt-get') === null) fail(`--install needs apt-get (Debian or Ubuntu); install ${PACKAGES.join(' and ')}'s equivalents by hand`);
  for (const args of [['update'], ['install', '-y', ...PACKAGES]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit' });
    if (r.status !== 0) fail(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}); run it as root`);
  }
}

const argv = process.argv.slice(2);
const driverFlags: string[] = argv.filter((a) => a === '--pre-vote' || a === '--check-quorum' || a === '--bug=forget-vote');
const wantsInstall = argv.includes('--install');
let fuzzArgs = argv.filter((a) => a !== '--install' && !driverFlags.includes(a));
if (fuzzArgs.length === 0) fuzzArgs = ['--runs', '20', '--faults', 'swarm', '--nodes', '3,5'];
// A tick-driven etcd node costs about a second of wall clock per second of virtual time: the
// default 60-s budget of the search would stop a campaign of 20 runs before its end.
if (!fuzzArgs.some((a) => a.startsWith('--time-limit'))) fuzzArgs.push('--time-limit', '3600s');

if (wantsInstall) install();
const go = process.env.GO || which('go');
if (go === null) {
  fail(`Go is not installed: install the Debian package golang-go (Go 1.19) and golang-etcd-server-dev (etcd's raft source): apt-get install -y ${PACKAGES.join(' ')}, or npm run etcd:fuzz -- --install as root`);
}
const gopath = process.env.ETCD_GOPATH ?? '/usr/share/gocode';
if (!fs.existsSync(path.join(gopath, RAFT_PACKAGE))) {
  fail(`etcd's raft source is not in ${gopath} (${RAFT_PACKAGE} is missing): install the Debian package golang-etcd-server-dev (apt-get install -y golang-etcd-server-dev), or set ETCD_GOPATH to a GOPATH that has go.etcd.io/etcd/raft`);
}

fs.mkdirSync(path.dirname(BINARY), { recursive: true });
const env = { ...process.env, GO111MODULE: 'off', GOPATH: gopath, GOCACHE: process.env.GOCACHE ?? path.join(ROOT, 'out', 'go-cache') };
const build = spawnSync(go, ['build', '-o', BINARY, '.'], { cwd: SOURCE, env, stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) fail(`go build failed (exit ${build.status ?? build.signal}) in ${path.relative(ROOT, SOURCE)}`);

const impl = `cmd:${[path.relative(ROOT, BINARY), ...driverFlags].join(' ')}`;
process.stdout.write(`etcd:fuzz: raftcheck fuzz --impl ${impl} ${fuzzArgs.join(' ')}\n`);
const cli = path.join(ROOT, 'harness', 'cli', 'main.ts');
const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const run = spawnSync(tsx, [cli, 'fuzz', '--impl', impl, ...fuzzArgs], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
