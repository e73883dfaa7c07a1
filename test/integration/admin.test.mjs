// The admin page (GET /admin) in a real headless Chromium, against lkgate
// and the LiveKit emulator: a wrong key is refused with a clear message,
// the admin key lists every room LiveKit holds (all pages), the list
// refreshes on its own, a room is deleted only after the confirmation,
// and the key lives in the tab's sessionStorage only.  The page's strict
// Content-Security-Policy must let its own inline script and style run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { chromium } from '../emulator/playwright.mjs';
import { repoRoot, request, startLkgate } from './lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
const LK_KEY = 'APIadminpagetest';
const LK_SECRET = 'an-admin-page-livekit-secret-of-32-chars';
const ADMIN_KEY = 'admin-page-key-0123456789abcdef';
const APP_KEY = 'app-page-key-0123456789abcdef';
const WAIT_MS = 15_000;
// More rooms than one page of GET /api/livekit/rooms (at most 100).
const BULK_ROOMS = 101;
// LiveKit's room list of these is some 8 MiB, read once a page.
const MANY_ROOMS = 5000;
const MANY_WAIT_MS = 120_000;

let lk;
let gw;
let context;
let page;
let profile;
const cspViolations = [];

const roomRow = (name) => page.locator(`tr[data-room="${name}"]`);
const shownRooms = () => page.$$eval('#rows tr', (trs) => trs.map((tr) => tr.dataset.room));

function adminCall(method, p, body) {
  return request(gw.url + p, { method, headers: { 'X-API-Key': ADMIN_KEY }, body });
}

// A page of the context that reports CSP violations.
async function newPage() {
  const p = await context.newPage();
  p.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return p;
}

async function submitKey(key) {
  await page.fill('#key', key);
  await page.click('#use');
}

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM),
    `${CHROMIUM} is missing: run sh deploy/install-deps test`);
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `admin:${ADMIN_KEY}:admin,app:${APP_KEY}`,
      LKGATE_UPSTREAM_TIMEOUT_MS: '2000',
    },
  });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lkgate-admin-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await newPage();
});

after(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
  assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violation');
  for (const secret of [ADMIN_KEY, APP_KEY, LK_SECRET]) {
    assert.ok(!gw.stderr().includes(secret), 'no secret in the log');
  }
});

describe('the admin page', () => {
  it('is the page of src/admin.html under a strict CSP naming its inline code',
    async () => {
      const source = fs.readFileSync(path.join(repoRoot(), 'src/admin.html'));
      const res = await fetch(`${gw.url}/admin`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8$/i);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(source), 'served as is');
      const csp = Object.fromEntries(res.headers.get('content-security-policy')
        .split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      const hash = (open, close) => {
        const text = source.toString('utf8');
        const b = text.indexOf(open) + open.length;
        return `'sha256-${createHash('sha256')
          .update(text.slice(b, text.indexOf(close, b))).digest('base64')}'`;
      };
      assert.deepEqual(csp['default-src'], ["'none'"]);
      assert.deepEqual(csp['script-src'], [hash('<script>', '</script>')]);
      assert.deepEqual(csp['style-src'], [hash('<style>', '</style>')]);
      assert.deepEqual(csp['connect-src'], ["'self'"]);
      assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
      assert.ok(!res.headers.get('content-security-policy').includes('unsafe'));
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(!/<(script|link|img|iframe)[^>]*\s(src|href)=/i.test(source.toString()),
        'no external assets');
    });

  it('shows a clear error for a key that is not an admin key, and keeps none',
    async () => {
      await page.goto(`${gw.url}/admin`);
      await submitKey('not-a-key-at-all');
      await page.locator('#error').waitFor({ state: 'visible', timeout: WAIT_MS });
      assert.match(await page.textContent('#error'), /not valid.*401/);
      assert.equal(await page.isVisible('#rooms'), false);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);

      await page.goto(`${gw.url}/admin`);
      await submitKey(APP_KEY);
      await page.locator('#error').waitFor({ state: 'visible', timeout: WAIT_MS });
      assert.match(await page.textContent('#error'), /not an admin key.*403/);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    });

  it('lists every room LiveKit holds, over several pages', async () => {
    const standup = await adminCall('POST', '/api/livekit/rooms', {
      name: 'standup', title: 'Daily stand-up', call_type: 'video', participants: ['bob'],
      max_participants: 10,
    });
    assert.equal(standup.status, 201, standup.text);
    const audio = await adminCall('POST', '/api/livekit/rooms',
      { name: 'audio-call', call_type: 'audio' });
    assert.equal(audio.status, 201, audio.text);
    lk.addParticipant('standup', { identity: 'bob', name: 'Bob' });
    // Rooms lkgate did not create (no gateway metadata): admins see them too.
    for (let i = 0; i < BULK_ROOMS; i++) {
      lk.addParticipant(`bulk-${String(i).padStart(3, '0')}`, { identity: 'someone' });
    }

    await page.goto(`${gw.url}/admin`);
    await submitKey(ADMIN_KEY);
    await roomRow('standup').waitFor({ timeout: WAIT_MS });
    await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n,
      lk.rooms.size, { timeout: WAIT_MS });
    assert.deepEqual((await shownRooms()).sort(), [...lk.rooms.keys()].sort());
    assert.equal(await page.isVisible('#error'), false);

    const cells = await roomRow('standup').locator('td').allTextContents();
    assert.match(cells[0], /^standup\s*Daily stand-up$/);
    assert.equal(cells[1], 'video');
    assert.equal(cells[2], 'key:admin', 'the creator: the admin key, as key:<name>');
    assert.equal(cells[3], '1 / 10', 'participants / max_participants');
    assert.match(cells[4], /^\d+ s$/);
    const audioCells = await roomRow('audio-call').locator('td').allTextContents();
    assert.equal(audioCells[1], 'audio');

    // The Voice Chat app's channels: their name and fill.
    const general = await adminCall('POST', '/api/channels', { name: 'General', max_users: 5 });
    assert.equal(general.status, 201, general.text);
    const room = `channel-${general.json.data.id}`;
    lk.addParticipant(room, { identity: 'dan' });
    await page.waitForFunction((n) => {
      const tr = document.querySelector(`tr[data-room="${n}"]`);
      return tr && tr.cells[3].textContent === '1 / 5';
    }, room, { timeout: WAIT_MS });
    const chCells = await roomRow(room).locator('td').allTextContents();
    assert.match(chCells[0], /Channel: General$/);
    assert.equal(chCells[1], 'voice channel');
    assert.equal(chCells[2], 'admin');

    assert.equal(await page.evaluate(() => sessionStorage.getItem('lkgate-admin-key')),
      ADMIN_KEY, 'the key is in the tab\'s sessionStorage');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'not in localStorage');
    assert.equal(await page.evaluate(() => document.cookie), '', 'nor in a cookie');
  });

  it('refreshes the list on its own', async () => {
    lk.addParticipant('late-room', { identity: 'carol' });
    lk.removeRoom('bulk-000');
    await roomRow('late-room').waitFor({ timeout: WAIT_MS });
    await roomRow('bulk-000').waitFor({ state: 'detached', timeout: WAIT_MS });
    assert.deepEqual((await shownRooms()).sort(), [...lk.rooms.keys()].sort());
  });

  it('deletes a room only once the admin confirms', async () => {
    const dismissed = new Promise((resolve) => {
      page.once('dialog', async (d) => {
        await d.dismiss();
        resolve(d);
      });
    });
    await roomRow('audio-call').locator('button.delete').click();
    const d1 = await dismissed;
    assert.equal(d1.type(), 'confirm');
    assert.match(d1.message(), /audio-call/);
    // One refresh later the room is still there and no delete was sent.
    const before = await page.textContent('#status');
    await page.waitForFunction((t) => document.getElementById('status').textContent !== t,
      before, { timeout: WAIT_MS });
    assert.ok(lk.rooms.has('audio-call'));
    assert.equal(lk.callsOf('DeleteRoom').length, 0);

    page.once('dialog', (d) => d.accept());
    await roomRow('audio-call').locator('button.delete').click();
    await roomRow('audio-call').waitFor({ state: 'detached', timeout: WAIT_MS });
    assert.ok(!lk.rooms.has('audio-call'), 'deleted at LiveKit');
    const deletes = lk.callsOf('DeleteRoom');
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0].body.room, 'audio-call');
    assert.ok(await roomRow('standup').isVisible(), 'the other rooms stay');
  });

  it('pages to the end of 5,000 rooms with 1 KiB of metadata each, foreign names too',
    async () => {
      const foreign = ['Réunion d\'équipe', 'team/weekly', 'a b'];
      for (let i = 0; i < MANY_ROOMS; i++) {
        lk.addRoom(`many-${String(i).padStart(4, '0')}`, { metadata: 'm'.repeat(1024) });
      }
      for (const n of foreign) lk.addRoom(n);
      await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n,
        lk.rooms.size, { timeout: MANY_WAIT_MS });
      assert.deepEqual((await shownRooms()).sort(), [...lk.rooms.keys()].sort());
      assert.equal(await page.isVisible('#error'), false);

      // The many go; a foreign room is deleted from the page by its name.
      for (let i = 0; i < MANY_ROOMS; i++) lk.removeRoom(`many-${String(i).padStart(4, '0')}`);
      await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n,
        lk.rooms.size, { timeout: MANY_WAIT_MS });
      page.once('dialog', (d) => d.accept());
      await roomRow('team/weekly').locator('button.delete').click();
      await roomRow('team/weekly').waitFor({ state: 'detached', timeout: WAIT_MS });
      assert.ok(!lk.rooms.has('team/weekly'), 'a foreign room deleted at LiveKit');
      for (const n of foreign) lk.removeRoom(n);
    });

  it('keeps the key for this tab only, and forgets it on request', async () => {
    await page.reload();
    await roomRow('standup').waitFor({ timeout: WAIT_MS });

    const other = await newPage();
    await other.goto(`${gw.url}/admin`);
    assert.equal(await other.evaluate(() => sessionStorage.length), 0);
    assert.equal(await other.isVisible('#rooms'), false, 'another tab has no key');
    await other.close();

    await page.click('#forget');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(await page.isVisible('#rooms'), false);
  });
});
