// The Voice Chat app's channels end to end: users with the app's own JWTs,
// a web-login session, admin and app API keys, lkgate in front of the
// LiveKit Twirp emulator, tokens judged by the official livekit-server-sdk
// TokenVerifier.  Answers are read as that app's client reads them: the
// envelope's `success`, then `data` or `error_code`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, request, startLkgate } from './lib.mjs';
import { seal, now } from './oidc-lib.mjs';

const LK_KEY = 'APIchannelstest';
const LK_SECRET = 'a-channels-test-livekit-secret-32-chars';
const USER_SECRET = 'the-voice-chat-user-jwt-secret-32-bytes+';
const APP_KEY = 'voice-app-key-0123456789';
const ADMIN_KEY = 'voice-admin-key-9876543210';
const COOKIE_KEY = randomBytes(32);
const CSRF = 'c'.repeat(43);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHANNEL_KEYS = ['id', 'name', 'description', 'max_users', 'is_private',
  'created_by', 'created_at', 'current_users'];
const SEED_AUDIO_NULLS = ['packets_sent', 'packets_received', 'bytes_transferred',
  'average_latency_ms', 'packet_loss_rate', 'audio_quality_score', 'jitter_ms'];

let lk;
let gw;
const verifier = new TokenVerifier(LK_KEY, LK_SECRET);

function userJwt(sub, extra = {}) {
  const t = now();
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: t, exp: t + 600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const session = seal(COOKIE_KEY, 'session', {
  sub: 'lea', name: 'Léa', email: '', csrf: CSRF, exp: now() + 600,
});

const auth = {
  alice: { Authorization: `Bearer ${userJwt('alice', { name: 'Alice' })}` },
  bob: { Authorization: `Bearer ${userJwt('bob', { name: 'Bob' })}` },
  carol: { Authorization: `Bearer ${userJwt('carol', { name: 'Carol' })}` },
  dave: { Authorization: `Bearer ${userJwt('dave')}` },
  root: { Authorization: `Bearer ${userJwt('root', { role: 'admin' })}` },
  lea: { Cookie: `lkgate_session=${session}; lkgate_csrf=${CSRF}`, 'X-CSRF-Token': CSRF },
  leaNoCsrf: { Cookie: `lkgate_session=${session}; lkgate_csrf=${CSRF}` },
  admin: { 'X-API-Key': ADMIN_KEY },
  app: { 'X-API-Key': APP_KEY },
  nobody: {},
};

function api(who, method, path, body, headers = {}) {
  return request(gw.url + path, { method, headers: { ...auth[who], ...headers }, body });
}

const create = (who, body) => api(who, 'POST', '/api/channels', body);
const roomOf = (id) => `channel-${id}`;

// A success as the app reads it: {"success":true,"data":...}.
function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, true, res.text);
  assert.ok('data' in res.json, res.text);
  return res.json.data;
}

// An error as the app reads it.
function failed(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(Object.keys(res.json).sort(),
    ['error', 'error_code', 'request_id', 'success', 'timestamp'].concat(
      code === 'RATE_LIMITED' ? ['retry_after'] : []).sort(), res.text);
  assert.equal(res.json.success, false);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  assert.ok(Math.abs(res.json.timestamp - now()) < 60);
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

async function newChannel(who, body) {
  return ok(await create(who, body), 201);
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `voice:${APP_KEY}:app,ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      LKGATE_COOKIE_KEYS: COOKIE_KEY.toString('base64'),
      LKGATE_COOKIE_SECURE: 'false',
      LKGATE_TOKEN_TTL: '900',
      LKGATE_UPSTREAM_TIMEOUT_MS: '800',
      LKGATE_RATE_LIMITS: 'create=25/1m',
      LKGATE_AUDIO_CHANNELS: '2',
      LKGATE_AUDIO_BITRATE: '64000',
      LKGATE_AUDIO_RED: 'false',
      // These tests add participants behind lkgate's back (the emulator
      // sends no webhooks): no room cache here (room-cache.test.mjs).
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

describe('the seed scenario: Alice opens General, Bob joins it', () => {
  let general;

  it('POST /api/channels creates a LiveKit room channel-<uuid> with the metadata', async () => {
    lk.reset();
    const ch = await newChannel('alice', { name: 'General', description: 'Channel général' });
    assert.deepEqual(Object.keys(ch).sort(), [...CHANNEL_KEYS, 'users'].sort());
    assert.match(ch.id, UUID);
    assert.equal(ch.name, 'General');
    assert.equal(ch.description, 'Channel général');
    assert.equal(ch.max_users, 10, 'the default');
    assert.equal(ch.is_private, false);
    assert.equal(ch.created_by, 'alice');
    assert.equal(ch.current_users, 0);
    assert.deepEqual(ch.users, []);
    const [call] = lk.callsOf('CreateRoom');
    assert.equal(call.body.name, roomOf(ch.id));
    assert.equal(call.body.maxParticipants, 10, 'LiveKit enforces max_users too');
    assert.equal(call.body.emptyTimeout, 86400);
    assert.deepEqual(JSON.parse(call.body.metadata), {
      name: 'General', description: 'Channel général', max_users: 10,
      is_private: false, created_by: 'alice', created_at: ch.created_at, invited: [],
    });
    assert.ok(lk.rooms.has(roomOf(ch.id)));
    general = ch;
  });

  it('GET /api/channels: every user sees the public channel', async () => {
    for (const who of ['bob', 'lea', 'admin', 'root']) {
      const list = ok(await api(who, 'GET', '/api/channels'));
      assert.ok(Array.isArray(list));
      const mine = list.find((c) => c.id === general.id);
      assert.deepEqual(Object.keys(mine).sort(), [...CHANNEL_KEYS].sort(), who);
    }
  });

  it('POST /api/channels/{id}/join gives Bob a LiveKit token for the room', async () => {
    const d = ok(await api('bob', 'POST', `/api/channels/${general.id}/join`));
    assert.deepEqual(Object.keys(d).sort(),
      ['channel_id', 'expires_at', 'identity', 'room_name', 'token', 'url'].sort());
    assert.equal(d.channel_id, general.id);
    assert.equal(d.identity, 'bob');
    assert.equal(d.room_name, roomOf(general.id));
    assert.equal(d.url, `ws://127.0.0.1:${lk.port}`);
    const claims = await verifier.verify(d.token);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.name, 'Bob');
    assert.equal(claims.video.room, roomOf(general.id));
    assert.equal(claims.video.roomJoin, true);
    assert.equal(claims.exp, d.expires_at);
    assert.ok(Math.abs(d.expires_at - now() - 900) < 60);
  });

  it('a web-login session joins too (CSRF header required)', async () => {
    const d = ok(await api('lea', 'POST', `/api/channels/${general.id}/join`));
    const claims = await verifier.verify(d.token);
    // A web-login user's identity carries its source (lkgate(8), Principals).
    assert.equal(claims.sub, 'oidc:lea');
    assert.equal(d.identity, 'oidc:lea');
    assert.equal(claims.name, 'Léa');
    failed(await api('leaNoCsrf', 'POST', `/api/channels/${general.id}/join`), 403,
      'PERMISSION_DENIED');
  });

  it('an admin key joins naming the identity; without one: 400', async () => {
    const d = ok(await api('admin', 'POST', `/api/channels/${general.id}/join`,
      { participant_identity: 'moderator' }));
    assert.equal((await verifier.verify(d.token)).sub, 'moderator');
    failed(await api('admin', 'POST', `/api/channels/${general.id}/join`), 400,
      'INVALID_INPUT', 'participant_identity');
  });

  it('GET /api/channels/{id} lists who is in it, muted or not, from LiveKit', async () => {
    lk.addParticipant(roomOf(general.id), { identity: 'bob', name: 'Bob',
      tracks: [{ sid: 'TR_bob', type: 'AUDIO', muted: false }] });
    lk.addParticipant(roomOf(general.id), { identity: 'lea', name: 'Léa',
      tracks: [{ sid: 'TR_lea', type: 'AUDIO', muted: true }] });
    lk.addParticipant(roomOf(general.id), { identity: 'agent-1', kind: 'AGENT' });
    const ch = ok(await api('carol', 'GET', `/api/channels/${general.id}`));
    assert.equal(ch.current_users, 2, 'agents are not users');
    const users = Object.fromEntries(ch.users.map((u) => [u.id, u]));
    assert.deepEqual(Object.keys(users).sort(), ['bob', 'lea']);
    assert.deepEqual(Object.keys(users.bob).sort(), ['display_name', 'id', 'joined_at', 'muted']);
    assert.equal(users.bob.display_name, 'Bob');
    assert.equal(users.bob.muted, false);
    assert.equal(users.lea.muted, true);
    assert.ok(Math.abs(users.bob.joined_at - now()) < 60);
  });

  it('GET /api/channels/{id}/audio/stats: LiveKit\'s counts, the rest null', async () => {
    const s = ok(await api('bob', 'GET', `/api/channels/${general.id}/audio/stats`));
    assert.equal(s.channel_id, general.id);
    assert.equal(s.current_users, 2);
    assert.equal(s.audio_tracks, 2);
    assert.equal(s.muted_tracks, 1);
    assert.equal(s.active_streams, 1);
    assert.ok(s.uptime_seconds >= 0 && s.uptime_seconds < 60);
    for (const k of SEED_AUDIO_NULLS) assert.equal(s[k], null, k);
    const lea = s.users.find((u) => u.id === 'lea');
    assert.equal(lea.audio_tracks, 1);
    assert.equal(lea.muted_tracks, 1);
  });

  it('GET /api/advanced/channels/{id}/statistics: the seed\'s shape, unknowns null', async () => {
    const s = ok(await api('bob', 'GET', `/api/advanced/channels/${general.id}/statistics`));
    assert.equal(s.channel_id, general.id);
    assert.equal(s.current_users, 2);
    assert.equal(s.total_connections, null);
    assert.ok(Number.isInteger(s.uptime_seconds));
    assert.deepEqual(Object.keys(s.audio_stats).sort(), [...SEED_AUDIO_NULLS].sort());
    for (const v of Object.values(s.audio_stats)) assert.equal(v, null);
    assert.equal(s.performance_stats.active_streams, 1);
    assert.equal(s.performance_stats.cpu_usage_percent, null);
    assert.equal(s.users.length, 2);
  });

  it('POST /api/channels/{id}/leave removes the caller\'s participant', async () => {
    const d = ok(await api('bob', 'POST', `/api/channels/${general.id}/leave`));
    assert.deepEqual(d, { channel_id: general.id, left: true });
    const [call] = lk.callsOf('RemoveParticipant').slice(-1);
    assert.deepEqual(call.body, { room: roomOf(general.id), identity: 'bob' });
    assert.ok(!lk.rooms.get(roomOf(general.id)).participants.has('bob'));
    assert.deepEqual(ok(await api('bob', 'POST', `/api/channels/${general.id}/leave`)),
      { channel_id: general.id, left: false });
  });

  it('DELETE /api/channels/{id}: 403 for others, 200 for the creator, then 404', async () => {
    failed(await api('bob', 'DELETE', `/api/channels/${general.id}`), 403, 'PERMISSION_DENIED');
    assert.deepEqual(ok(await api('alice', 'DELETE', `/api/channels/${general.id}`)),
      { id: general.id, deleted: true });
    assert.ok(!lk.rooms.has(roomOf(general.id)));
    failed(await api('alice', 'GET', `/api/channels/${general.id}`), 404, 'CHANNEL_NOT_FOUND');
    failed(await api('alice', 'DELETE', `/api/channels/${general.id}`), 404, 'CHANNEL_NOT_FOUND');
    failed(await api('alice', 'POST', `/api/channels/${general.id}/join`), 404,
      'CHANNEL_NOT_FOUND');
  });
});

describe('private channels and full ones', () => {
  let secret;

  it('a private channel is seen by its creator, its invitees and admins only', async () => {
    lk.reset();
    secret = await newChannel('alice', { name: 'Secret', is_private: true, invited: ['bob', 'bob'] });
    assert.equal(secret.is_private, true);
    const meta = JSON.parse(lk.rooms.get(roomOf(secret.id)).room.metadata);
    assert.deepEqual(meta.invited, ['bob'], 'deduplicated');
    for (const who of ['alice', 'bob', 'root', 'admin']) {
      const list = ok(await api(who, 'GET', '/api/channels'));
      assert.ok(list.some((c) => c.id === secret.id), who);
      ok(await api(who, 'GET', `/api/channels/${secret.id}`));
    }
    for (const who of ['carol', 'lea']) {
      const list = ok(await api(who, 'GET', '/api/channels'));
      assert.ok(!list.some((c) => c.id === secret.id), who);
      failed(await api(who, 'GET', `/api/channels/${secret.id}`), 404, 'CHANNEL_NOT_FOUND');
      failed(await api(who, 'POST', `/api/channels/${secret.id}/join`), 404, 'CHANNEL_NOT_FOUND');
      failed(await api(who, 'GET', `/api/channels/${secret.id}/audio/stats`), 404,
        'CHANNEL_NOT_FOUND');
    }
    ok(await api('bob', 'POST', `/api/channels/${secret.id}/join`));
  });

  it('join answers 409 CHANNEL_FULL once current_users reaches max_users', async () => {
    const small = await newChannel('alice', { name: 'Duo', max_users: 2 });
    assert.equal(lk.callsOf('CreateRoom').at(-1).body.maxParticipants, 2);
    lk.addParticipant(roomOf(small.id), { identity: 'x1' });
    ok(await api('bob', 'POST', `/api/channels/${small.id}/join`));
    lk.addParticipant(roomOf(small.id), { identity: 'x2' });
    failed(await api('bob', 'POST', `/api/channels/${small.id}/join`), 409, 'CHANNEL_FULL');
    failed(await api('root', 'POST', `/api/channels/${small.id}/join`), 409, 'CHANNEL_FULL');
  });
});

describe('GET /api/advanced/channels: the seed\'s filters and pagination', () => {
  const ids = {};

  before(async () => {
    lk.reset();
    for (const [name, users, priv] of [['Music', 0, false], ['Gaming', 3, false],
      ['music lounge', 1, false], ['Hidden', 0, true]]) {
      const ch = await newChannel('carol', { name, is_private: priv });
      ids[name] = ch.id;
      // Created a second apart, in this order.
      const r = lk.rooms.get(roomOf(ch.id)).room;
      r.metadata = JSON.stringify({ ...JSON.parse(r.metadata),
        created_at: now() - 100 + Object.keys(ids).length });
      for (let i = 0; i < users; i++) lk.addParticipant(roomOf(ch.id), { identity: `u${i}` });
    }
  });

  const search = (who, q) => api(who, 'GET', `/api/advanced/channels${q}`);

  it('public channels by default, oldest first, with the pagination object', async () => {
    const res = await search('bob', '');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.success, true);
    assert.deepEqual(res.json.data.map((c) => c.name), ['Music', 'Gaming', 'music lounge']);
    assert.deepEqual(res.json.pagination, {
      current_page: 1, total_pages: 1, total_items: 3, items_per_page: 20,
      has_next: false, has_previous: false,
    });
  });

  it('name is a substring in any case; min_users and max_users bound current_users', async () => {
    const names = async (q) => (await search('bob', q)).json.data.map((c) => c.name);
    assert.deepEqual(await names('?name=MUSIC'), ['Music', 'music lounge']);
    assert.deepEqual(await names('?min_users=1'), ['Gaming', 'music lounge']);
    assert.deepEqual(await names('?max_users=1'), ['Music', 'music lounge']);
    assert.deepEqual(await names('?min_users=1&max_users=2&name=lounge'), ['music lounge']);
  });

  it('include_private adds the private channels the caller may see', async () => {
    const names = async (who) => (await search(who, '?include_private=true')).json.data
      .map((c) => c.name);
    assert.ok((await names('carol')).includes('Hidden'), 'its creator');
    assert.ok((await names('root')).includes('Hidden'), 'an admin');
    assert.ok(!(await names('bob')).includes('Hidden'), 'not bob');
  });

  it('pages', async () => {
    const p2 = await search('bob', '?limit=2&page=2');
    assert.deepEqual(p2.json.data.map((c) => c.name), ['music lounge']);
    assert.deepEqual(p2.json.pagination, {
      current_page: 2, total_pages: 2, total_items: 3, items_per_page: 2,
      has_next: false, has_previous: true,
    });
    const p9 = await search('bob', '?limit=2&page=9');
    assert.deepEqual(p9.json.data, []);
  });

  it('bad query parameters: 400 naming them', async () => {
    failed(await search('bob', '?page=0'), 400, 'INVALID_INPUT', 'page');
    failed(await search('bob', '?limit=101'), 400, 'INVALID_INPUT', 'limit');
    failed(await search('bob', '?min_users=-1'), 400, 'INVALID_INPUT', 'min_users');
    failed(await search('bob', '?max_users=x'), 400, 'INVALID_INPUT', 'max_users');
    failed(await search('bob', '?include_private=yes'), 400, 'INVALID_INPUT', 'include_private');
  });
});

describe('audio configuration', () => {
  it('GET /api/audio/config: Opus at 48 kHz, as configured', async () => {
    const d = ok(await api('bob', 'GET', '/api/audio/config'));
    assert.deepEqual(d, {
      codec: 'opus', sample_rate: 48000, channels: 2, bit_depth: 16, buffer_size: 480,
      latency_target_ms: null, bitrate: 64000, dtx: true, red: false,
    });
  });

  it('PUT /api/advanced/audio/config and POST .../reset: 405, the operator sets it', async () => {
    for (const [m, p] of [['PUT', '/api/advanced/audio/config'],
      ['POST', '/api/advanced/audio/config/reset']]) {
      const res = await api('root', m, p);
      failed(res, 405, 'METHOD_NOT_ALLOWED', 'lkgate.conf');
      assert.equal(res.headers.allow, '');
    }
  });
});

describe('the WebSocket relay is gone', () => {
  for (const p of ['/ws', '/api/ws']) {
    it(`GET ${p}: 410 naming the join route`, async () => {
      failed(await api('nobody', 'GET', p), 410, 'GONE', 'POST /api/channels/{id}/join');
    });
  }
});

describe('administration', () => {
  it('GET /api/advanced/statistics/server: channels and users from LiveKit', async () => {
    lk.reset();
    const a = await newChannel('alice', { name: 'A' });
    await newChannel('alice', { name: 'B' });
    lk.addParticipant(roomOf(a.id), { identity: 'p1', is_publisher: true });
    lk.addParticipant(roomOf(a.id), { identity: 'p2' });
    lk.addParticipant('room-other', { identity: 'p3' });
    failed(await api('alice', 'GET', '/api/advanced/statistics/server'), 403, 'PERMISSION_DENIED');
    const s = ok(await api('admin', 'GET', '/api/advanced/statistics/server'));
    assert.equal(s.total_channels, 2, 'rooms that are not channels do not count');
    assert.equal(s.active_channels, 1);
    assert.equal(s.total_users, 2);
    assert.equal(s.active_users, 1, 'publishers');
    assert.ok(s.uptime_seconds >= 0);
    assert.equal(s.total_audio_packets, null);
    assert.equal(s.total_data_transferred_mb, null);
    assert.ok(s.system_stats.memory_usage_mb > 0);
    assert.equal(typeof s.system_stats.cpu_usage_percent, 'number');
    assert.ok(s.system_stats.active_connections >= 1);
    assert.equal(s.system_stats.network_throughput_mbps, null);
  });

  it('POST /api/advanced/admin/cleanup deletes empty channels older than min_age_s', async () => {
    lk.reset();
    const old = await newChannel('alice', { name: 'Old' });
    const busy = await newChannel('alice', { name: 'Busy' });
    const fresh = await newChannel('alice', { name: 'Fresh' });
    for (const ch of [old, busy]) {
      const r = lk.rooms.get(roomOf(ch.id)).room;
      r.metadata = JSON.stringify({ ...JSON.parse(r.metadata), created_at: now() - 3600 });
    }
    lk.addParticipant(roomOf(busy.id), { identity: 'p1' });
    failed(await api('bob', 'POST', '/api/advanced/admin/cleanup'), 403, 'PERMISSION_DENIED');
    const d = ok(await api('admin', 'POST', '/api/advanced/admin/cleanup'));
    assert.deepEqual(d, { deleted: 1, channels: [old.id], min_age_s: 300 });
    assert.ok(!lk.rooms.has(roomOf(old.id)));
    assert.ok(lk.rooms.has(roomOf(busy.id)) && lk.rooms.has(roomOf(fresh.id)));
    const d0 = ok(await api('root', 'POST', '/api/advanced/admin/cleanup', { min_age_s: 0 }));
    assert.deepEqual(d0, { deleted: 1, channels: [fresh.id], min_age_s: 0 });
    failed(await api('admin', 'POST', '/api/advanced/admin/cleanup', { min_age_s: -1 }), 400,
      'INVALID_INPUT', 'min_age_s');
  });

  it('POST /api/advanced/admin/reset deletes every channel, only when confirmed', async () => {
    lk.reset();
    const a = await newChannel('alice', { name: 'A' });
    lk.addParticipant(roomOf(a.id), { identity: 'p1' });
    lk.addParticipant('room-other', { identity: 'p3' });
    failed(await api('admin', 'POST', '/api/advanced/admin/reset', {}), 400, 'INVALID_INPUT',
      'confirm');
    failed(await api('admin', 'POST', '/api/advanced/admin/reset', { confirm: 'yes' }), 400,
      'INVALID_INPUT', 'confirm');
    failed(await api('alice', 'POST', '/api/advanced/admin/reset', { confirm: 'reset' }), 403,
      'PERMISSION_DENIED');
    const d = ok(await api('admin', 'POST', '/api/advanced/admin/reset', { confirm: 'reset' }));
    assert.deepEqual(d, { deleted: 1, channels: [a.id] });
    assert.ok(!lk.rooms.has(roomOf(a.id)));
    assert.ok(lk.rooms.has('room-other'), 'other rooms are left alone');
  });

  it('GET /api/advanced/admin/health-check: LiveKit reachable and its latency', async () => {
    failed(await api('bob', 'GET', '/api/advanced/admin/health-check'), 403, 'PERMISSION_DENIED');
    const d = ok(await api('admin', 'GET', '/api/advanced/admin/health-check'));
    assert.equal(d.status, 'healthy');
    assert.equal(d.livekit.reachable, true);
    assert.ok(Number.isInteger(d.livekit.latency_ms));
    assert.deepEqual(d.redis, { configured: false });
    assert.ok(Math.abs(d.config_loaded_at - now()) < 600);
    lk.setHealthy(false);
    const down = ok(await api('admin', 'GET', '/api/advanced/admin/health-check'));
    lk.setHealthy(true);
    assert.equal(down.status, 'unhealthy');
    assert.equal(down.livekit.reachable, false);
  });
});

describe('refusals, all in the envelope', () => {
  let ch;

  before(async () => {
    lk.reset();
    ch = await newChannel('alice', { name: 'R' });
  });

  it('no credentials: 401 UNAUTHORIZED; an app key: 403', async () => {
    for (const [m, p] of [['GET', '/api/channels'], ['POST', `/api/channels/${ch.id}/join`],
      ['GET', '/api/audio/config'], ['GET', '/api/advanced/statistics/server']]) {
      failed(await api('nobody', m, p), 401, 'UNAUTHORIZED');
      failed(await api('app', m, p), 403, 'PERMISSION_DENIED');
    }
  });

  it('bad bodies: 400 naming the field', async () => {
    failed(await create('bob', {}), 400, 'INVALID_INPUT', 'name');
    failed(await create('bob', { name: '' }), 400, 'INVALID_INPUT', 'name');
    failed(await create('bob', { name: 'x'.repeat(101) }), 400, 'INVALID_INPUT', 'name');
    failed(await create('bob', { name: 'x', max_users: 0 }), 400, 'INVALID_INPUT', 'max_users');
    failed(await create('bob', { name: 'x', max_users: 1001 }), 400, 'INVALID_INPUT', 'max_users');
    failed(await create('bob', { name: 'x', is_private: 'yes' }), 400, 'INVALID_INPUT',
      'is_private');
    failed(await create('bob', { name: 'x', invited: ['ok', 'not ok'] }), 400, 'INVALID_INPUT',
      'invited[1]');
    failed(await create('bob', { name: 'x', description: 'd'.repeat(501) }), 400,
      'INVALID_INPUT', 'description');
    failed(await api('bob', 'GET', '/api/channels/not-a-uuid'), 400, 'INVALID_INPUT', 'id');
    failed(await api('bob', 'POST', '/api/channels/NOT/leave'), 400, 'INVALID_INPUT', 'id');
  });

  it('the front\'s own refusals: 400, 404, 405, 413, 415', async () => {
    failed(await api('bob', 'POST', '/api/channels', '{"name":', {
      'Content-Type': 'application/json' }), 400, 'INVALID_INPUT');
    failed(await api('bob', 'POST', '/api/channels', '{"name":"a","name":"b"}', {
      'Content-Type': 'application/json' }), 400, 'INVALID_INPUT');
    failed(await api('bob', 'POST', '/api/channels', 'name=x', {
      'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    failed(await create('bob', { name: 'x', pad: 'p'.repeat(70000) }), 413, 'PAYLOAD_TOO_LARGE');
    const res = await api('bob', 'PATCH', `/api/channels/${ch.id}`);
    failed(res, 405, 'METHOD_NOT_ALLOWED');
    assert.match(res.headers.allow, /GET/);
    failed(await api('bob', 'GET', `/api/channels/${ch.id}/nothing`), 404, 'NOT_FOUND');
    failed(await api('bob', 'GET', '/api/advanced/nothing'), 404, 'NOT_FOUND');
    // Other families keep the contract's shape.
    const other = await api('bob', 'GET', '/api/livekit/nothing');
    assert.equal(other.status, 404);
    assert.equal(other.json.code, 'NOT_FOUND');
    assert.equal(other.json.success, undefined);
  });

  it('LiveKit unavailable: 503; too slow: 504 TIMEOUT', async () => {
    lk.failNext('ListRooms', { code: 'unavailable', msg: 'down' });
    failed(await api('bob', 'GET', '/api/channels'), 503, 'UPSTREAM_UNAVAILABLE');
    lk.setDelay(1200);
    try {
      failed(await api('bob', 'GET', `/api/channels/${ch.id}`), 504, 'TIMEOUT');
    } finally {
      lk.setDelay(0);
    }
  });

  it('429 RATE_LIMITED past the create class\'s limit', async () => {
    let res;
    for (let i = 0; i < 30; i++) {
      res = await create('dave', { name: `c${i}` });
      if (res.status === 429) break;
    }
    failed(res, 429, 'RATE_LIMITED');
    assert.ok(res.json.retry_after > 0);
  });
});

describe('nothing half-created', () => {
  const channelRooms = () => [...lk.rooms.keys()].filter((n) => n.startsWith('channel-'));

  it('a CreateRoom that fails after making the room: the room is deleted', async () => {
    lk.reset();
    lk.failNext('CreateRoom', { code: 'internal', msg: 'boom' });
    const res = await create('alice', { name: 'Broken' });
    failed(res, 502, 'UPSTREAM_ERROR');
    for (let i = 0; i < 50 && channelRooms().length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(channelRooms(), []);
    assert.equal(lk.callsOf('DeleteRoom').length, 1);
  });

  it('a CreateRoom that times out: the room made late is deleted', async () => {
    lk.reset();
    lk.setDelay(1200);
    try {
      failed(await create('alice', { name: 'Late' }), 504, 'TIMEOUT');
      // The emulator makes the room at 1.2 s and takes the DeleteRoom
      // lkgate sent at 0.8 s at 2 s.
      await new Promise((r) => setTimeout(r, 2400));
    } finally {
      lk.setDelay(0);
    }
    assert.deepEqual(channelRooms(), []);
  });
});
