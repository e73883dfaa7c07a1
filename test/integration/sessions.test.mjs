// The Eloquence sessions API end to end: lkgate on loopback in front of the
// LiveKit Twirp emulator, tokens judged by the official livekit-server-sdk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import {
  AccessToken, TokenVerifier, decodeJwt, freePort, lkgateBin, request, startLkgate,
} from './lib.mjs';

const LK_KEY = 'APIgatewaytest';
const LK_SECRET = 'a-livekit-secret-of-at-least-32-characters!';
const APP_KEY = 'eloquence-app-key-0123456789';
const APP_KEY2 = 'eloquence-rotated-key-98765';
const FLUTTER_BODY = {
  user_id: 'user123', language: 'fr', scenario_id: 'scenario123',
  goal: 'Améliorer la prononciation', agent_profile_id: 'coach',
  is_multi_agent: false,
};

let lk;
let gw;

function post(path, body, headers = {}) {
  return request(gw.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': APP_KEY,
      ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function call(method, path, headers = {}) {
  return request(gw.url + path, {
    method, headers: { 'X-API-Key': APP_KEY, ...headers },
  });
}

function callsOf(method) {
  return lk.calls.filter((c) => c.method === method);
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `eloquence:${APP_KEY},rotated:${APP_KEY2}:app`,
      LKGATE_AGENT_PROFILES: 'coach=coach-agent,default=coach-agent,'
        + 'duo=coach-agent+critic-agent',
      LKGATE_ROOM_EMPTY_TIMEOUT: '120',
      LKGATE_ROOM_DEPARTURE_TIMEOUT: '15',
      LKGATE_ROOM_MAX_PARTICIPANTS: '3',
      LKGATE_TOKEN_TTL: '1800',
      LKGATE_UPSTREAM_TIMEOUT_MS: '1000',
      LKGATE_MAX_BODY_BYTES: '4096',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
  const text = gw.stderr();
  for (const secret of [LK_SECRET, APP_KEY, APP_KEY2]) {
    assert.ok(!text.includes(secret), 'no secret in the log');
  }
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(text), 'no token in the log');
});

describe('the Flutter flow', () => {
  it('creates a session with the agent dispatched and a valid token',
    async () => {
      lk.reset();
      const res = await post('/api/sessions', FLUTTER_BODY);
      assert.equal(res.status, 200, res.text);
      const s = res.json;
      assert.match(s.session_id,
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(s.room_name, `eloquence-${s.session_id}`);
      assert.equal(s.url, `ws://127.0.0.1:${lk.port}`);
      assert.equal(s.identity, 'user123');
      assert.ok(res.headers['x-request-id']);

      const claims = await new TokenVerifier(LK_KEY, LK_SECRET)
        .verify(s.token);
      assert.equal(claims.sub, 'user123');
      assert.equal(claims.video.roomJoin, true);
      assert.equal(claims.video.room, s.room_name);
      assert.equal(claims.exp - claims.nbf, 1800);
      assert.equal(s.expires_at, claims.exp);

      const creates = callsOf('CreateRoom');
      assert.equal(creates.length, 1, 'one CreateRoom');
      const req = creates[0].body;
      assert.equal(req.name, s.room_name);
      assert.equal(req.emptyTimeout, 120);
      assert.equal(req.departureTimeout, 15);
      assert.equal(req.maxParticipants, 3);
      const meta = JSON.parse(req.metadata);
      for (const k of Object.keys(FLUTTER_BODY)) {
        assert.deepEqual(meta[k], FLUTTER_BODY[k], `metadata ${k}`);
      }
      assert.equal(meta.session_id, s.session_id);
      assert.equal(typeof meta.created_at, 'number');
      assert.equal(req.agents.length, 1);
      assert.equal(req.agents[0].agentName, 'coach-agent');
      assert.deepEqual(JSON.parse(req.agents[0].metadata), meta);
      assert.equal(callsOf('CreateDispatch').length, 0,
        'the agent is dispatched inside CreateRoom');
    });

  it('signs exactly the claims the official AccessToken signs', async () => {
    const res = await post('/api/sessions', FLUTTER_BODY);
    assert.equal(res.status, 200, res.text);
    const at = new AccessToken(LK_KEY, LK_SECRET,
      { identity: 'user123', ttl: 1800 });
    at.addGrant({ roomJoin: true, room: res.json.room_name, canPublish: true,
      canSubscribe: true, canPublishData: true });
    const ours = decodeJwt(res.json.token);
    const theirs = decodeJwt(await at.toJwt());
    for (const c of [ours, theirs]) {
      delete c.exp;
      delete c.nbf;
    }
    assert.deepEqual(ours, theirs);
  });

  it('ends the session, then says it is gone', async () => {
    const s = (await post('/api/sessions', FLUTTER_BODY)).json;
    const del = await call('DELETE', `/api/sessions/${s.session_id}`);
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { session_id: s.session_id, ended: true });
    assert.ok(!lk.rooms.has(s.room_name), 'room deleted at LiveKit');
    const again = await call('DELETE', `/api/sessions/${s.session_id}`);
    assert.equal(again.status, 404);
    assert.equal(again.json.code, 'SESSION_NOT_FOUND');
  });

  it('shows a live session with its participants', async () => {
    const s = (await post('/api/sessions', FLUTTER_BODY)).json;
    lk.addParticipant(s.room_name, { identity: 'user123', name: 'User' });
    lk.addParticipant(s.room_name,
      { identity: 'agent-1', name: 'Coach', kind: 'AGENT' });
    const res = await call('GET', `/api/sessions/${s.session_id}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.session_id, s.session_id);
    assert.equal(res.json.room_name, s.room_name);
    assert.equal(res.json.user_id, 'user123');
    assert.equal(res.json.goal, FLUTTER_BODY.goal);
    assert.equal(res.json.agent_profile_id, 'coach');
    assert.equal(res.json.participants.length, 2);
    const kinds = res.json.participants.map((p) => p.kind).sort();
    assert.deepEqual(kinds, ['agent', 'standard']);
    const missing = await call('GET',
      '/api/sessions/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 'SESSION_NOT_FOUND');
  });

  it('dispatches every agent of a multi-agent profile', async () => {
    lk.reset();
    const res = await post('/api/sessions',
      { user_id: 'u2', agent_profile_id: 'duo', is_multi_agent: true });
    assert.equal(res.status, 200, res.text);
    const names = callsOf('CreateRoom')[0].body.agents.map((a) => a.agentName);
    assert.deepEqual(names, ['coach-agent', 'critic-agent']);
  });

  it('uses the default profile when none is named', async () => {
    lk.reset();
    const res = await post('/api/sessions', { user_id: 'u3' });
    assert.equal(res.status, 200, res.text);
    const agents = callsOf('CreateRoom')[0].body.agents;
    assert.deepEqual(agents.map((a) => a.agentName), ['coach-agent']);
  });
});

describe('legacy routes', () => {
  it('start and end a session like the new routes', async () => {
    lk.reset();
    const s = await post('/api/session/start', FLUTTER_BODY);
    assert.equal(s.status, 200, s.text);
    assert.ok(lk.rooms.has(s.json.room_name));
    const end = await call('POST', `/api/session/${s.json.session_id}/end`);
    assert.equal(end.status, 200, end.text);
    assert.equal(end.json.ended, true);
    assert.ok(!lk.rooms.has(s.json.room_name));
    const again = await call('POST', `/api/session/${s.json.session_id}/end`);
    assert.equal(again.status, 404);
    assert.equal(again.json.code, 'SESSION_NOT_FOUND');
  });

  it('mints a token at /livekit/token with the API key, for its session', async () => {
    const s = (await post('/api/session/start', FLUTTER_BODY)).json;
    const res = await post('/livekit/token',
      { room_name: s.room_name, participant_identity: 'user123',
        participant_name: 'Nine' });
    assert.equal(res.status, 200, res.text);
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET)
      .verify(res.json.token);
    assert.equal(claims.sub, 'user123');
    assert.equal(claims.name, 'Nine');
    assert.equal(claims.video.room, s.room_name);
    assert.equal(res.json.participant_token, res.json.token);
    assert.equal(res.json.server_url, res.json.url);
    const other = await post('/livekit/token',
      { room_name: 'practice-room', participant_identity: 'user9' });
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json.code, 'PERMISSION_DENIED');
  });
});

// The session routes take the app key, which is public: they must never
// reach a room that is not a session's, whatever its name.
describe('session routes act only on rooms with session metadata', () => {
  const ID = '7d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5';
  const ROOM = `eloquence-${ID}`;
  const routes = [
    ['GET', `/api/sessions/${ID}`],
    ['DELETE', `/api/sessions/${ID}`],
    ['POST', `/api/session/${ID}/end`],
  ];

  async function refusedAll(what) {
    for (const [method, path] of routes) {
      const res = await call(method, path);
      assert.equal(res.status, 404, `${what}: ${method} ${path}: ${res.text}`);
      assert.equal(res.json.code, 'SESSION_NOT_FOUND');
    }
    assert.ok(lk.rooms.has(ROOM), `${what}: the room is still there`);
    assert.equal(callsOf('DeleteRoom').length, 0, `${what}: nothing deleted`);
  }

  it('a session-named room without metadata: 404, not deleted', async () => {
    lk.reset();
    lk.addParticipant(ROOM, { identity: 'someone' });
    await refusedAll('no metadata');
  });

  it('a session-named room with a video-call room\'s metadata: 404', async () => {
    lk.reset();
    lk.addParticipant(ROOM, { identity: 'someone' });
    lk.rooms.get(ROOM).room.metadata = JSON.stringify({ created_by: 'alice',
      call_type: 'video', invited: [], created_at: 1, title: null });
    await refusedAll('gateway metadata');
  });

  it('another session\'s metadata copied under this name: 404', async () => {
    lk.reset();
    const s = (await post('/api/sessions', FLUTTER_BODY)).json;
    lk.addParticipant(ROOM, { identity: 'someone' });
    lk.rooms.get(ROOM).room.metadata = lk.rooms.get(s.room_name).room.metadata;
    lk.calls.length = 0;
    await refusedAll('copied metadata');
  });

  it('a room lkgate made for a session works as before', async () => {
    lk.reset();
    const s = (await post('/api/sessions', FLUTTER_BODY)).json;
    const get = await call('GET', `/api/sessions/${s.session_id}`);
    assert.equal(get.status, 200, get.text);
    const del = await call('DELETE', `/api/sessions/${s.session_id}`);
    assert.equal(del.status, 200, del.text);
  });
});

describe('a room_prefix that could name other rooms is refused', () => {
  const base = { PATH: process.env.PATH, LKGATE_CONFIG: '',
    LIVEKIT_URL: 'ws://127.0.0.1:7880', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' };

  for (const [prefix, pattern] of [['room-', /room_prefix \(room-\) must not overlap room-/],
    ['r', /room_prefix \(r\) must not overlap room-/],
    ['room-eloquence-', /must not overlap room-/]]) {
    it(`${prefix}: at start-up and by lkgate -n`, async () => {
      const port = await freePort();
      for (const args of [['-n'], []]) {
        const r = spawnSync(lkgateBin(), args, { env: { ...base,
          LKGATE_LISTEN: `127.0.0.1:${port}`, LKGATE_ROOM_PREFIX: prefix },
        encoding: 'utf8', timeout: 5000 });
        assert.equal(r.status, 1, `${args}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
      }
    });
  }

  it('an empty one, from the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lkgate-'));
    const f = join(dir, 'prefix.conf');
    writeFileSync(f, 'room_prefix = ""\n');
    const r = spawnSync(lkgateBin(), ['-n', '-f', f], { env: base, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /room_prefix must not be empty/);
  });

  it('the default and a distinct one load', () => {
    for (const prefix of [undefined, 'rooms-']) {
      const env = { ...base };
      if (prefix) env.LKGATE_ROOM_PREFIX = prefix;
      const r = spawnSync(lkgateBin(), ['-n'], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });
});

describe('Idempotency-Key', () => {
  it('gives the same session and one room on a retry', async () => {
    lk.reset();
    const h = { 'Idempotency-Key': 'retry-abc-1' };
    const a = await post('/api/sessions', FLUTTER_BODY, h);
    const b = await post('/api/sessions', FLUTTER_BODY, h);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.equal(a.json.session_id, b.json.session_id);
    assert.equal(lk.rooms.size, 1, 'one room at LiveKit');
    const other = await post('/api/sessions', FLUTTER_BODY,
      { 'Idempotency-Key': 'retry-abc-2' });
    assert.notEqual(other.json.session_id, a.json.session_id);
  });

  it('refuses a reused key for another user', async () => {
    const h = { 'Idempotency-Key': 'retry-xyz' };
    const a = await post('/api/sessions', FLUTTER_BODY, h);
    assert.equal(a.status, 200, a.text);
    const b = await post('/api/sessions', { user_id: 'mallory' }, h);
    assert.equal(b.status, 409);
    assert.equal(b.json.code, 'CONFLICT');
  });

  it('depends on the API key, so two apps never collide', async () => {
    const h = { 'Idempotency-Key': 'same-key' };
    const a = await post('/api/sessions', FLUTTER_BODY, h);
    const b = await post('/api/sessions', FLUTTER_BODY,
      { ...h, 'X-API-Key': APP_KEY2 });
    assert.notEqual(a.json.session_id, b.json.session_id);
  });
});
