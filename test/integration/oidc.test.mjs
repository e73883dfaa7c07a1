// The Visio-Conf web login end to end: a real OpenID Connect provider
// (the npm package oidc-provider, in this process, on loopback) with a
// client registered for lkgate, and Debian's headless Chromium signing in
// on the provider's own page.  Then, from the page, as the app would: the
// status, a room created, a token (checked with LiveKit's TokenVerifier),
// join, leave, refresh, logout; and the status says signed out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { Provider } from '../emulator/oidc.mjs';
import { chromium } from '../emulator/playwright.mjs';
import { TokenVerifier, freePort, request, startLkgate } from './lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
const LK_KEY = 'APIoidcbrowsertest';
const LK_SECRET = 'an-oidc-browser-livekit-secret-32chars';
const CLIENT_ID = 'lkgate-visio';
const CLIENT_SECRET = 'the-visio-client-secret-of-the-test-0123';
const USER = 'zoe.martin';
const KEY_NEW = randomBytes(32);
const KEY_OLD = randomBytes(32);

let lk;
let gw;
let op;
let opServer;
let issuer;
let context;
let page;
let profile;

// Runs fetch in the page (same origin, the browser's cookies), with the
// CSRF header from the CSRF cookie unless told otherwise.
function pageCall(method, p, body, { csrf = true } = {}) {
  return page.evaluate(async ({ method: m, p: url, body: b, csrf: withCsrf }) => {
    const headers = {};
    const c = document.cookie.split('; ').find((s) => s.startsWith('lkgate_csrf='));
    if (withCsrf && c) headers['X-CSRF-Token'] = c.slice('lkgate_csrf='.length);
    if (b !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, {
      method: m, headers, body: b === undefined ? undefined : JSON.stringify(b),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }, { method, p, body, csrf });
}

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run sh deploy/install-deps test`);
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  const gwPort = await freePort();
  const opPort = await freePort();
  issuer = `http://127.0.0.1:${opPort}`;
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  op = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`http://127.0.0.1:${gwPort}/api/auth/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [{ ...signing.export({ format: 'jwk' }), kid: 'op-rsa-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, name: 'Zoé Martin', email: `${id}@example.test` }),
    }),
    issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // The profile and email claims in the ID token itself (not only at
    // the userinfo endpoint, which lkgate asks only for what the ID token
    // lacks: see oidc-refusals.test.mjs).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
  });
  op.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  opServer = op.listen(opPort, '127.0.0.1');
  await new Promise((resolve) => opServer.once('listening', resolve));
  gw = await startLkgate({
    env: {
      LKGATE_LISTEN: `127.0.0.1:${gwPort}`,
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_OIDC_ISSUER: issuer,
      LKGATE_OIDC_CLIENT_ID: CLIENT_ID,
      LKGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      LKGATE_OIDC_REDIRECT_URI: `http://127.0.0.1:${gwPort}/api/auth/callback`,
      LKGATE_COOKIE_KEYS: `${KEY_NEW.toString('base64')},${KEY_OLD.toString('base64')}`,
      LKGATE_COOKIE_SECURE: 'false',
      LKGATE_UPSTREAM_TIMEOUT_MS: '3000',
    },
  });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lkgate-oidc-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await context.newPage();
});

after(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  const res = await gw?.stop();
  await new Promise((resolve) => (opServer ? opServer.close(resolve) : resolve()));
  await lk?.close();
  assert.equal(res?.code, 0, 'lkgate exits 0 after SIGTERM');
  for (const secret of [CLIENT_SECRET, LK_SECRET]) {
    assert.ok(!gw.stderr().includes(secret), 'no secret in the log');
  }
});

describe('the web login with a real OpenID Connect provider, in Chromium', () => {
  let status;
  let room;

  it('signs in on the provider\'s page and comes back signed in', async () => {
    await page.goto(`${gw.url}/api/auth/login?return_to=/api/auth/status`);
    assert.ok(page.url().startsWith(issuer), `at the provider: ${page.url()}`);
    await page.fill('input[name=login]', USER);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    // The provider asks for consent once; then back to lkgate.
    if (page.url().startsWith(issuer)) await page.click('button[type=submit]');
    await page.waitForURL(`${gw.url}/api/auth/status`);
    status = JSON.parse(await page.textContent('body'));
    assert.equal(status.authenticated, true);
    // Read as the Visio-Conf app does: { authenticated } then { user } with user.id.
    const { authenticated, user } = status;
    assert.equal(authenticated, true);
    assert.deepEqual(user, { id: USER, name: 'Zoé Martin', email: `${USER}@example.test` });
    assert.equal(status.refreshable, true, 'the provider gave a refresh token');
    assert.ok(status.expires_at > Math.floor(Date.now() / 1000) + 3000);
    const cookies = Object.fromEntries((await context.cookies(gw.url)).map((c) => [c.name, c]));
    assert.equal(cookies.lkgate_session.httpOnly, true);
    assert.equal(cookies.lkgate_session.sameSite, 'Lax');
    assert.equal(cookies.lkgate_csrf.httpOnly, false, 'the page reads the CSRF cookie');
    assert.equal(cookies.lkgate_csrf.value, status.csrf_token);
    assert.equal(cookies.lkgate_login, undefined, 'the login cookie is spent');
    assert.ok(cookies.lkgate_session.value.length < 4096);
  });

  it('creates a room, gets a token for it as the user, joins and leaves', async () => {
    const created = await pageCall('POST', '/api/video/room/create', { title: 'Point hebdo' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    room = created.json.room;
    // A web-login user is oidc:<sub> in rooms and LiveKit tokens (lkgate(8)).
    assert.equal(room.created_by, `oidc:${USER}`);
    assert.equal(room.title, 'Point hebdo');

    const tok = await pageCall('POST', '/api/video/token', { roomId: room.name });
    assert.equal(tok.status, 200, JSON.stringify(tok.json));
    assert.equal(tok.json.roomId, room.name);
    assert.equal(tok.json.identity, `oidc:${USER}`);
    assert.equal(tok.json.url, `ws://127.0.0.1:${lk.port}`);
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET).verify(tok.json.token);
    assert.equal(claims.sub, `oidc:${USER}`);
    assert.equal(claims.name, 'Zoé Martin');
    assert.equal(claims.video.room, room.name);
    assert.equal(claims.video.roomJoin, true);

    const join = await pageCall('POST', `/api/video/room/${room.name}/join`);
    assert.equal(join.status, 200, JSON.stringify(join.json));
    assert.equal((await new TokenVerifier(LK_KEY, LK_SECRET).verify(join.json.token)).sub,
      `oidc:${USER}`);

    const leave = await pageCall('POST', `/api/video/room/${room.name}/leave`);
    assert.equal(leave.status, 200, JSON.stringify(leave.json));
    assert.equal(typeof leave.json.left, 'boolean');
  });

  it('refuses a state-changing call from the page without the CSRF header', async () => {
    const res = await pageCall('POST', '/api/video/token', { roomId: room.name }, { csrf: false });
    assert.equal(res.status, 403);
    assert.equal(res.json.code, 'PERMISSION_DENIED');
  });

  it('refreshes the session with the provider\'s refresh token', async () => {
    const res = await pageCall('POST', '/api/auth/refresh');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.user.id, USER);
    assert.ok(res.json.expires_at >= status.expires_at);
    assert.equal(res.json.csrf_token, status.csrf_token, 'the CSRF token stays');
    const again = await pageCall('GET', '/api/auth/status');
    assert.equal(again.json.authenticated, true);
  });

  it('logs out: the cookies go, the provider\'s end-session URL is named', async () => {
    // A copy of the cookies from before the logout, as a thief would keep.
    const kept = await context.cookies(gw.url);
    const cookie = kept.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = kept.find((c) => c.name === 'lkgate_csrf').value;
    const res = await pageCall('POST', '/api/auth/logout');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.logged_out, true);
    assert.ok(res.json.logout_url.startsWith(`${issuer}/`), res.json.logout_url);
    assert.match(res.json.logout_url, new RegExp(`client_id=${CLIENT_ID}`));
    const after = await pageCall('GET', '/api/auth/status');
    assert.deepEqual(after.json, { authenticated: false, user: null });
    const denied = await pageCall('POST', '/api/video/token', { roomId: room.name });
    assert.equal(denied.status, 401);
    // The refresh token was revoked at the provider (RFC 7009): the kept
    // cookie can no longer be refreshed.
    const stale = await request(`${gw.url}/api/auth/refresh`, {
      method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf },
    });
    assert.equal(stale.status, 401, stale.text);
    assert.match(stale.json.error, /log in again/);
    assert.ok(gw.logs.some((l) => l.msg?.includes('refresh token revoked')),
      'the revocation is logged');
  });

  it('answers /api/config and /api/video/health without a session', async () => {
    const cfg = await request(`${gw.url}/api/config`);
    assert.equal(cfg.status, 200);
    assert.equal(cfg.json.livekit_url, `ws://127.0.0.1:${lk.port}`);
    assert.equal(cfg.json.auth.enabled, true);
    assert.equal(cfg.json.auth.login_url, '/api/auth/login');
    assert.deepEqual(cfg.json.csrf, { cookie: 'lkgate_csrf', header: 'X-CSRF-Token' });
    assert.ok(!cfg.text.includes(CLIENT_SECRET) && !cfg.text.includes(LK_SECRET));
    const health = await request(`${gw.url}/api/video/health`);
    assert.deepEqual(health.json, { status: 'ok', livekit: 'ok' });
  });
});
