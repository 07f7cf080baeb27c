/**
 * The trace viewer in a real browser: headless Chromium (the system's, or the one inside the
 * npm package @sparticuz/chromium: test/helpers/chromium.ts) driven by playwright-core, without
 * network. Reports are generated in-process, opened by file:// URL, clicked through, and their
 * panels compared with the traces. Screenshots go to test-artifacts/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeState, TraceLine } from '../src/trace/schema.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { writeReport } from '../harness/viewer/write-report.js';
import { findChromium } from './helpers/chromium.js';
import { cli } from './helpers/cli.js';

const ARTIFACTS = 'test-artifacts';
const VALID = 'traces/examples/valid/election-and-writes-3.jsonl';
const INVALID = 'traces/examples/invalid';
const FIG8 = 'commit-current-term/figure-8-commit-old-term-by-counting.jsonl';
const expectedInvalid = JSON.parse(fs.readFileSync('traces/examples/expected-invalid.json', 'utf8')) as Record<string, { line: number; rule: string }>;

/** The few page shapes these tests touch (the project compiles without the DOM library; functions below run in the page). */
interface PageElement {
  textContent: string | null;
  value: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  click(): void;
  dispatchEvent(event: Event): boolean;
}
interface PageGlobals {
  document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement>; getElementById(id: string): PageElement | null };
  raftcheckViewer?: Viewer;
}

let context: BrowserContext | null = null;
let dir: string;

/** The browser; without one, beforeAll has failed every test with the reason (they never skip). */
function browser(): BrowserContext {
  if (!context) throw new Error('no browser was launched');
  return context;
}
const requests: string[] = [];
const pageErrors: string[] = [];

function report(trace: string, name: string): string {
  const out = path.join(dir, name);
  writeReport(trace, out);
  return out;
}

async function open(file: string, hash = ''): Promise<Page> {
  const page = await browser().newPage();
  page.on('pageerror', (e) => pageErrors.push(`${file}: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${path.resolve(file)}${hash}`);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).raftcheckViewer?.stats.frames);
  return page;
}

interface Panel {
  line: number;
  node: string;
  state: string | null;
  transitions: string[];
  nodes: Record<string, Record<string, string>>;
}

/** Everything the side panel shows (runs in the page). */
function panelInPage(): Panel {
  const { document } = globalThis as unknown as PageGlobals;
  const text = (sel: string) => document.querySelector(sel)?.textContent ?? null;
  const nodes: Record<string, Record<string, string>> = {};
  for (const tr of document.querySelectorAll('#nodes-body tr')) {
    const cells: Record<string, string> = {};
    for (const td of tr.querySelectorAll('td[data-field]')) cells[td.getAttribute('data-field')!] = td.textContent ?? '';
    nodes[tr.getAttribute('data-node')!] = cells;
  }
  return {
    line: Number(text('#event-info [data-field=line]')),
    node: text('#event-info [data-field=node]') ?? '',
    state: text('#statechart [data-field=state]'),
    transitions: [...document.querySelectorAll('#statechart li')].map((li) => li.textContent ?? ''),
    nodes,
  };
}

const readPanel = (page: Page): Promise<Panel> => page.evaluate(panelInPage);

/** Presses the "next" button `steps` times in the page, reading the panel before each press (one round trip). */
function stepThrough(page: Page, steps: number): Promise<Panel[]> {
  return page.evaluate(
    ([read, n]) => {
      const panel = new Function(`return (${read})()`) as () => Panel;
      const seen: Panel[] = [];
      for (let k = 0; k < n; k++) {
        seen.push(panel());
        (globalThis as unknown as PageGlobals).document.getElementById('btn-next')!.click();
      }
      seen.push(panel());
      return seen;
    },
    [panelInPage.toString(), steps] as const,
  );
}

type Viewer = { stats: { rows: number; drawnEvents: number; drawnArrows: number; frames: number }; selected(): number; rowHeight(): number; header: number; rowOfEvent(i: number): number };
const viewer = (page: Page) => page.evaluate(() => {
  const v = (globalThis as unknown as PageGlobals).raftcheckViewer!;
  return { ...v.stats, selected: v.selected(), rowHeight: v.rowHeight(), header: v.header };
});

/** What the panel must show for each node at a line: its latest logged state at or before it. */
function expectedStates(lines: TraceLine[], upTo: number): Record<string, Record<string, string>> {
  const latest = new Map<string, NodeState>();
  lines.forEach((l, k) => {
    if (k + 1 <= upTo && 'state' in l && l.state && 'node' in l && l.node) latest.set(l.node, l.state);
  });
  const out: Record<string, Record<string, string>> = {};
  for (const [node, s] of latest) {
    out[node] = {
      role: s.role!, term: String(s.term), votedFor: s.votedFor === null ? '—' : s.votedFor!, commitIndex: String(s.commitIndex), lastApplied: String(s.lastApplied),
      lastLog: `${s.lastLogIndex}/t${s.lastLogTerm}`, value: s.value === null ? 'null' : JSON.stringify(s.value),
    };
  }
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-browser-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const found = await findChromium();
  // A fresh, empty profile: nothing from earlier runs, nothing to sync.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: found.executablePath, headless: true, args: found.args, env: { ...process.env, ...found.env },
    viewport: { width: 1400, height: 850 }, offline: true,
  });
});

afterAll(async () => {
  await context?.close();
});

describe('the trace viewer in headless Chromium', () => {
  it('shows lanes, messages, roles and states; stepping through every event matches the trace', async () => {
    const lines = fs.readFileSync(VALID, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
    const page = await open(report(VALID, 'valid.html'));
    expect(await page.textContent('#badge')).toBe('valid');
    expect(await page.isHidden('#violation')).toBe(true);
    const stats = await viewer(page);
    expect(stats.rows).toBe(lines.length - 1);
    expect(stats.drawnArrows).toBeGreaterThan(0);
    expect(await page.$$eval('#nodes-body tr', (trs) => trs.map((tr) => tr.getAttribute('data-node')))).toEqual(['n1', 'n2', 'n3']);

    await page.click('#btn-first');
    await page.click('#btn-next');
    await page.click('#btn-prev');
    const panels = await stepThrough(page, lines.length - 1);
    for (let line = 2; line <= lines.length; line++) {
      const panel = panels[line - 2]!;
      expect(panel.line).toBe(line);
      const event = lines[line - 1]!;
      expect(panel.node).toBe('node' in event && event.node ? event.node : 'network');
      const want = expectedStates(lines, line);
      for (const [node, cells] of Object.entries(want)) expect([line, node, panel.nodes[node]]).toEqual([line, node, cells]);
    }
    expect(panels.at(-1)!.line).toBe(lines.length); // "next" on the last event stays there

    // The statechart panel: line 2 is n1's election timeout; line 16 makes it leader.
    await page.click('#btn-first');
    let panel = await readPanel(page);
    expect(panel.state).toBe('follower');
    expect(panel.transitions).toEqual(['follower → candidate: ELECTION_TIMEOUT']);
    await page.$eval('#slider', (s) => { const slider = s as unknown as PageElement; slider.value = '15'; slider.dispatchEvent(new Event('input')); }); // event 16 → line 17 (n1 becomes leader)
    panel = await readPanel(page);
    expect(panel.line).toBe(17);
    expect(panel.state).toBe('leader');
    expect(panel.transitions).toEqual(['candidate → candidate: RequestVoteResponse [isVoteForCurrentTerm] / countVote', 'candidate → leader: (always) [hasVoteMajority]']);

    // A click on the diagram selects the event of that row.
    await page.click('#btn-first');
    const v = await viewer(page);
    const box = (await page.locator('#canvas').boundingBox())!;
    await page.mouse.click(box.x + 40, box.y + v.header + 9 * v.rowHeight + v.rowHeight / 2);
    expect((await readPanel(page)).line).toBe(11);

    // Filters: without n3, its events and every message to or from it disappear.
    const n3Message = new Set(lines.flatMap((l) => (l.kind === 'send' && (l.msg.from === 'n3' || l.msg.to === 'n3') ? [l.msg.id] : [])));
    const keptWithoutN3 = lines.slice(1).filter((l) => !('node' in l && l.node === 'n3') && !((l.kind === 'send' || l.kind === 'receive') && n3Message.has(l.msg.id))).length;
    await page.click('#filters input[data-node="n3"]');
    expect((await viewer(page)).rows).toBe(keptWithoutN3);
    await page.click('#filters input[data-node="n3"]');
    const responses = lines.filter((l) => (l.kind === 'send' || l.kind === 'receive') && l.msg.type === 'AppendEntriesResponse').length;
    await page.click('#filters input[data-type="AppendEntriesResponse"]');
    expect((await viewer(page)).rows).toBe(lines.length - 1 - responses);
    await page.click('#filters input[data-type="AppendEntriesResponse"]');

    // Playback moves forward on its own; pausing stops it.
    await page.click('#btn-first');
    await page.selectOption('#speed', '50');
    await page.click('#btn-play');
    await page.waitForFunction(() => Number((globalThis as unknown as PageGlobals).document.querySelector('#event-info [data-field=line]')?.textContent) >= 8);
    await page.click('#btn-play');
    expect(await page.textContent('#btn-play')).toBe('play');
    const paused = (await readPanel(page)).line;
    await page.waitForTimeout(150);
    expect((await readPanel(page)).line).toBe(paused);

    // Keys and zoom.
    await page.keyboard.press('End');
    expect((await readPanel(page)).line).toBe(lines.length);
    const before = (await viewer(page)).rowHeight;
    await page.click('#zoom-in');
    expect((await viewer(page)).rowHeight).toBeGreaterThan(before);
    await page.$eval('#slider', (s) => { const slider = s as unknown as PageElement; slider.value = '35'; slider.dispatchEvent(new Event('input')); });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-election-and-writes.png') });
    await page.close();
  });

  it('opens an invalid trace on its first violation, with the rule and the checker\'s explanation', async () => {
    const trace = path.join(INVALID, FIG8);
    const checked = validateTraceFile(trace);
    const first = [...checked.errors].sort((a, b) => a.line - b.line)[0]!;
    const page = await open(report(trace, 'fig8.html'));
    expect(await page.isVisible('#violation')).toBe(true);
    expect(await page.textContent('#violation [data-field=rule]')).toBe(first.rule);
    expect(await page.textContent('#violation [data-field=line]')).toBe(String(expectedInvalid[FIG8]!.line));
    expect(await page.textContent('#violation [data-field=message]')).toBe(first.message);
    expect(await page.textContent('#violation [data-field=expected]')).toBe(first.expected);
    expect(await page.textContent('#violation [data-field=seen]')).toBe(first.seen);
    expect(await page.textContent('#violation')).toContain(`[${expectedInvalid[FIG8]!.rule}]`);
    expect(await page.textContent('#badge')).toMatch(/^invalid: \d+ errors$/);
    const panel = await readPanel(page);
    expect(panel.line).toBe(expectedInvalid[FIG8]!.line);
    expect(await page.textContent('#event-info [data-field=violation]')).toContain(first.rule);
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-figure-8-violation.png') });
    // Away and back.
    await page.click('#btn-first');
    expect((await readPanel(page)).line).toBe(2);
    await page.click('#btn-violation');
    expect((await readPanel(page)).line).toBe(48);
    await page.close();
    // Other kinds of violation open on their line too (a structural one, an invariant, linearizability).
    for (const name of ['schema.seq/seq-not-increasing.jsonl', 'election-safety/two-leaders-one-term.jsonl', 'linearizability/stale-read.jsonl']) {
      const other = await open(report(path.join(INVALID, name), `${name.replace(/\W/g, '-')}.html`));
      const firstLine = Math.min(...validateTraceFile(path.join(INVALID, name)).errors.map((e) => e.line));
      expect([name, (await readPanel(other)).line]).toEqual([name, firstLine]);
      expect(await other.isVisible('#violation')).toBe(true);
      await other.close();
    }
  });

  it('stays usable on a large trace: only the rows in view are drawn', async () => {
    const trace = path.join(dir, 'large.jsonl');
    const sim = await cli('simulate', '--nodes', '5', '--seed', '3', '--duration', '12s', '--drop', '0.05', '--partition-every', '3s', '--crash-every', '4s', '--clients', '2', '-o', trace);
    expect(sim.code).toBe(0);
    const events = fs.readFileSync(trace, 'utf8').trim().split('\n').length - 1;
    expect(events).toBeGreaterThan(2000);
    const page = await open(report(trace, 'large.html'));
    let v = await viewer(page);
    expect(v.rows).toBe(events);
    expect(v.drawnEvents).toBeLessThan(100);
    await page.click('#btn-last');
    await page.waitForTimeout(50);
    v = await viewer(page);
    expect(v.selected).toBe(events - 1);
    expect(v.drawnEvents).toBeLessThan(100);
    expect((await readPanel(page)).line).toBe(events + 1);
    // Zoomed all the way out, still a window, not the whole trace.
    for (let k = 0; k < 6; k++) await page.click('#zoom-out');
    await page.waitForTimeout(50);
    expect((await viewer(page)).drawnEvents).toBeLessThan(500);
    // #line=N opens on that line.
    const at = await open(path.join(dir, 'large.html'), '#line=1000');
    expect((await readPanel(at)).line).toBe(1000);
    await at.close();
    await page.close();
  });

  it('draws degenerate traces without a script error: header only, nothing constrained, an undeclared node', async () => {
    const headerOnly = path.join(dir, 'header-only.jsonl');
    fs.writeFileSync(headerOnly, fs.readFileSync(VALID, 'utf8').split('\n')[0] + '\n');
    const empty = await open(report(headerOnly, 'header-only.html'));
    expect((await viewer(empty)).rows).toBe(0);
    expect(await empty.textContent('#event-info')).toBe('the trace has no events');
    await empty.click('#btn-next');
    await empty.close();
    for (const name of ['unconstrained/nothing-logged.jsonl', 'schema.node-id/undeclared-node.jsonl']) {
      const page = await open(report(path.join(INVALID, name), `${name.replace(/\W/g, '-')}.html`));
      expect(await page.isVisible('#violation')).toBe(true);
      expect(await page.textContent('#violation [data-field=rule]')).toBe(expectedInvalid[name]!.rule);
      await page.keyboard.press('End');
      await page.keyboard.press('Home');
      await page.close();
    }
  });

  it('loaded nothing but the report files, and threw no script error', () => {
    browser();
    expect(pageErrors).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  });
});
