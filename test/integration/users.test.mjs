// The Voice Chat app's users: guest sign-up and guest credentials, the
// callers' own user objects, and the users LiveKit shows in the channels a
// caller may see, against the LiveKit Twirp emulator; participant tokens
// judged by the official livekit-server-sdk TokenVerifier.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, decodeJwt, request, startLkgate } from './lib.mjs';
import { seal, now } from './oidc-lib.mjs';

const LK_KEY = 'APIuserstest';
const LK_SECRET = 'a-users-test-livekit-secret-32-chars-ok';
const USER_SECRET = 'the-voice-chat-users-jwt-secret-32-bytes';
const GUEST_KEY = 'the-guest-credential-key-of-32-bytes-or-more';
const OTHER_KEY = 'another-guest-key-that-lkgate-never-had-32';
const APP_KEY = 'users-app-key-0123456789';
const ADMIN_KEY = 'users-admin-key-9876543210';
const COOKIE_KEY = randomBytes(32);
const CSRF = 'd'.repeat(43);
const GUEST_TTL = 7200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let lk;
let gw; // guests on, LKGATE_GUEST_KEY set
let gwOff; // guests off
let gwLimited; // guests on, a random key, auth=3/1m
const verifier = new TokenVerifier(LK_KEY, LK_SECRET);

function hs256(secret, claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc(claims);
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const userJwt = (sub, extra = {}) => hs256(USER_SECRET, { sub, iat: now(), exp: now() + 600, ...extra });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const session = seal(COOKIE_KEY, 'session', {
  sub: 'lea', name: 'Léa', email: '', csrf: CSRF, exp: now() + 600,
});

const auth = {
  alice: bearer(userJwt('alice', { name: 'Alice' })),
  bob: bearer(userJwt('bob', { name: 'Bob' })),
  root: bearer(userJwt('root', { role: 'admin' })),
  lea: { Cookie: `lkgate_session=${session}; lkgate_csrf=${CSRF}`, 'X-CSRF-Token': CSRF },
  admin: { 'X-API-Key': ADMIN_KEY },
  app: { 'X-API-Key': APP_KEY },
  nobody: {},
};

function call(g, who, method, path, body) {
  const headers = typeof who === 'string' ? auth[who] : who;
  return request(g.url + path, { method, headers, body });
}
const api = (who, method, path, body) => call(gw, who, method, path, body);

function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, true, res.text);
  return res.json;
}

function failed(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, false, res.text);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

async function signUp(g, username, display_name) {
  const j = ok(await call(g, 'nobody', 'POST', '/api/users', { username, display_name }), 201);
  return { ...j, auth: bearer(j.token) };
}

async function channel(who, body = { name: 'General' }) {
  return ok(await api(who, 'POST', '/api/channels', body), 201).data;
}

const base = () => ({
  LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
  LIVEKIT_API_KEY: LK_KEY,
  LIVEKIT_API_SECRET: LK_SECRET,
  LKGATE_API_KEYS: `voice:${APP_KEY}:app,ops:${ADMIN_KEY}:admin`,
  LKGATE_USER_JWT_SECRET: USER_SECRET,
  LKGATE_COOKIE_KEYS: COOKIE_KEY.toString('base64'),
  LKGATE_COOKIE_SECURE: 'false',
});

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: { ...base(), LKGATE_GUEST_USERS: 'true', LKGATE_GUEST_KEY: GUEST_KEY, LKGATE_GUEST_TTL: String(GUEST_TTL) },
  });
  gwOff = await startLkgate({ env: base() });
  gwLimited = await startLkgate({
    env: { ...base(), LKGATE_GUEST_USERS: 'true', LKGATE_RATE_LIMITS: 'auth=3/1m' },
  });
});

after(async () => {
  for (const g of [gw, gwOff, gwLimited]) {
    const { code } = await g.stop();
    assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
    const text = g.stderr();
    for (const secret of [LK_SECRET, USER_SECRET, GUEST_KEY, APP_KEY, ADMIN_KEY]) {
      assert.ok(!text.includes(secret), 'no secret in the log');
    }
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(text), 'no token in the log');
  }
  await lk.close();
});

describe('guest sign-up: POST /api/users', () => {
  it('is closed when guest_users is off: 403 in the envelope', async () => {
    failed(await call(gwOff, 'nobody', 'POST', '/api/users', { username: 'ann', display_name: 'Ann' }),
      403, 'PERMISSION_DENIED', 'guest_users');
  });

  it('answers the seed user object and a guest credential, 201', async () => {
    const t0 = now();
    const j = await signUp(gw, 'john_doe', 'John Doe');
    assert.deepEqual(Object.keys(j).sort(), ['auth', 'expires_at', 'success', 'token', 'user']);
    const u = j.user;
    assert.match(u.id, UUID);
    assert.equal(u.username, 'john_doe');
    assert.equal(u.display_name, 'John Doe');
    assert.equal(u.is_active, true);
    assert.match(u.created_at, ISO);
    assert.ok(Math.abs(Date.parse(u.created_at) / 1000 - t0) < 5);
    assert.equal(u.identity, `guest:${u.id}`);
    assert.equal(u.source, 'guest');
    const c = decodeJwt(j.token);
    assert.equal(c.iss, 'lkgate');
    assert.equal(c.sub, u.id);
    assert.equal(c.name, 'John Doe');
    assert.equal(c.username, 'john_doe');
    assert.equal(c.exp - c.iat, GUEST_TTL);
    assert.equal(j.expires_at, c.exp);
    const again = await signUp(gw, 'john_doe', 'John Doe');
    assert.notEqual(again.user.id, u.id, 'every sign-up is a new guest');
  });

  for (const [what, body, field] of [
    ['no username', { display_name: 'A' }, 'username'],
    ['a short username', { username: 'ab', display_name: 'A' }, 'username'],
    ['a long username', { username: 'a'.repeat(33), display_name: 'A' }, 'username'],
    ['a username with a space', { username: 'john doe', display_name: 'A' }, 'username'],
    ['a username that is a number', { username: 42, display_name: 'A' }, 'username'],
    ['no display_name', { username: 'ann' }, 'display_name'],
    ['an empty display_name', { username: 'ann', display_name: '  ' }, 'display_name'],
    ['a long display_name', { username: 'ann', display_name: 'x'.repeat(65) }, 'display_name'],
    ['a control character', { username: 'ann', display_name: 'a\u0007b' }, 'display_name'],
  ]) {
    it(`refuses ${what}: 400 naming the field`, async () => {
      failed(await api('nobody', 'POST', '/api/users', body), 400, 'INVALID_INPUT', field);
    });
  }

  it('refuses an empty body and a body that is not JSON', async () => {
    failed(await api('nobody', 'POST', '/api/users'), 400, 'INVALID_INPUT', 'body');
    failed(await request(`${gw.url}/api/users`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":',
    }), 400, 'INVALID_INPUT');
  });

  it('is rate-limited in the auth class, by client address', async () => {
    for (let i = 0; i < 3; i++) await signUp(gwLimited, `guest${i}`, `Guest ${i}`);
    const res = await call(gwLimited, 'nobody', 'POST', '/api/users', { username: 'guest4', display_name: 'G' });
    failed(res, 429, 'RATE_LIMITED');
    assert.ok(Number(res.headers['retry-after']) > 0);
  });

  it('warns that a random guest key does not survive a restart', () => {
    assert.ok(gwLimited.logs.some((l) => l.level === 'warn' && /guest_key is not set/.test(l.msg)),
      gwLimited.stderr());
    assert.ok(!gw.logs.some((l) => /guest_key is not set/.test(l.msg ?? '')));
  });

  it('answers a signed-in caller its own user object, 200, no new principal', async () => {
    const a = ok(await api('alice', 'POST', '/api/users', { username: 'ignored', display_name: 'X' }));
    assert.deepEqual(a.user, {
      id: 'alice', username: 'alice', display_name: 'Alice', is_active: true,
      identity: 'alice', source: 'user_jwt', created_at: null,
    });
    assert.equal(a.token, undefined);
    const l = ok(await api('lea', 'POST', '/api/users'));
    assert.equal(l.user.id, 'oidc:lea');
    assert.equal(l.user.identity, 'oidc:lea');
    assert.equal(l.user.display_name, 'Léa');
    const g = await signUp(gw, 'ginny', 'Ginny');
    const self = ok(await api(g.auth, 'POST', '/api/users'));
    assert.deepEqual(self.user, g.user);
    failed(await api('app', 'POST', '/api/users', { username: 'ann', display_name: 'A' }),
      403, 'PERMISSION_DENIED');
  });
});

describe('a guest credential', () => {
  let g;
  before(async () => {
    lk.reset();
    g = await signUp(gw, 'alice_guest', 'Alice the Guest');
  });

  it('works on the channel routes; its tokens carry guest:<id> and the display name', async () => {
    const ch = await channel(g.auth, { name: 'Guests welcome' });
    assert.equal(ch.created_by, `guest:${g.user.id}`);
    ok(await api(g.auth, 'GET', '/api/channels'));
    const join = ok(await api(g.auth, 'POST', `/api/channels/${ch.id}/join`)).data;
    assert.equal(join.identity, `guest:${g.user.id}`);
    const claims = await verifier.verify(join.token);
    assert.equal(claims.sub, `guest:${g.user.id}`);
    assert.equal(claims.name, 'Alice the Guest');
    assert.equal(claims.video.room, `channel-${ch.id}`);
    assert.equal(claims.video.roomJoin, true);
  });

  it('is not an admin', async () => {
    failed(await api(g.auth, 'GET', '/api/advanced/statistics/server'), 403, 'PERMISSION_DENIED');
    failed(await api(g.auth, 'DELETE', '/api/advanced/users/alice'), 403, 'PERMISSION_DENIED');
  });

  it('is 401 outside the channel family, saying why', async () => {
    let res = await api(g.auth, 'POST', '/api/livekit/token', { room_name: 'r1' });
    assert.equal(res.status, 401, res.text);
    assert.match(res.json.error, /guest credential is accepted only on the Voice Chat routes/);
    res = await api(g.auth, 'GET', '/api/livekit/rooms');
    assert.equal(res.status, 401, res.text);
  });

  it('is refused where guest_users is off, or under another key', async () => {
    failed(await call(gwOff, g.auth, 'GET', '/api/channels'), 401, 'UNAUTHORIZED');
    failed(await call(gwLimited, g.auth, 'GET', '/api/channels'), 401, 'UNAUTHORIZED');
  });

  const claims = (extra = {}) => ({
    iss: 'lkgate', sub: g.user.id, iat: now(), nbf: now(), exp: now() + 600,
    name: 'Mallory', username: 'mallory', ...extra,
  });
  for (const [what, make, why] of [
    ['forged under another key', () => hs256(OTHER_KEY, claims()), /signature/],
    ['expired', () => hs256(GUEST_KEY, claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })), /expired/],
    ['without iss lkgate', () => hs256(GUEST_KEY, claims({ iss: 'someone' })), /iss lkgate/],
    ['whose sub is not a UUID', () => hs256(GUEST_KEY, claims({ sub: 'alice' })), /malformed/],
    ['without exp', () => hs256(GUEST_KEY, claims({ exp: undefined })), /expiry/],
    ['tampered with', () => `${g.token.slice(0, -4)}AAAA`, /signature/],
  ]) {
    it(`is 401 when ${what}`, async () => {
      const res = await api(bearer(make()), 'GET', '/api/channels');
      failed(res, 401, 'UNAUTHORIZED');
      assert.match(res.json.error, why);
    });
  }

  it('is never a user JWT, and a user JWT is never a guest', async () => {
    // Signed with the guest key in a user JWT's shape: not a user.
    const posing = hs256(GUEST_KEY, { sub: 'alice', iat: now(), exp: now() + 600 });
    failed(await api(bearer(posing), 'GET', '/api/channels'), 401, 'UNAUTHORIZED');
    assert.equal((await api(bearer(posing), 'GET', '/api/livekit/rooms')).status, 401);
    // A user JWT carrying the guest claims stays that user.
    const u = ok(await api(bearer(userJwt('carl', { iss: 'lkgate', username: 'x', name: 'Carl' })),
      'POST', '/api/users'));
    assert.equal(u.user.identity, 'carl');
    assert.equal(u.user.source, 'user_jwt');
  });
});

describe('users present in channels', () => {
  let g;
  let pub;
  let priv;
  before(async () => {
    lk.reset();
    g = await signUp(gw, 'gwen', 'Gwen');
    pub = await channel('alice', { name: 'Public' });
    priv = await channel('alice', { name: 'Secret', is_private: true, invited: ['bob'] });
    lk.addParticipant(`channel-${pub.id}`, { identity: 'alice', name: 'Alice' });
    lk.addParticipant(`channel-${pub.id}`, { identity: `guest:${g.user.id}`, name: 'Gwen' });
    lk.addParticipant(`channel-${pub.id}`, { identity: 'agent-1', kind: 'AGENT' });
    lk.addParticipant(`channel-${priv.id}`, { identity: 'bob', name: 'Bob' });
    lk.addParticipant(`channel-${priv.id}`, { identity: 'alice', name: 'Alice' });
    lk.addParticipant('room-not-a-channel', { identity: 'zed' });
  });

  it('GET /api/users/{id}: the caller, by id or identity, without LiveKit', async () => {
    const before = lk.calls.length;
    assert.deepEqual(ok(await api(g.auth, 'GET', `/api/users/${g.user.id}`)).data, g.user);
    assert.deepEqual(ok(await api(g.auth, 'GET', `/api/users/guest:${g.user.id}`)).data, g.user);
    assert.equal(ok(await api('bob', 'GET', '/api/users/bob')).data.id, 'bob');
    assert.equal(lk.calls.length, before);
  });

  it('GET /api/users/{id}: a user present in a channel the caller may see', async () => {
    const u = ok(await api('bob', 'GET', `/api/users/${g.user.id}`)).data;
    assert.equal(u.id, g.user.id);
    assert.equal(u.identity, `guest:${g.user.id}`);
    assert.equal(u.display_name, 'Gwen');
    assert.equal(u.username, null);
    assert.equal(u.is_active, true);
    assert.deepEqual(u.channels, [pub.id]);
    const a = ok(await api('bob', 'GET', '/api/users/alice')).data;
    assert.deepEqual(a.channels.sort(), [pub.id, priv.id].sort());
    // Gwen does not see the private channel: Alice only in the public one.
    assert.deepEqual(ok(await api(g.auth, 'GET', '/api/users/alice')).data.channels, [pub.id]);
  });

  it('GET /api/users/{id}: 404 USER_NOT_FOUND otherwise, 400 for a bad id', async () => {
    failed(await api(g.auth, 'GET', '/api/users/bob'), 404, 'USER_NOT_FOUND', 'bob');
    failed(await api('alice', 'GET', '/api/users/zed'), 404, 'USER_NOT_FOUND');
    failed(await api('alice', 'GET', '/api/users/agent-1'), 404, 'USER_NOT_FOUND');
    failed(await api('alice', 'GET', '/api/users/nobody'), 404, 'USER_NOT_FOUND');
    failed(await api('alice', 'GET', '/api/users/a%20b'), 400, 'INVALID_INPUT', 'id');
    failed(await api('app', 'GET', '/api/users/alice'), 403, 'PERMISSION_DENIED');
    failed(await api('nobody', 'GET', '/api/users/alice'), 401, 'UNAUTHORIZED');
  });

  it('GET /api/advanced/users: the users of the visible channels, with the seed pagination', async () => {
    let j = ok(await api('bob', 'GET', '/api/advanced/users'));
    assert.deepEqual(j.data.map((u) => u.identity).sort(), ['alice', 'bob', `guest:${g.user.id}`].sort());
    assert.deepEqual(j.pagination, {
      current_page: 1, total_pages: 1, total_items: 3, items_per_page: 20,
      has_next: false, has_previous: false,
    });
    j = ok(await api(g.auth, 'GET', '/api/advanced/users'));
    assert.deepEqual(j.data.map((u) => u.identity).sort(), ['alice', `guest:${g.user.id}`].sort());
    j = ok(await api('admin', 'GET', '/api/advanced/users?limit=2&page=2&sort_by=display_name&order=desc'));
    assert.deepEqual(j.pagination, {
      current_page: 2, total_pages: 2, total_items: 3, items_per_page: 2,
      has_next: false, has_previous: true,
    });
    assert.deepEqual(j.data.map((u) => u.display_name), ['Alice']);
    j = ok(await api('admin', 'GET', '/api/advanced/users?sort_by=display_name'));
    assert.deepEqual(j.data.map((u) => u.display_name), ['Alice', 'Bob', 'Gwen']);
  });

  for (const q of ['limit=0', 'limit=101', 'page=0', 'page=x', 'sort_by=age', 'order=up']) {
    it(`GET /api/advanced/users?${q}: 400`, async () => {
      failed(await api('alice', 'GET', `/api/advanced/users?${q}`), 400, 'INVALID_INPUT', q.split('=')[0]);
    });
  }

  it('PUT /api/advanced/users/{id}: the user renames its live participants', async () => {
    const j = ok(await api(g.auth, 'PUT', `/api/advanced/users/${g.user.id}`, { display_name: 'Gwendolyn' })).data;
    assert.equal(j.display_name, 'Gwendolyn');
    assert.deepEqual(j.renamed_in, [pub.id]);
    const [c] = lk.callsOf('UpdateParticipant').slice(-1);
    assert.equal(c.body.room, `channel-${pub.id}`);
    assert.equal(c.body.identity, `guest:${g.user.id}`);
    assert.equal(c.body.name, 'Gwendolyn');
    assert.equal(lk.rooms.get(`channel-${pub.id}`).participants.get(`guest:${g.user.id}`).name, 'Gwendolyn');
  });

  it('PUT /api/advanced/users/{id}: an admin renames anyone, in every channel', async () => {
    const n = lk.callsOf('UpdateParticipant').length;
    const j = ok(await api('root', 'PUT', '/api/advanced/users/alice', { display_name: 'Alice B.' })).data;
    assert.deepEqual(j.renamed_in.sort(), [pub.id, priv.id].sort());
    assert.equal(lk.callsOf('UpdateParticipant').length, n + 2);
  });

  it('PUT /api/advanced/users/{id}: 403 for another user, 400 for a bad name, 404 when absent', async () => {
    failed(await api('bob', 'PUT', '/api/advanced/users/alice', { display_name: 'X' }), 403, 'PERMISSION_DENIED');
    failed(await api('alice', 'PUT', '/api/advanced/users/alice', { display_name: '' }), 400, 'INVALID_INPUT', 'display_name');
    failed(await api('alice', 'PUT', '/api/advanced/users/alice', {}), 400, 'INVALID_INPUT', 'display_name');
    failed(await api('root', 'PUT', '/api/advanced/users/nobody', { display_name: 'N' }), 404, 'USER_NOT_FOUND');
    // Oneself while in no channel: nothing to rename, and no error.
    const self = ok(await api('lea', 'PUT', '/api/advanced/users/oidc:lea', { display_name: 'Léa B.' })).data;
    assert.deepEqual(self.renamed_in, []);
  });

  it('DELETE /api/advanced/users/{id}: admins only; removes the user from every channel', async () => {
    failed(await api('alice', 'DELETE', '/api/advanced/users/alice'), 403, 'PERMISSION_DENIED');
    failed(await api('app', 'DELETE', '/api/advanced/users/alice'), 403, 'PERMISSION_DENIED');
    const j = ok(await api('admin', 'DELETE', '/api/advanced/users/alice')).data;
    assert.equal(j.identity, 'alice');
    assert.deepEqual(j.removed_from.sort(), [pub.id, priv.id].sort());
    const calls = lk.callsOf('RemoveParticipant').slice(-2).map((c) => c.body.room).sort();
    assert.deepEqual(calls, [`channel-${pub.id}`, `channel-${priv.id}`].sort());
    failed(await api('admin', 'DELETE', '/api/advanced/users/alice'), 404, 'USER_NOT_FOUND');
    const gj = ok(await api('root', 'DELETE', `/api/advanced/users/${g.user.id}`)).data;
    assert.equal(gj.identity, `guest:${g.user.id}`);
  });

  it('DELETE /api/advanced/users/{uuid}: answers the identity it removed, not a guest of that UUID', async () => {
    const id = 'c0ffee00-0000-4000-8000-000000000001';
    const older = await channel('alice', { name: 'A older' });
    const newer = await channel('alice', { name: 'B newer' });
    // The guest comes first in the walk (oldest first, then by name); the
    // exact identity is the one meant.
    lk.addParticipant(`channel-${older.id}`, { identity: `guest:${id}`, name: 'G' });
    lk.addParticipant(`channel-${newer.id}`, { identity: id, name: 'Exact' });
    const j = ok(await api('admin', 'DELETE', `/api/advanced/users/${id}`)).data;
    assert.equal(j.identity, id);
    assert.deepEqual(j.removed_from, [newer.id]);
    assert.ok(lk.rooms.get(`channel-${older.id}`).participants.has(`guest:${id}`), 'the guest stays');
    assert.ok(!lk.rooms.get(`channel-${newer.id}`).participants.has(id));
  });

  it('LiveKit down: 503 in the envelope', async () => {
    lk.failNext('ListRooms', { status: 503, code: 'unavailable', msg: 'down' });
    failed(await api('alice', 'GET', '/api/advanced/users'), 503, 'UPSTREAM_UNAVAILABLE');
  });
});
