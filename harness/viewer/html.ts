/**
 * The self-contained HTML report: markup, the stylesheet and the page script (./page/, plain
 * browser code read from disk and inlined) and the trace's model as JSON in a
 * `<script type="application/json">` element. Nothing is fetched when the file is opened.
 */
import fs from 'node:fs';
import type { ViewModel } from './model.js';

const asset = (name: string) => fs.readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its script element: every `<` becomes `\u003c` (still the same JSON). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The same JSON as scriptSafeJson, in pieces: an object's members (to `depth` levels) each
 * serialized apart. Written one after the other, they spare building (and copying) one string
 * of the whole model, tens of megabytes for a long trace.
 */
function scriptSafeJsonParts(value: unknown, depth: number, parts: string[]): void {
  if (depth === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) {
    parts.push(scriptSafeJson(value));
    return;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    parts.push(`${first ? '{' : ','}${scriptSafeJson(key)}:`);
    scriptSafeJsonParts(member, depth - 1, parts);
    first = false;
  }
  parts.push(first ? '{}' : '}');
}

/** The report as one string (tests; small traces). */
export function renderReport(model: ViewModel): string {
  return renderReportParts(model).join('');
}

/** The report in pieces, in order: what `writeFileAtomic` writes without joining them. */
export function renderReportParts(model: ViewModel): string[] {
  const script = asset('viewer.js');
  const style = asset('viewer.css');
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error('a viewer asset contains a closing script or style tag');
  const title = escapeHtml(model.title);
  const data: string[] = [];
  scriptSafeJsonParts(model, 2, data);
  const head = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raftcheck · ${title}</title>
<style>
${style}</style>
</head>
<body>
<header class="top"><h1>raftcheck · <span id="title"></span></h1><span id="badge" class="badge"></span><span id="meta" class="meta"></span></header>
<div id="violation" role="alert" hidden></div>
<div class="toolbar">
  <div class="group">
    <button id="btn-first" title="first event (Home)">|◀</button>
    <button id="btn-prev" title="previous event (↑ or k)">◀</button>
    <button id="btn-play" title="play / pause (space)">play</button>
    <button id="btn-next" title="next event (↓ or j)">▶</button>
    <button id="btn-last" title="last event (End)">▶|</button>
    <select id="speed" title="playback speed">
      <option value="2">2 events/s</option><option value="10" selected>10 events/s</option><option value="50">50 events/s</option><option value="250">250 events/s</option><option value="2000">2000 events/s</option>
    </select>
  </div>
  <input id="slider" type="range" min="0" max="0" value="0" title="time slider: one step per shown event">
  <span id="position"></span>
  <div class="group">
    <button id="zoom-out" title="zoom out (-)">−</button><button id="zoom-in" title="zoom in (+)">+</button>
    <button id="btn-violation" title="go to the first violation">violation</button>
  </div>
  <div id="filters" class="filters"></div>
</div>
<main>
  <div id="scroller"><canvas id="canvas"></canvas><div id="spacer"></div></div>
  <aside>
    <h2>Event</h2><div id="event-info"></div>
    <h2>Statechart</h2><div id="statechart"></div>
    <h2>Nodes</h2>
    <table class="nodes"><thead><tr><th>node</th><th>role</th><th>term</th><th>vote</th><th>commit</th><th>applied</th><th>last log</th><th>value</th></tr></thead><tbody id="nodes-body"></tbody></table>
    <h2>Logs</h2><div id="logs"></div>
    <h2>Legend</h2><div id="legend" class="legend"></div>
  </aside>
</main>
<script type="application/json" id="trace-data">`;
  return [head, ...data, `</script>
<script>
${script}</script>
</body>
</html>
`];
}
