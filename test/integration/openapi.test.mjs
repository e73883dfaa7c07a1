// The OpenAPI document (src/openapi.json, built into the binary): served at
// GET /api/openapi.json byte for byte, valid OpenAPI 3.1 by a real
// validator, and describing exactly the routes of the router's table
// (`lkgate --routes`), both ways, with the auth each route really asks for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '../emulator/openapi.mjs';
import { lkgateBin, repoRoot, request, startLkgate } from './lib.mjs';

const SOURCE = path.join(repoRoot(), 'src/openapi.json');
const APIERR_H = path.join(repoRoot(), 'include/apierr.h');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
// The routes the contract (shared/api.md) names, with its parameter names.
const CONTRACT = [
  'GET /health', 'GET /api/health', 'GET /readyz', 'GET /metrics',
  'GET /api/openapi.json', 'GET /admin',
  'POST /api/sessions', 'GET /api/sessions/{session_id}',
  'DELETE /api/sessions/{session_id}', 'POST /api/session/start',
  'POST /api/session/{session_id}/end', 'POST /livekit/token',
  'POST /api/livekit/token', 'GET /api/livekit/rooms', 'POST /api/livekit/rooms',
  'GET /api/livekit/rooms/{room_name}', 'DELETE /api/livekit/rooms/{room_name}',
  'POST /api/livekit/rooms/{room_name}/join',
  'POST /api/livekit/rooms/{room_name}/leave', 'POST /api/livekit/webhook',
  'GET /api/auth/login', 'GET /api/auth/francetravail', 'GET /api/auth/callback',
  'GET /api/auth/francetravail/callback', 'GET /api/auth/status',
  'POST /api/auth/logout', 'POST /api/auth/refresh', 'POST /api/video/token',
  'POST /api/video/room/create', 'POST /api/video/room/{roomId}/join',
  'POST /api/video/room/{roomId}/leave', 'GET /api/video/health', 'GET /api/config',
  'GET /api/metrics/current', 'GET /api/metrics/summary', 'GET /api/metrics/health',
  'GET /api/metrics/alerts', 'GET /api/metrics/history',
  'GET /api/metrics/component/{component}',
  'GET /api/channels', 'POST /api/channels', 'GET /api/channels/{id}',
  'DELETE /api/channels/{id}', 'POST /api/channels/{id}/join',
  'POST /api/channels/{id}/leave', 'GET /api/channels/{id}/audio/stats',
  'GET /api/advanced/channels', 'GET /api/advanced/channels/{id}/statistics',
  'GET /api/audio/config', 'PUT /api/advanced/audio/config',
  'POST /api/advanced/audio/config/reset', 'GET /api/advanced/statistics/server',
  'POST /api/advanced/admin/cleanup', 'POST /api/advanced/admin/reset',
  'GET /api/advanced/admin/health-check', 'GET /ws', 'GET /api/ws',
  'POST /api/users', 'GET /api/users/{id}', 'GET /api/advanced/users',
  'PUT /api/advanced/users/{id}', 'DELETE /api/advanced/users/{id}',
];

const source = fs.readFileSync(SOURCE);
const doc = JSON.parse(source.toString('utf8'));
let gw;

// The document's operations as "METHOD /path" with their objects.
function operations() {
  const ops = new Map();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (item[m]) ops.set(`${m.toUpperCase()} ${p}`, { path: p, item, op: item[m] });
    }
  }
  return ops;
}

// Path parameters compared by position only: the router may call a
// parameter ":name" where the contract and this document say {room_name}.
const normalise = (route) => route.replace(/\{[^}/]*\}/g, '{}');

// A $ref within the document, followed.
function deref(obj) {
  let o = obj;
  while (o && o.$ref) {
    o = o.$ref.slice(2).split('/').reduce((at, k) => at[k], doc);
  }
  return o;
}

async function routerTable() {
  const { stdout } = await promisify(execFile)(lkgateBin(), ['--routes']);
  return stdout.trim().split('\n').map((line) => line.split('\t'));
}

before(async () => {
  gw = await startLkgate({
    env: {
      // No LiveKit: nothing here needs one, and /readyz must say so.
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LIVEKIT_API_KEY: 'APIopenapitest',
      LIVEKIT_API_SECRET: 'an-openapi-test-secret-of-32-characters',
      LKGATE_API_KEYS: 'app:openapi-app-key-0123456789',
      LKGATE_UPSTREAM_TIMEOUT_MS: '500',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
});

describe('GET /api/openapi.json', () => {
  it('serves src/openapi.json byte for byte, as JSON', async () => {
    const res = await fetch(`${gw.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json\b/);
    assert.ok(res.headers.get('x-request-id'), 'X-Request-Id');
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(source), 'the served bytes are those of src/openapi.json');
    assert.deepEqual(JSON.parse(body.toString('utf8')), doc);
  });

  it('needs no credentials, and answers HEAD too', async () => {
    const res = await request(`${gw.url}/api/openapi.json`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });
});

describe('the document', () => {
  it('is valid OpenAPI 3.1, every $ref resolving', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2));
    assert.equal(validator.version, '3.1');
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  it('has the version of the binary', async () => {
    const { stdout } = await promisify(execFile)(lkgateBin(), ['--version']);
    assert.equal(`lkgate ${doc.info.version}`, stdout.trim());
  });

  it('describes exactly the routes of `lkgate --routes`, both ways', async () => {
    const table = await routerTable();
    for (const row of table) {
      assert.equal(row.length, 3, `three tab-separated fields: ${row.join('|')}`);
      assert.match(row[0], /^(GET|POST|PUT|DELETE|PATCH)$/, 'no HEAD or OPTIONS rows');
      assert.match(row[1], /^\/[^:]*$/, 'parameters written as {name}');
    }
    const names = table.map((r) => r[2]);
    assert.equal(new Set(names).size, names.length, 'route names are unique');
    const router = new Set(table.map(([m, p]) => normalise(`${m} ${p}`)));
    const documented = new Set([...operations().keys()].map(normalise));
    const undocumented = [...router].filter((r) => !documented.has(r));
    const unrouted = [...documented].filter((r) => !router.has(r));
    assert.deepEqual(undocumented, [], 'routes missing from the document');
    assert.deepEqual(unrouted, [], 'documented routes the router does not have');
    // Each operation's id is the route's name in the logs and metrics.
    const ops = new Map([...operations()].map(([r, o]) => [normalise(r), o.op]));
    for (const [m, p, name] of table) {
      assert.equal(ops.get(normalise(`${m} ${p}`)).operationId, name, `${m} ${p}`);
    }
  });

  it('lists every route of the contract under its name, and no others', () => {
    assert.deepEqual([...operations().keys()].sort(), [...CONTRACT].sort());
  });

  it('has the error codes of include/apierr.h, no more, no less', () => {
    const codes = [...fs.readFileSync(APIERR_H, 'utf8')
      .matchAll(/X\(E_[A-Z_]+,\s*(\d{3}),\s*"([A-Z_]+)"\)/g)].map((m) => m[2]);
    assert.ok(codes.length > 10, 'read the table of apierr.h');
    assert.deepEqual([...doc.components.schemas.ErrorCode.enum].sort(), codes.sort());
  });

  it('gives each operation an id, its security, X-Request-Id and its errors', () => {
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(),
      ['apiKey', 'livekitWebhook', 'sessionCookie', 'userJwt']);
    assert.equal(schemes.sessionCookie.in, 'cookie');
    assert.deepEqual(schemes.apiKey, { ...schemes.apiKey, type: 'apiKey', in: 'header', name: 'X-API-Key' });
    assert.equal(schemes.userJwt.scheme, 'bearer');
    assert.equal(schemes.userJwt.bearerFormat, 'JWT');
    assert.equal(schemes.livekitWebhook.name, 'Authorization');
    const ids = new Set();
    for (const [route, { op }] of operations()) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${route}: a unique operationId`);
      ids.add(op.operationId);
      assert.ok(Array.isArray(op.security), `${route}: states its security`);
      for (const req of op.security) {
        for (const s of Object.keys(req)) assert.ok(schemes[s], `${route}: scheme ${s}`);
      }
      const statuses = Object.keys(op.responses);
      for (const [status, r] of Object.entries(op.responses)) {
        assert.ok(deref(r).headers?.['X-Request-Id'], `${route} ${status}: X-Request-Id`);
      }
      // The login routes succeed with a redirect (302) to the provider;
      // deprecated ones (the Voice Chat app's WebSocket and audio
      // settings) never succeed, and say why.
      assert.ok(statuses.some((s) => /^(2\d\d|302)$/.test(s)) ||
        (op.deprecated && statuses.some((s) => /^(405|410)$/.test(s))), `${route}: a success`);
      assert.ok(statuses.includes('429'), `${route}: 429`);
      assert.ok(statuses.includes('503'), `${route}: 503`);
      if (op.security.some((r) => Object.keys(r).length > 0)) {
        assert.ok(statuses.includes('401'), `${route}: 401`);
      }
      if (op.requestBody) {
        for (const s of ['400', '413', '415']) assert.ok(statuses.includes(s), `${route}: ${s}`);
      }
      if (route.includes('{')) assert.ok(statuses.includes('400'), `${route}: 400`);
      for (const s of statuses.filter((x) => /^[45]\d\d$/.test(x) && x !== '503')) {
        const schema = deref(op.responses[s]).content?.['application/json']?.schema;
        assert.ok(schema, `${route} ${s}: the error shape`);
      }
    }
    const limited = deref({ $ref: '#/components/responses/RateLimited' });
    assert.ok(limited.headers['Retry-After']);
    for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) {
      assert.ok(limited.headers[h], h);
    }
    assert.ok(deref({ $ref: '#/components/responses/MethodNotAllowed' }).headers.Allow);
  });

  it('asks for credentials exactly where lkgate does', async () => {
    const sample = { session_id: '550e8400-e29b-41d4-a716-446655440000', room_name: 'room-1' };
    for (const [route, { path: p, op }] of operations()) {
      const url = gw.url + p.replace(/\{([^}]+)\}/g, (_, n) => sample[n] ?? 'x');
      const method = route.split(' ')[0];
      const withBody = op.requestBody !== undefined;
      const id = `openapi-${op.operationId}`;
      const res = await request(url, {
        method, headers: { 'X-Request-Id': id }, body: withBody ? {} : undefined,
      });
      assert.equal(res.headers['x-request-id'], id, `${route}: X-Request-Id echoed`);
      assert.ok(String(res.status) in op.responses,
        `${route}: status ${res.status} is documented`);
      const media = (res.headers['content-type'] ?? '').split(';')[0].trim();
      const documented = Object.keys(deref(op.responses[res.status]).content ?? {})
        .map((t) => t.split(';')[0].trim());
      assert.ok(documented.includes(media), `${route}: ${media} is documented`);
      // The Voice Chat app's routes (tags channels, metrics) answer in
      // its envelope.
      const envelope = op.tags.some((t) => t === 'channels' || t === 'metrics');
      const shape = doc.components.schemas[envelope ? 'ChannelError' : 'Error'];
      if (res.status >= 400 && media === 'application/json') {
        for (const k of shape.required) assert.ok(k in res.json, `${route}: the error has ${k}`);
      }
      // An empty requirement ({}) makes credentials optional (guest sign-up).
      if (op.security.length > 0 && !op.security.some((r) => Object.keys(r).length === 0)) {
        assert.equal(res.status, 401, `${route} without credentials: ${res.text}`);
        assert.equal(envelope ? res.json.error_code : res.json.code, 'UNAUTHORIZED');
        assert.equal(res.json.request_id, id);
      } else {
        assert.notEqual(res.status, 401, `${route} needs no credentials`);
      }
    }
  });
});
