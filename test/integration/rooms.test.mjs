// The Urbania video-call rooms end to end: users with the app's own JWTs
// (HS256, signed here with node:crypto), admin and app API keys, lkgate in
// front of the LiveKit Twirp emulator, tokens judged by the official
// livekit-server-sdk TokenVerifier.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIroomstest';
const LK_SECRET = 'a-rooms-test-livekit-secret-32-chars-long';
const USER_SECRET = 'the-urbania-user-jwt-secret-of-32-bytes+';
const APP_KEY = 'urbania-app-key-0123456789';
const ADMIN_KEY = 'urbania-admin-key-9876543210';
const UUID_ROOM = /^room-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ROOM_KEYS = ['name', 'sid', 'title', 'call_type', 'created_by', 'invited',
  'created_at', 'num_participants', 'max_participants', 'empty_timeout'];

let lk;
let gw;

function userJwt(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

const auth = {
  alice: { Authorization: `Bearer ${userJwt('alice', { name: 'Alice' })}` },
  bob: { Authorization: `Bearer ${userJwt('bob', { name: 'Bob' })}` },
  carol: { Authorization: `Bearer ${userJwt('carol', { name: 'Carol' })}` },
  root: { Authorization: `Bearer ${userJwt('root', { role: 'admin' })}` },
  admin: { 'X-API-Key': ADMIN_KEY },
  app: { 'X-API-Key': APP_KEY },
};

// One call as `who`; a body object is sent as JSON.
function api(who, method, path, body) {
  return request(gw.url + path, { method, headers: { ...auth[who] }, body });
}

const rooms = (who, query = '') => api(who, 'GET', `/api/livekit/rooms${query}`);
const create = (who, body) => api(who, 'POST', '/api/livekit/rooms', body);
const roomPath = (name, tail = '') =>
  `/api/livekit/rooms/${encodeURIComponent(name)}${tail}`;

function assertError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

// Every page of a listing, following next_cursor.
async function allPages(who, query) {
  const names = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = cursor === null ? query : `${query}&cursor=${cursor}`;
    const res = await rooms(who, q);
    assert.equal(res.status, 200, res.text);
    names.push(...res.json.rooms.map((r) => r.name));
    cursor = res.json.next_cursor;
    pages++;
  } while (cursor !== null && pages < 50);
  return { names, pages };
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `web:${APP_KEY}:app,ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      LKGATE_ROOM_MAX_PARTICIPANTS: '8',
      LKGATE_ROOM_EMPTY_TIMEOUT: '120',
      LKGATE_ROOM_DEPARTURE_TIMEOUT: '15',
      LKGATE_TOKEN_TTL: '900',
      // These tests change rooms behind lkgate's back (the emulator sends
      // no webhooks) and count every look-up: no room cache here
      // (room-cache.test.mjs tests it).
      LKGATE_ROOM_CACHE_MS: '0',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
  const text = gw.stderr();
  for (const secret of [LK_SECRET, USER_SECRET, APP_KEY, ADMIN_KEY]) {
    assert.ok(!text.includes(secret), 'no secret in the log');
  }
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(text), 'no token in the log');
});

describe('the issue scenario: Alice invites Bob to a video call', () => {
  let name;

  it('Alice creates a video room inviting Bob', async () => {
    lk.reset();
    const res = await create('alice',
      { title: 'Daily', call_type: 'video', participants: ['bob', 'bob'] });
    assert.equal(res.status, 201, res.text);
    const r = res.json.room;
    assert.deepEqual(Object.keys(r).sort(), [...ROOM_KEYS].sort());
    assert.match(r.name, UUID_ROOM);
    assert.equal(r.title, 'Daily');
    assert.equal(r.call_type, 'video');
    assert.equal(r.created_by, 'alice');
    assert.deepEqual(r.invited, ['bob'], 'deduplicated');
    assert.equal(r.max_participants, 8, 'the configured default');
    assert.equal(r.empty_timeout, 120);
    assert.equal(r.num_participants, 0);
    assert.match(r.sid, /^RM_/);
    assert.ok(Math.abs(r.created_at - Date.now() / 1000) < 60);
    name = r.name;
    const [call] = lk.callsOf('CreateRoom');
    assert.equal(call.body.name, name);
    assert.equal(call.body.departureTimeout, 15);
    assert.deepEqual(JSON.parse(call.body.metadata), {
      created_by: 'alice', call_type: 'video', invited: ['bob'],
      created_at: r.created_at, title: 'Daily',
    });
  });

  it('Bob sees it in his list; Carol does not', async () => {
    const bob = await rooms('bob');
    assert.equal(bob.status, 200, bob.text);
    assert.deepEqual(bob.json.rooms.map((r) => r.name), [name]);
    assert.equal(bob.json.next_cursor, null);
    const carol = await rooms('carol');
    assert.equal(carol.status, 200, carol.text);
    assert.deepEqual(carol.json, { rooms: [], next_cursor: null });
  });

  it('Bob joins with a token LiveKit accepts', async () => {
    const res = await api('bob', 'POST', roomPath(name, '/join'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.identity, 'bob');
    assert.equal(res.json.room_name, name);
    assert.equal(res.json.url, `ws://127.0.0.1:${lk.port}`);
    assert.equal(res.json.server_url, res.json.url);
    assert.equal(res.json.participant_token, res.json.token);
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET)
      .verify(res.json.token);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.name, 'Bob', 'the name claim of his JWT');
    assert.equal(claims.video.roomJoin, true);
    assert.equal(claims.video.room, name);
    assert.equal(claims.exp - claims.nbf, 900);
  });

  it('Carol may not see, join, mint for or delete it', async () => {
    lk.calls.length = 0;
    assertError(await api('carol', 'GET', roomPath(name)), 403,
      'PERMISSION_DENIED');
    assertError(await api('carol', 'POST', roomPath(name, '/join')), 403,
      'PERMISSION_DENIED');
    assertError(await api('carol', 'POST', '/api/livekit/token',
      { room_name: name }), 403, 'PERMISSION_DENIED');
    assertError(await api('carol', 'DELETE', roomPath(name)), 403,
      'PERMISSION_DENIED');
    assert.ok(lk.rooms.has(name), 'still there');
    assert.deepEqual(lk.calls.map((c) => c.method),
      ['ListRooms', 'ListRooms', 'ListRooms', 'ListRooms'],
      'nothing but the lookups reached LiveKit');
  });

  it('Bob sees the room with its live participants', async () => {
    lk.addParticipant(name, { identity: 'bob', name: 'Bob',
      is_publisher: true });
    const res = await api('bob', 'GET', roomPath(name));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.room.name, name);
    assert.equal(res.json.room.num_participants, 1);
    assert.deepEqual(Object.keys(res.json.room).sort(),
      [...ROOM_KEYS, 'participants'].sort());
    const [p] = res.json.room.participants;
    assert.equal(p.identity, 'bob');
    assert.equal(p.name, 'Bob');
    assert.equal(p.kind, 'standard');
    assert.equal(p.state, 'active');
    assert.equal(p.is_publisher, true);
    assert.equal(typeof p.joined_at, 'number');
    assert.ok(p.joined_at > 1.7e9);
  });

  it('Bob, only invited, may not delete it', async () => {
    assertError(await api('bob', 'DELETE', roomPath(name)), 403,
      'PERMISSION_DENIED');
  });

  it('Bob leaves; leaving again says he was not there', async () => {
    const res = await api('bob', 'POST', roomPath(name, '/leave'));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { left: true });
    const removes = lk.callsOf('RemoveParticipant');
    assert.equal(removes.length, 1);
    assert.equal(removes[0].body.room, name);
    assert.equal(removes[0].body.identity, 'bob');
    assert.equal(lk.rooms.get(name).participants.size, 0);
    const again = await api('bob', 'POST', roomPath(name, '/leave'));
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, { left: false });
  });

  it('a user may not make someone else leave', async () => {
    lk.addParticipant(name, { identity: 'bob' });
    assertError(await api('carol', 'POST', roomPath(name, '/leave'),
      { identity: 'bob' }), 403, 'PERMISSION_DENIED');
    assert.ok(lk.rooms.get(name).participants.has('bob'));
  });

  it('Alice deletes it; then it is gone', async () => {
    const res = await api('alice', 'DELETE', roomPath(name));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { deleted: true });
    assert.ok(!lk.rooms.has(name));
    assertError(await api('alice', 'GET', roomPath(name)), 404,
      'ROOM_NOT_FOUND');
    assertError(await api('alice', 'DELETE', roomPath(name)), 404,
      'ROOM_NOT_FOUND');
    assertError(await api('alice', 'POST', roomPath(name, '/join')), 404,
      'ROOM_NOT_FOUND');
  });
});

describe('admins and API keys', () => {
  it('an admin key lists every room, foreign ones too, and deletes any',
    async () => {
      lk.reset();
      const a = (await create('alice', { name: 'alice-room' })).json.room;
      const b = (await create('bob', { name: 'bob-room', call_type: 'audio' }))
        .json.room;
      lk.addParticipant('foreign-room', { identity: 'x' });
      const res = await rooms('admin');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.rooms.map((r) => r.name),
        ['alice-room', 'bob-room', 'foreign-room'], 'every room, by name');
      const foreign = res.json.rooms[2];
      assert.equal(foreign.created_by, null);
      assert.equal(foreign.call_type, null);
      assert.deepEqual(foreign.invited, []);
      const root = await rooms('root');
      assert.equal(root.json.rooms.length, 3, 'an admin user too');
      const alice = await rooms('alice');
      assert.deepEqual(alice.json.rooms.map((r) => r.name), [a.name],
        'rooms without gateway metadata are for admins only');
      assertError(await api('alice', 'GET', roomPath('foreign-room')), 403,
        'PERMISSION_DENIED');
      for (const n of [a.name, b.name, 'foreign-room']) {
        const del = await api('admin', 'DELETE', roomPath(n));
        assert.equal(del.status, 200, del.text);
      }
      assert.equal(lk.rooms.size, 0);
    });

  it('?all=false shows an admin only their own rooms', async () => {
    lk.reset();
    await create('alice', { name: 'r-alice' });
    await create('admin', { name: 'r-ops', participants: ['root'] });
    const own = await rooms('admin', '?all=false');
    assert.deepEqual(own.json.rooms.map((r) => r.name), ['r-ops']);
    assert.equal(own.json.rooms[0].created_by, 'key:ops',
      'an API key is recorded as key:<name>');
    const rootOwn = await rooms('root', '?all=false');
    assert.deepEqual(rootOwn.json.rooms.map((r) => r.name), ['r-ops'],
      'invited counts as own');
    const all = await rooms('admin', '?all=true');
    assert.equal(all.json.rooms.length, 2);
  });

  it('an admin key leaves for the identity it names', async () => {
    lk.addParticipant('r-alice', { identity: 'alice' });
    assertError(await api('admin', 'POST', roomPath('r-alice', '/leave')),
      400, 'INVALID_INPUT', 'identity');
    const res = await api('admin', 'POST', roomPath('r-alice', '/leave'),
      { identity: 'alice' });
    assert.deepEqual(res.json, { left: true });
    const tok = await api('admin', 'POST', roomPath('r-alice', '/join'),
      { identity: 'helper' });
    assert.equal(tok.status, 200, tok.text);
    assert.equal(tok.json.identity, 'helper');
  });

  it('an app key gets 403 on every rooms route', async () => {
    lk.calls.length = 0;
    const calls = [
      ['POST', '/api/livekit/rooms', { name: 'x' }],
      ['GET', '/api/livekit/rooms'],
      ['GET', roomPath('r-alice')],
      ['DELETE', roomPath('r-alice')],
      ['POST', roomPath('r-alice', '/join'), { identity: 'u' }],
      ['POST', roomPath('r-alice', '/leave'), { identity: 'u' }],
    ];
    for (const [method, path, body] of calls) {
      assertError(await api('app', method, path, body), 403,
        'PERMISSION_DENIED');
    }
    assert.equal(lk.calls.length, 0, 'no LiveKit call');
  });

  it('an admin key still mints for any room name without a LiveKit call',
    async () => {
      lk.calls.length = 0;
      const res = await api('admin', 'POST', '/api/livekit/token',
        { room_name: 'no-such-room', identity: 'guest1' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.identity, 'guest1');
      assert.equal(lk.calls.length, 0);
    });

  it('no credentials, or a bad JWT: 401', async () => {
    const none = await request(`${gw.url}/api/livekit/rooms`);
    assertError(none, 401, 'UNAUTHORIZED');
    const bad = await request(`${gw.url}/api/livekit/rooms`,
      { headers: { Authorization: `Bearer ${userJwt('alice')}x` } });
    assertError(bad, 401, 'UNAUTHORIZED');
  });
});

// The app key ships inside the mobile app: anyone may hold it.
describe('an app key mints tokens only for session rooms, as their user', () => {
  const tokenAs = (who, room, identity, path = '/api/livekit/token') =>
    api(who, 'POST', path, { room_name: room, participant_identity: identity });
  let session;
  let aliceRoom;

  before(async () => {
    lk.reset();
    const s = await api('app', 'POST', '/api/sessions', { user_id: 'user123' });
    assert.equal(s.status, 200, s.text);
    session = s.json;
    const r = await create('alice', { participants: ['bob'] });
    assert.equal(r.status, 201, r.text);
    aliceRoom = r.json.room.name;
  });

  it('the issue scenario: no token for Alice\'s room, as Alice or anyone', async () => {
    for (const path of ['/api/livekit/token', '/livekit/token']) {
      for (const id of ['alice', 'bob', 'mallory']) {
        assertError(await tokenAs('app', aliceRoom, id, path), 403,
          'PERMISSION_DENIED');
      }
    }
  });

  it('its session room, as the session\'s user_id: 200, a valid token', async () => {
    for (const path of ['/api/livekit/token', '/livekit/token']) {
      const res = await tokenAs('app', session.room_name, 'user123', path);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.identity, 'user123');
      const claims = await new TokenVerifier(LK_KEY, LK_SECRET).verify(res.json.token);
      assert.equal(claims.sub, 'user123');
      assert.equal(claims.video.room, session.room_name);
    }
  });

  it('the session room as another identity: 403', async () => {
    for (const path of ['/api/livekit/token', '/livekit/token']) {
      assertError(await tokenAs('app', session.room_name, 'alice', path), 403,
        'PERMISSION_DENIED', 'user_id');
    }
  });

  it('a room lkgate did not create, existing or not: 403, asking LiveKit nothing', async () => {
    lk.addParticipant('foreign-call', { identity: 'x' });
    lk.calls.length = 0;
    for (const room of ['foreign-call', 'no-such-room', 'room-x']) {
      assertError(await tokenAs('app', room, 'x'), 403, 'PERMISSION_DENIED');
    }
    assert.equal(lk.calls.length, 0, 'not a session room by name: no LiveKit call');
  });

  it('a session-named room without session metadata: 403; with a user room\'s: 403', async () => {
    const bare = 'eloquence-11111111-2222-4333-8444-555555555555';
    lk.addParticipant(bare, { identity: 'user123' });
    assertError(await tokenAs('app', bare, 'user123'), 403, 'PERMISSION_DENIED');
    const posing = 'eloquence-21111111-2222-4333-8444-555555555555';
    lk.addParticipant(posing, { identity: 'x' });
    lk.rooms.get(posing).room.metadata = JSON.stringify({
      created_by: 'user123', call_type: 'video', invited: [], created_at: 1, title: null });
    assertError(await tokenAs('app', posing, 'user123'), 403, 'PERMISSION_DENIED');
    const copied = 'eloquence-31111111-2222-4333-8444-555555555555';
    lk.addParticipant(copied, { identity: 'x' });
    lk.rooms.get(copied).room.metadata = lk.rooms.get(session.room_name).room.metadata;
    assertError(await tokenAs('app', copied, 'user123'), 403, 'PERMISSION_DENIED',
      'not one');
  });

  it('a session room that does not exist: 404', async () => {
    assertError(await tokenAs('app', 'eloquence-41111111-2222-4333-8444-555555555555',
      'user123'), 404, 'ROOM_NOT_FOUND');
  });

  it('an admin key mints for any room, session or not', async () => {
    for (const room of [aliceRoom, session.room_name, 'foreign-call']) {
      const res = await tokenAs('admin', room, 'helper');
      assert.equal(res.status, 200, res.text);
    }
  });
});

describe('creating rooms', () => {
  it('409 CONFLICT when the name is taken', async () => {
    lk.reset();
    assert.equal((await create('alice', { name: 'taken' })).status, 201);
    assertError(await create('bob', { name: 'taken' }), 409, 'CONFLICT',
      'taken');
    lk.addParticipant('foreign', { identity: 'x' });
    assertError(await create('alice', { name: 'foreign' }), 409, 'CONFLICT');
  });

  it('takes the settings it is given', async () => {
    lk.reset();
    const res = await create('alice', { name: 'tuned', call_type: 'audio',
      max_participants: 0, empty_timeout: 30 });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.room.call_type, 'audio');
    assert.equal(res.json.room.title, null);
    assert.deepEqual(res.json.room.invited, []);
    const [call] = lk.callsOf('CreateRoom');
    assert.equal(call.body.emptyTimeout, 30);
    assert.equal(call.body.maxParticipants ?? 0, 0, 'no limit');
  });
});

describe('paging and filters', () => {
  before(async () => {
    lk.reset();
    // 250 rooms in a scrambled order; every fifth an audio call.
    const order = Array.from({ length: 250 }, (_, i) => (i * 97) % 250);
    for (let i = 0; i < order.length; i += 25) {
      await Promise.all(order.slice(i, i + 25).map(async (n) => {
        const res = await create('admin', {
          name: `p${String(n).padStart(3, '0')}`,
          call_type: n % 5 === 0 ? 'audio' : 'video',
          participants: n % 2 === 0 ? ['bob'] : [],
        });
        assert.equal(res.status, 201, res.text);
      }));
    }
  });

  it('250 rooms come back once each over three pages of 100', async () => {
    const { names, pages } = await allPages('admin', '?limit=100');
    assert.equal(pages, 3);
    assert.equal(names.length, 250);
    assert.equal(new Set(names).size, 250);
    assert.deepEqual(names, [...names].sort(), 'in a stable order');
  });

  it('the default page is 20', async () => {
    const res = await rooms('admin');
    assert.equal(res.json.rooms.length, 20);
    assert.equal(typeof res.json.next_cursor, 'string');
  });

  it('a user pages through only their rooms', async () => {
    const { names, pages } = await allPages('bob', '?limit=50');
    assert.equal(names.length, 125);
    assert.equal(pages, 3);
    assert.ok(names.every((n) => Number(n.slice(1)) % 2 === 0));
  });

  it('filters by call_type', async () => {
    const { names } = await allPages('admin', '?limit=100&call_type=audio');
    assert.equal(names.length, 50);
    assert.ok(names.every((n) => Number(n.slice(1)) % 5 === 0));
    const res = await rooms('bob', '?call_type=video&limit=100');
    assert.ok(res.json.rooms.every((r) => r.call_type === 'video'));
    assert.equal(res.json.rooms.length, 100);
  });
});

describe('full rooms', () => {
  it('409 ROOM_FULL once LiveKit counts max_participants', async () => {
    lk.reset();
    const res = await create('alice',
      { name: 'small', max_participants: 2, participants: ['bob'] });
    assert.equal(res.status, 201, res.text);
    lk.addParticipant('small', { identity: 'alice' });
    lk.addParticipant('small', { identity: 'agent', kind: 'AGENT' });
    const ok = await api('bob', 'POST', roomPath('small', '/join'));
    assert.equal(ok.status, 200, 'an agent does not count');
    lk.addParticipant('small', { identity: 'carol' });
    assertError(await api('bob', 'POST', roomPath('small', '/join')), 409,
      'ROOM_FULL');
    assertError(await api('bob', 'POST', '/api/livekit/token',
      { room_name: 'small' }), 409, 'ROOM_FULL');
    assertError(await api('admin', 'POST', roomPath('small', '/join'),
      { identity: 'ops-helper' }), 409, 'ROOM_FULL');
  });
});

describe('the token route for users', () => {
  before(async () => {
    lk.reset();
    await create('alice', { name: 'alice-call', participants: ['bob'] });
  });

  it('mints for a room the user may join, as their sub', async () => {
    const res = await api('bob', 'POST', '/api/livekit/token',
      { room_name: 'alice-call', participant_name: 'Bobby' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.identity, 'bob');
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET)
      .verify(res.json.participant_token);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.name, 'Bobby');
    assert.equal(claims.video.room, 'alice-call');
    const same = await api('bob', 'POST', '/api/livekit/token',
      { room_name: 'alice-call', participant_identity: 'bob' });
    assert.equal(same.status, 200, 'naming oneself is fine');
  });

  it('403 for another identity', async () => {
    lk.calls.length = 0;
    for (const key of ['identity', 'participant_identity']) {
      assertError(await api('bob', 'POST', '/api/livekit/token',
        { room_name: 'alice-call', [key]: 'alice' }), 403,
      'PERMISSION_DENIED');
    }
    assertError(await api('bob', 'POST', roomPath('alice-call', '/join'),
      { identity: 'alice' }), 403, 'PERMISSION_DENIED');
    assert.equal(lk.calls.length, 0);
  });

  it('403 for a room the user may not join, 404 for none', async () => {
    assertError(await api('carol', 'POST', '/api/livekit/token',
      { room_name: 'alice-call' }), 403, 'PERMISSION_DENIED');
    assertError(await api('bob', 'POST', '/api/livekit/token',
      { room_name: 'nowhere' }), 404, 'ROOM_NOT_FOUND');
  });

  it('an admin user may mint for any existing room', async () => {
    const res = await api('root', 'POST', '/api/livekit/token',
      { room_name: 'alice-call' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.identity, 'root');
  });
});

describe('bad input: 400 naming the field, nothing sent to LiveKit', () => {
  const bad = [
    // A path's room_name may be any LiveKit name (other backends' rooms),
    // but never a control character, nor longer than 256 bytes.
    ['GET', roomPath('bad\tname'), undefined, 'room_name'],
    ['GET', roomPath('x'.repeat(257)), undefined, 'room_name'],
    ['DELETE', roomPath('a\x7fb'), undefined, 'room_name'],
    ['POST', roomPath('bad\nname', '/join'), undefined, 'room_name'],
    ['POST', roomPath('a\u0085b', '/leave'), undefined, 'room_name'],
    ['POST', '/api/livekit/rooms', { name: 'a b' }, 'name'],
    // The session prefix is reserved: session routes take an app key.
    ['POST', '/api/livekit/rooms',
      { name: 'eloquence-00000000-0000-4000-8000-000000000000' }, 'name'],
    ['POST', '/api/livekit/rooms', { call_type: 'tv' }, 'call_type'],
    ['POST', '/api/livekit/rooms', { call_type: 1 }, 'call_type'],
    ['POST', '/api/livekit/rooms', { title: 'x'.repeat(201) }, 'title'],
    ['POST', '/api/livekit/rooms', { title: 'a\nb' }, 'title'],
    ['POST', '/api/livekit/rooms', { participants: 'bob' }, 'participants'],
    ['POST', '/api/livekit/rooms', { participants: ['bob', 'b c'] },
      'participants[1]'],
    ['POST', '/api/livekit/rooms', { participants: [7] }, 'participants[0]'],
    ['POST', '/api/livekit/rooms',
      { participants: Array.from({ length: 101 }, (_, i) => `u${i}`) },
      'participants'],
    ['POST', '/api/livekit/rooms', { max_participants: 1001 },
      'max_participants'],
    ['POST', '/api/livekit/rooms', { max_participants: -1 },
      'max_participants'],
    ['POST', '/api/livekit/rooms', { empty_timeout: 86401 }, 'empty_timeout'],
    ['POST', '/api/livekit/rooms', { empty_timeout: 1.5 }, 'empty_timeout'],
    ['GET', '/api/livekit/rooms?limit=0', undefined, 'limit'],
    ['GET', '/api/livekit/rooms?limit=101', undefined, 'limit'],
    ['GET', '/api/livekit/rooms?limit=abc', undefined, 'limit'],
    ['GET', '/api/livekit/rooms?limit=', undefined, 'limit'],
    ['GET', '/api/livekit/rooms?cursor=!!!', undefined, 'cursor'],
    ['GET', `/api/livekit/rooms?cursor=${Buffer.from('a b').toString('base64url')}`,
      undefined, 'cursor'],
    ['GET', '/api/livekit/rooms?call_type=tv', undefined, 'call_type'],
    ['GET', '/api/livekit/rooms?all=maybe', undefined, 'all'],
    ['POST', '/api/livekit/token', { room_name: 'a b' }, 'room_name'],
    ['POST', roomPath('r', '/join'), '{"identity":', undefined],
  ];
  for (const [method, path, body, field] of bad) {
    it(`${method} ${path.slice(0, 60)} ${body ? JSON.stringify(body).slice(0, 40) : ''}`,
      async () => {
        lk.calls.length = 0;
        const res = await request(gw.url + path, {
          method, body,
          headers: { ...auth.alice,
            ...(typeof body === 'string' ? { 'Content-Type': 'application/json' } : {}) },
        });
        assertError(res, 400, 'INVALID_INPUT', field);
        assert.equal(lk.calls.length, 0);
      });
  }
});
