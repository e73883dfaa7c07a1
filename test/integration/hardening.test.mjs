// Production hardening: rate limits (per API key, per client address, the
// X-RateLimit headers, 429 that takes nothing, trusted proxies), CORS,
// GET /metrics (parsed here, counting exactly what happened), readiness
// following LiveKit, SIGHUP with a good and a bad configuration on a
// kept-alive connection, the in-flight cap, and accepting that pauses
// instead of spinning when file descriptors run out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { AccessToken, lkgateBin, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIhardening';
const LK_SECRET = 'hardening-livekit-secret-of-32-characters';
const KEY_A = 'hardening-key-alpha-0123456789';
const KEY_B = 'hardening-key-beta-0123456789';
const BAD_KEY = 'hardening-key-wrong-0123456789';
const ADMIN_KEY = 'hardening-key-admin-0123456789';
const NO_SUCH_SESSION = '/api/sessions/00000000-0000-4000-8000-000000000000';
const ORIGIN = 'https://app.example.com';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let lk;
const gateways = [];
const tmp = mkdtempSync(join(tmpdir(), 'lkgate-hardening-'));

function lkEnv(port = lk.port) {
  return {
    LIVEKIT_URL: `ws://127.0.0.1:${port}`,
    LIVEKIT_API_KEY: LK_KEY,
    LIVEKIT_API_SECRET: LK_SECRET,
  };
}

// Starts a gateway stopped (and checked to exit 0) after all tests.
async function gateway(env, opts = {}) {
  const gw = await startLkgate({
    env: { ...lkEnv(), LKGATE_API_KEYS: `alpha:${KEY_A},beta:${KEY_B}`, ...env },
    ...opts,
  });
  gateways.push(gw);
  return gw;
}

// Every request on a fresh connection, closed after it, unless told.
function call(gw, method, path,
  { key, headers = {}, body, agent = false, timeout } = {}) {
  const h = { ...headers };
  if (key) h['X-API-Key'] = key;
  return request(gw.url + path, { method, headers: h, body, agent, timeout });
}

const createSession = (gw, key, user = 'u1') =>
  call(gw, 'POST', '/api/sessions', { key, body: { user_id: user } });
// An app key mints only for a session room, as its user: one made here
// in LiveKit as lkgate makes them (no create, which has its own limit).
const SESSION_ID = '0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3';
const SESSION_ROOM = `eloquence-${SESSION_ID}`;
function sessionRoom() {
  if (lk.rooms.has(SESSION_ROOM)) return;
  lk.addParticipant(SESSION_ROOM, { identity: 'agent', kind: 'AGENT' });
  lk.rooms.get(SESSION_ROOM).room.metadata = JSON.stringify({
    session_id: SESSION_ID, user_id: 'u1', language: null, scenario_id: null,
    goal: null, agent_profile_id: null, is_multi_agent: false, created_at: 1764284400,
  });
}
const mintToken = (gw, key, headers) => {
  sessionRoom();
  return call(gw, 'POST', '/livekit/token',
    { key, headers, body: { room_name: SESSION_ROOM, participant_identity: 'u1' } });
};

function rateHeaders(res) {
  return {
    limit: Number(res.headers['x-ratelimit-limit']),
    remaining: Number(res.headers['x-ratelimit-remaining']),
    reset: Number(res.headers['x-ratelimit-reset']),
  };
}

function assert429(res, retryAfter) {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.json.code, 'RATE_LIMITED');
  assert.equal(typeof res.json.error, 'string');
  assert.equal(typeof res.json.timestamp, 'number');
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  assert.equal(res.headers['retry-after'], String(res.json.retry_after),
    'Retry-After and retry_after agree');
  if (retryAfter !== undefined) assert.equal(res.json.retry_after, retryAfter);
  assert.ok(res.json.retry_after >= 1);
  assert.equal(res.headers['x-ratelimit-remaining'], '0');
}

// --- a Prometheus text parser, strict about the exposition format ---

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"`;
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? (\\S+)$`);

function parseMetrics(text) {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  const samples = new Map();
  const types = new Map();
  const helps = new Set();
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# HELP (\S+) \S.*$/.exec(line))) {
      assert.ok(!helps.has(m[1]), `one HELP for ${m[1]}`);
      helps.add(m[1]);
    } else if ((m = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line))) {
      assert.ok(!types.has(m[1]), `one TYPE for ${m[1]}`);
      types.set(m[1], m[2]);
    } else {
      m = SAMPLE.exec(line);
      assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
      assert.ok(m[1].startsWith('lkgate_'), `${m[1]} is prefixed lkgate_`);
      const value = Number(m[3]);
      assert.ok(Number.isFinite(value), `a number: ${line}`);
      const key = m[1] + (m[2] ?? '');
      assert.ok(!samples.has(key), `one sample ${key}`);
      samples.set(key, value);
      const family = types.has(m[1]) ? m[1] :
        m[1].replace(/_(bucket|sum|count)$/, '');
      assert.ok(types.has(family) && helps.has(family),
        `${m[1]} follows its HELP and TYPE`);
      if (family !== m[1]) assert.equal(types.get(family), 'histogram');
    }
  }
  return samples;
}

// Checks every histogram: cumulative buckets, +Inf equal to the count.
function checkHistograms(samples) {
  const series = new Map();
  for (const [key, v] of samples) {
    const m = /^(\w+)_bucket\{(.*),le="([^"]+)"\}$/.exec(key);
    if (!m) continue;
    const id = `${m[1]}{${m[2]}}`;
    if (!series.has(id)) series.set(id, []);
    series.get(id).push([m[3] === '+Inf' ? Infinity : Number(m[3]), v]);
  }
  assert.ok(series.size > 0, 'some histograms');
  for (const [id, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i][0] > buckets[i - 1][0], `${id}: le ascending`);
      assert.ok(buckets[i][1] >= buckets[i - 1][1], `${id}: cumulative`);
    }
    const last = buckets.at(-1);
    assert.equal(last[0], Infinity, `${id}: ends with +Inf`);
    const count = samples.get(id.replace(/^(\w+)\{/, '$1_count{'));
    assert.equal(last[1], count, `${id}: +Inf is the count`);
  }
}

async function scrape(gw) {
  const res = await call(gw, 'GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

const val = (samples, key) => samples.get(key) ?? 0;

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
});

after(async () => {
  for (const gw of gateways) {
    const { code } = await gw.stop();
    assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
    const text = gw.stderr();
    for (const secret of [LK_SECRET, KEY_A, KEY_B, BAD_KEY, ADMIN_KEY]) {
      assert.ok(!text.includes(secret), 'no secret in the log');
    }
  }
  await lk.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('rate limits', () => {
  let gw;
  before(async () => {
    gw = await gateway({ LKGATE_RATE_LIMITS: 'create=3/1m, token=2/1m' });
  });

  it('limits creates per API key, with X-RateLimit headers', async () => {
    lk.reset();
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const res = await createSession(gw, KEY_A, `ua${i}`);
      assert.equal(res.status, 200, res.text);
      seen.push(rateHeaders(res));
    }
    assert.deepEqual(seen.map((h) => h.limit), [3, 3, 3]);
    assert.deepEqual(seen.map((h) => h.remaining), [2, 1, 0], 'decreasing');
    // One request every 20 s: full again 20, 40, 60 s later.
    for (const [i, h] of seen.entries()) {
      assert.ok(Number.isInteger(h.reset) && h.reset > 20 * i &&
        h.reset <= 20 * (i + 1), `reset ${h.reset} after ${i + 1}`);
    }
    const res = await createSession(gw, KEY_A, 'ua4');
    assert429(res, 20);
    assert.equal(res.headers['x-ratelimit-limit'], '3');
    assert.equal(lk.callsOf('CreateRoom').length, 3, 'a 429 never reaches LiveKit');
  });

  it('gives another API key its own bucket', async () => {
    const res = await createSession(gw, KEY_B, 'ub1');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-ratelimit-remaining'], '2');
    assert429(await createSession(gw, KEY_A, 'ua5'));
  });

  it('keeps classes apart: tokens and other routes are not creates',
    async () => {
      const res = await mintToken(gw, KEY_A);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-ratelimit-limit'], '2', 'the token limit');
      const other = await call(gw, 'GET', NO_SUCH_SESSION, { key: KEY_A });
      assert.equal(other.status, 404, other.text);
      assert.equal(other.headers['x-ratelimit-limit'], undefined,
        'default has no limit here: no headers');
      const health = await call(gw, 'GET', '/health');
      assert.equal(health.headers['x-ratelimit-limit'], undefined);
    });

  it('throttles bad keys by client address, whatever X-Forwarded-For says',
    async () => {
      for (let i = 0; i < 2; i++) {
        const res = await mintToken(gw, BAD_KEY,
          { 'X-Forwarded-For': `198.51.100.${i}` });
        assert.equal(res.status, 401, res.text);
        assert.equal(res.headers['x-ratelimit-remaining'], String(1 - i));
      }
      // No key at all: the same address, the same bucket.
      assert429(await mintToken(gw, undefined,
        { 'X-Forwarded-For': '198.51.100.9' }), 30);
      assert429(await mintToken(gw, BAD_KEY));
      // A valid key is not its address: its bucket still has a token.
      const ok = await mintToken(gw, KEY_A);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers['x-ratelimit-remaining'], '0');
      assert429(await mintToken(gw, KEY_A));
    });

  it('counts each 429 in lkgate_ratelimit_rejections_total', async () => {
    const s = await scrape(gw);
    assert.equal(val(s, 'lkgate_ratelimit_rejections_total{class="create"}'), 2);
    assert.equal(val(s, 'lkgate_ratelimit_rejections_total{class="token"}'), 3);
    assert.equal(val(s, 'lkgate_ratelimit_rejections_total{class="default"}'), 0);
    assert.ok(val(s, 'lkgate_ratelimit_entries') >= 4, 'table entries');
  });
});

describe('rate limits over time', () => {
  let gw;
  before(async () => {
    gw = await gateway({ LKGATE_RATE_LIMITS: 'default=2/1s' });
  });

  it('a 429 uses up nothing: a token comes back on time', async () => {
    // Unauthenticated: the 401s take tokens from the address's bucket.
    assert.equal((await call(gw, 'GET', NO_SUCH_SESSION)).status, 401);
    assert.equal((await call(gw, 'GET', NO_SUCH_SESSION)).status, 401);
    for (let i = 0; i < 10; i++) {
      assert429(await call(gw, 'GET', NO_SUCH_SESSION), 1);
    }
    // One token every 500 ms; ten refusals must not have dug a hole.
    await sleep(700);
    const res = await call(gw, 'GET', NO_SUCH_SESSION);
    assert.equal(res.status, 401, res.text);
    assert.equal(res.headers['x-ratelimit-limit'], '2');
  });

  it('counts 404 and 405 answers in the default class too', async () => {
    await sleep(1100);	// a full bucket
    assert.equal((await call(gw, 'GET', '/api/no-such-route')).status, 404);
    assert.equal((await call(gw, 'PUT', '/api/sessions')).status, 405);
    const res = await call(gw, 'GET', '/api/no-such-route');
    assert429(res, 1);
    // A CORS preflight is never limited.
    const pre = await call(gw, 'OPTIONS', '/api/sessions');
    assert.equal(pre.status, 204, pre.text);
  });

  it('never limits the health and metrics routes', async () => {
    for (let i = 0; i < 6; i++) {
      for (const path of ['/health', '/metrics']) {
        const res = await call(gw, 'GET', path);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.headers['x-ratelimit-limit'], undefined);
      }
    }
  });
});

describe('trusted proxies', () => {
  let gw;
  before(async () => {
    gw = await gateway({
      LKGATE_RATE_LIMITS: 'default=1/1m',
      LKGATE_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1',
    });
  });

  const get = (xff) => call(gw, 'GET', NO_SUCH_SESSION,
    { headers: xff === undefined ? {} : { 'X-Forwarded-For': xff } });

  it('keys a request from a trusted proxy by the address it names',
    async () => {
      assert.equal((await get('203.0.113.1')).status, 401);
      assert429(await get('203.0.113.1'));
      assert.equal((await get('203.0.113.2')).status, 401, 'another client');
    });

  it('takes the right-most entry that is not a proxy', async () => {
    assert.equal((await get('192.0.2.66, 203.0.113.3, 10.1.2.3')).status,
      401);
    // A client spoofing the left of the list is still 203.0.113.3.
    assert429(await get('203.0.113.99, 203.0.113.3'));
    assert429(await get('203.0.113.3,10.9.9.9'));
  });

  it('keys by the proxy itself without the header', async () => {
    assert.equal((await get()).status, 401);
    assert429(await get());
    assert429(await get('garbage'), undefined);
  });
});

describe('CORS', () => {
  let gw;
  let star;
  before(async () => {
    gw = await gateway({
      LKGATE_CORS_ORIGINS: `${ORIGIN},http://localhost:3000`,
      LKGATE_RATE_LIMITS: 'create=100/1m',
    });
    star = await gateway({ LKGATE_CORS_ORIGINS: '*' });
  });

  const preflight = (g, path, origin, method = 'POST') =>
    call(g, 'OPTIONS', path, {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'content-type,x-api-key',
      },
    });

  it('answers a preflight without authentication', async () => {
    lk.reset();
    const res = await preflight(gw, '/api/sessions', ORIGIN);
    assert.equal(res.status, 204, res.text);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(res.headers.vary, /Origin/);
    assert.match(res.headers['access-control-allow-methods'], /\bPOST\b/);
    const allowed = res.headers['access-control-allow-headers'].toLowerCase()
      .split(/,\s*/);
    for (const h of ['content-type', 'x-api-key', 'authorization',
      'idempotency-key', 'x-request-id', 'x-csrf-token']) {
      assert.ok(allowed.includes(h), `${h} may be sent`);
    }
    assert.equal(res.headers['access-control-max-age'], '600');
    assert.equal(res.headers['x-ratelimit-limit'], undefined,
      'a preflight is not rate-limited');
    assert.equal(lk.calls.length, 0);
  });

  it('lists the methods of the path', async () => {
    const res = await preflight(gw, '/api/sessions/abc', 'http://localhost:3000',
      'DELETE');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'],
      'http://localhost:3000');
    const methods = res.headers['access-control-allow-methods'].split(/,\s*/);
    assert.ok(methods.includes('GET') && methods.includes('DELETE'),
      methods.join());
    assert.ok(!methods.includes('POST'));
  });

  it('gives a disallowed origin no CORS header', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net',
      'https://APP.example.com', 'null']) {
      const res = await preflight(gw, '/api/sessions', origin);
      assert.equal(res.status, 204);
      const cors = Object.keys(res.headers)
        .filter((h) => h.startsWith('access-control-'));
      assert.deepEqual(cors, [], `${origin}: ${cors}`);
    }
    const res = await call(gw, 'POST', '/api/sessions',
      { key: KEY_A, headers: { Origin: 'https://evil.example.com' }, body: { user_id: 'u' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  it('marks the actual answers, errors included, for an allowed origin',
    async () => {
      const res = await call(gw, 'POST', '/api/sessions',
        { key: KEY_A, headers: { Origin: ORIGIN }, body: { user_id: 'u' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.match(res.headers.vary, /Origin/);
      const exposed = res.headers['access-control-expose-headers'].split(/,\s*/);
      for (const h of ['X-Request-Id', 'X-RateLimit-Limit',
        'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After']) {
        assert.ok(exposed.includes(h), `${h} is exposed`);
      }
      const err = await call(gw, 'POST', '/api/sessions',
        { headers: { Origin: ORIGIN }, body: { user_id: 'u' } });
      assert.equal(err.status, 401);
      assert.equal(err.headers['access-control-allow-origin'], ORIGIN,
        'a browser can read the error');
    });

  it('answers * without credentials, never both', async () => {
    const pre = await preflight(star, '/api/sessions', 'https://any.example');
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
    const res = await call(star, 'GET', '/health',
      { headers: { Origin: 'https://any.example' } });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    const none = await call(star, 'GET', '/health');
    assert.equal(none.headers['access-control-allow-origin'], undefined,
      'no Origin, no CORS header');
  });
});

describe('GET /metrics', () => {
  let gw;
  before(async () => {
    gw = await gateway({
      LKGATE_API_KEYS: `alpha:${KEY_A},beta:${KEY_B},ops:${ADMIN_KEY}:admin`,
    });
  });

  async function signedWebhook(event) {
    const body = JSON.stringify({ event, room: { sid: 'RM_m', name: 'm1' },
      id: `EV_${event}`, createdAt: '1700000000' });
    const at = new AccessToken(LK_KEY, LK_SECRET, { ttl: '5m' });
    at.sha256 = createHash('sha256').update(body).digest('base64');
    return call(gw, 'POST', '/api/livekit/webhook', {
      headers: { 'Content-Type': 'application/webhook+json',
        Authorization: await at.toJwt() },
      body,
    });
  }

  it('parses as Prometheus text and counts what happened', async () => {
    lk.reset();
    const before0 = await scrape(gw);
    checkHistograms(before0);
    const info = [...before0.keys()]
      .filter((k) => k.startsWith('lkgate_build_info'));
    assert.equal(info.length, 1);
    assert.match(info[0], /^lkgate_build_info\{version="\d+\.\d+\.\d+[^"]*"\}$/);
    assert.equal(before0.get(info[0]), 1);

    for (let i = 0; i < 3; i++) {
      assert.equal((await call(gw, 'GET', '/health')).status, 200);
    }
    const s1 = await createSession(gw, KEY_A, 'm1');
    const s2 = await createSession(gw, KEY_B, 'm2');
    assert.equal(s1.status, 200);
    assert.equal(s2.status, 200);
    assert.equal((await call(gw, 'DELETE', `/api/sessions/${s1.json.session_id}`,
      { key: KEY_A })).status, 200);
    assert.equal((await call(gw, 'GET', NO_SUCH_SESSION, { key: KEY_A })).status,
      404);
    assert.equal((await createSession(gw, BAD_KEY)).status, 401);
    assert.equal((await call(gw, 'GET', '/no/such/route')).status, 404);
    lk.failNext('CreateRoom', { code: 'internal', msg: 'boom' });
    assert.equal((await createSession(gw, KEY_A, 'm3')).status, 502);
    assert.equal((await signedWebhook('room_finished')).status, 200);
    assert.equal((await signedWebhook('participant_joined')).status, 200);
    const room = await call(gw, 'POST', '/api/livekit/rooms', {
      key: ADMIN_KEY, body: { name: 'metrics-room', call_type: 'video' } });
    assert.equal(room.status, 201, room.text);
    assert.equal((await call(gw, 'DELETE', '/api/livekit/rooms/metrics-room',
      { key: ADMIN_KEY })).status, 200);

    const s = await scrape(gw);
    const d = (key) => val(s, key) - val(before0, key);
    const req = (route, status) =>
      d(`lkgate_http_requests_total{route="${route}",status="${status}"}`);
    assert.equal(req('health', 200), 3);
    assert.equal(req('session_create', 200), 2);
    assert.equal(req('session_create', 401), 1);
    assert.equal(req('session_create', 502), 1);
    assert.equal(req('session_delete', 200), 1);
    assert.equal(req('session_get', 404), 1);
    assert.equal(req('none', 404), 1);
    assert.equal(req('metrics', 200), 1, 'the first scrape');
    assert.equal(req('webhook', 200), 2);
    assert.equal(d('lkgate_http_request_duration_seconds_count{route="health"}'), 3);
    assert.equal(d('lkgate_http_request_duration_seconds_count{route="session_create"}'), 4);
    assert.ok(d('lkgate_http_request_duration_seconds_sum{route="session_create"}') > 0);
    assert.equal(d('lkgate_sessions_created_total'), 2);
    assert.equal(d('lkgate_sessions_ended_total'), 1);
    assert.equal(d('lkgate_rooms_created_total'), 3, 'two sessions, a room');
    assert.equal(d('lkgate_rooms_ended_total'), 2);
    assert.equal(req('room_create', 201), 1);
    // LiveKit calls: exactly those the emulator answered.
    const methods = new Set(lk.calls.map((c) => c.method));
    assert.ok(methods.has('CreateRoom') && methods.has('DeleteRoom') &&
      methods.has('ListRooms'), [...methods].join());
    for (const m of methods) {
      const ok = lk.calls.filter((c) => c.method === m && c.status === 200);
      const all = lk.calls.filter((c) => c.method === m);
      assert.equal(d(`lkgate_livekit_calls_total{method="${m}",outcome="ok"}`),
        ok.length, `${m} ok`);
      assert.equal(d(`lkgate_livekit_call_duration_seconds_count{method="${m}"}`),
        all.length, `${m} timed`);
    }
    assert.equal(d('lkgate_livekit_calls_total{method="CreateRoom",outcome="failed"}'), 1,
      'the Twirp internal error');
    assert.equal(d('lkgate_webhooks_total{event="room_finished"}'), 1);
    assert.equal(d('lkgate_webhooks_total{event="participant_joined"}'), 1);
    assert.equal(d('lkgate_webhooks_total{event="room_started"}'), 0);
    assert.equal(d('lkgate_connections_accepted_total'), 15,
      'fourteen requests and this scrape, each on its own connection');
    assert.equal(val(s, 'lkgate_inflight_requests'), 1, 'the scrape itself');
    checkHistograms(s);
  });

  it('shows requests in flight and open connections', async () => {
    const settle = async (want) => {
      const deadline = Date.now() + 3000;
      for (;;) {
        const s = await scrape(gw);
        if (want(s) || Date.now() > deadline) return s;
        await sleep(20);
      }
    };
    // The scrape's own connection is the only one left open.
    const base = await settle((s) => val(s, 'lkgate_open_connections') === 1);
    assert.equal(val(base, 'lkgate_open_connections'), 1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
    try {
      lk.setDelay(400);
      const slow = [1, 2].map((i) => request(`${gw.url}/api/sessions`, {
        method: 'POST', agent, headers: { 'X-API-Key': KEY_A },
        body: { user_id: `slow${i}` },
      }));
      const during = await settle((s) => val(s, 'lkgate_inflight_requests') === 3);
      assert.equal(val(during, 'lkgate_inflight_requests'), 3,
        'two slow creates and the scrape');
      for (const res of await Promise.all(slow)) assert.equal(res.status, 200);
      lk.setDelay(0);
      const open = await settle((s) => val(s, 'lkgate_open_connections') === 3);
      assert.equal(val(open, 'lkgate_open_connections'), 3,
        'two kept alive and the scrape');
      assert.equal(val(open, 'lkgate_inflight_requests'), 1);
    } finally {
      lk.setDelay(0);
      agent.destroy();
    }
    const closed = await settle((s) => val(s, 'lkgate_open_connections') === 1);
    assert.equal(val(closed, 'lkgate_open_connections'), 1, 'closed ones gone');
  });
});

describe('readiness', () => {
  it('/readyz follows LiveKit: unhealthy, down, back', async () => {
    const own = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
    const gw = await gateway(lkEnv(own.port));
    const ready = async () => (await call(gw, 'GET', '/readyz')).status;
    try {
      assert.equal(await ready(), 200);
      own.setHealthy(false);
      assert.equal(await ready(), 503, 'LiveKit says it is not ready');
      own.setHealthy(true);
      assert.equal(await ready(), 200);
      await own.refuse();
      assert.equal(await ready(), 503, 'LiveKit is down');
      assert.equal((await call(gw, 'GET', '/health')).status, 200,
        'liveness does not follow LiveKit');
      await own.restart();
      assert.equal(await ready(), 200, 'LiveKit is back');
    } finally {
      await own.close();
    }
  });
});

describe('SIGHUP', () => {
  const OLD_KEY = 'reload-key-old-0123456789';
  const NEW_KEY = 'reload-key-new-0123456789';
  let gw;
  let file;

  const conf = (keys) => [
    `livekit_url = ws://127.0.0.1:${lk.port}`,
    `livekit_api_key = ${LK_KEY}`,
    `livekit_api_secret = ${LK_SECRET}`,
    `api_keys = ${keys}`,
    '',
  ].join('\n');

  before(async () => {
    file = join(tmp, 'reload.conf');
    writeFileSync(file, conf(`old:${OLD_KEY}`));
    chmodSync(file, 0o600);
    gw = await startLkgate({ args: ['-f', file] });
    gateways.push(gw);
  });

  // One request on agent, resolving with the answer and the socket's port.
  const probe = (agent, key) => new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${NO_SUCH_SESSION}`,
      { agent, headers: { 'X-API-Key': key } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode,
          port: req.socket.localPort, reused: req.reusedSocket }));
      });
    req.on('error', reject);
    req.end();
  });

  async function hup(logWanted) {
    const n = gw.logs.length;
    gw.proc.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    for (;;) {
      const line = gw.logs.slice(n).find(logWanted);
      if (line) return line;
      assert.ok(Date.now() < deadline, 'the reload is logged');
      await sleep(10);
    }
  }

  it('takes a good configuration without dropping connections, and keeps '
    + 'the running one on a bad one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await probe(agent, OLD_KEY);
      assert.equal(first.status, 404, 'the old key works');
      assert.equal((await probe(agent, NEW_KEY)).status, 401);

      writeFileSync(file, conf(`new:${NEW_KEY}`));
      await hup((l) => l?.msg === 'configuration reloaded');
      const fresh = await probe(agent, NEW_KEY);
      assert.equal(fresh.status, 404, 'the new key works');
      assert.equal(fresh.port, first.port, 'on the same connection');
      assert.ok(fresh.reused, 'a kept-alive socket was reused');
      const gone = await probe(agent, OLD_KEY);
      assert.equal(gone.status, 401, 'the removed key is refused');
      assert.equal(gone.port, first.port);

      writeFileSync(file, `${conf(`new:${NEW_KEY}`)}token_ttl = 5\n`);
      const err = await hup((l) => typeof l?.msg === 'string' &&
        l.msg.startsWith('reload refused'));
      assert.equal(err.level, 'error');
      assert.match(err.msg, /reload\.conf:5: token_ttl/, 'names the line');
      const kept = await probe(agent, NEW_KEY);
      assert.equal(kept.status, 404, 'the running configuration stays');
      assert.equal(kept.port, first.port);
      assert.equal((await probe(agent, OLD_KEY)).status, 401);

      const s = await scrape(gw);
      assert.equal(val(s, 'lkgate_config_reloads_total'), 1);
      assert.equal(val(s, 'lkgate_config_reload_failures_total'), 1);
    } finally {
      agent.destroy();
    }
  });
});

describe('SIGHUP and the limits evhttp enforces', () => {
  const waitLog = async (gw, n, want) => {
    const deadline = Date.now() + 5000;
    while (!gw.logs.slice(n).some(want)) {
      assert.ok(Date.now() < deadline, 'the reload is logged');
      await sleep(10);
    }
  };

  it('a raised max_body_bytes holds for new connections after a reload', async () => {
    const file = join(tmp, 'reload-body.conf');
    const conf = (max) => [
      `livekit_url = ws://127.0.0.1:${lk.port}`,
      `livekit_api_key = ${LK_KEY}`,
      `livekit_api_secret = ${LK_SECRET}`,
      `api_keys = alpha:${KEY_A}`,
      `max_body_bytes = ${max}`,
      '',
    ].join('\n');
    writeFileSync(file, conf(1024));
    chmodSync(file, 0o600);
    const gw = await startLkgate({ args: ['-f', file] });
    gateways.push(gw);
    const body = JSON.stringify({ user_id: 'big1', pad: 'x'.repeat(4000) });
    const post = () => call(gw, 'POST', '/api/sessions', { key: KEY_A,
      headers: { 'Content-Type': 'application/json' }, body });
    assert.equal((await post()).status, 413, 'over the first limit');
    writeFileSync(file, conf(8192));
    const n = gw.logs.length;
    gw.proc.kill('SIGHUP');
    await waitLog(gw, n, (l) => l?.msg === 'configuration reloaded');
    const res = await post();
    assert.equal(res.status, 200, `under the new limit: ${res.text}`);
  });

  it('--dev keeps the development key it showed across a reload', async () => {
    const gw = await startLkgate({ args: ['--dev'], env: lkEnv() });
    gateways.push(gw);
    const m = /Development API key \(admin\): (lkdev-[0-9a-f]+)/.exec(gw.stderr());
    assert.ok(m, 'the key is shown');
    const status = async () => (await call(gw, 'GET', NO_SUCH_SESSION,
      { key: m[1] })).status;
    assert.notEqual(await status(), 401, 'the shown key works');
    const n = gw.logs.length;
    gw.proc.kill('SIGHUP');
    await waitLog(gw, n, (l) => l?.msg === 'configuration reloaded');
    assert.notEqual(await status(), 401, 'and still works after a reload');
  });
});

describe('the in-flight cap', () => {
  it('answers 503 with Retry-After beyond max_inflight', async () => {
    const gw = await gateway({ LKGATE_MAX_INFLIGHT: '2' });
    lk.reset();
    lk.setDelay(600);
    try {
      const slow = [1, 2].map((i) => createSession(gw, KEY_A, `cap${i}`));
      const deadline = Date.now() + 5000;
      while (lk.callsOf('CreateRoom').length < 2) {
        assert.ok(Date.now() < deadline, 'two creates reach LiveKit');
        await sleep(5);
      }
      const third = await call(gw, 'GET', '/health');
      assert.equal(third.status, 503, third.text);
      assert.equal(third.json.code, 'OVERLOADED');
      assert.equal(third.headers['retry-after'], '1');
      for (const res of await Promise.all(slow)) {
        assert.equal(res.status, 200, res.text);
      }
    } finally {
      lk.setDelay(0);
    }
    assert.equal((await call(gw, 'GET', '/health')).status, 200,
      'room again once they are done');
  });
});

// utime + stime of a process, in seconds.
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

describe('out of file descriptors', () => {
  it('pauses accepting instead of spinning, then serves again', async () => {
    const wrapper = join(tmp, 'lkgate-ulimit');
    writeFileSync(wrapper, '#!/bin/sh\nulimit -n 64 || exit 1\n'
      + `exec '${lkgateBin()}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const gw = await gateway({}, { bin: wrapper });
    const limits = readFileSync(`/proc/${gw.proc.pid}/limits`, 'utf8');
    assert.match(limits, /Max open files\s+64\s+64/, 'runs with 64 files');

    const sockets = [];
    try {
      await Promise.all(Array.from({ length: 100 }, () =>
        new Promise((resolve, reject) => {
          const s = net.connect(gw.port, '127.0.0.1', resolve);
          s.on('error', reject);
          sockets.push(s);
        })));
      // Every descriptor is taken now, and the rest wait in the backlog.
      await sleep(200);
      const cpu0 = cpuSeconds(gw.proc.pid);
      await sleep(2000);
      const used = cpuSeconds(gw.proc.pid) - cpu0;
      // A busy loop retrying accept() burns CPU and floods the log.
      assert.ok(used < 0.25, `${used} s of CPU in 2 s: no busy loop`);
      const warnings = gw.logs.filter((l) => /accept/.test(l?.msg ?? ''));
      assert.ok(warnings.length >= 1 && warnings.length <= 3,
        `${warnings.length} accept warnings`);
    } finally {
      for (const s of sockets) s.destroy();
    }
    const deadline = Date.now() + 10000;
    let res;
    for (;;) {
      res = await call(gw, 'GET', '/health', { timeout: 2000 }).catch((e) => e);
      if (res.status === 200 || Date.now() > deadline) break;
      await sleep(50);
    }
    assert.equal(res.status, 200, 'serves again once the clients left');
    const s = await scrape(gw);
    assert.ok(val(s, 'lkgate_accept_pauses_total') >= 1, 'accepting paused');
    assert.ok(gw.logs.some((l) => typeof l?.msg === 'string' &&
      /accepting paused/.test(l.msg)), 'the pause is logged');
  });
});
