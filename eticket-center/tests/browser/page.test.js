// End-to-end test of the organizer's seat allocation page in Debian's headless
// Chromium, driven by playwright-core. eticket-center/tests/page.rs starts a
// real center on 127.0.0.1 with two seeded events and runs this script with:
//   PAGE_BASE      http://127.0.0.1:<port>
//   PAGE_TOKEN     the organizer's bearer token
//   PAGE_TOKEN2    another token of the organizer (revoked mid-session)
//   PAGE_D2_TOKEN  distributor 2's bearer token (sells a seat meanwhile)
//   PAGE_EVENT     the small event (core fixture: 2 blocks of 4 rows x 10 seats)
//   PAGE_HALL      the Small Hall with its geometry (labels, accessible places)
//   PAGE_ARENA     the 20,000-seat arena
//   PAGE_BOWL      the 100,000-seat stadium bowl
//   PAGE_SHOTS     where the screenshots go (target/page-shots, or docs/page
//                  with ETICKET_WRITE_DOCS=1)
// It prints one line `PAGE_TIMINGS {...}` with the bowl's measured times.
// axe-core (pinned beside playwright-core) checks the page for accessibility
// violations.
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
const token2 = env('PAGE_TOKEN2');
const d2Token = env('PAGE_D2_TOKEN');
const event = env('PAGE_EVENT');
const hall = env('PAGE_HALL');
const arena = env('PAGE_ARENA');
const bowl = env('PAGE_BOWL');
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
  for (let i = 0; i < c.block.length; i++) {
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

  // A drag that starts on the legend selects from the map under it: the
  // same seats as the same rectangle drawn the other way round, from a
  // seat to the legend. A click on the legend changes nothing.
  const legendAt = await page.evaluate(() => {
    const r = document.getElementById('legend-items').getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  const seatAt = await centre(page, 1, 2, 4);
  await drag(page, legendAt, seatAt);
  const fromLegend = await count(page, 'all', 'selected');
  assert.ok(fromLegend > 0, 'a drag from the legend to a seat selects');
  assert.equal(await page.textContent('#status'), 'Selected ' + fromLegend + (fromLegend === 1 ? ' seat.' : ' seats.'));
  await page.click('#clear');
  await drag(page, seatAt, legendAt);
  assert.equal(await count(page, 'all', 'selected'), fromLegend, 'the rectangle selects the same seats either way');
  await page.mouse.click(legendAt.x, legendAt.y);
  assert.equal(await count(page, 'all', 'selected'), fromLegend, 'a click on the legend keeps the selection');
  assert.ok(await page.evaluate(() => document.getElementById('legend').open), 'the legend stays open');
  await page.click('#clear');

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
  // A drag with Alt removes, with Shift adds: the line says how many seats
  // it changed, not how many it covered.
  await page.keyboard.down('Alt');
  await drag(page, await centre(page, 1, 2, 3), await centre(page, 1, 3, 4));
  await page.keyboard.up('Alt');
  assert.equal(await count(page, '1', 'selected'), 6);
  assert.equal(await page.textContent('#status'), 'Removed 2 seats (2 more there were not selected). 6 seats in the selection now.');
  await page.keyboard.down('Shift');
  await drag(page, await centre(page, 1, 1, 3), await centre(page, 1, 2, 4));
  await page.keyboard.up('Shift');
  assert.equal(await count(page, '1', 'selected'), 8);
  assert.equal(await page.textContent('#status'), 'Added 2 seats (2 more there were selected already). 8 seats in the selection now.');
  await page.screenshot({ path: path.join(shots, 'small-venue-selection.png') });

  // Assign the block to distributor 1.
  await page.selectOption('#distributor', '1');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned 8 seats'));
  assert.equal(await count(page, '1', 'allotted'), 8);

  // The same seats to the same distributor: nothing to do, and said so
  // (it reported "Assigned 8 seats" before).
  await page.click('#allotments li[data-distributor="1"] button');
  assert.equal(await count(page, '1', 'selected'), 8);
  await page.click('#assign');
  await page.waitForFunction(() => /already/.test(document.getElementById('status').textContent));
  assert.equal(await page.textContent('#status'), "The 8 seats selected were One's already: nothing changed.");
  await page.click('#clear');
  // After a reload the allotment is still there, in the page and in the center.
  await page.reload();
  await ready(page);
  assert.equal(await count(page, '1', 'allotted'), 8);
  assert.equal(await page.textContent('#allotments li[data-distributor="1"] [data-count="allotted"]'), '8');
  // Every distributor in the allotment list carries its shape beside its
  // colour, the one the legend, the table by seat type and the map give it.
  const shapes = await page.evaluate(() => [...document.querySelectorAll('#allotments li[data-distributor]')].map((li) => {
    const shapeIn = (sel) => { const e = document.querySelector(sel + ' svg[data-shape]'); return e && e.getAttribute('data-shape'); };
    const d = li.dataset.distributor;
    return { d, list: shapeIn('#allotments li[data-distributor="' + d + '"]'), legend: shapeIn('#legend-items li[data-distributor="' + d + '"]'),
      table: shapeIn('#owners tr[data-owner="' + d + '"]') };
  }));
  assert.equal(shapes.length, 2, JSON.stringify(shapes));
  for (const s of shapes) assert.ok(s.list && s.list === s.legend && s.list === s.table, 'one shape per distributor: ' + JSON.stringify(shapes));
  assert.notEqual(shapes[0].list, shapes[1].list, 'each distributor its own shape: ' + JSON.stringify(shapes));

  // "Select unallotted" takes every seat free to allot, as the "Free to
  // allot" column counts them (no distributor's, none sold or held), and
  // follows the selecting mode like the other controls.
  await page.click('#clear');
  const unallotted = await count(page, 'all', 'selectable');
  assert.equal(unallotted, 80 - 8 - 10);
  await page.click('#select-unallotted');
  assert.equal(await count(page, 'all', 'selected'), unallotted);
  assert.equal(await count(page, 'all', 'selectable'), 0, 'no free seat is left out');
  assert.equal(await page.textContent('#status'), 'Selected ' + unallotted + ' unallotted seats.');
  await page.click('#allotments li[data-distributor="2"] button');
  assert.equal(await count(page, 'all', 'selected'), 10, 'the seats of Two');
  await page.check('input[name="mode"][value="add"]');
  await page.click('#select-unallotted');
  assert.equal(await count(page, 'all', 'selected'), 10 + unallotted);
  assert.equal(await page.textContent('#status'), 'Added ' + unallotted + ' unallotted seats. ' + (10 + unallotted) + ' seats in the selection now.');
  await page.check('input[name="mode"][value="remove"]');
  await page.click('#select-unallotted');
  assert.equal(await count(page, 'all', 'selected'), 10, 'only the seats of Two are left');
  assert.equal(await page.textContent('#status'), 'Removed ' + unallotted + ' unallotted seats. 10 seats in the selection now.');
  await page.check('input[name="mode"][value="replace"]');
  await page.click('#clear');
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
  // The seat as printed on the map and the tickets, not by its numbers.
  assert.match(message, /refused the change: Block B, row 1, seat 3 of event \S+ is sold/);
  assert.doesNotMatch(message, /authenticated|Nothing was changed.*nothing was changed/i);
  assert.ok(await page.isVisible('#error'));
  // The refusal is in view together with the button that was pressed (it
  // was below the window's bottom at 1280 × 800).
  const inView = await page.evaluate(() => ['error', 'status', 'assign'].map((id) => {
    const b = document.getElementById(id).getBoundingClientRect();
    return b.top >= 0 && b.bottom <= window.innerHeight;
  }));
  assert.deepEqual(inView, [true, true, true], 'the refusal, the status line and Assign all in the window');
  // The sold seat left the selection; the other two stay for another try.
  assert.equal(await count(page, '2', 'selected'), 2);
  assert.match(await page.textContent('#status'), /1 seat sold or held meanwhile left the selection/);
  for (const n of [1, 2]) assert.equal((await seatState(event, 2, 1, n)).owner, 2, 'seat 2/1/' + n + ' still with distributor 2');
  assert.equal(await count(page, '2', 'sold'), 1, 'the page shows the sold seat after the refusal');
  await page.screenshot({ path: path.join(shots, 'small-venue-conflict.png') });

  // A row with a sold seat: the status says the seat was left out.
  await page.selectOption('#pick-block', '2');
  await page.fill('#pick-row', '1');
  await page.click('#select-row');
  assert.equal(await count(page, 'all', 'selected'), 9);
  assert.equal(await page.textContent('#status'), 'Selected 9 seats. 1 sold seat left out.');
  // Select a row from the controls, assign it, undo the assignment.
  await page.uncheck('#move');
  await page.selectOption('#pick-block', '1');
  // Rows are given as printed (as in "Find a seat"), not by number.
  await page.fill('#pick-row', '4');
  await page.click('#select-row');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('Block A has no row "4"'));
  await page.fill('#pick-row', 'D');
  await page.click('#select-row');
  assert.equal(await count(page, '1', 'selected'), 10);
  // A seat that is not there is said so, and the selection stays.
  await page.fill('#pick-number', '99');
  await page.click('#select-seat');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('has no seat "99" (its seats are printed 1 to 10). The selection is unchanged.'));
  assert.equal(await count(page, '1', 'selected'), 10);
  await page.selectOption('#distributor', '2');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned 10 seats'));
  assert.equal((await seatState(event, 1, 4, 7)).owner, 2);
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the allotment of 10'));
  assert.equal((await seatState(event, 1, 4, 7)).owner, 0);
  assert.equal(await count(page, '1', 'selected'), 10, 'undo restores the selection too');

  // Each field has its own name (the finder's and the picker's Block, Row
  // and Seat were once named alike).
  const fieldNames = await page.evaluate(() => [...document.querySelectorAll('#app input, #app select')]
    .filter((e) => e.labels && e.labels.length).map((e) => e.labels[0].textContent.replace(/\s+/g, ' ').trim()));
  assert.deepEqual(fieldNames.filter((t, k) => fieldNames.indexOf(t) !== k), [], 'fields named alike: ' + JSON.stringify(fieldNames));
  // Select by seat type (keyboard only), then split 1:1 across both distributors.
  await page.focus('#counts tr[data-seat-type="1"] button');
  await page.keyboard.press('Enter');
  assert.equal(await count(page, '1', 'selected'), 40);
  await page.check('#move');
  await page.fill('#ratio-1', '1');
  await page.fill('#ratio-2', '1');
  // A seat clicked while the split is under way (its answer held back
  // here) is selected and stays selected after the split; the status line
  // keeps saying the split is running (the selection once was dropped and
  // its line replaced "Splitting…").
  let letSplitGo;
  const splitHeld = new Promise((resolve) => { letSplitGo = resolve; });
  await page.route('**/allotments/split', async (route) => { await splitHeld; await route.continue(); });
  await page.click('#split');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Splitting 40 seats'));
  const meanwhile = await centre(page, 2, 2, 1);
  await page.mouse.click(meanwhile.x, meanwhile.y);
  assert.equal(await count(page, 'all', 'selected'), 1);
  assert.equal(await page.textContent('#status'), 'Splitting 40 seats… Meanwhile: selected 1 seat.');
  letSplitGo();
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Split 40 seats'));
  await page.unroute('**/allotments/split');
  assert.equal(await count(page, 'all', 'selected'), 1, 'the seat selected during the split is still selected');
  assert.match(await page.textContent('#status'), / The selection made meanwhile \(1 seat\) is kept\.$/);
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
  // Undo moves as many places back.
  assert.equal(await page.textContent('#undo'), 'Undo move of places');
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the move of 5 places'));
  const owners = await page.textContent('#areas tr[data-area="1"] [data-count="owners"]');
  assert.match(owners, /unallotted 50\b/);
  assert.doesNotMatch(owners, /One/);

  // After Fit, + zooms around the pointer while it is over the map (the
  // venue's point under it stays there), else around the map's centre.
  await page.click('#fit');
  await page.focus('#map');
  const under = (x, y) => page.evaluate(([px, py]) => {
    const v = window.seatPage.view(), r = document.getElementById('map').getBoundingClientRect();
    return { x: v.ox + (px - r.left) / v.scale, y: v.oy + (py - r.top) / v.scale };
  }, [x, y]);
  const mapNow = await page.evaluate(() => { const b = document.getElementById('map').getBoundingClientRect(); return { left: b.left, top: b.top, width: b.width, height: b.height }; });
  const over = { x: mapNow.left + mapNow.width * 0.75, y: mapNow.top + mapNow.height * 0.6 };
  const centreOfMap = { x: mapNow.left + mapNow.width / 2, y: mapNow.top + mapNow.height / 2 };
  await page.mouse.move(over.x, over.y);
  let pinned = await under(over.x, over.y);
  await page.keyboard.press('+');
  let now = await under(over.x, over.y);
  assert.ok(Math.abs(now.x - pinned.x) + Math.abs(now.y - pinned.y) < 0.01, '+ zooms around the pointer over the map: ' + JSON.stringify([pinned, now]));
  await page.keyboard.press('0');
  const fitBox = await page.evaluate(() => { const b = document.getElementById('fit').getBoundingClientRect(); return { x: b.left + b.width / 2, y: b.top + b.height / 2 }; });
  await page.mouse.move(fitBox.x, fitBox.y);
  pinned = await under(centreOfMap.x, centreOfMap.y);
  await page.keyboard.press('+');
  now = await under(centreOfMap.x, centreOfMap.y);
  assert.ok(Math.abs(now.x - pinned.x) + Math.abs(now.y - pinned.y) < 0.01, '+ zooms around the centre with the pointer off the map: ' + JSON.stringify([pinned, now]));
  await page.keyboard.press('0');

  // Keyboard: the map takes focus, zooms with + and -, and a seat cursor
  // moved with the arrow keys selects with Enter and adds a row with Shift+Enter.
  await page.focus('#map');
  await page.keyboard.press('Escape');
  assert.equal(await count(page, 'all', 'selected'), 0);
  await page.keyboard.press('+');
  await page.keyboard.press('0');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  // The tooltip follows the keyboard cursor, as it follows the pointer.
  assert.ok(await page.isVisible('#tip'));
  assert.equal(await page.textContent('#tip'), await page.textContent('#hover'));
  await page.keyboard.press('Enter');
  assert.equal(await count(page, 'all', 'selected'), 1);
  assert.match(await page.textContent('#hover'), /row \w+, seat \d+ .* selected/);
  await page.keyboard.press('Enter');
  assert.equal(await count(page, 'all', 'selected'), 0);
  await page.keyboard.press('Shift+Enter');
  const row = await count(page, 'all', 'selected');
  assert.ok(row >= 9 && row <= 10, 'Shift+Enter selects the free seats of the cursor seat\'s row: ' + row);
  await page.keyboard.press('Escape');

  // 200% zoom of a 1280 x 800 window: a 640 x 400 viewport. Nothing is
  // wider than the page, and with the map scrolled to the top the map and
  // the Assign and Split actions are on screen together.
  await page.setViewportSize({ width: 640, height: 400 });
  await page.reload();
  await ready(page);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(widths[0] <= widths[1] + 1, 'no horizontal scrolling at 200%: ' + widths);
  await page.evaluate(() => document.getElementById('canvas-wrap').scrollIntoView({ block: 'start' }));
  const boxes = await page.evaluate(() => ['map', 'assign', 'distributor', 'split', 'ratio-1'].map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { id, top: r.top, bottom: r.bottom, height: r.height };
  }));
  for (const b of boxes) assert.ok(b.top >= -1 && b.bottom <= 401, 'at 200% the map and the actions are on screen together: ' + JSON.stringify(boxes));
  assert.ok(boxes[0].height >= 150, 'the map keeps a usable height at 200%: ' + JSON.stringify(boxes));
  await page.screenshot({ path: path.join(shots, 'small-venue-200-percent.png') });
  // Header and tools leave the map the most of the window: at the top of
  // the page it starts in the window's upper half.
  await page.evaluate(() => window.scrollTo(0, 0));
  const mapTop = await page.evaluate(() => document.getElementById('map').getBoundingClientRect().top);
  assert.ok(mapTop <= 160, 'at 200% the map starts ' + mapTop + ' px down a 400 px window');
  // With the map partly scrolled out of the window, the wheel over it
  // scrolls the page instead of zooming the map.
  await page.evaluate((top) => window.scrollTo(0, top + 40), mapTop);
  const scrolled = await page.evaluate(() => window.scrollY);
  const mapBox = await page.evaluate(() => { const r = document.getElementById('map').getBoundingClientRect(); return { x: r.left + r.width / 2, y: Math.max(r.top, 0) + 20, top: r.top }; });
  assert.ok(mapBox.top < 0, 'the map is partly above the window: ' + JSON.stringify(mapBox));
  const scaleBefore = (await page.evaluate(() => window.seatPage.view())).scale;
  await page.mouse.move(mapBox.x, mapBox.y);
  await page.mouse.wheel(0, 200);
  await page.waitForFunction((y) => window.scrollY > y, scrolled);
  assert.equal((await page.evaluate(() => window.seatPage.view())).scale, scaleBefore, 'the wheel scrolled the page, not the map');
  await page.setViewportSize({ width: 1280, height: 800 });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// The nearest-rank percentile of a few samples (p95 of five is the largest).
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

// The first seat (by the API's cell order) matching a test.
async function findCell(ev, test) {
  const { json } = await call('GET', '/v1/events/' + ev + '/seat-map', token);
  const c = json.cells;
  for (let i = 0; i < c.block.length; i++) {
    const cellInfo = { block: c.block[i], row: c.row[i], number: c.number[i], flags: c.flags[i], owner: c.owner[i], taken: c.taken[i] };
    if (test(cellInfo)) return cellInfo;
  }
  throw new Error('no such seat in event ' + ev);
}

// The legend and the minimap must not cover the venue's drawn extent
// (seats, stage, pitch and standing areas), and no label the map drew may
// be cut by the map's edge.
async function overlaysClear(page, what) {
  const r = await page.evaluate(() => {
    const box = (id) => {
      const e = document.getElementById(id);
      if (e.hidden || !e.offsetWidth) return null;
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    };
    return { legend: box('legend'), minimap: box('minimap'), map: box('map'), venue: window.seatPage.extent(), labels: window.seatPage.labels() };
  });
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const k of ['legend', 'minimap']) {
    if (r[k]) assert.ok(!overlap(r[k], r.venue), what + ': the ' + k + ' covers the venue: ' + JSON.stringify(r));
  }
  for (const l of r.labels) {
    for (const k of ['legend', 'minimap']) {
      if (r[k]) assert.ok(!overlap(r[k], l), what + ': the ' + k + ' covers a label: ' + JSON.stringify({ label: l, [k]: r[k] }));
    }
    assert.ok(l.left >= r.map.left - 0.5 && l.right <= r.map.right + 0.5 && l.top >= r.map.top - 0.5 && l.bottom <= r.map.bottom + 0.5,
      what + ': a label is cut by the map edge: ' + JSON.stringify({ label: l, map: r.map }));
  }
  // Names (blocks, the stage, areas) never overlap one another, and a
  // block's name covers no seat.
  const names = r.labels.filter((l) => l.kind === 'block' || l.kind === 'place');
  names.forEach((a, k) => {
    for (const b of names.slice(k + 1)) assert.ok(!overlap(a, b), what + ': two names overlap: ' + JSON.stringify([a, b]));
  });
  for (const l of names) {
    const under = await page.evaluate((b) => window.seatPage.seatsUnder(b), l);
    assert.equal(under, 0, what + ': a name covers seats: ' + JSON.stringify(l));
  }
  return r;
}

// The blocks of event `ev` whose name the map does not show.
async function unnamedBlocks(page, ev) {
  const { json } = await call('GET', '/v1/events/' + ev + '/seat-map', token);
  const shown = new Set((await page.evaluate(() => window.seatPage.labels())).filter((l) => l.kind === 'block').map((l) => l.text));
  return json.blocks.map((b) => b.name).filter((name) => !shown.has(name));
}

// What the Overview button says and whether the minimap is on screen.
async function overview(page) {
  return page.evaluate(() => {
    const b = document.getElementById('overview'), m = document.getElementById('minimap');
    return { pressed: b.getAttribute('aria-pressed'), disabled: b.disabled, shown: !m.hidden && m.offsetWidth > 0 };
  });
}

// ---- colours as colour-blind organizers see them --------------------------
// A CSS hex colour as linear RGB, seen with full colour vision, with
// protanopia or deuteranopia (Viénot, Brettel & Mollon 1999), tritanopia
// (Brettel, Viénot & Mollon 1997: one of two planes; the precomputed
// matrices of libDaltonLens) or in greyscale, as CIE L*a*b*, compared with
// CIEDE2000. The center's unit test checks its whole palette the same way.
const times = (m, c) => m.map((row) => row[0] * c[0] + row[1] * c[1] + row[2] * c[2]);
const VIEWS = {
  'full colour vision': (c) => c,
  protanopia: (c) => times([[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]], c),
  deuteranopia: (c) => times([[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]], c),
  tritanopia: (c) => times(0.03901 * c[0] - 0.02788 * c[1] - 0.01113 * c[2] >= 0
    ? [[1.01277, 0.13548, -0.14826], [-0.01243, 0.86812, 0.14431], [0.07589, 0.80500, 0.11911]]
    : [[0.93678, 0.18979, -0.12657], [0.06154, 0.81526, 0.12320], [-0.37562, 1.12767, 0.24796]], c),
  greyscale: (c) => { const y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; return [y, y, y]; },
};

function linearRgb(hex) {
  return [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
}

function lab(rgb) {
  const [r, g, b] = rgb.map((v) => Math.min(1, Math.max(0, v)));
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047), y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

function ciede2000([l1, a1, b1], [l2, a2, b2]) {
  const rad = Math.PI / 180;
  const pow7 = (c) => c ** 7 / (c ** 7 + 25 ** 7);
  const g = 0.5 * (1 - Math.sqrt(pow7((Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2)));
  const p1 = (1 + g) * a1, p2 = (1 + g) * a2;
  const c1 = Math.hypot(p1, b1), c2 = Math.hypot(p2, b2);
  const hue = (b, a) => (a === 0 && b === 0 ? 0 : ((Math.atan2(b, a) / rad) + 360) % 360);
  const h1 = hue(b1, p1), h2 = hue(b2, p2);
  const chromatic = c1 * c2 !== 0;
  let dh = chromatic ? h2 - h1 : 0;
  if (dh > 180) dh -= 360; else if (dh < -180) dh += 360;
  const bigDh = 2 * Math.sqrt(c1 * c2) * Math.sin((dh * rad) / 2);
  const l = (l1 + l2) / 2, c = (c1 + c2) / 2;
  const h = !chromatic ? h1 + h2 : Math.abs(h1 - h2) <= 180 ? (h1 + h2) / 2 : (h1 + h2 + (h1 + h2 < 360 ? 360 : -360)) / 2;
  const t = 1 - 0.17 * Math.cos((h - 30) * rad) + 0.24 * Math.cos(2 * h * rad) + 0.32 * Math.cos((3 * h + 6) * rad) - 0.2 * Math.cos((4 * h - 63) * rad);
  const sl = 1 + (0.015 * (l - 50) ** 2) / Math.sqrt(20 + (l - 50) ** 2), sc = 1 + 0.045 * c, sh = 1 + 0.015 * c * t;
  const rt = -Math.sin(2 * 30 * Math.exp(-(((h - 275) / 25) ** 2)) * rad) * 2 * Math.sqrt(pow7(c));
  const dL = (l2 - l1) / sl, dC = (c2 - c1) / sc, dH = bigDh / sh;
  return Math.sqrt(dL * dL + dC * dC + dH * dH + rt * dC * dH);
}

// The smallest difference of two colours over the views named, and where.
function leastDifference(a, b, views) {
  return views.map((v) => ({ d: ciede2000(lab(VIEWS[v](linearRgb(a))), lab(VIEWS[v](linearRgb(b)))), view: v }))
    .reduce((x, y) => (y.d < x.d ? y : x));
}

async function runAxe(page, what) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const found = result.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; '));
  assert.deepEqual(found, [], 'axe-core finds accessibility violations on ' + what);
}

// The sample venues as they look: the Small Hall (curved rows, stage,
// standing area, labels, accessible places and companion seats), the arena;
// finding a seat by its printed labels, the tooltip, the legend, the table
// of distributors by seat type, the minimap, and axe-core's check.
async function sampleVenues(page) {
  await page.goto(base + '/page/events/' + hall);
  await ready(page);
  // The header counts the seats for sale as the CLI does, and says how
  // many are drawn but not for sale.
  const hallMap = (await call('GET', '/v1/events/' + hall + '/seat-map', token)).json;
  const notForSale = hallMap.cells.taken.filter((t) => t === 3).length;
  assert.ok(notForSale > 0, 'the Small Hall has seats not for sale');
  // The distributors table leads with its totals (seen without scrolling
  // sideways) and has no column for a seat type with no seats to allot.
  const heads = await page.$$eval('#owners thead th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(heads.slice(0, 3), ['Distributor', 'All seats', 'Standing places']);
  // In a 1280 px window both tables fit the side pane: no sideways scrolling.
  const wraps = await page.evaluate(() => ['owners', 'counts'].map((id) => {
    const w = document.getElementById(id).parentElement;
    return [id, w.scrollWidth, w.clientWidth, window.innerWidth];
  }));
  for (const [id, scroll, client, win] of wraps) {
    if (win >= 1280) assert.ok(scroll <= client + 1, 'the ' + id + ' table fits its pane: ' + JSON.stringify(wraps));
  }
  const legendNow = await page.textContent('#legend-items');
  for (const t of hallMap.seat_types) {
    const has = hallMap.cells.seat_type.some((x, i) => x === t.id && hallMap.cells.taken[i] !== 3);
    assert.equal(heads.includes(t.name), has, 'a column for ' + t.name + ' only if it has seats: ' + heads);
    assert.equal(legendNow.includes(t.name), hallMap.cells.seat_type.includes(t.id), 'the legend names ' + t.name + ' only if the map has its seats');
  }
  assert.match(await page.textContent('#subtitle'),
    new RegExp(' · ' + (hallMap.cells.taken.length - notForSale) + ' seats and [0-9,]+ standing places · ' + notForSale + ' seats? not for sale$'));
  // The seat-type table counts as the header does: its All row the seats
  // for sale, those not for sale in a column of their own.
  const allRow = (key) => page.textContent('#counts tfoot [data-count="' + key + '"]');
  assert.equal((await allRow('total')).replace(/,/g, ''), String(hallMap.cells.taken.length - notForSale));
  assert.equal(await allRow('blocked'), String(notForSale));
  assert.ok((await page.$$eval('#counts thead th', (ths) => ths.map((t) => t.textContent))).includes('Not for sale'));
  const fitted = await overlaysClear(page, 'the Small Hall fitted');
  assert.deepEqual(await unnamedBlocks(page, hall), [], 'every block of the Small Hall is named at Fit');
  assert.ok(fitted.legend, 'the legend is open on a wide window');
  assert.ok(fitted.labels.length > 0, 'the stage and the standing area are named');
  assert.equal(fitted.minimap, null, 'no minimap while the whole venue is in view');
  // The Overview button is not shown pressed while there is no minimap.
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: true, shown: false }, 'Overview with the whole venue in view');
  await page.screenshot({ path: path.join(shots, 'venue-small-hall.png') });
  await standingArea(page);
  // The legend names the states and both distributors.
  const legend = await page.textContent('#legend-items');
  for (const word of ['held for a buyer', 'sold', 'not for sale', 'selected', 'One', 'Two', 'accessible place', 'companion seat']) {
    assert.ok(legend.includes(word), 'the legend shows ' + word + ': ' + legend);
  }
  // No two things in one legend share a fill: held is no distributor's
  // colour, and by seat type the distributors are shapes, not colours.
  for (const by of ['type', 'owner']) {
    await page.selectOption('#colour-by', by);
    const fills = await page.evaluate(() => [...document.querySelectorAll('#legend-items li')].map((li) =>
      [li.textContent.trim(), li.querySelector('svg > *').getAttribute('fill').toLowerCase()]));
    const coloured = fills.filter(([, f]) => f !== '#fff' && f !== '#ffffff');
    const seen = new Map();
    for (const [name, f] of coloured) {
      assert.ok(!seen.has(f), 'by ' + by + ', ' + name + ' and ' + seen.get(f) + ' are both ' + f);
      seen.set(f, name);
    }
  }
  // By distributor, the distributors' colours stay well apart from each
  // other (18 or more, CIEDE2000) with full colour vision, protanopia and
  // deuteranopia, apart (12 or more) with tritanopia and in greyscale, and
  // from the colours of the seat states (15 or more) in colour.
  const legendFills = await page.evaluate(() => [...document.querySelectorAll('#legend-items li')].map((li) =>
    ({ name: li.textContent.trim(), distributor: li.dataset.distributor || null, fill: li.querySelector('svg > *').getAttribute('fill').toLowerCase() })));
  const owners = legendFills.filter((f) => f.distributor);
  const states = legendFills.filter((f) => ['unallotted', 'held for a buyer', 'sold', 'not for sale'].includes(f.name));
  assert.equal(owners.length, 3, JSON.stringify(legendFills));
  assert.equal(states.length, 4, JSON.stringify(legendFills));
  assert.ok(ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485]).toFixed(4) === '2.0425', 'CIEDE2000 as published');
  const allViews = Object.keys(VIEWS), colourViews = allViews.filter((v) => v !== 'greyscale');
  owners.forEach((a, i) => {
    for (const b of owners.slice(0, i)) {
      const redGreen = leastDifference(a.fill, b.fill, ['full colour vision', 'protanopia', 'deuteranopia']);
      assert.ok(redGreen.d >= 18, a.name + ' (' + a.fill + ') and ' + b.name + ' (' + b.fill + ') differ by ' + redGreen.d.toFixed(1) + ' in ' + redGreen.view);
      const least = leastDifference(a.fill, b.fill, allViews);
      assert.ok(least.d >= 12, a.name + ' (' + a.fill + ') and ' + b.name + ' (' + b.fill + ') differ by ' + least.d.toFixed(1) + ' in ' + least.view);
    }
    for (const b of states) {
      const least = leastDifference(a.fill, b.fill, colourViews);
      assert.ok(least.d >= 15, a.name + ' (' + a.fill + ') and ' + b.name + ' (' + b.fill + ') differ by ' + least.d.toFixed(1) + ' in ' + least.view);
    }
  });
  // Held stays well apart (22 or more) from every colour the center gives
  // distributors (the arena has six, so all four) with full colour vision,
  // protanopia and deuteranopia, and 15 or more with tritanopia: its brown
  // was once 20 from the third, an ochre, and a light blue then read as a
  // striped dark-blue distributor's.
  const palette = [...new Set((await call('GET', '/v1/events/' + arena + '/seat-map', token)).json.distributors.map((d) => d.colour.toLowerCase()))];
  assert.equal(palette.length, 4, JSON.stringify(palette));
  const heldFill = states.find((f) => f.name === 'held for a buyer').fill;
  for (const c of palette) {
    const least = leastDifference(c, heldFill, ['full colour vision', 'protanopia', 'deuteranopia']);
    assert.ok(least.d >= 22, 'held (' + heldFill + ') and ' + c + ' differ by ' + least.d.toFixed(1) + ' in ' + least.view);
    const trit = leastDifference(c, heldFill, ['tritanopia']);
    assert.ok(trit.d >= 15, 'held (' + heldFill + ') and ' + c + ' differ by ' + least.d.toFixed(1) + ' in ' + least.view);
  }
  await page.selectOption('#colour-by', 'type');
  // Find a balcony seat by its printed row and seat label, zoomed in with
  // labels; the tooltip and the description say where it is.
  await page.selectOption('#find-block', '2');
  await page.fill('#find-row', 'M');
  await page.fill('#find-seat', '105');
  await page.click('#find');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Found'));
  assert.match(await page.textContent('#hover'), /row M, seat 105 /);
  assert.ok(await page.isVisible('#tip'));
  assert.match(await page.textContent('#tip'), /row M, seat 105 — .* — (unallotted|allotted to \w+) — available/);
  await page.screenshot({ path: path.join(shots, 'venue-small-hall-found-seat.png') });
  // A search that finds nothing takes the last one's tooltip away.
  await page.fill('#find-seat', '998');
  await page.click('#find');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('has no seat "998"'));
  assert.ok(!(await page.isVisible('#tip')), 'no tooltip of the seat found before');
  await page.fill('#find-seat', '105');
  // Zoomed in, the legend folds so it covers no seats or row labels; Fit
  // opens it again.
  assert.equal(await page.evaluate(() => document.getElementById('legend').open), false, 'the legend folds when zoomed in');
  await page.click('#fit');
  assert.equal(await page.evaluate(() => document.getElementById('legend').open), true, 'Fit opens the legend again');
  await page.evaluate(() => window.seatPage.zoomToSeat(2, 4, 5, 24));
  await page.fill('#find-seat', '999');
  await page.click('#find');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('has no seat "999" (its seats are printed '));
  assert.equal(await page.textContent('#status'), '', 'no "Found" line beside the error');
  await page.fill('#find-row', 'ZZ');
  await page.click('#find');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('has no row "ZZ". Give the row as printed'));
  await page.fill('#find-row', 'M');
  // Hovering an accessible place says so.
  const wheelchair = await findCell(hall, (c) => c.flags === 1);
  await page.evaluate(([b, r, k]) => window.seatPage.zoomToSeat(b, r, k, 30), [wheelchair.block, wheelchair.row, wheelchair.number]);
  const at = await centre(page, wheelchair.block, wheelchair.row, wheelchair.number);
  await page.mouse.move(at.x, at.y);
  await page.waitForFunction(() => !document.getElementById('tip').hidden && document.getElementById('tip').textContent.includes('accessible place'));
  // Allot a row of the stalls to One: the table of distributors by seat
  // type counts it.
  await page.keyboard.press('Escape');
  const before = Number((await page.textContent('#owners tr[data-owner="1"] [data-seat-type="all"]')).replace(/,/g, ''));
  await page.selectOption('#pick-block', '1');
  await page.fill('#pick-row', 'C');
  await page.click('#select-row');
  const row = await count(page, 'all', 'selected');
  assert.ok(row > 5, 'row C of the stalls has ' + row + ' free seats');
  await page.selectOption('#distributor', '1');
  await page.click('#assign');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Assigned'));
  const after = Number((await page.textContent('#owners tr[data-owner="1"] [data-seat-type="all"]')).replace(/,/g, ''));
  assert.equal(after, before + row);
  // From the zoom where unallotted seats show their numbers (seats of
  // about 20 px), an allotted seat shows its number below its
  // distributor's shape (it once showed only the shape below 34 px).
  const mine = await findCell(hall, (c) => c.owner === 1 && c.taken === 0);
  for (const scale of [24, 60]) {
    await page.click('#fit');
    await page.evaluate(([b, r, k, sc]) => window.seatPage.zoomToSeat(b, r, k, sc), [mine.block, mine.row, mine.number, scale]);
    const size = await page.evaluate(([b, r, k]) => window.seatPage.seatSize(b, r, k), [mine.block, mine.row, mine.number]);
    if (scale === 24) assert.ok(size < 34, 'a seat of ' + size + ' px at scale 24');
    const printed = (await page.textContent('#hover')).match(/seat (\S+) —/)[1];
    const seatAt = await page.evaluate(([b, r, k]) => window.seatPage.cellCentre(b, r, k), [mine.block, mine.row, mine.number]);
    const drawn = await page.evaluate(() => window.seatPage.labels());
    assert.ok(drawn.some((l) => l.text === printed && Math.abs((l.left + l.right) / 2 - seatAt.x) < 4 && l.top < seatAt.y + size / 2 && l.bottom > seatAt.y),
      'allotted seat ' + printed + ' shows its number in it at ' + size + ' px: ' + JSON.stringify({ seatAt, near: drawn.filter((l) => Math.abs(l.left - seatAt.x) < 40) }));
  }
  // A selected seat keeps its number (only its frame and mark once
  // showed), and so do sold and held seats under their cross or dot.
  const numberShown = async (c, what) => {
    await page.evaluate(([b, r, k]) => window.seatPage.zoomToSeat(b, r, k, 24), [c.block, c.row, c.number]);
    const printed = (await page.textContent('#hover')).match(/seat (\S+) —/)[1];
    const size = await page.evaluate(([b, r, k]) => window.seatPage.seatSize(b, r, k), [c.block, c.row, c.number]);
    const seatAt = await page.evaluate(([b, r, k]) => window.seatPage.cellCentre(b, r, k), [c.block, c.row, c.number]);
    return { printed, seatAt, size };
  };
  const shows = async (c, what, act) => {
    const { printed, seatAt, size } = await numberShown(c, what);
    if (act) { await act(seatAt); await page.waitForTimeout(50); }
    const drawn = await page.evaluate(() => window.seatPage.labels());
    assert.ok(drawn.some((l) => l.text === printed && Math.abs((l.left + l.right) / 2 - seatAt.x) < 4 && l.top < seatAt.y + size / 2 && l.bottom > seatAt.y - size / 2),
      what + ' seat ' + printed + ' shows its number: ' + JSON.stringify({ seatAt, near: drawn.filter((l) => Math.abs(l.left - seatAt.x) < 40) }));
  };
  await page.click('#fit');
  await shows(mine, 'a selected', async (at) => { await page.mouse.click(at.x, at.y); assert.equal(await count(page, 'all', 'selected'), 1); });
  await page.keyboard.press('Escape');
  const takenSeats = [];
  for (const t of [1, 2]) { try { takenSeats.push(await findCell(hall, (c) => c.taken === t)); } catch (_) { /* none of that state */ } }
  // (The Small Hall may have none sold or held yet at this point.)
  for (const c of takenSeats) await shows(c, c.taken === 1 ? 'a sold' : 'a held');
  await page.click('#fit');
  // Coloured by distributor, the shape on One's dark blue is white (black
  // would hardly show on it); it sits in the seat's top part.
  await page.selectOption('#colour-by', 'owner');
  await page.evaluate(([b, r, k]) => window.seatPage.zoomToSeat(b, r, k, 60), [mine.block, mine.row, mine.number]);
  const markPixels = await page.evaluate(([b, r, k]) => {
    const map = document.getElementById('map');
    const at = window.seatPage.cellCentre(b, r, k), size = window.seatPage.seatSize(b, r, k);
    const box = map.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const x = at.x - box.left, y = at.y - box.top - 0.22 * size, d = 0.16 * size / 3;
    return [[0, 0], [d, 0], [-d, 0], [0, d], [0, -d]].map(([dx, dy]) =>
      [...map.getContext('2d').getImageData(Math.round((x + dx) * dpr), Math.round((y + dy) * dpr), 1, 1).data.slice(0, 3)]);
  }, [mine.block, mine.row, mine.number]);
  for (const p of markPixels) assert.ok(p.every((v) => v >= 235), 'One\'s shape is white on its dark colour: ' + JSON.stringify(markPixels));
  await page.selectOption('#colour-by', 'type');
  await page.click('#fit');
  // Distributor 2 sells a seat of that row and holds another: drawn apart.
  const sold = await findCell(hall, (c) => c.block === 1 && c.row === 3 && c.owner === 1 && c.taken === 0);
  await page.click('#fit');
  await page.screenshot({ path: path.join(shots, 'venue-small-hall-allotted.png') });
  await runAxe(page, 'the Small Hall');
  assert.ok(sold);

  // 200% zoom: fitted, the folded legend leaves the venue clear; zoomed
  // in, labels at the map's edge are kept whole and the minimap stays
  // folded away until asked for.
  await page.setViewportSize({ width: 640, height: 400 });
  await page.reload();
  await ready(page);
  const narrow = await overlaysClear(page, 'the Small Hall at 200%');
  assert.equal(narrow.minimap, null);
  await page.focus('#map');
  for (let k = 0; k < 3; k++) await page.keyboard.press('+');
  await page.waitForTimeout(100);
  const zoomed = await overlaysClear(page, 'the Small Hall at 200%, zoomed in');
  assert.equal(zoomed.minimap, null, 'the minimap does not cover the map at 200%');
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: false, shown: false }, 'Overview at 200%, zoomed in');
  await page.screenshot({ path: path.join(shots, 'venue-small-hall-200-percent.png') });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Select block and Find and zoom, clicked with the page scrolled down to
  // them, leave the map in view (it once went out of the window), in a
  // wide window (the map beside the side pane) and at 200 % (below it).
  const mapInView = async (what) => {
    const r = await page.evaluate(() => { const b = document.getElementById('canvas-wrap').getBoundingClientRect(); return { top: b.top, bottom: b.bottom, h: window.innerHeight }; });
    assert.ok(r.top >= -1 && r.bottom <= r.h + 1, what + ': the map is in view: ' + JSON.stringify(r));
  };
  for (const [width, height] of [[1280, 800], [640, 400]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.click('#select-block');
    await mapInView('Select block in a ' + width + ' px window');
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.click('#find');
    await mapInView('Find and zoom in a ' + width + ' px window');
  }
  await page.click('#clear');
  await page.setViewportSize({ width: 1280, height: 800 });
  // In an 800 px window the blocks' names stay off the stage (the Stalls'
  // name was once drawn on it).
  await page.setViewportSize({ width: 800, height: 800 });
  await page.reload();
  await ready(page);
  await overlaysClear(page, 'the Small Hall in an 800 px window');
  // There, from the page's top, the map, Assign and the split (three
  // distributors' weights) are on screen together (Assign once sat on the
  // window's edge and the split below it).
  const at800 = await page.evaluate(() => ['map', 'assign', 'distributor', 'split', 'ratio-1', 'ratio-7'].map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { id, top: r.top, bottom: r.bottom, height: r.height };
  }));
  for (const b of at800) assert.ok(b.top >= -1 && b.bottom <= 801, 'in an 800 px window the map and the actions are on screen together: ' + JSON.stringify(at800));
  assert.ok(at800[0].height >= 300, 'the map keeps most of an 800 px window: ' + JSON.stringify(at800));
  const offStage = await page.evaluate(() => {
    const stages = window.seatPage.landmarks().filter((l) => l.kind !== 'pitch').map((l) => {
      const pts = l.polygon.map(([x, y]) => window.seatPage.point(x, y));
      return { name: l.name, left: Math.min(...pts.map((p) => p.x)), right: Math.max(...pts.map((p) => p.x)),
        top: Math.min(...pts.map((p) => p.y)), bottom: Math.max(...pts.map((p) => p.y)) };
    });
    const names = window.seatPage.labels().filter((l) => l.kind === 'block');
    return { stages, names, on: names.filter((n) => stages.some((s) => n.left < s.right && s.left < n.right && n.top < s.bottom && s.top < n.bottom)) };
  });
  assert.ok(offStage.stages.length > 0 && offStage.names.length > 0, JSON.stringify(offStage));
  assert.deepEqual(offStage.on, [], 'block names on the stage in an 800 px window: ' + JSON.stringify(offStage));
  await page.setViewportSize({ width: 1280, height: 800 });

  // The arena: drawn whole, the minimap moves the view.
  await page.goto(base + '/page/events/' + arena);
  await ready(page);
  assert.equal(await count(page, 'all', 'total'), 20000);
  await overlaysClear(page, 'the arena fitted');
  await page.screenshot({ path: path.join(shots, 'venue-arena.png') });
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: true, shown: false }, 'Overview with the arena fitted');
  // Six distributors own a block each; the center's four colours come
  // round again from the fifth. Coloured by distributor at Fit (seats of a
  // few pixels), the fifth and sixth are still drawn apart from the first
  // and second: their seats carry stripes, as their legend and table
  // swatches do.
  await page.selectOption('#colour-by', 'owner');
  await page.click('#fit');
  await page.waitForTimeout(100);
  assert.ok((await page.evaluate(() => window.seatPage.view())).scale < 5, 'the arena fitted is drawn in pixels');
  const blockPixels = await page.evaluate((blocks) => {
    const map = document.getElementById('map');
    const box = map.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const c = map.getContext('2d');
    return blocks.map((b) => window.seatPage.seatsOf(b).map((p) => {
      const [r, g, bl] = c.getImageData(Math.round((p.x - box.left) * dpr), Math.round((p.y - box.top) * dpr), 1, 1).data;
      return (r << 16) | (g << 8) | bl;
    }));
  }, [1, 2, 5, 6, 4]);
  // (A seat's centre at Fit falls between pixels now and then: the map's
  // white ground is no seat's colour.)
  for (const [a, b] of [[0, 2], [1, 3]]) {
    const first = new Set(blockPixels[a].filter((p) => p !== 0xffffff));
    const apart = blockPixels[b].filter((p) => !first.has(p)).length / blockPixels[b].length;
    assert.ok(apart >= 0.2, 'distributor ' + [1, 2, 5, 6][b] + ' is drawn apart from distributor ' + [1, 2, 5, 6][a] + ' at Fit: ' +
      Math.round(apart * 100) + ' % of its seats in other colours');
  }
  // The fifth and sixth's stripes are white, not a second shade that read
  // as a lighter texture: a fifth or more of their seats' centres more are
  // white than the first and second's (whose only white is the ground).
  const whiteShare = (pixels) => pixels.filter((p) => p === 0xffffff).length / pixels.length;
  for (const [a, b] of [[0, 2], [1, 3]]) {
    const more = whiteShare(blockPixels[b]) - whiteShare(blockPixels[a]);
    assert.ok(more >= 0.2, 'distributor ' + [1, 2, 5, 6][b] + "'s stripes at Fit: " + Math.round(more * 100) + ' % more of its seats white');
  }
  // The first and fourth are different hues (they were two dark blues),
  // told apart with protanopia and deuteranopia too: their commonest
  // pixels at Fit differ by 30 or more (CIEDE2000) in each of those views.
  const commonest = (pixels) => {
    const k = new Map();
    for (const p of pixels) k.set(p, (k.get(p) || 0) + 1);
    const top = [...k].sort((x, y) => y[1] - x[1])[0][0];
    return '#' + top.toString(16).padStart(6, '0');
  };
  const oneFour = leastDifference(commonest(blockPixels[0]), commonest(blockPixels[4]), ['full colour vision', 'protanopia', 'deuteranopia']);
  assert.ok(oneFour.d >= 30, 'distributors 1 and 4 at Fit (' + commonest(blockPixels[0]) + ', ' + commonest(blockPixels[4]) + ') differ by ' +
    oneFour.d.toFixed(1) + ' in ' + oneFour.view);
  const cues = await page.evaluate(() => [5, 6].map((d) => ({
    legend: document.querySelector('#legend-items li[data-distributor="' + d + '"]').textContent.trim(),
    legendIcon: document.querySelector('#legend-items li[data-distributor="' + d + '"] svg').getAttribute('data-pattern'),
    table: document.querySelector('#owners tr[data-owner="' + d + '"] svg').getAttribute('data-pattern'),
    list: document.querySelector('#allotments li[data-distributor="' + d + '"] svg').getAttribute('data-pattern'),
    first: document.querySelector('#owners tr[data-owner="' + (d - 4) + '"] svg').getAttribute('data-pattern'),
  })));
  for (const cue of cues) {
    assert.match(cue.legend, /\(striped\)$/, JSON.stringify(cues));
    assert.deepEqual([cue.legendIcon, cue.table, cue.list, cue.first], ['striped', 'striped', 'striped', null], JSON.stringify(cues));
  }
  // The legend's swatch shows the stripes at one device pixel a CSS pixel:
  // white rows in the icon as rendered (once a thin turned stripe blurred
  // into the colour).
  const swatchWhite = await page.evaluate(async () => {
    const svg = document.querySelector('#legend-items li[data-distributor="5"] svg');
    const img = new Image();
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    await img.decode();
    const c = document.createElement('canvas');
    c.width = 16; c.height = 16;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(4, 4, 8, 8).data;
    let white = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240) white++;
    return white / 64;
  });
  assert.ok(swatchWhite >= 0.15, "the fifth distributor's legend swatch at 1x: " + Math.round(swatchWhite * 100) + ' % white');
  await page.screenshot({ path: path.join(shots, 'venue-arena-six-distributors.png') });
  await page.selectOption('#colour-by', 'type');
  // Fitted, most blocks are named (a name goes where it covers no seat,
  // name, legend or minimap, else nowhere); each block left unnamed is
  // named once the organizer zooms to it.
  const unnamedAtFit = await unnamedBlocks(page, arena);
  const arenaBlocks = (await call('GET', '/v1/events/' + arena + '/seat-map', token)).json.blocks;
  assert.ok(unnamedAtFit.length <= arenaBlocks.length / 4, 'the arena fitted names most blocks; unnamed: ' + JSON.stringify(unnamedAtFit));
  for (const name of unnamedAtFit) {
    const block = arenaBlocks.find((b) => b.name === name).id;
    const seat = await findCell(arena, (c) => c.block === block);
    await page.evaluate((c) => window.seatPage.zoomToSeat(c.block, c.row, c.number, 2), seat);
    await page.waitForTimeout(50);
    assert.ok(!(await unnamedBlocks(page, arena)).includes(name), name + ' is named when zoomed to');
  }
  // Zooming in with the wheel from Fit keeps the venue drawn: seats at the
  // map's top edge once filled the whole map with one colour (three
  // notches at the window's middle showed it).
  await page.click('#fit');
  await page.mouse.move(640, 420);
  for (let notch = 1; notch <= 4; notch++) {
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(300);
    const share = await page.evaluate(() => {
      const c = document.getElementById('map');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const k = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        if (k !== 0xffffff) counts.set(k, (counts.get(k) || 0) + 1);
      }
      // The most common colour but the white of the map's ground.
      return Math.max(0, ...counts.values()) / (data.length / 4);
    });
    assert.ok(share < 0.5, 'the arena after ' + notch + ' wheel notches is one colour over ' + Math.round(share * 100) + ' % of the map');
  }
  await page.evaluate(() => window.seatPage.zoomToSeat(1, 5, 5, 12));
  // Zoomed in, the minimap shows and the button is pressed; the button
  // hides and shows it, and always says which.
  assert.deepEqual(await overview(page), { pressed: 'true', disabled: false, shown: true }, 'Overview with the arena zoomed in');
  await page.click('#overview');
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: false, shown: false }, 'Overview turned off');
  await page.click('#overview');
  assert.deepEqual(await overview(page), { pressed: 'true', disabled: false, shown: true }, 'Overview turned on again');
  const v0 = await page.evaluate(() => window.seatPage.view());
  const mini = await page.$('#minimap');
  const box = await mini.boundingBox();
  await page.mouse.click(box.x + box.width * 0.8, box.y + box.height * 0.8);
  const v1 = await page.evaluate(() => window.seatPage.view());
  assert.ok(Math.abs(v1.ox - v0.ox) + Math.abs(v1.oy - v0.oy) > 10, 'a click on the minimap moves the view');
  await page.screenshot({ path: path.join(shots, 'venue-arena-zoomed.png') });
  // Turned off while zoomed in, it stays off after Fit and the next zoom.
  await page.click('#overview');
  await page.click('#fit');
  await page.waitForFunction(() => document.getElementById('overview').disabled);
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: true, shown: false }, 'Overview after Fit');
  await page.evaluate(() => window.seatPage.zoomToSeat(1, 5, 5, 12));
  assert.deepEqual(await overview(page), { pressed: 'false', disabled: false, shown: false }, 'Overview stays off');
  await page.click('#overview');
  assert.deepEqual(await overview(page), { pressed: 'true', disabled: false, shown: true }, 'Overview on');
  // Panned far past the venue's edges, part of the venue stays in view.
  await page.click('#pan');
  const mapRect = await page.evaluate(() => { const b = document.getElementById('map').getBoundingClientRect(); return { left: b.left, top: b.top, right: b.right, bottom: b.bottom }; });
  const midY = (mapRect.top + mapRect.bottom) / 2, midX = (mapRect.left + mapRect.right) / 2;
  for (const [from, to] of [[{ x: mapRect.right - 250, y: midY }, { x: mapRect.left + 10, y: midY }], [{ x: midX, y: mapRect.bottom - 160 }, { x: midX, y: mapRect.top + 10 }]]) {
    for (let k = 0; k < 6; k++) await drag(page, from, to);
    const ext = await page.evaluate(() => window.seatPage.extent());
    const seen = [Math.min(ext.right, mapRect.right) - Math.max(ext.left, mapRect.left), Math.min(ext.bottom, mapRect.bottom) - Math.max(ext.top, mapRect.top)];
    assert.ok(seen[0] >= 40 && seen[1] >= 40, 'panned far away, the venue is still in view: ' + JSON.stringify({ ext, mapRect, seen }));
  }
  // Long drags towards the minimap's corner (the venue goes down and
  // right, under it) leave a good part of the venue in view: a quarter of
  // the map or more outside the minimap (a sliver under it was once all).
  for (let k = 0; k < 6; k++) await drag(page, { x: mapRect.left + 250, y: mapRect.top + 60 }, { x: mapRect.right - 10, y: mapRect.bottom - 10 });
  const left = await page.evaluate(() => {
    const e = window.seatPage.extent(), m = document.getElementById('map').getBoundingClientRect();
    const mini = document.getElementById('minimap');
    const cut = (a, b) => ({ left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) });
    const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
    const seen = cut(e, m);
    const under = mini.hidden ? 0 : area(cut(seen, mini.getBoundingClientRect()));
    return { share: (area(seen) - under) / area(m), minimap: !mini.hidden };
  });
  assert.ok(left.minimap && left.share >= 0.25, 'dragged towards the minimap, the venue in view: ' + JSON.stringify(left));
  await page.click('#pan');
  // + and - zoom with the focus on a toolbar button (after Fit), not only
  // on the map; in a text field they are typed.
  await page.click('#fit');
  const fitScale = (await page.evaluate(() => window.seatPage.view())).scale;
  await page.keyboard.press('+');
  const inScale = (await page.evaluate(() => window.seatPage.view())).scale;
  assert.ok(inScale > fitScale * 1.1, '+ with the focus on Fit zooms in: ' + fitScale + ' -> ' + inScale);
  await page.keyboard.press('-');
  assert.ok((await page.evaluate(() => window.seatPage.view())).scale < inScale * 0.9, '- with the focus on Fit zooms out');
  await page.focus('#find-row');
  const typedAt = (await page.evaluate(() => window.seatPage.view())).scale;
  await page.keyboard.press('+');
  assert.equal((await page.evaluate(() => window.seatPage.view())).scale, typedAt, '+ in a text field is typed, not a zoom');
  assert.equal(await page.inputValue('#find-row'), '+');
  await page.fill('#find-row', '');
  // Space held with the pointer over the map pans, though the focus is on
  // the button clicked last (Select all): it neither presses the button
  // nor selects with the drag.
  await page.evaluate(() => window.seatPage.zoomToSeat(1, 5, 5, 12));
  await page.click('#select-all');
  const allSelected = await count(page, 'all', 'selected');
  const viewBefore = await page.evaluate(() => window.seatPage.view());
  await page.mouse.move(midX, midY);
  await page.keyboard.down(' ');
  await drag(page, { x: midX, y: midY }, { x: midX - 120, y: midY - 60 });
  await page.keyboard.up(' ');
  const viewAfter = await page.evaluate(() => window.seatPage.view());
  assert.ok(Math.abs(viewAfter.ox - viewBefore.ox) > 1, 'Space and a drag after a click on a button pan: ' + JSON.stringify([viewBefore, viewAfter]));
  assert.equal(await count(page, 'all', 'selected'), allSelected, 'the drag with Space held kept the selection');
  await page.click('#clear');
  // Off the map, the hover line describes no seat; after Clear, Undo says
  // it brings the cleared seats back (not "Undo selection", read as an allotment's).
  await page.mouse.move(midX, midY);
  await page.mouse.move(midX + 2, midY + 2);
  await page.mouse.move(mapRect.left + 100, mapRect.top - 30);
  assert.equal((await page.textContent('#hover')).trim(), '', 'the hover line after the pointer left the map');
  assert.equal(await page.textContent('#undo'), 'Reselect cleared seats');
}

// The lines of an area's label on the map: each within the area (the
// width of its polygon where the line is), and none over an owner's band
// (the light pixels of its box are the area's pale blue under the label's
// white, never an owner's warm colour).
async function areaLabelClear(page, area, what) {
  const r = await page.evaluate((polygon) => {
    const map = document.getElementById('map');
    const box = map.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const pts = polygon.map(([x, y]) => { const p = window.seatPage.point(x, y); return [p.x, p.y]; });
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const inArea = (l) => l.kind === 'place' && l.left >= Math.min(...xs) - 40 && l.right <= Math.max(...xs) + 40 &&
      l.top >= Math.min(...ys) && l.bottom <= Math.max(...ys);
    const span = (y) => {
      let lo = Infinity, hi = -Infinity;
      pts.forEach(([x1, y1], k) => {
        const [x2, y2] = pts[(k + 1) % pts.length];
        if ((y1 <= y) === (y2 <= y)) return;
        const x = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
        lo = Math.min(lo, x); hi = Math.max(hi, x);
      });
      return [lo, hi];
    };
    const c = map.getContext('2d');
    return window.seatPage.labels().filter(inArea).map((l) => {
      const [lo, hi] = span((l.top + l.bottom) / 2);
      let warm = 0;
      const data = c.getImageData(Math.round((l.left - box.left) * dpr), Math.round((l.top - box.top) * dpr),
        Math.max(1, Math.round((l.right - l.left) * dpr)), Math.max(1, Math.round((l.bottom - l.top) * dpr))).data;
      for (let k = 0; k < data.length; k += 4) {
        if (Math.min(data[k], data[k + 1], data[k + 2]) >= 235 && data[k] - data[k + 2] > 4) warm++;
      }
      return { text: l.text, left: l.left, right: l.right, lo, hi, warm };
    });
  }, area.polygon);
  assert.ok(r.length >= 1, what + ': the area is labelled: ' + JSON.stringify(r));
  // Nothing is cut short: "1… standing" once read as one place.
  assert.ok(r.some((l) => / standing$/.test(l.text)), what + ': the places are named: ' + JSON.stringify(r));
  for (const l of r) {
    assert.ok(!l.text.includes('…'), what + ': "' + l.text + '" is cut short');
    assert.ok(l.left >= l.lo - 1 && l.right <= l.hi + 1, what + ': "' + l.text + '" spills out of the area: ' + JSON.stringify(l));
    assert.equal(l.warm, 0, what + ': "' + l.text + '" sits over an owner\'s band: ' + JSON.stringify(l));
  }
}

// An organizer clicks the standing area on the map, gives a number of its
// places to a distributor and sees them counted per distributor; more than
// the free places is refused and changes nothing.
async function standingArea(page) {
  const [area] = await page.evaluate(() => window.seatPage.areas());
  assert.ok(area, 'the Small Hall has a standing area');
  const mapBefore = (await call('GET', '/v1/events/' + hall + '/seat-map', token)).json;
  const shares = (m) => m.areas.find((a) => a.id === area.id).shares;
  const free = (m, owner) => (shares(m).find((sh) => sh.owner === owner) || { available: 0 }).available;
  const twoBefore = free(mapBefore, 2);
  const unallotted = free(mapBefore, 0);
  assert.ok(unallotted >= 8, 'the area has unallotted places: ' + JSON.stringify(shares(mapBefore)));
  // Its middle, a little off its label.
  let cx = 0, cy = 0;
  for (const [x, y] of area.polygon) { cx += x; cy += y; }
  const at = await page.evaluate(([x, y]) => window.seatPage.point(x, y), [cx / area.polygon.length, cy / area.polygon.length]);
  await page.mouse.move(at.x, at.y);
  await page.waitForFunction((name) => document.getElementById('tip').textContent.startsWith(name + ' — standing'), area.name);
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Picked'));
  assert.equal(await page.inputValue('#area-pick'), String(area.id));
  assert.equal(await page.inputValue('#area-from'), '0');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'area-count', 'the number of places has the focus');
  await page.keyboard.type('7');
  await page.selectOption('#area-to', '2');
  await page.click('#area-move');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Moved 7 places'));
  const mapAfter = (await call('GET', '/v1/events/' + hall + '/seat-map', token)).json;
  assert.equal(free(mapAfter, 2), twoBefore + 7, JSON.stringify(shares(mapAfter)));
  assert.equal(free(mapAfter, 0), unallotted - 7);
  assert.match(await page.textContent('#areas tr[data-area="' + area.id + '"] [data-count="owners"]'), new RegExp('Two ' + (twoBefore + 7)));
  // The line under the map that described the area says the new counts.
  assert.match(await page.textContent('#hover'), new RegExp('^' + area.name + ' — standing.*Two \\d+ \\(' + (twoBefore + 7) + ' available\\)'));
  // The map itself says who has the area's places: its label names each
  // owner with its places, and Two's band carries Two's colour.
  const placesOf = (m, owner) => shares(m).filter((sh) => sh.owner === owner).reduce((k, sh) => k + sh.available + sh.held + sh.sold, 0);
  const twoLine = 'Two ' + placesOf(mapAfter, 2).toLocaleString('en');
  // Fitted, the area is small: its label names Two with its places, or,
  // when the owners' lines do not fit, counts the owners for the table,
  // or says only how many places it has (never a cut name or number).
  await page.waitForFunction((line) => window.seatPage.labels().some((l) => l.text === line || /see table$|^[0-9,]+ standing$/.test(l.text)), twoLine, { timeout: 5000 })
    .catch(async () => assert.fail('the area names ' + twoLine + ': ' + JSON.stringify(await page.evaluate(() => window.seatPage.labels().map((l) => l.text)))));
  // Zoomed in on it, each owner is named with its places.
  const zoomToArea = (scale) => page.evaluate(([polygon, sc]) => {
    const xs = polygon.map((p) => p[0]), ys = polygon.map((p) => p[1]);
    const r = document.getElementById('map').getBoundingClientRect();
    window.seatPage.zoomTo(sc, (Math.min(...xs) + Math.max(...xs)) / 2 - r.width / 2 / sc, (Math.min(...ys) + Math.max(...ys)) / 2 - r.height / 2 / sc);
  }, [area.polygon, scale]);
  await zoomToArea(14);
  await page.waitForFunction((line) => window.seatPage.labels().some((l) => l.text === line), twoLine, { timeout: 5000 })
    .catch(async () => assert.fail('the area names ' + twoLine + ': ' + JSON.stringify(await page.evaluate(() => window.seatPage.labels().map((l) => l.text)))));
  const texts = (await page.evaluate(() => window.seatPage.labels())).map((l) => l.text);
  assert.ok(texts.includes('unallotted ' + placesOf(mapAfter, 0).toLocaleString('en')), JSON.stringify(texts));
  assert.ok(!texts.includes('all unallotted'), JSON.stringify(texts));
  await page.click('#fit');
  await page.waitForTimeout(100);
  // Two's band: across the area's middle, some pixels are Two's orange
  // (red well above blue), where the unallotted area is a pale blue.
  const warm = await page.evaluate((polygon) => {
    const map = document.getElementById('map');
    const box = map.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const ys = polygon.map((p) => p[1]), xs = polygon.map((p) => p[0]);
    // Across the area a fifth, a half and four fifths down (the label
    // in its middle leaves the band's part under it out).
    const c = map.getContext('2d');
    let k = 0;
    for (const f of [0.2, 0.5, 0.8]) {
      const y = Math.min(...ys) + f * (Math.max(...ys) - Math.min(...ys));
      const from = window.seatPage.point(Math.min(...xs), y), to = window.seatPage.point(Math.max(...xs), y);
      for (let x = from.x; x <= to.x; x++) {
        const [r, , b] = c.getImageData(Math.round((x - box.left) * dpr), Math.round((from.y - box.top) * dpr), 1, 1).data;
        if (r - b > 40) k++;
      }
    }
    return k;
  }, area.polygon);
  assert.ok(warm >= 3, "Two's band shows in the standing area: " + warm + ' warm pixels');
  await areaLabelClear(page, area, 'the Small Hall fitted, Two has ' + (twoBefore + 7) + ' places');
  // Most of the area to Two: its band runs under the label, which stays
  // clear of it.
  await page.mouse.click(at.x, at.y);
  await page.fill('#area-count', String(unallotted - 7 - 5));
  await page.selectOption('#area-from', '0');
  await page.selectOption('#area-to', '2');
  await page.click('#area-move');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Moved'));
  await page.waitForTimeout(100);
  await areaLabelClear(page, area, 'the Small Hall fitted, Two has most places');
  // Zoomed in on the area, the long name of its third owner wraps inside it
  // (it once stuck out of the area's left edge).
  for (const scale of [14]) {
    await zoomToArea(scale);
    await areaLabelClear(page, area, 'the Small Hall at scale ' + scale);
  }
  await page.click('#fit');
  await page.locator('#canvas-wrap').screenshot({ path: path.join(shots, 'venue-small-hall-standing-owners.png') });
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the move'));
  const standing = Number((await page.textContent('#owners tr[data-owner="2"] [data-count="standing"]')).replace(/,/g, ''));
  assert.ok(standing >= twoBefore + 7, 'the distributors table counts Two\'s standing places: ' + standing);
  // More than are left unallotted: the page says how many there are.
  await page.mouse.click(at.x, at.y);
  await page.fill('#area-count', String(unallotted));
  await page.selectOption('#area-from', '0');
  await page.click('#area-move');
  await page.waitForFunction((k) => document.getElementById('error').textContent.includes('has ' + k.toLocaleString('en') + ' available places'), unallotted - 7);
  assert.equal(await page.textContent('#status'), '', 'the last line is gone beside the refusal');
  assert.equal(free((await call('GET', '/v1/events/' + hall + '/seat-map', token)).json, 2), twoBefore + 7, 'nothing moved');
  // Another session gives One 3 more places: this tab's counts are out of
  // date, so it reads them again rather than refusing a move it can make.
  const oneBefore = free((await call('GET', '/v1/events/' + hall + '/seat-map', token)).json, 1);
  const other = await call('POST', '/v1/events/' + hall + '/allotments/selection', token,
    { distributor: 1, seats: [{ area: { area: area.id, count: 3 } }], from: [null] });
  assert.equal(other.status, 200, JSON.stringify(other.json));
  await page.selectOption('#area-from', '1');
  await page.fill('#area-count', String(oneBefore + 3));
  await page.click('#area-move');
  await page.waitForFunction((k) => document.getElementById('status').textContent.startsWith('Moved ' + k + ' places'), oneBefore + 3);
  const mapLast = (await call('GET', '/v1/events/' + hall + '/seat-map', token)).json;
  assert.equal(free(mapLast, 1), 0, JSON.stringify(shares(mapLast)));
  assert.equal(free(mapLast, 2), twoBefore + 7 + oneBefore + 3);
  // The standing areas' table fits the side pane with three owners in an
  // area: who has the places is one owner a line.
  // (At 1024 px the pane is narrower than at 1280.)
  for (const width of [1280, 1024]) {
    await page.setViewportSize({ width, height: 800 });
    const areasWrap = await page.evaluate(() => { const w = document.getElementById('areas').parentElement; return [w.scrollWidth, w.clientWidth]; });
    assert.ok(areasWrap[0] <= areasWrap[1] + 1, 'the standing areas table fits its pane in a ' + width + ' px window: ' + areasWrap);
    // Its headers are whole ("Available by owner" once showed as "A"
    // beside a long owner's name), as are the distributors table's.
    const headers = await page.evaluate(() => [...document.querySelectorAll('#areas th, #owners th')].map((th) => [th.textContent, th.scrollWidth, th.clientWidth]));
    for (const [text, sw, cw] of headers) assert.ok(sw <= cw + 1, '"' + text + '" is cut in a ' + width + ' px window: ' + sw + ' > ' + cw);
    const ownersWrap = await page.evaluate(() => { const w = document.getElementById('owners').parentElement; return [w.scrollWidth, w.clientWidth]; });
    // (At 1024 px its seat-type columns scroll sideways, as before.)
    if (width === 1280) assert.ok(ownersWrap[0] <= ownersWrap[1] + 1, 'the distributors table fits its pane in a ' + width + ' px window: ' + ownersWrap);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(shots, 'venue-small-hall-standing.png') });
}

// What a person sees when something is wrong: an unknown event, a token
// that is not accepted (and then the right one), and another token.
async function errors(context) {
  const tab = await context.newPage();
  // An organizer in India (UTC+5:30 all year) reads the events' times in
  // their own zone.
  await (await context.newCDPSession(tab)).send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Kolkata' });
  // The page is the same for every event number (no probing which events
  // exist without a token); the organizer's token learns there is none.
  const res = await tab.goto(base + '/page/events/999999');
  assert.equal(res.status(), 200);
  await tab.waitForSelector('#login:not([hidden])');
  // Before a token is taken, the header offers nothing that needs one.
  assert.ok(await tab.isHidden('#all-events'), 'no "All events" before a token');
  assert.ok(await tab.isHidden('#signout'), 'no "Use another token" before a token');
  await tab.fill('#token', token);
  await tab.click('#login button[type="submit"]');
  // The token is kept: the page says so in place of the map and lists the
  // events this token manages, each a link to its map.
  await tab.waitForFunction(() => document.getElementById('list-status').textContent.includes('The center has no event 999999'));
  await tab.waitForSelector('#list:not([hidden]) #event-items li');
  assert.ok(await tab.isHidden('#login'), 'no token asked for again');
  assert.ok(await tab.isVisible('#all-events') && await tab.isVisible('#signout'), 'the header links once the token is taken');
  // "All events" lists them too.
  await tab.click('#all-events');
  await tab.waitForSelector('#list:not([hidden]) #event-items li');
  const listed = await tab.$$eval('#event-items a', (as) => as.map((a) => a.getAttribute('href')));
  for (const ev of [event, hall, bowl]) assert.ok(listed.includes('/page/events/' + ev), 'the list links event ' + ev + ': ' + listed);
  // Each start is in the venue's time and says its zone; the organizer's
  // own time (this tab's is India's) and UTC on hover.
  const listedEvents = (await call('GET', '/v1/events', token)).json.events;
  const listedHall = listedEvents.find((e) => String(e.event) === String(hall));
  assert.equal(listedHall.time_zone, 'Europe/Berlin');
  const start = listedHall.start;
  const shown = await tab.$eval('#event-items a[href="/page/events/' + hall + '"] + time', (t) => ({ text: t.textContent, datetime: t.dateTime, title: t.title }));
  const inIndia = new Date((start + 5.5 * 3600) * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const berlinParts = Object.fromEntries(new Intl.DateTimeFormat('en', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone: 'Europe/Berlin',
  }).formatToParts(new Date(start * 1000)).map((p) => [p.type, p.value]));
  const inBerlin = berlinParts.year + '-' + berlinParts.month + '-' + berlinParts.day + ' ' + berlinParts.hour + ':' + berlinParts.minute + ' ' + berlinParts.timeZoneName;
  assert.match(inBerlin, / GMT\+[12]$/);
  assert.deepEqual(shown, {
    text: inBerlin + ' (Europe/Berlin)',
    datetime: new Date(start * 1000).toISOString(),
    title: 'your time: ' + inIndia + ' GMT+5:30 · ' + new Date(start * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  });
  await tab.click('#event-items a[href="/page/events/' + hall + '"]');
  await ready(tab);
  assert.match(await tab.textContent('#title'), /Seat allocation: /);
  await tab.evaluate(() => sessionStorage.clear());
  await tab.goto(base + '/page/events/' + event);
  await tab.waitForSelector('#login:not([hidden])');
  await tab.fill('#token', 'not-a-token');
  await tab.click('#login button[type="submit"]');
  await tab.waitForFunction(() => document.getElementById('login-error').textContent.includes('not accepted'));
  await tab.fill('#token', d2Token);
  await tab.click('#login button[type="submit"]');
  await tab.waitForFunction(() => document.getElementById('login-error').textContent.includes('forbidden'));
  // A token copied with its scheme, as in an Authorization header.
  await tab.fill('#token', 'Bearer ' + token);
  await tab.click('#login button[type="submit"]');
  await ready(tab);
  await tab.click('#signout');
  await tab.waitForSelector('#login:not([hidden])');
  assert.ok(await tab.isVisible('#token'));
  assert.ok(await tab.isHidden('#signout'), 'signed out: no "Use another token"');
  // A token refused keeps the header empty too.
  await tab.fill('#token', 'not-a-token');
  await tab.click('#login button[type="submit"]');
  await tab.waitForFunction(() => document.getElementById('login-error').textContent.includes('not accepted'));
  assert.ok(await tab.isHidden('#all-events'), 'a refused token: no "All events"');
  await tab.close();
}

// A token revoked mid-session (here by the organizer, with the token
// itself) asks for a token again; once another is given, the selection,
// the distributor picked and the split weights are as they were, and so
// is the view.
async function tokenRevoked(context) {
  const tab = await context.newPage();
  await tab.goto(base + '/page/events/' + event);
  await tab.evaluate((t) => sessionStorage.setItem('eticket.organizer.token', t), token2);
  await tab.reload();
  await ready(tab);
  await drag(tab, await centre(tab, 2, 2, 1), await centre(tab, 2, 2, 4));
  const chosen = await count(tab, 'all', 'selected');
  assert.ok(chosen >= 3, 'the drag selected ' + chosen + ' seats');
  await tab.selectOption('#distributor', '2');
  await tab.fill('#ratio-1', '3');
  await tab.fill('#ratio-2', '2');
  const viewBefore = await tab.evaluate(() => window.seatPage.view());
  const id = require('node:crypto').createHash('sha256').update(token2).digest('hex').slice(0, 16);
  const revoked = await call('POST', '/v1/credentials/' + id + '/revoke', token2, {});
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  await tab.click('#assign');
  await tab.waitForSelector('#login:not([hidden])');
  assert.match(await tab.textContent('#login-error'), /not accepted/);
  // A mistyped token first: refused too, and the change stays one not made.
  await tab.fill('#token', 'not-a-token');
  await Promise.all([tab.waitForResponse((r) => r.url().includes('/seat-map') && r.status() === 401), tab.click('#login button[type="submit"]')]);
  await tab.waitForSelector('#login:not([hidden])');
  assert.match(await tab.textContent('#login-error'), /not accepted.*the change was not made/);
  await tab.fill('#token', token);
  await tab.click('#login button[type="submit"]');
  await tab.waitForSelector('#app:not([hidden])');
  await tab.waitForFunction(() => /Token accepted/.test(document.getElementById('status').textContent));
  assert.equal(await count(tab, 'all', 'selected'), chosen, 'the selection survives a new token');
  assert.equal(await tab.inputValue('#distributor'), '2', 'the distributor picked survives a new token');
  assert.deepEqual([await tab.inputValue('#ratio-1'), await tab.inputValue('#ratio-2')], ['3', '2'], 'the weights survive a new token');
  assert.deepEqual(await tab.evaluate(() => window.seatPage.view()), viewBefore, 'the view survives a new token');
  assert.equal(await tab.textContent('#status'), 'Token accepted. The selection (' + chosen + ' seats), the distributor and the weights are as they were; the change the old token asked for was not made: make it again.');
  await tab.close();
}

async function bigVenue(page) {
  // The token is kept in the tab (sessionStorage): give it once.
  await page.goto(base + '/page/events/' + event);
  if (await page.isVisible('#login:not([hidden])')) {
    await page.fill('#token', token);
    await page.click('#login button[type="submit"]');
  }
  await ready(page);
  const loads = [];
  const fetches = [];
  const adopts = [];
  const firstDraws = [];
  let wire = null;
  for (let k = 0; k < 5; k++) {
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/events/' + bowl + '/seat-map'));
    await page.goto(base + '/page/events/' + bowl);
    const res = await answer;
    if (wire === null) {
      const h = await res.allHeaders();
      wire = { encoding: h['content-encoding'] || 'identity', bytes: Number(h['content-length'] || -1), json_bytes: (await res.body()).length };
    }
    await ready(page);
    loads.push(await page.evaluate(() => window.pageTimings.usableMs));
    fetches.push(await page.evaluate(() => window.pageTimings.fetchMs));
    adopts.push(await page.evaluate(() => window.pageTimings.adoptMs));
    firstDraws.push(await page.evaluate(() => window.pageTimings.firstDrawMs));
  }
  assert.equal(wire.encoding, 'gzip', JSON.stringify(wire));
  assert.ok(wire.bytes > 0 && wire.bytes <= 150 * 1024, 'the seat map within 150 KB on the wire: ' + JSON.stringify(wire));
  assert.equal(await count(page, 'all', 'total'), 100000);
  const bowlFitted = await overlaysClear(page, 'the bowl fitted');
  assert.ok(bowlFitted.labels.length >= 4, 'the stadium overview names its blocks: ' + bowlFitted.labels.length + ' labels');
  const clash = bowlFitted.labels.some((a, i) => bowlFitted.labels.some((b, j) =>
    i < j && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
  assert.ok(!clash, 'block names do not overlap in the overview');
  await page.screenshot({ path: path.join(shots, 'venue-stadium-bowl.png') });

  // Zoom into the north stand, then drag rectangles of about 60 x 12 rows.
  const drags = [];
  const counted = [];
  const dragDraws = [];
  for (let k = 0; k < 5; k++) {
    await page.evaluate(() => window.seatPage.zoomToSeat(2, 12, 15, 6));
    const r = await page.evaluate(() => { const b = document.getElementById('map').getBoundingClientRect(); return { x: b.left + b.width / 2, y: b.top + b.height / 2 }; });
    // Right of the map's centre: the legend sits in its top-left corner.
    await drag(page, { x: r.x - 40 + k, y: r.y - 60 }, { x: r.x + 320 + k, y: r.y + 60 });
    await page.waitForFunction(() => window.pageTimings.lastDragMs !== null);
    drags.push(await page.evaluate(() => window.pageTimings.lastDragMs));
    counted.push(await page.evaluate(() => window.pageTimings.lastCountsMs));
    dragDraws.push(await page.evaluate(() => window.pageTimings.lastDrawMs));
    await page.evaluate(() => { window.pageTimings.lastDragMs = null; });
  }
  const selected = await count(page, 'all', 'selected');
  assert.ok(selected >= 300, 'the drag selected ' + selected + ' seats');
  await page.screenshot({ path: path.join(shots, 'venue-stadium-bowl-zoomed.png') });
  // Assign the last rectangle to One.
  await page.selectOption('#distributor', '1');
  const assignStart = Date.now();
  await page.click('#assign');
  await page.waitForFunction((k) => document.getElementById('status').textContent === 'Assigned ' + k + ' seats to One.',
    selected.toLocaleString('en'), { timeout: 120000 });
  const assignMs = Date.now() - assignStart;
  assert.equal(await count(page, 'all', 'allotted'), selected);

  // The whole bowl split 1:1 in one request (runs of seats, the center
  // splits), then undone in one request (runs of seats with their owners).
  await page.click('#select-all');
  const all = await count(page, 'all', 'selected');
  assert.equal(all, 100000, 'select all took ' + all);
  await page.check('#move');
  await page.fill('#ratio-1', '1');
  await page.fill('#ratio-2', '1');
  const splitStart = Date.now();
  await page.click('#split');
  await page.waitForFunction((k) => document.getElementById('status').textContent.startsWith('Split ' + k + ' seats'),
    all.toLocaleString('en'), { timeout: 120000 });
  const splitMs = Date.now() - splitStart;
  assert.equal(await count(page, 'all', 'allotted'), all);
  await page.click('#fit');
  await page.screenshot({ path: path.join(shots, 'venue-stadium-bowl-split.png') });
  const stats = await call('GET', '/v1/events/' + bowl + '/stats', token);
  const per = {};
  for (const [d, , c] of stats.json.counts) per[d] = (per[d] || 0) + c;
  assert.ok(Math.abs(per[1] - per[2]) <= 20, 'a 1:1 split of the bowl: ' + JSON.stringify(per));
  const undoStart = Date.now();
  await page.click('#undo');
  await page.waitForFunction((k) => document.getElementById('status').textContent === 'Undid the split of ' + k + ' seats.',
    all.toLocaleString('en'), { timeout: 120000 });
  const undoMs = Date.now() - undoStart;
  assert.equal(await count(page, 'all', 'allotted'), selected, 'the undo gives back the seats assigned before');
  return {
    assign_selection_ms: assignMs,
    split_whole_venue_ms: splitMs,
    undo_whole_venue_ms: undoMs,
    seats: await count(page, 'all', 'total'),
    seat_map_wire: wire,
    load_to_usable_ms: loads.map(Math.round),
    seat_map_fetch_ms: fetches.map(Math.round),
    page_work_ms: adopts.map(Math.round),
    first_frame_ms: firstDraws.map(Math.round),
    drag_frame_draw_ms: dragDraws.map(Math.round),
    drag_to_counts_painted_ms: drags.map(Math.round),
    drag_to_counts_updated_ms: counted.map(Math.round),
    median_load_ms: Math.round(median(loads)),
    p95_load_ms: Math.round(percentile(loads, 0.95)),
    median_drag_ms: Math.round(median(drags)),
    median_counts_ms: Math.round(median(counted)),
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
    await tab.fill('#pick-row', 'ABCD'[row - 1]); // Block A's rows are printed A to D
    await tab.click('#select-row');
    await tab.check('#move');
    await tab.selectOption('#distributor', String(d));
  };
  const assigned = async (tab) => {
    await tab.click('#assign');
    await tab.waitForFunction(() => /^Assigned|already: nothing changed/.test(document.getElementById('status').textContent));
  };
  const first = await open();
  const stale = await open();
  await pickRow(first, 1);
  await pickRow(stale, 2);
  await first.click('#assign');
  // (The row may be One's already: the status then says nothing changed.)
  await first.waitForFunction(() => /^Assigned |already/.test(document.getElementById('status').textContent));
  for (let n = 1; n <= 10; n++) assert.equal((await seatState(event, 1, 3, n)).owner, 1);
  await stale.click('#assign');
  await stale.waitForFunction(() => document.getElementById('error').textContent.includes('allotment_changed'));
  assert.match(await errorText(stale), /do not have the owner this change expected/);
  // Seats and owners as the page names them, not by their numbers.
  assert.match(await errorText(stale), /Block A, row C, seat \d+: One now/);
  assert.match(await errorText(stale), /Another tab or session changed these seats since this page loaded them, so nothing was changed\. The map now shows their owners/);
  assert.doesNotMatch(await errorText(stale), /name their owner/);
  for (let n = 1; n <= 10; n++) {
    assert.equal((await seatState(event, 1, 3, n)).owner, 1, 'the stale tab took seat 1/3/' + n);
  }
  // After the refusal the stale tab shows the seats as the center has them.
  await stale.uncheck('#move');
  await stale.selectOption('#pick-block', '1');
  await stale.fill('#pick-row', 'C');
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
  await mixed.fill('#pick-row', 'C');
  await mixed.click('#select-row');
  await mixed.check('input[name="mode"][value="add"]');
  await mixed.fill('#pick-row', 'D');
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

  // A tab that shows seats as One's which another tab has since moved to
  // Two reads the owners again before naming them: assigning them to Two
  // (the move box not ticked) is not refused as "already allotted to One".
  const namer = await open();
  await pickRow(mover, 2, 3);
  await assigned(mover);
  await namer.selectOption('#pick-block', '1');
  await namer.fill('#pick-row', 'C');
  await namer.click('#select-row');
  await namer.selectOption('#distributor', '2');
  await namer.click('#assign');
  await namer.waitForFunction(() => /^Assigned |already/.test(document.getElementById('status').textContent));
  assert.ok(await namer.isHidden('#error'), 'no error: ' + await errorText(namer));
  await namer.close();
  await pickRow(mover, 1, 3);
  await assigned(mover);

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
  await splitter.fill('#pick-row', 'C');
  await splitter.click('#select-row');
  await splitter.check('input[name="mode"][value="add"]');
  await splitter.fill('#pick-row', 'D');
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
  await mover.fill('#pick-row', 'B');
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
  await splitTab.fill('#pick-row', 'C');
  await splitTab.click('#select-row');
  await splitTab.check('#move');
  await splitTab.fill('#ratio-1', '1');
  await splitTab.fill('#ratio-2', '1');
  await splitTab.click('#split');
  await splitTab.waitForFunction(() => document.getElementById('status').textContent.startsWith('Split 9 seats'));
  assert.match(await splitTab.textContent('#status'), /1 seat sold or held meanwhile was left as it is/);
  assert.equal(await splitTab.textContent('#undo'), 'Undo split', 'Undo names the step it takes back');
  await splitTab.click('#undo');
  await splitTab.waitForFunction(() => document.getElementById('status').textContent.startsWith('Undid the split of 9 seats'));
  assert.equal(await splitTab.textContent('#undo'), 'Undo selection change');
  assert.deepEqual(await seatState(event, 1, 3, 1), { owner: 2, taken: 2 }, 'the held seat stayed as it was');
  // Picking it by its label says why it cannot be selected.
  await splitTab.selectOption('#pick-block', '1');
  await splitTab.fill('#pick-row', 'C');
  await splitTab.fill('#pick-number', '1');
  await splitTab.click('#select-seat');
  await splitTab.waitForFunction(() => document.getElementById('error').textContent.includes('Seat 1 in row C of Block A is held for a buyer.'));
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
    page.on('pageerror', (e) => { problems.push('page error: ' + e.message); console.error('page error: ' + e.stack); });
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 409')) problems.push('console: ' + m.text()); });
    // No external assets: every request stays on the center.
    page.on('request', (r) => { if (!r.url().startsWith(base)) problems.push('external request: ' + r.url()); });
    // PAGE_BENCH=1 (scripts/bench/page) measures the bowl only.
    if (!process.env.PAGE_BENCH) {
      await smallVenue(page);
      await staleTab(context);
      await tokenRevoked(context);
      await errors(context);
      await sampleVenues(page);
    }
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
