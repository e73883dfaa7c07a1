// The web login's refusals, against a small fake OpenID Connect provider
// on loopback whose token endpoint hands out ID tokens crafted here and
// signed with keys this test holds.  Each refusal must leave no session
// behind: no Set-Cookie carrying a session.  Also: the authorization
// request lkgate builds (PKCE S256, realm), the token request it sends
// (code verifier, HTTP Basic), cookie tampering, expiry and key rotation,
// the CSRF header, and the routes without a configured provider (404).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, freePort, request, startLkgate } from './lib.mjs';
import {
  Jar, now, seal, setCookies, setsSession, signJwt,
} from './oidc-lib.mjs';

const LK_KEY = 'APIoidcrefusaltest';
const LK_SECRET = 'an-oidc-refusal-livekit-secret-32chars';
const CLIENT_ID = 'visio-fake';
const CLIENT_SECRET = 'fake-provider-client-secret-0123456789';
const ACCESS_TOKEN = 'at-7f2c91e4-the-fake-access-token';
const REFRESH_TOKEN = 'rt-1-5d0e8b2a-the-fake-refresh-token';
const KEY_NEW = randomBytes(32);
const KEY_OLD = randomBytes(32);
const KEY_RETIRED = randomBytes(32);

const opKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });

let lk;
let gw;
let bare;
let op;
let issuer;
// What the fake token endpoint answers, from the form it got.
let mint = () => ({ status: 500, body: {} });
// What the fake userinfo endpoint answers.
let userinfo = () => ({ status: 500, body: {} });
const seen = { token: [], jwks: 0, userinfo: [] };

function fakeProvider() {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status, body) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url, issuer);
      if (url.pathname === '/.well-known/openid-configuration') {
        send(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize?prompt=login`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/logout`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ['code'],
        });
      } else if (url.pathname === '/jwks') {
        seen.jwks++;
        send(200, {
          keys: [
            { ...opKey.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' },
            { ...ecKey.publicKey.export({ format: 'jwk' }), kid: 'e1', use: 'sig' },
          ],
        });
      } else if (url.pathname === '/userinfo' && req.method === 'GET') {
        seen.userinfo.push(req.headers.authorization);
        const { status, body } = userinfo();
        send(status, body);
      } else if (url.pathname === '/token' && req.method === 'POST') {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
        seen.token.push({ form, auth: req.headers.authorization, type: req.headers['content-type'] });
        const { status, body } = mint(form);
        send(status, body);
      } else {
        send(404, {});
      }
    });
  });
}

// Claims of a good ID token for the nonce, with changes.
const idClaims = (nonce, extra = {}) => ({
  iss: issuer, aud: CLIENT_ID, sub: 'lea.dupont', name: 'Léa Dupont',
  email: 'lea@example.test', nonce, iat: now(), exp: now() + 300, ...extra,
});
const rs = (claims, header = { kid: 'k1' }, key = opKey.privateKey) =>
  signJwt({ alg: 'RS256', typ: 'JWT', ...header }, claims, key);
const tokenAnswer = (idToken, extra = {}) => ({
  status: 200,
  body: {
    access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 300, id_token: idToken,
    refresh_token: REFRESH_TOKEN, ...extra,
  },
});

// Starts a login: the jar holds the login cookie; returns the
// authorization request's parameters.
async function startLogin(jar) {
  const res = jar.take(await request(`${gw.url}/api/auth/login?return_to=/room/42`));
  assert.equal(res.status, 302, res.text);
  const loc = new URL(res.headers.location);
  return { loc, params: Object.fromEntries(loc.searchParams) };
}

const callback = (jar, query) => request(
  `${gw.url}/api/auth/callback?${new URLSearchParams(query)}`,
  { headers: jar.header() ? { Cookie: jar.header() } : {} },
).then((res) => jar.take(res));

// A login whose ID token is made by idToken(nonce); the callback's answer.
async function loginWith(idToken, jar = new Jar()) {
  const { params } = await startLogin(jar);
  mint = () => tokenAnswer(idToken(params.nonce));
  const res = await callback(jar, { code: 'code-1', state: params.state });
  return { res, jar, params };
}

// Asserts a refusal that leaves no session.
function refused(res, status, pattern) {
  assert.equal(res.status, status, res.text);
  if (pattern) assert.match(res.json.error, pattern);
  assert.ok(!setsSession(res), 'no session cookie is set');
}

const sessionFor = (key, claims) => seal(key, 'session', {
  sub: 'lea.dupont', name: 'Léa', email: '', csrf: 'c'.repeat(43), exp: now() + 600, ...claims,
});
const videoToken = (cookie, csrf = 'c'.repeat(43)) => request(`${gw.url}/api/video/token`, {
  method: 'POST',
  headers: { Cookie: cookie, ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
  body: { roomId: 'room-x' },
});

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  const opPort = await freePort();
  issuer = `http://127.0.0.1:${opPort}`;
  op = fakeProvider();
  await new Promise((resolve) => op.listen(opPort, '127.0.0.1', resolve));
  const gwPort = await freePort();
  const base = {
    LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
    LIVEKIT_API_KEY: LK_KEY,
    LIVEKIT_API_SECRET: LK_SECRET,
    LKGATE_UPSTREAM_TIMEOUT_MS: '3000',
  };
  gw = await startLkgate({
    env: {
      ...base,
      LKGATE_LISTEN: `127.0.0.1:${gwPort}`,
      LKGATE_OIDC_ISSUER: issuer,
      LKGATE_OIDC_CLIENT_ID: CLIENT_ID,
      LKGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      LKGATE_OIDC_REDIRECT_URI: `http://127.0.0.1:${gwPort}/api/auth/callback`,
      LKGATE_OIDC_AUTH_PARAMS: 'realm=/individu',
      LKGATE_OIDC_SCOPES: 'openid profile email api_peconnect-individuv1',
      LKGATE_COOKIE_KEYS: `${KEY_NEW.toString('base64')},${KEY_OLD.toString('base64')}`,
      LKGATE_COOKIE_SECURE: 'false',
      LKGATE_USER_JWT_LEEWAY: '0',
      // Debug logs curl's headers: the secrets must stay out of them too.
      LKGATE_LOG_LEVEL: 'debug',
    },
  });
  bare = await startLkgate({ env: base });
});

after(async () => {
  const r1 = await gw.stop();
  const r2 = await bare.stop();
  await new Promise((resolve) => op.close(resolve));
  await lk.close();
  assert.equal(r1.code, 0);
  assert.equal(r2.code, 0);
  const log = gw.stderr();
  assert.ok(log.includes('Authorization: [redacted]'), 'curl headers were logged');
  for (const secret of [CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN,
    Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')]) {
    assert.ok(!log.includes(secret), `no ${secret.slice(0, 6)}... in the log`);
  }
});

describe('the login request and the code exchange', () => {
  it('redirects with PKCE S256, state, nonce and the configured parameters', async () => {
    const jar = new Jar();
    const res = jar.take(await request(`${gw.url}/api/auth/francetravail`));
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.location);
    assert.equal(`${loc.origin}${loc.pathname}`, `${issuer}/authorize`);
    const p = Object.fromEntries(loc.searchParams);
    assert.equal(p.prompt, 'login', 'the endpoint\'s own query is kept');
    assert.equal(p.response_type, 'code');
    assert.equal(p.client_id, CLIENT_ID);
    assert.equal(p.redirect_uri, `${gw.url}/api/auth/callback`);
    assert.equal(p.scope, 'openid profile email api_peconnect-individuv1');
    assert.equal(p.code_challenge_method, 'S256');
    assert.match(p.code_challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.match(p.state, /^[A-Za-z0-9_-]{43}$/);
    assert.match(p.nonce, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(p.state, p.nonce);
    assert.equal(p.realm, '/individu');
    assert.match(res.headers.location, /realm=%2Findividu/);
    const c = setCookies(res).lkgate_login;
    assert.ok(c, 'a login cookie');
    for (const a of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Max-Age=600']) {
      assert.ok(c.attrs.includes(a), a);
    }
    assert.ok(!c.attrs.includes('Secure'), 'cookie_secure false');
  });

  it('signs in: the verifier matches the challenge, the secret goes by HTTP Basic', async () => {
    seen.token = [];
    const { res, jar, params } = await loginWith((nonce) => rs(idClaims(nonce)));
    assert.equal(res.status, 302, res.text);
    assert.equal(res.headers.location, '/room/42');
    assert.ok(setsSession(res));
    const [t] = seen.token;
    assert.equal(t.type, 'application/x-www-form-urlencoded');
    assert.equal(t.form.grant_type, 'authorization_code');
    assert.equal(t.form.code, 'code-1');
    assert.equal(t.form.redirect_uri, `${gw.url}/api/auth/callback`);
    assert.equal(createHash('sha256').update(t.form.code_verifier).digest('base64url'),
      params.code_challenge, 'S256(verifier) = challenge');
    assert.equal(t.auth, `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    assert.equal(t.form.client_secret, undefined);
    const status = await request(`${gw.url}/api/auth/status`, { headers: { Cookie: jar.header() } });
    assert.equal(status.json.authenticated, true);
    assert.deepEqual(status.json.user, { id: 'lea.dupont', name: 'Léa Dupont', email: 'lea@example.test' });
  });

  it('accepts an ES256 ID token too', async () => {
    const { res } = await loginWith((nonce) => signJwt({ alg: 'ES256', kid: 'e1' },
      idClaims(nonce), ecKey.privateKey));
    assert.equal(res.status, 302, res.text);
    assert.ok(setsSession(res));
  });
});

describe('refused logins, each with no session created', () => {
  it('a wrong state', async () => {
    const jar = new Jar();
    await startLogin(jar);
    seen.token = [];
    refused(await callback(jar, { code: 'c', state: 'x'.repeat(43) }), 400, /state/);
    assert.equal(seen.token.length, 0, 'the code was not spent');
  });

  it('a replayed state: the login cookie is spent by the first callback', async () => {
    const { res, jar, params } = await loginWith((nonce) => rs(idClaims(nonce)));
    assert.equal(res.status, 302);
    jar.cookies.delete('lkgate_session');
    refused(await callback(jar, { code: 'code-1', state: params.state }), 400,
      /no login in progress/);
  });

  it('a login cookie without its PKCE verifier', async () => {
    const cookie = seal(KEY_NEW, 'login', {
      state: 's'.repeat(43), nonce: 'n'.repeat(43), ret: '/', exp: now() + 600,
    });
    seen.token = [];
    const res = await request(`${gw.url}/api/auth/callback?code=c&state=${'s'.repeat(43)}`,
      { headers: { Cookie: `lkgate_login=${cookie}` } });
    refused(res, 400, /PKCE verifier/);
    assert.equal(seen.token.length, 0);
  });

  it('an ID token for another audience', async () => {
    refused((await loginWith((n) => rs(idClaims(n, { aud: 'someone-else' })))).res, 401,
      /audience/);
  });

  it('an ID token of another issuer', async () => {
    refused((await loginWith((n) => rs(idClaims(n, { iss: 'https://evil.example' })))).res,
      401, /issuer/);
  });

  it('an ID token with another nonce', async () => {
    refused((await loginWith(() => rs(idClaims('n'.repeat(43))))).res, 401, /nonce/);
  });

  it('an ID token whose sub is too long to be oidc:<sub> (124 bytes)', async () => {
    refused((await loginWith((n) => rs(idClaims(n, { sub: 's'.repeat(124) })))).res, 401,
      /sub is not 1-123 characters/);
  });

  it('an expired ID token', async () => {
    refused((await loginWith((n) => rs(idClaims(n, { exp: now() - 60 })))).res, 401,
      /expired/);
  });

  it('an ID token signed by another key, under a known kid', async () => {
    refused((await loginWith((n) => rs(idClaims(n), { kid: 'k1' }, rogue.privateKey))).res,
      401, /signature/);
  });

  it('an ID token of an unknown kid: the keys are fetched again, once', async () => {
    const before = seen.jwks;
    refused((await loginWith((n) => rs(idClaims(n), { kid: 'k9' }, rogue.privateKey))).res,
      401, /no key/);
    assert.equal(seen.jwks, before + 1, 'one JWKS refresh');
    refused((await loginWith((n) => rs(idClaims(n), { kid: 'k8' }, rogue.privateKey))).res,
      401, /no key/);
    assert.equal(seen.jwks, before + 1, 'refreshes are rate-limited');
  });

  it('an ID token with alg none', async () => {
    refused((await loginWith((n) => signJwt({ alg: 'RS256', kid: 'k1' }, idClaims(n),
      opKey.privateKey).replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url')))).res,
    401);
  });

  it('the provider refusing the code', async () => {
    const jar = new Jar();
    const { params } = await startLogin(jar);
    mint = () => ({ status: 400, body: { error: 'invalid_grant' } });
    refused(await callback(jar, { code: 'used', state: params.state }), 401, /invalid_grant/);
  });

  it('the provider saying the user refused', async () => {
    const jar = new Jar();
    const { params } = await startLogin(jar);
    refused(await callback(jar, { error: 'access_denied', state: params.state }), 401,
      /access_denied/);
  });

  it('a return_to off the site', async () => {
    for (const r of ['//evil.example/x', 'https://evil.example', '/\\evil']) {
      const res = await request(`${gw.url}/api/auth/login?return_to=${encodeURIComponent(r)}`);
      assert.equal(res.status, 400, r);
    }
  });
});

describe('the session cookie', () => {
  it('sealed here with the current key opens; with the previous key too', async () => {
    for (const key of [KEY_NEW, KEY_OLD]) {
      const res = await request(`${gw.url}/api/auth/status`,
        { headers: { Cookie: `lkgate_session=${sessionFor(key)}` } });
      assert.equal(res.json.authenticated, true);
    }
  });

  it('is refused when tampered, expired or sealed with a retired key', async () => {
    const good = sessionFor(KEY_NEW);
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const cases = {
      tampered: flip(good, 40),
      'tampered tag': flip(good, good.length - 3),
      expired: sessionFor(KEY_NEW, { exp: now() - 1 }),
      'retired key': sessionFor(KEY_RETIRED),
      'login cookie as session': seal(KEY_NEW, 'login', { sub: 'lea.dupont', exp: now() + 60 }),
      'not base64url': 'abc$def',
    };
    for (const [what, cookie] of Object.entries(cases)) {
      const c = `lkgate_session=${cookie}; lkgate_csrf=${'c'.repeat(43)}`;
      const res = await videoToken(c);
      assert.equal(res.status, 401, `${what}: ${res.text}`);
      assert.equal(res.json.code, 'UNAUTHORIZED');
      const st = await request(`${gw.url}/api/auth/status`, { headers: { Cookie: c } });
      assert.deepEqual(st.json, { authenticated: false, user: null }, what);
    }
  });

  it('refuses two session cookies at once', async () => {
    const a = sessionFor(KEY_NEW);
    const res = await videoToken(`lkgate_session=${a}; lkgate_session=${a}; lkgate_csrf=${'c'.repeat(43)}`);
    assert.equal(res.status, 401);
  });
});

describe('CSRF: state-changing calls need the header', () => {
  const csrf = 'c'.repeat(43);
  const cookie = () => `lkgate_session=${sessionFor(KEY_NEW)}; lkgate_csrf=${csrf}`;

  it('403 without the header, with a wrong one, or without the CSRF cookie', async () => {
    for (const [what, c, h] of [
      ['no header', cookie(), null],
      ['wrong header', cookie(), 'd'.repeat(43)],
      ['no CSRF cookie', `lkgate_session=${sessionFor(KEY_NEW)}`, csrf],
      ['cookie and header agree, session differs', `lkgate_session=${sessionFor(KEY_NEW)}; lkgate_csrf=${'d'.repeat(43)}`, 'd'.repeat(43)],
    ]) {
      const res = await videoToken(c, h);
      assert.equal(res.status, 403, `${what}: ${res.text}`);
      assert.equal(res.json.code, 'PERMISSION_DENIED');
    }
    for (const p of ['/api/video/room/create', '/api/video/room/r1/join',
      '/api/video/room/r1/leave', '/api/auth/refresh', '/api/auth/logout']) {
      const res = await request(gw.url + p, { method: 'POST', headers: { Cookie: cookie() } });
      assert.equal(res.status, 403, `${p}: ${res.text}`);
    }
  });

  it('with the header the call goes through to the rooms logic', async () => {
    const res = await videoToken(cookie(), csrf);
    assert.equal(res.status, 404, res.text);
    assert.equal(res.json.code, 'ROOM_NOT_FOUND');
  });
});

describe('rooms through the video routes', () => {
  it('a room the user created: token and join; another user: 403', async () => {
    const csrf = 'c'.repeat(43);
    const lea = `lkgate_session=${sessionFor(KEY_NEW)}; lkgate_csrf=${csrf}`;
    const max = `lkgate_session=${sessionFor(KEY_NEW, { sub: 'max' })}; lkgate_csrf=${csrf}`;
    const post = (cookie, p, body) => request(gw.url + p, {
      method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf }, body,
    });
    const created = await post(lea, '/api/video/room/create', { participants: ['ana'] });
    assert.equal(created.status, 201, created.text);
    const name = created.json.room.name;
    assert.deepEqual(created.json.room.invited, ['ana']);
    const tok = await post(lea, '/api/video/token', { roomId: name });
    assert.equal(tok.status, 200, tok.text);
    assert.equal((await new TokenVerifier(LK_KEY, LK_SECRET).verify(tok.json.token)).sub,
      'oidc:lea.dupont', 'a web-login user is oidc:<sub> in LiveKit');
    assert.equal((await post(max, `/api/video/room/${name}/join`)).status, 403);
    assert.equal((await post(max, '/api/video/token', { roomId: name })).status, 403);
    assert.equal((await post(lea, '/api/video/token', { roomId: 'bad name' })).status, 400);
  });
});

describe('the userinfo endpoint', () => {
  const bare = (nonce) => rs(idClaims(nonce, { name: undefined, email: undefined }));
  const statusOf = async (jar) => (await request(`${gw.url}/api/auth/status`,
    { headers: { Cookie: jar.header() } })).json;

  it('fills the name and email an ID token lacks, asked with the access token', async () => {
    seen.userinfo = [];
    userinfo = () => ({ status: 200, body: { sub: 'lea.dupont', name: 'Léa (userinfo)', email: 'lea@userinfo.test' } });
    const { res, jar } = await loginWith(bare);
    assert.equal(res.status, 302, res.text);
    assert.deepEqual(seen.userinfo, [`Bearer ${ACCESS_TOKEN}`]);
    assert.deepEqual((await statusOf(jar)).user,
      { id: 'lea.dupont', name: 'Léa (userinfo)', email: 'lea@userinfo.test' });
  });

  it('is not asked when the ID token has both', async () => {
    seen.userinfo = [];
    const { res, jar } = await loginWith((nonce) => rs(idClaims(nonce)));
    assert.equal(res.status, 302, res.text);
    assert.equal(seen.userinfo.length, 0);
    assert.equal((await statusOf(jar)).user.email, 'lea@example.test');
  });

  it('about another user: none of it is used, and the login goes on', async () => {
    userinfo = () => ({ status: 200, body: { sub: 'eve', name: 'Eve', email: 'eve@x.test' } });
    const { res, jar } = await loginWith(bare);
    assert.equal(res.status, 302, res.text);
    assert.deepEqual((await statusOf(jar)).user, { id: 'lea.dupont', name: '', email: '' });
  });

  it('failing: the login goes on with what the ID token said', async () => {
    userinfo = () => ({ status: 500, body: { error: 'server_error' } });
    const { res, jar } = await loginWith(bare);
    assert.equal(res.status, 302, res.text);
    assert.deepEqual((await statusOf(jar)).user, { id: 'lea.dupont', name: '', email: '' });
    assert.ok(gw.logs.some((l) => /userinfo/.test(l?.msg ?? '')), 'the failure is logged');
  });
});

describe('refresh and logout against the fake provider', () => {
  it('refresh keeps the user; a refused refresh token clears the session', async () => {
    const { res, jar } = await loginWith((nonce) => rs(idClaims(nonce)));
    assert.equal(res.status, 302);
    const csrf = jar.cookies.get('lkgate_csrf');
    mint = (form) => (form.grant_type === 'refresh_token' && form.refresh_token === REFRESH_TOKEN
      ? tokenAnswer(undefined, { refresh_token: 'rt-2' }) : { status: 400, body: { error: 'invalid_grant' } });
    const ok = jar.take(await request(`${gw.url}/api/auth/refresh`, {
      method: 'POST', headers: { Cookie: jar.header(), 'X-CSRF-Token': csrf },
    }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.user.id, 'lea.dupont');
    // The new cookie holds rt-2: a second refresh sends it.
    mint = (form) => (form.refresh_token === 'rt-2' ? { status: 400, body: { error: 'invalid_grant' } }
      : tokenAnswer(undefined));
    const bad = jar.take(await request(`${gw.url}/api/auth/refresh`, {
      method: 'POST', headers: { Cookie: jar.header(), 'X-CSRF-Token': csrf },
    }));
    assert.equal(bad.status, 401, bad.text);
    assert.equal(jar.cookies.get('lkgate_session'), undefined, 'the session is cleared');
  });

  it('logout names the end-session endpoint and clears the cookies', async () => {
    const { jar } = await loginWith((nonce) => rs(idClaims(nonce)));
    const res = jar.take(await request(`${gw.url}/api/auth/logout`, {
      method: 'POST',
      headers: { Cookie: jar.header(), 'X-CSRF-Token': jar.cookies.get('lkgate_csrf') },
    }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.logout_url, `${issuer}/logout?client_id=${CLIENT_ID}`);
    assert.equal(jar.cookies.size, 0);
  });
});

describe('without a provider configured', () => {
  it('the login routes answer 404, the video routes 401, /api/config says so', async () => {
    for (const p of ['/api/auth/login', '/api/auth/francetravail', '/api/auth/callback',
      '/api/auth/francetravail/callback', '/api/auth/status']) {
      assert.equal((await request(bare.url + p)).status, 404, p);
    }
    const res = await request(`${bare.url}/api/video/token`, { method: 'POST', body: { roomId: 'r' } });
    assert.equal(res.status, 401);
    assert.equal((await request(`${bare.url}/api/config`)).json.auth.enabled, false);
  });
});
