// Bad input and authentication on the sessions and token routes: every
// refusal has the contract's status, code and a message naming the field,
// and no refused request reaches LiveKit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../emulator/emulator.mjs';
import { request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIinputtest';
const LK_SECRET = 'another-livekit-secret-32-characters-long';
const KEY_A = 'first-app-key-abcdefghijkl';
const KEY_B = 'second-app-key-mnopqrstuvw';

let lk;
let gw;

function post(path, body, headers = {}) {
  return request(gw.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY_A,
      ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body)
      ? body : JSON.stringify(body),
  });
}

function assertError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  assert.equal(typeof res.json.error, 'string');
  assert.equal(typeof res.json.timestamp, 'number');
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `a:${KEY_A},b:${KEY_B}:admin`,
      LKGATE_AGENT_PROFILES: 'coach=coach-agent',
      LKGATE_MAX_BODY_BYTES: '2048',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0);
});

const long = 'x'.repeat(129);
const badFields = [
  [{}, 'user_id'],
  [{ user_id: 42 }, 'user_id'],
  [{ user_id: '' }, 'user_id'],
  [{ user_id: long }, 'user_id'],
  [{ user_id: 'bad user' }, 'user_id'],
  [{ user_id: 'bad/user' }, 'user_id'],
  [{ user_id: 'u', language: 7 }, 'language'],
  [{ user_id: 'u', language: 'fr_FR!' }, 'language'],
  [{ user_id: 'u', scenario_id: ['x'] }, 'scenario_id'],
  [{ user_id: 'u', scenario_id: 's'.repeat(200) }, 'scenario_id'],
  [{ user_id: 'u', goal: 'g'.repeat(2001) }, 'goal'],
  [{ user_id: 'u', goal: 'line\nbreak' }, 'goal'],
  [{ user_id: 'u', agent_profile_id: 'nope' }, 'agent_profile_id'],
  [{ user_id: 'u', agent_profile_id: 3 }, 'agent_profile_id'],
  [{ user_id: 'u', is_multi_agent: 'yes' }, 'is_multi_agent'],
];

describe('field validation on POST /api/sessions', () => {
  for (const [body, field] of badFields) {
    it(`400 naming ${field} for ${JSON.stringify(body).slice(0, 60)}`,
      async () => {
        lk.reset();
        assertError(await post('/api/sessions', body), 400, 'INVALID_INPUT',
          field);
        assert.equal(lk.calls.length, 0, 'LiveKit not called');
      });
  }

  it('ignores unknown fields', async () => {
    const res = await post('/api/sessions', { user_id: 'u', extra: [1] });
    assert.equal(res.status, 200, res.text);
  });
});

describe('body and protocol errors', () => {
  it('400 on malformed JSON', async () => {
    assertError(await post('/api/sessions', '{"user_id":'), 400,
      'INVALID_INPUT');
  });
  it('400 on a JSON value that is not an object', async () => {
    assertError(await post('/api/sessions', '["u"]'), 400, 'INVALID_INPUT');
  });
  it('400 on a duplicated key', async () => {
    assertError(await post('/api/sessions',
      '{"user_id":"a","user_id":"b"}'), 400, 'INVALID_INPUT');
  });
  it('400 on invalid UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"user_id":"a","goal":"'),
      Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    assertError(await post('/api/sessions', body), 400, 'INVALID_INPUT');
  });
  it('400 on nesting deeper than 32', async () => {
    const deep = `{"user_id":"a","x":${'['.repeat(40)}${']'.repeat(40)}}`;
    assertError(await post('/api/sessions', deep), 400, 'INVALID_INPUT');
  });
  it('400 on an empty body', async () => {
    assertError(await post('/api/sessions', ''), 400, 'INVALID_INPUT');
  });
  it('413 on a body over max_body_bytes', async () => {
    const big = JSON.stringify({ user_id: 'u', goal: 'g'.repeat(3000) });
    assertError(await post('/api/sessions', big), 413, 'PAYLOAD_TOO_LARGE');
  });
  it('413 even far over the limit', async () => {
    const res = await post('/api/sessions', 'x'.repeat(200000));
    assert.equal(res.status, 413);
  });
  it('415 on a wrong content type', async () => {
    assertError(await post('/api/sessions', '{"user_id":"u"}',
      { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
  it('accepts a charset parameter on the content type', async () => {
    const res = await post('/api/sessions', '{"user_id":"u"}',
      { 'Content-Type': 'application/json; charset=utf-8' });
    assert.equal(res.status, 200, res.text);
  });
  it('404 on an unknown route', async () => {
    assertError(await request(`${gw.url}/api/nothing`), 404, 'NOT_FOUND');
  });
  it('405 with Allow on a wrong method', async () => {
    const res = await request(`${gw.url}/api/sessions`, { method: 'GET' });
    assertError(res, 405, 'METHOD_NOT_ALLOWED');
    assert.match(res.headers.allow, /POST/);
  });
  it('400 on a session id that is not a UUID', async () => {
    const res = await request(`${gw.url}/api/sessions/not-a-uuid`,
      { method: 'DELETE', headers: { 'X-API-Key': KEY_A } });
    assertError(res, 400, 'INVALID_INPUT', 'session_id');
  });
  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const a = await request(`${gw.url}/health`,
      { headers: { 'X-Request-Id': 'req-123' } });
    assert.equal(a.headers['x-request-id'], 'req-123');
    const b = await request(`${gw.url}/health`,
      { headers: { 'X-Request-Id': 'bad id <script>' } });
    assert.match(b.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  });
});

describe('authentication', () => {
  it('401 without a key', async () => {
    lk.reset();
    assertError(await post('/api/sessions', { user_id: 'u' },
      { 'X-API-Key': '' }), 401, 'UNAUTHORIZED');
    assert.equal(lk.calls.length, 0);
  });
  it('401 with a wrong key', async () => {
    assertError(await post('/api/sessions', { user_id: 'u' },
      { 'X-API-Key': `${KEY_A}x` }), 401, 'UNAUTHORIZED');
  });
  it('accepts both configured keys at once', async () => {
    for (const k of [KEY_A, KEY_B]) {
      const res = await post('/api/sessions', { user_id: 'u' },
        { 'X-API-Key': k });
      assert.equal(res.status, 200, res.text);
    }
  });
  it('401 on the token route without a key', async () => {
    assertError(await post('/api/livekit/token',
      { room_name: 'r', identity: 'u' }, { 'X-API-Key': 'nope' }),
    401, 'UNAUTHORIZED');
  });
});

describe('token route validation', () => {
  it('400 without room_name', async () => {
    assertError(await post('/api/livekit/token', { identity: 'u' }), 400,
      'INVALID_INPUT', 'room_name');
  });
  it('400 on a bad room name', async () => {
    assertError(await post('/api/livekit/token',
      { room_name: 'a b', identity: 'u' }), 400, 'INVALID_INPUT',
    'room_name');
  });
  it('400 without an identity', async () => {
    assertError(await post('/api/livekit/token', { room_name: 'r' }), 400,
      'INVALID_INPUT', 'participant_identity');
  });
  it('400 on attributes that are not strings', async () => {
    assertError(await post('/api/livekit/token', { room_name: 'r',
      identity: 'u', participant_attributes: { a: 1 } }), 400,
    'INVALID_INPUT', 'participant_attributes');
  });
});
