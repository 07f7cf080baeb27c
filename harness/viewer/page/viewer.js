// raftcheck trace viewer: the page script, inlined into each report with the trace's model
// (harness/viewer/model.ts). It draws only the rows in view on one canvas, so a 100,000-event
// trace scrolls as fast as a small one; all lookups are precomputed once at load.
(function () {
  'use strict';
  const M = JSON.parse(document.getElementById('trace-data').textContent);
  const $ = (id) => document.getElementById(id);
  const N = M.nodes.length;
  const E = M.events.kind.length;
  const ROLES = ['', 'follower', 'candidate', 'leader', 'crashed', 'precandidate'];
  const ROLE_CODE = { follower: 1, candidate: 2, leader: 3, crashed: 4, precandidate: 5 };
  const ROLE_FILL = ['#f3f4f6', '#dfe7f2', '#ffd9a8', '#b8e6b8', '#cfcfcf', '#fff0cc'];
  const TYPE_COLOR = ['#e67e22', '#b9770e', '#2c7fb8', '#41ab5d', '#9ecae1', '#c39bd3', '#8e44ad', '#d62728'];
  const TYPES = M.messageTypes;
  const HEADER = 26;
  const GUTTER = 78;
  const ZOOMS = [2, 4, 7, 11, 16, 22, 30];
  const BUCKET = 128;
  const INITIAL = ['follower', 0, null, 0, 0, 0, 0, null];
  const INPUTS = new Set(['receive', 'timeout', 'client_request']);

  // ---- decoded columns and per-node indexes
  const line = new Int32Array(E);
  const time = new Float64Array(E);
  for (let i = 0, l = 0, t = 0; i < E; i++) {
    l += M.events.line[i];
    t += M.events.time[i];
    line[i] = l;
    time[i] = t;
  }
  const enode = M.events.node;
  const emsg = M.events.msg;
  const estate = M.events.state;
  const kindOf = (i) => M.kinds[M.events.kind[i]];
  const textOf = (k) => (k < 0 ? '' : M.texts[k]);
  const isRestartOrCrash = (i) => { const k = kindOf(i); return k === 'crash' || k === 'restart'; };

  const mtype = M.messages.type;

  const perNode = Array.from({ length: N }, () => []);
  const roleAt = new Uint8Array(E * N);
  const termChange = new Uint8Array(E);
  {
    const cur = new Uint8Array(N).fill(1);
    const term = new Float64Array(N);
    for (let i = 0; i < E; i++) {
      const n = enode[i];
      if (n >= 0) {
        perNode[n].push(i);
        const s = M.states[estate[i]];
        cur[n] = ROLE_CODE[s[0]] || 1;
        if (s[1] !== term[n]) { termChange[i] = 1; term[n] = s[1]; }
      }
      roleAt.set(cur, i * N);
    }
  }
  const nodeEvents = perNode.map((a) => Int32Array.from(a));

  // Steps: the statechart transitions that explain each node step.
  const stepAt = new Map();
  const stepEvents = Array.from({ length: N }, () => []);
  for (let p = 0; p < M.steps.length;) {
    const ev = M.steps[p];
    const count = M.steps[p + 1];
    stepAt.set(ev, M.steps.slice(p + 2, p + 2 + count));
    if (enode[ev] >= 0) stepEvents[enode[ev]].push(ev);
    p += 2 + count;
  }
  const lastCut = Array.from({ length: N }, () => []); // crash/restart events per node
  for (let i = 0; i < E; i++) if (enode[i] >= 0 && isRestartOrCrash(i)) lastCut[enode[i]].push(i);

  /** Last element of a sorted index list that is <= i, or -1. */
  function atOrBefore(list, i) {
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] <= i) { found = list[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  // Arrows: one per delivery (duplicates give several), a dropped or never-received message gives a stub.
  const arrows = { msg: [], a: [], b: [], kind: [] };
  const addArrow = (k, b, kind) => { arrows.msg.push(k); arrows.a.push(M.messages.send[k]); arrows.b.push(b); arrows.kind.push(kind); };
  for (let k = 0; k < M.messages.send.length; k++) {
    if (M.messages.recv[k] >= 0) addArrow(k, M.messages.recv[k], 0);
    else if (M.messages.drop[k] >= 0) addArrow(k, M.messages.drop[k], 1);
    else addArrow(k, M.messages.send[k], 2);
  }
  for (let p = 0; p < M.extraReceives.length; p += 2) addArrow(M.extraReceives[p], M.extraReceives[p + 1], 0);
  const drawnStamp = new Uint32Array(arrows.msg.length);

  // Violations, by event.
  const violationAt = new Map();
  for (const e of M.verdict.errors) if (e.exact && !violationAt.has(e.event)) violationAt.set(e.event, e);
  const firstViolation = M.verdict.errors.find((e) => e.rule !== 'unconstrained');

  // ---- view state
  const laneOn = new Uint8Array(N).fill(1);
  const typeOn = new Uint8Array(TYPES.length).fill(1);
  let rows = new Int32Array(0);
  let rowOf = new Int32Array(E);
  let buckets = [];
  let laneX = new Float64Array(N);
  let zoom = 4;
  let rowH = ZOOMS[zoom];
  let sel = Math.min(Math.max(M.focus, 0), Math.max(E - 1, 0));
  let playing = false;
  let frame = 0;
  const stats = { rows: 0, drawnEvents: 0, drawnArrows: 0, frames: 0 };

  const canvas = $('canvas');
  const scroller = $('scroller');
  const spacer = $('spacer');
  const ctx = canvas.getContext('2d');

  function visible(i) {
    const n = enode[i];
    if (n >= 0 && !laneOn[n]) return false;
    const k = emsg[i];
    if (k >= 0) {
      if (!typeOn[mtype[k]]) return false;
      const from = M.messages.from[k], to = M.messages.to[k];
      if (!laneOn[from] || !laneOn[to]) return false;
    }
    return true;
  }

  function rebuild() {
    const list = [];
    rowOf = new Int32Array(E).fill(-1);
    for (let i = 0; i < E; i++) if (visible(i)) { rowOf[i] = list.length; list.push(i); }
    rows = Int32Array.from(list);
    buckets = Array.from({ length: Math.ceil(rows.length / BUCKET) + 1 }, () => []);
    for (let a = 0; a < arrows.msg.length; a++) {
      const ra = rowOf[arrows.a[a]], rb = rowOf[arrows.b[a]];
      if (ra < 0 || rb < 0) continue;
      const end = arrows.kind[a] === 2 ? ra + 2 : rb;
      for (let b = Math.floor(ra / BUCKET); b <= Math.floor(end / BUCKET) && b < buckets.length; b++) buckets[b].push(a);
    }
    stats.rows = rows.length;
    $('slider').max = String(Math.max(rows.length - 1, 0));
    layout();
  }

  function layout() {
    const w = scroller.clientWidth;
    const h = scroller.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    spacer.style.height = Math.max(0, HEADER + rows.length * rowH + 40 - h) + 'px';
    const shown = [];
    for (let n = 0; n < N; n++) if (laneOn[n]) shown.push(n);
    const laneW = (w - GUTTER - 8) / Math.max(shown.length, 1);
    laneX = new Float64Array(N).fill(-1);
    shown.forEach((n, p) => { laneX[n] = GUTTER + (p + 0.5) * laneW; });
    layout.laneW = laneW;
    requestDraw();
  }

  let drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }

  const rowY = (r) => HEADER + r * rowH - scroller.scrollTop + rowH / 2;

  function draw() {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    frame++;
    stats.frames++;
    ctx.clearRect(0, 0, w, h);
    const top = scroller.scrollTop;
    const r0 = Math.max(0, Math.floor(top / rowH) - 1);
    const r1 = Math.min(rows.length - 1, Math.ceil((top + h - HEADER) / rowH) + 1);
    const bandW = Math.min(18, layout.laneW * 0.25);
    const labels = rowH >= 11;
    // Selection and violation rows behind everything.
    for (let r = r0; r <= r1; r++) {
      const i = rows[r];
      if (violationAt.has(i)) { ctx.fillStyle = '#fde0dc'; ctx.fillRect(0, rowY(r) - rowH / 2, w, rowH); }
    }
    const sr = rowOf[sel];
    if (sr >= r0 && sr <= r1) { ctx.fillStyle = violationAt.has(sel) ? '#f9b4ab' : '#fff2a8'; ctx.fillRect(0, rowY(sr) - rowH / 2, w, rowH); }
    // Role bands: one rectangle per run of equal role on each lane.
    for (let n = 0; n < N; n++) {
      if (laneX[n] < 0 || r1 < r0) continue;
      let start = r0, role = roleAt[rows[r0] * N + n];
      for (let r = r0 + 1; r <= r1 + 1; r++) {
        const next = r <= r1 ? roleAt[rows[r] * N + n] : -1;
        if (next !== role) {
          ctx.fillStyle = ROLE_FILL[role];
          ctx.fillRect(laneX[n] - bandW / 2, rowY(start) - rowH / 2, bandW, (r - start) * rowH);
          start = r;
          role = next;
        }
      }
      ctx.strokeStyle = '#9aa3b2';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(laneX[n], HEADER);
      ctx.lineTo(laneX[n], h);
      ctx.stroke();
    }
    // Network-wide events (partitions, heals) across all lanes.
    ctx.font = '11px system-ui, sans-serif';
    for (let r = r0; r <= r1; r++) {
      const i = rows[r];
      if (enode[i] >= 0) continue;
      const k = kindOf(i);
      if (k !== 'partition' && k !== 'heal') continue;
      ctx.strokeStyle = k === 'partition' ? '#8e24aa' : '#2e7d32';
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(GUTTER, rowY(r));
      ctx.lineTo(w, rowY(r));
      ctx.stroke();
      ctx.setLineDash([]);
      if (labels) { ctx.fillStyle = ctx.strokeStyle; ctx.fillText(textOf(M.events.text[i]), GUTTER + 4, rowY(r) - 3); }
    }
    // Messages crossing the window.
    let drawnArrows = 0;
    for (let b = Math.floor(r0 / BUCKET); b <= Math.floor(r1 / BUCKET) && b < buckets.length; b++) {
      for (const a of buckets[b]) {
        if (drawnStamp[a] === frame) continue;
        drawnStamp[a] = frame;
        drawArrow(a);
        drawnArrows++;
      }
    }
    // Events.
    for (let r = r0; r <= r1; r++) drawEvent(rows[r], r, labels);
    // Lane names and the time gutter on top.
    ctx.fillStyle = '#ffffffee';
    ctx.fillRect(0, 0, w, HEADER);
    ctx.fillStyle = '#1d2330';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    for (let n = 0; n < N; n++) if (laneX[n] >= 0) ctx.fillText(M.nodes[n], laneX[n], 17);
    ctx.textAlign = 'left';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#6a7386';
    ctx.fillText('time (ms)', 6, 17);
    if (labels) {
      let last = -1;
      for (let r = r0; r <= r1; r++) {
        const t = time[rows[r]];
        if (t !== last && rowY(r) > HEADER + 6) ctx.fillText(String(Math.round(t * 10) / 10), 6, rowY(r) + 4);
        last = t;
      }
    }
    stats.drawnEvents = Math.max(0, r1 - r0 + 1);
    stats.drawnArrows = drawnArrows;
  }

  function drawArrow(a) {
    const k = arrows.msg[a];
    const from = M.messages.from[k], to = M.messages.to[k];
    const x1 = laneX[from], x2 = laneX[to];
    const y1 = rowY(rowOf[arrows.a[a]]);
    const kind = arrows.kind[a];
    ctx.strokeStyle = TYPE_COLOR[mtype[k]];
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = arrows.a[a] === sel || arrows.b[a] === sel ? 2.5 : 1.2;
    if (kind === 2) { // sent, never seen again: a short dashed stub
      ctx.setLineDash([3, 3]);
      line2(x1, y1, x1 + (x2 - x1) * 0.25, y1 + 2 * rowH);
      ctx.setLineDash([]);
      return;
    }
    const y2 = rowY(rowOf[arrows.b[a]]);
    if (kind === 1) { // dropped: the arrow stops half-way with a cross
      const xm = x1 + (x2 - x1) * 0.5;
      ctx.setLineDash([4, 3]);
      line2(x1, y1, xm, y2);
      ctx.setLineDash([]);
      ctx.strokeStyle = '#c62828';
      ctx.lineWidth = 2;
      line2(xm - 4, y2 - 4, xm + 4, y2 + 4);
      line2(xm - 4, y2 + 4, xm + 4, y2 - 4);
      return;
    }
    line2(x1, y1, x2, y2);
    const angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - 8 * Math.cos(angle - 0.4), y2 - 8 * Math.sin(angle - 0.4));
    ctx.lineTo(x2 - 8 * Math.cos(angle + 0.4), y2 - 8 * Math.sin(angle + 0.4));
    ctx.closePath();
    ctx.fill();
  }

  function line2(x1, y1, x2, y2) {
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
  }

  function drawEvent(i, r, labels) {
    const n = enode[i];
    if (n < 0) {
      const k = emsg[i];
      if (k >= 0 && kindOf(i) === 'duplicate' && labels) { ctx.fillStyle = '#6a7386'; ctx.fillText('duplicate ' + M.texts[M.messages.text[k]], GUTTER + 4, rowY(r) + 4); }
      return;
    }
    const x = laneX[n], y = rowY(r);
    const kind = kindOf(i);
    const size = Math.max(2, Math.min(5, rowH / 3));
    ctx.fillStyle = '#4a5263';
    ctx.strokeStyle = '#4a5263';
    ctx.lineWidth = 1.5;
    if (kind === 'crash') {
      ctx.strokeStyle = '#c62828';
      ctx.lineWidth = 3;
      line2(x - 7, y - 5, x + 7, y + 5);
      line2(x - 7, y + 5, x + 7, y - 5);
    } else if (kind === 'restart') {
      ctx.fillStyle = '#2e7d32';
      ctx.beginPath(); ctx.moveTo(x - 6, y + 5); ctx.lineTo(x + 6, y + 5); ctx.lineTo(x, y - 6); ctx.closePath(); ctx.fill();
    } else if (kind === 'client_request' || kind === 'client_response') {
      ctx.fillStyle = '#6a1b9a';
      ctx.fillRect(x - size, y - size, size * 2, size * 2);
    } else if (kind === 'timeout') {
      ctx.strokeStyle = '#e65100';
      ctx.beginPath(); ctx.arc(x, y, size + 1, 0, Math.PI * 2); ctx.stroke();
    } else if (kind === 'role') {
      ctx.fillStyle = ['#000', '#5b7db1', '#e67e22', '#2e7d32', '#777'][ROLE_CODE[M.states[estate[i]][0]] || 1];
      ctx.beginPath(); ctx.arc(x, y, size + 1.5, 0, Math.PI * 2); ctx.fill();
    } else if (kind === 'commit' || kind === 'apply') {
      ctx.fillStyle = kind === 'commit' ? '#2e7d32' : '#00897b';
      ctx.beginPath(); ctx.moveTo(x, y - size - 1); ctx.lineTo(x + size + 1, y); ctx.lineTo(x, y + size + 1); ctx.lineTo(x - size - 1, y); ctx.closePath(); ctx.fill();
    } else if (kind === 'send' || kind === 'receive') {
      ctx.fillStyle = emsg[i] >= 0 ? TYPE_COLOR[mtype[emsg[i]]] : '#4a5263';
      ctx.beginPath(); ctx.arc(x, y, size * 0.8, 0, Math.PI * 2); ctx.fill();
    } else {
      ctx.beginPath(); ctx.arc(x, y, size * 0.9, 0, Math.PI * 2); ctx.fill();
    }
    if (violationAt.has(i) || i === sel) {
      ctx.strokeStyle = violationAt.has(i) ? '#c62828' : '#1d2330';
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(x, y, size + 5, 0, Math.PI * 2); ctx.stroke();
    }
    if (termChange[i]) {
      ctx.fillStyle = '#6a1b9a';
      ctx.font = '600 10px system-ui, sans-serif';
      ctx.fillText('T' + M.states[estate[i]][1], x - layout.laneW * 0.12 - 18, y + 4);
      ctx.font = '11px system-ui, sans-serif';
    }
    if (labels && kind !== 'receive') {
      const k = emsg[i];
      ctx.fillStyle = kind === 'crash' ? '#c62828' : kind === 'send' ? TYPE_COLOR[mtype[k]] : '#333a47';
      ctx.fillText(kind === 'send' ? (k >= 0 ? textOf(M.messages.short[k]) : '') : textOf(M.events.text[i]), x + 10, y + 4);
    }
  }

  // ---- selection and the panel
  function describe(i) {
    const k = emsg[i];
    const kind = kindOf(i);
    if (k < 0) return M.events.text[i] >= 0 ? textOf(M.events.text[i]) : kind;
    const m = M.texts[M.messages.text[k]];
    const from = M.nodes[M.messages.from[k]], to = M.nodes[M.messages.to[k]];
    if (kind === 'send') return 'send ' + m + ' → ' + to;
    if (kind === 'receive') return 'receive ' + m + ' from ' + from;
    return kind + ' ' + m + ' (' + from + ' → ' + to + ')' + (M.events.text[i] >= 0 ? ' ' + textOf(M.events.text[i]) : '');
  }

  function stateAt(n, i) {
    const j = atOrBefore(nodeEvents[n], i);
    return j < 0 ? INITIAL : M.states[estate[j]];
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const key of Object.keys(attrs)) e.setAttribute(key, attrs[key]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function jump(label, target) {
    const a = el('a', { class: 'jump' }, label);
    a.addEventListener('click', () => select(target, true));
    return a;
  }

  function renderPanel() {
    const i = sel;
    const info = $('event-info');
    info.replaceChildren();
    if (E === 0) { info.append(el('p', { class: 'muted' }, 'the trace has no events')); return; }
    const n = enode[i];
    const kv = el('dl', { class: 'kv' });
    const row = (key, value, field) => { kv.append(el('dt', null, key)); const dd = el('dd', field ? { 'data-field': field } : null); if (typeof value === 'string') dd.textContent = value; else dd.append(value); kv.append(dd); };
    row('event', '#' + (i + 1) + ' of ' + E, 'index');
    row('line', String(line[i]), 'line');
    row('node', n >= 0 ? M.nodes[n] : 'network', 'node');
    row('time', time[i] + ' ms', 'time');
    row('what', describe(i), 'text');
    const k = emsg[i];
    if (k >= 0) {
      const links = el('span');
      const send = M.messages.send[k], recv = M.messages.recv[k], drop = M.messages.drop[k];
      if (send !== i) links.append(jump('sent at line ' + line[send], send), ' ');
      if (recv >= 0 && recv !== i) links.append(jump('received at line ' + line[recv], recv), ' ');
      if (drop >= 0 && drop !== i) links.append(jump('dropped at line ' + line[drop], drop), ' ');
      if (recv < 0 && drop < 0) links.append(el('span', { class: 'muted' }, 'never received in this trace'));
      row('message', links, 'message');
    }
    const v = violationAt.get(i);
    if (v) row('violates', '[' + v.rule + '] ' + v.message, 'violation');
    info.append(kv);

    // Statechart: the node's state, and the reference transitions of the step this event belongs to.
    const sc = $('statechart');
    sc.replaceChildren();
    if (n < 0) sc.append(el('p', { class: 'muted' }, 'a network event: no node state'));
    else {
      const role = M.states[estate[i]][0];
      const p = el('p');
      p.append(M.nodes[n] + ' is in state ', el('span', { class: 'role ' + role, 'data-field': 'state' }, role));
      // An input's logged state is the one before it was handled (spec/TRACE_FORMAT.md).
      if (INPUTS.has(kindOf(i))) p.append(el('span', { class: 'muted' }, ' (before handling this input)'));
      sc.append(p);
      const step = atOrBefore(stepEvents[n], i);
      const cut = atOrBefore(lastCut[n], i);
      if (step < 0 || cut > step) sc.append(el('p', { class: 'muted', 'data-field': 'step' }, cut >= 0 && cut <= i ? 'the node ' + kindOf(cut) + 'ed; no step since' : 'no step of the reference statechart yet'));
      else {
        const head = el('p', { 'data-field': 'step' });
        head.append('step from ', step === i ? 'this event' : jump('line ' + line[step] + ' (' + describe(step) + ')', step), ':');
        sc.append(head);
        const ul = el('ul', { class: 'transitions' });
        for (const t of stepAt.get(step)) {
          const tr = M.transitions[t];
          ul.append(el('li', { 'data-transition': String(t) }, tr.from + ' → ' + tr.to + ': ' + tr.label));
        }
        sc.append(ul);
      }
    }

    // Every node's state at this point.
    const body = $('nodes-body');
    body.replaceChildren();
    const logs = $('logs');
    logs.replaceChildren();
    for (let m = 0; m < N; m++) {
      const s = stateAt(m, i);
      const tr = el('tr', { 'data-node': M.nodes[m], class: (m === n ? 'current ' : '') + (s[0] === 'crashed' ? 'crashed' : '') });
      tr.append(el('td', null, M.nodes[m]));
      const rc = el('td', { 'data-field': 'role' });
      rc.append(el('span', { class: 'role ' + s[0] }, s[0]));
      tr.append(rc);
      const cells = [['term', s[1]], ['votedFor', s[2] === null ? '—' : s[2]], ['commitIndex', s[3]], ['lastApplied', s[4]], ['lastLog', s[5] + '/t' + s[6]], ['value', s[7] === null ? 'null' : JSON.stringify(s[7])]];
      for (const [field, value] of cells) tr.append(el('td', { 'data-field': field }, String(value)));
      body.append(tr);
      logs.append(renderLog(m, i, s[3]));
    }
    $('position').textContent = 'event ' + (i + 1) + ' / ' + E + ' · line ' + line[i] + ' · ' + time[i] + ' ms';
    if (rowOf[i] >= 0) $('slider').value = String(rowOf[i]);
  }

  function renderLog(n, i, commitIndex) {
    const flat = M.logs[n];
    const live = [];
    for (let p = 0; p < flat.length; p += 5) if (flat[p + 3] <= i && (flat[p + 4] < 0 || flat[p + 4] > i)) live.push(p);
    const div = el('div', { class: 'log', 'data-node': M.nodes[n] });
    div.append(el('span', { class: 'name' }, M.nodes[n]), el('span', { class: 'muted', 'data-field': 'length' }, live.length + ' entr' + (live.length === 1 ? 'y' : 'ies') + (live.length > 12 ? ', last 12: ' : live.length ? ': ' : '')));
    for (const p of live.slice(-12)) {
      const e = el('span', { class: 'entry' + (flat[p] <= commitIndex ? ' committed' : ''), title: 'index ' + flat[p] + ', term ' + flat[p + 1] }, flat[p] + '·t' + flat[p + 1] + ' ' + M.texts[flat[p + 2]]);
      div.append(e);
    }
    return div;
  }

  function select(i, scroll) {
    if (E === 0) { renderPanel(); return; }
    sel = Math.max(0, Math.min(E - 1, i));
    renderPanel();
    if (scroll) reveal(rowOf[sel]);
    requestDraw();
  }

  function reveal(r) {
    if (r < 0) return;
    const y = HEADER + r * rowH;
    const h = scroller.clientHeight;
    if (y < scroller.scrollTop + HEADER || y + rowH > scroller.scrollTop + h - 10) scroller.scrollTop = Math.max(0, y - h / 2);
  }

  /** The visible row at or next to the selection, moved by `delta` rows. */
  function stepBy(delta) {
    let r = rowOf[sel];
    if (r < 0) { // the selection is filtered out: start from the nearest visible row
      r = 0;
      while (r < rows.length - 1 && rows[r] < sel) r++;
      if (delta > 0 && rows[r] > sel) delta--;
    }
    const target = Math.max(0, Math.min(rows.length - 1, r + delta));
    if (rows.length) select(rows[target], true);
    return target;
  }

  // ---- playback
  let speed = 10;
  let lastTick = 0;
  let carry = 0;
  function tick(now) {
    if (!playing) return;
    carry += ((now - lastTick) / 1000) * speed;
    lastTick = now;
    const whole = Math.floor(carry);
    if (whole > 0) {
      carry -= whole;
      const r = stepBy(whole);
      if (r >= rows.length - 1) { setPlaying(false); return; }
    }
    requestAnimationFrame(tick);
  }
  function setPlaying(on) {
    playing = on && rows.length > 0;
    const b = $('btn-play');
    b.textContent = playing ? 'pause' : 'play';
    b.classList.toggle('on', playing);
    if (playing) { if (rowOf[sel] >= rows.length - 1) select(rows[0], true); lastTick = performance.now(); carry = 0; requestAnimationFrame(tick); }
  }

  function setZoom(z) {
    const keep = rowOf[sel];
    zoom = Math.max(0, Math.min(ZOOMS.length - 1, z));
    rowH = ZOOMS[zoom];
    layout();
    if (keep >= 0) scroller.scrollTop = Math.max(0, HEADER + keep * rowH - scroller.clientHeight / 2);
  }

  // ---- page furniture
  /** The rules the trace's run did not check, those sharing a reason together. */
  function notChecked(skipped) {
    const byReason = new Map();
    for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) || []).concat(s.rule));
    return [...byReason].map(([reason, rules]) => rules.join(', ') + ' (' + reason + ')').join('; ');
  }

  function header() {
    $('title').textContent = M.title;
    $('meta').textContent = M.producer + (M.seed !== null ? ' · seed ' + M.seed : '') + ' · ' + N + ' nodes · ' + E + ' events · ' + M.messages.send.length + ' messages' +
      (M.verdict.skipped.length ? ' · not checked: ' + notChecked(M.verdict.skipped) : '');
    const badge = $('badge');
    badge.textContent = M.verdict.valid ? 'valid' : M.verdict.unconstrained && !firstViolation ? 'unconstrained' : 'invalid: ' + M.verdict.errorCount + ' error' + (M.verdict.errorCount === 1 ? '' : 's');
    badge.className = 'badge ' + (M.verdict.valid ? 'valid' : 'invalid');
    const box = $('violation');
    if (M.verdict.valid) { box.hidden = true; return; }
    box.hidden = false;
    const first = firstViolation || M.verdict.errors[0];
    const head = el('div', { class: 'head' });
    head.append('First violation: ', el('code', { 'data-field': 'rule' }, first.rule), ' at line ', el('span', { 'data-field': 'line' }, String(first.line)), first.exact ? '' : ' (not an event: shown at the nearest one before)');
    box.append(head, el('div', { 'data-field': 'message' }, first.message));
    if (first.expected !== undefined) { const d = el('div', { class: 'detail' }, 'expected: '); d.append(el('code', { 'data-field': 'expected' }, first.expected)); box.append(d); }
    if (first.seen !== undefined) { const d = el('div', { class: 'detail' }, 'seen: '); d.append(el('code', { 'data-field': 'seen' }, first.seen)); box.append(d); }
    if (M.verdict.errors.length > 1) {
      const ul = el('ul');
      for (const e of M.verdict.errors) {
        const li = el('li', null, 'line ' + e.line + ' [' + e.rule + '] ' + e.message);
        li.addEventListener('click', () => select(e.event, true));
        ul.append(li);
      }
      if (M.verdict.errorCount > M.verdict.errors.length) ul.append(el('li', { class: 'muted' }, '… and ' + (M.verdict.errorCount - M.verdict.errors.length) + ' more (raftcheck validate lists them)'));
      box.append(ul);
    }
  }

  function filters() {
    const box = $('filters');
    const add = (label, attrs, on) => {
      const l = el('label');
      const c = el('input', Object.assign({ type: 'checkbox' }, attrs));
      c.checked = true;
      c.addEventListener('change', () => { on(c.checked); rebuild(); select(sel, true); });
      l.append(c, ' ' + label);
      box.append(l);
    };
    box.append(el('span', { class: 'muted' }, 'nodes: '));
    M.nodes.forEach((name, n) => add(name, { 'data-node': name }, (v) => { laneOn[n] = v ? 1 : 0; }));
    box.append(el('span', { class: 'sep' }, '|'), el('span', { class: 'muted' }, 'messages: '));
    TYPES.forEach((name, t) => add(name, { 'data-type': name }, (v) => { typeOn[t] = v ? 1 : 0; }));
  }

  function legend() {
    const box = $('legend');
    const item = (color, text) => { const s = el('span'); const i = el('i'); i.style.background = color; s.append(i, text); box.append(s); };
    ['follower', 'precandidate', 'candidate', 'leader', 'crashed'].forEach((r) => item(ROLE_FILL[ROLE_CODE[r]], r));
    TYPES.forEach((t, k) => item(TYPE_COLOR[k], t));
    item('#2e7d32', 'commit ◆'); item('#6a1b9a', 'client ■ / term T'); item('#c62828', 'crash ✕ / drop ✕ / violation');
  }

  $('btn-first').addEventListener('click', () => rows.length && select(rows[0], true));
  $('btn-prev').addEventListener('click', () => stepBy(-1));
  $('btn-next').addEventListener('click', () => stepBy(1));
  $('btn-last').addEventListener('click', () => rows.length && select(rows[rows.length - 1], true));
  $('btn-play').addEventListener('click', () => setPlaying(!playing));
  $('btn-violation').addEventListener('click', () => firstViolation && select(firstViolation.event, true));
  $('btn-violation').hidden = !firstViolation;
  $('zoom-in').addEventListener('click', () => setZoom(zoom + 1));
  $('zoom-out').addEventListener('click', () => setZoom(zoom - 1));
  $('speed').addEventListener('change', (e) => { speed = Number(e.target.value); });
  $('slider').addEventListener('input', (e) => { const r = Number(e.target.value); if (rows[r] !== undefined) select(rows[r], true); });
  scroller.addEventListener('scroll', requestDraw, { passive: true });
  window.addEventListener('resize', layout);
  canvas.addEventListener('click', (e) => {
    const rect = canvas.getBoundingClientRect();
    const r = Math.floor((e.clientY - rect.top - HEADER + scroller.scrollTop) / rowH);
    if (rows[r] !== undefined) select(rows[r], false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.target && e.target.tagName === 'INPUT' && e.target.type !== 'checkbox') return;
    if (e.key === 'ArrowDown' || e.key === 'j' || e.key === 'ArrowRight') { stepBy(1); e.preventDefault(); }
    else if (e.key === 'ArrowUp' || e.key === 'k' || e.key === 'ArrowLeft') { stepBy(-1); e.preventDefault(); }
    else if (e.key === 'Home') { if (rows.length) select(rows[0], true); e.preventDefault(); }
    else if (e.key === 'End') { if (rows.length) select(rows[rows.length - 1], true); e.preventDefault(); }
    else if (e.key === ' ') { setPlaying(!playing); e.preventDefault(); }
    else if (e.key === '+' || e.key === '=') setZoom(zoom + 1);
    else if (e.key === '-') setZoom(zoom - 1);
  });

  header();
  filters();
  legend();
  rebuild();
  // `#line=N` opens on the event of that line.
  const wanted = /^#line=(\d+)$/.exec(location.hash);
  if (wanted) { const at = Array.prototype.findIndex.call(line, (l) => l >= Number(wanted[1])); if (at >= 0) sel = at; }
  select(sel, true);
  // For tests and the curious: what the page drew last.
  window.raftcheckViewer = { stats, selected: () => sel, rowHeight: () => rowH, header: HEADER, rowOfEvent: (i) => rowOf[i] };
})();
