// Users authenticated with the Urbania app's own JWTs: HS256 with a shared
// secret, RS256 and ES256 with keys from a JWKS file. Keys are made here
// with node:crypto and tokens signed here; the LiveKit tokens lkgate hands
// out are judged by the official livekit-server-sdk TokenVerifier. Every
// refused token must be refused before anything reaches LiveKit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHmac, generateKeyPairSync, sign as cryptoSign,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { TokenVerifier, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIuserauthtest';
const LK_SECRET = 'a-userauth-livekit-secret-of-32-chars!!';
const USER_SECRET = 'urbania-user-jwt-hs256-secret-32+bytes';
const APP_KEY = 'urbania-app-key-for-userauth-0123';
const ISSUER = 'https://login.urbania.test';
const AUDIENCE = 'lkgate-urbania';
const SUB = 'urbania-user-7';
const ROOM = 'r1';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// A key the JWKS does not hold, for tokens that name an unknown kid.
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });

let lk;
let gw;
let dir;

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
  .toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

// A compact JWS of header and claims, signed as header.alg says with key
// (an HMAC secret, or a private KeyObject); alg none gets no signature.
function jws(header, claims, key) {
  const input = `${b64(header)}.${b64(claims)}`;
  let sig;
  if (header.alg === 'HS256') {
    sig = createHmac('sha256', key).update(input).digest();
  } else if (header.alg === 'RS256') {
    sig = cryptoSign('sha256', Buffer.from(input), key);
  } else if (header.alg === 'ES256') {
    sig = cryptoSign('sha256', Buffer.from(input),
      { key, dsaEncoding: 'ieee-p1363' });
  } else {
    sig = Buffer.alloc(0);
  }
  return `${input}.${sig.toString('base64url')}`;
}

// The claims of a good user token, with changes.
function claims(extra = {}) {
  const t = now();
  return {
    sub: SUB, name: 'Zoé', iss: ISSUER, aud: AUDIENCE, iat: t, exp: t + 600,
    ...extra,
  };
}

const hs256 = (extra, header = {}) =>
  jws({ alg: 'HS256', typ: 'JWT', ...header }, claims(extra), USER_SECRET);
const rs256 = (extra, header = { kid: 'rsa-1' }) =>
  jws({ alg: 'RS256', typ: 'JWT', ...header }, claims(extra), rsa.privateKey);
const es256 = (extra, header = { kid: 'ec-1' }) =>
  jws({ alg: 'ES256', typ: 'JWT', ...header }, claims(extra), ec.privateKey);

function tokenCall(headers, body = { room_name: ROOM }, route = '/api/livekit/token') {
  return request(gw.url + route, { method: 'POST', headers, body });
}

const asUser = (jwt, body) => tokenCall({ Authorization: `Bearer ${jwt}` }, body);

// Checks a 200 answer: a LiveKit token for the user's sub in ROOM.
async function assertMinted(res) {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.identity, SUB);
  assert.equal(res.json.room_name, ROOM);
  const lkClaims = await new TokenVerifier(LK_KEY, LK_SECRET)
    .verify(res.json.token);
  assert.equal(lkClaims.sub, SUB);
  assert.equal(lkClaims.video.room, ROOM);
  assert.equal(lkClaims.video.roomJoin, true);
}

// A refused token: 401 UNAUTHORIZED, and LiveKit never asked anything.
function assertRefused(res, reason) {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.code, 'UNAUTHORIZED');
  assert.equal(res.json.request_id, res.headers['x-request-id']);
  if (reason) assert.equal(res.json.error, reason);
  assert.deepEqual(lk.calls.map((c) => c.method), [],
    'no LiveKit call for a refused token');
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lkgate-userauth-'));
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig',
        alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
      // An encryption key: skipped with a warning, the others still used.
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-enc', use: 'enc' },
    ],
  };
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(jwks));
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `urbania:${APP_KEY}`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      LKGATE_USER_JWT_JWKS_FILE: path.join(dir, 'jwks.json'),
      LKGATE_USER_JWT_ISSUER: ISSUER,
      LKGATE_USER_JWT_AUDIENCE: AUDIENCE,
    },
  });
  // A user gets tokens for rooms they may join: the user's own room.
  const res = await request(`${gw.url}/api/livekit/rooms`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${hs256()}` },
    body: { name: ROOM, call_type: 'video' },
  });
  assert.equal(res.status, 201, res.text);
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
  const text = gw.stderr();
  assert.ok(!text.includes(USER_SECRET), 'no user secret in the log');
  assert.ok(!text.includes(APP_KEY), 'no API key in the log');
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(text), 'no token in the log');
});

describe('user JWTs that are accepted', () => {
  it('warned at start-up about the JWKS key it skipped', () => {
    const warn = gw.logs.find((l) => typeof l === 'object' &&
      l.level === 'warn' && /keys\[2\] \(kid "ec-enc"\) skipped: use "enc"/
        .test(l.msg));
    assert.ok(warn, gw.stderr());
  });

  for (const [alg, make] of [['HS256', hs256], ['RS256', rs256],
    ['ES256', es256]]) {
    it(`${alg}: a token for the user's sub`, async () => {
      await assertMinted(await asUser(make()));
    });
  }

  it('RS256 and ES256 without a kid: tried against the one key of their alg', async () => {
    await assertMinted(await asUser(rs256({}, {})));
    await assertMinted(await asUser(es256({}, {})));
  });

  it('expired 10 s ago: within the 30 s leeway', async () => {
    await assertMinted(await asUser(hs256({ exp: now() - 10 })));
  });

  it('valid in 10 s: within the 30 s leeway', async () => {
    await assertMinted(await asUser(es256({ nbf: now() + 10 })));
  });

  it('the audience in an array', async () => {
    await assertMinted(await asUser(rs256({ aud: ['other', AUDIENCE] })));
  });

  it('naming the own identity in the body is allowed', async () => {
    await assertMinted(await asUser(hs256(),
      { room_name: ROOM, participant_identity: SUB }));
  });

  it('an app key on the same route: not for a user\'s room', async () => {
    for (const identity of [SUB, 'someone']) {
      const res = await tokenCall({ 'X-API-Key': APP_KEY },
        { room_name: ROOM, participant_identity: identity });
      assert.equal(res.status, 403, res.text);
      assert.equal(res.json.code, 'PERMISSION_DENIED');
    }
  });
});

describe('user JWTs that are refused with 401 before any LiveKit call', () => {
  const t = () => now();
  const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
  const cases = [
    ['expired beyond the leeway', () => hs256({ exp: t() - 60 }),
      'token has expired'],
    ['RS256 expired beyond the leeway', () => rs256({ exp: t() - 60 }),
      'token has expired'],
    ['not yet valid', () => es256({ nbf: t() + 120 }),
      'token is not valid yet'],
    ['without exp', () => hs256({ exp: undefined }), 'token has no expiry'],
    ['wrong issuer', () => rs256({ iss: 'https://evil.test' }),
      'token issuer is not accepted'],
    ['no issuer', () => hs256({ iss: undefined }),
      'token issuer is not accepted'],
    ['wrong audience', () => es256({ aud: 'another-service' }),
      'token audience is not accepted'],
    ['alg none', () => jws({ alg: 'none', typ: 'JWT' }, claims(), null),
      'token algorithm is not accepted'],
    ['alg none naming a kid', () => jws({ alg: 'none', kid: 'rsa-1' },
      claims(), null), 'token algorithm is not accepted'],
    ['HS256 MACed with the RSA public key (algorithm confusion)',
      () => jws({ alg: 'HS256', typ: 'JWT' }, claims(), rsaPem),
      'token signature is invalid'],
    ['the same, naming the RSA key\'s kid',
      () => jws({ alg: 'HS256', kid: 'rsa-1' }, claims(), rsaPem),
      'token signature is invalid'],
    ['HS256 MACed with the JWKS text',
      () => jws({ alg: 'HS256' }, claims(),
        JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))),
      'token signature is invalid'],
    ['a kid that is unknown, signed by a key not in the set',
      () => jws({ alg: 'RS256', kid: 'rogue' }, claims(), rogue.privateKey),
      undefined],
    ['a known kid, signed by another key',
      () => jws({ alg: 'RS256', kid: 'rsa-1' }, claims(), rogue.privateKey),
      'token signature is invalid'],
    ['ES256 naming the RSA key\'s kid', () => es256({}, { kid: 'rsa-1' }),
      'token algorithm is not accepted'],
    ['a tampered payload', () => {
      const [h, , s] = rs256().split('.');
      return `${h}.${b64(claims({ sub: 'admin', role: 'admin' }))}.${s}`;
    }, 'token signature is invalid'],
    ['a tampered HS256 payload', () => {
      const [h, , s] = hs256().split('.');
      return `${h}.${b64(claims({ sub: 'someone-else' }))}.${s}`;
    }, 'token signature is invalid'],
    ['a signature cut short', () => es256().slice(0, -4), undefined],
    ['garbage', () => 'garbage', 'token is malformed'],
    ['three dots of garbage', () => 'a.b.c', 'token is malformed'],
    ['an empty token', () => '', 'expected Authorization: Bearer <token>'],
    ['an oversized token (> 8 KiB)', () => hs256({ pad: 'x'.repeat(7000) }),
      'token is too large'],
    ['a sub with bad characters', () => hs256({ sub: 'bob smith/../x' }),
      'token sub is not a valid identity'],
    ['no sub', () => rs256({ sub: undefined }),
      'token sub is not a valid identity'],
    ['a numeric sub', () => hs256({ sub: 42 }),
      'token sub is not a valid identity'],
    // Identities of other sources: a JWT may not pose as their users.
    ['a sub posing as a web-login user', () => hs256({ sub: 'oidc:zoe' }),
      'token sub must not begin with oidc:, guest: or key: (reserved for other sign-ins)'],
    ['an RS256 sub posing as a guest', () => rs256({ sub: 'guest:g1' }),
      'token sub must not begin with oidc:, guest: or key: (reserved for other sign-ins)'],
    ['a sub posing as an API key', () => es256({ sub: 'key:urbania' }),
      'token sub must not begin with oidc:, guest: or key: (reserved for other sign-ins)'],
  ];
  for (const [name, make, reason] of cases) {
    it(name, async () => {
      lk.calls.length = 0;
      assertRefused(await asUser(make()), reason);
    });
  }

  it('a JWT without the Bearer prefix', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({ Authorization: hs256() }),
      'missing Authorization: Bearer or X-API-Key header');
  });

  it('another scheme', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({ Authorization: `Basic ${hs256()}` }));
  });

  it('Bearer and two spaces', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({ Authorization: `Bearer  ${hs256()}` }),
      'token is malformed');
  });

  it('a bad Bearer token is not passed over for a good API key', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({
      Authorization: `Bearer ${hs256({ exp: t() - 3600 })}`,
      'X-API-Key': APP_KEY,
    }, { room_name: ROOM, participant_identity: SUB }), 'token has expired');
  });

  it('no credentials at all', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({}));
  });

  it('the legacy /livekit/token takes API keys only', async () => {
    lk.calls.length = 0;
    assertRefused(await tokenCall({ Authorization: `Bearer ${hs256()}` },
      { room_name: ROOM }, '/livekit/token'), 'missing X-API-Key header');
  });
});

describe('without any user key configured', () => {
  it('a good user JWT is refused', async () => {
    const other = await startLkgate({
      env: {
        LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
        LIVEKIT_API_KEY: LK_KEY,
        LIVEKIT_API_SECRET: LK_SECRET,
        LKGATE_API_KEYS: `urbania:${APP_KEY}`,
      },
    });
    try {
      lk.calls.length = 0;
      const res = await request(`${other.url}/api/livekit/token`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${hs256()}` },
        body: { room_name: ROOM },
      });
      assertRefused(res, 'user tokens are not accepted');
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
  });
});

describe('configuration errors stop lkgate with a message', () => {
  it('a user secret under 32 bytes', async () => {
    await assert.rejects(startLkgate({
      env: {
        LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
        LIVEKIT_API_KEY: LK_KEY,
        LIVEKIT_API_SECRET: LK_SECRET,
        LKGATE_USER_JWT_SECRET: 'short-user-secret',
      },
    }), (err) => {
      assert.match(err.message, /LKGATE_USER_JWT_SECRET: must be 32-4096/);
      assert.ok(!err.message.includes('short-user-secret'),
        'the value is not echoed');
      return true;
    });
  });

  it('a JWKS file that is not one', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"keys":[{"kty":"RSA","kid":"x","e":"AQAB"}]}');
    await assert.rejects(startLkgate({
      env: {
        LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
        LIVEKIT_API_KEY: LK_KEY,
        LIVEKIT_API_SECRET: LK_SECRET,
        LKGATE_USER_JWT_JWKS_FILE: bad,
      },
    }), /LKGATE_USER_JWT_JWKS_FILE: .*bad\.json: keys\[0\] \(kid \\?"x\\?"\): has no \\?"n\\?"/);
  });
});
