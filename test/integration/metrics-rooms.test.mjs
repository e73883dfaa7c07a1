// The metrics sampler against a LiveKit with many rooms.  Each sample
// counts LiveKit's rooms and participants with one ListRooms of every
// room, counted as the answer arrives and never held: 20,000 rooms with
// 1 KiB of metadata each make an answer of some 30 MiB, and lkgate's peak
// memory (VmHWM) must grow by less than a quarter of it, which keeping the
// answer (let alone parsing it into a tree) cannot do.  The counts in the
// metrics JSON are right.  A malformed answer and a Twirp error are a
// failed call (LiveKit unreachable in that sample); a room listing asked
// for while a count is on its way is a ListRooms of its own, answered in
// full; an answer cut by a reset and sent again is counted once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { startEmulator } from '../emulator/emulator.mjs';
import { AccessToken, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APImetricsrooms';
const LK_SECRET = 'a-metrics-rooms-test-livekit-secret-32ch';
const ADMIN_KEY = 'metrics-rooms-admin-key-0123456789';
const ROOMS = 20_000;
const META_BYTES = 1024;
const SAMPLE_WAIT_MS = 40_000;

let lk;
let gw;

const env = (lkPort) => ({
  LIVEKIT_URL: `ws://127.0.0.1:${lkPort}`,
  LIVEKIT_API_KEY: LK_KEY,
  LIVEKIT_API_SECRET: LK_SECRET,
  LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
  LKGATE_METRICS_LIVEKIT: 'true',
  LKGATE_UPSTREAM_TIMEOUT_MS: '20000',
  LKGATE_REQUEST_TIMEOUT_MS: '30000',
  // Under the cap that holding the answer would need: a count is not
  // bound by it.
  LKGATE_UPSTREAM_MAX_RESPONSE_BYTES: String(4 * 1024 * 1024),
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// lkgate's resident memory, kB: [now, peak].
function rss(g) {
  const status = fs.readFileSync(`/proc/${g.proc.pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return [kb('VmRSS'), kb('VmHWM')];
}

// Under AddressSanitizer memory is the sanitizer's (shadow, quarantine).
const sanitized = (g) => fs.readFileSync(`/proc/${g.proc.pid}/maps`, 'utf8')
  .includes('libasan');

// The newest sample's LiveKit part of /api/metrics/current.
async function current(g) {
  const res = await request(`${g.url}/api/metrics/current`, { headers: { 'X-API-Key': ADMIN_KEY } });
  assert.equal(res.status, 200, res.text);
  return res.json.data;
}

// The number of samples so far.
async function samples(g) {
  const res = await request(`${g.url}/api/metrics/summary`, { headers: { 'X-API-Key': ADMIN_KEY } });
  assert.equal(res.status, 200, res.text);
  return res.json.data.samples;
}

// Waits for a sample taken after now and returns /current then.
async function nextSample(g) {
  const seen = await samples(g);
  const deadline = Date.now() + SAMPLE_WAIT_MS;
  while (Date.now() < deadline) {
    await sleep(250);
    if ((await samples(g)) > seen) return current(g);
  }
  throw new Error(`no new sample within ${SAMPLE_WAIT_MS} ms`);
}

// Waits for a sample whose LiveKit counts pass ok(livekit); returns it.
async function sampleWhere(g, ok) {
  const deadline = Date.now() + SAMPLE_WAIT_MS;
  let d;
  while (Date.now() < deadline) {
    d = await nextSample(g);
    if (ok(d.livekit)) return d;
  }
  throw new Error(`no such sample; the last: ${JSON.stringify(d?.livekit)}`);
}

// lkgate's log lines (parsed JSON) that pass ok.
const logged = (g, ok) => g.logs.filter((l) => typeof l === 'object' && l !== null && ok(l));

// What LiveKit's answer to a ListRooms of every room weighs, bytes.
async function listRoomsBytes() {
  const at = new AccessToken(LK_KEY, LK_SECRET, { ttl: '5m' });
  at.addGrant({ roomList: true });
  const res = await request(`${lk.url}/twirp/livekit.RoomService/ListRooms`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await at.toJwt()}`, 'Content-Type': 'application/json' },
    body: '{}',
    timeout: 60_000,
  });
  assert.equal(res.status, 200);
  assert.equal(res.json.rooms.length, lk.rooms.size);
  return Buffer.byteLength(res.text);
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({ env: env(lk.port) });
  await sampleWhere(gw, (l) => l.reachable === true && l.rooms === 0);
});

after(async () => {
  assert.equal((await gw.stop()).code, 0);
  await lk.close();
});

describe('many rooms', () => {
  it(`${ROOMS} rooms: counted right, the peak memory far below the answer's size`, async () => {
    const [, base] = rss(gw);
    const meta = 'm'.repeat(META_BYTES);
    for (let i = 0; i < ROOMS; i++) {
      lk.addRoom(`room-${String(i).padStart(5, '0')}`, { metadata: meta });
    }
    let people = 0;
    for (let i = 0; i < 30; i++) {
      for (let k = 0; k <= i % 3; k++) {
        lk.addParticipant(`room-${String(i * 600).padStart(5, '0')}`, { identity: `p${k}` });
        people++;
      }
    }
    const bytes = await listRoomsBytes();
    assert.ok(bytes > ROOMS * META_BYTES, `the answer is ${bytes} bytes`);

    // The first sample may have started before the rooms were all there.
    const d = await sampleWhere(gw, (l) => l.rooms === ROOMS);
    assert.equal(d.livekit.reachable, true);
    assert.equal(d.livekit.participants, people);
    assert.equal(d.audio_metrics.active_channels, ROOMS);
    assert.equal(d.audio_metrics.active_users, people);
    const again = await nextSample(gw);
    assert.equal(again.livekit.rooms, ROOMS, 'and again');

    const [now, peak] = rss(gw);
    const grew = (peak - base) * 1024;
    console.log(`answer ${bytes} bytes; VmHWM ${base} -> ${peak} kB ` +
      `(+${grew} bytes), VmRSS ${now} kB`);
    // Keeping the answer alone would add `bytes`; its tree several times
    // that.
    if (!sanitized(gw)) {
      assert.ok(grew < bytes / 4,
        `the peak grew by ${grew} bytes for an answer of ${bytes}`);
    }
  });

  it('a room listing asked for while a count is on its way is sent and answered in full', async () => {
    lk.reset();
    for (const n of ['a', 'b', 'c']) lk.addRoom(n);
    lk.addParticipant('b', { identity: 'x' });
    await sampleWhere(gw, (l) => l.rooms === 3);
    lk.setDelay(2500);
    try {
      const before = lk.callsOf('ListRooms').length;
      const deadline = Date.now() + SAMPLE_WAIT_MS;
      while (lk.callsOf('ListRooms').length === before && Date.now() < deadline) {
        await sleep(20);
      }
      assert.equal(lk.callsOf('ListRooms').length, before + 1, 'a count is on its way');
      const res = await request(`${gw.url}/api/livekit/rooms?limit=10`, {
        headers: { 'X-API-Key': ADMIN_KEY }, timeout: 20_000,
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.rooms.map((r) => r.name), ['a', 'b', 'c']);
      assert.equal(lk.callsOf('ListRooms').length, before + 2,
        'the listing did not ride on the count');
    } finally {
      lk.setDelay(0);
    }
    const d = await sampleWhere(gw, (l) => l.reachable === true);
    assert.deepEqual([d.livekit.rooms, d.livekit.participants], [3, 1]);
  });

  it('a malformed answer: a failed call, with where it went wrong in the log', async () => {
    lk.failNext('ListRooms', { status: 200, text: '{"rooms":[{"num_participants":1},7]}' });
    const d = await sampleWhere(gw, (l) => l.reachable === false);
    assert.equal(d.livekit.rooms, null);
    const lines = logged(gw, (l) => l.event === 'livekit_call_failed' &&
      l.method === 'ListRooms' && l.outcome === 'failed');
    assert.ok(lines.some((l) => l.msg === 'LiveKit\'s answer is not a room list: ' +
      'a room is not an object at byte 33'), JSON.stringify(lines));
    const ok = await sampleWhere(gw, (l) => l.reachable === true);
    assert.equal(ok.livekit.rooms, 3, 'the next sample counts again');
  });

  it('a Twirp error: the call\'s outcome, the message kept', async () => {
    lk.failNext('ListRooms', { status: 503, code: 'unavailable', msg: 'draining' });
    await sampleWhere(gw, (l) => l.reachable === false);
    const lines = logged(gw, (l) => l.event === 'livekit_call_failed' &&
      l.outcome === 'unavailable');
    assert.ok(lines.some((l) => l.msg === 'draining' && l.http_status === 503),
      JSON.stringify(lines));
  });
});

// A LiveKit whose first answer to ListRooms is reset half-way: lkgate
// retries on a fresh connection (curl#10646), and the counter starts over.
describe('an answer cut and sent again', () => {
  let fake;
  let cut;
  let lists = 0;
  const body = JSON.stringify({
    rooms: [1, 2, 3, 4].map((n) => ({
      name: `r${n}`, metadata: '{"rooms":[{}]}'.repeat(200), num_participants: n,
    })),
  });

  before(async () => {
    fake = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (!req.url.endsWith('/ListRooms')) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
          return;
        }
        lists++;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        if (!cut) {
          res.end(body);
          return;
        }
        cut = false;
        // Three rooms and a half, then a reset (RST, not a clean close).
        res.write(body.slice(0, Math.floor(body.length * 0.85)));
        setTimeout(() => req.socket.resetAndDestroy(), 100);
      });
    });
    await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise((r) => fake.close(r));
  });

  it('is counted once, from the second answer', async () => {
    cut = true;
    const g = await startLkgate({ env: env(fake.address().port) });
    try {
      // The first sample is asked for at start: the cut answer's.
      const deadline = Date.now() + SAMPLE_WAIT_MS;
      while ((await samples(g)) < 1 && Date.now() < deadline) await sleep(50);
      const d = await current(g);
      assert.equal(cut, false, 'the first answer was cut');
      assert.equal(lists, 2, 'one answer cut, one sent again');
      assert.ok(g.stderr().includes('retrying'), 'lkgate retried');
      assert.equal(d.livekit.reachable, true, 'within the same call');
      assert.deepEqual([d.livekit.rooms, d.livekit.participants], [4, 10]);
    } finally {
      assert.equal((await g.stop()).code, 0);
    }
  });
});
