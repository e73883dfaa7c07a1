// Helpers of the web-login tests (oidc*.test.mjs): lkgate's cookie
// sealing redone here with node:crypto (so tests can craft the cookies a
// client could send: expired, retired key, no PKCE verifier), a cookie
// jar for node requests, and ID tokens signed with keys the tests hold.
import { createCipheriv, createHash, randomBytes, sign as cryptoSign } from 'node:crypto';

export const b64u = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
  .toString('base64url');
export const now = () => Math.floor(Date.now() / 1000);

// AES-256-GCM sealing as src/seal.c does it: base64url of version 1, key
// id (SHA-256(key)[0]), 12-byte nonce, ciphertext, tag; the additional
// data is version, key id and purpose ("session" or "login").
export function seal(key, purpose, obj) {
  const id = createHash('sha256').update(key).digest()[0];
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.concat([Buffer.from([1, id]), Buffer.from(purpose)]));
  const ct = Buffer.concat([c.update(JSON.stringify(obj)), c.final()]);
  return Buffer.concat([Buffer.from([1, id]), nonce, ct, c.getAuthTag()]).toString('base64url');
}

// A compact JWS signed with a private KeyObject (RS256 or ES256).
export function signJwt(header, claims, key) {
  const input = `${b64u(header)}.${b64u(claims)}`;
  const sig = header.alg === 'ES256'
    ? cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : cryptoSign('sha256', Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

// The Set-Cookie headers of an answer as {name: {value, attrs}}.
export function setCookies(res) {
  const out = {};
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = { value: pair.slice(eq + 1), attrs, line };
  }
  return out;
}

// A cookie jar for one host: keeps what Set-Cookie says, drops what
// Max-Age=0 clears, and writes the Cookie header.
export class Jar {
  constructor() { this.cookies = new Map(); }

  take(res) {
    for (const [name, c] of Object.entries(setCookies(res))) {
      if (c.attrs.includes('Max-Age=0')) this.cookies.delete(name);
      else this.cookies.set(name, c.value);
    }
    return res;
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

// A value of Set-Cookie that sets a session (not one that clears it).
export const setsSession = (res) => Object.entries(setCookies(res))
  .some(([name, c]) => name.endsWith('lkgate_session') && c.value !== '');
