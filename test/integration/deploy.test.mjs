// The deploy files (deploy/) agree with each other and with lkgate: keys,
// ports, the webhook URL and the variables of docker-compose.yml,
// livekit.yaml and .env.example; the Dockerfile's stages, user, port and
// health probe; the systemd unit's hardening.  No Docker engine runs here,
// so the files are parsed, not run; what can run does: lkgate is started
// with exactly the environment the compose file gives it (with the values
// of .env.example), against the emulator holding the key pair that
// livekit-server would get, and the image's health probe is run against it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from '../emulator/yaml.mjs';
import { startEmulator } from '../emulator/emulator.mjs';
import {
  AccessToken, TokenVerifier, freePort, lkgateBin, repoRoot, request, startLkgate,
} from './lib.mjs';

const DEPLOY = path.join(repoRoot(), 'deploy');
const read = (name) => fs.readFileSync(path.join(DEPLOY, name), 'utf8');
const WEBHOOK_PATH = '/api/livekit/webhook';
// The variables of the LiveKit ecosystem (SDKs, CLI, agents) that lkgate
// reads besides its own LKGATE_* ones.
const LIVEKIT_ECOSYSTEM = ['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'];

// ---- parsers -------------------------------------------------------------

// `lkgate --options`: key, variable, default, help, one option a line.
function lkgateOptions() {
  const out = execFileSync(lkgateBin(), ['--options'], { encoding: 'utf8' });
  const options = new Map();
  for (const line of out.split('\n').filter(Boolean)) {
    const [key, env, def] = line.split('\t');
    options.set(key, { env, def });
  }
  return options;
}

// A .env file as docker compose reads it: KEY=VALUE lines, # comments.
function parseDotenv(text) {
  const vars = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `.env.example: not a VAR=value line: ${raw}`);
    let value = m[2];
    const q = /^(["'])(.*)\1$/.exec(value);
    if (q) value = q[2];
    vars.set(m[1], value);
  }
  return vars;
}

// Compose interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}.  Returns the text
// with `vars` substituted (an unset required variable throws) and records
// each variable named in `used` (name -> {required, hasDefault}).
const INTERP = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
function interpolate(text, vars, used = new Map()) {
  return text.replace(INTERP, (all, dollar, name, op = '', arg = '', bare) => {
    if (dollar) return '$';
    const v = name ?? bare;
    const set = vars.has(v) && (op.startsWith(':') ? vars.get(v) !== '' : true);
    used.set(v, { required: op.endsWith('?'), hasDefault: op.endsWith('-') });
    if (op.endsWith('?')) {
      if (!set) throw new Error(`required variable ${v} is not set: ${arg}`);
      return vars.get(v);
    }
    if (op.endsWith('-')) return set ? vars.get(v) : arg;
    if (op.endsWith('+')) return set ? arg : '';
    return vars.get(v) ?? '';
  });
}

// A service's environment as a Map, whether a mapping or a list of VAR=value.
function environmentOf(service) {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return new Map(env.map((e) => {
      const i = e.indexOf('=');
      return i < 0 ? [e, undefined] : [e.slice(0, i), e.slice(i + 1)];
    }));
  }
  return new Map(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

// "a" or "a-b" -> [a..b]
function portRange(spec) {
  const [lo, hi = lo] = String(spec).split('-').map(Number);
  assert.ok(Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi, `port range ${spec}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

// A compose ports: entry, short ("[ip:][published:]target[/proto]") or
// long syntax, as a list of {host, published, target, protocol}, one a port.
function publishedPorts(entry) {
  let host = '';
  let published;
  let target;
  let protocol = 'tcp';
  if (typeof entry === 'object') {
    ({ target, published = target, protocol = 'tcp', host_ip: host = '' } = entry);
  } else {
    let s = String(entry);
    const slash = s.lastIndexOf('/');
    if (slash >= 0) {
      protocol = s.slice(slash + 1);
      s = s.slice(0, slash);
    }
    const parts = s.split(':');
    target = parts.pop();
    published = parts.length ? parts.pop() : target;
    host = parts.join(':');
  }
  const targets = portRange(target);
  const publisheds = portRange(published);
  assert.equal(publisheds.length, targets.length, `ports entry ${JSON.stringify(entry)}`);
  return targets.map((t, i) => ({ host, published: publisheds[i], target: t, protocol }));
}

// The ports livekit.yaml makes livekit-server listen on, as "port/proto".
function livekitPorts(conf) {
  const ports = new Set([`${conf.port ?? 7880}/tcp`]);
  const rtc = conf.rtc ?? {};
  ports.add(`${rtc.tcp_port ?? 7881}/tcp`);
  if (rtc.udp_port !== undefined) {
    for (const p of portRange(rtc.udp_port)) ports.add(`${p}/udp`);
  } else {
    const lo = rtc.port_range_start ?? 50000;
    const hi = rtc.port_range_end ?? 60000;
    for (const p of portRange(`${lo}-${hi}`)) ports.add(`${p}/udp`);
  }
  return ports;
}

// A Dockerfile as stages of instructions {op, args}, continuation lines
// joined and comments dropped.
function parseDockerfile(text) {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')
    .replace(/\\\n/g, ' ');
  const stages = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    const ins = { op: m[1].toUpperCase(), args: m[2] };
    if (ins.op === 'FROM') stages.push([]);
    assert.ok(stages.length, `instruction before FROM: ${line}`);
    stages.at(-1).push(ins);
  }
  return stages;
}

// The packages of the `apt-get install` commands of a stage's RUN lines.
function aptInstalled(stage) {
  const pkgs = [];
  for (const { args } of stage.filter((i) => i.op === 'RUN')) {
    for (const cmd of args.split(/&&|;|\|\|/)) {
      const words = cmd.trim().split(/\s+/).filter((w) => !/^[A-Z_]+=/.test(w));
      const i = words.findIndex((w, k) => w === 'install' && /apt(-get)?$/.test(words[k - 1] ?? ''));
      if (i >= 0) pkgs.push(...words.slice(i + 1).filter((w) => !w.startsWith('-')));
    }
  }
  return pkgs;
}

// A systemd unit as section -> key -> [values], in order.
function parseUnit(text) {
  const unit = {};
  let section;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = unit[s[1]] ??= {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && section, `lkgate.service: not a key=value line in a section: ${raw}`);
    (section[kv[1]] ??= []).push(kv[2].trim());
  }
  return unit;
}

// ---- the files -----------------------------------------------------------

const compose = parseYaml(read('docker-compose.yml'));
const livekitConf = parseYaml(read('livekit.yaml'));
const dotenv = parseDotenv(read('.env.example'));
const options = lkgateOptions();
const knownVars = new Set([...options.values()].map((o) => o.env));

// The names of the two services: the one running the livekit image and the
// one built from deploy/Dockerfile.
const services = compose.services ?? {};
const livekitName = Object.keys(services)
  .find((n) => /^livekit\/livekit-server(:|@|$)/.test(services[n].image ?? ''));
const lkgateName = Object.keys(services).find((n) => {
  const b = services[n].build;
  return b && path.normalize(b.dockerfile ?? '') === path.normalize('deploy/Dockerfile');
});
const livekit = services[livekitName] ?? {};
const lkgate = services[lkgateName] ?? {};

// Each service's environment with .env.example's values substituted.
const usedVars = new Map();
const envOf = (svc) => new Map([...environmentOf(svc)]
  .map(([k, v]) => [k, v === undefined ? dotenv.get(k) : interpolate(v, dotenv, usedVars)]));
const livekitEnv = envOf(livekit);
const lkgateEnv = envOf(lkgate);
// Every ${VAR} of the file, wherever it is (compose interpolates every
// string value, comments aside).
(function walk(node) {
  if (typeof node === 'string') interpolate(node, dotenv, usedVars);
  else if (node && typeof node === 'object') Object.values(node).forEach(walk);
})(compose);

const listenOf = (env) => env.get('LKGATE_LISTEN') || options.get('listen').def;
const portOf = (hostport) => Number(hostport.split(':').at(-1));
const lkgatePort = portOf(listenOf(lkgateEnv));

// ---- the checks ----------------------------------------------------------

describe('docker-compose.yml and livekit.yaml', () => {
  test('has a livekit-server service with a pinned image and an lkgate service built from deploy/Dockerfile', () => {
    assert.ok(livekitName, 'a service runs livekit/livekit-server');
    assert.ok(lkgateName, 'a service is built from deploy/Dockerfile');
    const image = livekit.image;
    assert.match(image, /^livekit\/livekit-server(:v\d+\.\d+\.\d+|@sha256:[0-9a-f]{64})$/,
      `${image}: pin a release tag (vX.Y.Z) or a digest, never latest`);
    const ctx = path.resolve(DEPLOY, lkgate.build.context ?? '.');
    assert.equal(ctx, repoRoot(), 'the build context is the top of the tree');
    assert.ok(fs.existsSync(path.join(ctx, lkgate.build.dockerfile)), 'the Dockerfile exists');
  });

  test('livekit-server reads this livekit.yaml, and nothing overrides it wholesale', () => {
    const cmd = [livekit.command ?? []].flat().join(' ');
    const m = /--config[ =](\S+)/.exec(cmd);
    assert.ok(m, `livekit's command names its config file: ${cmd}`);
    const mounts = (livekit.volumes ?? []).map((v) => (typeof v === 'string'
      ? { source: v.split(':')[0], target: v.split(':')[1] } : v));
    const mount = mounts.find((v) => v.target === m[1]);
    assert.ok(mount, `${m[1]} is mounted into the livekit container`);
    assert.equal(path.resolve(DEPLOY, mount.source), path.join(DEPLOY, 'livekit.yaml'));
    // LIVEKIT_CONFIG (a YAML body) would replace the file.
    assert.ok(!livekitEnv.has('LIVEKIT_CONFIG'), 'no LIVEKIT_CONFIG beside the file');
  });

  test('.env.example defines every ${VAR} the compose file uses', () => {
    assert.ok(usedVars.size > 0, 'the compose file takes its keys from .env');
    for (const [name, { required }] of usedVars) {
      assert.ok(dotenv.has(name), `.env.example defines ${name}`);
      if (required) assert.notEqual(dotenv.get(name), '', `${name} (required) has a value`);
    }
  });

  test("lkgate's environment names only variables lkgate knows", () => {
    assert.equal(lkgate.env_file, undefined,
      'no env_file: the environment is the one listed, and checked here');
    assert.ok(lkgateEnv.size > 0);
    for (const name of lkgateEnv.keys()) {
      assert.ok(knownVars.has(name) || LIVEKIT_ECOSYSTEM.includes(name),
        `${name} is neither in lkgate --options nor a LiveKit ecosystem variable`);
    }
  });

  test('one key pair: lkgate signs with the key LiveKit accepts and signs webhooks with', () => {
    const key = dotenv.get('LIVEKIT_API_KEY');
    const secret = dotenv.get('LIVEKIT_API_SECRET');
    assert.equal(lkgateEnv.get('LIVEKIT_API_KEY'), key, "lkgate's key comes from .env");
    assert.equal(lkgateEnv.get('LIVEKIT_API_SECRET'), secret, "lkgate's secret comes from .env");
    // livekit.yaml cannot read the environment, so the pair is not in it.
    assert.equal(livekitConf.keys, undefined, 'livekit.yaml holds no keys');
    assert.equal(livekitConf.key_file, undefined, 'livekit.yaml names no key file');
    // LIVEKIT_KEYS is YAML "key: secret" (config.go unmarshalKeys, which
    // keeps string secrets only).
    const keysText = livekitEnv.get('LIVEKIT_KEYS');
    assert.ok(keysText, 'livekit gets its keys as LIVEKIT_KEYS');
    assert.match(keysText, /^[^:\s]+: \S/m, 'LIVEKIT_KEYS is "key: secret", space included');
    const keys = parseYaml(keysText);
    assert.deepEqual(keys, { [key]: secret }, 'LIVEKIT_KEYS is exactly LIVEKIT_API_KEY: LIVEKIT_API_SECRET');
    assert.ok(secret.length >= 32, 'the secret has the 32 characters LiveKit asks for');
    // The webhook key: the environment (LIVEKIT_WEBHOOK_API_KEY) overrides the file.
    const webhookKey = livekitEnv.get('LIVEKIT_WEBHOOK_API_KEY') ?? livekitConf.webhook?.api_key;
    assert.equal(webhookKey, key, 'the webhook api_key is LIVEKIT_API_KEY');
    assert.ok(Object.hasOwn(keys, webhookKey), 'the webhook api_key is one of the keys LiveKit has');
  });

  test("the webhook URL is lkgate's service, port and webhook route", () => {
    const urls = livekitConf.webhook?.urls ?? [];
    assert.equal(urls.length, 1, 'one webhook URL');
    const u = new URL(urls[0]);
    assert.equal(u.protocol, 'http:', 'plain HTTP on the compose network');
    assert.equal(u.hostname, lkgateName, 'host: the lkgate service name');
    assert.equal(Number(u.port || 80), lkgatePort, "port: lkgate's listen port");
    assert.equal(u.pathname, WEBHOOK_PATH);
    assert.equal(u.search, '');
  });

  test("lkgate calls LiveKit by its service name and port, and gives clients .env's LIVEKIT_URL", () => {
    const api = new URL(lkgateEnv.get('LIVEKIT_API_URL'));
    assert.equal(api.hostname, livekitName);
    assert.equal(Number(api.port || 80), livekitConf.port ?? 7880);
    assert.equal(api.protocol, 'http:');
    const pub = new URL(lkgateEnv.get('LIVEKIT_URL'));
    assert.equal(lkgateEnv.get('LIVEKIT_URL'), dotenv.get('LIVEKIT_URL'));
    assert.match(pub.protocol, /^wss?:$/, 'LIVEKIT_URL is a ws:// or wss:// URL');
    assert.notEqual(pub.hostname, livekitName, 'LIVEKIT_URL is an address browsers reach');
  });

  test('the ports published are the ones livekit.yaml and lkgate listen on', () => {
    const want = livekitPorts(livekitConf);
    const got = new Set();
    for (const entry of livekit.ports ?? []) {
      for (const p of publishedPorts(entry)) {
        assert.equal(p.published, p.target,
          `livekit ${p.target}/${p.protocol} is published on the same port (LiveKit advertises it)`);
        got.add(`${p.target}/${p.protocol}`);
      }
    }
    assert.deepEqual([...got].sort(), [...want].sort(), 'livekit publishes exactly its ports');
    const lk = (lkgate.ports ?? []).flatMap(publishedPorts);
    assert.deepEqual(lk.map((p) => `${p.published}:${p.target}/${p.protocol}`),
      [`${lkgatePort}:${lkgatePort}/tcp`], "lkgate publishes its listen port");
    assert.equal(lkgatePort, 8083);
  });
});

// ---- docker-compose.scale.yml: several instances, one Redis --------------

const scale = parseYaml(read('docker-compose.scale.yml'));
const scaleServices = scale.services ?? {};
const scaleNames = Object.keys(scaleServices);
const imageOf = (n) => scaleServices[n].image ?? '';
const scaleLivekitName = scaleNames.find((n) => /^livekit\/livekit-server(:|@|$)/.test(imageOf(n)));
const scaleRedisName = scaleNames.find((n) => /^redis(:|@|$)/.test(imageOf(n)));
const scaleLbName = scaleNames.find((n) => /^(nginx|haproxy)(:|@|$)/.test(imageOf(n)));
// The lkgate instances: built from deploy/Dockerfile, or running the image
// such a service builds.
const scaleBuilt = scaleNames.filter((n) => path.normalize(scaleServices[n].build?.dockerfile ?? '') ===
  path.normalize('deploy/Dockerfile'));
const scaleLkgateNames = scaleNames.filter((n) => scaleBuilt.includes(n) ||
  scaleBuilt.some((b) => scaleServices[b].image && imageOf(n) === scaleServices[b].image));
const scaleUsed = new Map();
const scaleEnvOf = (n) => new Map([...environmentOf(scaleServices[n])]
  .map(([k, v]) => [k, v === undefined ? dotenv.get(k) : interpolate(v, dotenv, scaleUsed)]));
(function walk(node) {
  if (typeof node === 'string') interpolate(node, dotenv, scaleUsed);
  else if (node && typeof node === 'object') Object.values(node).forEach(walk);
})(scale);
// The file a service mounts at target, as a path in deploy/.
function mountedFile(svc, target) {
  const mounts = (svc.volumes ?? []).map((v) => (typeof v === 'string'
    ? { source: v.split(':')[0], target: v.split(':')[1] } : v));
  const m = mounts.find((v) => v.target === target);
  return m && path.resolve(DEPLOY, m.source);
}
// nginx's upstream servers and listen ports, from its configuration.
function nginxConf(text) {
  const body = text.replace(/#.*$/gm, '');
  const servers = [...body.matchAll(/^\s*server\s+([^\s;{]+)[^;]*;/gm)].map((m) => m[1]);
  const listens = [...body.matchAll(/^\s*listen\s+([^\s;]+)[^;]*;/gm)].map((m) => m[1]);
  const proxied = [...body.matchAll(/proxy_pass\s+http:\/\/([^\s;/]+)/g)].map((m) => m[1]);
  const upstreams = [...body.matchAll(/upstream\s+(\S+)\s*\{/g)].map((m) => m[1]);
  return { servers, listens, proxied, upstreams, text: body };
}

describe('docker-compose.scale.yml: two lkgate instances, a load balancer, one Redis', () => {
  const livekitScale = parseYaml(read('livekit-scale.yaml'));
  const lbSvc = scaleServices[scaleLbName] ?? {};
  const lbConfPath = mountedFile(lbSvc, '/etc/nginx/nginx.conf');
  const lb = nginxConf(lbConfPath ? fs.readFileSync(lbConfPath, 'utf8') : '');
  const lbPort = Number(lb.listens[0]);

  test('runs Redis, livekit-server, two lkgate instances and a load balancer, each image pinned', () => {
    assert.ok(scaleRedisName, 'a redis service');
    assert.ok(scaleLbName, 'an nginx (or haproxy) service');
    assert.equal(imageOf(scaleLivekitName), livekit.image, 'the same LiveKit as docker-compose.yml');
    assert.ok(scaleLkgateNames.length >= 2, `two lkgate instances at least: ${scaleLkgateNames}`);
    assert.equal(scaleBuilt.length, 1, 'one service builds the image, the others run it');
    for (const n of [scaleRedisName, scaleLbName]) {
      assert.match(imageOf(n), /:\d+\.\d+\.\d+(-[a-z0-9]+)?$|@sha256:[0-9a-f]{64}$/, `${n}: pin a version`);
    }
    assert.deepEqual(scaleServices[scaleRedisName].ports ?? [], [], 'Redis is not published');
  });

  test('one Redis: every instance names it, and LiveKit uses it too', () => {
    const urls = scaleLkgateNames.map((n) => scaleEnvOf(n).get('LKGATE_REDIS_URL'));
    assert.equal(new Set(urls).size, 1, `the same LKGATE_REDIS_URL everywhere: ${urls}`);
    const u = new URL(urls[0]);
    assert.equal(u.protocol, 'redis:');
    assert.equal(u.hostname, scaleRedisName, 'the Redis service');
    assert.equal(Number(u.port || 6379), 6379);
    assert.equal(mountedFile(scaleServices[scaleLivekitName], '/etc/livekit.yaml'),
      path.join(DEPLOY, 'livekit-scale.yaml'));
    assert.match(String(scaleServices[scaleLivekitName].command), /--config[ =]\/etc\/livekit\.yaml/);
    const addr = livekitScale.redis?.address ?? '';
    assert.equal(addr, `${scaleRedisName}:6379`, "LiveKit's redis: address");
    assert.notEqual(Number(livekitScale.redis?.db ?? 0), Number(u.pathname.slice(1) || 0),
      'lkgate and LiveKit use different databases of it');
  });

  test('livekit-scale.yaml is livekit.yaml with Redis, its webhooks sent to the balancer', () => {
    const { redis: _r, webhook, ...rest } = livekitScale;
    const { webhook: _w, ...single } = livekitConf;
    assert.deepEqual(rest, single, 'nothing else differs');
    assert.equal(webhook.urls.length, 1);
    const w = new URL(webhook.urls[0]);
    assert.equal(w.hostname, scaleLbName);
    assert.equal(Number(w.port || 80), lbPort);
    assert.equal(w.pathname, WEBHOOK_PATH);
  });

  test('the instances have one environment, of variables lkgate knows, as in docker-compose.yml', () => {
    const envs = scaleLkgateNames.map((n) => scaleEnvOf(n));
    for (const env of envs) {
      assert.deepEqual([...env], [...envs[0]], 'every instance has the same environment');
      for (const name of env.keys()) {
        assert.ok(knownVars.has(name) || LIVEKIT_ECOSYSTEM.includes(name), `${name} is known to lkgate`);
      }
      assert.equal(scaleServices[scaleLkgateNames[0]].env_file, undefined);
    }
    for (const [k, v] of lkgateEnv) {
      if (k !== 'LKGATE_TRUSTED_PROXIES') assert.equal(envs[0].get(k), v, `${k} as in docker-compose.yml`);
    }
    const api = new URL(envs[0].get('LIVEKIT_API_URL'));
    assert.equal(api.hostname, scaleLivekitName);
    for (const name of scaleUsed.keys()) assert.ok(dotenv.has(name), `.env.example defines ${name}`);
  });

  test('the balancer spreads over exactly the instances, which trust its fixed address', () => {
    assert.ok(lbConfPath && fs.existsSync(lbConfPath), 'the balancer mounts its nginx.conf from deploy/');
    assert.deepEqual(lb.proxied, lb.upstreams, 'proxy_pass names the upstream block');
    const want = scaleLkgateNames.map((n) => `${n}:${portOf(scaleEnvOf(n).get('LKGATE_LISTEN'))}`);
    assert.deepEqual([...lb.servers].sort(), [...want].sort(), 'one server line per instance');
    assert.match(lb.text, /proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for/);
    const published = (lbSvc.ports ?? []).flatMap(publishedPorts);
    assert.deepEqual(published.map((p) => `${p.host}:${p.published}:${p.target}`), [`127.0.0.1:8083:${lbPort}`]);
    for (const n of scaleLkgateNames) assert.deepEqual(scaleServices[n].ports ?? [], [], `${n} is reached through the balancer`);
    const ip = lbSvc.networks?.default?.ipv4_address;
    assert.ok(ip, 'the balancer has a fixed address');
    const subnet = scale.networks?.default?.ipam?.config?.[0]?.subnet ?? '';
    assert.equal(ip.split('.').slice(0, 3).join('.'), subnet.split('.').slice(0, 3).join('.'), 'in the fixed subnet');
    for (const n of scaleLkgateNames) {
      assert.ok(scaleEnvOf(n).get('LKGATE_TRUSTED_PROXIES').split(',').includes(ip), `${n} trusts ${ip}`);
    }
  });

  test('lkgate accepts the instances\' environment (lkgate -n)', () => {
    const env = { PATH: process.env.PATH, ...Object.fromEntries(scaleEnvOf(scaleLkgateNames[0])), LKGATE_CONFIG: '/dev/null' };
    const r = spawnSync(lkgateBin(), ['-n'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const stages = parseDockerfile(text);
  const runtime = stages.at(-1) ?? [];
  const last = (op) => runtime.filter((i) => i.op === op).at(-1);

  test('is a multi-stage build on Debian 12 slim', () => {
    assert.ok(stages.length >= 2, 'two FROM at least');
    for (const stage of stages) {
      assert.match(stage[0].args, /^debian:bookworm-slim(\s+AS\s+\S+)?$/i);
    }
    const copies = runtime.filter((i) => i.op === 'COPY' && /--from=/.test(i.args));
    assert.ok(copies.some((i) => /\/lkgate\s/.test(i.args)), 'the runtime stage copies the built binary');
    assert.ok(stages[0].some((i) => i.op === 'RUN' && /\bmake\b/.test(i.args)), 'the build stage runs make');
  });

  test('the runtime stage installs no -dev package nor build tool, and every library lkgate links', () => {
    const pkgs = aptInstalled(runtime);
    assert.ok(pkgs.length > 0, 'the runtime stage installs its libraries');
    for (const p of pkgs) {
      assert.ok(!/-dev$/.test(p) && !['gcc', 'make', 'pkg-config', 'build-essential'].includes(p),
        `${p} has no place in the runtime image`);
    }
    assert.ok(pkgs.includes('ca-certificates'), 'CA certificates for an https:// LiveKit API');
    // The packages holding the libraries the binary names (DT_NEEDED), as
    // dpkg knows them here; the sanitizers' and libc's aside.
    const readelf = spawnSync('readelf', ['-d', lkgateBin()], { encoding: 'utf8' });
    assert.equal(readelf.status, 0, 'readelf -d lkgate');
    const needed = [...readelf.stdout.matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1])
      .filter((so) => !/^(libc|libm|libasan|libubsan|libgcc_s|libstdc\+\+)\.so/.test(so));
    assert.ok(needed.length >= 5, `lkgate links its libraries: ${needed}`);
    const dpkg = spawnSync('dpkg', ['-S', ...needed.map((so) => `*/${so}`)], { encoding: 'utf8' });
    for (const so of needed) {
      // "package:arch: /path/to/so" lines (or "pkg1, pkg2: /path").
      const owners = dpkg.stdout.split('\n').filter((l) => l.endsWith(`/${so}`))
        .flatMap((l) => l.slice(0, l.lastIndexOf(': ')).split(', ').map((p) => p.split(':')[0]));
      assert.ok(owners.length, `dpkg knows which package holds ${so}: ${dpkg.stderr}`);
      assert.ok(owners.some((p) => pkgs.includes(p)), `${so} (${owners}) is installed in the runtime stage`);
    }
  });

  test('runs as a user that is not root', () => {
    const user = last('USER');
    assert.ok(user, 'the runtime stage has a USER');
    const [name, group] = user.args.split(':');
    assert.ok(!['root', '0'].includes(name) && !['root', '0'].includes(group ?? ''), `USER ${user.args}`);
    if (/^\d+$/.test(name)) {
      assert.ok(runtime.some((i) => i.op === 'RUN' && new RegExp(`useradd[^&;]*--uid ${name}\\b`).test(i.args)),
        `uid ${name} is created in the image`);
    }
  });

  test("EXPOSEs lkgate's port, has a HEALTHCHECK that the image holds, and runs lkgate", () => {
    const exposed = runtime.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    assert.ok(exposed.includes(String(lkgatePort)) || exposed.includes(`${lkgatePort}/tcp`), `EXPOSE ${lkgatePort}`);
    const hc = last('HEALTHCHECK');
    assert.ok(hc, 'a HEALTHCHECK');
    const m = /\bCMD\s+(.*)$/.exec(hc.args);
    assert.ok(m, 'HEALTHCHECK ... CMD, not NONE');
    const probe = JSON.parse(m[1])[0];
    const copy = runtime.find((i) => i.op === 'COPY' && !/--from=/.test(i.args) &&
      i.args.trim().split(/\s+/).at(-1) === probe);
    assert.ok(copy, `the probe ${probe} is copied into the image`);
    const src = path.join(repoRoot(), copy.args.trim().split(/\s+/)[0]);
    assert.ok(fs.statSync(src).mode & 0o111, `${src} is executable`);
    const entry = JSON.parse(last('ENTRYPOINT').args);
    assert.match(entry[0], /\/lkgate$/);
    const env = last('ENV');
    if (env) assert.match(env.args, new RegExp(`LKGATE_LISTEN=\\S*:${lkgatePort}\\b`));
  });

  // What `docker build` would do in the build stage, but here: the files
  // its COPYs bring, and nothing else, then its RUN that makes lkgate (the
  // packages deploy/install-deps would install are on this machine).
  test("the build stage's RUN make builds lkgate from just the files its COPYs bring", () => {
    const build = stages[0];
    const workdir = build.find((i) => i.op === 'WORKDIR')?.args ?? '/';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lkgate-context-'));
    try {
      for (const ins of build.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
        const words = ins.args.trim().split(/\s+/);
        let dest = words.pop();
        if (dest.startsWith('/')) {
          assert.ok(dest.startsWith(workdir), `${dest} is under WORKDIR ${workdir}`);
          dest = path.relative(workdir, dest);
        }
        for (const src of words) {
          const intoDir = words.length > 1 || /\/$|^\.$/.test(dest);
          const to = path.join(dir, dest, intoDir ? path.basename(src) : '');
          fs.mkdirSync(path.dirname(to), { recursive: true });
          fs.cpSync(path.join(repoRoot(), src), to, { recursive: true });
        }
      }
      const run = build.find((i) => i.op === 'RUN' && /(^|&&\s*)make\b/.test(i.args));
      assert.ok(run, 'the build stage runs make');
      const r = spawnSync('sh', ['-c', run.args], {
        cwd: dir, encoding: 'utf8', timeout: 600_000,
        env: { PATH: process.env.PATH, MAKEFLAGS: `-j${os.availableParallelism?.() ?? 2}` },
      });
      assert.equal(r.status, 0, `RUN ${run.args}:\n${r.stdout.slice(-2000)}${r.stderr.slice(-4000)}`);
      const runtimeCopy = runtime.find((i) => i.op === 'COPY' && /--from=/.test(i.args));
      const built = runtimeCopy.args.split(/\s+/).find((w) => w.startsWith('/'));
      const rel = path.relative(workdir, built);
      assert.ok(!rel.startsWith('..'), `${built} is in the build stage's WORKDIR`);
      assert.ok(fs.statSync(path.join(dir, rel)).mode & 0o111, `the runtime stage's ${built} was built`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the build context that Dockerfile.dockerignore leaves holds every file the build copies", () => {
    const ignore = read('Dockerfile.dockerignore').split('\n').map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const kept = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
    assert.equal(ignore[0], '*', 'an allow list');
    for (const stage of stages) {
      for (const ins of stage.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
        const srcs = ins.args.trim().split(/\s+/).slice(0, -1);
        for (const src of srcs) {
          assert.ok(kept.has(src.replace(/^\.\//, '').replace(/\/$/, '')), `${src} is in the context`);
          assert.ok(fs.existsSync(path.join(repoRoot(), src)), `${src} exists`);
        }
      }
    }
  });
});

describe('lkgate.service', () => {
  const text = read('lkgate.service');
  const unit = parseUnit(text);
  const svc = unit.Service ?? {};
  const one = (k) => {
    assert.ok(svc[k], `[Service] ${k}= is set`);
    return svc[k].at(-1);
  };

  test('runs lkgate in the foreground with /etc/lkgate/lkgate.conf and /etc/default/lkgate, reloads with SIGHUP', () => {
    assert.equal(one('Type'), 'simple');
    assert.match(one('ExecStart'), /^\/\S+\/lkgate -f \/etc\/lkgate\/lkgate\.conf$/);
    assert.match(one('ExecReload'), /^\/bin\/kill -HUP \$MAINPID$/);
    assert.equal(one('EnvironmentFile'), '-/etc/default/lkgate');
    assert.ok(unit.Install?.WantedBy?.includes('multi-user.target'));
  });

  test('is hardened', () => {
    assert.ok(one('DynamicUser') === 'yes' || !['root', '0'].includes(one('User')),
      'DynamicUser or a dedicated user');
    for (const [k, v] of Object.entries({
      NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes',
      MemoryDenyWriteExecute: 'yes', CapabilityBoundingSet: '',
    })) assert.equal(one(k), v, `${k}=${v}`);
    assert.deepEqual(one('RestrictAddressFamilies').split(/\s+/).sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX']);
    assert.ok(svc.SystemCallFilter?.includes('@system-service'), 'SystemCallFilter=@system-service');
    const maxInflight = Number(options.get('max_inflight').def);
    assert.ok(Number(one('LimitNOFILE')) > maxInflight,
      `LimitNOFILE ${one('LimitNOFILE')} above max_inflight ${maxInflight}`);
  });

  test('passes systemd-analyze verify', (t) => {
    const which = spawnSync('systemd-analyze', ['--version']);
    if (which.error) {
      t.skip('systemd-analyze is not installed');
      return;
    }
    // The unit as installed, with the binary under test where make install puts it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lkgate-unit-'));
    try {
      const unitFile = path.join(dir, 'lkgate.service');
      fs.writeFileSync(unitFile, text.replaceAll(/\/\S+\/bin\/lkgate\b/g, lkgateBin()));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', unitFile], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stderr.trim(), '', 'no warning');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lkgate with the environment of docker-compose.yml', () => {
  const key = dotenv.get('LIVEKIT_API_KEY');
  const secret = dotenv.get('LIVEKIT_API_SECRET');
  let lk;
  let gw;
  let env;

  before(async () => {
    // livekit-server as the compose file configures it: the emulator with
    // the key pair of LIVEKIT_KEYS.
    const [lkKey, lkSecret] = Object.entries(parseYaml(livekitEnv.get('LIVEKIT_KEYS')))[0];
    lk = await startEmulator({ apiKey: lkKey, apiSecret: lkSecret });
    // Exactly lkgate's compose environment; only the addresses change:
    // LiveKit's service name is the emulator here, and lkgate listens on a
    // free loopback port instead of 0.0.0.0:8083.
    env = Object.fromEntries(lkgateEnv);
    assert.equal(new URL(env.LIVEKIT_API_URL).hostname, livekitName);
    env.LIVEKIT_API_URL = lk.url;
    env.LKGATE_LISTEN = `127.0.0.1:${await freePort()}`;
    // The image has no configuration file: /dev/null stands for it,
    // whatever this machine has in /etc/lkgate.
    gw = await startLkgate({ env: { ...env, LKGATE_CONFIG: '/dev/null' } });
  });

  after(async () => {
    await gw?.stop();
    await lk?.close();
  });

  test('starts with no configuration file, answers /health and /readyz', async () => {
    assert.equal((await request(`${gw.url}/health`)).status, 200);
    assert.equal((await request(`${gw.url}/readyz`)).status, 200, 'LiveKit is reachable');
  });

  test("creates a session with .env's API key; the token and LiveKit call use .env's pair", async () => {
    const [, apiKey] = env.LKGATE_API_KEYS.split(',')[0].split(':');
    const res = await request(`${gw.url}/api/sessions`, {
      method: 'POST', headers: { 'X-API-Key': apiKey }, body: { user_id: 'deploy-test' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.url, dotenv.get('LIVEKIT_URL'), 'clients get LIVEKIT_URL');
    const claims = await new TokenVerifier(key, secret).verify(res.json.token);
    assert.equal(claims.sub, 'deploy-test');
    const create = lk.calls.find((c) => c.method === 'CreateRoom');
    assert.equal(create?.claims?.iss, key, 'lkgate called LiveKit with LIVEKIT_API_KEY');
  });

  test('accepts a webhook signed the way livekit-server signs it with the compose keys', async () => {
    const body = JSON.stringify({ event: 'room_started', room: { sid: 'RM_d', name: 'r-deploy' }, id: 'EV_d', createdAt: '1700000000' });
    const webhookKey = livekitEnv.get('LIVEKIT_WEBHOOK_API_KEY');
    const at = new AccessToken(webhookKey, parseYaml(livekitEnv.get('LIVEKIT_KEYS'))[webhookKey], { ttl: '5m' });
    at.sha256 = createHash('sha256').update(body).digest('base64');
    const res = await request(`${gw.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/webhook+json', Authorization: await at.toJwt() },
      body,
    });
    assert.equal(res.status, 200, res.text);
  });

  test("the image's health probe passes against it, and fails once it is gone", async () => {
    const probe = path.join(DEPLOY, 'lkgate-healthcheck');
    // Not spawnSync: the emulator answers from this process's event loop.
    const run = (listen) => new Promise((resolve) => {
      execFile('bash', [probe], {
        env: { PATH: process.env.PATH, LKGATE_LISTEN: listen }, timeout: 10_000,
      }, (err, stdout, stderr) => resolve({ status: err ? err.code : 0, stderr }));
    });
    const up = await run(env.LKGATE_LISTEN);
    assert.equal(up.status, 0, up.stderr);
    // As in the container: a wildcard address is probed on loopback.
    const wildcard = await run(`0.0.0.0:${gw.port}`);
    assert.equal(wildcard.status, 0, wildcard.stderr);
    // Something that is not lkgate's /health does not pass.
    const other = await run(lk.url.replace('http://', ''));
    assert.equal(other.status, 1, 'a server answering /health with 404 is not healthy');
    assert.match(other.stderr, / 404 /, 'the probe says what it got');
    const stopped = await gw.stop();
    assert.equal(stopped.code, 0);
    const down = await run(env.LKGATE_LISTEN);
    assert.equal(down.status, 1, 'no lkgate: unhealthy');
  });
});
