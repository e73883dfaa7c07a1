// The room cache: a user's token for a room looked up less than
// room_cache_ms ago is checked against the kept answer, without a
// ListRooms; after that time the room is looked up again.  lkgate's own
// writes to the room (DeleteRoom, RemoveParticipant, CreateRoom) and
// LiveKit's webhooks about it drop what is kept at once, so a deleted
// room refuses the next join.  LKGATE_ROOM_CACHE_MS=0 keeps nothing.
// A room still asked for in the second half of its time is looked up
// again behind the answer from the cache.  /metrics counts the answers
// from the cache apart from LiveKit calls.  Look-ups that miss the cache
// in one loop turn ride on one ListRooms of all their names.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import net from 'node:net';
import { startEmulator } from '../emulator/emulator.mjs';
import {
  AccessToken, RoomServiceClient, TokenVerifier, request, startLkgate,
} from './lib.mjs';

const LK_KEY = 'APIroomcache';
const LK_SECRET = 'a-room-cache-livekit-secret-of-32-chars';
const USER_SECRET = 'the-room-cache-user-jwt-secret-32-bytes!';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let lk;
const gws = [];

function userJwt(sub) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 600 });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function gateway(env = {}) {
  const gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      ...env,
    },
  });
  gws.push(gw);
  return gw;
}

const call = (gw, sub, method, path, body) => request(`${gw.url}${path}`, {
  method, headers: { Authorization: `Bearer ${userJwt(sub)}` }, body,
});
const token = (gw, sub, room) =>
  call(gw, sub, 'POST', '/api/livekit/token', { room_name: room });

async function makeRoom(gw, name, invited = ['bob']) {
  const res = await call(gw, 'alice', 'POST', '/api/livekit/rooms',
    { name, call_type: 'video', participants: invited });
  assert.equal(res.status, 201, res.text);
}

async function metric(gw, sample) {
  const res = await request(`${gw.url}/metrics`);
  assert.equal(res.status, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
const HITS = 'lkgate_room_cache_hits_total';
const LIST_OK = 'lkgate_livekit_calls_total{method="ListRooms",outcome="ok"}';
const SHARED = 'lkgate_livekit_calls_shared_total';

// A webhook as livekit-server signs it (see webhook.test.mjs).
async function webhook(gw, event, room, extra = {}) {
  const body = JSON.stringify({
    event, room: { sid: `RM_${room}`, name: room }, ...extra,
    id: `EV_${event}_${Date.now()}`,
    createdAt: String(Math.floor(Date.now() / 1000)),
  });
  const at = new AccessToken(LK_KEY, LK_SECRET, { ttl: '5m' });
  at.sha256 = createHash('sha256').update(body).digest('base64');
  const res = await request(`${gw.url}/api/livekit/webhook`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/webhook+json',
      Authorization: await at.toJwt(),
    },
    body,
  });
  assert.equal(res.status, 200, res.text);
}

const listRooms = () => lk.callsOf('ListRooms').length;

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
});

after(async () => {
  for (const gw of gws) assert.equal((await gw.stop()).code, 0);
  await lk.close();
});

describe('at the default room_cache_ms (1000)', () => {
  let gw;

  before(async () => {
    gw = await gateway();
  });
  beforeEach(() => {
    lk.calls.length = 0;
  });

  it('two tokens for a room within the TTL make one ListRooms', async () => {
    await makeRoom(gw, 'twice');
    lk.calls.length = 0;
    const hits0 = await metric(gw, HITS);
    const list0 = await metric(gw, LIST_OK);
    const verifier = new TokenVerifier(LK_KEY, LK_SECRET);
    for (const sub of ['bob', 'alice']) {
      const res = await token(gw, sub, 'twice');
      assert.equal(res.status, 200, res.text);
      const claims = await verifier.verify(res.json.token);
      assert.equal(claims.sub, sub);
      assert.equal(claims.video.room, 'twice');
    }
    assert.equal(listRooms(), 1, 'one ListRooms for two tokens');
    assert.equal(await metric(gw, HITS) - hits0, 1, 'one cache hit counted');
    assert.equal(await metric(gw, LIST_OK) - list0, 1,
      'one LiveKit call counted');
  });

  it('the kept answer still refuses a user not invited', async () => {
    await makeRoom(gw, 'closed');
    lk.calls.length = 0;
    assert.equal((await token(gw, 'bob', 'closed')).status, 200);
    const res = await token(gw, 'mallory', 'closed');
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.code, 'PERMISSION_DENIED');
    assert.equal(listRooms(), 1);
  });

  it('a room LiveKit does not have is asked for every time', async () => {
    for (let i = 0; i < 2; i++) {
      assert.equal((await token(gw, 'bob', 'nowhere')).status, 404);
    }
    assert.equal(listRooms(), 2);
  });

  it('DeleteRoom through lkgate drops it: a join right after is refused',
    async () => {
      await makeRoom(gw, 'doomed');
      assert.equal((await token(gw, 'bob', 'doomed')).status, 200);
      lk.calls.length = 0;
      const del = await call(gw, 'alice', 'DELETE', '/api/livekit/rooms/doomed');
      assert.equal(del.status, 200, del.text);
      const res = await token(gw, 'bob', 'doomed');
      assert.equal(res.status, 404, res.text);
      assert.equal(listRooms(), 1, 'looked up again');
    });

  it('leaving (RemoveParticipant through lkgate) drops it', async () => {
    await makeRoom(gw, 'left');
    lk.addParticipant('left', { identity: 'bob' });
    assert.equal((await token(gw, 'bob', 'left')).status, 200);
    lk.calls.length = 0;
    const res = await call(gw, 'bob', 'POST', '/api/livekit/rooms/left/leave');
    assert.equal(res.status, 200, res.text);
    assert.equal((await token(gw, 'bob', 'left')).status, 200);
    assert.equal(listRooms(), 1, 'looked up again');
  });

  it('a room_finished webhook drops it: a join right after is refused',
    async () => {
      await makeRoom(gw, 'ended');
      assert.equal((await token(gw, 'bob', 'ended')).status, 200);
      // LiveKit ends the room on its own (empty timeout): until it says
      // so, the kept answer stands.
      lk.rooms.delete('ended');
      lk.calls.length = 0;
      assert.equal((await token(gw, 'bob', 'ended')).status, 200,
        'from the cache');
      assert.equal(listRooms(), 0);
      await webhook(gw, 'room_finished', 'ended');
      const res = await token(gw, 'bob', 'ended');
      assert.equal(res.status, 404, res.text);
      assert.equal(res.json.code, 'ROOM_NOT_FOUND');
      assert.equal(listRooms(), 1, 'looked up again');
    });

  it('a participant_joined webhook drops it: the room is looked up again',
    async () => {
      await makeRoom(gw, 'busy');
      assert.equal((await token(gw, 'bob', 'busy')).status, 200);
      lk.calls.length = 0;
      await webhook(gw, 'participant_joined', 'busy',
        { participant: { sid: 'PA_1', identity: 'carol' } });
      assert.equal((await token(gw, 'bob', 'busy')).status, 200);
      assert.equal(listRooms(), 1);
      await webhook(gw, 'participant_joined', 'another-room',
        { participant: { sid: 'PA_2', identity: 'dave' } });
      assert.equal((await token(gw, 'bob', 'busy')).status, 200);
      assert.equal(listRooms(), 1, 'news of another room drops nothing');
    });

  it('a look-up on its way when the room changes is neither kept nor joined',
    async () => {
      await makeRoom(gw, 'racing');
      lk.calls.length = 0;
      lk.setDelay(300);
      try {
        const first = token(gw, 'bob', 'racing');
        await sleep(100);
        await webhook(gw, 'participant_joined', 'racing',
          { participant: { sid: 'PA_3', identity: 'erin' } });
        const second = token(gw, 'bob', 'racing');
        assert.equal((await first).status, 200);
        assert.equal((await second).status, 200);
        assert.equal(listRooms(), 2, 'the second did not ride on the first');
        lk.setDelay(0);
        assert.equal((await token(gw, 'bob', 'racing')).status, 200);
        assert.equal(listRooms(), 2, 'the second answer, after the news, '
          + 'is kept');
        await sleep(50);
      } finally {
        lk.setDelay(0);
      }
    });
});

// Token requests for many rooms that reach lkgate together: connected
// first, then written while lkgate is stopped (SIGSTOP), so that it reads
// them all in one loop turn.  Each request closes its connection; answers
// are {status, json}, or null for the requests whose client went away
// (`gone`: their indexes, closed 100 ms after lkgate runs again).
async function atOnce(gw, sub, rooms, gone = []) {
  const sockets = await Promise.all(rooms.map(() => new Promise(
    (resolve, reject) => {
      const s = net.connect(gw.port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    })));
  const answers = sockets.map((s) => new Promise((resolve) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { text += d; });
    s.on('error', () => resolve(null));
    s.on('close', () => {
      if (text === '') return resolve(null);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status: Number(text.split(' ')[1]), json: JSON.parse(body) });
    });
  }));
  await sleep(100);		// accepted, and waiting for a request
  const jwt = userJwt(sub);
  gw.proc.kill('SIGSTOP');
  try {
    rooms.forEach((room, i) => {
      const body = JSON.stringify({ room_name: room });
      sockets[i].write('POST /api/livekit/token HTTP/1.1\r\n'
        + 'Host: lkgate\r\nConnection: close\r\n'
        + 'Content-Type: application/json\r\n'
        + `Authorization: Bearer ${jwt}\r\n`
        + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    await sleep(100);		// every request in lkgate's socket buffers
  } finally {
    gw.proc.kill('SIGCONT');
  }
  if (gone.length > 0) {
    await sleep(100);
    for (const i of gone) sockets[i].destroy();
  }
  return Promise.all(answers);
}

describe('look-ups that miss together', () => {
  let gw;
  const names = [];

  before(async () => {
    gw = await gateway({ LKGATE_ROOM_CACHE_MS: '1000' });
    for (let i = 0; i < 20; i++) names.push(`together-${i}`);
    // bob is invited to all but the last; 'nowhere' LiveKit does not have.
    for (const n of names) {
      await makeRoom(gw, n, n === 'together-19' ? ['carol'] : ['bob']);
    }
  });
  beforeEach(async () => {
    await sleep(1100);		// nothing kept from the test before
    lk.calls.length = 0;
  });

  it('ride on one ListRooms naming each room once, each answered as alone',
    async () => {
      const asked = [...names, 'nowhere'];
      const list0 = await metric(gw, LIST_OK);
      const shared0 = await metric(gw, SHARED);
      const answers = await atOnce(gw, 'bob', asked);
      const calls = lk.callsOf('ListRooms');
      assert.equal(calls.length, 1, 'one ListRooms for 21 look-ups');
      assert.equal(await metric(gw, LIST_OK) - list0, 1, 'counted once');
      assert.equal(await metric(gw, SHARED) - shared0, 20,
        'the others shared it');
      assert.deepEqual([...calls[0].body.names].sort(), [...asked].sort());
      const verifier = new TokenVerifier(LK_KEY, LK_SECRET);
      for (let i = 0; i < 19; i++) {
        assert.equal(answers[i].status, 200, JSON.stringify(answers[i]));
        const claims = await verifier.verify(answers[i].json.token);
        assert.equal(claims.video.room, asked[i]);
        assert.equal(claims.sub, 'bob');
      }
      assert.equal(answers[19].status, 403, 'not invited');
      assert.equal(answers[19].json.code, 'PERMISSION_DENIED');
      assert.equal(answers[20].status, 404, 'LiveKit has no such room');
      assert.equal(answers[20].json.code, 'ROOM_NOT_FOUND');
      // What was found is kept, room by room; what was not, is not.
      for (const n of names.slice(0, 5)) {
        assert.equal((await token(gw, 'bob', n)).status, 200);
      }
      assert.equal(lk.callsOf('ListRooms').length, 1, 'kept');
      assert.equal((await token(gw, 'bob', 'nowhere')).status, 404);
      assert.equal(lk.callsOf('ListRooms').length, 2, 'asked for again');
    });

  it('the same room asked for twice together is looked up once',
    async () => {
      const asked = ['together-1', 'together-2', 'together-1'];
      const answers = await atOnce(gw, 'bob', asked);
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
      const calls = lk.callsOf('ListRooms');
      assert.equal(calls.length, 1);
      assert.deepEqual([...calls[0].body.names].sort(),
        ['together-1', 'together-2']);
    });

  it('a failed ListRooms fails each look-up on it, and nothing is kept',
    async () => {
      lk.failNext('ListRooms', { code: 'unavailable', msg: 'node stale' });
      const answers = await atOnce(gw, 'bob', names.slice(0, 10));
      for (const a of answers) {
        assert.equal(a.status, 503, JSON.stringify(a));
        assert.equal(a.json.code, 'UPSTREAM_UNAVAILABLE');
      }
      assert.equal(lk.callsOf('ListRooms').length, 1);
      const again = await atOnce(gw, 'bob', names.slice(0, 10));
      assert.deepEqual(again.map((a) => a.status), Array(10).fill(200));
      assert.equal(lk.callsOf('ListRooms').length, 2, 'looked up again');
    });

  it('more than 100 together: at most 100 names a ListRooms', async () => {
    // Rooms made at LiveKit directly, with lkgate's metadata of one of its
    // own rooms (bob invited), so that no write of lkgate's drops anything
    // meanwhile.
    const { metadata } = lk.rooms.get('together-0').room;
    const many = [];
    for (let i = 0; i < 130; i++) {
      many.push(`many-${i}`);
      lk.addRoom(`many-${i}`, { metadata });
    }
    // libevent's epoll reads 32 ready sockets a turn at first and doubles
    // that each time a turn is full: the second round reads more than 100
    // in one turn.
    for (const round of [1, 2]) {
      if (round === 2) {
        await sleep(1100);
        lk.calls.length = 0;
      }
      const answers = await atOnce(gw, 'bob', many);
      assert.deepEqual(answers.map((a) => a.status), Array(130).fill(200));
      const calls = lk.callsOf('ListRooms');
      const sizes = calls.map((c) => c.body.names.length);
      assert.ok(calls.length <= 4, `round ${round}: ${sizes}`);
      assert.ok(sizes.every((n) => n <= 100), `round ${round}: ${sizes}`);
      if (round === 2) assert.ok(sizes.includes(100), `${sizes}`);
      assert.deepEqual(calls.flatMap((c) => c.body.names).sort(),
        [...many].sort(), 'each room asked for once');
    }
  });

  it('clients that go away do not stop the others riding with them',
    async () => {
      lk.setDelay(300);
      let answers;
      try {
        answers = await atOnce(gw, 'bob', names.slice(0, 10),
          [0, 2, 4, 6, 8]);
      } finally {
        lk.setDelay(0);
      }
      for (let i = 0; i < 10; i++) {
        if (i % 2 === 0) assert.equal(answers[i], null, `${i} went away`);
        else assert.equal(answers[i].status, 200, JSON.stringify(answers[i]));
      }
      assert.equal(lk.callsOf('ListRooms').length, 1);
      // Every client gone: the ListRooms is given up, lkgate goes on.
      lk.setDelay(300);
      try {
        answers = await atOnce(gw, 'bob', names.slice(10, 14), [0, 1, 2, 3]);
      } finally {
        lk.setDelay(0);
      }
      assert.deepEqual(answers, [null, null, null, null]);
      await sleep(400);
      assert.equal((await token(gw, 'bob', 'together-12')).status, 200);
    });
});

describe('room_cache_ms', () => {
  beforeEach(() => {
    lk.calls.length = 0;
  });

  it('after the TTL the room is looked up again', async () => {
    const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '300' });
    await makeRoom(gw, 'short');
    lk.calls.length = 0;
    assert.equal((await token(gw, 'bob', 'short')).status, 200);
    assert.equal((await token(gw, 'bob', 'short')).status, 200);
    assert.equal(listRooms(), 1, 'within 300 ms: one');
    await sleep(400);
    assert.equal((await token(gw, 'bob', 'short')).status, 200);
    assert.equal(listRooms(), 2, 'after 300 ms: two');
  });

  // What a request reads from a kept answer (the room's gateway metadata,
  // parsed once for all the requests the cache serves) goes with that
  // answer: metadata changed at LiveKit behind lkgate's back counts from
  // the next look-up, not before and not later.
  it('metadata changed at LiveKit counts from the next look-up', async () => {
    const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '300' });
    await makeRoom(gw, 'changed', ['bob']);
    lk.calls.length = 0;
    assert.equal((await token(gw, 'carol', 'changed')).status, 403);
    assert.equal((await token(gw, 'bob', 'changed')).status, 200);
    const meta = JSON.parse(lk.rooms.get('changed').room.metadata);
    const invited = JSON.stringify(meta.invited);
    assert.ok(invited.includes('bob'), invited);
    meta.invited = JSON.parse(invited.replaceAll('bob', 'carol'));
    const rooms = new RoomServiceClient(`http://127.0.0.1:${lk.port}`,
      LK_KEY, LK_SECRET);
    await rooms.updateRoomMetadata('changed', JSON.stringify(meta));
    assert.equal((await token(gw, 'carol', 'changed')).status, 403,
      'within the TTL: the kept answer, its metadata read before');
    assert.equal(listRooms(), 1);
    await sleep(400);
    assert.equal((await token(gw, 'carol', 'changed')).status, 200,
      'after it: the new metadata');
    const res = await token(gw, 'bob', 'changed');
    assert.equal(res.status, 403, 'bob is no longer invited');
    assert.equal(listRooms(), 2);
  });

  it('a room asked for late in its TTL is renewed meanwhile',
    async () => {
      const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '2000' });
      await makeRoom(gw, 'renewed');
      lk.calls.length = 0;
      assert.equal((await token(gw, 'bob', 'renewed')).status, 200);
      await sleep(1700);
      assert.equal((await token(gw, 'bob', 'renewed')).status, 200,
        'from the cache, at once');
      // Renewals are gathered for a tenth of the time (200 ms) first.
      await sleep(350);
      assert.equal(listRooms(), 2, 'and looked up again behind it');
      await sleep(250);
      // 2300 ms after the first look-up, 400 after the renewal (asked
      // for from between 1000 and 1500 ms of age, sent 200 ms later).
      assert.equal((await token(gw, 'bob', 'renewed')).status, 200);
      assert.equal(listRooms(), 2, 'the renewed answer is used');
    });

  // Many busy rooms: their renewals are gathered for a tenth of the
  // cache's time and asked for in one ListRooms, not one a room.
  it('rooms due together are renewed in one ListRooms', async () => {
    const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '1000' });
    const names = [];
    for (let i = 0; i < 20; i++) names.push(`busy-${i}`);
    for (const n of names) await makeRoom(gw, n);
    lk.calls.length = 0;
    for (const n of names) {
      assert.equal((await token(gw, 'bob', n)).status, 200);
    }
    assert.equal(listRooms(), 20, 'one look-up a room');
    await sleep(800);	// every room is past its renewal age (750 ms)
    lk.calls.length = 0;
    for (const n of names) {
      assert.equal((await token(gw, 'bob', n)).status, 200, 'kept');
    }
    assert.equal(listRooms(), 0, 'renewals wait to be gathered');
    await sleep(250);
    const calls = lk.callsOf('ListRooms');
    assert.ok(calls.length >= 1 && calls.length <= 2,
      `${calls.length} ListRooms for 20 renewals`);
    const asked = calls.flatMap((c) => c.body.names);
    assert.deepEqual([...asked].sort(), [...names].sort(),
      'every room asked for once');
    // 1300 ms after the first look-ups: the renewed answers are used.
    await sleep(250);
    lk.calls.length = 0;
    for (const n of names) {
      assert.equal((await token(gw, 'bob', n)).status, 200);
    }
    assert.equal(listRooms(), 0, 'no look-up: each room was renewed');
  });

  it('a room a renewal finds gone is dropped at once', async () => {
    const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '1000' });
    await makeRoom(gw, 'vanishing');
    await makeRoom(gw, 'staying');
    assert.equal((await token(gw, 'bob', 'vanishing')).status, 200);
    assert.equal((await token(gw, 'bob', 'staying')).status, 200);
    await sleep(800);
    // Deleted at LiveKit behind lkgate's back: no webhook, no write.
    const rooms = new RoomServiceClient(`http://127.0.0.1:${lk.port}`,
      LK_KEY, LK_SECRET);
    await rooms.deleteRoom('vanishing');
    assert.equal((await token(gw, 'bob', 'vanishing')).status, 200,
      'still kept: asked for renewal');
    assert.equal((await token(gw, 'bob', 'staying')).status, 200);
    await sleep(200);
    lk.calls.length = 0;
    const res = await token(gw, 'bob', 'vanishing');
    assert.equal(res.status, 404, res.text);
    assert.equal(res.json.code, 'ROOM_NOT_FOUND');
    assert.equal(listRooms(), 1, 'looked up, not kept');
    assert.equal((await token(gw, 'bob', 'staying')).status, 200);
    assert.equal(listRooms(), 1, 'the other one was renewed');
  });

  it('a room changed while its renewal is on its way is not kept from it',
    async () => {
      const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '1000' });
      await makeRoom(gw, 'renew-race');
      assert.equal((await token(gw, 'bob', 'renew-race')).status, 200);
      await sleep(800);
      lk.setDelay(400);		// the renewal's answer comes late
      try {
        assert.equal((await token(gw, 'bob', 'renew-race')).status, 200);
        await sleep(200);	// the renewal is on its way
        assert.equal(listRooms() >= 1, true);
        await webhook(gw, 'participant_joined', 'renew-race');
        await sleep(500);	// it was answered, and not kept
      } finally {
        lk.setDelay(0);
      }
      lk.calls.length = 0;
      assert.equal((await token(gw, 'bob', 'renew-race')).status, 200);
      assert.equal(listRooms(), 1, 'looked up again');
    });

  it('0: every token makes a ListRooms, and no hit is counted', async () => {
    const gw = await gateway({ LKGATE_ROOM_CACHE_MS: '0' });
    await makeRoom(gw, 'uncached');
    lk.calls.length = 0;
    for (let i = 0; i < 3; i++) {
      assert.equal((await token(gw, 'bob', 'uncached')).status, 200);
    }
    assert.equal(listRooms(), 3);
    assert.equal(await metric(gw, HITS), 0);
  });

  it('refuses a value out of range, naming the option', async () => {
    await assert.rejects(gateway({ LKGATE_ROOM_CACHE_MS: '-1' }),
      /room_cache_ms|ROOM_CACHE_MS/);
  });
});
