// Room listing at scale and rooms lkgate did not make.  LiveKit lists
// rooms in one answer (ListRooms has no paging), so 5,000 rooms carrying
// 1 KiB of metadata each make an answer of several MiB that lkgate must
// read, page and let every caller walk to the end: admins, users (who see
// only their own and invited rooms among them), with its memory measured.
// Rooms other backends made may have any LiveKit name (spaces, UTF-8, '/',
// up to 256 bytes): admins page past them, and GET and DELETE them by the
// percent-encoded name; cursors are opaque.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { startEmulator } from '../emulator/emulator.mjs';
import { request, startLkgate } from './lib.mjs';

const LK_KEY = 'APImanyrooms';
const LK_SECRET = 'a-many-rooms-livekit-secret-of-32-chars';
const USER_SECRET = 'the-many-rooms-user-jwt-secret-32-bytes+';
const ADMIN_KEY = 'many-rooms-admin-key-0123456789';
const ROOMS = 5000;
const META_BYTES = 1024;
const USERS = 100;
const PAGE_TIMEOUT = 30_000;

let lk;
let gw;

function userJwt(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 3600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

const admin = { 'X-API-Key': ADMIN_KEY };
const asUser = (sub, extra) => ({ Authorization: `Bearer ${userJwt(sub, extra)}` });
const call = (headers, method, path) =>
  request(gw.url + path, { method, headers, timeout: PAGE_TIMEOUT });
const roomPath = (name) => `/api/livekit/rooms/${encodeURIComponent(name)}`;

// Every page of the list as `headers` sees it, following next_cursor.
async function walk(headers, { limit = 100, query = '' } = {}) {
  const names = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = new URLSearchParams(query);
    q.set('limit', String(limit));
    if (cursor !== null) q.set('cursor', cursor);
    const res = await call(headers, 'GET', `/api/livekit/rooms?${q}`);
    assert.equal(res.status, 200, `page ${pages + 1}: ${res.text.slice(0, 300)}`);
    assert.ok(res.json.rooms.length <= limit);
    names.push(...res.json.rooms.map((r) => r.name));
    cursor = res.json.next_cursor;
    if (cursor !== null) {
      assert.equal(typeof cursor, 'string');
      const last = res.json.rooms.at(-1).name;
      assert.notEqual(cursor, last, 'the cursor is not the bare name');
      assert.ok(!cursor.includes(encodeURIComponent(last)), 'nor holds it');
    }
    pages++;
  } while (cursor !== null && pages <= ROOMS);
  return { names, pages };
}

// Names in LiveKit's byte order (lkgate's list order).
const byteOrder = (names) => [...names]
  .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

// The gateway metadata of room i, padded with its title to META_BYTES:
// created by u(i % USERS), inviting u((i + 1) % USERS) and four guests.
function metadata(i) {
  const guests = [1, 2, 3, 4].map((g) => `guest-${g}-${'g'.repeat(100)}`);
  const meta = {
    created_by: `u${i % USERS}`, call_type: i % 2 ? 'video' : 'audio',
    invited: [`u${(i + 1) % USERS}`, ...guests],
    created_at: 1764284400 + i, title: '',
  };
  const base = Buffer.byteLength(JSON.stringify(meta));
  meta.title = `Room ${i} `.padEnd(META_BYTES - base, '.');
  const text = JSON.stringify(meta);
  assert.equal(Buffer.byteLength(text), META_BYTES);
  return text;
}

const roomName = (i) => `room-${String(i).padStart(5, '0')}`;

// lkgate's CPU time so far, ms (user + system).
function cpuMs() {
  const f = fs.readFileSync(`/proc/${gw.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

// Under AddressSanitizer (make asan) memory is the sanitizer's: its
// quarantine keeps what lkgate frees, and malloc_trim is not its own.
const sanitized = () => fs.readFileSync(`/proc/${gw.proc.pid}/maps`, 'utf8')
  .includes('libasan');

// lkgate's resident memory, kB: [now, peak].
function rss() {
  const status = fs.readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return [kb('VmRSS'), kb('VmHWM')];
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      LKGATE_UPSTREAM_TIMEOUT_MS: '20000',
      LKGATE_REQUEST_TIMEOUT_MS: '30000',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
});

describe('rooms other backends named', () => {
  const foreign = ['a b', 'Réunion d\'équipe', 'team/weekly', '日本語の会議',
    '😀 party', '%41 literal', 'q?x=1#frag', '+plus+', ' lead', 'trail ',
    'é'.repeat(128) /* 256 bytes */, 'n'.repeat(256)];
  const ours = ['alpha', 'mid-room', 'zulu'];

  before(() => {
    lk.reset();
    for (const n of [...foreign, ...ours]) lk.addRoom(n, { metadata: n === 'a b' ? 'x' : '' });
  });

  it('an admin pages past every one of them, one room a page', async () => {
    const { names, pages } = await walk(admin, { limit: 1 });
    assert.deepEqual(names, byteOrder([...foreign, ...ours]));
    assert.equal(pages, foreign.length + ours.length);
  });

  it('and three a page', async () => {
    const { names } = await walk(admin, { limit: 3 });
    assert.deepEqual(names, byteOrder([...foreign, ...ours]));
  });

  it('an admin reads each by its percent-encoded name', async () => {
    for (const n of foreign) {
      const res = await call(admin, 'GET', roomPath(n));
      assert.equal(res.status, 200, `${n}: ${res.text}`);
      assert.equal(res.json.room.name, n);
      assert.equal(res.json.room.created_by, null, 'no gateway metadata');
    }
  });

  it('a user gets 403 on them, not 400', async () => {
    const res = await call(asUser('u1'), 'GET', roomPath('a b'));
    assert.equal(res.status, 403, res.text);
  });

  it('an admin deletes them by name', async () => {
    for (const n of ['a b', 'team/weekly', '日本語の会議', 'n'.repeat(256)]) {
      const res = await call(admin, 'DELETE', roomPath(n));
      assert.equal(res.status, 200, `${n}: ${res.text}`);
      assert.deepEqual(res.json, { deleted: true });
      assert.ok(!lk.rooms.has(n), `${n} is gone from LiveKit`);
    }
    const again = await call(admin, 'DELETE', roomPath('a b'));
    assert.equal(again.status, 404, again.text);
  });

  it('names no LiveKit room may have are 400', async () => {
    for (const p of ['a%09b', 'a%0Ab', 'a%7F', 'a%C2%85', '%FF', '%C3',
      'n'.repeat(257), 'é'.repeat(128) + 'x']) {
      const res = await call(admin, 'GET', `/api/livekit/rooms/${p}`);
      assert.equal(res.status, 400, `${p}: ${res.text}`);
      assert.equal(res.json.code, 'INVALID_INPUT');
      assert.match(res.json.error, /room_name/);
    }
  });

  it('lkgate still names its own rooms strictly', async () => {
    const res = await request(`${gw.url}/api/livekit/rooms`, {
      method: 'POST', headers: admin, body: { name: 'a b', call_type: 'video' },
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.error, /name/);
  });

  it('a cursor lkgate did not make is 400', async () => {
    const raw = (s) => Buffer.from(s).toString('base64url');
    for (const c of ['!!!', raw('a b'), raw('after:a\tb'), raw('after:'),
      raw(`after:${'n'.repeat(257)}`), 'A'.repeat(400)]) {
      const res = await call(admin, 'GET', `/api/livekit/rooms?cursor=${encodeURIComponent(c)}`);
      assert.equal(res.status, 400, `${c}: ${res.text}`);
      assert.match(res.json.error, /cursor/);
    }
  });
});

describe(`${ROOMS} rooms with ${META_BYTES} bytes of metadata each`, () => {
  let before;

  it('are seeded', () => {
    lk.reset();
    // In no particular order: LiveKit's is its own.
    for (let k = 0; k < ROOMS; k++) {
      const i = (k * 7919) % ROOMS;
      lk.addRoom(roomName(i), { metadata: metadata(i), maxParticipants: 10 });
    }
    assert.equal(lk.rooms.size, ROOMS);
    before = rss();
  });

  it('an admin pages through all of them to the end', async (t) => {
    const t0 = Date.now();
    const c0 = cpuMs();
    const { names, pages } = await walk(admin, { limit: 100 });
    assert.equal(names.length, ROOMS);
    assert.deepEqual(names, Array.from({ length: ROOMS }, (_, i) => roomName(i)));
    assert.equal(pages, ROOMS / 100);
    const elapsed = Date.now() - t0;
    const cpu = cpuMs() - c0;
    const [busy, peak] = rss();
    // Freed pages go back once large answers stop for a second.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [idle] = rss();
    t.diagnostic(`lkgate RSS: ${before[0]} kB before, peak ${peak} kB while listing, ` +
      `${busy} kB at the last page, ${idle} kB a moment later; ${pages} pages in ` +
      `${elapsed} ms, lkgate CPU ${cpu} ms`);
    if (sanitized()) return;
    // The answer is some 8 MiB: memory grows with it, not without bound.
    assert.ok(peak < 256 * 1024, `peak RSS ${peak} kB`);
    assert.ok(idle < before[0] + 32 * 1024, `RSS ${idle} kB once idle`);
  });

  it('a user sees only their own and invited rooms among them', async () => {
    const { names } = await walk(asUser('u7'), { limit: 20 });
    const want = [];
    for (let i = 0; i < ROOMS; i++) {
      if (i % USERS === 7 || (i + 1) % USERS === 7) want.push(roomName(i));
    }
    assert.equal(want.length, 2 * ROOMS / USERS);
    assert.deepEqual(names, want);
  });

  it('with the call_type filter', async () => {
    const { names } = await walk(asUser('u7'), { query: 'call_type=video' });
    assert.ok(names.length > 0);
    assert.ok(names.every((n) => Number(n.slice(5)) % 2 === 1));
  });

  it('a user invited nowhere sees none', async () => {
    const res = await call(asUser('nobody'), 'GET', '/api/livekit/rooms?limit=100');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { rooms: [], next_cursor: null });
  });

  it('an admin user lists them all, and ?all=false only their own', async () => {
    const res = await call(asUser('root', { role: 'admin' }), 'GET',
      '/api/livekit/rooms?limit=100');
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.equal(res.json.rooms.length, 100);
    assert.equal(typeof res.json.next_cursor, 'string');
    const own = await walk(asUser('u3', { role: 'admin' }), { query: 'all=false' });
    assert.equal(own.names.length, 2 * ROOMS / USERS);
  });

  it('many clients listing at once all get their pages', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, (_, k) =>
      call(k % 2 ? admin : asUser(`u${k}`), 'GET', '/api/livekit/rooms?limit=100')));
    for (const res of all) assert.equal(res.status, 200, res.text.slice(0, 200));
    const [, peak] = rss();
    if (!sanitized()) assert.ok(peak < 256 * 1024, `peak RSS ${peak} kB`);
  });
});
