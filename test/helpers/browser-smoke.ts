/**
 * A browser launch in a process of its own, for test/node-only.test.ts: finds Chromium as the
 * browser tests do, opens the trace report given as argument, and prints as JSON what it saw
 * and which executable and shared libraries the browser process ran with (from /proc).
 * Usage: node --import tsx test/helpers/browser-smoke.ts REPORT.html
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { findChromium } from './chromium.js';

export interface SmokeResult {
  source: string;
  executablePath: string;
  version: string;
  badge: string | null;
  rows: number;
  /** The browser process's executable and the shared libraries it mapped, from /proc. */
  exe: string;
  libraries: string[];
}

/** The children of this process running `executable` (the browser; with --single-process, one). */
function browserProcesses(executable: string): number[] {
  const target = fs.realpathSync(executable);
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && fs.readlinkSync(`/proc/${entry}/exe`) === target) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

const report = process.argv[2];
if (!report) throw new Error('usage: browser-smoke.ts REPORT.html');
const found = await findChromium();
const browser = await chromium.launch({ executablePath: found.executablePath, headless: true, args: found.args, env: { ...process.env, ...found.env } });
try {
  const page = await browser.newPage();
  await page.goto(`file://${path.resolve(report)}`);
  await page.waitForFunction(() => (globalThis as unknown as { raftcheckViewer?: { stats: { frames: number } } }).raftcheckViewer?.stats.frames);
  const rows = await page.evaluate(() => (globalThis as unknown as { raftcheckViewer: { stats: { rows: number } } }).raftcheckViewer.stats.rows);
  const [pid] = browserProcesses(found.executablePath);
  if (pid === undefined) throw new Error(`no child process runs ${found.executablePath}`);
  const libraries = [...new Set(fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((f) => /\.so(\.|$)/.test(f)))].sort();
  const result: SmokeResult = {
    source: found.source, executablePath: found.executablePath, version: browser.version(), badge: await page.textContent('#badge'), rows,
    exe: fs.readlinkSync(`/proc/${pid}/exe`), libraries,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await browser.close();
}
