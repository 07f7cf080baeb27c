/**
 * Which Chromium the browser tests launch, and how. A system Chromium is used where there is
 * one (/usr/bin/chromium, or `chromium` on PATH); otherwise the one that ships inside the npm
 * package @sparticuz/chromium (a devDependency: a Brotli-compressed headless Chromium for
 * Linux x64, with the few libraries it links beyond glibc), so `npm ci && npm test` needs
 * nothing but Node. RAFTCHECK_CHROMIUM=npm takes the npm one even where a system one exists;
 * RAFTCHECK_CHROMIUM=/path takes that executable.
 *
 * The npm Chromium is unpacked once per machine (about 200 MB, a few seconds) into the OS
 * temporary directory, as the package itself does, but into a directory named after the
 * package version and built aside then renamed into place, so that concurrent test runs and
 * other versions never see a half-written browser.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** Same flags for every Chromium: headless as root, and no connection attempts (this machine's network is closed). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
/**
 * Added for the npm Chromium, from the package's own recommendations (@sparticuz/chromium `args`):
 * one process and no zygote start it in a quarter of the time. Not taken from that list: its flags
 * that lower web security, which would make the viewer's pages run under rules no user's browser has.
 */
const NPM_FLAGS = ['--single-process', '--no-zygote', '--in-process-gpu', '--font-render-hinting=none'];
const SYSTEM_PATHS = ['/usr/bin/chromium'];
const SYSTEM_NAMES = ['chromium', 'chromium-browser'];
/** Bumped when the layout of the unpacked directory changes, so an old one is not reused. */
const LAYOUT = 1;

export interface ChromiumLaunch {
  /** 'system', 'npm' or 'env' (RAFTCHECK_CHROMIUM=/path). */
  source: 'system' | 'npm' | 'env';
  executablePath: string;
  args: string[];
  /** Extra environment for the browser process (the npm Chromium's libraries and fonts). */
  env: Record<string, string>;
}

/** The Chromium to launch; throws a one-line Error saying what to install when there is none. */
export async function findChromium(): Promise<ChromiumLaunch> {
  const choice = process.env.RAFTCHECK_CHROMIUM ?? '';
  if (choice !== '' && choice !== 'npm') {
    if (!isExecutable(choice)) throw new Error(`RAFTCHECK_CHROMIUM=${choice}: not an executable file (give a Chromium executable, 'npm', or leave it unset)`);
    return { source: 'env', executablePath: choice, args: FLAGS, env: {} };
  }
  if (choice === '') {
    const system = systemChromium();
    if (system) return { source: 'system', executablePath: system, args: FLAGS, env: {} };
  }
  const dir = await unpackedNpmChromium();
  return {
    source: 'npm',
    executablePath: path.join(dir, 'chromium'),
    args: [...FLAGS, ...NPM_FLAGS],
    env: { LD_LIBRARY_PATH: path.join(dir, 'al2023', 'lib'), FONTCONFIG_FILE: path.join(dir, 'raftcheck-fonts.conf') },
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function systemChromium(): string | null {
  for (const file of SYSTEM_PATHS) if (isExecutable(file)) return file;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of SYSTEM_NAMES) if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * The OS temporary directory: the test run points TMPDIR at a per-run directory it deletes
 * (test/setup/tmpdir.ts), and saves the original here, so the browser outlives the run.
 */
function osTmpdir(): string {
  return process.env.RAFTCHECK_OS_TMPDIR || os.tmpdir();
}

/** Files that must all be there for an unpacked directory to be used (a /tmp cleaner may have removed some). */
const REQUIRED = ['chromium', 'al2023/lib/libnss3.so', 'fonts/fonts/Open_Sans/OpenSans-Regular.ttf', 'raftcheck-fonts.conf'];

/** Where @sparticuz/chromium is installed, and its version (its exports do not include package.json). */
export function npmChromiumPackage(): { root: string; version: string } {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium'); // <root>/build/cjs/index.cjs
  const root = path.resolve(path.dirname(entry), '..', '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { root, version };
}

/** The directory holding the npm Chromium, unpacked on first use. */
export async function unpackedNpmChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Chromium found: the npm one (@sparticuz/chromium) runs on Linux x64 only; install Chromium, or set RAFTCHECK_CHROMIUM to a Chromium executable`);
  }
  const { root, version } = npmChromiumPackage();
  const tmp = osTmpdir();
  const dir = path.join(tmp, `raftcheck-chromium-${version}-${LAYOUT}-uid${os.userInfo().uid}`);
  if (REQUIRED.every((f) => fs.existsSync(path.join(dir, f)))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  removeAbandonedUnpacks(tmp, path.basename(dir));
  const staging = fs.mkdtempSync(`${dir}.unpacking-`);
  try {
    // The package unpacks into os.tmpdir(): run it in a child whose TMPDIR is the staging
    // directory. AWS_EXECUTION_ENV makes it unpack its Amazon Linux libraries too (NSS, NSPR,
    // expat), so the browser links nothing from the system but glibc.
    const script = `const { default: c } = await import(${JSON.stringify(path.join(root, 'build', 'esm', 'index.js'))}); process.stdout.write(await c.executablePath());`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' },
      encoding: 'utf8',
    });
    if (out !== path.join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${out}, not into ${staging}`);
    fs.writeFileSync(path.join(staging, 'raftcheck-fonts.conf'), fontsConf(dir));
    try {
      fs.renameSync(staging, dir);
    } catch (error) {
      // Another run renamed its copy first: use that one.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Staging directories of unpacks killed midway (200 MB each), left for over ten minutes: an unpack takes seconds. */
function removeAbandonedUnpacks(tmp: string, name: string): void {
  for (const entry of fs.readdirSync(tmp)) {
    if (!entry.startsWith(`${name}.unpacking-`)) continue;
    const staging = path.join(tmp, entry);
    try {
      if (Date.now() - fs.statSync(staging).mtimeMs > 10 * 60_000) fs.rmSync(staging, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

/**
 * Fontconfig setup for the npm Chromium: the package's Open Sans (so text renders on a machine
 * without fonts), the system's fonts where there are some (screenshots then look as in a system
 * Chromium), and a font cache inside the unpacked directory. The package's own fonts.conf names
 * fixed /tmp paths, hence this one.
 */
function fontsConf(dir: string): string {
  const dirs = [path.join(dir, 'fonts', 'fonts'), '/usr/share/fonts', '/usr/local/share/fonts'];
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    ...dirs.map((d) => `  <dir>${xml(d)}</dir>`),
    `  <cachedir>${xml(path.join(dir, 'fontconfig-cache'))}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
