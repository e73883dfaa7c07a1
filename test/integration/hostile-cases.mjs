// Hostile requests for hostile.test.mjs: each is sent as raw bytes on its
// own connection, which the test then half-closes, and the first status
// line of the answer is compared with `expect`: a status, a list of
// statuses (where libevent's choice is what it is), or 'closed' (the
// server closed the connection without a byte of answer).
//
//   { name, send: string | Buffer | [chunk, ...], expect, timeout? }
//
// Strings are sent as latin1, so "\x00" or "\xff" is that very byte.
// KEY and ADMIN_KEY are the API keys the test configures (app and admin
// roles).  `note` explains a surprising expectation; `known` marks a case
// where lkgate's answer is wrong and says why (the test runs it as TODO).

export const KEY = 'hostile-app-key-0123456789';
export const ADMIN_KEY = 'hostile-admin-key-0123456789';
export const UUID = '550e8400-e29b-41d4-a716-446655440000';
export const USER_JWT_SECRET = 'hostile-user-jwt-secret-of-32-characters';
// A room named like a session's that lkgate did not make (no session
// metadata): the test creates it in LiveKit before the cases run.
export const FOREIGN_SESSION_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
export const FOREIGN_SESSION_ROOM = `eloquence-${FOREIGN_SESSION_ID}`;

import { createHmac } from 'node:crypto';

const CRLF = '\r\n';

/** A request: request line, headers (array of "Name: value" lines, sent
 * as is), body; Content-Length added for a body unless told otherwise. */
function req(line, headers = [], body, { length = true } = {}) {
  const h = [...headers];
  if (body !== undefined && length) {
    h.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  }
  return `${line}${CRLF}${h.map((x) => x + CRLF).join('')}${CRLF}${body ?? ''}`;
}

const HOST = 'Host: 127.0.0.1';
const JSON_CT = 'Content-Type: application/json';
const AUTH = `X-API-Key: ${KEY}`;
const ADMIN = `X-API-Key: ${ADMIN_KEY}`;

const get = (path, headers = [HOST]) => req(`GET ${path} HTTP/1.1`, headers);
const getKey = (path) => get(path, [HOST, AUTH]);
const getAdmin = (path) => get(path, [HOST, ADMIN]);
const post = (path, body, headers = [HOST, JSON_CT, AUTH]) =>
  req(`POST ${path} HTTP/1.1`, headers, body);
const session = (body) => post('/api/sessions', body);
const token = (body) => post('/api/livekit/token', body);

const b64 = (s) => Buffer.from(s).toString('base64url');
const jwt = (header, payload, sig = 'c2lnbmF0dXJl') =>
  `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${sig}`;
const goodShape = jwt({ alg: 'HS256', typ: 'JWT' },
  { sub: 'u', exp: 4102444800 });
// A user JWT with a valid signature.
function signed(payload) {
  const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', USER_JWT_SECRET).update(input).digest('base64url')}`;
}
const tokenBody = '{"room_name":"r1","identity":"u"}';
// A token request without an API key but with this Authorization header.
const bearer = (value) => req('POST /api/livekit/token HTTP/1.1',
  [HOST, JSON_CT, `Authorization: ${value}`], tokenBody);

const nest = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
const big = (n, c = 'a') => c.repeat(n);

// Wrong types for every field of the two routes' bodies: fields is
// {name: type}, and each value of another type is sent.
const wrong = { number: 1, boolean: true, string: 'x', array: ['x'],
  object: { a: 'b' } };
function wrongTypes(route, fields, base) {
  const out = [];
  for (const [f, type] of Object.entries(fields)) {
    for (const [t, v] of Object.entries(wrong)) {
      if (t === type) continue;
      const body = JSON.stringify({ ...base, [f]: v });
      out.push({ name: `${route} ${f} = ${JSON.stringify(v)}`,
        send: post(route, body), expect: 400 });
    }
  }
  return out;
}

const header17k = `X-Big: ${big(17 * 1024)}`;
const manyHeaders = (n) => Array.from({ length: n }, (_, i) => `X-H${i}: ${i}`);

export const cases = [
  // --- sanity: the same connection handling answers plain requests ---
  { name: 'plain GET /health', send: get('/health'), expect: 200 },
  { name: 'HTTP/1.0 GET /health', send: req('GET /health HTTP/1.0'),
    expect: 200 },

  // --- oversized and malformed headers ---
  { name: 'request line + headers over 16 KiB (one 17 KiB header)',
    send: req('GET /health HTTP/1.1', [HOST, header17k]),
    expect: [400, 413, 431, 'closed'] },
  { name: 'huge single header (64 KiB)',
    send: req('GET /health HTTP/1.1', [HOST, `X-Huge: ${big(65536)}`]),
    expect: [400, 413, 431, 'closed'] },
  { name: 'very many headers (2000, over 16 KiB together)',
    send: req('GET /health HTTP/1.1', [HOST, ...manyHeaders(2000)]),
    expect: [400, 413, 431, 'closed'] },
  { name: 'many headers under the limit (500)',
    send: req('GET /health HTTP/1.1', [HOST, ...manyHeaders(500)]),
    expect: 200 },
  { name: 'request line over 16 KiB',
    send: get(`/health?${big(17000)}`), expect: [400, 413, 414, 431, 'closed'] },
  { name: 'header line without a colon',
    send: req('GET /health HTTP/1.1', [HOST, 'NoColonHere']), expect: 400 },
  { name: 'obs-fold continuation line',
    send: req('GET /health HTTP/1.1', [HOST, 'X-A: one', ' folded two']),
    expect: [200, 400] },
  { name: 'obs-fold continuation before any header',
    send: req('GET /health HTTP/1.1', [' folded', HOST]), expect: 400 },
  { name: 'obs-fold continuing X-API-Key',
    send: req('GET /api/sessions/' + UUID + ' HTTP/1.1',
      [HOST, 'X-API-Key: hostile-app-key-', ' 0123456789']),
    expect: [400, 401] },
  { name: 'CR without LF inside a header value',
    send: req('GET /health HTTP/1.1', [HOST, 'X-A: a\rb']),
    expect: [200, 400] },
  { name: 'CR without LF ending the request line',
    send: `GET /health HTTP/1.1\r${HOST}\r\n\r\n`, expect: [400, 'closed'] },
  { name: 'bare LF line endings',
    send: `GET /health HTTP/1.1\n${HOST}\n\n`, expect: 200 },
  { name: 'mixed CRLF and LF',
    send: `GET /health HTTP/1.1\r\n${HOST}\nX-A: b\r\n\n`, expect: 200 },
  { name: 'NUL byte in a header value',
    send: req('GET /health HTTP/1.1', [HOST, 'X-A: a\x00b']),
    expect: [200, 400], note: 'libevent keeps the value up to the NUL' },
  { name: 'NUL byte in a header name',
    send: req('GET /health HTTP/1.1', [HOST, 'X-\x00A: b']),
    expect: [200, 400] },
  { name: 'NUL byte in the path',
    send: req('GET /hea\x00lth HTTP/1.1', [HOST]), expect: [400, 404] },
  { name: 'NUL byte in X-API-Key',
    send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
      [HOST, `X-API-Key: ${KEY}\x00tail`]), expect: [400, 401],
    known: 'libevent 2.1 cuts header values at a NUL byte, so KEY<NUL>tail ' +
      'authenticates as KEY (404 from the session lookup)' },
  { name: 'space before the colon', send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
    [HOST, `X-API-Key : ${KEY}`]), expect: 400 },
  { name: 'empty header name', send: req('GET /health HTTP/1.1',
    [HOST, ': value']), expect: 400 },
  { name: 'header name with a space', send: req('GET /health HTTP/1.1',
    [HOST, 'X A: b']), expect: 400 },
  { name: 'header name with a slash', send: req('GET /health HTTP/1.1',
    [HOST, 'X/A: b']), expect: 400 },
  { name: 'bytes 0x80-0xff in a header value', send: req(
    'GET /health HTTP/1.1', [HOST, 'X-A: \xc3\x28\xff\xfe']), expect: 200 },
  { name: 'two Host headers', send: req('GET /health HTTP/1.1',
    [HOST, 'Host: evil.example']), expect: 400 },
  { name: 'HTTP/1.1 without Host', send: req('GET /health HTTP/1.1'),
    expect: 400 },
  { name: 'HTTP/1.0 without Host', send: req('GET /health HTTP/1.0'),
    expect: 200 },
  { name: 'empty lines before the request line',
    send: `\r\n\r\n${get('/health')}`, expect: [200, 400] },
  { name: 'two spaces in the request line',
    send: req('GET  /health HTTP/1.1', [HOST]), expect: [200, 400, 404] },
  { name: 'tab in the request line',
    send: req('GET\t/health HTTP/1.1', [HOST]), expect: [400, 404, 'closed'] },
  { name: 'request line with four words',
    send: req('GET /health HTTP/1.1 extra', [HOST]), expect: 400 },

  // --- request lines: versions, methods, targets ---
  { name: 'HTTP/0.9 request line', send: 'GET /health\r\n\r\n',
    expect: [400, 505, 'closed'] },
  { name: 'HTTP/2.0 request line', send: req('GET /health HTTP/2.0', [HOST]),
    expect: [400, 505] },
  { name: 'HTTP/2 connection preface',
    send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: [400, 505, 'closed'] },
  { name: 'HTTP/1.2', send: req('GET /health HTTP/1.2', [HOST]),
    expect: [400, 505] },
  { name: 'HTTP/3.0', send: req('GET /health HTTP/3.0', [HOST]),
    expect: [400, 505] },
  { name: 'lowercase http/1.1', send: req('GET /health http/1.1', [HOST]),
    expect: 400 },
  { name: 'HTTP/01.1', send: req('GET /health HTTP/01.1', [HOST]),
    expect: [200, 400] },
  { name: 'HTTP/1.1 with a huge minor',
    send: req('GET /health HTTP/1.99999999999', [HOST]),
    expect: [400, 505] },
  { name: 'unknown method', send: req('FOO /health HTTP/1.1', [HOST]),
    expect: [400, 405, 501] },
  { name: 'lowercase method', send: req('get /health HTTP/1.1', [HOST]),
    expect: [400, 405, 501] },
  { name: 'TRACE', send: req('TRACE /health HTTP/1.1', [HOST]),
    expect: [405, 501] },
  { name: 'CONNECT authority-form',
    send: req('CONNECT 127.0.0.1:443 HTTP/1.1', [HOST]),
    expect: [400, 405, 501] },
  { name: 'PUT on /health', send: req('PUT /health HTTP/1.1', [HOST], ''),
    expect: 405 },
  { name: 'absolute-form URI', send: req('GET http://127.0.0.1/health HTTP/1.1',
    [HOST]), expect: 200 },
  { name: 'absolute-form URI naming another host',
    send: req('GET http://evil.example/health HTTP/1.1', [HOST]), expect: 200 },
  { name: 'absolute-form with an ftp scheme',
    send: req('GET ftp://x/health HTTP/1.1', [HOST]), expect: [200, 400, 404] },
  { name: 'asterisk-form GET', send: req('GET * HTTP/1.1', [HOST]),
    expect: [400, 404] },
  { name: 'OPTIONS *', send: req('OPTIONS * HTTP/1.1', [HOST]),
    expect: [200, 204, 400, 404] },
  { name: 'empty request target', send: req('GET  HTTP/1.1', [HOST]),
    expect: [400, 404] },
  { name: 'garbage bytes (the start of a TLS ClientHello)',
    send: Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
      'latin1'), expect: [400, 'closed'] },
  { name: 'just CRLFs then EOF', send: '\r\n\r\n\r\n', expect: [400, 'closed'] },
  { name: 'nothing at all then EOF', send: '', expect: 'closed' },

  // --- Content-Length and Transfer-Encoding ---
  { name: 'Content-Length shorter than the body',
    send: req('POST /api/sessions HTTP/1.1',
      [HOST, JSON_CT, AUTH, 'Content-Length: 5'], '{"user_id":"u"}',
      { length: false }), expect: 400 },
  { name: 'Content-Length longer than the body, then EOF',
    send: req('POST /api/sessions HTTP/1.1',
      [HOST, JSON_CT, AUTH, 'Content-Length: 100'], '{"user_id":"u"}',
      { length: false }), expect: 'closed' },
  { name: 'negative Content-Length', send: req('POST /api/sessions HTTP/1.1',
    [HOST, JSON_CT, AUTH, 'Content-Length: -1'], '{}', { length: false }),
  expect: [400, 'closed'] },
  { name: 'non-numeric Content-Length',
    send: req('POST /api/sessions HTTP/1.1',
      [HOST, JSON_CT, AUTH, 'Content-Length: ten'], '{}', { length: false }),
    expect: [400, 'closed'] },
  { name: 'Content-Length with a plus sign',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: +15'], '{"user_id":"u"}', { length: false }),
    expect: 400 },
  { name: 'hexadecimal Content-Length',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 0xf'], '{"user_id":"u"}', { length: false }),
    expect: [400, 'closed'] },
  { name: 'Content-Length beyond 2^64',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 99999999999999999999999'], '{}', { length: false }),
    expect: [400, 413, 'closed'] },
  { name: 'Content-Length of 1 GB, no body',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 1000000000'], '', { length: false }),
    expect: [413, 'closed'] },
  { name: 'two equal Content-Length headers',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 15', 'Content-Length: 15'], '{"user_id":"u"}',
    { length: false }), expect: 400 },
  { name: 'two different Content-Length headers',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 15', 'Content-Length: 2'], '{"user_id":"u"}',
    { length: false }), expect: 400 },
  { name: 'Content-Length list "15, 15"',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 15, 15'], '{"user_id":"u"}', { length: false }),
    expect: 400 },
  // (The admin key: it mints for any room; the app key only for sessions.)
  { name: 'chunked body',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, ADMIN,
      'Transfer-Encoding: chunked'],
    `${tokenBody.length.toString(16)}\r\n${tokenBody}\r\n0\r\n\r\n`,
    { length: false }), expect: 200 },
  { name: 'chunked with a non-hex chunk size',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n',
    { length: false }), expect: [400, 413, 'closed'],
    note: 'libevent answers a corrupt chunk with 413' },
  { name: 'chunked with a negative chunk size',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], '-5\r\nabcde\r\n0\r\n\r\n',
    { length: false }), expect: [400, 413, 'closed'] },
  { name: 'chunked with an overflowing chunk size',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], 'ffffffffffffffffffff\r\nab\r\n0\r\n\r\n',
    { length: false }), expect: [400, 413, 'closed'] },
  { name: 'chunked with a chunk over the body limit',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], '7fffffff\r\nab',
    { length: false }), expect: [400, 413, 'closed'] },
  { name: 'chunked with a chunk shorter than announced, then EOF',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], '40\r\n{}\r\n0\r\n\r\n',
    { length: false }), expect: 'closed' },
  { name: 'chunked without the final chunk, then EOF',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'], `2\r\n{}\r\n`, { length: false }),
    expect: 'closed' },
  { name: 'chunk extension', send: req('POST /api/livekit/token HTTP/1.1',
    [HOST, JSON_CT, AUTH, 'Transfer-Encoding: chunked'],
    `${tokenBody.length.toString(16)};ext=1\r\n${tokenBody}\r\n0\r\n\r\n`,
    { length: false }), expect: [200, 413],
    note: 'RFC 9112 7.1.1 says ignore it; libevent 2.1 refuses it (413)' },
  { name: 'Transfer-Encoding and Content-Length together',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Content-Length: 4', 'Transfer-Encoding: chunked'],
    `${tokenBody.length.toString(16)}\r\n${tokenBody}\r\n0\r\n\r\n`,
    { length: false }), expect: 400,
    note: 'RFC 9112 6.1; hostile.test.mjs checks that the connection closes' },
  { name: 'Transfer-Encoding: gzip, chunked',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: gzip, chunked'],
    `${tokenBody.length.toString(16)}\r\n${tokenBody}\r\n0\r\n\r\n`,
    { length: false }), expect: [400, 501] },
  { name: 'two Transfer-Encoding headers',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
    `${tokenBody.length.toString(16)}\r\n${tokenBody}\r\n0\r\n\r\n`,
    { length: false }), expect: [400, 'closed'] },
  { name: 'Transfer-Encoding: xchunked with a Content-Length',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: xchunked'], tokenBody),
    expect: [400, 501] },
  { name: 'body on GET /health', send: req('GET /health HTTP/1.1', [HOST],
    'ignored body'), expect: 200 },
  { name: 'body over the limit with Content-Length',
    send: post('/api/sessions', `{"user_id":"u","x":"${big(70000)}"}`),
    expect: 413 },
  { name: 'body far over the limit, chunked',
    send: req('POST /api/sessions HTTP/1.1', [HOST, JSON_CT, AUTH,
      'Transfer-Encoding: chunked'],
    `${(200000).toString(16)}\r\n${big(200000)}\r\n0\r\n\r\n`,
    { length: false }), expect: [413, 'closed'] },

  // --- paths: encodings and tricks, in session ids and room names ---
  { name: 'session id %2e%2e', send: getKey('/api/sessions/%2e%2e'),
    expect: 404 },
  { name: 'session id .%2E', send: getKey('/api/sessions/.%2E'), expect: 404 },
  { name: 'session id ..', send: getKey('/api/sessions/..'), expect: 404 },
  { name: 'session id %2f', send: getKey(`/api/sessions/${UUID}%2f`),
    expect: 404 },
  { name: 'session id ..%2f..%2fhealth',
    send: getKey('/api/sessions/..%2f..%2fhealth'), expect: 404 },
  { name: 'session id double-encoded %252f',
    send: getKey('/api/sessions/a%252fb'), expect: 400 },
  { name: 'session id double-encoded %252e%252e',
    send: getKey('/api/sessions/%252e%252e'), expect: 400 },
  { name: 'session id with overlong UTF-8 dots %c0%ae%c0%ae',
    send: getKey('/api/sessions/%c0%ae%c0%ae'), expect: 400 },
  { name: 'session id with an overlong slash %c0%af',
    send: getKey(`/api/sessions/${UUID}%c0%af`), expect: 400 },
  { name: 'session id %00', send: getKey(`/api/sessions/${UUID}%00`),
    expect: 404 },
  { name: 'session id with a bad escape %zz', send: getKey('/api/sessions/%zz'),
    expect: 404 },
  { name: 'session id with a truncated escape',
    send: getKey(`/api/sessions/${UUID}%4`), expect: 404 },
  { name: 'session id in upper case',
    send: getKey(`/api/sessions/${UUID.toUpperCase()}`), expect: 400 },
  { name: 'session id percent-encoded in full', send: getKey(
    `/api/sessions/${[...UUID].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`),
  expect: 404, note: 'decodes to a valid UUID, not live in the emulator' },
  { name: 'session id with ;params', send: getKey(`/api/sessions/${UUID};x=1`),
    expect: 400 },
  { name: 'session id of 300 characters',
    send: getKey(`/api/sessions/${big(300)}`), expect: 404 },
  { name: 'double slash //api/sessions',
    send: getKey(`//api/sessions/${UUID}`), expect: 404 },
  { name: 'double slash inside', send: getKey(`/api//sessions/${UUID}`),
    expect: 404 },
  { name: 'dot segment /./', send: getKey(`/api/./sessions/${UUID}`),
    expect: 404 },
  { name: 'dot-dot segment climbing back',
    send: getKey(`/api/x/../sessions/${UUID}`), expect: 404 },
  { name: 'trailing slash', send: getKey(`/api/sessions/${UUID}/`),
    expect: 404 },
  { name: 'trailing slash on /health', send: get('/health/'), expect: 404 },
  { name: 'backslash separator', send: getKey(`/api\\sessions\\${UUID}`),
    expect: [400, 404] },
  { name: 'encoded slash in a literal segment', send: get('/api%2fhealth'),
    expect: 404 },
  { name: 'encoded letter in a literal segment', send: get('/h%65alth'),
    expect: 404 },
  { name: 'upper-case route', send: get('/HEALTH'), expect: 404 },
  { name: 'query string on /health', send: get('/health?x=1&x=2'),
    expect: 200 },
  { name: 'fragment in the target', send: get('/health#frag'),
    expect: [200, 400, 404] },
  { name: 'encoded question mark', send: get('/health%3Fx=1'), expect: 404 },
  { name: 'raw space in the path', send: req('GET /hea lth HTTP/1.1', [HOST]),
    expect: [400, 404] },
  { name: 'path of 8000 characters', send: get(`/${big(8000)}`), expect: 404 },
  { name: 'path of 20000 characters', send: get(`/${big(20000)}`),
    expect: [400, 413, 414, 431, 'closed'] },
  { name: 'room name %2e%2e', send: getAdmin('/api/livekit/rooms/%2e%2e'),
    expect: 404 },
  { name: 'room name a%2fb', send: getAdmin('/api/livekit/rooms/a%2fb'),
    expect: 404 },
  { name: 'room name double-encoded %252e%252e',
    send: getAdmin('/api/livekit/rooms/%252e%252e'), expect: 400 },
  { name: 'room name with overlong UTF-8 %c0%ae',
    send: getAdmin('/api/livekit/rooms/%c0%ae'), expect: 400 },
  { name: 'room name with a space', send: getAdmin('/api/livekit/rooms/a%20b'),
    expect: 400 },
  { name: 'room name of 200 characters',
    send: getAdmin(`/api/livekit/rooms/${big(200)}`), expect: 400 },
  { name: 'room join with %2e%2e', send: post('/api/livekit/rooms/%2e%2e/join',
    '', [HOST, ADMIN]), expect: 404 },
  { name: 'room delete with an encoded slash',
    send: req('DELETE /api/livekit/rooms/..%2Fx HTTP/1.1', [HOST, ADMIN]),
    expect: 404 },
  { name: 'legacy end with %2e%2e',
    send: post('/api/session/%2e%2e/end', ''), expect: 404 },
  { name: 'token for room_name "../x"', send: token(
    '{"room_name":"../x","identity":"u"}'), expect: 400 },
  { name: 'token for room_name "a/b"', send: token(
    '{"room_name":"a/b","identity":"u"}'), expect: 400 },
  { name: 'token for room_name "%2e%2e"', send: token(
    '{"room_name":"%2e%2e","identity":"u"}'), expect: 400 },
  { name: 'token for room_name with NUL escape', send: token(
    '{"room_name":"a\\u0000b","identity":"u"}'), expect: 400 },

  // --- bodies: bytes, UTF-8, JSON syntax and numbers ---
  { name: 'NUL byte in the body', send: session('{"user_id":"u\x00"}'),
    expect: 400 },
  { name: 'NUL byte after the object', send: session('{"user_id":"u"}\x00'),
    expect: 400 },
  { name: 'invalid UTF-8: lone continuation byte',
    send: session('{"user_id":"u","goal":"\x80"}'), expect: 400 },
  { name: 'invalid UTF-8: 0xff', send: session('{"user_id":"u","goal":"\xff"}'),
    expect: 400 },
  { name: 'invalid UTF-8: overlong slash',
    send: session('{"user_id":"u","goal":"\xc0\xaf"}'), expect: 400 },
  { name: 'invalid UTF-8: encoded surrogate',
    send: session('{"user_id":"u","goal":"\xed\xa0\x80"}'), expect: 400 },
  { name: 'invalid UTF-8: truncated sequence',
    send: session('{"user_id":"u","goal":"\xe2\x82"}'), expect: 400 },
  { name: 'invalid UTF-8: above U+10FFFF',
    send: session('{"user_id":"u","goal":"\xf4\x90\x80\x80"}'), expect: 400 },
  { name: 'invalid UTF-8 in a key', send: session('{"user_id":"u","\xff":1}'),
    expect: 400 },
  { name: 'BOM before the body', send: session('\xef\xbb\xbf{"user_id":"u"}'),
    expect: 400 },
  { name: 'nesting 33 deep', send: session(`{"user_id":"u","x":${nest(32)}}`),
    expect: 400 },
  { name: 'nesting 32 deep', send: session(`{"user_id":"u","x":${nest(31)}}`),
    expect: 200 },
  { name: 'nesting 5000 deep', send: session(`{"x":${nest(5000)}}`),
    expect: 400 },
  { name: 'unbalanced nesting', send: session(`{"user_id":"u","x":${'['.repeat(100)}}`),
    expect: 400 },
  { name: 'duplicate key', send: session('{"user_id":"a","user_id":"b"}'),
    expect: 400 },
  { name: 'duplicate key through an escape',
    send: session('{"user_id":"a","\\u0075ser_id":"b"}'), expect: 400 },
  { name: 'duplicate key in a nested object', send: session(
    '{"user_id":"u","x":{"k":1,"k":2}}'), expect: 400 },
  { name: 'number 1e400 in an unknown field',
    send: session('{"user_id":"u","n":1e400}'), expect: 200 },
  { name: 'number -0 as is_multi_agent',
    send: session('{"user_id":"u","is_multi_agent":-0}'), expect: 400 },
  { name: 'number 9007199254740993 as user_id',
    send: session('{"user_id":9007199254740993}'), expect: 400 },
  { name: 'number 1e400 as user_id', send: session('{"user_id":1e400}'),
    expect: 400 },
  { name: 'number with a leading zero', send: session('{"user_id":"u","n":01}'),
    expect: 400 },
  { name: 'number 1.', send: session('{"user_id":"u","n":1.}'), expect: 400 },
  { name: 'number +1', send: session('{"user_id":"u","n":+1}'), expect: 400 },
  { name: 'NaN', send: session('{"user_id":"u","n":NaN}'), expect: 400 },
  { name: 'Infinity', send: session('{"user_id":"u","n":-Infinity}'),
    expect: 400 },
  { name: 'trailing comma', send: session('{"user_id":"u",}'), expect: 400 },
  { name: 'single quotes', send: session("{'user_id':'u'}"), expect: 400 },
  { name: 'comment in the body', send: session('{"user_id":"u"/*c*/}'),
    expect: 400 },
  { name: 'two objects', send: session('{"user_id":"u"}{"user_id":"v"}'),
    expect: 400 },
  { name: 'trailing garbage', send: session('{"user_id":"u"} x'), expect: 400 },
  { name: 'raw control byte in a string',
    send: session('{"user_id":"u","goal":"a\x01b"}'), expect: 400 },
  { name: 'raw control byte as whitespace', send: session('{\x0c"user_id":"u"}'),
    expect: 400 },
  { name: 'escaped NUL \\u0000', send: session('{"user_id":"u\\u0000v"}'),
    expect: 400 },
  { name: 'lone surrogate escape', send: session('{"user_id":"u","goal":"\\ud800"}'),
    expect: 400 },
  { name: 'escaped control character in goal',
    send: session('{"user_id":"u","goal":"a\\u0007b"}'), expect: 400 },
  { name: 'top-level null', send: session('null'), expect: 400 },
  { name: 'top-level array', send: session('[{"user_id":"u"}]'), expect: 400 },
  { name: 'whitespace-only body', send: session(' \r\n\t'), expect: 400 },
  { name: 'empty body', send: session(''), expect: 400 },
  { name: 'JSON without Content-Type', send: post('/api/sessions',
    '{"user_id":"u"}', [HOST, AUTH]), expect: 415 },
  { name: 'Content-Type application/json-patch+json', send: post(
    '/api/sessions', '{"user_id":"u"}', [HOST, AUTH,
      'Content-Type: application/json-patch+json']), expect: 415 },
  { name: 'Content-Type in capitals', send: post('/api/sessions',
    '{"user_id":"u"}', [HOST, AUTH, 'Content-Type: APPLICATION/JSON']),
  expect: 200 },
  { name: 'user_id with a NUL escape in the middle',
    send: session('{"user_id":"adm\\u0000in"}'), expect: 400 },
  { name: 'user_id of 129 characters',
    send: session(`{"user_id":"${big(129)}"}`), expect: 400 },
  { name: 'user_id with a slash', send: session('{"user_id":"../u"}'),
    expect: 400 },
  { name: 'user_id null (absent, and required)',
    send: session('{"user_id":null}'), expect: 400 },
  ...wrongTypes('/api/sessions', { user_id: 'string', language: 'string',
    scenario_id: 'string', goal: 'string', agent_profile_id: 'string',
    is_multi_agent: 'boolean' }, { user_id: 'u' }),
  ...wrongTypes('/api/livekit/token', { room_name: 'string',
    participant_identity: 'string', identity: 'string',
    participant_name: 'string', participant_metadata: 'string',
    participant_attributes: 'object' }, { room_name: 'r', identity: 'u' }),
  { name: 'participant_attributes with a number value', send: token(
    '{"room_name":"r","identity":"u","participant_attributes":{"a":1}}'),
  expect: 400 },
  { name: 'participant_attributes with a null value', send: token(
    '{"room_name":"r","identity":"u","participant_attributes":{"a":null}}'),
  expect: 400 },

  // --- the public app key and principals of other sources ---
  { name: 'app key: token for a room that is no session room',
    send: token('{"room_name":"alices-room","identity":"alice"}'), expect: 403 },
  { name: 'app key: legacy token for a room that is no session room',
    send: post('/livekit/token', '{"room_name":"alices-room","identity":"alice"}'),
    expect: 403 },
  { name: 'app key: token for a session-named room that does not exist',
    send: token(`{"room_name":"eloquence-${UUID}","identity":"u"}`), expect: 404 },
  { name: 'app key: token for a session-named room without session metadata',
    send: token(`{"room_name":"${FOREIGN_SESSION_ROOM}","identity":"u"}`),
    expect: 403 },
  { name: 'app key: rooms route', send: getKey('/api/livekit/rooms'), expect: 403 },
  { name: 'session GET of a session-named room without session metadata',
    send: getKey(`/api/sessions/${FOREIGN_SESSION_ID}`), expect: 404 },
  { name: 'session DELETE of a session-named room without session metadata',
    send: req(`DELETE /api/sessions/${FOREIGN_SESSION_ID} HTTP/1.1`, [HOST, AUTH]),
    expect: 404 },
  { name: 'legacy end of a session-named room without session metadata',
    send: post(`/api/session/${FOREIGN_SESSION_ID}/end`, ''), expect: 404 },
  { name: 'Bearer JWT, validly signed, whose sub poses as a web-login user',
    send: bearer(`Bearer ${signed({ sub: 'oidc:alice', exp: 4102444800 })}`),
    expect: 401 },
  { name: 'Bearer JWT, validly signed, whose sub poses as an API key',
    send: bearer(`Bearer ${signed({ sub: 'key:ops', exp: 4102444800 })}`),
    expect: 401 },
  { name: 'Bearer JWT, validly signed, an ordinary sub (sanity)',
    send: req('POST /api/livekit/token HTTP/1.1', [HOST, JSON_CT,
      `Authorization: Bearer ${signed({ sub: 'alice', exp: 4102444800 })}`],
    '{"room_name":"no-such-room"}'), expect: 404 },

  // --- credentials: tampered and oversized ---
  { name: 'X-API-Key of 10 KiB', send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
    [HOST, `X-API-Key: ${big(10240)}`]), expect: 401 },
  { name: 'X-API-Key of 20 KiB (over the header limit)',
    send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
      [HOST, `X-API-Key: ${big(20480)}`]),
    expect: [400, 413, 431, 'closed'] },
  { name: 'X-API-Key holding a JWT', send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
    [HOST, `X-API-Key: ${goodShape}`]), expect: 401 },
  { name: 'X-API-Key one byte short', send: req(`GET /api/sessions/${UUID} HTTP/1.1`,
    [HOST, `X-API-Key: ${KEY.slice(0, -1)}`]), expect: 401 },
  { name: 'X-API-Key with one byte changed', send: req(
    `GET /api/sessions/${UUID} HTTP/1.1`,
    [HOST, `X-API-Key: ${KEY.slice(0, -1)}X`]), expect: 401 },
  { name: 'X-API-Key with the key as a prefix', send: req(
    `GET /api/sessions/${UUID} HTTP/1.1`, [HOST, `X-API-Key: ${KEY}${KEY}`]),
  expect: 401 },
  { name: 'X-API-Key in lower case', send: req(
    `GET /api/sessions/${UUID} HTTP/1.1`, [HOST, `X-API-Key: ${KEY.toUpperCase()}`]),
  expect: 401 },
  { name: 'Bearer JWT with a forged signature', send: bearer(`Bearer ${goodShape}`),
    expect: 401 },
  { name: 'Bearer JWT with alg none', send: bearer(
    `Bearer ${jwt({ alg: 'none' }, { sub: 'u', exp: 4102444800 }, '')}`),
  expect: 401 },
  { name: 'Bearer JWT with alg HS512', send: bearer(
    `Bearer ${jwt({ alg: 'HS512' }, { sub: 'u', exp: 4102444800 })}`),
  expect: 401 },
  { name: 'Bearer JWT with a crit header', send: bearer(
    `Bearer ${jwt({ alg: 'HS256', crit: ['x'] }, { sub: 'u' })}`),
  expect: 401 },
  { name: 'Bearer JWT of 12 KiB', send: bearer(
    `Bearer ${jwt({ alg: 'HS256' }, { sub: 'u', pad: big(9000) })}`),
  expect: 401 },
  { name: 'Bearer JWT over the header limit', send: bearer(
    `Bearer ${jwt({ alg: 'HS256' }, { sub: 'u', pad: big(20000) })}`),
  expect: [400, 413, 431, 'closed'] },
  { name: 'Bearer with four segments', send: bearer('Bearer a.b.c.d'),
    expect: 401 },
  { name: 'Bearer with padding in base64', send: bearer(
    `Bearer ${b64('{"alg":"HS256"}')}==.e30.c2ln`), expect: 401 },
  { name: 'Bearer and nothing else', send: bearer('Bearer'), expect: 401 },
  { name: 'Basic credentials', send: bearer(`Basic ${b64(`u:${KEY}`)}`),
    expect: 401 },
  { name: 'webhook without a signature', send: req(
    'POST /api/livekit/webhook HTTP/1.1',
    [HOST, 'Content-Type: application/webhook+json'], '{"event":"x"}'),
  expect: 401 },
  { name: 'webhook with a forged signature', send: req(
    'POST /api/livekit/webhook HTTP/1.1', [HOST,
      'Content-Type: application/webhook+json', `Authorization: ${goodShape}`],
    '{"event":"x"}'), expect: 401 },
];
