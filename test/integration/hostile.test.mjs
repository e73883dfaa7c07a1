// Hostile input on the wire: every case of hostile-cases.mjs goes out as
// raw bytes on its own connection (node:net, so the bytes are exactly as
// written), and the status line of the answer, or the connection closing
// without one, must be what the case expects.  Then slow-loris clients
// must not stall anyone else, and lkgate must still be healthy and stop
// cleanly (under `make asan`: without a sanitizer report or a leak).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEmulator } from '../emulator/emulator.mjs';
import { request, startLkgate } from './lib.mjs';
import {
  ADMIN_KEY, FOREIGN_SESSION_ROOM, KEY, USER_JWT_SECRET, cases,
} from './hostile-cases.mjs';

const LK_KEY = 'APIhostile';
const LK_SECRET = 'hostile-livekit-secret-of-32-characters';
const ANSWER_TIMEOUT_MS = 5000;
const LORIS = 50;
const LORIS_HEALTH_MS = 500;

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
