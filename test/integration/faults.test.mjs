// LiveKit faults, concurrency, keep-alive, shutdown and the configuration
// check: lkgate maps each upstream failure as the contract says, never
// blocks its loop, reuses connections, and drains on SIGTERM.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { freePort, lkgateBin, repoRoot, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIfaults';
const LK_SECRET = 'faults-livekit-secret-of-32-characters-min';
const KEY = 'faults-app-key-0123456789ab';

let lk;
let gw;

function env(lkPort) {
  return {
    LIVEKIT_URL: `ws://127.0.0.1:${lkPort}`,
    LIVEKIT_API_KEY: LK_KEY,
    LIVEKIT_API_SECRET: LK_SECRET,
    LKGATE_API_KEYS: `faults:${KEY}`,
    LKGATE_UPSTREAM_TIMEOUT_MS: '2000',
    LKGATE_REQUEST_TIMEOUT_MS: '5000',
  };
}

function create(g = gw, user = 'u1') {
  return request(`${g.url}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY },
    body: JSON.stringify({ user_id: user }),
  });
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({ env: env(lk.port) });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0);
});

describe('LiveKit faults', () => {
  it('503 when LiveKit refuses connections', async () => {
    const port = await freePort();
    const g = await startLkgate({ env: env(port) });
    try {
      const res = await create(g);
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.code, 'UPSTREAM_UNAVAILABLE');
      const h = await request(`${g.url}/api/health`);
      assert.equal(h.json.livekit, 'unreachable');
      assert.equal((await request(`${g.url}/readyz`)).status, 503);
    } finally {
      assert.equal((await g.stop()).code, 0);
    }
  });

  it('504 when LiveKit does not answer in time, then recovers', async () => {
    lk.reset();
    lk.hang(true);
    const t0 = Date.now();
    const res = await create();
    assert.equal(res.status, 504, res.text);
    assert.equal(res.json.code, 'UPSTREAM_TIMEOUT');
    assert.ok(Date.now() - t0 < 4000, 'bounded by the upstream timeout');
    lk.hang(false);
    assert.equal((await create()).status, 200);
  });

  it('502 on a Twirp error, then the next call succeeds', async () => {
    lk.reset();
    lk.failNext('CreateRoom', { status: 500, code: 'internal', msg: 'boom' });
    const res = await create();
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.code, 'UPSTREAM_ERROR');
    assert.ok(!res.text.includes('boom'), 'LiveKit text not passed on');
    assert.equal((await create()).status, 200);
  });

  it('502 on LiveKit\'s plain-text 401', async () => {
    lk.failNext('CreateRoom', { status: 401, text: 'invalid API key' });
    const res = await create();
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.code, 'UPSTREAM_ERROR');
  });

  it('503 on Twirp unavailable', async () => {
    // Ending a session looks its room up first.
    lk.failNext('ListRooms',
      { status: 503, code: 'unavailable', msg: 'no response from servers' });
    const res = await request(
      `${gw.url}/api/sessions/00000000-0000-4000-8000-000000000001`,
      { method: 'DELETE', headers: { 'X-API-Key': KEY } });
    assert.equal(res.status, 503, res.text);
  });

  it('survives LiveKit restarting between two calls', async () => {
    assert.equal((await create()).status, 200);
    await lk.restart();
    const res = await create();
    assert.equal(res.status, 200, res.text);
  });

  it('reports LiveKit healthy in /api/health and /readyz', async () => {
    const h = await request(`${gw.url}/api/health`);
    assert.equal(h.status, 200);
    assert.equal(h.json.status, 'healthy');
    assert.equal(h.json.service, 'lkgate');
    assert.equal(h.json.livekit, 'ok');
    assert.equal((await request(`${gw.url}/readyz`)).status, 200);
    const plain = await request(`${gw.url}/health`);
    assert.equal(plain.text, 'OK');
  });
});

describe('concurrency and connections', () => {
  it('runs 40 slow creates at once, and /health stays prompt', async () => {
    lk.reset();
    lk.setDelay(1000);
    try {
      const t0 = Date.now();
      const all = Promise.all(
        Array.from({ length: 40 }, (_, i) => create(gw, `user${i}`)));
      await new Promise((r) => setTimeout(r, 200));
      const h0 = Date.now();
      const health = await request(`${gw.url}/health`);
      const healthMs = Date.now() - h0;
      const results = await all;
      const total = Date.now() - t0;
      assert.equal(health.status, 200);
      assert.ok(healthMs < 300, `/health took ${healthMs} ms`);
      for (const r of results) assert.equal(r.status, 200, r.text);
      assert.ok(total < 3000, `40 creates took ${total} ms, not ~1 s`);
      assert.equal(lk.rooms.size, 40);
    } finally {
      lk.setDelay(0);
    }
  });

  it('reuses connections: 100 sequential creates, a few TCP connections',
    async () => {
      await create();
      const before0 = lk.connections;
      for (let i = 0; i < 100; i++) {
        assert.equal((await create(gw, `seq${i}`)).status, 200);
      }
      const opened = lk.connections - before0;
      assert.ok(opened <= 3, `${opened} connections opened`);
    });
});

describe('shutdown', () => {
  it('finishes requests in flight on SIGTERM, then exits 0', async () => {
    const g = await startLkgate({ env: env(lk.port) });
    lk.setDelay(700);
    try {
      const pending = Promise.all(
        Array.from({ length: 5 }, (_, i) => create(g, `drain${i}`)));
      await new Promise((r) => setTimeout(r, 200));
      const stopped = g.stop('SIGTERM');
      const results = await pending;
      for (const r of results) assert.equal(r.status, 200, r.text);
      assert.equal((await stopped).code, 0);
    } finally {
      lk.setDelay(0);
    }
  });
});

describe('lkgate -n', () => {
  it('accepts the sample configuration', () => {
    const r = spawnSync(lkgateBin(), ['-n', '-f', join(repoRoot(), 'etc',
      'lkgate.conf')], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('rejects a broken configuration, naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lkgate-'));
    const f = join(dir, 'bad.conf');
    writeFileSync(f, ['livekit_url = ws://127.0.0.1:7880',
      'livekit_api_key = k', 'livekit_api_secret = s',
      'token_ttl = soon'].join('\n'));
    const r = spawnSync(lkgateBin(), ['-n', '-f', f],
      { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.conf:4/);
    assert.match(r.stderr, /token_ttl/);
  });

  it('refuses to start without LiveKit settings outside --dev', () => {
    const r = spawnSync(lkgateBin(), ['-n'],
      { env: { PATH: process.env.PATH, LKGATE_CONFIG: '' },
        encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /livekit_url is required/);
  });
});
