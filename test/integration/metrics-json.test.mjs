// The Voice Chat app's metrics JSON: GET /api/metrics/current, summary,
// health, alerts, history and component/{name}, in the app's envelope, for
// admins.  Samples come every 5 s from lkgate's own counters and one
// ListRooms; alerts from the configured thresholds: LiveKit unreachable
// (critical), its latency, the share of 5xx answers and 429 refusals
// (warnings).  A second lkgate, whose LiveKit is down, shows the critical
// alert and the 5xx share.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startEmulator } from '../emulator/emulator.mjs';
import { Ajv2020 } from '../emulator/openapi.mjs';
import { freePort, repoRoot, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APImetricsjson';
const LK_SECRET = 'a-metrics-json-test-livekit-secret-32-chars';
const USER_SECRET = 'the-metrics-json-user-jwt-secret-32bytes';
const ADMIN_KEY = 'metrics-admin-key-0123456789';
const APP_KEY = 'metrics-app-key-0123456789';

let lk;
let gw;
let down;

function userJwt(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

const ADMIN = { 'X-API-Key': ADMIN_KEY };
const who = {
  admin: ADMIN,
  app: { 'X-API-Key': APP_KEY },
  alice: { Authorization: `Bearer ${userJwt('alice')}` },
  root: { Authorization: `Bearer ${userJwt('root', { role: 'admin' })}` },
};

const get = (g, path, headers = ADMIN) => request(g.url + path, { headers });

// Every answer is checked against the OpenAPI document's schema for it.
const doc = JSON.parse(readFileSync(`${repoRoot()}/src/openapi.json`, 'utf8'));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...doc, $id: 'lkgate-openapi' });
const SCHEMAS = {
  current: 'MetricsCurrent', summary: 'MetricsSummary', health: 'MetricsHealth',
  alerts: 'MetricsAlerts', history: 'MetricsHistory', component: 'MetricsComponent',
};

function assertDocumented(path, body) {
  const name = SCHEMAS[path.split('?')[0].split('/')[3]];
  const validate = ajv.getSchema(`lkgate-openapi#/components/schemas/${name}`);
  assert.ok(validate(body), `${path}: ${JSON.stringify(validate.errors)}`);
}

// The data of a successful answer, envelope and schema checked.
async function data(g, path) {
  const res = await get(g, path);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.success, true);
  assert.equal(res.json.data.scope, 'instance', 'per instance, and says so');
  assertDocumented(path, res.json);
  return res.json.data;
}

function assertEnvelopeError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, false, res.text);
  assert.equal(res.json.error_code, code);
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  assert.ok(Number.isInteger(res.json.timestamp));
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

// The number of samples, asked as the admin user (a bucket of its own:
// the waits below must not use up the admin key's rate limit).
async function samples(g) {
  const res = await get(g, '/api/metrics/summary', who.root);
  assert.equal(res.status, 200, res.text);
  return res.json.data.samples;
}

// Waits for a sample newer than those seen so far (at most ~2 intervals).
async function nextSample(g) {
  const before = await samples(g);
  const deadline = Date.now() + 12_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    if ((await samples(g)) > before) return;
  }
  throw new Error('no new sample within 12 s');
}

async function firstSample(g) {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ((await samples(g)) >= 1) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no first sample');
}

const env = (lkPort) => ({
  LIVEKIT_URL: `ws://127.0.0.1:${lkPort}`,
  LIVEKIT_API_KEY: LK_KEY,
  LIVEKIT_API_SECRET: LK_SECRET,
  LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin,web:${APP_KEY}:app`,
  LKGATE_USER_JWT_SECRET: USER_SECRET,
  LKGATE_RATE_LIMITS: 'default=60/1m',
  LKGATE_ALERT_RATELIMITED: '2',
  LKGATE_ALERT_LIVEKIT_LATENCY_MS: '1000',
  LKGATE_ALERT_5XX_PERCENT: '5',
  LKGATE_ALERT_WINDOW: '60',
  LKGATE_UPSTREAM_TIMEOUT_MS: '4000',
  LKGATE_METRICS_LIVEKIT: 'true',
});

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  lk.addParticipant('vc-1', { identity: 'ann' });
  lk.addParticipant('vc-1', { identity: 'ben' });
  lk.addParticipant('vc-2', { identity: 'cat' });
  gw = await startLkgate({ env: env(lk.port) });
  down = await startLkgate({ env: env(await freePort()) });
  await firstSample(gw);
  await firstSample(down);
});

after(async () => {
  for (const g of [gw, down]) assert.equal((await g.stop()).code, 0);
  await lk.close();
});

describe('who may read the metrics', () => {
  it('admins (an admin key, a user with the admin role); others 403 in the envelope', async () => {
    for (const w of ['admin', 'root']) {
      assert.equal((await get(gw, '/api/metrics/current', who[w])).status, 200, w);
    }
    for (const w of ['app', 'alice']) {
      assertEnvelopeError(await get(gw, '/api/metrics/summary', who[w]), 403, 'PERMISSION_DENIED');
    }
    assertEnvelopeError(await get(gw, '/api/metrics/health', {}), 401, 'UNAUTHORIZED');
  });
});

describe('the views, LiveKit up', () => {
  it('current: the seed\'s fields, LiveKit\'s counts, null where nothing can know', async () => {
    const d = await data(gw, '/api/metrics/current');
    assert.ok(Math.abs(d.timestamp - Date.now() / 1000) < 5);
    assert.equal(d.interval_seconds, 5);
    assert.ok(d.uptime_seconds >= 0);
    assert.equal(typeof d.instance, 'string');
    assert.deepEqual(d.audio_metrics, {
      active_channels: 2, active_users: 3, average_latency_ms: null,
      packet_loss_percentage: null, audio_quality_score: null,
    });
    assert.equal(d.performance_metrics.thread_pool_utilization, null);
    assert.ok(d.performance_metrics.memory_usage_mb > 0.5);
    assert.ok(d.performance_metrics.cpu_usage_percent >= 0);
    assert.equal(d.network_metrics.packets_received_per_second, null);
    assert.ok(Number.isInteger(d.network_metrics.connection_count));
    assert.equal(d.livekit.reachable, true);
    assert.equal(d.livekit.rooms, 2);
    assert.equal(d.livekit.participants, 3);
    assert.deepEqual(d.system_health, { overall_health_score: 1, status: 'healthy' });
  });

  it('summary: the ring\'s size, and lkgate\'s RSS well under 20 MB', async () => {
    const d = await data(gw, '/api/metrics/summary');
    assert.equal(d.status, 'healthy');
    assert.equal(d.history_capacity, 17280, '24 h of 5 s samples');
    assert.equal(d.history_bytes, 691200, '40 bytes a sample');
    assert.equal(d.livekit_reachable, true);
    assert.deepEqual(d.alerts, { critical: 0, warning: 0 });
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))[1]);
    // AddressSanitizer's shadow memory is no measure of lkgate's own.
    const sanitized = readFileSync(`/proc/${gw.proc.pid}/maps`, 'utf8').includes('libasan');
    if (!sanitized) assert.ok(rss < 20 * 1024, `RSS ${rss} kB`);
    const cur = await data(gw, '/api/metrics/current');
    assert.ok(Math.abs(cur.performance_metrics.memory_usage_mb * 1024 - rss) < 4096,
      `memory_usage_mb ${cur.performance_metrics.memory_usage_mb} is the RSS (${rss} kB)`);
  });

  it('bad parameters: 400 naming them; an unknown component 404', async () => {
    for (const [q, field] of [
      ['/api/metrics/alerts?severity=loud', 'severity'],
      ['/api/metrics/alerts?component=disk', 'component'],
      ['/api/metrics/alerts?limit=0', 'limit'],
      ['/api/metrics/history?limit=1001', 'limit'],
      ['/api/metrics/history?period=x', 'period'],
    ]) {
      assertEnvelopeError(await get(gw, q), 400, 'INVALID_INPUT', field);
    }
    assertEnvelopeError(await get(gw, '/api/metrics/component/disk'), 404, 'NOT_FOUND', 'component');
  });

  it('429 refusals over the threshold: a network warning', async () => {
    for (let i = 0; i < 64; i++) await get(gw, '/api/livekit/rooms', who.alice);
    await nextSample(gw);
    const d = await data(gw, '/api/metrics/alerts?severity=warning');
    const a = d.alerts.find((x) => x.id === 'rate_limited');
    assert.ok(a, JSON.stringify(d.alerts));
    assert.equal(a.severity, 'warning');
    assert.equal(a.component, 'network');
    assert.ok(a.value >= 4 && a.threshold === 2, JSON.stringify(a));
    assert.deepEqual(d.thresholds, {
      error_rate_5xx_percent: 5, livekit_latency_ms: 1000, rate_limited: 2, window_seconds: 60,
    });
    assert.equal((await data(gw, '/api/metrics/alerts?component=performance')).alerts.length, 0);
    assert.equal((await data(gw, '/api/metrics/alerts?severity=critical')).alerts.length, 0);
    const net = await data(gw, '/api/metrics/component/network');
    assert.equal(net.status, 'degraded');
    assert.ok(net.metrics.rate_limited_per_minute > 0);
    assert.deepEqual(net.alerts.map((x) => x.id), ['rate_limited']);
    assert.equal((await data(gw, '/api/metrics/summary')).status, 'degraded');
  });

  it('LiveKit slower than the threshold: a livekit warning', async () => {
    lk.setDelay(1300);
    try {
      await nextSample(gw);
    } finally {
      lk.setDelay(0);
    }
    const d = await data(gw, '/api/metrics/alerts?component=livekit');
    assert.deepEqual(d.alerts.map((x) => [x.id, x.severity]), [['livekit_latency', 'warning']]);
    assert.ok(d.alerts[0].value >= 1300);
    const audio = await data(gw, '/api/metrics/component/audio');
    assert.equal(audio.status, 'degraded', 'audio is LiveKit\'s media');
    assert.equal(audio.metrics.active_users, 3);
  });

  it('history: samples oldest first, spread over the period, with rates', async () => {
    const d = await data(gw, '/api/metrics/history?limit=100&period=3600');
    assert.equal(d.period_seconds, 3600);
    assert.ok(d.count >= 3, `${d.count} samples`);
    assert.equal(d.samples.length, d.count);
    const ts = d.samples.map((s) => s.timestamp);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
    assert.equal(d.samples[0].requests_per_second, null, 'the first has no predecessor');
    assert.ok(d.samples[1].requests_per_second >= 0);
    assert.equal(d.samples.at(-1).active_channels, 2);
    const two = await data(gw, '/api/metrics/history?limit=2');
    assert.equal(two.count, 2);
    assert.equal(two.samples[0].timestamp, ts[0], 'the period\'s first');
    assert.equal(two.samples[1].timestamp, ts.at(-1), 'and its last');
  });
});

describe('the views, LiveKit down', () => {
  it('LiveKit unreachable: critical, health score 0, counts null', async () => {
    const d = await data(down, '/api/metrics/alerts');
    assert.equal(d.alerts[0].id, 'livekit_unreachable');
    assert.equal(d.alerts[0].severity, 'critical');
    assert.equal(d.alerts[0].component, 'livekit');
    const h = await data(down, '/api/metrics/health');
    assert.equal(h.status, 'critical');
    assert.equal(h.overall_health_score, 0);
    assert.equal(h.components.livekit.status, 'critical');
    assert.equal(h.components.livekit.reachable, false);
    assert.equal(h.components.performance.status, 'healthy');
    const c = await data(down, '/api/metrics/current');
    assert.equal(c.audio_metrics.active_channels, null);
    assert.equal(c.livekit.rooms, null);
  });

  it('5xx answers over the share: a performance warning', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(down, '/api/livekit/rooms')).status, 503);
    }
    await nextSample(down);
    const d = await data(down, '/api/metrics/alerts?component=performance');
    assert.equal(d.alerts.length, 1, JSON.stringify(d.alerts));
    assert.equal(d.alerts[0].id, 'error_rate_5xx');
    assert.ok(d.alerts[0].value > 5);
    const p = await data(down, '/api/metrics/component/performance');
    assert.ok(p.metrics.error_rate_5xx_percent > 5);
  });
});
