// The organizer's seat allocation page: draws the venue (seats where the
// seat map's geometry puts them, the stage or pitch, standing areas) on a
// canvas (only the visible seats), keeps the selection as one byte per cell,
// and allots through the center's API with the organizer's bearer token.
'use strict';

// ---- seat positions ------------------------------------------------------------------
// The JavaScript of docs/alloc/seatmap-format.md ("Seat positions") as it is
// written there: eticket-alloc's test runs that block with node against
// Rust's seat_positions, and eticket-center/tests/page.rs checks this copy
// is the same text.
function seatPositions(map) {
  const blocks = new Map(map.blocks.map((b) => [b.id, b.geometry]));
  const sinCos = (deg) => {
    const q = deg / 90;
    if (Number.isInteger(q)) return [[0, 1], [1, 0], [0, -1], [-1, 0]][((q % 4) + 4) % 4];
    const r = (deg * Math.PI) / 180;
    return [Math.sin(r), Math.cos(r)];
  };
  const out = [];
  const cells = map.cells;
  for (let start = 0; start < cells.length; ) {
    let end = start;
    while (end < cells.length && cells[end].block === cells[start].block && cells[end].row === cells[start].row) end++;
    const g = blocks.get(cells[start].block);
    if (!g) {
      for (let i = start; i < end; i++) out.push({ x: cells[i].x, y: cells[i].y, angle: 0 });
      start = end;
      continue;
    }
    let lo = Infinity, hi = -Infinity;
    for (let i = start; i < end; i++) { lo = Math.min(lo, cells[i].col); hi = Math.max(hi, cells[i].col); }
    // The same for every seat of the row.
    const row = cells[start].row;
    const pitch = g.seat_pitch ?? 1, rowPitch = g.row_pitch ?? 1, first = g.first_row ?? 1;
    const along = (col) => (g.gaps ?? []).reduce((s, gap) => (gap.after < col ? s + gap.width : s), col * pitch);
    const depth = (g.row_gaps ?? []).reduce((d, gap) => (gap.after < row ? d + gap.depth : d), (row - first) * rowPitch);
    const shift = g.align === "centre" ? (along(lo) + along(hi)) / 2 : 0;
    const [sinA, cosA] = sinCos(g.angle ?? 0);
    for (let i = start; i < end; i++) {
      const s = along(cells[i].col) - shift;
      let u = s, v = depth, theta = 0;
      if (g.radius != null) {
        const rho = g.radius + depth;
        theta = s / rho;
        u = rho * Math.sin(theta);
        v = rho * Math.cos(theta) - g.radius;
      }
      out.push({
        x: g.origin[0] + u * cosA - v * sinA,
        y: g.origin[1] + u * sinA + v * cosA,
        angle: (g.angle ?? 0) + (theta * 180) / Math.PI,
      });
    }
    start = end;
  }
  return out;
}

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = 'eticket.organizer.token';
  const parts = location.pathname.split('/').filter(Boolean);
  // `/page/events` lists the events; `/page/events/{event}` is an event's map.
  const listing = parts.length === 2 && parts[1] === 'events';
  const eventId = listing ? '' : decodeURIComponent(parts[parts.length - 1] || '');
  // Measured by the browser test (scripts/bench/page prints them): load to
  // usable map, the seat-map request, the page's own work on the answer,
  // the first and the last frame, a drag to counts and to the next frame.
  const timings = { usableMs: null, fetchMs: null, adoptMs: null, firstDrawMs: null, lastDrawMs: null, lastDragMs: null, lastCountsMs: null };
  window.pageTimings = timings;

  let map = null; // the seat-map answer
  let version = 0; // the allotment version the page shows (compare and set)
  // What TAKEN means: 0 available, 1 sold, 2 held for a buyer, 3 not for sale.
  const SOLD = 1, HELD = 2, BLOCKED = 3;
  // From this scale (pixels per venue unit) seats show their numbers; an
  // allotted seat then shows its distributor's shape, smaller, in its top
  // part and its number below it.
  const SEAT_LABEL_SCALE = 20;
  let n = 0;
  // Per cell: position (venue units, the seat's centre), the direction its
  // row runs (cos, sin), its drawn size, seat type, block, row, number,
  // column, flags, owner, state, selected.
  let X, Y, COS, SIN, SZ, T, TYPE, B, R, N, COL, FLAGS, OWN, TAKEN, sel;
  const ACCESSIBLE = 1, COMPANION = 2;
  let blockInfo = new Map(); // block id -> its entry of map.blocks
  let ownerIndex = new Map(); // distributor id -> its place in the list (its shape)
  let rowStarts = null; // Uint32Array: the first cell of each row, and n
  let buckets = null; // hit-testing grid
  let hasGeometry = false;
  let hasAccessible = false, hasCompanion = false;
  let miniStale = true;
  // Each seat's fill as an index into `palette` (CSS colours) and
  // `paletteRGBA` (the same as canvas pixels), worked out once per change of
  // owners, states or colouring rather than once per seat per frame.
  let fill = null, palette = [], paletteRGBA = null, darkOwners = new Set();
  // The pattern of each palette entry (0 plain, 1 stripes, 2 a check) and
  // its second shade, as CSS colours and as pixels.
  let patterns = [], stripes = [], stripesRGBA = null;
  // Distributors' patterns: the center's palette has four colours, so from
  // the fifth distributor on a colour comes round again; its seats then
  // carry stripes (from the ninth a check) of a shade of it, at every zoom.
  let ownerPatterns = new Map();
  // The static layer: the venue, seats and marks as last drawn for one view,
  // kept so that a change of selection redraws only the selection.
  let layer = null;
  let layerEpoch = 0;
  let typeIndex = new Map();
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

  // The last token refused was refused a change (not a read).
  let refusedChange = false;
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
      // Refused before anything was done: a change asked for (or under way,
      // reading the owners back) was not made. A token refused after that
      // one (mistyped, say) leaves it so: the next one accepted still says so.
      refusedChange = refusedChange || body !== undefined || $('undo').dataset.busy === '1';
      showLogin(!refusedChange
        ? 'The token was not accepted (revoked or expired?); enter the organizer token again.'
        : 'The token was not accepted (revoked or expired?), so the change was not made; enter the organizer token again.');
      // Whatever was under way ("Assigning…") stopped with it.
      setStatus('');
      throw new Error('not signed in');
    }
    if (!res.ok) {
      const err = json && json.error ? json.error : { code: 'http_' + res.status, message: res.statusText };
      const e = new Error(printedPlaces(err.message) + ' (' + err.code + ')');
      e.code = err.code;
      throw e;
    }
    return json;
  }

  // The center names seats by number ("block 2 row 4 seat 1 (ticket
  // 319)") and standing areas by id; the page says them as printed on the
  // map and the tickets ("Balcony, row M, seat 105"), as everywhere else.
  function printedPlaces(message) {
    if (!map || typeof message !== 'string') return message;
    return message
      .replace(/block (\d+) row (\d+) seat (\d+)(?: \(ticket \d+\))?/g, (all, b, r, k) => {
        const i = cellOf(Number(b), Number(r), Number(k));
        return i < 0 ? all : blockName(B[i]) + ', row ' + rowLabel(i) + ', seat ' + seatLabel(i);
      })
      .replace(/area (\d+)(?: \(ticket \d+\))?/g, (all, id) => {
        const a = (map.areas || []).find((x) => x.id === Number(id));
        return a ? a.name : all;
      })
      .replace(/distributor (\d+)/g, (all, id) => ownerName.get(Number(id)) || all);
  }

  // The cell of a seat by its numbers, or -1.
  function cellOf(block, row, number) {
    for (let k = 0; k + 1 < rowStarts.length; k++) {
      const first = rowStarts[k];
      if (B[first] !== block || R[first] !== row) continue;
      for (let i = first; i < rowStarts[k + 1]; i++) if (N[i] === number) return i;
    }
    return -1;
  }

  // The events this token manages, each a link to its map; `notice` says
  // why the list is shown instead of the map asked for.
  async function loadList(notice) {
    const events = [];
    try {
      let after = 0, more = true;
      for (let page = 0; more && page < 50; page++) {
        const answer = await api('GET', '/v1/events' + (after ? '?after=' + after : ''));
        events.push(...answer.events);
        more = answer.more && answer.events.length > 0;
        if (answer.events.length) after = answer.events[answer.events.length - 1].event;
      }
    } catch (e) {
      if (e.message === 'not signed in') return;
      if (e.code === 'forbidden') sessionStorage.removeItem(TOKEN_KEY);
      showLogin('Could not list the events: ' + e.message);
      return;
    }
    signedIn();
    $('list').hidden = false;
    $('title').textContent = 'Seat allocation: your events';
    $('subtitle').textContent = events.length === 1 ? '1 event' : events.length.toLocaleString('en') + ' events';
    const items = $('event-items');
    items.replaceChildren();
    for (const ev of events) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = '/page/events/' + ev.event;
      a.textContent = ev.name;
      li.append(a, ' — ' + ev.venue + ' · ', startTime(ev.start, ev.time_zone), ' · ' + seats(ev.seats) +
        (ev.standing_places ? ' and ' + ev.standing_places.toLocaleString('en') + ' standing places' : '') +
        ' · event ' + ev.event + (ev.cancelled_at ? ' · cancelled' : ''));
      items.append(li);
    }
    const status = $('list-status');
    status.textContent = [notice || '', events.length ? '' : 'This token manages no event yet.'].filter(Boolean).join(' ');
    status.classList.toggle('error', Boolean(notice));
    status.setAttribute('role', notice ? 'alert' : 'status');
  }

  // When an event starts, in the venue's time and saying in which zone
  // ("2026-09-12 19:30 GMT+2 (Europe/Berlin)"); the organizer's own time
  // and UTC on hover. A zone the browser does not know: the browser's own.
  function startTime(seconds, zone) {
    const at = new Date(seconds * 1000);
    const format = (timeZone) => {
      const part = Object.fromEntries(new Intl.DateTimeFormat('en', {
        year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone,
      }).formatToParts(at).map((p) => [p.type, p.value]));
      return part.year + '-' + part.month + '-' + part.day + ' ' + part.hour + ':' + part.minute + ' ' + part.timeZoneName;
    };
    let venue = null;
    try { venue = zone ? format(zone) + ' (' + zone + ')' : null; } catch (e) { venue = null; }
    const t = document.createElement('time');
    t.dateTime = at.toISOString();
    t.textContent = venue || format(undefined);
    t.title = (venue ? 'your time: ' + format(undefined) + ' · ' : '') + at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    return t;
  }

  // The header's links (the list of events, another token) work only with
  // a token the center took: shown once it did, hidden at the login form.
  function signedIn() {
    $('login').hidden = true;
    $('nav').hidden = false;
  }

  function showLogin(message) {
    $('list').hidden = true;
    $('app').hidden = true;
    $('nav').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    // A token copied with its header's scheme ("Bearer …") is the token.
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim().replace(/^bearer\s+/i, ''));
    $('token').value = '';
    // Once signed in, the keyboard is on the map (the login form it was in
    // is gone), not back at the top of the page.
    // A token that stopped working mid-session: the map, the view, the
    // selection and the choices stay as they were with the new token.
    const resumed = Boolean(map);
    load(!resumed, resumed).then(() => { if (!$('app').hidden) canvas.focus({ preventScroll: true }); });
  });

  async function load(first, resumed) {
    if (!token()) { showLogin(); return; }
    if (listing) { await loadList(); return; }
    setStatus(first ? 'Loading the seat map…' : 'Reloading…');
    let answer;
    const fetchStart = performance.now();
    try {
      answer = await api('GET', '/v1/events/' + encodeURIComponent(eventId) + '/seat-map');
      if (timings.fetchMs === null) timings.fetchMs = performance.now() - fetchStart;
    } catch (e) {
      if (e.message === 'not signed in') return;
      if (e.code === 'unknown_event') {
        // The token is fine: keep it, and offer the events it manages.
        $('app').hidden = true;
        setStatus('');
        await loadList('The center has no event ' + eventId + '. Check the event number in the address, or open one of your events below.');
        return;
      }
      if (e.code === 'forbidden' || $('app').hidden) {
        // A token of another role or organizer: say so where the organizer
        // is looking, and ask for the token again.
        if (e.code === 'forbidden') sessionStorage.removeItem(TOKEN_KEY);
        showLogin('Could not load the seat map: ' + e.message);
        return;
      }
      showError('Could not load the seat map: ' + e.message);
      return;
    }
    signedIn();
    $('app').hidden = false;
    const keepSelection = map && sel && answer.cells.block.length === n ? sel : null;
    const adoptStart = performance.now();
    adopt(answer);
    let dropped = 0;
    if (keepSelection) {
      sel = keepSelection;
      // Seats sold or held meanwhile cannot be allotted: they leave the selection.
      for (let i = 0; i < n; i++) if (sel[i] && TAKEN[i]) { sel[i] = 0; dropped++; }
    }
    // The counts and the legend first: the fit leaves the legend its room.
    refresh();
    // (Not on a reload that keeps the view: the map keeps its size too.)
    if (first || !keepSelection) { fitPane(); fit(); }
    if (timings.adoptMs === null) timings.adoptMs = performance.now() - adoptStart;
    let kept = 0;
    if (keepSelection) for (let i = 0; i < n; i++) kept += sel[i];
    const notMade = refusedChange ? 'the change the old token asked for was not made: make it again.' : '';
    refusedChange = false;
    setStatus((first ? '' : resumed
      ? 'Token accepted.' + (kept ? ' The selection (' + seats(kept) + '), the distributor and the weights are as they were' + (notMade ? '; ' + notMade : '.')
        : notMade ? ' The' + notMade.slice(3) : '')
      : 'Reloaded from the center.') +
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
    n = c.block.length;
    T = Uint16Array.from(c.seat_type); B = Uint16Array.from(c.block);
    R = Uint16Array.from(c.row); N = Uint16Array.from(c.number);
    COL = c.col && c.col.length === n ? Uint16Array.from(c.col) : new Uint16Array(n);
    FLAGS = c.flags && c.flags.length === n ? Uint8Array.from(c.flags) : new Uint8Array(n);
    OWN = Uint16Array.from(c.owner); TAKEN = Uint8Array.from(c.taken);
    sel = new Uint8Array(n);
    typeIndex = new Map(answer.seat_types.map((t, i) => [t.id, i]));
    // Each seat's place in seat_types (their count for an unknown type).
    TYPE = new Uint16Array(n);
    for (let i = 0; i < n; i++) TYPE[i] = typeIndex.get(T[i]) ?? answer.seat_types.length;
    ownerName = new Map(answer.distributors.map((d) => [d.id, d.name]));
    ownerIndex = new Map(answer.distributors.map((d, i) => [d.id, i]));
    ownerPatterns = new Map(answer.distributors.map((d, i) =>
      [d.id, answer.distributors.slice(0, i).filter((e) => e.colour === d.colour).length % 3]));
    blockInfo = new Map(answer.blocks.map((b) => [b.id, b]));
    hasGeometry = answer.blocks.some((b) => b.geometry);
    hasAccessible = FLAGS.some((f) => f & ACCESSIBLE);
    hasCompanion = FLAGS.some((f) => f & COMPANION);
    place(answer);
    const starts = [];
    for (let i = 0; i < n; i++) if (i === 0 || B[i] !== B[i - 1] || R[i] !== R[i - 1]) starts.push(i);
    starts.push(n);
    rowStarts = Uint32Array.from(starts);
    measure();
    if (!hasGeometry) wrapBlocks();
    labelBlocks();
    buildBuckets();
    $('title').textContent = 'Seat allocation: ' + answer.name;
    const places = (answer.areas || []).reduce((k, a) => k + a.capacity, 0);
    // The seats for sale, as the CLI and the statistics count them; the
    // ones not for sale are drawn but said apart.
    let blocked = 0;
    for (let i = 0; i < n; i++) if (TAKEN[i] === BLOCKED) blocked++;
    $('subtitle').textContent = answer.venue + ' · ' + (n - blocked).toLocaleString('en') + ' seats' +
      (places ? ' and ' + places.toLocaleString('en') + ' standing places' : '') +
      (blocked ? ' · ' + seats(blocked) + ' not for sale' : '');
    document.title = 'Seat allocation: ' + answer.name;
    fillControls();
    stale();
  }

  // Owners, states or the colouring changed: colours and both cached
  // drawings are worked out again on the next frame.
  function stale() {
    fill = null;
    layerEpoch++;
    miniStale = true;
  }

  // Where each seat is: the blocks' geometry through seatPositions (the
  // formulas of the seat-map format), or the grid points the center sent.
  function place(answer) {
    const c = answer.cells;
    const grid = c.x && c.x.length === n;
    const cells = new Array(n);
    for (let i = 0; i < n; i++) cells[i] = { block: B[i], row: R[i], col: COL[i], x: grid ? c.x[i] : 0, y: grid ? c.y[i] : 0 };
    const p = seatPositions({ blocks: answer.blocks, cells });
    X = new Float64Array(n); Y = new Float64Array(n);
    COS = new Float32Array(n); SIN = new Float32Array(n); SZ = new Float32Array(n);
    const size = new Map(answer.blocks.map((b) => {
      const g = b.geometry;
      return [b.id, g ? 0.86 * Math.min(g.seat_pitch ?? 1, g.row_pitch ?? 1) : 0.86];
    }));
    for (let i = 0; i < n; i++) {
      X[i] = p[i].x; Y[i] = p[i].y;
      const a = (p[i].angle * Math.PI) / 180;
      COS[i] = Math.cos(a); SIN[i] = Math.sin(a);
      SZ[i] = size.get(B[i]) || 0.86;
    }
  }

  // The venue's extent: seats, landmarks and standing areas.
  function measure() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const take = (x, y) => { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; };
    for (let i = 0; i < n; i++) take(X[i], Y[i]);
    for (const l of map.landmarks || []) for (const [x, y] of l.polygon) take(x, y);
    if (hasGeometry) for (const a of map.areas || []) for (const [x, y] of a.polygon || []) take(x, y);
    bounds = x0 <= x1 ? { x0: x0 - 1, y0: y0 - 1, x1: x1 + 1, y1: y1 + 1 } : { x0: 0, y0: 0, x1: 1, y1: 1 };
  }

  // A coarse grid of the seats (2 units a square) for finding the seat
  // under the pointer without walking every cell.
  function buildBuckets() {
    const size = 2;
    const w = Math.max(1, Math.ceil((bounds.x1 - bounds.x0) / size) + 1);
    const h = Math.max(1, Math.ceil((bounds.y1 - bounds.y0) / size) + 1);
    const head = new Int32Array(w * h).fill(-1);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor((Y[i] - bounds.y0) / size) * w + Math.floor((X[i] - bounds.x0) / size);
      next[i] = head[k];
      head[k] = i;
    }
    buckets = { x0: bounds.x0, y0: bounds.y0, w, h, size, head, next };
  }

  function rowLabel(i) {
    const b = blockInfo.get(B[i]);
    return (b && b.row_labels && b.row_labels[R[i] - 1]) || String(R[i]);
  }

  function seatLabel(i) {
    const b = blockInfo.get(B[i]);
    const l = b && b.seat_labels;
    return l ? String(l.start + (N[i] - 1) * l.step) : String(N[i]);
  }

  function blockName(id) {
    const b = blockInfo.get(id);
    return b ? b.name : 'Block ' + id;
  }

  // A map without geometry has its blocks side by side; a venue of many
  // blocks becomes a strip too thin to read, so the page wraps the blocks
  // into lines that fit the canvas' shape. Only the drawing moves: seats
  // keep block, row, number.
  let blockLabels = [];
  function blockBoxes() {
    const boxes = new Map();
    for (let i = 0; i < n; i++) {
      let b = boxes.get(B[i]);
      if (!b) { b = { id: B[i], x0: X[i], x1: X[i], y0: Y[i], y1: Y[i], sx: 0, sy: 0, k: 0 }; boxes.set(B[i], b); }
      if (X[i] < b.x0) b.x0 = X[i]; if (X[i] > b.x1) b.x1 = X[i];
      if (Y[i] < b.y0) b.y0 = Y[i]; if (Y[i] > b.y1) b.y1 = Y[i];
      b.sx += X[i]; b.sy += Y[i]; b.k++;
    }
    return [...boxes.values()];
  }

  let wrapAspect = 0;
  function wrapBlocks() {
    const list = blockBoxes().sort((a, b) => a.x0 - b.x0 || a.y0 - b.y0);
    // The map's shape when the page first laid the blocks out, kept: the
    // map's height adapts to the window's after that (fitPane), and a
    // reload (a new token) must lay them out as before, or the view kept
    // would show another part of the venue.
    if (!wrapAspect) wrapAspect = (canvas.clientWidth || 800) / (canvas.clientHeight || 500);
    const aspect = wrapAspect;
    const w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
    if (!(list.length > 1 && w / h > 3 * aspect)) return;
    const gap = 3;
    const lineHeight = Math.max(...list.map((b) => b.y1 - b.y0 + 1)) + gap + 2;
    const colWidth = Math.max(...list.map((b) => b.x1 - b.x0 + 1)) + gap;
    // The number of blocks per line that lets the map be drawn largest.
    let best = 1, bestScale = 0;
    for (let k = 1; k <= list.length; k++) {
      const sc = Math.min(aspect / (k * colWidth), 1 / (Math.ceil(list.length / k) * lineHeight));
      if (sc > bestScale) { bestScale = sc; best = k; }
    }
    const moves = new Map();
    list.forEach((b, k) => {
      moves.set(b.id, [(k % best) * colWidth - b.x0, Math.floor(k / best) * lineHeight + 2 - b.y0]);
    });
    for (let i = 0; i < n; i++) {
      const m = moves.get(B[i]);
      X[i] += m[0]; Y[i] += m[1];
    }
    measure();
  }

  // Block names: above the block of a grid map, at the middle of a block
  // placed by geometry.
  function labelBlocks() {
    blockLabels = blockBoxes().map((b) => ({
      ...(hasGeometry
        ? { x: b.sx / b.k, y: b.sy / b.k, centre: true }
        : { x: b.x0 - 0.5, y: b.y0 - 0.6, centre: false }),
      text: blockName(b.id),
      span: Math.max(b.x1 - b.x0, b.y1 - b.y0) + 1,
      // Where else the name may go: above or below the block's seats.
      mx: (b.x0 + b.x1) / 2, top: b.y0, bottom: b.y1, left: b.x0, right: b.x1,
    }));
  }

  // Fill the pickers from the map, keeping what the organizer chose (a
  // reload after a refusal must not switch the distributor or the weights).
  function fillControls() {
    for (const id of ['pick-block', 'find-block']) {
      const block = $(id);
      const keepBlock = block.value;
      block.replaceChildren(...map.blocks.map((b) => new Option(b.name + ' (' + b.id + ')', String(b.id))));
      if (keepBlock && map.blocks.some((b) => String(b.id) === keepBlock)) block.value = keepBlock;
    }
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
      label.append(input);
      ratios.append(label);
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

  // Show the whole venue as large as it fits beside the legend (which
  // sits in the map's top-left corner: the venue goes right of it or
  // below it, whichever draws it larger), so no overlay covers it. The
  // minimap is hidden while the whole venue is in view.
  let fittedView = null;
  function fit() {
    hideTip();
    if (window.innerWidth >= 700) autoLegend(true);
    resize();
    const w = canvas.clientWidth || 1, h = canvas.clientHeight || 1;
    const bw = bounds.x1 - bounds.x0, bh = bounds.y1 - bounds.y0;
    const rooms = [{ x: 0, y: 0, w, h }];
    const legend = $('legend');
    if (!legend.hidden && legend.offsetWidth) {
      const pad = 6;
      const right = legend.offsetLeft + legend.offsetWidth + pad, below = legend.offsetTop + legend.offsetHeight + pad;
      rooms[0] = { x: right, y: 0, w: w - right, h };
      rooms.push({ x: 0, y: below, w, h: h - below });
    }
    // A venue of many blocks drawn to scale keeps a margin for the names
    // of its outer blocks, which go past the blocks' outer edges.
    if (hasGeometry && blockLabels.length >= 8) {
      for (const r of rooms) {
        const mx = Math.min(48, r.w * 0.08), my = Math.min(20, r.h * 0.05);
        Object.assign(r, { x: r.x + mx, y: r.y + my, w: r.w - 2 * mx, h: r.h - 2 * my });
      }
    }
    let best = null;
    for (const r of rooms) {
      if (r.w <= 0 || r.h <= 0) continue;
      const scale = Math.min(r.w / bw, r.h / bh);
      if (!best || scale > best.scale) best = { ...r, scale };
    }
    if (!best) best = { x: 0, y: 0, w, h, scale: Math.min(w / bw, h / bh) };
    view.scale = Math.max(0.05, best.scale);
    view.ox = bounds.x0 - (best.x + (best.w - bw * view.scale) / 2) / view.scale;
    view.oy = bounds.y0 - (best.y + (best.h - bh * view.scale) / 2) / view.scale;
    // With the legend as it was laid out for: the toggle event of the
    // page's own unfolding comes after this fit and must not fit again
    // (that would hide a tooltip shown meanwhile).
    fittedView = { ...view, legendOpen: legend.open };
    requestDraw();
  }

  // The centre of a label of width `size` anchored at `at` (on the map,
  // 0..`limit`) moved inside the map, so labels at the edge are not cut.
  // Labels whose anchor is off the map are not drawn.
  function inside(at, size, limit) {
    return Math.min(Math.max(at, size / 2 + 3), limit - size / 2 - 3);
  }
  function onMap(x, y, w, h) { return x >= 0 && x <= w && y >= 0 && y <= h; }

  // The labels drawn in the last frame (CSS pixels of the map): the
  // browser test checks none is cut by the map's edge.
  let labelsDrawn = [];

  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }

  // Seat states and owners are told apart by colour and by a mark that
  // does not depend on colour: sold seats are crossed, held ones struck
  // through, seats not for sale drawn hollow, each distributor's seats
  // carry its shape, accessible places are round.
  // Held is none of the distributors' colours (four Okabe–Ito hues set
  // apart in lightness, chosen by the center: OWNER_PALETTE in
  // src/http/page.rs says why), and each of those stays apart from these
  // for colour-blind organizers too: held seats are seen apart from any
  // owner's. Held is magenta, a hue none of the four is near (a light blue
  // once read as a striped dark-blue distributor's), and held seats are
  // dotted: a dark dot in each seat near, dark dots in its pixels far out,
  // never stripes (the distributors' cue).
  const COLOURS = { held: '#ff00ff', sold: '#555555', blocked: '#d9d9d9', free: '#c8c8c8' };
  const HELD_PATTERN = 3;
  const SHAPES = ['circle', 'triangle', 'square', 'diamond', 'down', 'plus'];

  // Every seat's fill colour, as an index into the palette.
  function computeFills() {
    palette = []; patterns = []; stripes = [];
    const known = new Map();
    const at = (colour, pattern) => {
      const key = colour + ' ' + (pattern || 0);
      let k = known.get(key);
      if (k === undefined) {
        k = palette.length;
        palette.push(colour); patterns.push(pattern || 0);
        stripes.push(!pattern ? colour : pattern === HELD_PATTERN ? stripeColour(colour) : OWNER_STRIPE);
        known.set(key, k);
      }
      return k;
    };
    const held = at(COLOURS.held, HELD_PATTERN), blocked = at(COLOURS.blocked), sold = at(COLOURS.sold), free = at(COLOURS.free);
    const byOwner = $('colour-by').value === 'owner';
    const ofType = new Map(map.seat_types.map((t) => [t.id, at(t.colour)]));
    const ofOwner = new Map(map.distributors.map((d) => [d.id, at(d.colour, ownerPatterns.get(d.id))]));
    // Distributors whose seats take white marks and numbers when coloured by distributor.
    darkOwners = new Set(map.distributors.filter((d) => isDark(d.colour)).map((d) => d.id));
    const unknownType = at('#999'), unknownOwner = at('#333');
    fill = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const t = TAKEN[i];
      if (t) fill[i] = t === HELD ? held : t === BLOCKED ? blocked : sold;
      else if (byOwner) fill[i] = OWN[i] ? (ofOwner.get(OWN[i]) ?? unknownOwner) : free;
      else fill[i] = ofType.get(T[i]) ?? unknownType;
    }
    paletteRGBA = toPixels(palette);
    // Patterns cost a look-up per seat drawn as pixels: only when some
    // seat has one (a held seat, a distributor past the fourth).
    let patterned = false;
    if (patterns.some(Boolean)) for (let i = 0; i < n && !patterned; i++) patterned = patterns[fill[i]] !== 0;
    stripesRGBA = patterned ? toPixels(stripes) : null;
  }

  // The second shade of the held colour (its dots): lighter on a dark colour,
  // darker on a light one, so the pattern shows on either.
  function stripeColour(colour) {
    const p = toPixels([colour])[0];
    const rgb = [p & 255, (p >>> 8) & 255, (p >>> 16) & 255];
    const mixed = isDark(colour) ? rgb.map((v) => Math.round(v + (255 - v) * 0.5)) : rgb.map((v) => Math.round(v * 0.55));
    return 'rgb(' + mixed.join(', ') + ')';
  }

  // The stripes of a distributor whose colour came round again: white,
  // so they show on every colour of the palette, dark or light.
  const OWNER_STRIPE = '#ffffff';

  // Whether a patterned seat's device pixel (x, y), counted from the
  // seat's top-left pixel, takes the second shade: every other pixel row
  // (pattern 1, stripes), every other pixel (2, a check) or a dot (held).
  // Counted from the seat, a seat of two pixel rows keeps one of each, so
  // the cue shows at a pixel or two a seat (stripes at a third of the
  // pixels once read only as a lighter texture); a seat of one pixel row
  // is striped across its columns, and one of a single pixel is the
  // second shade whole in every other seat (`odd`).
  function stripePixel(pattern, x, y, rows, cols, odd) {
    if (pattern === 3) return rows > 1 || cols > 1 ? (x & y & 1) === 1 : odd;
    if (rows > 1) return pattern === 1 ? (y & 1) === 1 : ((x + y) & 1) === 1;
    return cols > 1 ? (x & 1) === 1 : odd;
  }

  // CSS colours as 32-bit canvas pixels (the canvas itself parses them, so
  // any colour a seat map may name works).
  function toPixels(colours) {
    const c = document.createElement('canvas');
    c.width = 1; c.height = 1;
    const g = c.getContext('2d', { willReadFrequently: true });
    const out = new Uint32Array(colours.length);
    colours.forEach((colour, k) => {
      g.clearRect(0, 0, 1, 1);
      g.fillStyle = '#000000';
      g.fillStyle = colour;
      g.fillRect(0, 0, 1, 1);
      out[k] = new Uint32Array(g.getImageData(0, 0, 1, 1).data.buffer)[0] | 0xff000000;
    });
    return out;
  }

  // Small seats written straight into pixels: a square of `d` device pixels
  // (at least one) per cell, far cheaper than a canvas call per seat.
  // `patterned`: the seats' fill indices when some palette entry has a
  // pattern (else null, and each seat is one colour).
  function plotSeats(px, W, H, cells, k, colourOf, sx, sy, ox, oy, size, patterned) {
    for (let j = 0; j < k; j++) {
      const i = cells[j];
      const d = size(i);
      const cx = (X[i] - ox) * sx, cy = (Y[i] - oy) * sy;
      let x0 = Math.round(cx - d / 2), y0 = Math.round(cy - d / 2);
      let x1 = Math.max(x0 + 1, Math.round(cx + d / 2)), y1 = Math.max(y0 + 1, Math.round(cy + d / 2));
      if (x0 < 0) x0 = 0; if (y0 < 0) y0 = 0; if (x1 > W) x1 = W; if (y1 > H) y1 = H;
      // A seat just off the map's edge: nothing to plot. (On the first
      // line a negative end would count from the image's end and fill it
      // all: the arena turned one colour at some views.)
      if (x1 <= x0 || y1 <= y0) continue;
      const colour = colourOf(i);
      const pattern = patterned ? patterns[patterned[i]] : 0;
      if (!pattern) {
        for (let y = y0; y < y1; y++) px.fill(colour, y * W + x0, y * W + x1);
        continue;
      }
      const second = stripesRGBA[patterned[i]];
      const rows = y1 - y0, cols = x1 - x0, odd = (i & 1) === 1;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px[y * W + x] = stripePixel(pattern, x - x0, y - y0, rows, cols, odd) ? second : colour;
    }
  }

  // Diagonal stripes (pattern 1), or both diagonals (2), `gap` pixels
  // apart over a `w` × `h` box, in `colour` (the caller clips them).
  function hatch(c, pattern, colour, x0, y0, w, h, gap) {
    c.beginPath();
    for (let t = x0 - h; t < x0 + w + h; t += gap) {
      c.moveTo(t, y0 + h); c.lineTo(t + h, y0);
      if (pattern === 2) { c.moveTo(t, y0); c.lineTo(t + h, y0 + h); }
    }
    c.strokeStyle = colour;
    c.lineWidth = Math.max(2, gap * 0.45);
    c.stroke();
  }

  // A shape centred on (x, y) of radius r, added to the current path.
  function shapePath(c, shape, x, y, r) {
    switch (shape) {
      case 'circle': c.moveTo(x + r, y); c.arc(x, y, r, 0, Math.PI * 2); break;
      case 'triangle': c.moveTo(x, y - r); c.lineTo(x + r, y + r * 0.8); c.lineTo(x - r, y + r * 0.8); c.closePath(); break;
      case 'down': c.moveTo(x, y + r); c.lineTo(x + r, y - r * 0.8); c.lineTo(x - r, y - r * 0.8); c.closePath(); break;
      case 'square': c.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6); break;
      case 'diamond': c.moveTo(x, y - r); c.lineTo(x + r, y); c.lineTo(x, y + r); c.lineTo(x - r, y); c.closePath(); break;
      default: {
        const t = r * 0.35;
        c.rect(x - r, y - t, 2 * r, 2 * t); c.rect(x - t, y - r, 2 * t, r - t); c.rect(x - t, y + t, 2 * t, r - t);
      }
    }
  }

  function ownerShape(owner) { return SHAPES[(ownerIndex.get(owner) ?? 0) % SHAPES.length]; }

  // Whether white reads better than black on a colour (its relative
  // luminance below 0.18, where the two contrasts are equal).
  function isDark(colour) {
    const p = toPixels([colour])[0];
    const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(p & 255) + 0.7152 * lin((p >>> 8) & 255) + 0.0722 * lin((p >>> 16) & 255) < 0.18;
  }
  function darkOwner(owner) { return darkOwners.has(owner); }

  // The seat's outline (a square along its row, or a circle for an
  // accessible place) added to the current path, in pixels.
  function seatPath(c, i, px, py, half) {
    if (FLAGS[i] & ACCESSIBLE) { c.moveTo(px + half, py); c.arc(px, py, half, 0, Math.PI * 2); return; }
    const ux = COS[i] * half, uy = SIN[i] * half;
    c.moveTo(px - ux + uy, py - uy - ux);
    c.lineTo(px + ux + uy, py + uy - ux);
    c.lineTo(px + ux - uy, py + uy + ux);
    c.lineTo(px - ux - uy, py - uy + ux);
    c.closePath();
  }

  function polygonPath(c, points) {
    points.forEach(([x, y], k) => {
      const px = (x - view.ox) * view.scale, py = (y - view.oy) * view.scale;
      if (k === 0) c.moveTo(px, py); else c.lineTo(px, py);
    });
    c.closePath();
  }

  function centreOf(points) {
    let sx = 0, sy = 0;
    for (const [x, y] of points) { sx += x; sy += y; }
    return [sx / points.length, sy / points.length];
  }

  // Landmarks and standing areas with their names (labels kept inside the
  // map of `w` × `h` and listed in `drawn`). A name kept inside the map
  // must not land on seats: a stage or area at the map's edge whose name
  // would be pushed over seats goes unnamed there (the tooltip names it).
  function drawPlaces(ctx, w, h, drawn) {
    const s = view.scale;
    // Lines of text centred on (x, y) as one group (each [text, font]),
    // kept inside the map together; the lines that would cover a seat are
    // dropped from the end, the name (the first) last. `backed`: on a
    // light box, so the text reads over owners' colours.
    const layout = (lines, x, y, lineHeight) => {
      if (!onMap(x, y, w, h)) return null;
      lines = lines.map(([text, font]) => { ctx.font = font; return { text, font, tw: ctx.measureText(text).width }; });
      for (; lines.length; lines.pop()) {
        const gw = Math.max(...lines.map((l) => l.tw)) + 6, gh = lines.length * lineHeight;
        const gx = inside(x, gw, w), gy = inside(y, gh, h) - gh / 2;
        if (coversSeat({ x: gx - gw / 2, y: gy, w: gw, h: gh }, s)) continue;
        // Each line's box (its light backing): what the owners' bands leave free.
        const boxes = lines.map((l, k) => ({ x: gx - l.tw / 2 - 3, y: gy + lineHeight * k, w: l.tw + 6, h: lineHeight }));
        return { lines, gx, gy, gw, gh, lineHeight, boxes };
      }
      return null;
    };
    const paint = (g, backed) => {
      if (!g) return;
      const { lines, gx, gy, lineHeight } = g;
      lines.forEach((l, k) => {
        const cy = gy + lineHeight * (k + 0.5);
        ctx.font = l.font;
        if (backed) {
          const ink = ctx.fillStyle;
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.fillRect(gx - l.tw / 2 - 3, cy - lineHeight / 2, l.tw + 6, lineHeight);
          ctx.fillStyle = ink;
        }
        ctx.fillText(l.text, gx, cy);
        drawn.push({ x: gx - l.tw / 2, y: cy - lineHeight / 2, w: l.tw, h: lineHeight, text: l.text, kind: 'place' });
      });
    };
    const group = (lines, x, y, lineHeight, backed) => paint(layout(lines, x, y, lineHeight), backed);
    // An area's label (`pts`: its polygon on the map, `py`: its centre's
    // height): its name, its places ("120 standing"), then who has them,
    // names wrapped at spaces onto more lines, a count always whole at the
    // end of its owner's last line. Nothing is cut short ("1… standing"
    // once read as one place, "Ticket… 30" named nobody): when the lines do
    // not fit, fewer go (the owners as a count for the table, then the
    // name), and every line lies inside the area, on the map and off the
    // seats, or the area goes unlabelled (the tooltip names it).
    const areaLabel = (a, pts, py) => {
      const nameFont = '600 13px system-ui, sans-serif', font = '12px system-ui, sans-serif', lh = 14;
      const width = (text, f) => { ctx.font = f; return ctx.measureText(text).width; };
      const owners = a.shares.filter((sh) => sh.owner && placesOf(sh) > 0).length;
      const places = a.capacity.toLocaleString('en') + ' standing';
      const few = owners ? [owners + (owners === 1 ? ' owner' : ' owners') + ', see table'] : [];
      // The owners named: all up to three, then fewer (the most places
      // first), the others counted for the table.
      // With the name, else without it (the tooltip names the area).
      const named = [];
      for (const name of [a.name, null]) for (let k = Math.min(3, owners); k >= 1; k--) named.push([name, areaOwners(a, k)]);
      const choices = owners ? [...named, [a.name, few], [a.name, []], [null, few], [null, []]]
        : [[a.name, areaOwners(a, 0)], [a.name, []], [null, areaOwners(a, 0)], [null, []]];
      // Words onto lines of at most `max` pixels, or null when a word is
      // wider; `whole`: one line or none ("120 standing" is not split).
      const wrap = (text, f, max, whole) => {
        if (whole) return width(text, f) <= max ? [text] : null;
        const out = [];
        let line = '';
        for (const word of text.split(' ')) {
          if (width(word, f) > max) return null;
          const t = line ? line + ' ' + word : word;
          if (line && width(t, f) > max) { out.push(line); line = word; } else line = t;
        }
        if (line) out.push(line);
        return out;
      };
      const span = spanAt(pts, py);
      if (!span) return null;
      const x = (span[0] + span[1]) / 2;
      for (const [name, rest] of choices) {
        for (const share of [1, 0.75, 0.5]) {
          const max = (span[1] - span[0] - 8) * share;
          if (max < 10) continue;
          const texts = [];
          let ok = true;
          for (const [text, f] of [...(name ? [[name, nameFont]] : []), [places, font], ...rest.map((t) => [t, font])]) {
            const wrapped = wrap(text, f, max, text === places);
            if (!wrapped) { ok = false; break; }
            for (const t of wrapped) texts.push({ text: t, font: f, tw: width(t, f) });
          }
          if (!ok) continue;
          const gw = Math.max(...texts.map((l) => l.tw)) + 6, gh = texts.length * lh;
          if (!onMap(x, py, w, h)) return null;
          // On whole pixels, so the owners' bands stop sharp at the lines' boxes.
          const gx = Math.round(inside(x, gw, w)), gy = Math.round(inside(py, gh, h) - gh / 2);
          const boxes = texts.map((l, k) => ({ x: gx - l.tw / 2 - 3, y: gy + lh * k, w: l.tw + 6, h: lh }));
          const within = boxes.every((b) => [b.y + 0.5, b.y + b.h / 2, b.y + b.h - 0.5].every((yy) => {
            const sp = spanAt(pts, yy);
            return sp && b.x >= sp[0] && b.x + b.w <= sp[1];
          }));
          if (!within || coversSeat({ x: gx - gw / 2, y: gy, w: gw, h: gh }, s)) continue;
          return { lines: texts, gx, gy, gw, gh, lineHeight: lh, boxes };
        }
      }
      return null;
    };
    for (const l of map.landmarks || []) {
      ctx.beginPath();
      polygonPath(ctx, l.polygon);
      ctx.fillStyle = l.kind === 'pitch' ? '#d8ecd8' : l.kind === 'stage' ? '#3a3a3a' : '#ececec';
      ctx.fill();
      ctx.strokeStyle = l.kind === 'pitch' ? '#4a7a4a' : '#333';
      ctx.lineWidth = 1.5;
      ctx.stroke();
      const [cx, cy] = centreOf(l.polygon);
      const size = Math.max(11, Math.min(28, s * 3));
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillStyle = l.kind === 'stage' ? '#fff' : '#1a3a1a';
      group([[l.name, '600 ' + size + 'px system-ui, sans-serif']], (cx - view.ox) * s, (cy - view.oy) * s, size);
    }
    if (!hasGeometry) return;
    for (const a of map.areas || []) {
      if (!a.polygon || a.polygon.length < 3) continue;
      ctx.beginPath();
      polygonPath(ctx, a.polygon);
      ctx.fillStyle = '#e6f0fa';
      ctx.fill();
      // Its name, its places, then who has them, and laid out first: the
      // owners' bands leave its lines' boxes free, so no line sits over a band.
      const [cx, cy] = centreOf(a.polygon);
      const pts = a.polygon.map(([x, y]) => [(x - view.ox) * s, (y - view.oy) * s]);
      const py = (cy - view.oy) * s;
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      const label = areaLabel(a, pts, py);
      drawAreaOwners(ctx, a, label && label.boxes, w, h);
      ctx.beginPath();
      polygonPath(ctx, a.polygon);
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = '#0b5cad';
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillStyle = '#0b3d6b';
      paint(label, true);
    }
  }

  // Where a horizontal line at `y` crosses a polygon (screen points): the
  // leftmost and rightmost crossing, or null.
  function spanAt(pts, y) {
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < pts.length; k++) {
      const [x1, y1] = pts[k], [x2, y2] = pts[(k + 1) % pts.length];
      if ((y1 <= y) === (y2 <= y)) continue;
      const x = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return lo < hi ? [lo, hi] : null;
  }

  // Places of an area a share has, whatever their state.
  const placesOf = (sh) => sh.available + sh.held + sh.sold;

  // Who has an area's places, a line each: ["Two 10", "unallotted 110"],
  // or ["all unallotted"]; past `k` owners (those with the most places
  // first), how many more there are.
  function areaOwners(a, k) {
    const owned = a.shares.filter((sh) => sh.owner && placesOf(sh) > 0).sort((x, y) => placesOf(y) - placesOf(x));
    if (!owned.length) return ['all unallotted'];
    const rest = a.shares.filter((sh) => !sh.owner).reduce((m, sh) => m + placesOf(sh), 0);
    const lines = owned.slice(0, k).map((sh) => (ownerName.get(sh.owner) || 'distributor ' + sh.owner) + ' ' + placesOf(sh).toLocaleString('en'));
    if (owned.length > k) lines.push((owned.length - k) + ' more ' + (owned.length - k === 1 ? 'distributor' : 'distributors') + ', see table');
    if (rest) lines.push('unallotted ' + rest.toLocaleString('en'));
    return lines;
  }

  // An area's owners drawn in it, as its seats show theirs: a band per
  // distributor across the area, as wide as its share of the places, in its
  // colour and carrying its shape (the cue that does not depend on colour);
  // what is left of the area's pale fill is unallotted.
  // `holes`: the boxes of the area's label lines (of a map `w` × `h`), left free.
  function drawAreaOwners(c, a, holes, w, h) {
    const owned = a.shares.filter((sh) => sh.owner && placesOf(sh) > 0);
    if (!owned.length || !(a.capacity > 0)) return;
    const s = view.scale;
    const xs = a.polygon.map((p) => (p[0] - view.ox) * s), ys = a.polygon.map((p) => (p[1] - view.oy) * s);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    c.save();
    c.beginPath();
    polygonPath(c, a.polygon);
    c.clip();
    if (holes && holes.length) {
      // The lines' boxes touch but do not overlap (even-odd would fill
      // an overlap again).
      c.beginPath();
      c.rect(0, 0, w, h);
      for (const b of holes) c.rect(Math.floor(b.x) - 1, b.y, Math.ceil(b.x + b.w) - Math.floor(b.x) + 2, b.h);
      c.clip('evenodd');
    }
    let x = x0;
    for (const sh of owned) {
      // At least a few pixels, so a small share still shows.
      const bw = Math.max(4, ((x1 - x0) * placesOf(sh)) / a.capacity);
      const colour = (map.distributors.find((d) => d.id === sh.owner) || {}).colour || '#333';
      c.globalAlpha = 0.45;
      c.fillStyle = colour;
      c.fillRect(x, y0, bw, y1 - y0);
      const pattern = ownerPatterns.get(sh.owner);
      if (pattern) {
        c.save();
        c.beginPath();
        c.rect(x, y0, bw, y1 - y0);
        c.clip();
        hatch(c, pattern, OWNER_STRIPE, x, y0, bw, y1 - y0, 6);
        c.restore();
      }
      c.globalAlpha = 1;
      if (bw >= 10) {
        // The owner's shape down the band, in its colour with a light edge.
        c.beginPath();
        for (let y = y0 + 10; y < y1 - 4; y += 24) shapePath(c, ownerShape(sh.owner), x + bw / 2, y, 4.5);
        c.fillStyle = colour;
        c.fill();
        c.strokeStyle = '#ffffff';
        c.lineWidth = 1;
        c.stroke();
      }
      x += bw;
    }
    c.restore();
  }

  function draw() {
    if (!map) return;
    const drawStart = performance.now();
    resize();
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    // A hidden map (the sign-in view, after a token stopped working) has
    // no size: nothing to draw until it shows again.
    if (!w || !h || !canvas.width || !canvas.height) return;
    clampView(w, h);
    const s = view.scale;
    const key = [view.scale, view.ox, view.oy, canvas.width, canvas.height, dpr, layerEpoch].join(' ');
    if (!layer || layer.key !== key) layer = renderLayer(key, w, h, dpr);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    drawSelection(dpr, s);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (cursor >= 0 && cursor < n && document.activeElement === canvas) {
      ctx.strokeStyle = '#c2410c';
      ctx.lineWidth = 3;
      const r = Math.max(6, SZ[cursor] * s * 0.9);
      ctx.strokeRect((X[cursor] - view.ox) * s - r, (Y[cursor] - view.oy) * s - r, 2 * r, 2 * r);
    }
    if (found >= 0 && found < n) {
      // The seat a search found: a dark ring with a light one inside, seen
      // on any seat colour, until the next search or click on the map.
      const r = Math.max(8, SZ[found] * s * 1.1);
      const fx = (X[found] - view.ox) * s, fy = (Y[found] - view.oy) * s;
      ctx.beginPath();
      ctx.arc(fx, fy, r + 3, 0, 2 * Math.PI);
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(fx, fy, r, 0, 2 * Math.PI);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    labelsDrawn = layer.labels.slice();
    const m = 2;
    if (s >= 9) drawRowLabels(s, view.ox - m, view.oy - m, view.ox + w / s + m, view.oy + h / s + m);
    if (s >= SEAT_LABEL_SCALE) drawSeatLabels(layer.visible, s);
    drawBlockLabels(w, h, s);
    drawMinimap();
    timings.lastDrawMs = performance.now() - drawStart;
    if (timings.firstDrawMs === null) timings.firstDrawMs = timings.lastDrawMs;
  }

  // However the view was moved (a drag, the keyboard, the minimap, a
  // zoom at the map's edge), a good part of the venue stays in view: half
  // the map each way (a quarter of it), or half the venue each way when it
  // is smaller (its centre), and besides that the minimap's width and
  // height, so the part in view is never only what the minimap covers (80
  // pixels once left a sliver under it).
  function clampView(w, h) {
    const s = view.scale;
    // (The minimap's size as styled, shown or not: it shows once the
    // venue is partly out of view, after this.)
    const ms = getComputedStyle($('minimap'));
    const mw = overviewWanted ? parseFloat(ms.width) + 8 || 0 : 0, mh = overviewWanted ? parseFloat(ms.height) + 8 || 0 : 0;
    const vw = (bounds.x1 - bounds.x0) * s, vh = (bounds.y1 - bounds.y0) * s;
    // The minimap's room counts only where the venue goes towards it
    // (right and down): a seat at the venue's edge can still be centred.
    const keepX = Math.min(vw, w / 2, vw / 2), keepY = Math.min(vh, h / 2, vh / 2);
    const towardsX = Math.min(vw, keepX + mw), towardsY = Math.min(vh, keepY + mh);
    view.ox = Math.min(Math.max(view.ox, bounds.x0 - (w - towardsX) / s), bounds.x1 - keepX / s);
    view.oy = Math.min(Math.max(view.oy, bounds.y0 - (h - towardsY) / s), bounds.y1 - keepY / s);
  }

  // What does not change while the organizer selects: the venue, the seats
  // in their colours and their marks, for the current view. The seats in
  // view are listed once here, so a frame after a selection walks only them.
  function renderLayer(key, w, h, dpr) {
    const off = layer && layer.canvas.width === canvas.width && layer.canvas.height === canvas.height
      ? layer.canvas : document.createElement('canvas');
    off.width = canvas.width; off.height = canvas.height;
    const c = off.getContext('2d', { alpha: false, willReadFrequently: true });
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, w, h);
    const drawn = [];
    drawPlaces(c, w, h, drawn);
    if (!fill) computeFills();
    const s = view.scale;
    const margin = 2;
    const gx0 = view.ox - margin, gy0 = view.oy - margin, gx1 = view.ox + w / s + margin, gy1 = view.oy + h / s + margin;
    const seen = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = X[i], y = Y[i];
      if (x >= gx0 && x <= gx1 && y >= gy0 && y <= gy1) seen[k++] = i;
    }
    const visible = seen.subarray(0, k);
    const detailed = s >= 5;
    let pixels = null;
    if (!detailed) {
      // Far out a seat is a few pixels: written as pixels, at least one
      // and a half pixels wide as before.
      const W = off.width, H = off.height;
      const image = c.getImageData(0, 0, W, H);
      const px = new Uint32Array(image.data.buffer);
      plotSeats(px, W, H, visible, k, (i) => paletteRGBA[fill[i]], s * dpr, s * dpr, view.ox, view.oy,
        (i) => Math.max(1.5, SZ[i] * s) * dpr, stripesRGBA ? fill : null);
      c.putImageData(image, 0, 0);
      pixels = px;
    } else {
      // Near: each seat's outline, one path per colour.
      const groups = palette.map(() => []);
      for (const i of visible) groups[fill[i]].push(i);
      groups.forEach((cells, p) => {
        if (!cells.length) return;
        c.beginPath();
        for (const i of cells) seatPath(c, i, (X[i] - view.ox) * s, (Y[i] - view.oy) * s, (SZ[i] * s) / 2);
        c.fillStyle = palette[p];
        c.fill();
        if (patterns[p] && patterns[p] !== HELD_PATTERN) {
          // Stripes across the map, clipped to these seats: one pass per
          // patterned colour, not per seat.
          c.save();
          c.clip();
          hatch(c, patterns[p], stripes[p], 0, 0, w, h, Math.max(4, Math.min(8, s * 0.35)));
          c.restore();
        }
      });
      drawMarks(c, visible, s);
    }
    return { key, canvas: off, visible, detailed, pixels, frame: null, labels: drawn };
  }

  let BLACK = null;

  // The static layer, then the selection: a heavy black frame around each
  // selected seat near, the seat in black far out.
  function drawSelection(dpr, s) {
    const { visible } = layer;
    if (!layer.detailed) {
      let any = false;
      for (const i of visible) if (sel[i]) { any = true; break; }
      if (!any) { ctx.drawImage(layer.canvas, 0, 0); return; }
      const W = layer.canvas.width, H = layer.canvas.height;
      if (!layer.frame) layer.frame = new ImageData(W, H);
      const px = new Uint32Array(layer.frame.data.buffer);
      px.set(layer.pixels);
      if (BLACK === null) BLACK = toPixels(['#111111'])[0];
      const black = BLACK;
      const chosen = visible.filter((i) => sel[i]);
      plotSeats(px, W, H, chosen, chosen.length, () => black, s * dpr, s * dpr, view.ox, view.oy,
        (i) => Math.max(1.5, SZ[i] * s) * dpr);
      ctx.putImageData(layer.frame, 0, 0);
      return;
    }
    ctx.drawImage(layer.canvas, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    for (const i of visible) {
      if (!sel[i]) continue;
      seatPath(ctx, i, (X[i] - view.ox) * s, (Y[i] - view.oy) * s, (SZ[i] * s) / 2 + Math.max(1.5, s * 0.08));
    }
    ctx.lineWidth = Math.max(2, s * 0.14);
    ctx.strokeStyle = '#111111';
    ctx.stroke();
  }

  // Marks that do not depend on colour, drawn when seats are large enough.
  function drawMarks(ctx, visible, s) {
    const typeMode = $('colour-by').value === 'type';
    ctx.lineWidth = Math.max(1, s * 0.08);
    // Sold: a cross; held: a dot; not for sale: a hollow seat. Where seats
    // show their numbers, the cross and the dot go smaller in the seat's
    // top part, as an owner's shape does, and the number below them.
    const roomy = s >= SEAT_LABEL_SCALE;
    const markY = (i) => (Y[i] - view.oy) * s - (roomy ? SZ[i] * s * 0.22 : 0);
    ctx.beginPath();
    for (const i of visible) {
      if (TAKEN[i] !== SOLD) continue;
      const px = (X[i] - view.ox) * s, py = markY(i), r = SZ[i] * s * (roomy ? 0.14 : 0.3);
      ctx.moveTo(px - r, py - r); ctx.lineTo(px + r, py + r); ctx.moveTo(px + r, py - r); ctx.lineTo(px - r, py + r);
    }
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.beginPath();
    for (const i of visible) {
      if (TAKEN[i] !== HELD) continue;
      const px = (X[i] - view.ox) * s, py = markY(i), r = SZ[i] * s * (roomy ? 0.12 : 0.16);
      ctx.moveTo(px + r, py); ctx.arc(px, py, r, 0, Math.PI * 2);
    }
    ctx.fillStyle = '#111111';
    ctx.fill();
    ctx.beginPath();
    for (const i of visible) {
      if (TAKEN[i] !== BLOCKED) continue;
      seatPath(ctx, i, (X[i] - view.ox) * s, (Y[i] - view.oy) * s, SZ[i] * s * 0.3);
    }
    ctx.fillStyle = '#ffffff';
    ctx.fill();
    // Companion seats: a ring inside.
    ctx.beginPath();
    for (const i of visible) {
      if (!(FLAGS[i] & COMPANION)) continue;
      const px = (X[i] - view.ox) * s, py = (Y[i] - view.oy) * s, r = SZ[i] * s * 0.28;
      ctx.moveTo(px + r, py); ctx.arc(px, py, r, 0, Math.PI * 2);
    }
    ctx.strokeStyle = '#111111';
    ctx.stroke();
    // Each distributor's shape on its free seats: white with a black edge on
    // the seat type's colour (colour tells the type, shape the owner, so a
    // distributor whose colour a seat type also has is never lost), black
    // (or white) on its own colour.
    if (s >= 7) {
      const marks = new Map();
      for (const i of visible) {
        if (!OWN[i] || TAKEN[i]) continue;
        let m = marks.get(OWN[i]);
        if (!m) { m = []; marks.set(OWN[i], m); }
        m.push(i);
      }
      ctx.lineWidth = 1;
      for (const [owner, cells] of marks) {
        const shape = ownerShape(owner);
        // On the owner's own colour: black, or white on a dark colour (the
        // palette's dark blues).
        const white = typeMode || darkOwner(owner);
        ctx.beginPath();
        for (const i of cells) {
          const roomy = s >= SEAT_LABEL_SCALE;
          shapePath(ctx, shape, (X[i] - view.ox) * s, (Y[i] - view.oy) * s - (roomy ? SZ[i] * s * 0.22 : 0),
            SZ[i] * s * (roomy ? 0.16 : 0.3));
        }
        ctx.fillStyle = white ? '#ffffff' : '#111111';
        ctx.fill();
        ctx.strokeStyle = white ? '#111111' : '#ffffff';
        ctx.stroke();
      }
    }
  }

  // Row labels at both ends of each row, along the row's direction.
  // A label centred on (x, y) that would be cut by the map's edge is left
  // out; the ones drawn are listed for the browser test.
  function edgeSafeText(text, x, y, size, w, h) {
    const tw = ctx.measureText(text).width;
    if (x - tw / 2 < 0 || x + tw / 2 > w || y - size / 2 < 0 || y + size / 2 > h) return;
    ctx.fillText(text, x, y);
    labelsDrawn.push({ x: x - tw / 2, y: y - size / 2, w: tw, h: size, text, kind: 'mark' });
  }

  function drawRowLabels(s, gx0, gy0, gx1, gy1) {
    const size = Math.min(14, Math.max(10, s * 0.6));
    const w = canvas.clientWidth, h = canvas.clientHeight;
    ctx.font = size + 'px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#111';
    for (let k = 0; k + 1 < rowStarts.length; k++) {
      const first = rowStarts[k], last = rowStarts[k + 1] - 1;
      for (const [i, dir] of [[first, -1], [last, 1]]) {
        if (X[i] < gx0 || X[i] > gx1 || Y[i] < gy0 || Y[i] > gy1) continue;
        const d = 1.1 * dir;
        edgeSafeText(rowLabel(i), (X[i] + COS[i] * d - view.ox) * s, (Y[i] + SIN[i] * d - view.oy) * s, size, w, h);
      }
    }
  }

  function drawSeatLabels(visible, s) {
    const size = Math.min(13, s * 0.38);
    const w = canvas.clientWidth, h = canvas.clientHeight;
    ctx.font = size + 'px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const byOwner = $('colour-by').value === 'owner';
    for (const i of visible) {
      // A selected seat keeps its number (its frame is around the seat).
      const dark = TAKEN[i] === SOLD || (byOwner && !TAKEN[i] && darkOwner(OWN[i]));
      ctx.fillStyle = dark ? '#ffffff' : '#111111';
      // An allotted, sold or held seat carries its distributor's shape or
      // its state's mark in its top part (drawMarks): the number goes below.
      const dy = OWN[i] || TAKEN[i] === SOLD || TAKEN[i] === HELD ? SZ[i] * s * 0.2 : 0;
      edgeSafeText(seatLabel(i), (X[i] - view.ox) * s, (Y[i] - view.oy) * s + dy, size, w, h);
    }
  }

  // Block names. Zoomed out (a whole stadium in view) they are smaller.
  // A name goes in the middle of its block when it covers no seat there,
  // else just above, below or beside the block's seats, or out from the
  // venue's middle past the block's outer edge; when none of these is in
  // view and free it is tried again a size smaller, and only then left out
  // (the tooltip still names the block). Never over another name, the
  // stage's or an area's label, a seat, the legend or the minimap. Placed
  // once per view (the layer), drawn in every frame.
  let blockLabelsPlaced = { key: null, boxes: [] };
  function drawBlockLabels(w, h, s) {
    const small = s < 0.8 || (hasGeometry && s < 1.5);
    // Placed again when the view, the legend's or the minimap's size changes.
    const key = [layer.key, ...['legend', 'minimap'].map((id) => { const e = $(id); return e.hidden ? 0 : e.offsetWidth + 'x' + e.offsetHeight; })].join(' ');
    if (blockLabelsPlaced.key !== key) {
      blockLabelsPlaced = { key, boxes: placeBlockLabels(w, h, s, small) };
    }
    ctx.textBaseline = 'middle';
    for (const box of blockLabelsPlaced.boxes) {
      ctx.font = box.font;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.fillRect(box.x, box.y, box.w, box.h);
      ctx.fillStyle = '#111';
      ctx.textAlign = 'left';
      ctx.fillText(box.text, box.x + 3, box.y + box.h / 2);
      labelsDrawn.push({ x: box.x, y: box.y, w: box.w, h: box.h, text: box.text, kind: box.kind });
    }
  }

  const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

  // The sizes a block name is tried in: the usual one, then a smaller.
  const NAME_SIZES = { small: [[11, 15], [9, 12]], large: [[13, 18], [11, 15]] };

  function placeBlockLabels(w, h, s, small) {
    // The legend and the minimap lie over the map: no name under them.
    const r = canvas.getBoundingClientRect();
    const overlays = ['legend', 'minimap'].map($).filter((e) => !e.hidden && e.offsetWidth).map((e) => {
      const b = e.getBoundingClientRect();
      return { x: b.left - r.left, y: b.top - r.top, w: b.width, h: b.height };
    });
    // Nor on the stage or a standing area (a block next to the stage once
    // had its name drawn on it); a pitch, in the middle of the blocks
    // around it, may carry their names.
    const s0 = view.scale;
    const spots = [...(map.landmarks || []).filter((l) => l.kind !== 'pitch').map((l) => l.polygon),
      ...(hasGeometry ? (map.areas || []).map((a) => a.polygon || []) : [])].filter((p) => p.length >= 3).map((p) => {
      const xs = p.map((q) => (q[0] - view.ox) * s0), ys = p.map((q) => (q[1] - view.oy) * s0);
      const x0 = Math.min(...xs), y0 = Math.min(...ys);
      return { x: x0, y: y0, w: Math.max(...xs) - x0, h: Math.max(...ys) - y0 };
    });
    const placed = [...layer.labels, ...overlays, ...spots];
    const out = [];
    // The venue's middle, for placing a name out past its block.
    const cx = (bounds.x0 + bounds.x1) / 2, cy = (bounds.y0 + bounds.y1) / 2;
    let todo = blockLabels;
    for (const [size, lh] of NAME_SIZES[small ? 'small' : 'large']) {
      const font = '600 ' + size + 'px system-ui, sans-serif';
      ctx.font = font;
      const left = [];
      for (const l of todo) {
        const tw = ctx.measureText(l.text).width;
        const gap = 0.6 + lh / 2 / s, side = 0.8 + (tw + 6) / 2 / s;
        const my = (l.top + l.bottom) / 2;
        let spots = [[l.x, l.y]];
        if (l.centre) {
          // Out from the middle: along the line from the venue's middle
          // through the block's, just past the block's box.
          const dx = l.mx - cx, dy = my - cy, len = Math.hypot(dx, dy) || 1;
          const reach = Math.abs(dx / len) * ((l.right - l.left) / 2 + side) + Math.abs(dy / len) * ((l.bottom - l.top) / 2 + gap);
          spots = [[l.x, l.y], [l.mx, l.top - gap], [l.mx, l.bottom + gap], [l.left - side, my], [l.right + side, my],
            [l.mx + dx / len * reach, my + dy / len * reach]];
        }
        const boxAt = ([vx, vy]) => {
          const px = (vx - view.ox) * s + (l.centre ? 0 : tw / 2), py = (vy - view.oy) * s;
          if (!onMap(px, py, w, h)) return null;
          const x = inside(px, tw + 6, w) - tw / 2;
          const y = inside(py, lh, h);
          return { x: x - 3, y: y - lh / 2, w: tw + 6, h: lh, text: l.text, kind: 'block', font };
        };
        const free = (box) => box && !placed.some((q) => overlaps(box, q));
        // No room anywhere (a block wider than the view, its sides off the
        // map): no name rather than one over seats.
        const chosen = spots.map(boxAt).find((box) => free(box) && !(l.centre && coversSeat(box, s)));
        if (!chosen) { left.push(l); continue; }
        placed.push(chosen);
        out.push(chosen);
      }
      todo = left;
    }
    return out;
  }

  // Whether a box of the map (CSS pixels) covers some seat's centre,
  // looked up in the grid of buckets.
  function coversSeat(box, s) {
    if (!buckets) return false;
    const x0 = view.ox + box.x / s, x1 = view.ox + (box.x + box.w) / s;
    const y0 = view.oy + box.y / s, y1 = view.oy + (box.y + box.h) / s;
    const bx0 = Math.max(0, Math.floor((x0 - buckets.x0) / buckets.size)), bx1 = Math.min(buckets.w - 1, Math.floor((x1 - buckets.x0) / buckets.size));
    const by0 = Math.max(0, Math.floor((y0 - buckets.y0) / buckets.size)), by1 = Math.min(buckets.h - 1, Math.floor((y1 - buckets.y0) / buckets.size));
    for (let y = by0; y <= by1; y++) {
      for (let x = bx0; x <= bx1; x++) {
        for (let i = buckets.head[y * buckets.w + x]; i >= 0; i = buckets.next[i]) {
          if (X[i] >= x0 && X[i] <= x1 && Y[i] >= y0 && Y[i] <= y1) return true;
        }
      }
    }
    return false;
  }

  // ---- minimap: the whole venue and where the view is ---------------------------------

  const mini = $('minimap');
  const miniCtx = mini.getContext('2d');
  let miniImage = null;
  let miniView = { scale: 1, ox: 0, oy: 0 };

  function renderMini() {
    const w = mini.width, h = mini.height;
    const bw = bounds.x1 - bounds.x0, bh = bounds.y1 - bounds.y0;
    const sc = Math.min(w / bw, h / bh);
    miniView = { scale: sc, ox: bounds.x0 - (w / sc - bw) / 2, oy: bounds.y0 - (h / sc - bh) / 2 };
    const off = document.createElement('canvas');
    off.width = w; off.height = h;
    const c = off.getContext('2d', { willReadFrequently: true });
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, w, h);
    for (const l of map.landmarks || []) {
      c.beginPath();
      l.polygon.forEach(([x, y], k) => {
        const px = (x - miniView.ox) * sc, py = (y - miniView.oy) * sc;
        if (k === 0) c.moveTo(px, py); else c.lineTo(px, py);
      });
      c.closePath();
      c.fillStyle = l.kind === 'pitch' ? '#d8ecd8' : '#3a3a3a';
      c.fill();
    }
    if (!fill) computeFills();
    const image = c.getImageData(0, 0, w, h);
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    plotSeats(new Uint32Array(image.data.buffer), w, h, all, n, (i) => paletteRGBA[fill[i]], sc, sc, miniView.ox, miniView.oy, () => 1,
      stripesRGBA ? fill : null);
    c.putImageData(image, 0, 0);
    miniImage = off;
    miniStale = false;
  }

  function drawMinimap() {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    // Within a pixel: a fitted venue touches two edges of the map.
    const s = view.scale;
    const whole = (bounds.x0 - view.ox) * s >= -1 && (bounds.y0 - view.oy) * s >= -1 &&
      (bounds.x1 - view.ox) * s <= w + 1 && (bounds.y1 - view.oy) * s <= h + 1;
    mini.hidden = whole || !overviewWanted;
    showOverviewButton(whole);
    if (mini.hidden || !mini.clientWidth) return;
    if (miniStale || !miniImage) renderMini();
    miniCtx.drawImage(miniImage, 0, 0);
    const sc = miniView.scale;
    const vx = (view.ox - miniView.ox) * sc, vy = (view.oy - miniView.oy) * sc;
    const vw = (canvas.clientWidth / view.scale) * sc, vh = (canvas.clientHeight / view.scale) * sc;
    miniCtx.lineWidth = 2;
    miniCtx.strokeStyle = '#c2410c';
    miniCtx.strokeRect(vx, vy, Math.max(3, vw), Math.max(3, vh));
  }

  // The Overview button says what the map shows: pressed only while the
  // minimap is there. While the whole venue is in view there is nothing
  // for an overview to add, so the button rests (unpressed, disabled) and
  // keeps the organizer's choice for the next zoom.
  let overviewWanted = true;
  function showOverviewButton(whole) {
    const b = $('overview');
    b.disabled = whole;
    b.setAttribute('aria-pressed', String(!mini.hidden));
    b.title = whole ? 'The whole venue is in view: the overview shows while zoomed in'
      : 'The whole venue in a corner of the map while zoomed in';
  }

  function miniPan(e) {
    const r = mini.getBoundingClientRect();
    const x = miniView.ox + ((e.clientX - r.left) * (mini.width / r.width)) / miniView.scale;
    const y = miniView.oy + ((e.clientY - r.top) * (mini.height / r.height)) / miniView.scale;
    view.ox = x - canvas.clientWidth / 2 / view.scale;
    view.oy = y - canvas.clientHeight / 2 / view.scale;
    requestDraw();
  }
  let miniDrag = false;
  mini.addEventListener('pointerdown', (e) => { if (!map) return; miniDrag = true; mini.setPointerCapture(e.pointerId); miniPan(e); });
  mini.addEventListener('pointermove', (e) => { if (miniDrag) miniPan(e); });
  mini.addEventListener('pointerup', () => { miniDrag = false; });

  // ---- distributors × seat types, and the legend ---------------------------------------

  const SVG = 'http://www.w3.org/2000/svg';
  // A 16 px icon drawn with SVG (a shape, never a glyph, so its colour is
  // no text contrast to check).
  function icon(parts, label) {
    const s = document.createElementNS(SVG, 'svg');
    s.setAttribute('width', '16'); s.setAttribute('height', '16'); s.setAttribute('viewBox', '0 0 16 16');
    s.setAttribute('class', 'icon');
    if (label) { s.setAttribute('role', 'img'); s.setAttribute('aria-label', label); } else s.setAttribute('aria-hidden', 'true');
    for (const [tag, attrs] of parts) {
      const e = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      s.append(e);
    }
    return s;
  }

  function shapeParts(shape, fill) {
    const stroke = { fill, stroke: '#111', 'stroke-width': '1.2' };
    switch (shape) {
      case 'circle': return [['circle', { cx: 8, cy: 8, r: 6, ...stroke }]];
      case 'triangle': return [['polygon', { points: '8,1.5 14.5,13.5 1.5,13.5', ...stroke }]];
      case 'down': return [['polygon', { points: '8,14.5 14.5,2.5 1.5,2.5', ...stroke }]];
      case 'square': return [['rect', { x: 2.5, y: 2.5, width: 11, height: 11, ...stroke }]];
      case 'diamond': return [['polygon', { points: '8,1 15,8 8,15 1,8', ...stroke }]];
      default: return [['path', { d: 'M6 1.5h4v4.5h4.5v4h-4.5v4.5h-4v-4.5h-4.5v-4h4.5z', ...stroke }]];
    }
  }

  // A distributor's shape in its colour; `fill` overrides the colour (the
  // legend's white shapes by seat type). Everywhere a distributor is named
  // beside the map, its shape is there too, so colour is never the only cue.
  // A distributor whose colour came round again carries its stripes (or
  // check) here as on the map.
  let patternIds = 0;
  function ownerIcon(d, fill) {
    const shape = ownerShape(d.id);
    const pattern = fill ? 0 : ownerPatterns.get(d.id) || 0;
    const id = pattern ? 'owner-pattern-' + (++patternIds) : null;
    const s = icon(shapeParts(shape, pattern ? 'url(#' + id + ')' : fill || d.colour));
    s.setAttribute('data-shape', shape);
    if (pattern) {
      // Square to the pixels (no rotation), two pixels a band: at one
      // device pixel a CSS pixel the swatch shows the stripes as the map does.
      const second = OWNER_STRIPE;
      const tile = pattern === 1
        ? [['rect', { width: 4, height: 4, fill: d.colour }], ['rect', { y: 2, width: 4, height: 2, fill: second }]]
        : [['rect', { width: 4, height: 4, fill: d.colour }], ['rect', { width: 2, height: 2, fill: second }], ['rect', { x: 2, y: 2, width: 2, height: 2, fill: second }]];
      const p = document.createElementNS(SVG, 'pattern');
      p.setAttribute('id', id);
      p.setAttribute('patternUnits', 'userSpaceOnUse');
      p.setAttribute('width', '4'); p.setAttribute('height', '4');
      for (const [tag, attrs] of tile) {
        const e = document.createElementNS(SVG, tag);
        for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
        p.append(e);
      }
      const defs = document.createElementNS(SVG, 'defs');
      defs.append(p);
      s.append(defs);
      s.setAttribute('data-pattern', PATTERN_NAMES[pattern]);
    }
    return s;
  }
  const PATTERN_NAMES = ['', 'striped', 'checked'];

  // Distributors × seat types. The totals come first, so a narrow window
  // that scrolls the table sideways still shows them; seat types with no
  // seat to allot (a standing type, say) get no column.
  function renderOwners(grid) {
    const table = $('owners');
    const head = table.tHead.rows[0];
    const areas = map.areas || [];
    const shown = [];
    map.seat_types.forEach((t, k) => {
      for (const g of grid.values()) if (g[k]) { shown.push([t, k]); return; }
    });
    head.replaceChildren(cell('th', 'Distributor', { scope: 'col' }), cell('th', 'All seats', { scope: 'col' }),
      ...(areas.length ? [cell('th', 'Standing places', { scope: 'col' })] : []),
      ...shown.map(([t]) => cell('th', t.name, { scope: 'col' })));
    // Standing places by owner, over all areas (held and sold included, as for seats).
    const standing = new Map();
    for (const a of areas) for (const sh of a.shares) standing.set(sh.owner, (standing.get(sh.owner) || 0) + sh.available + sh.held + sh.sold);
    const body = table.tBodies[0];
    body.replaceChildren();
    const rowsOf = [...map.distributors.map((d) => [d.id, d.name, d]), [0, 'Unallotted', null]];
    for (const [id, name, d] of rowsOf) {
      const counts = grid.get(id) || new Uint32Array(map.seat_types.length);
      const tr = document.createElement('tr');
      tr.dataset.owner = String(id);
      const th = cell('th', '', { scope: 'row' });
      if (d) th.append(ownerIcon(d), ' ');
      th.append(name);
      tr.append(th);
      const all = counts.reduce((a, b) => a + b, 0);
      tr.append(cell('td', all.toLocaleString('en'), { 'data-seat-type': 'all' }));
      if (areas.length) tr.append(cell('td', (standing.get(id) || 0).toLocaleString('en'), { 'data-count': 'standing' }));
      for (const [t, k] of shown) tr.append(cell('td', counts[k].toLocaleString('en'), { 'data-seat-type': String(t.id) }));
      body.append(tr);
    }
  }

  function renderLegend() {
    const list = $('legend-items');
    list.replaceChildren();
    const item = (ic, text) => { const li = document.createElement('li'); li.append(ic, ' ' + text); list.append(li); return li; };
    if ($('colour-by').value === 'type') {
      // Only the seat types the map has seats of (a standing type has none).
      const present = new Set();
      for (let i = 0; i < n; i++) present.add(T[i]);
      for (const t of map.seat_types.filter((x) => present.has(x.id))) item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: t.colour, stroke: '#111' }]]), t.name);
    } else {
      item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: COLOURS.free, stroke: '#111' }]]), 'unallotted');
    }
    // By seat type, colour is the type's and a distributor is its shape.
    const typeMode = $('colour-by').value === 'type';
    for (const d of map.distributors) {
      const pattern = typeMode ? 0 : ownerPatterns.get(d.id) || 0;
      item(ownerIcon(d, typeMode ? '#ffffff' : null), d.name + (pattern ? ' (' + PATTERN_NAMES[pattern] + ')' : '')).dataset.distributor = String(d.id);
    }
    item(icon([['rect', { x: 2, y: 2, width: 12, height: 12, fill: '#fff', stroke: '#111', 'stroke-width': 3 }]]), 'selected');
    item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: COLOURS.held, stroke: '#111' }], ['circle', { cx: 8, cy: 8, r: 2.5, fill: '#111' }]]), 'held for a buyer').title = 'Magenta with a dark dot';
    item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: COLOURS.sold, stroke: '#111' }], ['path', { d: 'M4 4L12 12M12 4L4 12', stroke: '#fff', 'stroke-width': 2 }]]), 'sold');
    item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: COLOURS.blocked, stroke: '#111' }], ['rect', { x: 5.5, y: 5.5, width: 5, height: 5, fill: '#fff' }]]), 'not for sale');
    if (hasAccessible) item(icon([['circle', { cx: 8, cy: 8, r: 6.5, fill: '#fff', stroke: '#111' }]]), 'accessible place (round)');
    if (hasCompanion) item(icon([['rect', { x: 1.5, y: 1.5, width: 13, height: 13, fill: '#fff', stroke: '#111' }], ['circle', { cx: 8, cy: 8, r: 3.5, fill: 'none', stroke: '#111', 'stroke-width': 1.5 }]]), 'companion seat (ring)');
  }

  // ---- counts ------------------------------------------------------------------------

  function counts() {
    const k = map.seat_types.length;
    const rows = Array.from({ length: k }, () => ({ total: 0, selected: 0, selectable: 0, allotted: 0, held: 0, sold: 0, blocked: 0 }));
    const perOwner = new Map();
    const grid = new Map(); // owner (0: nobody) -> seats per seat type
    for (let i = 0; i < n; i++) {
      const t = TYPE[i];
      if (t >= k) continue;
      const r = rows[t];
      // Seats not for sale are nobody's to allot: not "Unallotted", and
      // counted apart from the seats of the type, as the header does.
      if (TAKEN[i] === BLOCKED) { r.blocked++; continue; }
      r.total++;
      let g = grid.get(OWN[i]);
      if (!g) { g = new Uint32Array(k); grid.set(OWN[i], g); }
      g[t]++;
      if (TAKEN[i] === HELD) r.held++;
      else if (TAKEN[i] === SOLD) r.sold++;
      if (OWN[i]) { r.allotted++; perOwner.set(OWN[i], (perOwner.get(OWN[i]) || 0) + 1); }
      if (sel[i]) r.selected++;
      else if (!OWN[i] && !TAKEN[i]) r.selectable++;
    }
    return { rows, perOwner, grid };
  }

  function cell(tag, text, attrs) {
    const e = document.createElement(tag);
    e.textContent = text;
    if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  // Selected and selectable seats per seat type: one pass over typed arrays.
  function renderSelectionCounts() {
    const k = map.seat_types.length;
    const selected = new Uint32Array(k + 1), selectable = new Uint32Array(k + 1);
    for (let i = 0; i < n; i++) {
      const t = TYPE[i];
      if (sel[i]) selected[t]++;
      else if (!OWN[i] && !TAKEN[i]) selectable[t]++;
    }
    let allSelected = 0, allSelectable = 0;
    map.seat_types.forEach((t, j) => {
      allSelected += selected[j]; allSelectable += selectable[j];
      const tr = $('counts').querySelector('tbody tr[data-seat-type="' + t.id + '"]');
      if (!tr) return;
      tr.querySelector('[data-count="selected"]').textContent = selected[j].toLocaleString('en');
      tr.querySelector('[data-count="selectable"]').textContent = selectable[j].toLocaleString('en');
    });
    const foot = $('counts').tFoot;
    foot.querySelector('[data-count="selected"]').textContent = allSelected.toLocaleString('en');
    foot.querySelector('[data-count="selectable"]').textContent = allSelectable.toLocaleString('en');
    showUndo();
  }

  let countsShown = -1; // the data (layerEpoch) the tables show

  function renderCounts() {
    countsShown = layerEpoch;
    const { rows, perOwner, grid } = counts();
    const body = $('counts').tBodies[0];
    body.replaceChildren();
    const total = { total: 0, selected: 0, selectable: 0, allotted: 0, held: 0, sold: 0, blocked: 0 };
    for (const r of rows) total.blocked += r.blocked;
    // A column for the seats not for sale, when the venue has some.
    const headRow = $('counts').tHead.rows[0];
    const blockedHead = headRow.querySelector('[data-col="blocked"]');
    if (total.blocked && !blockedHead) {
      headRow.append(cell('th', 'Not for sale', { scope: 'col', 'data-col': 'blocked', title: 'Seats drawn on the map but not for sale: counted in no other column' }));
    } else if (!total.blocked && blockedHead) blockedHead.remove();
    const blockedCell = (v) => (total.blocked ? [cell('td', v.toLocaleString('en'), { 'data-count': 'blocked' })] : []);
    map.seat_types.forEach((t, i) => {
      const r = rows[i];
      if (!r.total && !r.blocked) return;
      for (const key of Object.keys(total)) if (key !== 'blocked') total[key] += r[key];
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
        cell('td', r.total.toLocaleString('en'), { 'data-count': 'total' }),
        cell('td', r.selected.toLocaleString('en'), { 'data-count': 'selected' }),
        cell('td', r.selectable.toLocaleString('en'), { 'data-count': 'selectable' }),
        cell('td', r.allotted.toLocaleString('en'), { 'data-count': 'allotted' }),
        cell('td', r.held.toLocaleString('en'), { 'data-count': 'held' }),
        cell('td', r.sold.toLocaleString('en'), { 'data-count': 'sold' }),
        ...blockedCell(r.blocked));
      body.append(tr);
    });
    const foot = $('counts').tFoot;
    foot.replaceChildren();
    const tr = document.createElement('tr');
    tr.dataset.seatType = 'all';
    tr.append(cell('td', 'All'),
      cell('td', total.total.toLocaleString('en'), { 'data-count': 'total' }),
      cell('td', total.selected.toLocaleString('en'), { 'data-count': 'selected' }),
      cell('td', total.selectable.toLocaleString('en'), { 'data-count': 'selectable' }),
      cell('td', total.allotted.toLocaleString('en'), { 'data-count': 'allotted' }),
      cell('td', total.held.toLocaleString('en'), { 'data-count': 'held' }),
      cell('td', total.sold.toLocaleString('en'), { 'data-count': 'sold' }),
      ...blockedCell(total.blocked));
    foot.append(tr);
    const list = $('allotments');
    list.replaceChildren();
    for (const d of map.distributors) {
      const li = document.createElement('li');
      li.dataset.distributor = String(d.id);
      // Its shape in its colour, as on the map and in the legend.
      const sw = ownerIcon(d);
      const count = perOwner.get(d.id) || 0;
      let places = 0;
      for (const a of map.areas || []) for (const sh of a.shares) if (sh.owner === d.id) places += sh.available + sh.held + sh.sold;
      li.append(sw, d.name + ': ', cell('span', count.toLocaleString('en'), { 'data-count': 'allotted' }), count === 1 ? ' seat ' : ' seats ',
        ...(places ? [cell('span', 'and ' + places.toLocaleString('en') + ' standing places ', { 'data-count': 'standing' })] : []));
      const b = cell('button', 'Select', { type: 'button', 'aria-label': 'Select the seats of ' + d.name });
      b.addEventListener('click', () => select((i) => OWN[i] === d.id, currentOp()));
      li.append(b);
      list.append(li);
    }
    renderOwners(grid);
    renderLegend();
    renderAreas();
    showUndo();
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
      // An owner a line (page.css): the column fits beside the others.
      const owners = cell('td', '', { 'data-count': 'owners' });
      parts.forEach((t, k) => owners.append(cell('span', t + (k < parts.length - 1 ? ', ' : ''))));
      tr.append(cell('th', a.name, { scope: 'row' }),
        cell('td', a.capacity.toLocaleString('en'), { 'data-count': 'capacity' }),
        cell('td', held.toLocaleString('en'), { 'data-count': 'held' }),
        cell('td', sold.toLocaleString('en'), { 'data-count': 'sold' }),
        owners);
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

  // `selectionOnly`: only the selection changed, so only the selected and
  // selectable counts are worked out again and written into the tables
  // already there (rebuilding the side panel costs a layout per step).
  function refresh(selectionOnly) {
    if (selectionOnly && countsShown === layerEpoch) renderSelectionCounts();
    else renderCounts();
    if (hovered >= 0 && hovered < n) $('hover').textContent = describe(hovered);
    // A tooltip on screen says what is true now (a move of places or a
    // reload changed the counts it shows).
    // So does the line under the map when it describes a standing area.
    if (tipAt) {
      const area = tipAt.area ? (map.areas || []).find((a) => a.id === tipAt.area.id) : null;
      if (area && hovered < 0) $('hover').textContent = describeArea(area);
      if (!$('tip').hidden && tipAt.i < n && (tipAt.i >= 0 || area)) showTip(tipAt.i, tipAt.px, tipAt.py, area);
    }
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
    showUndo();
  }

  // The Undo button names the step it takes back: a selection, an
  // allotment, a split or a move of places.
  function showUndo() {
    const b = $('undo');
    const step = undo[undo.length - 1];
    b.disabled = !step || b.dataset.busy === '1';
    // A step of selecting says so apart from the allotments': "Undo
    // selection" once read as taking back an allotment.
    b.textContent = !step ? 'Undo' : step.kind === 'select' ? (step.cleared ? 'Reselect cleared seats' : 'Undo selection change')
      : 'Undo ' + (step.what || 'allotment');
  }

  // Apply `op` to every cell matching `pred`; sold seats are never selected.
  // `what` names the seats in the status line ("unallotted").
  function select(pred, op, quiet, what) {
    if (!map) return 0;
    selChanges++;
    pushUndo({ kind: 'select', prev: sel.slice() });
    if (op === 'replace') sel.fill(0);
    let hit = 0, changed = 0;
    const on = op === 'remove' ? 0 : 1;
    // Seats the shape or control took in that cannot be selected: counted
    // by state (sold, held, not for sale) for the status line.
    const left = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      if (TAKEN[i]) { if (on && pred(i)) left[TAKEN[i]]++; continue; }
      if (!pred(i)) continue;
      if (sel[i] !== on) changed++;
      sel[i] = on;
      hit++;
    }
    clearError();
    refresh(true);
    if (!quiet) {
      // Adding or removing says what changed, not what the shape covered.
      let total = 0;
      if (op !== 'replace') for (let i = 0; i < n; i++) total += sel[i];
      const already = hit - changed;
      const verb = op === 'remove' ? 'Removed ' : op === 'add' ? 'Added ' : 'Selected ';
      const were = already === 1 ? ' was' : ' were';
      const k = op === 'replace' ? hit : changed;
      selectionStatus(verb + (what ? k.toLocaleString('en') + ' ' + what + (k === 1 ? ' seat' : ' seats') : seats(k)) +
        (op !== 'replace' && already ? ' (' + already.toLocaleString('en') + ' more there' + were +
          (op === 'remove' ? ' not selected)' : ' selected already)') : '') + '.' +
        leftOut(left) + (op !== 'replace' ? ' ' + seats(total) + ' in the selection now.' : ''));
    }
    return hit;
  }

  // " 1 sold seat and 2 held seats left out." for the seats a selection
  // step took in but could not select, or "".
  function leftOut(left) {
    const parts = [[left[SOLD], 'sold'], [left[HELD], 'held'], [left[BLOCKED], 'not-for-sale']].filter(([k]) => k)
      .map(([k, what]) => k.toLocaleString('en') + ' ' + what + (k === 1 ? ' seat' : ' seats'));
    if (!parts.length) return '';
    return ' ' + (parts.length > 1 ? parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1] : parts[0]) + ' left out.';
  }

  // What a selection step did. While a change is under way its line
  // stays ("Splitting 40 seats… Meanwhile: selected 3 seats.").
  function selectionStatus(text) {
    setStatus(busyLine ? busyLine + ' Meanwhile: ' + text.charAt(0).toLowerCase() + text.slice(1) : text);
  }

  // Counts the changes of the selection: a change to the center clears the
  // selection it sent only if the organizer did not select meanwhile.
  let selChanges = 0;
  // After a change: the selection it sent is cleared (or `restore` put
  // back), unless the organizer selected meanwhile; then that selection is
  // kept and the returned words say so.
  function afterChange(selAt, restore) {
    if (selChanges === selAt) {
      if (restore) sel = restore; else sel.fill(0);
      return '';
    }
    let k = 0;
    for (let i = 0; i < n; i++) k += sel[i];
    return ' The selection made meanwhile (' + seats(k) + ') is kept.';
  }

  // Whether any seat matches `pred`, and whether one of them is free: the
  // controls say which was wrong before they change the selection (a typo
  // must not empty it).
  function lookUp(pred) {
    let exists = false;
    const why = { sold: 0, held: 0, blocked: 0 };
    for (let i = 0; i < n; i++) {
      if (!pred(i)) continue;
      if (!TAKEN[i]) return { exists: true, free: true };
      exists = true;
      if (TAKEN[i] === HELD) why.held++;
      else if (TAKEN[i] === BLOCKED) why.blocked++;
      else why.sold++;
    }
    // Why none is free, in words: "sold", "2 sold, 1 held for a buyer".
    const parts = [['sold', why.sold], ['held for a buyer', why.held], ['not for sale', why.blocked]].filter((p) => p[1]);
    const reason = parts.length === 1 && parts[0][1] === 1 ? parts[0][0]
      : parts.map(([what, k]) => k.toLocaleString('en') + ' ' + what).join(', ');
    return { exists, free: false, reason };
  }

  function gridAt(px, py) {
    return { x: view.ox + px / view.scale, y: view.oy + py / view.scale };
  }

  // The seat under a point of the canvas: the nearest seat centre within
  // its half size, looked up in the grid of buckets.
  function cellAt(px, py) {
    if (!buckets) return -1;
    const g = gridAt(px, py);
    const bx = Math.floor((g.x - buckets.x0) / buckets.size), by = Math.floor((g.y - buckets.y0) / buckets.size);
    let best = -1, bestD = Infinity;
    for (let y = by - 1; y <= by + 1; y++) {
      if (y < 0 || y >= buckets.h) continue;
      for (let x = bx - 1; x <= bx + 1; x++) {
        if (x < 0 || x >= buckets.w) continue;
        for (let i = buckets.head[y * buckets.w + x]; i >= 0; i = buckets.next[i]) {
          const d = Math.hypot(X[i] - g.x, Y[i] - g.y);
          if (d < bestD) { bestD = d; best = i; }
        }
      }
    }
    return best >= 0 && bestD <= Math.max(0.5, SZ[best] * 0.6) ? best : -1;
  }

  // The standing area drawn under a point of the canvas, if any.
  function areaAt(px, py) {
    if (!hasGeometry) return null;
    const g = gridAt(px, py);
    for (const a of map.areas || []) {
      const p = a.polygon || [];
      let isIn = false;
      for (let k = 0, j = p.length - 1; k < p.length; j = k++) {
        const [xk, yk] = p[k], [xj, yj] = p[j];
        if ((yk > g.y) !== (yj > g.y) && g.x < ((xj - xk) * (g.y - yk)) / (yj - yk) + xk) isIn = !isIn;
      }
      if (isIn && p.length >= 3) return a;
    }
    return null;
  }

  // Its name, places and who has how many of them (and how many of those
  // are still for sale).
  function describeArea(a) {
    const owners = a.shares.filter((sh) => placesOf(sh) > 0).map((sh) =>
      (sh.owner ? (ownerName.get(sh.owner) || 'distributor ' + sh.owner) : 'unallotted') + ' ' +
      placesOf(sh).toLocaleString('en') + ' (' + sh.available.toLocaleString('en') + ' available)');
    return a.name + ' — standing, ' + a.capacity.toLocaleString('en') + ' places — ' + owners.join(', ');
  }

  // A click on a standing area picks it for giving places by number.
  function pickArea(a) {
    $('area-pick').value = String(a.id);
    const free = a.shares.filter((sh) => sh.owner === 0).reduce((k, sh) => k + sh.available, 0);
    $('area-from').value = free ? '0' : $('area-from').value;
    clearError();
    setStatus('Picked ' + a.name + ' (' + a.capacity.toLocaleString('en') + ' standing places, ' +
      free.toLocaleString('en') + ' unallotted): give places under "Standing areas".');
    $('area-count').focus();
    $('area-count').select();
  }

  // Section, row, seat (as printed), seat type, owner and state of a seat.
  function describe(i) {
    const t = typeIndex.get(T[i]);
    let text = blockName(B[i]) + ', row ' + rowLabel(i) + ', seat ' + seatLabel(i) +
      ' — ' + (t === undefined ? 'type ' + T[i] : map.seat_types[t].name);
    if (FLAGS[i] & ACCESSIBLE) text += ' — accessible place';
    if (FLAGS[i] & COMPANION) text += ' — companion seat';
    text += ' — ' + (OWN[i] ? 'allotted to ' + (ownerName.get(OWN[i]) || OWN[i]) : 'unallotted');
    if (TAKEN[i] === HELD) text += ' — held for a buyer';
    else if (TAKEN[i] === BLOCKED) text += ' — not for sale';
    else if (TAKEN[i]) text += ' — sold';
    else text += ' — available';
    if (sel[i]) text += ' — selected';
    return text;
  }

  // The tooltip beside the pointer (or the found seat).
  let tipAt = null; // what the tooltip shows and where, to write it again

  // The view moved: a tooltip pinned to a seat (Find a seat) would point
  // at another place.
  function hideTip() { $('tip').hidden = true; tipAt = null; }

  function showTip(i, px, py, area) {
    const tip = $('tip');
    if (i < 0 && !area) { tip.hidden = true; tipAt = null; return; }
    tipAt = { i, px, py, area };
    tip.textContent = i >= 0 ? describe(i) : describeArea(area);
    tip.hidden = false;
    const wrap = $('canvas-wrap');
    const x = Math.min(px + 14, wrap.clientWidth - tip.offsetWidth - 4);
    const y = py + 18 + tip.offsetHeight > wrap.clientHeight ? py - tip.offsetHeight - 10 : py + 18;
    tip.style.left = Math.max(0, x) + 'px';
    tip.style.top = Math.max(0, y) + 'px';
  }

  let drag = null;

  // A press on the map starts a drag (a rectangle, or a pan); the map
  // keeps the pointer until it is released, wherever it goes.
  function startDrag(e, fromLegend) {
    found = -1;
    canvas.focus();
    canvas.setPointerCapture(e.pointerId);
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const pan = e.button === 1 || spaceDown || $('pan').getAttribute('aria-pressed') === 'true';
    drag = { pan, px, py, ox: view.ox, oy: view.oy, op: currentOp(e), moved: false, fromLegend };
  }

  canvas.addEventListener('pointerdown', (e) => { if (map) startDrag(e, false); });

  // The legend lies over the map's corner, where a rectangle often starts
  // (Fit leaves that corner empty, beside the venue): a drag that starts on
  // it selects from the map under it, as if the legend were not there. Its
  // summary still folds it, its scroll bar scrolls it, and a click on it
  // changes nothing.
  $('legend').addEventListener('pointerdown', (e) => {
    const l = $('legend');
    if (!map || e.button !== 0 || e.target.closest('summary')) return;
    const r = l.getBoundingClientRect();
    if (e.clientX - r.left >= l.clientLeft + l.clientWidth || e.clientY - r.top >= l.clientTop + l.clientHeight) return;
    e.preventDefault();
    startDrag(e, true);
  });

  canvas.addEventListener('pointermove', (e) => {
    if (!map) return;
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    pointerAt = { x: px, y: py };
    if (!drag) {
      const i = view.scale >= 1.5 ? cellAt(px, py) : -1;
      hovered = i;
      const area = i < 0 ? areaAt(px, py) : null;
      $('hover').textContent = i >= 0 ? describe(i) : area ? describeArea(area) : '\u00a0';
      showTip(i, px, py, area);
      return;
    }
    $('tip').hidden = true;
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
      if (d.fromLegend) return;
      const i = cellAt(px, py);
      const area = i < 0 ? areaAt(px, py) : null;
      if (i >= 0) select((k) => k === i, op);
      else if (area) pickArea(area);
      else if (op === 'replace') select(() => false, 'replace', true);
      return;
    }
    const a = gridAt(d.px, d.py), b = gridAt(px, py);
    const x0 = Math.min(a.x, b.x), x1 = Math.max(a.x, b.x), y0 = Math.min(a.y, b.y), y1 = Math.max(a.y, b.y);
    // A seat is taken when the rectangle reaches into it (most of its
    // half size), so a drag from one seat's centre to another's takes both.
    select((i) => {
      const h = SZ[i] * 0.4;
      return X[i] + h >= x0 && X[i] - h <= x1 && Y[i] + h >= y0 && Y[i] - h <= y1;
    }, op);
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
    const r = canvas.getBoundingClientRect();
    // While the map is partly scrolled out of the window (a short window,
    // 200 % zoom), the wheel scrolls the page, so the map never traps it;
    // Ctrl+wheel (and a pinch) still zooms.
    if (!e.ctrlKey && (r.top < -1 || r.bottom > window.innerHeight + 1)) return;
    e.preventDefault();
    zoomAt(e.clientX - r.left, e.clientY - r.top, e.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });

  // The legend is open while the whole venue is in view (Fit leaves it its
  // room) and folds when the organizer zooms in, where it would cover seats
  // and row labels; once the organizer opens or folds it, it stays so.
  // (A click on its summary, by pointer or keyboard, is the organizer's
  // choice; the toggle event is not, as the page's own changes fire it too.)
  let legendChosen = false;
  $('legend').querySelector('summary').addEventListener('click', () => { legendChosen = true; });
  function autoLegend(open) {
    const l = $('legend');
    if (!legendChosen && l.open !== open) l.open = open;
  }

  function zoomAt(px, py, factor) {
    hideTip();
    if (factor > 1) autoLegend(false);
    const g = gridAt(px, py);
    view.scale = Math.min(80, Math.max(0.05, view.scale * factor));
    view.ox = g.x - px / view.scale;
    view.oy = g.y - py / view.scale;
    requestDraw();
  }

  function zoomCentre(factor) { zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, factor); }

  // Where the pointer is on the map while it is over it (else null): the
  // keys + and - zoom around it there, else around the map's centre (the
  // toolbar's buttons, under the pointer themselves, always the centre).
  let pointerAt = null;
  function zoomKey(factor) {
    if (pointerAt) zoomAt(pointerAt.x, pointerAt.y, factor); else zoomCentre(factor);
  }

  // The keyboard's seat cursor: arrow keys move it to the nearest seat in
  // that direction (the view follows), Enter toggles that seat, Shift+Enter
  // adds its row; Ctrl+arrows pan.
  let cursor = -1;
  // The seat the last search found (ringed on the map), or -1.
  let found = -1;

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
        // Seats of a curved row are not in a straight line: a step must
        // go at least a third of a seat that way.
        if ((dx && ddx * dx < 0.3) || (dy && ddy * dy < 0.3)) continue;
        const score = dx ? Math.abs(ddx) + 4 * Math.abs(ddy) : Math.abs(ddy) + 4 * Math.abs(ddx);
        if (score < bestScore) { bestScore = score; best = i; }
      }
      if (best < 0) return;
    }
    cursor = best;
    const px = (X[cursor] - view.ox) * view.scale, py = (Y[cursor] - view.oy) * view.scale;
    if (px < view.scale || py < view.scale || px > canvas.clientWidth - view.scale || py > canvas.clientHeight - view.scale) {
      view.ox = X[cursor] - canvas.clientWidth / 2 / view.scale;
      view.oy = Y[cursor] - canvas.clientHeight / 2 / view.scale;
    }
    hovered = cursor;
    $('hover').setAttribute('aria-live', 'polite');
    $('hover').textContent = describe(cursor);
    // The tooltip follows the cursor, beside the seat and clear of it.
    const clear = Math.max(8, SZ[cursor] * view.scale * 1.1) + 4;
    showTip(cursor, (X[cursor] - view.ox) * view.scale + clear, (Y[cursor] - view.oy) * view.scale + clear);
    requestDraw();
  }

  // Centre the view on a seat, zoomed in to at least `scale`, with the
  // keyboard cursor on it and the tooltip beside it (below and to the
  // right of the seat, clear of it).
  function focusSeat(i, scale) {
    autoLegend(false);
    resize();
    view.scale = Math.max(view.scale, scale || 24);
    view.ox = X[i] - canvas.clientWidth / 2 / view.scale;
    view.oy = Y[i] - canvas.clientHeight / 2 / view.scale;
    cursor = i;
    hovered = i;
    $('hover').textContent = describe(i);
    draw();
    const clear = Math.max(8, SZ[i] * view.scale * 1.1) + 4;
    showTip(i, canvas.clientWidth / 2 + clear, canvas.clientHeight / 2 + clear);
  }

  // Find a seat by its printed block, row and seat labels.
  function findSeat() {
    const block = Number($('find-block').value);
    const row = $('find-row').value.trim().toLowerCase();
    const seat = $('find-seat').value.trim().toLowerCase();
    if (!row || !seat) { showError('Give the row and the seat as printed on the ticket, e.g. row K, seat 12.'); return; }
    for (let k = 0; k + 1 < rowStarts.length; k++) {
      const first = rowStarts[k];
      if (B[first] !== block || rowLabel(first).toLowerCase() !== row) continue;
      for (let i = first; i < rowStarts[k + 1]; i++) {
        if (seatLabel(i).toLowerCase() !== seat) continue;
        clearError();
        found = i;
        // The form may be below the map (a narrow or zoomed window).
        $('canvas-wrap').scrollIntoView({ block: 'nearest' });
        focusSeat(i, 24);
        setStatus('Found ' + blockName(block) + ', row ' + rowLabel(i) + ', seat ' + seatLabel(i) + '.');
        return;
      }
    }
    setStatus('');
    // The last search's seat is no longer the answer: no ring, no tooltip.
    hideTip();
    found = -1;
    requestDraw();
    const rowText = $('find-row').value.trim(), seatText = $('find-seat').value.trim();
    const r = rowByLabel(block, rowText);
    if (!r) { showError(blockName(block) + ' has no row "' + rowText + '". Give the row as printed on the ticket, e.g. K.'); return; }
    showError('Row ' + rowText + ' of ' + blockName(block) + ' has no seat "' + seatText + '"' + printedRange(block, r) + '.');
  }

  // " (its seats are printed 101 to 112)" for a row of a block, or "".
  function printedRange(block, row) {
    for (let k = 0; rowStarts && k + 1 < rowStarts.length; k++) {
      const first = rowStarts[k];
      if (B[first] === block && R[first] === row) return ' (its seats are printed ' + seatLabel(first) + ' to ' + seatLabel(rowStarts[k + 1] - 1) + ')';
    }
    return '';
  }
  $('find-form').addEventListener('submit', (e) => { e.preventDefault(); findSeat(); });

  // Another token (another organizer, or a mistyped one).
  $('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    map = null;
    showLogin('Enter the organizer token to use.');
  });

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
      '0': () => fit(), Escape: () => clearSelection(),
    };
    const f = keys[e.key];
    if (!f) return;
    e.preventDefault();
    f();
    requestDraw();
  });
  canvas.addEventListener('blur', requestDraw);

  // Where typing goes (a text or number field, a list): keys are its own there.
  function typing(el) {
    if (!el) return false;
    if (el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement || el.isContentEditable) return true;
    return el instanceof HTMLInputElement && !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color'].includes(el.type);
  }
  // Whether the pointer is over the map (its canvas or what lies on it).
  let overMap = false;
  $('canvas-wrap').addEventListener('pointerenter', () => { overMap = true; });
  $('canvas-wrap').addEventListener('pointerleave', () => { overMap = false; });

  // + (or =) and - zoom wherever the focus is, but in a field that takes
  // them as text: after a click on Fit or another button the focus is on
  // the button, and the keys once did nothing there. Space held pans when
  // the map has the focus or the pointer is over it; it then never
  // presses the focused button or ticks the focused box (a held Space
  // once pressed the last button clicked, and the drag that followed
  // replaced the selection).
  let spaceTaken = false;
  window.addEventListener('keydown', (e) => {
    if (!map || $('app').hidden) return;
    const inField = typing(document.activeElement);
    if (e.key === ' ' && !inField && (document.activeElement === canvas || overMap)) {
      spaceDown = true; spaceTaken = true; canvas.classList.add('panning'); e.preventDefault();
      return;
    }
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !(e.target instanceof HTMLInputElement)) { e.preventDefault(); doUndo(); return; }
    if (inField || e.ctrlKey || e.metaKey || e.altKey) return;
    const zoom = { '+': 1.25, '=': 1.25, '-': 0.8, '\u2212': 0.8 }[e.key];
    if (!zoom) return;
    e.preventDefault();
    zoomKey(zoom);
  });
  window.addEventListener('keyup', (e) => {
    if (e.key !== ' ') return;
    spaceDown = false;
    canvas.classList.remove('panning');
    // The button's own press comes with the key's release: not this time.
    if (spaceTaken) { spaceTaken = false; e.preventDefault(); }
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
  // The seats still to hand out: nobody's, and not sold, held or not for
  // sale (select leaves those out). In the selecting mode, like the
  // other controls that pick seats for the organizer.
  $('select-unallotted').addEventListener('click', () => select((i) => !OWN[i], currentOp(), false, 'unallotted'));
  $('clear').addEventListener('click', () => clearSelection());
  // Clear the selection; Undo then offers the cleared seats back.
  function clearSelection() {
    const before = selChanges;
    select(() => false, 'replace');
    const step = undo[undo.length - 1];
    if (selChanges !== before && step && step.kind === 'select') { step.cleared = true; showUndo(); }
  }
  // Opening or closing the legend keeps a fitted view clear of it.
  $('legend').addEventListener('toggle', () => {
    if (map && fittedView && fittedView.scale === view.scale && fittedView.ox === view.ox && fittedView.oy === view.oy &&
      fittedView.legendOpen !== $('legend').open) fit();
  });
  $('colour-by').addEventListener('change', () => { stale(); renderLegend(); requestDraw(); });
  // Off the map, the hover line no longer describes the last seat under
  // the pointer (the keyboard's cursor, when the map has the focus, is
  // described when it moves).
  canvas.addEventListener('pointerleave', () => {
    $('tip').hidden = true; pointerAt = null; hovered = -1;
    if (!drag) $('hover').textContent = '\u00a0';
  });
  $('reload').addEventListener('click', () => load(false));

  function pickedBlock() { return Number($('pick-block').value); }
  $('select-block').addEventListener('click', () => {
    const b = pickedBlock();
    select((i) => B[i] === b, currentOp());
  });
  // The row of block `b` printed as `text` (as on the tickets and the map,
  // like "Find a seat"): its row number, or 0.
  function rowByLabel(b, text) {
    const want = text.trim().toLowerCase();
    if (!want) return 0;
    for (let k = 0; k + 1 < rowStarts.length; k++) {
      const first = rowStarts[k];
      if (B[first] === b && rowLabel(first).toLowerCase() === want) return R[first];
    }
    return 0;
  }

  $('select-row').addEventListener('click', () => {
    const b = pickedBlock(), text = $('pick-row').value.trim();
    const r = rowByLabel(b, text);
    if (!r) { showError(blockName(b) + ' has no row "' + text + '". Give the row as printed, e.g. K. The selection is unchanged.'); return; }
    const pred = (i) => B[i] === b && R[i] === r;
    const inRow = lookUp(pred);
    if (!inRow.free) { showError('Row ' + text + ' of ' + blockName(b) + ' has no free seat (' + inRow.reason + '). The selection is unchanged.'); return; }
    select(pred, currentOp());
  });
  $('select-seat').addEventListener('click', () => {
    const b = pickedBlock(), text = $('pick-row').value.trim(), given = $('pick-number').value.trim();
    const r = rowByLabel(b, text);
    if (!r) { showError(blockName(b) + ' has no row "' + text + '". Give the row as printed, e.g. K. The selection is unchanged.'); return; }
    const pred = (i) => B[i] === b && R[i] === r && seatLabel(i).toLowerCase() === given.toLowerCase();
    const found = lookUp(pred);
    if (!found.exists) {
      showError('Row ' + text + ' of ' + blockName(b) + ' has no seat "' + given + '"' + printedRange(b, r) + '. The selection is unchanged.');
      return;
    }
    if (!found.free) { showError('Seat ' + given + ' in row ' + text + ' of ' + blockName(b) + ' is ' + found.reason + '. The selection is unchanged.'); return; }
    select(pred, currentOp());
  });

  // ---- allotting -----------------------------------------------------------------------

  function selectedCells() {
    const out = [];
    for (let i = 0; i < n; i++) if (sel[i]) out.push(i);
    return out;
  }

  // Seats already allotted to someone other than `to` need the move box
  // ticked. The owners this tab shows may be out of date (another tab or
  // session moved seats since): before naming them, read them again.
  async function checkOthers(cells, to) {
    if ($('move').checked) return true;
    const others = () => cells.filter((i) => OWN[i] && OWN[i] !== to);
    if (!others().length) return true;
    try {
      await reloadOwners();
    } catch (e) {
      if (e.message !== 'not signed in') showError('Could not read the seats\' owners again: ' + e.message);
      return false;
    }
    refresh();
    const now = others();
    if (!now.length) return true;
    const names = [...new Set(now.map((i) => ownerName.get(OWN[i]) || OWN[i]))].join(', ');
    showError(seats(now.length) + ' of the selection ' + (now.length === 1 ? 'is' : 'are') + ' already allotted to ' + names +
      '. Remove them from the selection, or tick "Move seats already allotted to other distributors". Nothing was changed.');
    return false;
  }

  async function assign() {
    startAction();
    const cells = selectedCells();
    if (!cells.length) { showError('Select seats first.'); return; }
    const d = Number($('distributor').value);
    if (!d) { showError('The event has no distributor selected yet.'); return; }
    // Seats this tab shows as the distributor's already: still sent (the
    // center refuses the change if this tab is out of date), and counted
    // apart in the status.
    const already = cells.filter((i) => OWN[i] === d).length;
    if (!await checkOthers(cells, d)) return;
    busy(true);
    const selAt = selChanges;
    progress('Assigning ' + seats(cells.length) + ' to ' + (ownerName.get(d) || d) + '…');
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
    const kept = afterChange(selAt);
    clearError();
    refresh();
    const name = ownerName.get(d) || d;
    setStatus((already === cells.length
      ? 'The ' + seats(cells.length) + ' selected ' + (cells.length === 1 ? 'was' : 'were') + ' ' + name + '\'s already: nothing changed.'
      : 'Assigned ' + seats(cells.length - already) + ' to ' + name +
        (already ? ' (' + already.toLocaleString('en') + ' of the selection ' + (already === 1 ? 'was' : 'were') + ' ' + name + '\'s already).' : '.')) + kept);
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
    stale();
    map.areas = answer.areas;
    version = answer.version;
  }

  // The center splits the selection per seat type by the largest remainder
  // (each share sitting together) and applies it in one transaction.
  async function split() {
    startAction();
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
    if (!await checkOthers(cells, -1)) return;
    const prev = cells.map((i) => [i, OWN[i]]);
    busy(true);
    const selAt = selChanges;
    progress('Splitting ' + seats(cells.length) + '…');
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
    if (undoable) pushUndo({ kind: 'allot', what: 'split', prev: moved, after: new Map(moved.map(([i]) => [i, OWN[i]])), sel: sel.slice() });
    const kept = afterChange(selAt);
    clearError();
    refresh();
    const got = new Map(done.shares);
    const per = shares.map((s) => (ownerName.get(s.distributor) || s.distributor) + ' ' + (got.get(s.distributor) || 0).toLocaleString('en')).join(', ');
    setStatus('Split ' + seats(done.split) + ': ' + per + '.' +
      (done.skipped ? ' ' + seats(done.skipped) + ' sold or held meanwhile ' + (done.skipped === 1 ? 'was left as it is.' : 'were left as they are.') : '') +
      (undoable ? '' : ' Others changed allotments meanwhile, so Undo does not reach this split.') + kept);
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
    startAction();
    const area = Number($('area-pick').value);
    const countText = $('area-count').value.trim();
    if (!/^\d{1,7}$/.test(countText)) {
      showError('The number of places is a whole number from 1 up to the available places of their owner: "' + countText + '". Nothing was changed.');
      return;
    }
    const count = Number(countText);
    const from = Number($('area-from').value);
    const to = Number($('area-to').value);
    const a = (map.areas || []).find((x) => x.id === area);
    if (!a) { showError('Choose a standing area.'); return; }
    if (count < 1) { showError('Give the number of places to move (1 or more).'); return; }
    if (from === to) { showError('Choose another distributor than the places\' owner.'); return; }
    const availableNow = () => {
      const now = (map.areas || []).find((x) => x.id === area);
      const share = now && now.shares.find((sh) => sh.owner === from);
      return share ? share.available : 0;
    };
    // This tab's counts may be out of date (places moved or sold in
    // another tab or session since): before refusing, read them again.
    if (count > availableNow()) {
      try {
        await reloadOwners();
      } catch (e) {
        if (e.message !== 'not signed in') showError('Could not read the places\' owners again: ' + e.message);
        return;
      }
      refresh();
      const have = availableNow();
      if (count > have) {
        showError((from ? (ownerName.get(from) || 'Distributor ' + from) : 'Unallotted') + ' has ' + have.toLocaleString('en') +
          ' available places in ' + a.name + ' (sold and held places stay); ' + count.toLocaleString('en') +
          ' asked for. Nothing was changed.');
        return;
      }
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
    // Places are counted, not numbered: Undo moves as many back.
    pushUndo({ kind: 'places', what: 'move of places', area, name: a.name, count, from, to });
    clearError();
    refresh();
    setStatus('Moved ' + count.toLocaleString('en') + ' places of ' + a.name + ' to ' +
      (to ? (ownerName.get(to) || to) : 'unallotted') + '.');
  }

  // Undo a move of standing places: as many places back to their owner,
  // refused (and dropped) when the receiver no longer has that many.
  async function undoPlaces(step) {
    const places = step.count.toLocaleString('en') + ' places of ' + step.name;
    busy(true);
    progress('Undoing the move of ' + places + '…');
    try {
      const done = await api('POST', '/v1/events/' + encodeURIComponent(eventId) + '/allotments/selection', {
        distributor: step.from || null,
        seats: [{ area: { area: step.area, count: step.count } }],
        from: [step.to || null],
      });
      version = done.version;
      await reloadOwners();
    } catch (e) {
      failed(e, 'This move can no longer be undone, and Undo skips it: ');
      return;
    } finally { busy(false); }
    clearError();
    refresh();
    setStatus('Undid the move of ' + places + ' (back to ' +
      (step.from ? (ownerName.get(step.from) || step.from) : 'unallotted') + ').');
  }

  async function doUndo() {
    // One change at a time (Ctrl+Z while a change is under way).
    if ($('undo').dataset.busy === '1') return;
    const step = undo.pop();
    if (!step) return;
    if (step.kind === 'select') {
      selChanges++;
      sel = step.prev;
      clearError();
      refresh(true);
      setStatus('Undid the last selection step.');
      return;
    }
    if (step.kind === 'places') return undoPlaces(step);
    busy(true);
    const selAt = selChanges;
    progress('Undoing the ' + (step.what || 'allotment') + ' of ' + seats(step.prev.length) + '…');
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
    const kept = afterChange(selAt, step.sel);
    clearError();
    refresh();
    setStatus('Undid the ' + (step.what || 'allotment') + ' of ' + seats(step.prev.length) + '.' + kept);
  }

  // A refused change changed nothing (the center applies a request whole or
  // not at all); reload to show what changed meanwhile (e.g. seats sold).
  async function failed(e, prefix) {
    if (e.message === 'not signed in') return;
    let text = e.message;
    if (e.code === 'allotment_changed') {
      // The center's advice is for API clients; the page has just done it.
      text = text.replace(/; nothing was changed: reload the seats[^(]*/, ' ') +
        '. Another tab or session changed these seats since this page loaded them, so nothing was changed. ' +
        'The map now shows their owners as they are' + (prefix ? '.' : ': check them and try again.');
    }
    const message = (prefix || '') + 'The center refused the change: ' + text;
    await load(false);
    showError(message);
  }

  $('assign').addEventListener('click', assign);
  $('split').addEventListener('click', split);
  $('undo').addEventListener('click', doUndo);
  $('area-move').addEventListener('click', moveArea);

  // ---- messages ------------------------------------------------------------------------

  // The line of the change under way, kept at the front of the status
  // line while the organizer selects meanwhile.
  let busyLine = '';
  function progress(text) { busyLine = text; setStatus(text); }
  function busy(on) {
    if (!on) busyLine = '';
    for (const id of ['assign', 'split', 'area-move']) $(id).disabled = on;
    $('undo').dataset.busy = on ? '1' : '';
    showUndo();
  }
  function showError(text) { const e = $('error'); e.textContent = text; e.hidden = false; }
  function clearError() { const e = $('error'); e.textContent = ''; e.hidden = true; }
  function setStatus(text) { $('status').textContent = text; }

  // A new change starts: the last change's line and error are no longer the
  // news, whatever this one says next (a refusal, its progress, its result).
  function startAction() { setStatus(''); clearError(); }

  window.addEventListener('resize', () => { fitPane(); requestDraw(); });

  // The map's height: as styled (most of the window), but never so tall
  // that the status line and the actions under it (Assign, the split) are
  // out of the window while the map is in it. At 200 % zoom, or in an 800
  // px window, Assign once lay below the window's edge and the split box
  // past it. Beside the side pane (a wide window), the map and its actions
  // stay in the window while the side pane scrolls (sticky), so Select
  // block or Find and zoom at the foot of the side pane keep the map in view.
  function fitPane() {
    const wrap = $('canvas-wrap'), pane = $('map-pane'), side = $('side');
    if ($('app').hidden) return;
    const beside = Math.abs(pane.offsetTop - side.offsetTop) < 2;
    $('app').classList.toggle('beside', beside);
    wrap.style.height = '';
    const styled = wrap.offsetHeight, H = window.innerHeight;
    // The status line counted as one line and the error box not at all:
    // what they say must not change the map's size (the view would move).
    const err = $('error'), st = $('status');
    const extra = Math.max(0, st.offsetHeight - (parseFloat(getComputedStyle(st).minHeight) || 0)) + (err.hidden ? 0 : err.offsetHeight);
    const below = $('actions').getBoundingClientRect().bottom - wrap.getBoundingClientRect().bottom - extra;
    const above = wrap.getBoundingClientRect().top - pane.getBoundingClientRect().top;
    // With the map's top at the window's (or, beside, the pane's top).
    let want = Math.min(styled, H - below - (beside ? above : 0) - 8);
    // From the page's top, when that leaves the map 300 px or more (an
    // 800 px window: 62 % of it left Assign on the edge, the split below).
    const fromTop = H - (wrap.getBoundingClientRect().top + window.scrollY) - below - 8;
    // (Beside the side pane the sticky pane already fits the window.)
    if (!beside && fromTop >= Math.min(300, 0.75 * want)) want = Math.min(want, fromTop);
    want = Math.max(150, Math.round(want));
    if (want !== styled) wrap.style.height = want + 'px';
  }

  // After Select block, row or seat and Find and zoom, the map is in view
  // (on a narrow screen the side pane is below it): the organizer sees
  // what they did.
  function keepMapInView() {
    const r = $('canvas-wrap').getBoundingClientRect();
    if (r.top >= 0 && r.bottom <= window.innerHeight) return;
    $('canvas-wrap').scrollIntoView({ block: 'start' });
  }
  for (const id of ['select-block', 'select-row', 'select-seat']) $(id).addEventListener('click', keepMapInView);
  $('find-form').addEventListener('submit', keepMapInView);
  if ('ResizeObserver' in window) new ResizeObserver(requestDraw).observe($('canvas-wrap'));

  // The test and the timing run read the geometry through this.
  window.seatPage = {
    cellCentre(block, row, number) {
      for (let i = 0; i < n; i++) {
        if (B[i] === block && R[i] === row && N[i] === number) {
          const r = canvas.getBoundingClientRect();
          return { x: r.left + (X[i] - view.ox) * view.scale, y: r.top + (Y[i] - view.oy) * view.scale };
        }
      }
      return null;
    },
    zoomTo(scale, gx, gy) { view.scale = scale; view.ox = gx; view.oy = gy; draw(); },
    // Centre the view on a seat at a scale (pixels per venue unit).
    zoomToSeat(block, row, number, scale) {
      for (let i = 0; i < n; i++) if (B[i] === block && R[i] === row && N[i] === number) { focusSeat(i, scale); return true; }
      return false;
    },
    // A seat's drawn size on screen (CSS pixels).
    seatSize(block, row, number) {
      for (let i = 0; i < n; i++) if (B[i] === block && R[i] === row && N[i] === number) return SZ[i] * view.scale;
      return null;
    },
    // The window positions of a block's seat centres.
    seatsOf(block) {
      const r = canvas.getBoundingClientRect();
      const out = [];
      for (let i = 0; i < n; i++) if (B[i] === block) out.push({ x: r.left + (X[i] - view.ox) * view.scale, y: r.top + (Y[i] - view.oy) * view.scale });
      return out;
    },
    cells() { return n; },
    view() { return { ...view }; },
    // The venue's drawn extent (seats, landmarks, standing areas) and the
    // labels of the last frame, in the window's CSS pixels.
    extent() {
      const r = canvas.getBoundingClientRect();
      return {
        left: r.left + (bounds.x0 - view.ox) * view.scale, top: r.top + (bounds.y0 - view.oy) * view.scale,
        right: r.left + (bounds.x1 - view.ox) * view.scale, bottom: r.top + (bounds.y1 - view.oy) * view.scale,
      };
    },
    labels() {
      const r = canvas.getBoundingClientRect();
      return labelsDrawn.map((l) => ({ left: r.left + l.x, top: r.top + l.y, right: r.left + l.x + l.w, bottom: r.top + l.y + l.h, text: l.text, kind: l.kind }));
    },
    // How many seat centres lie in a box of the window.
    seatsUnder(box) {
      const r = canvas.getBoundingClientRect();
      let k = 0;
      for (let i = 0; i < n; i++) {
        const x = r.left + (X[i] - view.ox) * view.scale, y = r.top + (Y[i] - view.oy) * view.scale;
        if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) k++;
      }
      return k;
    },
    // The window position of a venue point (e.g. inside a standing area).
    point(x, y) {
      const r = canvas.getBoundingClientRect();
      return { x: r.left + (x - view.ox) * view.scale, y: r.top + (y - view.oy) * view.scale };
    },
    areas() { return (map.areas || []).map((a) => ({ id: a.id, name: a.name, polygon: a.polygon })); },
    landmarks() { return (map.landmarks || []).map((l) => ({ name: l.name, kind: l.kind, polygon: l.polygon })); },
  };

  // On a narrow screen (or at 200 % zoom) the legend starts folded and the
  // overview map hidden so the map stays visible; each opens with one click.
  if (window.innerWidth < 700) {
    autoLegend(false);
    overviewWanted = false;
  }
  $('overview').addEventListener('click', () => {
    overviewWanted = !overviewWanted;
    draw();
  });
  if (token()) load(true); else showLogin();
})();
