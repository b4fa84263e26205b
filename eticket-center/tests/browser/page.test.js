// End-to-end test of the organizer's seat allocation page in Debian's headless
// Chromium, driven by playwright-core. eticket-center/tests/page.rs starts a
// real center on 127.0.0.1 with two seeded events and runs this script with:
//   PAGE_BASE      http://127.0.0.1:<port>
//   PAGE_TOKEN     the organizer's bearer token
//   PAGE_D2_TOKEN  distributor 2's bearer token (sells a seat meanwhile)
//   PAGE_EVENT     the small event (core fixture: 2 blocks of 4 rows x 10 seats)
//   PAGE_STADIUM   the 100,000-seat stadium event
//   PAGE_SHOTS     where the screenshots go (target/page-shots, or docs/page
//                  with ETICKET_WRITE_DOCS=1)
// It prints one line `PAGE_TIMINGS {...}` with the stadium's measured times.
'use strict';
const { chromium } = require('playwright-core');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error('environment variable ' + name + ' is not set');
  return v;
}

const base = env('PAGE_BASE');
const token = env('PAGE_TOKEN');
const d2Token = env('PAGE_D2_TOKEN');
const event = env('PAGE_EVENT');
const stadium = env('PAGE_STADIUM');
const shots = env('PAGE_SHOTS');

async function call(method, p, tok, body) {
  const headers = { Authorization: 'Bearer ' + tok };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Idempotency-Key'] = 'test-' + Math.random().toString(36).slice(2);
  }
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  return { status: res.status, json };
}

// Owner (0 = nobody) and taken flag of a seat, read through the center's API.
async function seatState(ev, block, row, number) {
  const { status, json } = await call('GET', '/v1/events/' + ev + '/seat-map', token);
  assert.equal(status, 200, JSON.stringify(json));
  const c = json.cells;
  for (let i = 0; i < c.x.length; i++) {
    if (c.block[i] === block && c.row[i] === row && c.number[i] === number) {
      return { owner: c.owner[i], taken: c.taken[i] };
    }
  }
  throw new Error('no seat ' + [block, row, number].join('/'));
}

async function ready(page) {
  await page.waitForSelector('#map[data-ready="1"]', { timeout: 120000 });
}

async function count(page, seatType, column) {
  const text = await page.textContent('#counts tr[data-seat-type="' + seatType + '"] [data-count="' + column + '"]');
  return Number(text.replace(/,/g, ''));
}

async function centre(page, block, row, number) {
  const p = await page.evaluate(([b, r, n]) => window.seatPage.cellCentre(b, r, n), [block, row, number]);
  assert.ok(p, 'seat ' + [block, row, number].join('/') + ' is on the map');
  return p;
}

async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 3 });
  await page.mouse.up();
}

async function errorText(page) {
  return (await page.textContent('#error')) || '';
}

async function smallVenue(page) {
  await page.goto(base + '/page/events/' + event);
  // The page loads without a credential and asks for the organizer's token once.
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', token);
  await page.click('#login button[type="submit"]');
  await ready(page);
  assert.equal(await count(page, 'all', 'total'), 80);
  assert.equal(await count(page, '2', 'allotted'), 10, 'block 2 row 1 is seeded for distributor 2');

  // Drag a block of 2 rows x 4 seats in block 1 (Category A).
  await drag(page, await centre(page, 1, 1, 1), await centre(page, 1, 2, 4));
  assert.equal(await count(page, '1', 'selected'), 8);
  assert.equal(await count(page, '1', 'selectable'), 32);
  assert.equal(await count(page, 'all', 'selected'), 8);
  // Shift adds a seat, Alt removes it again.
  const extra = await centre(page, 1, 3, 1);
  await page.keyboard.down('Shift');
  await page.mouse.click(extra.x, extra.y);
  await page.keyboard.up('Shift');
  assert.equal(await count(page, '1', 'selected'), 9);
  await page.keyboard.down('Alt');
  await page.mouse.click(extra.x, extra.y);
  await page.keyboard.up('Alt');
  assert.equal(await count(page, '1', 'selected'), 8);
  await page.screenshot({ path: path.join(shots, 'small-venue-selection.png') });

  // Assign the block to distributor 1.
  await page.selectOption('#distributor', '1');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned 8 seats'));
  assert.equal(await count(page, '1', 'allotted'), 8);

  // After a reload the allotment is still there, in the page and in the center.
  await page.reload();
  await ready(page);
  assert.equal(await count(page, '1', 'allotted'), 8);
  assert.equal(await page.textContent('#allotments li[data-distributor="1"] [data-count="allotted"]'), '8');
  for (const [r, n] of [[1, 1], [1, 4], [2, 1], [2, 4]]) {
    assert.equal((await seatState(event, 1, r, n)).owner, 1, 'seat 1/' + r + '/' + n + ' allotted to distributor 1');
  }
  assert.equal((await seatState(event, 1, 3, 1)).owner, 0);
  await page.screenshot({ path: path.join(shots, 'small-venue-allotted.png') });

  // Meanwhile distributor 2 sells seat 3 of block 2 row 1 (serial 43).
  const sale = await call('POST', '/v1/events/' + event + '/sales', d2Token, { seats: { serials: [43] }, holder: 'paper' });
  assert.equal(sale.status, 200, JSON.stringify(sale.json));
  assert.equal((await seatState(event, 2, 1, 3)).taken, 1, 'serial 43 is seat 2/1/3');

  // Seats of another distributor are refused by the page unless moving is asked for.
  await drag(page, await centre(page, 2, 1, 1), await centre(page, 2, 1, 3));
  assert.equal(await count(page, '2', 'selected'), 3);
  await page.selectOption('#distributor', '1');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('already allotted to Two'));
  // Moving them reaches the center, which refuses the sold seat and changes nothing.
  await page.check('#move');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('seat_unavailable'));
  const message = await errorText(page);
  assert.match(message, /refused the change: block 2 row 1 seat 3 \(ticket 43\) of event \S+ is sold/);
  assert.doesNotMatch(message, /authenticated|Nothing was changed.*nothing was changed/i);
  assert.ok(await page.isVisible('#error'));
  // The sold seat left the selection; the other two stay for another try.
  assert.equal(await count(page, '2', 'selected'), 2);
  assert.match(await page.textContent('#status'), /1 seat sold or held meanwhile left the selection/);
  for (const n of [1, 2]) assert.equal((await seatState(event, 2, 1, n)).owner, 2, 'seat 2/1/' + n + ' still with distributor 2');
  assert.equal(await count(page, '2', 'sold'), 1, 'the page shows the sold seat after the refusal');
  await page.screenshot({ path: path.join(shots, 'small-venue-conflict.png') });

  // Select a row from the controls, assign it, undo the assignment.
  await page.uncheck('#move');
  await page.selectOption('#pick-block', '1');
  await page.fill('#pick-row', '4');
  await page.click('#select-row');
  assert.equal(await count(page, '1', 'selected'), 10);
  await page.selectOption('#distributor', '2');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned 10 seats'));
  assert.equal((await seatState(event, 1, 4, 7)).owner, 2);
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the allotment of 10'));
  assert.equal((await seatState(event, 1, 4, 7)).owner, 0);
  assert.equal(await count(page, '1', 'selected'), 10, 'undo restores the selection too');

  // Select by seat type (keyboard only), then split 1:1 across both distributors.
  await page.focus('#counts tr[data-seat-type="1"] button');
  await page.keyboard.press('Enter');
  assert.equal(await count(page, '1', 'selected'), 40);
  await page.check('#move');
  await page.fill('#ratio-1', '1');
  await page.fill('#ratio-2', '1');
  await page.click('#split');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Split 40 seats'));
  const split = await call('GET', '/v1/events/' + event + '/stats', token);
  assert.equal(split.status, 200);
  const perDistributor = {};
  for (const [d, , c] of split.json.counts) perDistributor[d] = (perDistributor[d] || 0) + c;
  assert.equal(perDistributor[1], 20, JSON.stringify(split.json));
  assert.equal(perDistributor[2], 30, JSON.stringify(split.json));

  // Standing places are listed with their capacity and move by number.
  assert.ok(await page.isVisible('#areas-section'));
  assert.equal(await page.textContent('#areas tr[data-area="1"] [data-count="capacity"]'), '50');
  assert.match(await page.textContent('#subtitle'), /80 seats and 50 standing places/);
  await page.selectOption('#area-pick', '1');
  await page.fill('#area-count', '5');
  await page.selectOption('#area-from', '0');
  await page.selectOption('#area-to', '1');
  await page.click('#area-move');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Moved 5 places'));
  assert.match(await page.textContent('#areas tr[data-area="1"] [data-count="owners"]'), /unallotted 45, One 5/);
  // More places than the owner has: refused, nothing moves.
  await page.fill('#area-count', '6');
  await page.selectOption('#area-from', '1');
  await page.selectOption('#area-to', '2');
  await page.click('#area-move');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('5 available places'));
  assert.match(await page.textContent('#areas tr[data-area="1"] [data-count="owners"]'), /unallotted 45, One 5/);

  // Keyboard: the map takes focus, zooms with + and -, and a seat cursor
  // moved with the arrow keys selects with Enter and adds a row with Shift+Enter.
  await page.focus('#map');
  await page.keyboard.press('Escape');
  assert.equal(await count(page, 'all', 'selected'), 0);
  await page.keyboard.press('+');
  await page.keyboard.press('0');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  assert.equal(await count(page, 'all', 'selected'), 1);
  assert.match(await page.textContent('#hover'), /row \d+, seat \d+ .* selected/);
  await page.keyboard.press('Enter');
  assert.equal(await count(page, 'all', 'selected'), 0);
  await page.keyboard.press('Shift+Enter');
  const row = await count(page, 'all', 'selected');
  assert.ok(row >= 9 && row <= 10, 'Shift+Enter selects the free seats of the cursor seat\'s row: ' + row);
  await page.keyboard.press('Escape');

  // Readable at 200% zoom: a 640 px wide viewport, nothing wider than the page.
  await page.setViewportSize({ width: 640, height: 900 });
  await page.reload();
  await ready(page);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(widths[0] <= widths[1] + 1, 'no horizontal scrolling at 200%: ' + widths);
  assert.ok(await page.isVisible('#assign'));
  await page.screenshot({ path: path.join(shots, 'small-venue-200-percent.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bigVenue(page) {
  const loads = [];
  const fetches = [];
  for (let k = 0; k < 3; k++) {
    await page.goto(base + '/page/events/' + stadium);
    await ready(page);
    loads.push(await page.evaluate(() => window.pageTimings.usableMs));
    fetches.push(await page.evaluate(() => window.pageTimings.fetchMs));
  }
  assert.equal(await count(page, 'all', 'total'), await page.evaluate(() => window.seatPage.cells()));
  assert.ok((await count(page, 'all', 'total')) >= 99900, 'the 100,000-cell stadium less its blocked cells');
  await page.screenshot({ path: path.join(shots, 'stadium-100k.png') });

  // Zoom into the first blocks, then drag rectangles of about 20 rows x 60 seats.
  const drags = [];
  const counted = [];
  await page.click('#zoom-in');
  await page.click('#zoom-in');
  await page.click('#zoom-in');
  for (let k = 0; k < 5; k++) {
    await page.evaluate(() => window.seatPage.zoomTo(6, -2, -2));
    const from = await centre(page, 1, 1, 1 + k);
    const to = await centre(page, 1, 20, 60 + k);
    await drag(page, from, to);
    await page.waitForFunction(() => window.pageTimings.lastDragMs !== null);
    drags.push(await page.evaluate(() => window.pageTimings.lastDragMs));
    counted.push(await page.evaluate(() => window.pageTimings.lastCountsMs));
    await page.evaluate(() => { window.pageTimings.lastDragMs = null; });
  }
  const selected = await count(page, 'all', 'selected');
  assert.ok(selected >= 1000, 'the drag selected ' + selected + ' seats');
  await page.screenshot({ path: path.join(shots, 'stadium-100k-zoomed.png') });
  // Assign the last rectangle through the center's selection allotment.
  await page.selectOption('#distributor', '1');
  const assignStart = Date.now();
  await page.click('#assign');
  await page.waitForFunction((k) => document.getElementById('status').textContent === 'Assigned ' + k + ' seats to One.',
    selected.toLocaleString('en'), { timeout: 120000 });
  const assignMs = Date.now() - assignStart;
  assert.equal(await count(page, 'all', 'allotted'), selected);

  // The whole stadium split 1:1 in one request (runs of seats, the center
  // splits), then undone in one request (runs of seats with their owners).
  await page.click('#select-all');
  const all = await count(page, 'all', 'selected');
  assert.ok(all >= 99900, 'select all took ' + all);
  await page.check('#move');
  await page.fill('#ratio-1', '1');
  await page.fill('#ratio-2', '1');
  const splitStart = Date.now();
  await page.click('#split');
  await page.waitForFunction((k) => document.getElementById('status').textContent.startsWith('Split ' + k + ' seats'),
    all.toLocaleString('en'), { timeout: 120000 });
  const splitMs = Date.now() - splitStart;
  assert.equal(await count(page, 'all', 'allotted'), all);
  const stats = await call('GET', '/v1/events/' + stadium + '/stats', token);
  const per = {};
  for (const [d, , c] of stats.json.counts) per[d] = (per[d] || 0) + c;
  assert.ok(Math.abs(per[1] - per[2]) <= 20, 'a 1:1 split of the stadium: ' + JSON.stringify(per));
  const undoStart = Date.now();
  await page.click('#undo');
  await page.waitForFunction((k) => document.getElementById('status').textContent === 'Undid the allotment of ' + k + ' seats.',
    all.toLocaleString('en'), { timeout: 120000 });
  const undoMs = Date.now() - undoStart;
  assert.equal(await count(page, 'all', 'allotted'), selected, 'the undo gives back the seats assigned before');
  return {
    assign_selection_ms: assignMs,
    split_whole_venue_ms: splitMs,
    undo_whole_venue_ms: undoMs,
    seats: await count(page, 'all', 'total'),
    load_to_usable_ms: loads.map(Math.round),
    seat_map_fetch_ms: fetches.map(Math.round),
    drag_to_counts_painted_ms: drags.map(Math.round),
    drag_to_counts_updated_ms: counted.map(Math.round),
    median_load_ms: Math.round(median(loads)),
    median_drag_ms: Math.round(median(drags)),
    selected_last: selected,
  };
}

// Two tabs on the same event: the one loaded before the other's change
// cannot take the seats that changed; the center refuses the whole change,
// the tab says so and shows the seats as they are now.
async function staleTab(context) {
  const open = async () => {
    const tab = await context.newPage();
    await tab.goto(base + '/page/events/' + event);
    if (await tab.isVisible('#login:not([hidden])')) {
      await tab.fill('#token', token);
      await tab.click('#login button[type="submit"]');
    }
    await ready(tab);
    return tab;
  };
  const pickRow = async (tab, d, row = 3) => {
    await tab.selectOption('#pick-block', '1');
    await tab.fill('#pick-row', String(row));
    await tab.click('#select-row');
    await tab.check('#move');
    await tab.selectOption('#distributor', String(d));
  };
  const assigned = async (tab) => {
    await tab.click('#assign');
    await tab.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned'));
  };
  const first = await open();
  const stale = await open();
  await pickRow(first, 1);
  await pickRow(stale, 2);
  await first.click('#assign');
  await first.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned 10 seats'));
  for (let n = 1; n <= 10; n++) assert.equal((await seatState(event, 1, 3, n)).owner, 1);
  await stale.click('#assign');
  await stale.waitForFunction(() => document.getElementById('error').textContent.includes('allotment_changed'));
  assert.match(await errorText(stale), /do not have the owner this change expected/);
  for (let n = 1; n <= 10; n++) {
    assert.equal((await seatState(event, 1, 3, n)).owner, 1, 'the stale tab took seat 1/3/' + n);
  }
  // After the refusal the stale tab shows the seats as the center has them.
  await stale.uncheck('#move');
  await stale.selectOption('#pick-block', '1');
  await stale.fill('#pick-row', '3');
  await stale.click('#select-row');
  await stale.selectOption('#distributor', '2');
  await stale.click('#assign');
  await stale.waitForFunction(() => document.getElementById('error').textContent.includes('already allotted to One'));
  await first.close();
  await stale.close();

  // Mixed owners: a tab saw row 3 as One's and row 4 as Two's; another tab
  // then moves row 4 to One. The first tab's move of rows 3 and 4 to Two is
  // refused: each seat is compared with the owner this tab saw for it, not
  // with any owner it saw somewhere in the selection.
  const mover = await open();
  await pickRow(mover, 2, 4);
  await assigned(mover);
  const mixed = await open();
  await mover.reload();
  await ready(mover);
  await pickRow(mover, 1, 4);
  await assigned(mover);
  await mixed.selectOption('#pick-block', '1');
  await mixed.fill('#pick-row', '3');
  await mixed.click('#select-row');
  await mixed.check('input[name="mode"][value="add"]');
  await mixed.fill('#pick-row', '4');
  await mixed.click('#select-row');
  await mixed.check('#move');
  await mixed.selectOption('#distributor', '2');
  await mixed.click('#assign');
  await mixed.waitForFunction(() => document.getElementById('error').textContent.includes('allotment_changed'));
  for (const row of [3, 4]) {
    for (let n = 1; n <= 10; n++) {
      assert.equal((await seatState(event, 1, row, n)).owner, 1, 'the stale tab took seat 1/' + row + '/' + n);
    }
  }
  await mixed.close();

  // A split from a stale tab that saw mixed owners: the seats it names
  // changed owner after its version, to an owner it also saw; refused.
  await pickRow(mover, 2, 4);
  await assigned(mover);
  const splitter = await open();
  await mover.reload();
  await ready(mover);
  await pickRow(mover, 2, 3);
  await assigned(mover);
  await splitter.selectOption('#pick-block', '1');
  await splitter.fill('#pick-row', '3');
  await splitter.click('#select-row');
  await splitter.check('input[name="mode"][value="add"]');
  await splitter.fill('#pick-row', '4');
  await splitter.click('#select-row');
  await splitter.check('#move');
  await splitter.fill('#ratio-1', '1');
  await splitter.fill('#ratio-2', '1');
  await splitter.click('#split');
  await splitter.waitForFunction(() => document.getElementById('error').textContent.includes('allotment_changed'));
  for (const row of [3, 4]) {
    for (let n = 1; n <= 10; n++) {
      assert.equal((await seatState(event, 1, row, n)).owner, 2, 'the stale split moved seat 1/' + row + '/' + n);
    }
  }
  // The allotment log tells the two tabs apart and names the undo.
  const log = await call('GET', '/v1/events/' + event + '/allotments/log', token);
  assert.equal(log.status, 200, JSON.stringify(log.json));
  const tabs = new Set(log.json.entries.filter((e) => e.request && e.request.startsWith('page-'))
    .map((e) => e.request.split('-')[1]));
  assert.ok(tabs.size >= 3, 'the log names the tabs: ' + [...tabs]);
  assert.ok(log.json.entries.some((e) => e.operation === 'undo_allotment'), 'the undo is logged as one');
  await splitter.close();

  // An undo over seats another tab moved since is refused and dropped: a
  // second Undo must not take them (it reloads, so it would see the other
  // tab's owner as the one to compare with). The refusal keeps the
  // organizer's distributor choice.
  const undoer = await open();
  await pickRow(undoer, 1, 2);
  await assigned(undoer);
  await mover.reload();
  await ready(mover);
  await mover.selectOption('#pick-block', '1');
  await mover.fill('#pick-row', '2');
  await mover.fill('#pick-number', '1');
  await mover.click('#select-seat');
  await mover.check('#move');
  await mover.selectOption('#distributor', '2');
  await assigned(mover);
  assert.equal((await seatState(event, 1, 2, 1)).owner, 2);
  await undoer.selectOption('#distributor', '2');
  await undoer.click('#undo');
  await undoer.waitForFunction(() => document.getElementById('error').textContent.includes('can no longer be undone'));
  assert.equal(await undoer.inputValue('#distributor'), '2', 'the refusal keeps the distributor picked');
  if (await undoer.isEnabled('#undo')) await undoer.click('#undo');
  await undoer.waitForTimeout(300);
  assert.equal((await seatState(event, 1, 2, 1)).owner, 2, 'a second undo took the other tab\'s seat');
  for (let n = 2; n <= 10; n++) assert.equal((await seatState(event, 1, 2, n)).owner, 1);
  await undoer.close();
  await mover.close();

  // A split from a tab loaded before a seat of its selection was held: the
  // center leaves the held seat as it is and says so; the page says so
  // too, and the split's undo leaves the held seat alone and goes through.
  const splitTab = await open();
  const held = await call('POST', '/v1/events/' + event + '/holds', d2Token,
    { seats: { serials: [21] }, buyer: { reference: 'page-test' } });
  assert.equal(held.status, 200, JSON.stringify(held.json));
  await splitTab.selectOption('#pick-block', '1');
  await splitTab.fill('#pick-row', '3');
  await splitTab.click('#select-row');
  await splitTab.check('#move');
  await splitTab.fill('#ratio-1', '1');
  await splitTab.fill('#ratio-2', '1');
  await splitTab.click('#split');
  await splitTab.waitForFunction(() => document.getElementById('status').textContent.startsWith('Split 9 seats'));
  assert.match(await splitTab.textContent('#status'), /1 seat sold or held meanwhile was left as they are/);
  await splitTab.click('#undo');
  await splitTab.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the allotment of 9 seats'));
  assert.deepEqual(await seatState(event, 1, 3, 1), { owner: 2, taken: 2 }, 'the held seat stayed as it was');
  // Weights and places are whole numbers.
  await splitTab.fill('#ratio-1', '1.5');
  await splitTab.click('#split');
  await splitTab.waitForFunction(() => document.getElementById('error').textContent.includes('whole numbers'));
  await splitTab.fill('#area-count', '2.5');
  await splitTab.click('#area-move');
  await splitTab.waitForFunction(() => document.getElementById('error').textContent.includes('whole number'));
  await splitTab.close();
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'eticket-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Containers often give /dev/shm only 64 MB.
      '--disable-dev-shm-usage'],
  });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 409')) problems.push('console: ' + m.text()); });
    // No external assets: every request stays on the center.
    page.on('request', (r) => { if (!r.url().startsWith(base)) problems.push('external request: ' + r.url()); });
    await smallVenue(page);
    await staleTab(context);
    const timings = await bigVenue(page);
    assert.deepEqual(problems, []);
    console.log('PAGE_TIMINGS ' + JSON.stringify(timings));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
