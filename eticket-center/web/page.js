// The organizer's seat allocation page: draws the event's seat cells on a
// canvas (only the visible ones), keeps the selection as one byte per cell,
// and allots through the center's API with the organizer's bearer token.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = 'eticket.organizer.token';
  const parts = location.pathname.split('/').filter(Boolean);
  const eventId = decodeURIComponent(parts[parts.length - 1] || '');
  const timings = { usableMs: null, fetchMs: null, lastDragMs: null, lastCountsMs: null };
  window.pageTimings = timings;

  let map = null; // the seat-map answer
  let version = 0; // the allotment version the page shows (compare and set)
  // What TAKEN means: 0 available, 1 sold, 2 held for a buyer, 3 not for sale.
  const SOLD = 1, HELD = 2, BLOCKED = 3;
  let n = 0;
  let X, Y, T, B, R, N, OWN, TAKEN, sel;
  let typeIndex = new Map();
  let ownerColour = new Map();
  let ownerName = new Map();
  let bounds = { x0: 0, y0: 0, x1: 1, y1: 1 };
  const view = { scale: 10, ox: 0, oy: 0 };
  const undo = [];
  const MAX_UNDO = 50;
  let drawPending = false;
  let spaceDown = false;

  const canvas = $('map');
  const ctx = canvas.getContext('2d', { alpha: false });

  // ---- credential and data calls -------------------------------------------------

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  // Every change this tab makes carries the tab's id in its key, so the
  // allotment log tells two tabs or sessions of one organizer apart.
  const TAB = randomId().slice(0, 8);
  function idempotencyKey() { return 'page-' + TAB + '-' + randomId(); }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + token() };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Idempotency-Key'] = idempotencyKey();
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new Error('the center cannot be reached: ' + e.message);
    }
    let json = null;
    try { json = await res.json(); } catch (_) { json = null; }
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin('The token was not accepted; enter the organizer token again.');
      throw new Error('not signed in');
    }
    if (!res.ok) {
      const err = json && json.error ? json.error : { code: 'http_' + res.status, message: res.statusText };
      const e = new Error(err.message + ' (' + err.code + ')');
      e.code = err.code;
      throw e;
    }
    return json;
  }

  function showLogin(message) {
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    load(true);
  });

  async function load(first) {
    if (!token()) { showLogin(); return; }
    setStatus(first ? 'Loading the seat map…' : 'Reloading…');
    let answer;
    const fetchStart = performance.now();
    try {
      answer = await api('GET', '/v1/events/' + encodeURIComponent(eventId) + '/seat-map');
      if (timings.fetchMs === null) timings.fetchMs = performance.now() - fetchStart;
    } catch (e) {
      if (e.message === 'not signed in') return;
      if (e.code === 'forbidden' || e.code === 'unknown_event' || $('app').hidden) {
        // A token of another role or organizer, or no such event: say so
        // where the organizer is looking, and ask for the token again.
        if (e.code === 'forbidden') sessionStorage.removeItem(TOKEN_KEY);
        showLogin('Could not load the seat map: ' + e.message);
        return;
      }
      showError('Could not load the seat map: ' + e.message);
      return;
    }
    $('login').hidden = true;
    $('app').hidden = false;
    const keepSelection = map && sel && answer.cells.x.length === n ? sel : null;
    adopt(answer);
    let dropped = 0;
    if (keepSelection) {
      sel = keepSelection;
      // Seats sold or held meanwhile cannot be allotted: they leave the selection.
      for (let i = 0; i < n; i++) if (sel[i] && TAKEN[i]) { sel[i] = 0; dropped++; }
    }
    if (first || !keepSelection) fit();
    refresh();
    setStatus(first ? '' : 'Reloaded from the center.' +
      (dropped ? ' ' + seats(dropped) + ' sold or held meanwhile left the selection.' : ''));
    requestAnimationFrame(() => setTimeout(() => {
      if (timings.usableMs === null) timings.usableMs = performance.now();
      canvas.dataset.ready = '1';
    }, 0));
  }

  function adopt(answer) {
    map = answer;
    version = answer.version || 0;
    const c = answer.cells;
    n = c.x.length;
    X = Int32Array.from(c.x); Y = Int32Array.from(c.y);
    T = Uint16Array.from(c.seat_type); B = Uint16Array.from(c.block);
    R = Uint16Array.from(c.row); N = Uint16Array.from(c.number);
    OWN = Uint16Array.from(c.owner); TAKEN = Uint8Array.from(c.taken);
    sel = new Uint8Array(n);
    typeIndex = new Map(answer.seat_types.map((t, i) => [t.id, i]));
    ownerColour = new Map(answer.distributors.map((d) => [d.id, d.colour]));
    ownerName = new Map(answer.distributors.map((d) => [d.id, d.name]));
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      if (X[i] < x0) x0 = X[i]; if (X[i] > x1) x1 = X[i];
      if (Y[i] < y0) y0 = Y[i]; if (Y[i] > y1) y1 = Y[i];
    }
    bounds = n ? { x0, y0, x1: x1 + 1, y1: y1 + 1 } : { x0: 0, y0: 0, x1: 1, y1: 1 };
    wrapBlocks();
    $('title').textContent = 'Seat allocation: ' + answer.name;
    const places = (answer.areas || []).reduce((k, a) => k + a.capacity, 0);
    $('subtitle').textContent = answer.venue + ' · ' + n.toLocaleString('en') + ' seats' +
      (places ? ' and ' + places.toLocaleString('en') + ' standing places' : '');
    rowStart = new Map();
    for (let i = 0; i < n; i++) {
      const key = B[i] + '/' + R[i];
      const first = rowStart.get(key);
      if (first === undefined || X[i] < X[first]) rowStart.set(key, i);
    }
    document.title = 'Seat allocation: ' + answer.name;
    fillControls();
  }

  // The center lays blocks side by side; a venue of many blocks becomes a
  // strip too thin to read, so the page wraps the blocks into lines that fit
  // the canvas' shape. Only the drawing moves: seats keep block, row, number.
  let blockLabels = [];
  let rowStart = new Map(); // block/row -> the row's leftmost cell, where its label goes
  function wrapBlocks() {
    const boxes = new Map();
    for (let i = 0; i < n; i++) {
      let b = boxes.get(B[i]);
      if (!b) { b = { id: B[i], x0: X[i], x1: X[i], y0: Y[i], y1: Y[i] }; boxes.set(B[i], b); }
      if (X[i] < b.x0) b.x0 = X[i]; if (X[i] > b.x1) b.x1 = X[i];
      if (Y[i] < b.y0) b.y0 = Y[i]; if (Y[i] > b.y1) b.y1 = Y[i];
    }
    const list = [...boxes.values()].sort((a, b) => a.x0 - b.x0 || a.y0 - b.y0);
    const aspect = (canvas.clientWidth || 800) / (canvas.clientHeight || 500);
    const w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
    const moves = new Map();
    blockLabels = [];
    if (list.length > 1 && w / h > 3 * aspect) {
      const gap = 3;
      const lineHeight = Math.max(...list.map((b) => b.y1 - b.y0 + 1)) + gap + 2;
      const colWidth = Math.max(...list.map((b) => b.x1 - b.x0 + 1)) + gap;
      // The number of blocks per line that lets the map be drawn largest.
      let best = 1, bestScale = 0;
      for (let k = 1; k <= list.length; k++) {
        const sc = Math.min(aspect / (k * colWidth), 1 / (Math.ceil(list.length / k) * lineHeight));
        if (sc > bestScale) { bestScale = sc; best = k; }
      }
      list.forEach((b, k) => {
        moves.set(b.id, [(k % best) * colWidth - b.x0, Math.floor(k / best) * lineHeight + 2 - b.y0]);
      });
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let i = 0; i < n; i++) {
        const m = moves.get(B[i]);
        X[i] += m[0]; Y[i] += m[1];
        if (X[i] < x0) x0 = X[i]; if (X[i] > x1) x1 = X[i];
        if (Y[i] < y0) y0 = Y[i]; if (Y[i] > y1) y1 = Y[i];
      }
      bounds = { x0, y0: y0 - 1, x1: x1 + 1, y1: y1 + 1 };
    }
    for (const b of list) {
      const m = moves.get(b.id) || [0, 0];
      const info = map.blocks.find((k) => k.id === b.id);
      blockLabels.push({ x: b.x0 + m[0], y: b.y0 + m[1], text: info ? info.name : 'Block ' + b.id });
    }
  }

  // Fill the pickers from the map, keeping what the organizer chose (a
  // reload after a refusal must not switch the distributor or the weights).
  function fillControls() {
    const block = $('pick-block');
    const keepBlock = block.value;
    block.replaceChildren(...map.blocks.map((b) => new Option(b.name + ' (' + b.id + ')', String(b.id))));
    if (keepBlock && map.blocks.some((b) => String(b.id) === keepBlock)) block.value = keepBlock;
    const dist = $('distributor');
    const keepDist = dist.value;
    dist.replaceChildren(...map.distributors.map((d) => new Option(d.name + ' (' + d.id + ')', String(d.id))));
    if (keepDist && map.distributors.some((d) => String(d.id) === keepDist)) dist.value = keepDist;
    const ratios = $('ratios');
    const weights = new Map([...ratios.querySelectorAll('input')].map((i) => [i.dataset.distributor, i.value]));
    ratios.replaceChildren();
    for (const d of map.distributors) {
      const id = 'ratio-' + d.id;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = d.name;
      const input = document.createElement('input');
      input.type = 'number'; input.min = '0'; input.step = '1'; input.id = id;
      input.value = weights.has(String(d.id)) ? weights.get(String(d.id)) : '1';
      input.dataset.distributor = String(d.id);
      ratios.append(label, input);
    }
  }

  // ---- drawing ----------------------------------------------------------------------

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
  }

  function fit() {
    resize();
    const w = canvas.clientWidth || 1, h = canvas.clientHeight || 1;
    const bw = bounds.x1 - bounds.x0 + 2, bh = bounds.y1 - bounds.y0 + 2;
    view.scale = Math.max(0.05, Math.min(w / bw, h / bh));
    view.ox = bounds.x0 - 1 - (w / view.scale - bw) / 2;
    view.oy = bounds.y0 - 1 - (h / view.scale - bh) / 2;
    requestDraw();
  }

  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }

  function baseColour(i) {
    if (TAKEN[i] === HELD) return '#b7791f';
    if (TAKEN[i]) return TAKEN[i] === BLOCKED ? '#ececec' : '#6b6b6b';
    if ($('colour-by').value === 'owner') return OWN[i] ? (ownerColour.get(OWN[i]) || '#333') : '#d4d4d4';
    const t = typeIndex.get(T[i]);
    return t === undefined ? '#999' : map.seat_types[t].colour;
  }

  function draw() {
    if (!map) return;
    resize();
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = canvas.clientWidth, h = canvas.clientHeight;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, h);
    const s = view.scale;
    const gx0 = view.ox - 1, gy0 = view.oy - 1, gx1 = view.ox + w / s, gy1 = view.oy + h / s;
    const gap = s >= 4 ? Math.max(1, s * 0.15) : 0;
    const size = Math.max(s - gap, 0.6);
    // Group the visible cells by colour so each colour is set once.
    const groups = new Map();
    const selected = [];
    for (let i = 0; i < n; i++) {
      const x = X[i], y = Y[i];
      if (x < gx0 || x > gx1 || y < gy0 || y > gy1) continue;
      const c = baseColour(i);
      let g = groups.get(c);
      if (!g) { g = []; groups.set(c, g); }
      g.push(i);
      if (sel[i]) selected.push(i);
    }
    for (const [colour, cells] of groups) {
      ctx.fillStyle = colour;
      for (const i of cells) ctx.fillRect((X[i] - view.ox) * s, (Y[i] - view.oy) * s, size, size);
    }
    // Allotted seats get a distributor mark when seat types colour the map.
    if (s >= 6 && $('colour-by').value === 'type') {
      const inset = s * 0.3;
      const marks = new Map();
      for (const cells of groups.values()) {
        for (const i of cells) {
          if (!OWN[i] || TAKEN[i]) continue;
          const c = ownerColour.get(OWN[i]) || '#333';
          let m = marks.get(c);
          if (!m) { m = []; marks.set(c, m); }
          m.push(i);
        }
      }
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1;
      for (const [colour, cells] of marks) {
        ctx.fillStyle = colour;
        for (const i of cells) {
          ctx.beginPath();
          ctx.arc((X[i] - view.ox) * s + size / 2, (Y[i] - view.oy) * s + size / 2, size / 2 - inset + 1, 0, Math.PI * 2);
          ctx.fill();
          ctx.stroke();
        }
      }
    }
    // The selection: a heavy black frame (a black square when too small to frame).
    ctx.fillStyle = '#111111';
    if (s >= 5) {
      const t = Math.max(1.5, s * 0.18);
      ctx.beginPath();
      for (const i of selected) {
        const px = (X[i] - view.ox) * s, py = (Y[i] - view.oy) * s;
        ctx.rect(px, py, size, size);
        ctx.rect(px + size - t, py + t, -(size - 2 * t), size - 2 * t);
      }
      ctx.fill();
    } else {
      for (const i of selected) ctx.fillRect((X[i] - view.ox) * s, (Y[i] - view.oy) * s, size, size);
    }
    if (cursor >= 0 && cursor < n && document.activeElement === canvas) {
      ctx.strokeStyle = '#c2410c';
      ctx.lineWidth = 3;
      const m = Math.max(3, s * 0.25);
      ctx.strokeRect((X[cursor] - view.ox) * s - m, (Y[cursor] - view.oy) * s - m, size + 2 * m, size + 2 * m);
    }
    if (s >= 14) drawLabels(groups, s);
    if (s >= 0.8) {
      // Block names above their blocks, on white so they read over seats.
      ctx.font = '600 13px system-ui, sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      for (const l of blockLabels) {
        const px = (l.x - view.ox) * s, py = (l.y - view.oy) * s - 1;
        if (px < -200 || px > w || py < 0 || py > h + 20) continue;
        const tw = ctx.measureText(l.text).width;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(px - 1, py - 15, tw + 4, 15);
        ctx.fillStyle = '#111';
        ctx.fillText(l.text, px + 1, py);
      }
    }
  }

  function drawLabels(groups, s) {
    ctx.fillStyle = '#111';
    ctx.font = Math.min(14, s * 0.8) + 'px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    // Each row's label sits left of its leftmost seat, whatever that
    // seat's number or state.
    for (const cells of groups.values()) {
      for (const i of cells) {
        if (rowStart.get(B[i] + '/' + R[i]) !== i) continue;
        ctx.fillText(String(R[i]), (X[i] - view.ox) * s - 3, (Y[i] - view.oy + 0.45) * s);
      }
    }
  }

  // ---- counts ------------------------------------------------------------------------

  function counts() {
    const k = map.seat_types.length;
    const rows = Array.from({ length: k }, () => ({ total: 0, selected: 0, selectable: 0, allotted: 0, held: 0, sold: 0 }));
    const perOwner = new Map();
    for (let i = 0; i < n; i++) {
      const t = typeIndex.get(T[i]);
      if (t === undefined) continue;
      const r = rows[t];
      r.total++;
      if (TAKEN[i] === HELD) r.held++;
      else if (TAKEN[i] === SOLD) r.sold++;
      if (OWN[i]) { r.allotted++; perOwner.set(OWN[i], (perOwner.get(OWN[i]) || 0) + 1); }
      if (sel[i]) r.selected++;
      else if (!OWN[i] && !TAKEN[i]) r.selectable++;
    }
    return { rows, perOwner };
  }

  function cell(tag, text, attrs) {
    const e = document.createElement(tag);
    e.textContent = text;
    if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  function renderCounts() {
    const { rows, perOwner } = counts();
    const body = $('counts').tBodies[0];
    body.replaceChildren();
    const total = { total: 0, selected: 0, selectable: 0, allotted: 0, held: 0, sold: 0 };
    map.seat_types.forEach((t, i) => {
      const r = rows[i];
      if (!r.total) return;
      for (const key of Object.keys(total)) total[key] += r[key];
      const tr = document.createElement('tr');
      tr.dataset.seatType = String(t.id);
      // The seat type's name is the button that selects its seats.
      const name = cell('th', '', { scope: 'row' });
      const sw = cell('span', '', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.background = t.colour;
      const b = cell('button', t.name, { type: 'button', class: 'link', title: 'Select all ' + t.name + ' seats' });
      b.addEventListener('click', () => select((i2) => T[i2] === t.id, currentOp()));
      name.append(sw, b);
      tr.append(name,
        cell('td', r.selected.toLocaleString('en'), { 'data-count': 'selected' }),
        cell('td', r.selectable.toLocaleString('en'), { 'data-count': 'selectable' }),
        cell('td', r.allotted.toLocaleString('en'), { 'data-count': 'allotted' }),
        cell('td', r.held.toLocaleString('en'), { 'data-count': 'held' }),
        cell('td', r.sold.toLocaleString('en'), { 'data-count': 'sold' }),
        cell('td', r.total.toLocaleString('en'), { 'data-count': 'total' }));
      body.append(tr);
    });
    const foot = $('counts').tFoot;
    foot.replaceChildren();
    const tr = document.createElement('tr');
    tr.dataset.seatType = 'all';
    tr.append(cell('td', 'All'),
      cell('td', total.selected.toLocaleString('en'), { 'data-count': 'selected' }),
      cell('td', total.selectable.toLocaleString('en'), { 'data-count': 'selectable' }),
      cell('td', total.allotted.toLocaleString('en'), { 'data-count': 'allotted' }),
      cell('td', total.held.toLocaleString('en'), { 'data-count': 'held' }),
      cell('td', total.sold.toLocaleString('en'), { 'data-count': 'sold' }),
      cell('td', total.total.toLocaleString('en'), { 'data-count': 'total' }));
    foot.append(tr);
    const list = $('allotments');
    list.replaceChildren();
    for (const d of map.distributors) {
      const li = document.createElement('li');
      li.dataset.distributor = String(d.id);
      const sw = cell('span', '', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.background = d.colour;
      const count = perOwner.get(d.id) || 0;
      li.append(sw, d.name + ': ', cell('span', count.toLocaleString('en'), { 'data-count': 'allotted' }), ' seats ');
      const b = cell('button', 'Select', { type: 'button', 'aria-label': 'Select the seats of ' + d.name });
      b.addEventListener('click', () => select((i) => OWN[i] === d.id, currentOp()));
      li.append(b);
      list.append(li);
    }
    renderAreas();
    $('undo').disabled = undo.length === 0;
  }

  // Standing areas have no seats to draw: each is a row of numbers, and
  // places move between owners by number.
  function renderAreas() {
    const areas = map.areas || [];
    $('areas-section').hidden = areas.length === 0;
    if (!areas.length) return;
    const name = (owner) => owner ? (ownerName.get(owner) || 'distributor ' + owner) : 'unallotted';
    const body = $('areas').tBodies[0];
    body.replaceChildren();
    for (const a of areas) {
      const tr = document.createElement('tr');
      tr.dataset.area = String(a.id);
      const parts = a.shares.map((sh) => {
        let t = name(sh.owner) + ' ' + sh.available.toLocaleString('en');
        if (sh.held) t += ' (+' + sh.held.toLocaleString('en') + ' held)';
        if (sh.sold) t += ' (+' + sh.sold.toLocaleString('en') + ' sold)';
        return t;
      });
      const sold = a.shares.reduce((k, sh) => k + sh.sold, 0);
      const held = a.shares.reduce((k, sh) => k + sh.held, 0);
      tr.append(cell('th', a.name, { scope: 'row' }),
        cell('td', a.capacity.toLocaleString('en'), { 'data-count': 'capacity' }),
        cell('td', held.toLocaleString('en'), { 'data-count': 'held' }),
        cell('td', sold.toLocaleString('en'), { 'data-count': 'sold' }),
        cell('td', parts.join(', '), { 'data-count': 'owners' }));
      body.append(tr);
    }
    const pick = $('area-pick');
    const keep = pick.value;
    pick.replaceChildren(...areas.map((a) => new Option(a.name, String(a.id))));
    if (keep) pick.value = keep;
    const from = $('area-from');
    const keepFrom = from.value;
    from.replaceChildren(new Option('unallotted', '0'), ...map.distributors.map((d) => new Option(d.name, String(d.id))));
    if (keepFrom) from.value = keepFrom;
    const to = $('area-to');
    const keepTo = to.value;
    to.replaceChildren(...map.distributors.map((d) => new Option(d.name, String(d.id))), new Option('unallotted', '0'));
    if (keepTo) to.value = keepTo;
  }

  let hovered = -1;

  function refresh() {
    renderCounts();
    if (hovered >= 0 && hovered < n) $('hover').textContent = describe(hovered);
    requestDraw();
  }

  function seats(k) { return k.toLocaleString('en') + (k === 1 ? ' seat' : ' seats'); }

  // ---- selecting ---------------------------------------------------------------------

  function currentOp(e) {
    if (e && e.altKey) return 'remove';
    if (e && e.shiftKey) return 'add';
    const checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : 'replace';
  }

  function pushUndo(step) {
    undo.push(step);
    if (undo.length > MAX_UNDO) undo.shift();
  }

  // Apply `op` to every cell matching `pred`; sold seats are never selected.
  function select(pred, op, quiet) {
    if (!map) return 0;
    pushUndo({ kind: 'select', prev: sel.slice() });
    if (op === 'replace') sel.fill(0);
    let hit = 0;
    const on = op === 'remove' ? 0 : 1;
    for (let i = 0; i < n; i++) {
      if (TAKEN[i] || !pred(i)) continue;
      sel[i] = on;
      hit++;
    }
    clearError();
    refresh();
    if (!quiet) setStatus((op === 'remove' ? 'Removed ' : 'Selected ') + seats(hit) + '.');
    return hit;
  }

  function gridAt(px, py) {
    return { x: view.ox + px / view.scale, y: view.oy + py / view.scale };
  }

  function cellAt(px, py) {
    const g = gridAt(px, py);
    const gx = Math.floor(g.x), gy = Math.floor(g.y);
    for (let i = 0; i < n; i++) if (X[i] === gx && Y[i] === gy) return i;
    return -1;
  }

  function describe(i) {
    const t = typeIndex.get(T[i]);
    const block = map.blocks.find((b) => b.id === B[i]);
    let text = (block ? block.name : 'Block ' + B[i]) + ', row ' + R[i] + ', seat ' + N[i] +
      ' — ' + (t === undefined ? 'type ' + T[i] : map.seat_types[t].name);
    if (TAKEN[i] === HELD) text += ' — held for a buyer';
    else if (TAKEN[i] === BLOCKED) text += ' — not for sale';
    else if (TAKEN[i]) text += ' — sold';
    if (OWN[i]) text += ' — allotted to ' + (ownerName.get(OWN[i]) || OWN[i]);
    if (sel[i]) text += ' — selected';
    return text;
  }

  let drag = null;

  canvas.addEventListener('pointerdown', (e) => {
    if (!map) return;
    canvas.focus();
    canvas.setPointerCapture(e.pointerId);
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const pan = e.button === 1 || spaceDown || $('pan').getAttribute('aria-pressed') === 'true';
    drag = { pan, px, py, ox: view.ox, oy: view.oy, op: currentOp(e), moved: false };
  });

  canvas.addEventListener('pointermove', (e) => {
    if (!map) return;
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    if (!drag) {
      const i = n <= 20000 || view.scale >= 4 ? cellAt(px, py) : -1;
      hovered = i;
      $('hover').textContent = i >= 0 ? describe(i) : '\u00a0';
      return;
    }
    if (Math.abs(px - drag.px) + Math.abs(py - drag.py) > 4) drag.moved = true;
    if (drag.pan) {
      view.ox = drag.ox - (px - drag.px) / view.scale;
      view.oy = drag.oy - (py - drag.py) / view.scale;
      requestDraw();
    } else if (drag.moved) {
      const band = $('band');
      band.hidden = false;
      band.style.left = Math.min(px, drag.px) + 'px';
      band.style.top = Math.min(py, drag.py) + 'px';
      band.style.width = Math.abs(px - drag.px) + 'px';
      band.style.height = Math.abs(py - drag.py) + 'px';
    }
  });

  canvas.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const t0 = performance.now();
    const d = drag;
    drag = null;
    $('band').hidden = true;
    if (d.pan) return;
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const op = e.altKey ? 'remove' : e.shiftKey ? 'add' : d.op;
    if (!d.moved) {
      const i = cellAt(px, py);
      if (i >= 0) select((k) => k === i, op);
      else if (op === 'replace') select(() => false, 'replace', true);
      return;
    }
    const a = gridAt(d.px, d.py), b = gridAt(px, py);
    const x0 = Math.min(a.x, b.x), x1 = Math.max(a.x, b.x), y0 = Math.min(a.y, b.y), y1 = Math.max(a.y, b.y);
    // A cell is taken when the rectangle covers any part of it.
    select((i) => X[i] + 1 > x0 && X[i] < x1 && Y[i] + 1 > y0 && Y[i] < y1, op);
    timings.lastCountsMs = performance.now() - t0;
    requestAnimationFrame(() => setTimeout(() => { timings.lastDragMs = performance.now() - t0; }, 0));
  });

  canvas.addEventListener('pointercancel', () => { drag = null; $('band').hidden = true; });

  canvas.addEventListener('dblclick', (e) => {
    const r = canvas.getBoundingClientRect();
    const i = cellAt(e.clientX - r.left, e.clientY - r.top);
    if (i < 0) return;
    const block = B[i], row = R[i];
    // The click before the double click already changed the selection: undo it first.
    const last = undo[undo.length - 1];
    if (last && last.kind === 'select') { sel = last.prev; undo.pop(); }
    select((k) => B[k] === block && R[k] === row, currentOp(e));
  });

  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoomAt(e.clientX - r.left, e.clientY - r.top, e.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });

  function zoomAt(px, py, factor) {
    const g = gridAt(px, py);
    view.scale = Math.min(80, Math.max(0.05, view.scale * factor));
    view.ox = g.x - px / view.scale;
    view.oy = g.y - py / view.scale;
    requestDraw();
  }

  function zoomCentre(factor) { zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, factor); }

  // The keyboard's seat cursor: arrow keys move it to the nearest seat in
  // that direction (the view follows), Enter toggles that seat, Shift+Enter
  // adds its row; Ctrl+arrows pan.
  let cursor = -1;

  function moveCursor(dx, dy) {
    if (!n) return;
    let best = -1, bestScore = Infinity;
    if (cursor < 0) {
      const c = gridAt(canvas.clientWidth / 2, canvas.clientHeight / 2);
      for (let i = 0; i < n; i++) {
        const d = Math.abs(X[i] - c.x) + Math.abs(Y[i] - c.y);
        if (d < bestScore) { bestScore = d; best = i; }
      }
    } else {
      const cx = X[cursor], cy = Y[cursor];
      for (let i = 0; i < n; i++) {
        const ddx = X[i] - cx, ddy = Y[i] - cy;
        if ((dx && Math.sign(ddx) !== dx) || (dy && Math.sign(ddy) !== dy)) continue;
        const score = dx ? Math.abs(ddx) + 4 * Math.abs(ddy) : Math.abs(ddy) + 4 * Math.abs(ddx);
        if (score < bestScore) { bestScore = score; best = i; }
      }
      if (best < 0) return;
    }
    cursor = best;
    const px = (X[cursor] - view.ox) * view.scale, py = (Y[cursor] - view.oy) * view.scale;
    if (px < 0 || py < 0 || px > canvas.clientWidth - view.scale || py > canvas.clientHeight - view.scale) {
      view.ox = X[cursor] + 0.5 - canvas.clientWidth / 2 / view.scale;
      view.oy = Y[cursor] + 0.5 - canvas.clientHeight / 2 / view.scale;
    }
    hovered = cursor;
    $('hover').setAttribute('aria-live', 'polite');
    $('hover').textContent = describe(cursor);
    requestDraw();
  }

  canvas.addEventListener('keydown', (e) => {
    const step = (canvas.clientWidth / view.scale) * 0.1;
    const ctrl = e.ctrlKey || e.metaKey;
    const keys = {
      ArrowLeft: () => (ctrl ? (view.ox -= step) : moveCursor(-1, 0)),
      ArrowRight: () => (ctrl ? (view.ox += step) : moveCursor(1, 0)),
      ArrowUp: () => (ctrl ? (view.oy -= step) : moveCursor(0, -1)),
      ArrowDown: () => (ctrl ? (view.oy += step) : moveCursor(0, 1)),
      Enter: () => {
        if (cursor < 0) { moveCursor(0, 0); return; }
        const c = cursor;
        if (e.shiftKey) select((k) => B[k] === B[c] && R[k] === R[c], 'add');
        else select((k) => k === c, e.altKey || sel[c] ? 'remove' : 'add');
      },
      '+': () => zoomCentre(1.25), '=': () => zoomCentre(1.25), '-': () => zoomCentre(0.8),
      '0': () => fit(), Escape: () => select(() => false, 'replace'),
    };
    const f = keys[e.key];
    if (!f) return;
    e.preventDefault();
    f();
    requestDraw();
  });
  canvas.addEventListener('blur', requestDraw);

  window.addEventListener('keydown', (e) => {
    if (e.key === ' ' && document.activeElement === canvas) { spaceDown = true; canvas.classList.add('panning'); e.preventDefault(); }
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !(e.target instanceof HTMLInputElement)) { e.preventDefault(); doUndo(); }
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ') { spaceDown = false; canvas.classList.remove('panning'); }
  });

  $('pan').addEventListener('click', () => {
    const on = $('pan').getAttribute('aria-pressed') !== 'true';
    $('pan').setAttribute('aria-pressed', String(on));
    canvas.classList.toggle('panning', on);
  });
  $('zoom-in').addEventListener('click', () => zoomCentre(1.5));
  $('zoom-out').addEventListener('click', () => zoomCentre(1 / 1.5));
  $('fit').addEventListener('click', fit);
  $('select-all').addEventListener('click', () => select(() => true, 'replace'));
  $('clear').addEventListener('click', () => select(() => false, 'replace'));
  $('colour-by').addEventListener('change', requestDraw);
  $('reload').addEventListener('click', () => load(false));

  function pickedBlock() { return Number($('pick-block').value); }
  $('select-block').addEventListener('click', () => {
    const b = pickedBlock();
    select((i) => B[i] === b, currentOp());
  });
  $('select-row').addEventListener('click', () => {
    const b = pickedBlock(), r = Number($('pick-row').value);
    if (!select((i) => B[i] === b && R[i] === r, currentOp())) showError('Block ' + b + ' has no free seat in row ' + r + '.');
  });
  $('select-seat').addEventListener('click', () => {
    const b = pickedBlock(), r = Number($('pick-row').value), s = Number($('pick-number').value);
    if (!select((i) => B[i] === b && R[i] === r && N[i] === s, currentOp())) showError('There is no free seat ' + s + ' in row ' + r + ' of block ' + b + '.');
  });

  // ---- allotting -----------------------------------------------------------------------

  function selectedCells() {
    const out = [];
    for (let i = 0; i < n; i++) if (sel[i]) out.push(i);
    return out;
  }

  // Seats already allotted to someone other than `to` need the move box ticked.
  function checkOthers(cells, to) {
    if ($('move').checked) return true;
    const others = cells.filter((i) => OWN[i] && OWN[i] !== to);
    if (!others.length) return true;
    const names = [...new Set(others.map((i) => ownerName.get(OWN[i]) || OWN[i]))].join(', ');
    showError(seats(others.length) + ' of the selection ' + (others.length === 1 ? 'is' : 'are') + ' already allotted to ' + names +
      '. Remove them from the selection, or tick "Move seats already allotted to other distributors". Nothing was changed.');
    return false;
  }

  async function assign() {
    const cells = selectedCells();
    if (!cells.length) { showError('Select seats first.'); return; }
    const d = Number($('distributor').value);
    if (!d) { showError('The event has no distributor selected yet.'); return; }
    if (!checkOthers(cells, d)) return;
    busy(true);
    try {
      // Each seat names the owner this page saw: the center refuses the
      // change if any seat has another one now (moved in another tab or
      // session), even when that owner is one this page saw elsewhere.
      const prev = cells.map((i) => [i, OWN[i]]);
      const done = await setOwners(cells.map((i) => [i, d]));
      // Undo sets each seat back only while it still has the owner this
      // tab gave it.
      pushUndo({ kind: 'allot', prev, after: new Map(cells.map((i) => [i, d])), sel: sel.slice() });
      version = done.version;
      await reloadOwners();
    } catch (e) {
      failed(e);
      return;
    } finally { busy(false); }
    sel.fill(0);
    clearError();
    refresh();
    setStatus('Assigned ' + seats(cells.length) + ' to ' + (ownerName.get(d) || d) + '.');
  }

  // Consecutive seats of one row, as runs {block, row, from, to}: a whole
  // venue goes in one request of a few thousand runs. `same(i, j)` keeps
  // seats apart that must not share a run (another owner, another target).
  function runsOf(cells, same) {
    const sorted = cells.slice().sort((a, b) => B[a] - B[b] || R[a] - R[b] || N[a] - N[b]);
    const runs = [];
    let last = null;
    for (const i of sorted) {
      if (last && B[i] === last.block && R[i] === last.row && N[i] === last.to + 1 && (!same || same(last.first, i))) {
        last.to = N[i];
      } else {
        last = { block: B[i], row: R[i], from: N[i], to: N[i], first: i };
        runs.push(last);
      }
    }
    return runs;
  }

  // Take the owners the center has now, keeping the view and the selection.
  async function reloadOwners() {
    const answer = await api('GET', '/v1/events/' + encodeURIComponent(eventId) + '/seat-map');
    if (answer.cells.owner.length !== n) { await load(false); return; }
    OWN = Uint16Array.from(answer.cells.owner);
    TAKEN = Uint8Array.from(answer.cells.taken);
    map.areas = answer.areas;
    version = answer.version;
  }

  // The center splits the selection per seat type by the largest remainder
  // (each share sitting together) and applies it in one transaction.
  async function split() {
    const cells = selectedCells();
    if (!cells.length) { showError('Select seats first.'); return; }
    const inputs = [...$('ratios').querySelectorAll('input')];
    const bad = inputs.find((input) => !/^\s*\d{1,6}\s*$/.test(input.value));
    if (bad) {
      showError('Weights are whole numbers from 0 to 999999: "' + bad.value + '" for ' +
        (ownerName.get(Number(bad.dataset.distributor)) || bad.dataset.distributor) + '. Nothing was changed.');
      return;
    }
    const shares = inputs
      .map((input) => ({ distributor: Number(input.dataset.distributor), weight: Number(input.value) }))
      .filter((s) => s.weight > 0);
    if (!shares.length) { showError('Give at least one distributor a weight above 0.'); return; }
    if (!checkOthers(cells, -1)) return;
    const prev = cells.map((i) => [i, OWN[i]]);
    busy(true);
    let done, undoable = false;
    try {
      done = await api('POST', '/v1/events/' + encodeURIComponent(eventId) + '/allotments/split', {
        seats: runsOf(cells).map((r) => ({ rect: { block: r.block, rows: [r.row, r.row], numbers: [r.from, r.to] } })),
        shares,
        from: [...new Set(cells.map((i) => OWN[i] || null))],
        // Refused if any of these seats changed owner after this page's
        // version, even to an owner named in `from`.
        as_of: version,
      });
      await reloadOwners();
      // The owners just read are this split's own only if nobody changed
      // anything since it; otherwise it cannot be undone safely.
      undoable = version === done.summary.version;
    } catch (e) {
      failed(e);
      return;
    } finally { busy(false); }
    // Seats sold or held since this tab loaded were left as they are
    // (the center counts them in `skipped`): they are not this split's, so
    // its undo leaves them alone.
    const moved = prev.filter(([i]) => !TAKEN[i]);
    if (undoable) pushUndo({ kind: 'allot', prev: moved, after: new Map(moved.map(([i]) => [i, OWN[i]])), sel: sel.slice() });
    sel.fill(0);
    clearError();
    refresh();
    const got = new Map(done.shares);
    const per = shares.map((s) => (ownerName.get(s.distributor) || s.distributor) + ' ' + (got.get(s.distributor) || 0)).join(', ');
    setStatus('Split ' + seats(done.split) + ': ' + per + '.' +
      (done.skipped ? ' ' + seats(done.skipped) + ' sold or held meanwhile ' + (done.skipped === 1 ? 'was' : 'were') + ' left as they are.' : '') +
      (undoable ? '' : ' Others changed allotments meanwhile, so Undo does not reach this split.'));
  }

  // `expected`: the owner each seat must have now (compare and set); by
  // default the one this page shows.
  function setOwners(pairs, isUndo, expected) {
    const to = new Map(pairs);
    const from = (i) => (expected ? expected.get(i) : OWN[i]) || null;
    const runs = runsOf(pairs.map((p) => p[0]), (i, j) => to.get(i) === to.get(j) && from(i) === from(j));
    const body = {
      seats: runs.map((r) => ({
        block: r.block, row: r.row, number: r.from, through: r.to,
        distributor: to.get(r.first) || null, from: from(r.first),
      })),
    };
    if (isUndo) body.undo = true;
    return api('POST', '/v1/events/' + encodeURIComponent(eventId) + '/allotments/seats', body);
  }

  // Move standing places by number: from one owner to a distributor.
  async function moveArea() {
    const area = Number($('area-pick').value);
    const countText = $('area-count').value.trim();
    if (!/^\d{1,7}$/.test(countText)) {
      showError('The number of places is a whole number, 1 or more: "' + countText + '". Nothing was changed.');
      return;
    }
    const count = Number(countText);
    const from = Number($('area-from').value);
    const to = Number($('area-to').value);
    const a = (map.areas || []).find((x) => x.id === area);
    if (!a) { showError('Choose a standing area.'); return; }
    if (count < 1) { showError('Give the number of places to move (1 or more).'); return; }
    if (from === to) { showError('Choose another distributor than the places\' owner.'); return; }
    const share = a.shares.find((sh) => sh.owner === from);
    const have = share ? share.available : 0;
    if (count > have) {
      showError((from ? (ownerName.get(from) || 'Distributor ' + from) : 'Unallotted') + ' has ' + have.toLocaleString('en') +
        ' available places in ' + a.name + '; ' + count.toLocaleString('en') + ' asked for. Nothing was changed.');
      return;
    }
    busy(true);
    try {
      const done = await api('POST', '/v1/events/' + encodeURIComponent(eventId) + '/allotments/selection', {
        distributor: to || null,
        seats: [{ area: { area, count } }],
        from: [from || null],
        as_of: version,
      });
      version = done.version;
      await reloadOwners();
    } catch (e) {
      failed(e);
      return;
    } finally { busy(false); }
    // Places move by number, not by seat, so Undo cannot give back the
    // same ones: it does not reach back past this move.
    const hadUndo = undo.some((s) => s.kind === 'allot');
    for (let k = undo.length - 1; k >= 0; k--) if (undo[k].kind === 'allot') undo.splice(k, 1);
    clearError();
    refresh();
    setStatus('Moved ' + count.toLocaleString('en') + ' places of ' + a.name + ' to ' +
      (to ? (ownerName.get(to) || to) : 'unallotted') + '.' +
      (hadUndo ? ' Undo does not reach back past a move of places.' : ''));
  }

  async function doUndo() {
    const step = undo.pop();
    if (!step) return;
    if (step.kind === 'select') {
      sel = step.prev;
      clearError();
      refresh();
      setStatus('Undid the last selection step.');
      return;
    }
    busy(true);
    try {
      const done = await setOwners(step.prev, true, step.after);
      version = done.version;
      await reloadOwners();
    } catch (e) {
      // Seats moved since this tab's change: undoing it now would take
      // them from whoever has them. The step is dropped, not retried.
      failed(e, 'This change can no longer be undone, and Undo skips it: ');
      return;
    } finally { busy(false); }
    sel = step.sel;
    clearError();
    refresh();
    setStatus('Undid the allotment of ' + seats(step.prev.length) + '.');
  }

  // A refused change changed nothing (the center applies a request whole or
  // not at all); reload to show what changed meanwhile (e.g. seats sold).
  async function failed(e, prefix) {
    if (e.message === 'not signed in') return;
    const message = (prefix || '') + 'The center refused the change: ' + e.message;
    await load(false);
    showError(message);
  }

  $('assign').addEventListener('click', assign);
  $('split').addEventListener('click', split);
  $('undo').addEventListener('click', doUndo);
  $('area-move').addEventListener('click', moveArea);

  // ---- messages ------------------------------------------------------------------------

  function busy(on) {
    for (const id of ['assign', 'split', 'undo', 'area-move']) $(id).disabled = on || (id === 'undo' && undo.length === 0);
  }
  function showError(text) { const e = $('error'); e.textContent = text; e.hidden = false; }
  function clearError() { const e = $('error'); e.textContent = ''; e.hidden = true; }
  function setStatus(text) { $('status').textContent = text; }

  window.addEventListener('resize', requestDraw);
  if ('ResizeObserver' in window) new ResizeObserver(requestDraw).observe($('canvas-wrap'));

  // The test and the timing run read the geometry through this.
  window.seatPage = {
    cellCentre(block, row, number) {
      for (let i = 0; i < n; i++) {
        if (B[i] === block && R[i] === row && N[i] === number) {
          const r = canvas.getBoundingClientRect();
          return { x: r.left + (X[i] + 0.5 - view.ox) * view.scale, y: r.top + (Y[i] + 0.5 - view.oy) * view.scale };
        }
      }
      return null;
    },
    zoomTo(scale, gx, gy) { view.scale = scale; view.ox = gx; view.oy = gy; draw(); },
    cells() { return n; },
  };

  if (token()) load(true); else showLogin();
})();
