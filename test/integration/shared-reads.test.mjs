// Reads shared while on their way: token requests for one room that come
// together make one ListRooms at LiveKit, and every one of them gets its
// own token; different rooms, or requests one after another, do not share;
// a failure is shared like an answer; /metrics counts the LiveKit call once
// and the shared answers apart.  The room cache, which would answer the
// later ones without a call, is off here.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIsharedreads';
const LK_SECRET = 'a-shared-reads-livekit-secret-of-32-chars';
const USER_SECRET = 'the-shared-reads-user-jwt-secret-32-bytes';
const ADMIN_KEY = 'shared-reads-admin-key-0123456789';

let lk;
let gw;

function userJwt(sub) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 600 });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

// Users u0..u(n-1), all invited to `room` by its creator `host`.
async function makeRoom(room, n) {
  const res = await request(`${gw.url}/api/livekit/rooms`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${userJwt('host')}` },
    body: {
      name: room, call_type: 'video',
      participants: Array.from({ length: n }, (_, i) => `u${i}`),
    },
  });
  assert.equal(res.status, 201, res.text);
}

const token = (sub, room) => request(`${gw.url}/api/livekit/token`, {
  method: 'POST',
  headers: { Authorization: `Bearer ${userJwt(sub)}` },
  body: { room_name: room },
});

// One sample of /metrics, 0 when absent.
async function metric(sample) {
  const res = await request(`${gw.url}/metrics`);
  assert.equal(res.status, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
const LIST_OK = 'lkgate_livekit_calls_total{method="ListRooms",outcome="ok"}';
const SHARED = 'lkgate_livekit_calls_shared_total';

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      // Reads shared while on their way, not kept after (room-cache.test.mjs).
      LKGATE_ROOM_CACHE_MS: '0',
    },
  });
  await makeRoom('class-a', 30);
  await makeRoom('class-b', 30);
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
});

beforeEach(() => {
  lk.setDelay(0);
  lk.calls.length = 0;
});

describe('token requests for one room at once', () => {
  it('make one ListRooms, and each gets its own valid token', async () => {
    const ok0 = await metric(LIST_OK);
    const shared0 = await metric(SHARED);
    lk.setDelay(300);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => token(`u${i}`, 'class-a')));
    const verifier = new TokenVerifier(LK_KEY, LK_SECRET);
    for (const [i, res] of answers.entries()) {
      assert.equal(res.status, 200, res.text);
      const claims = await verifier.verify(res.json.token);
      assert.equal(claims.sub, `u${i}`, 'each its own identity');
      assert.equal(claims.video.room, 'class-a');
      assert.equal(claims.video.roomJoin, true);
    }
    assert.equal(lk.callsOf('ListRooms').length, 1, 'one ListRooms');
    assert.equal(await metric(LIST_OK) - ok0, 1, 'one LiveKit call counted');
    assert.equal(await metric(SHARED) - shared0, 29, '29 answers shared');
  });

  it('still refuse, one by one, those not invited', async () => {
    lk.setDelay(300);
    const answers = await Promise.all([
      token('u1', 'class-a'), token('mallory', 'class-a'),
      token('u2', 'class-a'), token('eve', 'class-a'),
    ]);
    assert.deepEqual(answers.map((r) => r.status), [200, 403, 200, 403]);
    assert.equal(lk.callsOf('ListRooms').length, 1);
  });

  it('for two rooms make two ListRooms, each answered with its own room',
    async () => {
      lk.setDelay(300);
      const answers = await Promise.all(Array.from({ length: 20 },
        (_, i) => token(`u${i}`, i % 2 ? 'class-b' : 'class-a')));
      for (const [i, res] of answers.entries()) {
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.room_name, i % 2 ? 'class-b' : 'class-a');
      }
      assert.equal(lk.callsOf('ListRooms').length, 2);
    });

  it('one after another share nothing', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await token(`u${i}`, 'class-a')).status, 200);
    }
    assert.equal(lk.callsOf('ListRooms').length, 3);
  });

  it('share a failure as they share an answer, and the next one asks again',
    async () => {
      lk.setDelay(300);
      lk.failNext('ListRooms', { status: 503, code: 'unavailable', msg: 'busy' });
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) => token(`u${i}`, 'class-a')));
      for (const res of answers) {
        assert.equal(res.status, 503, res.text);
        assert.equal(res.json.code, 'UPSTREAM_UNAVAILABLE');
      }
      assert.equal(lk.callsOf('ListRooms').length, 1);
      lk.setDelay(0);
      assert.equal((await token('u0', 'class-a')).status, 200);
      assert.equal(lk.callsOf('ListRooms').length, 2);
    });
});

describe('a request that gives up while another waits on the same read', () => {
  // GET /api/livekit/rooms/NAME makes a ListRooms, then a ListParticipants.
  // Every call takes 1000 ms; a request has 1600 ms.  A starts at 0: its
  // ListRooms ends at 1000, its ListParticipants would at 2000, but A's
  // time runs out at 1600 (504).  B starts at 800: it rides on A's
  // ListRooms, then on A's ListParticipants, which must go on without A
  // and answer B at 2000, within B's time (2400).
  let slow;

  before(async () => {
    slow = await startLkgate({
      env: {
        LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
        LIVEKIT_API_KEY: LK_KEY,
        LIVEKIT_API_SECRET: LK_SECRET,
        LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
        LKGATE_USER_JWT_SECRET: USER_SECRET,
      // Reads shared while on their way, not kept after (room-cache.test.mjs).
      LKGATE_ROOM_CACHE_MS: '0',
        LKGATE_UPSTREAM_TIMEOUT_MS: '1500',
        LKGATE_REQUEST_TIMEOUT_MS: '1600',
      },
    });
  });
  after(async () => {
    assert.equal((await slow.stop()).code, 0);
  });

  it('A answers 504, the read goes on, B gets it; LiveKit sees each read once',
    async () => {
      const get = () => request(`${slow.url}/api/livekit/rooms/class-a`,
        { headers: { 'X-API-Key': ADMIN_KEY } });
      const scrape = async (sample) => {
        const res = await request(`${slow.url}/metrics`);
        const line = res.text.split('\n').find((l) => l.startsWith(`${sample} `));
        return line === undefined ? 0 : Number(line.slice(sample.length + 1));
      };
      const lp = (outcome) =>
        `lkgate_livekit_calls_total{method="ListParticipants",outcome="${outcome}"}`;
      const before0 = [await scrape(SHARED), await scrape(lp('ok')),
        await scrape(lp('cancelled'))];
      lk.addParticipant('class-a', { identity: 'u1' });
      lk.setDelay(1000);
      const a = get();
      await new Promise((resolve) => setTimeout(resolve, 800));
      const b = get();
      const [ra, rb] = await Promise.all([a, b]);
      assert.equal(ra.status, 504, ra.text);
      assert.equal(ra.json.code, 'UPSTREAM_TIMEOUT');
      assert.equal(rb.status, 200, rb.text);
      assert.deepEqual(rb.json.room.participants.map((x) => x.identity), ['u1']);
      assert.equal(lk.callsOf('ListRooms').length, 1);
      assert.equal(lk.callsOf('ListParticipants').length, 1);
      lk.setDelay(0);
      assert.equal(await scrape(SHARED) - before0[0], 1,
        'B shared A\'s ListRooms; the ListParticipants, A gone, is B\'s own');
      assert.equal(await scrape(lp('ok')) - before0[1], 1,
        'the ListParticipants counted once, by B');
      assert.equal(await scrape(lp('cancelled')) - before0[2], 0,
        'A leaving did not abandon it');
    });
});

describe('writes', () => {
  it('are never shared: two creates of one room at once make two CreateRoom',
    async () => {
      lk.setDelay(300);
      const body = { name: 'twice', call_type: 'audio' };
      const answers = await Promise.all([0, 1].map(() =>
        request(`${gw.url}/api/livekit/rooms`, {
          method: 'POST', headers: { 'X-API-Key': ADMIN_KEY }, body,
        })));
      for (const res of answers) assert.ok([201, 409].includes(res.status), res.text);
      assert.equal(lk.callsOf('CreateRoom').length, 2);
    });
});
