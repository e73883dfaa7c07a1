// The users routes at scale.  GET /api/users/{id}, GET /api/advanced/users
// and PUT / DELETE /api/advanced/users/{id} walk every channel the caller
// may see: ListRooms, then ListParticipants of each channel someone is in,
// then the writes.  lkgate makes those calls WIDTH at a time and takes the
// answers in channel order, so that hundreds of channels answer well within
// the request deadline and the answer is the one a walk of one call at a
// time gives, whatever order LiveKit answers in.  The emulator holds each
// answer (setDelay) and counts the calls out at once; the deadline and a
// client that leaves end a walk with calls out, and none start after.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { startEmulator } from '../emulator/emulator.mjs';
import { request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIuserswalk';
const LK_SECRET = 'a-users-walk-livekit-secret-of-32-chars';
const USER_SECRET = 'the-users-walk-user-jwt-secret-32-bytes+';
const ADMIN_KEY = 'users-walk-admin-key-0123456789';
const WIDTH = 8; // WALK_WIDTH in src/h_users.c
const CHANNELS = 300; // with someone in them
const EMPTY = 40; // channels with nobody in them
const USERS = 50;
const DELAY = 30; // ms LiveKit takes to answer each call
const CREATED = 1764284400;

let lk;
let gw;
let gwShort; // a request deadline shorter than a walk

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function userJwt(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 3600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const who = {
  admin: { 'X-API-Key': ADMIN_KEY },
  root: { Authorization: `Bearer ${userJwt('root', { role: 'admin' })}` },
  carol: { Authorization: `Bearer ${userJwt('carol')}` },
};

const api = (g, caller, method, path, body, headers = {}) =>
  request(g.url + path, { method, headers: { ...who[caller], ...headers }, body, timeout: 30_000 });

function ok(res) {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.success, true, res.text);
  return res.json;
}

// --- the channels: CHANNELS with people in them, then EMPTY without ---

const channelId = (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const roomOf = (i) => `channel-${channelId(i)}`;
// Every tenth channel is private, open to bob only: carol does not see it.
const isPrivate = (i) => i % 10 === 3;
const guestId = (g) => `c0ffee00-0000-4000-8000-${g.toString(16).padStart(12, '0')}`;

// Who is in channel i, in join order.  A user's name differs from channel
// to channel: its user object takes the one of its first channel.
function members(i) {
  const m = [`u${i % USERS}`, `u${(i * 7 + 3) % USERS}`, 'star'];
  if (i % 25 === 0) m.push(`guest:${guestId(i / 25)}`);
  return [...new Set(m)];
}
const nameIn = (identity, i) => `${identity} in ${i}`;

// Channels are listed oldest first: channel i was made at CREATED + i,
// so the walk's order is the order of i.
function seed() {
  lk.reset();
  for (let i = 0; i < CHANNELS + EMPTY; i++) {
    const meta = {
      name: `Channel ${i}`, description: '', max_users: 100, is_private: isPrivate(i),
      created_by: 'root', created_at: CREATED + i, invited: isPrivate(i) ? ['bob'] : [],
    };
    lk.addRoom(roomOf(i), { metadata: JSON.stringify(meta) });
    if (i >= CHANNELS) continue;
    for (const identity of members(i)) {
      lk.addParticipant(roomOf(i), { identity, name: nameIn(identity, i) });
    }
    lk.addParticipant(roomOf(i), { identity: `agent-${i}`, kind: 'AGENT' });
  }
}

const seen = (caller, i) => i < CHANNELS && (caller !== 'carol' || !isPrivate(i));
const occupied = (caller) => [...Array(CHANNELS).keys()].filter((i) => seen(caller, i));

// What a walk of one call at a time answers: the user objects of the
// channels the caller sees, each with its channels in channel order and the
// name of its first one, sorted by id.
function expectedUsers(caller) {
  const users = new Map();
  for (const i of occupied(caller)) {
    for (const identity of members(i)) {
      if (!users.has(identity)) users.set(identity, { identity, display_name: nameIn(identity, i), channels: [] });
      users.get(identity).channels.push(channelId(i));
    }
  }
  const id = (u) => (u.identity.startsWith('guest:') ? u.identity.slice(6) : u.identity);
  return [...users.values()].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

// --- the calls LiveKit sees ---

// Calls of each method out at once, now and at most, counted by the
// emulator: from the start of a call's answer delay to its answer.
const out = new Map();
const peak = new Map();
function arrived(call) {
  const n = (out.get(call.method) ?? 0) + 1;
  out.set(call.method, n);
  peak.set(call.method, Math.max(n, peak.get(call.method) ?? 0));
}
function answered(call) {
  if (call.method) out.set(call.method, out.get(call.method) - 1);
}
function resetPeaks() {
  out.clear();
  peak.clear();
}
// Each answer held ms(room) (a number: the same for all).
function hold(ms) {
  resetPeaks();
  lk.setDelay((call, room) => {
    arrived(call);
    return typeof ms === 'function' ? ms(room) : ms;
  });
}

// A seeded generator, so that a failing order can be replayed.
function random(seedValue) {
  let s = seedValue >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const base = () => ({
  LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
  LIVEKIT_API_KEY: LK_KEY,
  LIVEKIT_API_SECRET: LK_SECRET,
  LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
  LKGATE_USER_JWT_SECRET: USER_SECRET,
});

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET, log: answered });
  gw = await startLkgate({ env: { ...base(), LKGATE_REQUEST_TIMEOUT_MS: '30000' } });
  gwShort = await startLkgate({
    env: { ...base(), LKGATE_UPSTREAM_TIMEOUT_MS: '1000', LKGATE_REQUEST_TIMEOUT_MS: '1500' },
  });
});

after(async () => {
  for (const g of [gw, gwShort]) {
    const { code } = await g.stop();
    assert.equal(code, 0, 'lkgate exits 0 after SIGTERM (and, under ASan, leaks nothing)');
  }
  await lk.close();
});

describe('the walk: calls at once, and their order', () => {
  beforeEach(() => {
    seed();
    lk.setDelay(0);
  });

  it('asks no ListParticipants of an empty channel', async () => {
    const j = ok(await api(gw, 'admin', 'GET', '/api/advanced/users?limit=100'));
    assert.equal(j.pagination.total_items, expectedUsers('admin').length);
    assert.equal(lk.callsOf('ListRooms').length, 1);
    const asked = lk.callsOf('ListParticipants').map((c) => c.body.room);
    assert.equal(asked.length, CHANNELS, 'one for each channel someone is in');
    assert.deepEqual(new Set(asked), new Set(occupied('admin').map(roomOf)));
  });

  it(`lists ${CHANNELS} channels' users in half the time one call at a time takes`, async () => {
    hold(DELAY);
    const t0 = performance.now();
    const j = ok(await api(gw, 'admin', 'GET', '/api/advanced/users?limit=100'));
    const ms = performance.now() - t0;
    // One call at a time cannot take less than this; WIDTH at once, an eighth.
    const serial = CHANNELS * DELAY;
    assert.ok(ms < serial / 2, `${Math.round(ms)} ms, one at a time at least ${serial} ms`);
    assert.equal(peak.get('ListParticipants'), WIDTH, `${WIDTH} ListParticipants out at once, never more`);
    assert.equal(j.data.length, expectedUsers('admin').length);
  });

  it('answers what one call at a time gives, whatever order LiveKit answers in', async () => {
    const look = async () => ({
      admin: ok(await api(gw, 'admin', 'GET', '/api/advanced/users?limit=100')),
      carol: ok(await api(gw, 'carol', 'GET', '/api/advanced/users?limit=100&sort_by=display_name&order=desc')),
      star: ok(await api(gw, 'carol', 'GET', '/api/users/star')).data,
      u7: ok(await api(gw, 'root', 'GET', '/api/users/u7')).data,
      guest: ok(await api(gw, 'carol', 'GET', `/api/users/${guestId(2)}`)).data,
    });
    const first = await look();
    const pick = (u) => ({ identity: u.identity, display_name: u.display_name, channels: u.channels });
    assert.deepEqual(first.admin.data.map(pick), expectedUsers('admin'));
    const carol = expectedUsers('carol').sort((a, b) => (a.display_name < b.display_name ? 1 : -1));
    assert.deepEqual(first.carol.data.map(pick), carol);
    assert.deepEqual(pick(first.star), expectedUsers('carol').find((u) => u.identity === 'star'));
    assert.deepEqual(pick(first.u7), expectedUsers('admin').find((u) => u.identity === 'u7'));
    assert.deepEqual(first.guest.channels, [channelId(50)]);
    for (const s of [1, 2]) {
      // Each answer held 0-20 ms: they come back in a shuffled order.
      const r = random(s);
      hold(() => Math.floor(r() * 20));
      assert.deepEqual(await look(), first, `the same answers with seed ${s}`);
      assert.ok(peak.get('ListParticipants') <= WIDTH);
    }
  });

  it('answers the first failure in channel order, even when a later one comes first', async () => {
    const order = occupied('admin').map(roomOf);
    // Channel 2 fails late (503), channel 5 at once (502): one call at a
    // time meets channel 2's first.
    lk.failNext('ListParticipants', { room: order[2], code: 'unavailable', msg: 'node 2 down' });
    lk.failNext('ListParticipants', { room: order[5], code: 'internal', msg: 'node 5 broke' });
    hold((room) => (room === order[2] ? 300 : 5));
    const res = await api(gw, 'admin', 'GET', '/api/advanced/users');
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.success, false);
    assert.equal(res.json.error_code, 'UPSTREAM_UNAVAILABLE');
    // Nothing starts once a failure is known: only the window of the
    // channels before channel 2 was still out.
    const asked = lk.callsOf('ListParticipants').length;
    assert.ok(asked <= 2 + WIDTH, `${asked} ListParticipants, at most ${2 + WIDTH}`);
    await sleep(200);
    assert.equal(lk.callsOf('ListParticipants').length, asked, 'none after the answer');
  });

  it('PUT renames in every channel, WIDTH at a time, and answers them in channel order', async () => {
    hold(DELAY);
    const t0 = performance.now();
    const res = await api(gw, 'root', 'PUT', '/api/advanced/users/star', { display_name: 'Star' });
    const ms = performance.now() - t0;
    const u = ok(res).data;
    const all = occupied('admin').map(channelId);
    assert.deepEqual(u.renamed_in, all);
    assert.deepEqual(u.channels, all);
    assert.equal(u.display_name, 'Star');
    const serial = 2 * CHANNELS * DELAY;
    assert.ok(ms < serial / 2, `${Math.round(ms)} ms, one at a time at least ${serial} ms`);
    assert.equal(peak.get('UpdateParticipant'), WIDTH);
    assert.equal(lk.callsOf('UpdateParticipant').length, CHANNELS);
    for (let i = 0; i < CHANNELS; i++) {
      assert.equal(lk.rooms.get(roomOf(i)).participants.get('star').name, 'Star');
    }
  });

  it('DELETE removes from every channel and answers them in channel order, shuffled or not', async () => {
    const r = random(7);
    hold(() => Math.floor(r() * 40));
    const j = ok(await api(gw, 'admin', 'DELETE', '/api/advanced/users/star')).data;
    assert.equal(j.identity, 'star');
    assert.deepEqual(j.removed_from, occupied('admin').map(channelId));
    assert.ok(peak.get('RemoveParticipant') <= WIDTH);
    for (let i = 0; i < CHANNELS; i++) {
      assert.ok(!lk.rooms.get(roomOf(i)).participants.has('star'), `star left channel ${i}`);
    }
  });

  it('a failed write is answered in channel order too', async () => {
    const order = occupied('admin').map(roomOf);
    lk.failNext('UpdateParticipant', { room: order[1], code: 'unavailable', msg: 'down' });
    lk.failNext('UpdateParticipant', { room: order[4], code: 'internal', msg: 'broke' });
    hold((room) => (room === order[1] ? 200 : 5));
    const res = await api(gw, 'root', 'PUT', '/api/advanced/users/star', { display_name: 'S' });
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error_code, 'UPSTREAM_UNAVAILABLE');
    const asked = lk.callsOf('UpdateParticipant').length;
    assert.ok(asked <= 1 + WIDTH, `${asked} UpdateParticipant, at most ${1 + WIDTH}`);
  });
});

// The access line of the request with id rid, once it is written.
async function accessLine(g, rid, waitMs = 5000) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lines = g.logs.filter((l) => l?.event === 'access' && l.id === rid);
    if (lines.length > 0 || Date.now() > deadline) return lines;
    await sleep(20);
  }
}

async function metric(g, sample) {
  const res = await request(`${g.url}/metrics`);
  const line = res.text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
const CANCELLED = 'lkgate_livekit_calls_total{method="ListParticipants",outcome="cancelled"}';

describe('a walk cut short', () => {
  beforeEach(() => seed());

  it('the deadline firing mid-walk answers 504 TIMEOUT in the envelope, once; no call starts after', async () => {
    // 300 channels at 100 ms, 8 at a time: about 3.8 s; the deadline is 1.5 s.
    hold(100);
    const before0 = await metric(gwShort, CANCELLED);
    const rid = 'walk-deadline-1';
    const t0 = performance.now();
    const res = await api(gwShort, 'admin', 'GET', '/api/advanced/users', undefined, { 'X-Request-Id': rid });
    const ms = performance.now() - t0;
    assert.equal(res.status, 504, res.text);
    assert.equal(res.json.success, false);
    assert.equal(res.json.error_code, 'TIMEOUT');
    assert.match(res.json.error, /took too long/);
    assert.equal(res.json.request_id, rid);
    assert.ok(ms >= 1400 && ms < 3000, `answered at the deadline (${Math.round(ms)} ms)`);
    const asked = lk.callsOf('ListParticipants').length;
    assert.ok(asked > WIDTH && asked < CHANNELS, `cut mid-walk (${asked} asked)`);
    await sleep(400);
    assert.equal(lk.callsOf('ListParticipants').length, asked, 'no call starts after the answer');
    const lines = await accessLine(gwShort, rid);
    assert.equal(lines.length, 1, 'one access line');
    assert.equal(lines[0].status, 504);
    const cancelled = await metric(gwShort, CANCELLED) - before0;
    assert.ok(cancelled >= 1 && cancelled <= WIDTH, `the calls out were cancelled (${cancelled})`);
    lk.setDelay(0);
    assert.equal(ok(await api(gwShort, 'admin', 'GET', '/api/advanced/users')).pagination.total_items,
      expectedUsers('admin').length, 'the next walk is whole');
  });

  it('a client that leaves mid-walk: the request ends once, without error, and the gateway goes on', async () => {
    hold(50);
    const rid = 'walk-gone-1';
    const errorsBefore = gw.logs.filter((l) => l?.level === 'error').length;
    const req = http.request(`${gw.url}/api/advanced/users`, {
      headers: { ...who.admin, 'X-Request-Id': rid }, agent: false,
    });
    req.on('error', () => {});
    req.end();
    await sleep(400);
    const asked = lk.callsOf('ListParticipants').length;
    assert.ok(asked > WIDTH && asked < CHANNELS, `mid-walk (${asked} asked)`);
    req.destroy();
    // evhttp 2.1 tells of a closed connection only when written to: the
    // walk goes on to its end (the deadline bounds it) and its answer is
    // dropped; were the close seen first, the request would end then,
    // without an answer (status 0).
    const lines = await accessLine(gw, rid, 10_000);
    assert.equal(lines.length, 1, 'the request ended, once');
    assert.ok([0, 200].includes(lines[0].status), `status ${lines[0].status}`);
    await sleep(200);
    assert.equal((await accessLine(gw, rid, 0)).length, 1, 'still once');
    assert.equal(gw.logs.filter((l) => l?.level === 'error').length, errorsBefore, 'no error logged');
    lk.setDelay(0);
    assert.equal(ok(await api(gw, 'admin', 'GET', '/api/advanced/users')).pagination.total_items,
      expectedUsers('admin').length, 'the next walk is whole');
  });

  it('a client that leaves, then the deadline: one end, no call after it', async () => {
    hold(100);
    const rid = 'walk-gone-2';
    const req = http.request(`${gwShort.url}/api/advanced/users`, {
      headers: { ...who.admin, 'X-Request-Id': rid }, agent: false,
    });
    req.on('error', () => {});
    req.end();
    await sleep(300);
    req.destroy();
    const lines = await accessLine(gwShort, rid);
    assert.equal(lines.length, 1, 'the request ended, once');
    assert.ok([0, 504].includes(lines[0].status), `status ${lines[0].status}`);
    const asked = lk.callsOf('ListParticipants').length;
    assert.ok(asked < CHANNELS, `the walk stopped (${asked} of ${CHANNELS})`);
    await sleep(400);
    assert.equal(lk.callsOf('ListParticipants').length, asked, 'no call starts after');
    assert.equal((await accessLine(gwShort, rid, 0)).length, 1, 'still once');
  });
});
