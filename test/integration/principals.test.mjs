// Principals never collide across sources: a user of the app's own JWTs
// (Urbania), a user signed in through the web login (Visio-Conf, here with
// session cookies sealed as lkgate seals them) and an API key are
// different principals even when their ids are the same string: for
// creating, seeing, joining and deleting rooms, for invitations, for the
// identity in LiveKit tokens and for rate limits.  Rooms made before the
// source was recorded keep working.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, freePort, request, startLkgate } from './lib.mjs';
import { now, seal } from './oidc-lib.mjs';

const LK_KEY = 'APIprincipals';
const LK_SECRET = 'a-principals-livekit-secret-of-32-chars';
const USER_SECRET = 'the-principals-user-jwt-secret-32-bytes';
const ADMIN_KEY = 'principals-admin-key-0123456789';
const COOKIE_KEY = randomBytes(32);
const CSRF = 'c'.repeat(43);
const CREATES = 3;

let lk;
let gw;

function userJwt(sub) {
  const t = now();
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: t, exp: t + 600 });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

// The web login's session for sub, as lkgate seals it.
const webCookie = (sub) => `lkgate_session=${seal(COOKIE_KEY, 'session', {
  sub, name: `Web ${sub}`, email: '', csrf: CSRF, exp: now() + 600,
})}; lkgate_csrf=${CSRF}`;

const who = {
  jwtAlice: { Authorization: `Bearer ${userJwt('alice')}` },
  jwtBob: { Authorization: `Bearer ${userJwt('bob')}` },
  jwtOps: { Authorization: `Bearer ${userJwt('ops')}` },
  webAlice: { Cookie: webCookie('alice'), 'X-CSRF-Token': CSRF },
  webBob: { Cookie: webCookie('bob'), 'X-CSRF-Token': CSRF },
  admin: { 'X-API-Key': ADMIN_KEY },
};

const api = (w, method, path, body) =>
  request(gw.url + path, { method, headers: { ...who[w] }, body });
const room = (name, tail = '') => `/api/livekit/rooms/${encodeURIComponent(name)}${tail}`;
// A web user's and a JWT user's ways to create a room and to get a token.
const webCreate = (w, body) => api(w, 'POST', '/api/video/room/create', body);
const webToken = (w, name) => api(w, 'POST', '/api/video/token', { roomId: name });
const jwtCreate = (w, body) => api(w, 'POST', '/api/livekit/rooms', body);
const jwtToken = (w, name) => api(w, 'POST', '/api/livekit/token', { room_name: name });

function status(res, want) {
  assert.equal(res.status, want, res.text);
  return res;
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  const gwPort = await freePort();
  const opPort = await freePort();
  gw = await startLkgate({
    env: {
      LKGATE_LISTEN: `127.0.0.1:${gwPort}`,
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      // No provider is asked anything: the sessions are sealed here.
      LKGATE_OIDC_ISSUER: `http://127.0.0.1:${opPort}`,
      LKGATE_OIDC_CLIENT_ID: 'visio',
      LKGATE_OIDC_CLIENT_SECRET: 'the-visio-client-secret-0123456789',
      LKGATE_OIDC_REDIRECT_URI: `http://127.0.0.1:${gwPort}/api/auth/callback`,
      LKGATE_COOKIE_KEYS: COOKIE_KEY.toString('base64'),
      LKGATE_COOKIE_SECURE: 'false',
      LKGATE_RATE_LIMITS: `create=${CREATES}/1h`,
    },
  });
});

after(async () => {
  const res = await gw?.stop();
  await lk?.close();
  assert.equal(res?.code, 0, 'lkgate exits 0 after SIGTERM');
});

describe('a web-login user and a JWT user with the same sub', () => {
  let jwtRoom;
  let webRoom;

  it('the JWT user\'s room: the web user may not join it', async () => {
    jwtRoom = (await status(await jwtCreate('jwtAlice', {}), 201)).json.room;
    assert.equal(jwtRoom.created_by, 'alice');
    status(await jwtToken('jwtAlice', jwtRoom.name), 200);
    const res = status(await webToken('webAlice', jwtRoom.name), 403);
    assert.equal(res.json.code, 'PERMISSION_DENIED');
    status(await api('webAlice', 'POST', `/api/video/room/${jwtRoom.name}/join`), 403);
  });

  it('the web user\'s room is recorded as oidc:<sub>; the JWT user may not see, join or delete it', async () => {
    webRoom = (await status(await webCreate('webAlice', {}), 201)).json.room;
    assert.equal(webRoom.created_by, 'oidc:alice');
    const meta = JSON.parse(lk.rooms.get(webRoom.name).room.metadata);
    assert.equal(meta.created_by, 'oidc:alice');
    status(await webToken('webAlice', webRoom.name), 200);
    status(await api('jwtAlice', 'GET', room(webRoom.name)), 403);
    status(await jwtToken('jwtAlice', webRoom.name), 403);
    status(await api('jwtAlice', 'POST', room(webRoom.name, '/join')), 403);
    status(await api('jwtAlice', 'DELETE', room(webRoom.name)), 403);
    assert.ok(lk.rooms.has(webRoom.name), 'not deleted');
    const list = status(await api('jwtAlice', 'GET', '/api/livekit/rooms'), 200);
    assert.deepEqual(list.json.rooms.map((r) => r.name), [jwtRoom.name]);
  });

  it('the web user\'s LiveKit identity is oidc:<sub>, never the JWT user\'s', async () => {
    const res = status(await webToken('webAlice', webRoom.name), 200);
    assert.equal(res.json.identity, 'oidc:alice');
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET).verify(res.json.token);
    assert.equal(claims.sub, 'oidc:alice');
    assert.equal(claims.name, 'Web alice');
    const jwt = status(await jwtToken('jwtAlice', jwtRoom.name), 200);
    assert.equal(jwt.json.identity, 'alice', 'JWT users keep their bare sub');
  });

  it('invitations name identities as they appear in tokens', async () => {
    const r1 = (await status(await jwtCreate('jwtAlice', { participants: ['oidc:bob'] }), 201))
      .json.room;
    status(await webToken('webBob', r1.name), 200);
    status(await jwtToken('jwtBob', r1.name), 403);
    const r2 = (await status(await webCreate('webAlice', { participants: ['bob'] }), 201))
      .json.room;
    status(await jwtToken('jwtBob', r2.name), 200);
    status(await webToken('webBob', r2.name), 403);
  });

  it('rate limits: each source has its own bucket', async () => {
    // jwtAlice made 2 rooms, webAlice 2: one more each, then 429 each.
    const j = status(await jwtCreate('jwtAlice', {}), 201);
    assert.equal(j.headers['x-ratelimit-remaining'], '0');
    status(await jwtCreate('jwtAlice', {}), 429);
    const w = status(await webCreate('webAlice', {}), 201);
    assert.equal(w.headers['x-ratelimit-remaining'], '0');
    status(await webCreate('webAlice', {}), 429);
  });
});

describe('rooms made before the source was recorded', () => {
  function oldRoom(name, meta) {
    lk.addParticipant(name, { identity: 'x' });
    lk.rooms.get(name).room.metadata = JSON.stringify({
      call_type: 'video', invited: [], created_at: 1764284400, title: null, ...meta });
  }

  it('a bare created_by is a JWT user\'s room', async () => {
    oldRoom('old-user-room', { created_by: 'bob', invited: ['alice'] });
    status(await jwtToken('jwtAlice', 'old-user-room'), 200);
    status(await webToken('webBob', 'old-user-room'), 403);
    status(await api('jwtBob', 'DELETE', room('old-user-room')), 200);
  });

  it('created_by with by_api_key is the key\'s room, shown as key:<name>', async () => {
    oldRoom('old-key-room', { created_by: 'ops', by_api_key: true });
    const own = status(await api('admin', 'GET', '/api/livekit/rooms?all=false'), 200);
    const r = own.json.rooms.find((x) => x.name === 'old-key-room');
    assert.ok(r, 'the key sees it as its own');
    assert.equal(r.created_by, 'key:ops');
    status(await api('jwtOps', 'DELETE', room('old-key-room')), 403);
    status(await api('admin', 'DELETE', room('old-key-room')), 200);
  });
});
