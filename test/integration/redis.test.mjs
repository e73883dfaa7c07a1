// Rate limits shared on Redis: a real redis-server on a loopback port
// (its own temporary directory, never daemonized, killed at the end) and
// two lkgate instances that name it.  One limit across both; Redis killed
// mid-run: no request fails, limits go per instance, /metrics and
// /api/health say so, one log line; Redis back: shared again; a Redis
// that hangs (SIGSTOP) delays no request past redis_timeout_ms; a Unix
// socket with a password from a file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { freePort, request, startLkgate } from './lib.mjs';
import { spawnRedis } from './redis-lib.mjs';

const LK_KEY = 'APIredis';
const LK_SECRET = 'redis-livekit-secret-of-32-characters-min';
const REDIS_TIMEOUT_MS = 300;
// One admin key per test, so that each test has buckets of its own.
const KEYS = ['shared', 'flushed', 'readonly', 'killed', 'restarted', 'hung', 'unix'].map((name) => ({
  name,
  key: `${name}-key-0123456789abcdef`,
}));
const keyOf = (name) => KEYS.find((k) => k.name === name).key;
const PASSWORD = 'redis-pass-never-logged-0123';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), 'lkgate-redis-'));

// Answers PING with PONG once the server is up (AUTH first when asked).
function ping({ port, path, password }) {
  return new Promise((resolve) => {
    const sock = path ? net.connect(path) : net.connect(port, '127.0.0.1');
    let data = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
    sock.on('data', (d) => {
      data += d;
      if (data.includes('+PONG')) { sock.end(); resolve(true); }
    });
    sock.on('connect', () => sock.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
  });
}

// Sends one inline command and resolves with the first reply line.
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(2000, () => { sock.destroy(); reject(new Error(`${command}: no answer`)); });
    sock.on('error', reject);
    sock.once('data', (d) => { sock.end(); resolve(String(d).split('\r\n')[0]); });
    sock.on('connect', () => sock.write(`${command}\r\n`));
  });
}

// Starts redis-server in the foreground; resolves once it answers PING.
async function startRedis({ port = 0, unixsocket, password } = {}) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  if (unixsocket) args.push('--unixsocket', unixsocket, '--unixsocketperm', '700');
  if (password) args.push('--requirepass', password);
  const target = unixsocket ? { path: unixsocket, password } : { port, password };
  return spawnRedis(args, () => ping(target));
}

let lk;
let redis;
let redisPort;
let gwA;
let gwB;

function gwEnv(url, extra = {}) {
  return {
    LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
    LIVEKIT_API_KEY: LK_KEY,
    LIVEKIT_API_SECRET: LK_SECRET,
    LKGATE_API_KEYS: KEYS.map((k) => `${k.name}:${k.key}:admin`).join(','),
    LKGATE_RATE_LIMITS: 'token=5/1m',
    LKGATE_REDIS_URL: url,
    LKGATE_REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
    ...extra,
  };
}

function token(gw, name) {
  return request(`${gw.url}/api/livekit/token`, {
    method: 'POST',
    headers: { 'X-API-Key': keyOf(name) },
    body: { room_name: 'redis-room', identity: 'someone' },
  });
}

async function health(gw) {
  return (await request(`${gw.url}/api/health`)).json;
}

// The admin health-check's redis object.
async function adminRedis(gw) {
  const res = await request(`${gw.url}/api/advanced/admin/health-check`, {
    headers: { 'X-API-Key': keyOf('shared') },
  });
  assert.equal(res.status, 200, res.text);
  return res.json.data.redis;
}

async function metric(gw, name) {
  const res = await request(`${gw.url}/metrics`);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

// Waits until /api/health says redis is `state` on every gateway.
async function waitRedis(state, gws = [gwA, gwB]) {
  for (let i = 0; i < 200; i++) {
    const states = await Promise.all(gws.map(async (g) => (await health(g)).redis));
    if (states.every((s) => s === state)) return;
    await sleep(50);
  }
  throw new Error(`redis never became ${state}`);
}

const redisLines = (gw, re) => gw.logs.filter((l) => typeof l === 'object' &&
  typeof l.msg === 'string' && re.test(l.msg));

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  redisPort = await freePort();
  redis = await startRedis({ port: redisPort });
  const url = `redis://127.0.0.1:${redisPort}`;
  [gwA, gwB] = await Promise.all([startLkgate({ env: gwEnv(url) }), startLkgate({ env: gwEnv(url) })]);
  await waitRedis('ok');
});

after(async () => {
  // A clean exit (under the sanitizers: no leak, no error at exit).
  const exits = await Promise.all([gwA?.stop(), gwB?.stop()]);
  await redis?.kill();
  await lk?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const e of exits) assert.equal(e?.code, 0, JSON.stringify(e));
});

describe('rate limits shared on Redis', () => {
  it('two instances share one limit: the 6th token of 5 a minute is 429 on either', async () => {
    const gws = [gwA, gwB, gwA, gwB, gwA];
    const remaining = [];
    for (const g of gws) {
      const res = await token(g, 'shared');
      assert.equal(res.status, 200, res.text);
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
      assert.equal(res.headers['x-ratelimit-limit'], '5');
    }
    assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
    for (const g of [gwB, gwA]) {
      const res = await token(g, 'shared');
      assert.equal(res.status, 429, res.text);
      assert.equal(res.json.code, 'RATE_LIMITED');
      // The arithmetic of the per-instance buckets: one token every 12 s,
      // full again 60 s after the burst.
      const retry = Number(res.headers['retry-after']);
      assert.ok(retry >= 11 && retry <= 12, `Retry-After ${retry}`);
      assert.equal(res.json.retry_after, retry);
      const reset = Number(res.headers['x-ratelimit-reset']);
      assert.ok(reset >= 59 && reset <= 60, `X-RateLimit-Reset ${reset}`);
    }
    assert.equal(await metric(gwA, 'lkgate_redis_up'), 1);
    assert.equal(await metric(gwA, 'lkgate_redis_fallbacks_total'), 0);
    assert.equal((await health(gwB)).redis, 'ok');
    assert.deepEqual(await adminRedis(gwA), { configured: true, reachable: true });
  });

  it('a Redis that forgot the script (SCRIPT FLUSH) gets it again: still shared, no fallback', async () => {
    assert.equal(await redisCommand(redisPort, 'SCRIPT FLUSH'), '+OK');
    const statuses = [];
    for (const g of [gwA, gwB, gwA, gwB, gwA, gwB]) statuses.push((await token(g, 'flushed')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    for (const g of [gwA, gwB]) {
      assert.equal(await metric(g, 'lkgate_redis_fallbacks_total'), 0);
      assert.equal((await health(g)).redis, 'ok');
    }
  });

  it('answers given before the limit (401 for a bad key) share the client address bucket', async () => {
    const bad = (g) => request(`${g.url}/api/livekit/token`, {
      method: 'POST',
      headers: { 'X-API-Key': 'not-a-key-of-this-gateway-0000' },
      body: { room_name: 'redis-room' },
    });
    const statuses = [];
    for (const g of [gwA, gwB, gwA, gwB, gwA, gwB, gwA]) {
      const res = await bad(g);
      statuses.push(res.status);
      if (res.status === 401) assert.equal(res.json.code, 'UNAUTHORIZED');
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  });

  it('Redis killed mid-run: no request fails, limits go per instance, shown and logged once', async () => {
    for (const g of [gwA, gwB]) assert.equal((await token(g, 'killed')).status, 200);
    await redis.kill();
    // Each instance now has its own full bucket of 5: 5 allowed on each.
    for (const g of [gwA, gwB]) {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await token(g, 'killed')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    }
    // Reconnects keep failing meanwhile; the loss is still logged once.
    await sleep(1500);
    for (const g of [gwA, gwB]) {
      assert.equal((await health(g)).redis, 'unreachable');
      assert.deepEqual(await adminRedis(g), { configured: true, reachable: false });
      assert.equal(await metric(g, 'lkgate_redis_up'), 0);
      assert.ok(await metric(g, 'lkgate_redis_fallbacks_total') >= 7);
      assert.equal(redisLines(g, /^redis .*per instance/).length, 1,
        JSON.stringify(redisLines(g, /redis/)));
      assert.equal(g.logs.filter((l) => l.level === 'error').length, 0);
    }
  });

  it('Redis restarted: shared again', async () => {
    redis = await startRedis({ port: redisPort });
    await waitRedis('ok');
    const statuses = [];
    for (const g of [gwA, gwB, gwA, gwB, gwA, gwB, gwA]) statuses.push((await token(g, 'restarted')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    for (const g of [gwA, gwB]) {
      assert.equal(redisLines(g, /answers again; rate limits are shared again/).length, 1);
      assert.equal(await metric(g, 'lkgate_redis_up'), 1);
    }
  });

  it('a Redis that loads the script but refuses writes (a replica): per instance, logged once, no flapping', async () => {
    const downBefore = [gwA, gwB].map((g) => redisLines(g, /per instance until/).length);
    const backBefore = [gwA, gwB].map((g) => redisLines(g, /answers again; rate limits are shared again/).length);
    assert.equal(await redisCommand(redisPort, 'REPLICAOF 127.0.0.1 1'), '+OK');
    try {
      const statuses = [];
      for (let i = 0; i < 12; i++) {
        statuses.push((await token(i % 2 ? gwB : gwA, 'readonly')).status);
        await sleep(150);	// reconnects happen meanwhile
      }
      assert.ok(statuses.every((st) => st === 200 || st === 429), `${statuses}`);
      // Per instance: 5 each at most, so more than the shared 5 in all.
      assert.ok(statuses.filter((st) => st === 200).length > 5, `${statuses}`);
      [gwA, gwB].forEach((g, i) => {
        assert.equal(redisLines(g, /per instance until/).length, downBefore[i] + 1, 'one line for the loss');
        assert.equal(redisLines(g, /answers again; rate limits are shared again/).length, backBefore[i], 'no "again" while it refuses');
      });
    } finally {
      assert.equal(await redisCommand(redisPort, 'REPLICAOF NO ONE'), '+OK');
    }
    await waitRedis('ok');
    await token(gwA, 'readonly');
    await token(gwB, 'readonly');
    [gwA, gwB].forEach((g, i) => {
      assert.equal(redisLines(g, /answers again; rate limits are shared again/).length, backBefore[i] + 1, 'back once it runs the script');
    });
  });

  it('a Redis that hangs delays no request past redis_timeout_ms', async () => {
    redis.proc.kill('SIGSTOP');
    try {
      const times = [];
      const one = async (g) => {
        const t0 = performance.now();
        const res = await token(g, 'hung');
        times.push(performance.now() - t0);
        return res.status;
      };
      // Concurrently on both, then one after another.
      const first = await Promise.all([one(gwA), one(gwA), one(gwB), one(gwB)]);
      const later = [await one(gwA), await one(gwB)];
      for (const s of [...first, ...later]) assert.equal(s, 200);
      const slowest = Math.max(...times);
      assert.ok(slowest < REDIS_TIMEOUT_MS + 400, `a request took ${slowest} ms`);
      for (const g of [gwA, gwB]) {
        assert.equal((await health(g)).redis, 'unreachable');
        assert.equal(redisLines(g, new RegExp(`no answer within ${REDIS_TIMEOUT_MS} ms`)).length, 1);
      }
    } finally {
      redis.proc.kill('SIGCONT');
    }
    await waitRedis('ok');
  });

  it('a server that accepts and never answers: requests go on at once, per instance', async () => {
    const silent = net.createServer(() => {});	// holds every connection, says nothing
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    let gw;
    try {
      gw = await startLkgate({ env: gwEnv(`redis://127.0.0.1:${silent.address().port}`) });
      const t0 = performance.now();
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await token(gw, 'unix')).status);
      const took = performance.now() - t0;
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      assert.ok(took < REDIS_TIMEOUT_MS, `6 requests took ${took} ms`);
      assert.equal((await health(gw)).redis, 'unreachable');
      await sleep(1500);	// a handshake that never ends is given up
      assert.equal(redisLines(gw, /no answer to the connection handshake/).length, 1);
    } finally {
      const e = await gw?.stop();
      silent.close();
      assert.equal(e?.code, 0);
    }
  });

  it('a Unix socket, a password from a file, and the password never logged', async () => {
    const sock = join(dir, 'redis.sock');
    const pwFile = join(dir, 'redis-password');
    writeFileSync(pwFile, `${PASSWORD}\n`);
    const port2 = await freePort();
    const r2 = await startRedis({ port: port2, unixsocket: sock, password: PASSWORD });
    let gw;
    let bad;
    try {
      gw = await startLkgate({
        env: gwEnv(`unix:${sock}`, { LKGATE_REDIS_PASSWORD_FILE: pwFile, LKGATE_LOG_LEVEL: 'debug' }),
      });
      await waitRedis('ok', [gw]);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await token(gw, 'unix')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      // A wrong password: refused by Redis, said once, never echoed.
      bad = await startLkgate({
        env: gwEnv(`redis://:wrong-${PASSWORD}@127.0.0.1:${port2}`, { LKGATE_LOG_LEVEL: 'debug' }),
      });
      await sleep(500);
      assert.equal((await health(bad)).redis, 'unreachable');
      assert.equal((await token(bad, 'unix')).status, 200);
      assert.equal(redisLines(bad, /AUTH refused/).filter((l) => l.level === 'warn').length, 1);
    } finally {
      const exits = [await gw?.stop(), await bad?.stop()];
      await r2.kill();
      for (const e of exits) assert.equal(e?.code, 0, JSON.stringify(e));
    }
    assert.ok(!gw.stderr().includes(PASSWORD), 'the password is not in the log');
    assert.ok(!bad.stderr().includes(PASSWORD), 'the password is not in the log');
  });
});
