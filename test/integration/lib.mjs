// Helpers for lkgate's integration tests (node --test, ESM). Node built-ins
// only, so a test needs nothing installed besides the emulator's packages.
//
//   import { startLkgate, request } from './lib.mjs';
//   import { startEmulator } from '../emulator/emulator.mjs';
//   const lk = await startEmulator();
//   const gw = await startLkgate({ env: { LIVEKIT_URL: lk.url.replace('http', 'ws'), ... } });
//   const res = await request(`${gw.url}/api/sessions`, { method: 'POST', headers, body });
//   await gw.stop();

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const START_TIMEOUT_MS = 10_000;
// A gateway that ignores SIGTERM this long is killed, so a broken shutdown
// fails its test instead of hanging the whole suite.
const STOP_TIMEOUT_MS = 10_000;
// Sanitizer settings of `make asan` must reach the binary under test.
const PASSED_THROUGH = ['ASAN_OPTIONS', 'UBSAN_OPTIONS'];

// Gateways still running when the test process exits are killed with it.
const running = new Set();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** The top of the source tree. */
export const repoRoot = () => REPO_ROOT;

/** The binary under test: $LKGATE_BIN (from the current directory), else ./lkgate at the top. */
export const lkgateBin = () => path.resolve(process.env.LKGATE_BIN ?? path.join(REPO_ROOT, 'lkgate'));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One HTTP request with exactly the given method, headers and body (string
 * or Buffer, sent as is; a plain object is sent as JSON and gets
 * `Content-Type: application/json` unless a content type is given).
 * Content-Length is added for a body unless a length or transfer encoding is given.
 * Resolves with {status, headers, text, json}; json is undefined when the
 * body is not JSON. `agent` picks the connection pool (default: Node's
 * global keep-alive agent); `timeout` in ms rejects a request left unanswered.
 */
export function request(url, { method = 'GET', headers = {}, body, agent, timeout = 10_000 } = {}) {
  const hdrs = { ...headers };
  const has = (name) => Object.keys(hdrs).some((k) => k.toLowerCase() === name);
  let payload = body;
  if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    if (!has('content-type')) hdrs['Content-Type'] = 'application/json';
  }
  // Node frames a GET or DELETE body with nothing at all unless told its length.
  if (payload !== undefined && !has('content-length') && !has('transfer-encoding')) {
    hdrs['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: hdrs, agent, timeout }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeout} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// Collects a stream's lines as they are, and parsed where they are JSON
// (lkgate's log lines).
function collectLines(stream, raw, parsed) {
  readline.createInterface({ input: stream }).on('line', (line) => {
    raw.push(line);
    try {
      parsed.push(JSON.parse(line));
    } catch {
      parsed.push(line);
    }
  });
}

/**
 * Starts lkgate (`bin`, else lkgateBin()) on a free loopback port with a
 * clean environment: PATH, the sanitizer options, LKGATE_LISTEN, then `env`.
 * Resolves once GET /health answers 200. Returns {port, url, proc, logs,
 * stderr, output, stop}: `logs` are the stderr lines (parsed JSON where they
 * are JSON), stderr() all of stderr as one text (to search it for leaked
 * secrets), `output` the stdout lines; stop(signal) resolves with the exit's
 * {code, signal}.
 */
export async function startLkgate({ env = {}, args = [], bin } = {}) {
  const binary = bin ? path.resolve(bin) : lkgateBin();
  const port = await freePort();
  // The metrics sampler's ListRooms every 5 s would land among the calls
  // tests count or fail on purpose: off unless a test turns it on.
  const childEnv = {
    PATH: process.env.PATH, LKGATE_LISTEN: `127.0.0.1:${port}`, LKGATE_METRICS_LIVEKIT: 'false',
  };
  for (const name of PASSED_THROUGH) {
    if (process.env[name] !== undefined) childEnv[name] = process.env[name];
  }
  Object.assign(childEnv, env);
  const listenPort = Number(childEnv.LKGATE_LISTEN.split(':').at(-1));

  const proc = spawn(binary, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  const logs = [];
  const stderrLines = [];
  const output = [];
  collectLines(proc.stderr, stderrLines, logs);
  collectLines(proc.stdout, [], output);
  const exited = new Promise((resolve) => {
    // 'close', not 'exit': by then the last log lines have been read.
    proc.on('close', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    });
    // A binary that cannot be started never exits: report it as an exit.
    proc.on('error', (err) => {
      running.delete(proc);
      logs.push(String(err));
      resolve({ code: null, signal: null, error: err });
    });
  });

  const url = `http://127.0.0.1:${listenPort}`;
  try {
    await waitHealthy(url, exited, logs);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }

  const stop = async (signal = 'SIGTERM') => {
    if (running.has(proc)) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  const stderr = () => stderrLines.join('\n');
  return { port: listenPort, url, proc, logs, stderr, output, stop };
}

// Polls GET /health until 200; fails early if the process exits meanwhile.
async function waitHealthy(url, exited, logs) {
  let gone = null;
  exited.then((r) => { gone = r; });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(`lkgate exited before it was healthy (${JSON.stringify(gone)}):\n` +
        logs.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    }
    try {
      const res = await request(`${url}/health`, { timeout: 1000, agent: false });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`lkgate did not answer GET ${url}/health with 200 within ${START_TIMEOUT_MS} ms`);
}

// LiveKit's own token classes, for judging the tokens lkgate signs.
export {
  AccessToken, RoomServiceClient, TokenVerifier, WebhookReceiver,
} from '../emulator/sdk.mjs';

// The payload of a compact JWT, without verifying it.
export function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWT');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}
