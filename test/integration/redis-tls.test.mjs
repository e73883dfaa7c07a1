// Rate limits shared on Redis over TLS (rediss://): real redis-servers
// with TLS only (--port 0), on loopback ports, with a throwaway CA and
// certificates made by the openssl command in a temporary directory.  Two
// lkgate instances share one limit; a server certificate that the
// configured CA did not sign, or that names another server, or a server
// that never answers the handshake, is refused with the reason logged
// once and the buckets per instance; mutual TLS with and without a client
// certificate; a password from a file and a host name; Redis killed and
// restarted; the bridge's socket private, made again, removed at exit;
// lkgate -n reading the files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startEmulator } from '../emulator/emulator.mjs';
import { freePort, lkgateBin, request, startLkgate } from './lib.mjs';
import { spawnRedis } from './redis-lib.mjs';

const LK_KEY = 'APIredistls';
const LK_SECRET = 'redis-tls-livekit-secret-of-32-characters';
const REDIS_TIMEOUT_MS = 300;
// One admin key per test, so that each test has buckets of its own.
const KEYS = ['shared', 'rogue', 'name', 'address', 'silent', 'mutual', 'nocert', 'password', 'killed', 'restarted']
  .map((name) => ({ name, key: `${name}-key-0123456789abcdef` }));
const keyOf = (name) => KEYS.find((k) => k.name === name).key;
const PASSWORD = 'redis-tls-pass-never-logged-0123';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), 'lkgate-redis-tls-'));
const file = (name) => join(dir, name);

// A CA, and certificates it signs: the server's for 127.0.0.1 and
// localhost, a client's; a second CA and a server certificate it signs.
function makeCertificates() {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-out', `${name}.key`);
  const ca = (name, cn) => {
    key(name);
    openssl('req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '2',
      '-subj', `/CN=${cn}`);
  };
  const leaf = (name, cn, signer, ext) => {
    key(name);
    openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`,
      '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca', 'lkgate test CA');
  leaf('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  leaf('client', 'lkgate', 'ca', 'extendedKeyUsage=clientAuth');
  ca('rogue-ca', 'another CA');
  leaf('rogue', 'localhost', 'rogue-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
}

// Answers PING with PONG over TLS once the server is up.
function ping({ port, password, clientCert }) {
  return new Promise((resolve) => {
    const opts = { host: '127.0.0.1', port, ca: readFileSync(file('ca.crt')), servername: 'localhost' };
    if (clientCert) Object.assign(opts, { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) });
    const sock = tls.connect(opts);
    let data = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
    sock.on('data', (d) => {
      data += d;
      if (data.includes('+PONG')) { sock.end(); resolve(true); }
    });
    sock.on('secureConnect', () => sock.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
  });
}

// Starts redis-server with TLS only; resolves once it answers PING.
async function startRedis({ port, cert = 'server', authClients = false, password, bind = '127.0.0.1' }) {
  const args = ['--port', '0', '--tls-port', String(port), '--bind', ...bind.split(' '),
    '--tls-cert-file', file(`${cert}.crt`), '--tls-key-file', file(`${cert}.key`),
    '--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', authClients ? 'yes' : 'no',
    '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
    '--logfile', file(`redis-${port}.log`)];
  if (password) args.push('--requirepass', password);
  const server = await spawnRedis(args, () => ping({ port, password, clientCert: authClients }));
  return { ...server, log: () => readFileSync(file(`redis-${port}.log`), 'utf8') };
}

let lk;
let redis;
let redisPort;
let gwA;
let gwB;

function gwEnv(url, extra = {}) {
  return {
    LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
    LIVEKIT_API_KEY: LK_KEY,
    LIVEKIT_API_SECRET: LK_SECRET,
    LKGATE_API_KEYS: KEYS.map((k) => `${k.name}:${k.key}:admin`).join(','),
    LKGATE_RATE_LIMITS: 'token=5/1m',
    LKGATE_REDIS_URL: url,
    LKGATE_REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
    LKGATE_REDIS_TLS_CA_FILE: file('ca.crt'),
    ...extra,
  };
}

function token(gw, name) {
  return request(`${gw.url}/api/livekit/token`, {
    method: 'POST',
    headers: { 'X-API-Key': keyOf(name) },
    body: { room_name: 'redis-tls-room', identity: 'someone' },
  });
}

async function tokens(gws, name) {
  const statuses = [];
  for (const g of gws) statuses.push((await token(g, name)).status);
  return statuses;
}

async function health(gw) {
  return (await request(`${gw.url}/api/health`)).json;
}

async function metric(gw, name) {
  const res = await request(`${gw.url}/metrics`);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

// Waits until /api/health says redis is `state` on every gateway.
async function waitRedis(state, gws = [gwA, gwB]) {
  for (let i = 0; i < 200; i++) {
    const states = await Promise.all(gws.map(async (g) => (await health(g)).redis));
    if (states.every((s) => s === state)) return;
    await sleep(50);
  }
  throw new Error(`redis never became ${state}`);
}

const redisLines = (gw, re) => gw.logs.filter((l) => typeof l === 'object' &&
  typeof l.msg === 'string' && re.test(l.msg));

// The socket of the bridge, from its (latest) debug line.
function bridgeSocket(gw) {
  const line = redisLines(gw, /^redis TLS: hiredis connects through /).at(-1);
  assert.ok(line, 'the bridge names its socket');
  return line.msg.replace(/^redis TLS: hiredis connects through /, '');
}
const dirOf = (sock) => sock.replace(/\/[^/]*$/, '');

// A gateway whose Redis is refused: per instance, the reason logged once.
async function refusedWith(env, keyName, reason) {
  const gw = await startLkgate({ env });
  try {
    assert.deepEqual(await tokens([gw, gw, gw, gw, gw, gw], keyName), [200, 200, 200, 200, 200, 429]);
    await sleep(1500);	// reconnects keep failing meanwhile
    assert.equal((await health(gw)).redis, 'unreachable');
    assert.equal(await metric(gw, 'lkgate_redis_up'), 0);
    assert.ok(await metric(gw, 'lkgate_redis_fallbacks_total') >= 6);
    const warned = redisLines(gw, /per instance until/).filter((l) => l.level === 'warn');
    assert.equal(warned.length, 1, JSON.stringify(redisLines(gw, /redis/)));
    assert.match(warned[0].msg, reason);
    assert.equal(gw.logs.filter((l) => l.level === 'error').length, 0);
  } finally {
    const e = await gw.stop();
    assert.equal(e?.code, 0, JSON.stringify(e));
  }
  return gw;
}

before(async () => {
  makeCertificates();
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  redisPort = await freePort();
  redis = await startRedis({ port: redisPort });
  const url = `rediss://127.0.0.1:${redisPort}`;
  const env = gwEnv(url, { LKGATE_LOG_LEVEL: 'debug' });
  [gwA, gwB] = await Promise.all([startLkgate({ env }), startLkgate({ env })]);
  await waitRedis('ok');
});

after(async () => {
  // A clean exit (under the sanitizers: no leak, no error at exit).
  const exits = await Promise.all([gwA?.stop(), gwB?.stop()]);
  await redis?.kill();
  await lk?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const e of exits) assert.equal(e?.code, 0, JSON.stringify(e));
});

describe('rate limits shared on Redis over TLS', () => {
  it('two instances share one limit over rediss://: the 6th token of 5 a minute is 429 on either', async () => {
    const remaining = [];
    for (const g of [gwA, gwB, gwA, gwB, gwA]) {
      const res = await token(g, 'shared');
      assert.equal(res.status, 200, res.text);
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
    assert.deepEqual(await tokens([gwB, gwA], 'shared'), [429, 429]);
    for (const g of [gwA, gwB]) {
      assert.equal(await metric(g, 'lkgate_redis_up'), 1);
      assert.equal(await metric(g, 'lkgate_redis_fallbacks_total'), 0);
      assert.equal(redisLines(g, /connected; rate limits are shared/).length, 1);
    }
  });

  it('the bridge socket is in a private directory of its own', () => {
    const sock = bridgeSocket(gwA);
    assert.notEqual(sock, bridgeSocket(gwB));
    assert.ok(statSync(sock).isSocket());
    assert.equal(statSync(dirOf(sock)).mode & 0o777, 0o700);
  });

  it('a server certificate the configured CA did not sign: per instance, why logged once, no secret', async () => {
    const gw = await refusedWith(gwEnv(`rediss://:${PASSWORD}@127.0.0.1:${redisPort}`, {
      LKGATE_REDIS_TLS_CA_FILE: file('rogue-ca.crt'),
    }), 'rogue', /TLS: the server's certificate was not accepted: .*not correctly signed by the trusted CA/);
    assert.ok(!gw.stderr().includes(PASSWORD), 'the password is not in the log');
    // The server was told why (an alert), not left to guess.
    assert.match(redis.log(), /alert unknown ca/);
  });

  it('a certificate for another name or address: refused; the right name given for an address: shared', async () => {
    const mismatch = /TLS: the server's certificate was not accepted: .*Common Name \(CN\) does not match/;
    await refusedWith(gwEnv(`rediss://127.0.0.1:${redisPort}`, {
      LKGATE_REDIS_TLS_SERVER_NAME: 'redis.example.com',
    }), 'name', mismatch);
    // An address is matched against the certificate's addresses (127.0.0.1).
    await refusedWith(gwEnv(`rediss://127.0.0.1:${redisPort}`, {
      LKGATE_REDIS_TLS_SERVER_NAME: '127.0.0.2',
    }), 'address', mismatch);
    const gw = await startLkgate({
      env: gwEnv(`rediss://127.0.0.1:${redisPort}`, { LKGATE_REDIS_TLS_SERVER_NAME: 'localhost' }),
    });
    try {
      await waitRedis('ok', [gw]);
      assert.deepEqual(await tokens([gw, gwA, gw, gwB, gw, gwA], 'name'), [200, 200, 200, 200, 200, 429]);
    } finally {
      assert.equal((await gw.stop())?.code, 0);
    }
  });

  it('a server that accepts and never answers the TLS handshake: per instance at once, why logged once', async () => {
    const silent = net.createServer(() => {});	// holds every connection, says nothing
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      // The connect and the handshake get 3/4 of max(redis_timeout_ms, 1 s).
      await refusedWith(gwEnv(`rediss://127.0.0.1:${silent.address().port}`), 'silent',
        /TLS: no TLS handshake within 750 ms/);
    } finally {
      silent.close();
    }
  });

  it('mutual TLS: with the client certificate shared; without it, per instance and why', async () => {
    const port = await freePort();
    const mutual = await startRedis({ port, authClients: true });
    const url = `rediss://127.0.0.1:${port}`;
    let withCert;
    let other;
    try {
      const env = gwEnv(url, { LKGATE_REDIS_TLS_CERT_FILE: file('client.crt'), LKGATE_REDIS_TLS_KEY_FILE: file('client.key') });
      [withCert, other] = await Promise.all([startLkgate({ env }), startLkgate({ env })]);
      await waitRedis('ok', [withCert, other]);
      assert.deepEqual(await tokens([withCert, other, withCert, other, withCert, other], 'mutual'),
        [200, 200, 200, 200, 200, 429]);
      await refusedWith(gwEnv(url), 'nocert', /TLS: the server refused the handshake.*client certificate/);
    } finally {
      const exits = [await withCert?.stop(), await other?.stop()];
      await mutual.kill();
      for (const e of exits) assert.equal(e?.code, 0, JSON.stringify(e));
    }
  });

  it('a host name and a password from a file over TLS; a wrong password said once, never echoed', async () => {
    const port = await freePort();
    const pwFile = file('redis-password');
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    const r2 = await startRedis({ port, password: PASSWORD, bind: '127.0.0.1 -::1' });
    let gw;
    let bad;
    try {
      gw = await startLkgate({
        env: gwEnv(`rediss://localhost:${port}`, { LKGATE_REDIS_PASSWORD_FILE: pwFile, LKGATE_LOG_LEVEL: 'debug' }),
      });
      await waitRedis('ok', [gw]);
      assert.deepEqual(await tokens([gw, gw, gw, gw, gw, gw], 'password'), [200, 200, 200, 200, 200, 429]);
      bad = await startLkgate({
        env: gwEnv(`rediss://:wrong-${PASSWORD}@localhost:${port}`, { LKGATE_LOG_LEVEL: 'debug' }),
      });
      await sleep(500);
      assert.equal((await health(bad)).redis, 'unreachable');
      assert.equal(redisLines(bad, /AUTH refused/).filter((l) => l.level === 'warn').length, 1);
    } finally {
      const exits = [await gw?.stop(), await bad?.stop()];
      await r2.kill();
      for (const e of exits) assert.equal(e?.code, 0, JSON.stringify(e));
    }
    assert.ok(!gw.stderr().includes(PASSWORD), 'the password is not in the log');
    assert.ok(!bad.stderr().includes(PASSWORD), 'the password is not in the log');
  });

  it('Redis killed: per instance, logged once; restarted: shared again (a socket removed meanwhile: made again)', async () => {
    assert.deepEqual(await tokens([gwA, gwB], 'killed'), [200, 200]);
    await redis.kill();
    // A cleaner of /tmp removes gwA's socket while Redis is away.
    const old = bridgeSocket(gwA);
    rmSync(dirOf(old), { recursive: true });
    for (const g of [gwA, gwB]) {
      assert.deepEqual(await tokens([g, g, g, g, g, g, g], 'killed'), [200, 200, 200, 200, 200, 429, 429]);
    }
    await sleep(1500);	// reconnects keep failing meanwhile
    for (const g of [gwA, gwB]) {
      assert.equal((await health(g)).redis, 'unreachable');
      assert.equal(redisLines(g, /per instance until/).length, 1, JSON.stringify(redisLines(g, /redis \d/)));
    }
    redis = await startRedis({ port: redisPort });
    await waitRedis('ok');
    assert.deepEqual(await tokens([gwA, gwB, gwA, gwB, gwA, gwB, gwA], 'restarted'),
      [200, 200, 200, 200, 200, 429, 429]);
    for (const g of [gwA, gwB]) {
      assert.equal(redisLines(g, /answers again; rate limits are shared again/).length, 1);
      assert.equal(await metric(g, 'lkgate_redis_up'), 1);
    }
    assert.equal(redisLines(gwA, /is gone; listening on a new socket/).length, 1);
    assert.notEqual(bridgeSocket(gwA), old);
    assert.ok(statSync(bridgeSocket(gwA)).isSocket());
  });

  it('the bridge removes its socket and directory at exit', async () => {
    const gw = await startLkgate({ env: gwEnv(`rediss://127.0.0.1:${redisPort}`, { LKGATE_LOG_LEVEL: 'debug' }) });
    const sock = bridgeSocket(gw);
    assert.ok(existsSync(sock));
    assert.equal((await gw.stop())?.code, 0);
    assert.ok(!existsSync(dirOf(sock)), 'the directory is gone');
  });

  it('lkgate -n reads the TLS files and says what is wrong', () => {
    const check = (extra) => {
      const env = { PATH: process.env.PATH, ...gwEnv(`rediss://127.0.0.1:${redisPort}`), ...extra };
      for (const name of ['ASAN_OPTIONS', 'UBSAN_OPTIONS']) {
        if (process.env[name] !== undefined) env[name] = process.env[name];
      }
      const r = spawnSync(lkgateBin(), ['-n'], { env, encoding: 'utf8' });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    assert.equal(check({}).code, 0, check({}).out);
    assert.equal(check({ LKGATE_REDIS_TLS_CERT_FILE: file('client.crt'), LKGATE_REDIS_TLS_KEY_FILE: file('client.key') }).code, 0);
    const cases = [
      [{ LKGATE_REDIS_TLS_CA_FILE: file('missing.crt') }, /missing\.crt/],
      [{ LKGATE_REDIS_TLS_CA_FILE: file('client.key') }, /client\.key: no CA certificate could be read/],
      [{ LKGATE_REDIS_TLS_CERT_FILE: file('client.crt') }, /give both or neither/],
      [{ LKGATE_REDIS_TLS_CERT_FILE: file('client.crt'), LKGATE_REDIS_TLS_KEY_FILE: file('rogue.key') },
        /rogue\.key: not the key of the certificate in .*client\.crt/],
      [{ LKGATE_REDIS_TLS_SERVER_NAME: 'bad/name' }, /redis_tls_server_name: "bad\/name" is neither a host name nor an address/],
      [{ LKGATE_REDIS_URL: `redis://127.0.0.1:${redisPort}` }, /need a rediss:\/\/ redis_url/],
    ];
    for (const [extra, message] of cases) {
      const r = check(extra);
      assert.equal(r.code, 1, `${JSON.stringify(extra)}: ${r.out}`);
      assert.match(r.out, message);
    }
  });
});
