// Hostile input on the wire: every case of hostile-cases.mjs goes out as
// raw bytes on its own connection (node:net, so the bytes are exactly as
// written), and the status line of the answer, or the connection closing
// without one, must be what the case expects.  Then slow-loris clients
// must not stall anyone else, and lkgate must still be healthy and stop
// cleanly (under `make asan`: without a sanitizer report or a leak).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/emulator.mjs';
import { freePort, lkgateBin, request, startLkgate } from './lib.mjs';
import {
  ADMIN_KEY, FOREIGN_SESSION_ROOM, KEY, USER_JWT_SECRET, cases,
} from './hostile-cases.mjs';

const LK_KEY = 'APIhostile';
const LK_SECRET = 'hostile-livekit-secret-of-32-characters';
const ANSWER_TIMEOUT_MS = 5000;
const LORIS = 50;
const LORIS_HEALTH_MS = 500;
const SEEDED_ROOMS = 1200;

let lk;
let gw;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The status of the first line of an answer, or what that line was.
function statusOf(buf) {
  const line = buf.toString('latin1').split('\n')[0];
  const m = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(line);
  return m ? Number(m[1]) : `garbage: ${JSON.stringify(line.slice(0, 60))}`;
}

/**
 * Sends data (string as latin1, Buffer, or an array of them) on a new
 * connection, half-closes it and resolves with the answer's status,
 * 'closed' when the server closed without answering, or 'timeout'.
 */
function sendRaw(port, data, timeout = ANSWER_TIMEOUT_MS) {
  const chunks = (Array.isArray(data) ? data : [data])
    .map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1')));
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = net.connect(port, '127.0.0.1');
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeout);
    sock.on('connect', () => {
      for (const c of chunks) sock.write(c);
      sock.end();
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.includes(10)) finish(statusOf(buf));
    });
    // A reset (the server closing with our bytes unread) is a close too.
    const closed = () => finish(buf.length > 0 ? statusOf(buf) : 'closed');
    sock.on('end', closed);
    sock.on('error', closed);
    sock.on('close', closed);
  });
}

const fmt = (e) => (Array.isArray(e) ? `one of ${e.join(', ')}` : String(e));

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `hostile:${KEY},ops:${ADMIN_KEY}:admin`,
      LKGATE_USER_JWT_SECRET: USER_JWT_SECRET,
    },
  });
  lk.addParticipant(FOREIGN_SESSION_ROOM, { identity: 'someone' });
  // Rooms enough that LiveKit's room list is over 1 MiB, as one user
  // making rooms could make it: the list must still answer.
  for (let i = 0; i < SEEDED_ROOMS; i++) {
    lk.addRoom(`seeded-${String(i).padStart(4, '0')}`, { metadata: 'm'.repeat(1024) });
  }
});

after(async () => {
  await lk?.close();
});

describe('hostile requests', () => {
  it('has at least 100 cases, each with an explicit expectation', () => {
    assert.ok(cases.length >= 100, `${cases.length} cases`);
    for (const c of cases) {
      assert.ok(c.expect !== undefined, c.name);
      assert.equal(new Set(cases.map((x) => x.name)).size, cases.length,
        'case names are unique');
    }
  });

  // A case with `known` is a defect lkgate cannot fix by itself yet: it
  // runs as a TODO, so it is reported without failing the suite.
  for (const c of cases) {
    const opts = c.known ? { todo: c.known } : {};
    it(`${c.name}: ${fmt(c.expect)}`, opts, async () => {
      const got = await sendRaw(gw.port, c.send, c.timeout);
      const want = Array.isArray(c.expect) ? c.expect : [c.expect];
      assert.ok(want.includes(got), `got ${got}, want ${fmt(c.expect)}`);
    });
  }
});

// Opens a connection that sends a request a few bytes at a time and never
// finishes it: half of them in the headers, half in a promised body.
function loris(port, i) {
  const sock = net.connect(port, '127.0.0.1');
  const head = i % 2 === 0
    ? 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '
    : `POST /api/sessions HTTP/1.1\r\nHost: x\r\nX-API-Key: ${KEY}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{';
  const state = { sock, closedByServer: false, timer: null };
  sock.on('error', () => {});
  sock.on('close', () => {
    state.closedByServer = true;
    clearInterval(state.timer);
  });
  sock.on('connect', () => {
    sock.write(head);
    state.timer = setInterval(() => sock.write('a'), 100);
  });
  return state;
}

describe('slow-loris clients', () => {
  it(`/health answers within ${LORIS_HEALTH_MS} ms while ${LORIS} clients dribble`, async () => {
    const clients = Array.from({ length: LORIS }, (_, i) => loris(gw.port, i));
    try {
      await sleep(300);
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const res = await request(`${gw.url}/health`, { agent: false });
        const ms = performance.now() - t0;
        assert.equal(res.status, 200);
        assert.ok(ms < LORIS_HEALTH_MS, `/health took ${ms.toFixed(0)} ms`);
        await sleep(50);
      }
      const open = clients.filter((c) => !c.closedByServer).length;
      assert.ok(open > 0, 'the slow clients were still connected');
    } finally {
      for (const c of clients) {
        clearInterval(c.timer);
        c.sock.destroy();
      }
    }
  });
});

// The environment every extra lkgate of the tests below starts with.
const baseEnv = () => ({
  LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
  LIVEKIT_API_KEY: LK_KEY,
  LIVEKIT_API_SECRET: LK_SECRET,
  LKGATE_API_KEYS: `hostile:${KEY},ops:${ADMIN_KEY}:admin`,
});

// The value of an unlabelled metric of /metrics.
async function metric(url, name) {
  const res = await request(`${url}/metrics`, { agent: false });
  const m = new RegExp(`^lkgate_${name} (\\d+)$`, 'm').exec(res.text);
  return m ? Number(m[1]) : undefined;
}

// A connection from a loopback address other than 127.0.0.1; resolves
// once connected, rejects when it cannot connect (never hangs).
// state.closed turns true when the server closes it.
function connectFrom(port, localAddress) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const state = { sock, closed: false, data: '', timer: null };
    sock.on('error', (err) => reject(err));
    sock.on('data', (d) => { state.data += d.toString('latin1'); });
    sock.on('close', () => {
      state.closed = true;
      clearInterval(state.timer);
    });
    sock.on('connect', () => resolve(state));
  });
}

// Polls an unlabelled metric until it equals want (true), or ms pass.
async function settles(url, name, want, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await metric(url, name) === want) return true;
    await sleep(50);
  }
  return false;
}

const waitFor = async (cond, ms) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
  return cond();
};

describe('forged user JWTs cost no signature check once throttled', () => {
  const keys = Array.from({ length: 8 },
    () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let g;
  let dir;

  const es256 = (key, header) => {
    const t = Math.floor(Date.now() / 1000);
    const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b({ alg: 'ES256', typ: 'JWT', ...header })}.` +
      b({ sub: 'zoe', iat: t, exp: t + 600 });
    const sig = cryptoSign('sha256', Buffer.from(input),
      { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  };
  const call = (jwt) => request(`${g.url}/api/livekit/token`, {
    method: 'POST', agent: false,
    headers: { Authorization: `Bearer ${jwt}` },
    body: { room_name: 'any-room' },
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lkgate-hostile-'));
    fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({
      keys: keys.map((k, i) =>
        ({ ...k.publicKey.export({ format: 'jwk' }), kid: `k${i}` })),
    }));
    g = await startLkgate({ env: { ...baseEnv(),
      LKGATE_USER_JWT_JWKS_FILE: path.join(dir, 'jwks.json'),
      LKGATE_RATE_LIMITS: 'token=4/1m' } });
  });
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    const { code } = await g.stop();
    assert.equal(code, 0, g.stderr().split('\n').slice(-20).join('\n'));
  });

  let valid;
  it('a valid token is verified once, then taken from the cache', async () => {
    valid = es256(keys[3].privateKey, { kid: 'k3' });
    for (let i = 0; i < 3; i++) {
      const res = await call(valid);
      assert.ok(res.status !== 401 && res.status !== 429,
        `${res.status} ${res.text}`);
    }
    assert.equal(await metric(g.url, 'user_jwt_verifications_total'), 1);
    assert.equal(await metric(g.url, 'user_jwt_cache_hits_total'), 2);
  });

  it('an ES256 token without kid against 8 keys: 401, tried against none', async () => {
    const res = await call(es256(rogue.privateKey, {}));
    assert.equal(res.status, 401, res.text);
    assert.match(res.json.error, /no key \(kid\)/);
  });

  it('once the address has used up its bucket: 429 without a check', async () => {
    // The first valid token took one token of the address's bucket, the
    // kid-less one another: two forgeries naming a kid use the rest.
    for (let i = 0; i < 2; i++) {
      const res = await call(es256(rogue.privateKey, { kid: 'k5' }));
      assert.equal(res.status, 401, res.text);
    }
    const before = await metric(g.url, 'user_jwt_verifications_total');
    for (let i = 0; i < 5; i++) {
      const res = await call(es256(rogue.privateKey, { kid: 'k5', n: i }));
      assert.equal(res.status, 429, res.text);
    }
    assert.equal(await metric(g.url, 'user_jwt_verifications_total'), before,
      'no forged token was checked once the bucket was empty');
    // A token verified before is a hash to check: it goes on.
    let res = await call(valid);
    assert.notEqual(res.status, 429, res.text);
    assert.notEqual(res.status, 401, res.text);
    // A new one would cost a signature: the address pays first.
    res = await call(es256(keys[3].privateKey, { kid: 'k3' }));
    assert.equal(res.status, 429, res.text);
  });
});

describe('slow and greedy clients', () => {
  it('300 connections trickling a byte a second from 127.0.0.2 are closed by the header deadline, 127.0.0.1 keeps its answers', async () => {
    const g = await startLkgate({ env: { ...baseEnv(),
      LKGATE_HEADER_TIMEOUT: '2', LKGATE_MAX_CONNECTIONS_PER_IP: '1000' } });
    const slow = [];
    try {
      for (let i = 0; i < 300; i++) slow.push(await connectFrom(g.port, '127.0.0.2'));
      const head = 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
      const t0 = Date.now();
      for (const c of slow) {
        let n = 0;
        c.sock.write(head[n++]);
        c.timer = setInterval(() => { if (!c.closed) c.sock.write(head[n++ % head.length]); }, 1000);
      }
      while (Date.now() - t0 < 3000) {
        const s = performance.now();
        const res = await request(`${g.url}/health`, { agent: false });
        assert.equal(res.status, 200);
        assert.ok(performance.now() - s < LORIS_HEALTH_MS);
        await sleep(200);
      }
      assert.ok(await waitFor(() => slow.every((c) => c.closed), 5000),
        `${slow.filter((c) => !c.closed).length} of 300 still open ` +
        `${Date.now() - t0} ms after their first byte`);
      assert.ok(Date.now() - t0 >= 1500, 'closed before the deadline');
      assert.ok(slow.every((c) => c.data === ''), 'closed without an answer');
      assert.equal(await metric(g.url, 'header_timeouts_total'), 300);
    } catch (e) {
      e.message += `\nlkgate's log:\n${g.stderr().split('\n').slice(-20).join('\n')}`;
      throw e;
    } finally {
      for (const c of slow) { clearInterval(c.timer); c.sock.destroy(); }
    }
    const { code } = await g.stop();
    assert.equal(code, 0, g.stderr().split('\n').slice(-20).join('\n'));
  });

  it('over max_connections_per_ip or max_connections a connection is closed at once', async () => {
    const g = await startLkgate({ env: { ...baseEnv(),
      LKGATE_MAX_CONNECTIONS: '12', LKGATE_MAX_CONNECTIONS_PER_IP: '5' } });
    const open = [];
    try {
      for (let i = 0; i < 5; i++) open.push(await connectFrom(g.port, '127.0.0.3'));
      const sixth = await connectFrom(g.port, '127.0.0.3');
      assert.ok(await waitFor(() => sixth.closed, 5000),
        'the sixth connection from one address was not closed');
      let res = await request(`${g.url}/health`, { agent: false });
      assert.equal(res.status, 200, 'another address is still served');
      // Count from a known state: the five held open, and the /metrics
      // request itself (the /health connection closed, which lkgate may
      // notice a little later on a loaded machine).
      assert.ok(await settles(g.url, 'open_connections', 6, 5000),
        'lkgate counts the connections held open');
      for (let i = 0; i < 5; i++) open.push(await connectFrom(g.port, '127.0.0.4'));
      await sleep(100);
      // 10 held open; the 11th and 12th (a request each) fit, a 13th does not.
      const keep = await connectFrom(g.port, '127.0.0.5');
      open.push(await connectFrom(g.port, '127.0.0.5'));
      const over = await connectFrom(g.port, '127.0.0.6');
      assert.ok(await waitFor(() => over.closed, 5000),
        'a connection over max_connections was not closed');
      assert.ok(!keep.closed && open.every((c) => !c.closed),
        'connections under the caps stay open');
      for (const c of open) c.sock.destroy();
      keep.sock.destroy();
      await sleep(200);
      res = await request(`${g.url}/health`, { agent: false });
      assert.equal(res.status, 200, 'served again once they closed');
      assert.ok(await metric(g.url, 'connections_refused_total') >= 2);
    } catch (e) {
      e.message += `\nlkgate's log:\n${g.stderr().split('\n').slice(-20).join('\n')}`;
      throw e;
    } finally {
      for (const c of open) c.sock.destroy();
    }
    const { code } = await g.stop();
    assert.equal(code, 0, g.stderr().split('\n').slice(-20).join('\n'));
  });
});

describe('framing', () => {
  it('Transfer-Encoding with Content-Length: 400, Connection: close, nothing more read', async () => {
    const body = '{"room_name":"r1"}';
    const bad = 'POST /api/livekit/token HTTP/1.1\r\nHost: x\r\n' +
      `X-API-Key: ${KEY}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const next = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
    const c = await connectFrom(gw.port, '127.0.0.1');
    c.sock.write(bad + next);
    assert.ok(await waitFor(() => c.closed, 3000), 'the connection stayed open');
    const answers = c.data.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 400'], c.data);
    assert.match(c.data, /^Connection: close\r$/mi);
  });

  // evhttp cuts a header value at a NUL byte: lkgate looks at each
  // request's bytes as they arrive, until its head is whole, and refuses
  // a head that holds one, however the bytes are split.
  const sessionGet = (key) => 'GET /api/sessions/' +
    '00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\n' +
    `X-API-Key: ${key}`;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  it('a NUL in X-API-Key arriving in its own piece: 400, Connection: close', async () => {
    const c = await connectFrom(gw.port, '127.0.0.1');
    c.sock.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(await waitFor(() => /\r\n\r\nOK/.test(c.data), 3000), c.data);
    for (const piece of [sessionGet(KEY), '\x00', 'tail\r', '\n\r', '\n']) {
      c.sock.write(Buffer.from(piece, 'latin1'));
      await pause(30);
    }
    assert.ok(await waitFor(() => c.closed, 3000), 'the connection stayed open');
    // The first body ("OK") has no line end: the next status line follows.
    const answers = c.data.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 200', 'HTTP/1.1 400'], c.data);
    assert.match(c.data, /"code":"INVALID_INPUT"/);
    assert.match(c.data, /holds a NUL byte/);
  });

  it('a NUL in a pipelined request, sent with the one before: 200, then 400', async () => {
    const c = await connectFrom(gw.port, '127.0.0.1');
    c.sock.write(Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\n\r\n' +
      `${sessionGet(KEY)}\x00tail\r\n\r\n`, 'latin1'));
    assert.ok(await waitFor(() => c.closed, 3000), 'the connection stayed open');
    const answers = c.data.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 200', 'HTTP/1.1 400'], c.data);
    assert.match(c.data, /holds a NUL byte/);
  });

  it('a NUL in a pipelined request that comes while the one before is served: 400', async () => {
    const c = await connectFrom(gw.port, '127.0.0.1');
    lk.setDelay(300);		// the first request waits for LiveKit
    try {
      c.sock.write(`${sessionGet(KEY)}\r\n\r\n`);
      await pause(100);
      c.sock.write(Buffer.from(`${sessionGet(KEY)}\x00tail\r\n\r\n`,
        'latin1'));
      assert.ok(await waitFor(() => c.closed, 3000),
        'the connection stayed open');
    } finally {
      lk.setDelay(0);
    }
    const answers = c.data.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 404', 'HTTP/1.1 400'], c.data);
    assert.match(c.data, /holds a NUL byte/);
  });

  it('pipelined requests without a NUL are all answered', async () => {
    const c = await connectFrom(gw.port, '127.0.0.1');
    c.sock.write(`${sessionGet(KEY)}\r\n\r\n`.repeat(3) +
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok(await waitFor(() => c.closed, 3000), 'the connection stayed open');
    const answers = c.data.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 404', 'HTTP/1.1 404', 'HTTP/1.1 404',
      'HTTP/1.1 200'], c.data);
  });

  it('a NUL in a body is the body\'s (JSON) error, not the head\'s', async () => {
    const body = '{"user_id":"u\x00"}';
    const head = 'POST /api/sessions HTTP/1.1\r\nHost: x\r\n' +
      `X-API-Key: ${KEY}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`;
    const c = await connectFrom(gw.port, '127.0.0.1');
    c.sock.write(Buffer.from(head, 'latin1'));
    await pause(30);
    c.sock.write(Buffer.from(body, 'latin1'));
    assert.ok(await waitFor(() => /\r\n\r\n\{.*\}/s.test(c.data), 3000), c.data);
    assert.match(c.data, /^HTTP\/1\.1 400/);
    assert.doesNotMatch(c.data, /holds a NUL byte/);
    c.sock.destroy();
  });
});

describe('a log reader that stalls', () => {
  it('requests are answered, lines dropped and counted, the rest whole and in order, flushed at exit', async () => {
    const port = await freePort();
    const proc = spawn(lkgateBin(), [], {
      env: { PATH: process.env.PATH, ...baseEnv(),
        LKGATE_LISTEN: `127.0.0.1:${port}`,
        ...(process.env.ASAN_OPTIONS ? { ASAN_OPTIONS: process.env.ASAN_OPTIONS } : {}),
        ...(process.env.UBSAN_OPTIONS ? { UBSAN_OPTIONS: process.env.UBSAN_OPTIONS } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.stderr.pause();	// nobody reads: the pipe fills up
    const url = `http://127.0.0.1:${port}`;
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        try { up = (await request(`${url}/health`, { agent: false, timeout: 500 })).status === 200; } catch { await sleep(50); }
      }
      assert.ok(up, 'lkgate did not start');
      const pad = 'x'.repeat(100);
      const N = 4000;
      const t0 = Date.now();
      for (let i = 0; i < N; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => request(`${url}/health`,
          { headers: { 'X-Request-Id': `r${String(i + j).padStart(6, '0')}-${pad}` }, timeout: 2000 })
          .then((r) => assert.equal(r.status, 200))));
      }
      const dropped = await metric(url, 'log_lines_dropped_total');
      assert.ok(dropped > 0, `dropped ${dropped} after ${Date.now() - t0} ms`);
      // Now read everything, and stop.
      let text = '';
      proc.stderr.on('data', (d) => { text += d.toString(); });
      proc.stderr.resume();
      await sleep(300);
      const more = await request(`${url}/health`, { agent: false, headers: { 'X-Request-Id': 'z-after' } });
      assert.equal(more.status, 200);
      proc.kill('SIGTERM');
      assert.equal(await exited, 0);
      await new Promise((resolve) => (proc.stderr.readableEnded ? resolve() : proc.stderr.on('end', resolve)));
      const lines = text.split('\n');
      assert.equal(lines.pop(), '', 'the last line is complete');
      const parsed = lines.map((l) => JSON.parse(l));
      const ids = parsed.filter((l) => l.event === 'access' && /^r\d{6}-/.test(l.id)).map((l) => l.id);
      assert.ok(ids.length > 0 && ids.length < N, `${ids.length} access lines kept`);
      // Requests ran 50 at a time: their lines are in order batch by batch.
      for (let i = 1; i < ids.length; i++) {
        assert.ok(Number(ids[i].slice(1, 7)) > Number(ids[i - 1].slice(1, 7)) - 50, `${ids[i - 1]} then ${ids[i]}`);
      }
      assert.ok(parsed.some((l) => l.id === 'z-after'), 'a line logged after the reader came back');
      assert.equal(parsed.at(-1).msg, 'stopped', 'flushed at exit');
    } finally {
      proc.kill('SIGKILL');
    }
  });
});

describe('afterwards', () => {
  it('the session-named room without session metadata was not deleted', () => {
    assert.ok(lk.rooms.has(FOREIGN_SESSION_ROOM));
  });

  it('lkgate is alive and answers /health', async () => {
    const res = await request(`${gw.url}/health`, { agent: false });
    assert.equal(res.status, 200);
    assert.equal(res.text.trim(), 'OK');
  });

  it('exits 0 on SIGTERM', async () => {
    const { code, signal } = await gw.stop();
    assert.equal(signal, null);
    assert.equal(code, 0, gw.stderr().split('\n').slice(-30).join('\n'));
  });
});
