// The soak of `make bench`: --pairs session creates, each followed by the
// delete of that session, --concurrency at a time over keep-alive
// connections.  Stops by itself after --max-s seconds even if unfinished.
// With --pid, samples that process's VmRSS every 10% of the way.
//   node test/bench/soak.mjs --url http://127.0.0.1:P --api-key KEY \
//        [--pairs 20000] [--concurrency 32] [--max-s 240] [--pid PID]
// Prints one line: pairs=N ok=N failed=N seconds=S rss_kb=a,b,...
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    pairs: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    'max-s': { type: 'string', default: '240' },
    pid: { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const concurrency = Number(values.concurrency);
const deadline = Date.now() + Number(values['max-s']) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const base = new URL(values.url);

const rss = () => {
  if (!values.pid) return null;
  const m = /VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${values.pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
};

function call(method, path, body) {
  return new Promise((resolve) => {
    const headers = { 'X-API-Key': values['api-key'] };
    if (body) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

const body = JSON.stringify({
  user_id: 'soak-user', language: 'fr', scenario_id: 'scenario123',
  goal: 'Améliorer la prononciation', agent_profile_id: 'coach', is_multi_agent: false,
});
let next = 0;
let ok = 0;
let failed = 0;
const statuses = new Map();
const samples = [rss()];
const step = Math.max(1, Math.floor(pairs / 10));
const t0 = Date.now();

async function worker() {
  while (next < pairs && Date.now() < deadline) {
    const i = next++;
    const c = await call('POST', '/api/sessions', body);
    let d = { status: 0 };
    if (c.status === 200) {
      const id = JSON.parse(c.text).session_id;
      d = await call('DELETE', `/api/sessions/${id}`);
    }
    if (c.status === 200 && d.status === 200) ok++;
    else {
      failed++;
      const k = `${c.status}/${d.status}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
    if ((i + 1) % step === 0) samples.push(rss());
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
const seconds = ((Date.now() - t0) / 1000).toFixed(1);
const why = [...statuses].map(([k, n]) => `${k}:${n}`).join(',') || '-';
console.log(`pairs=${pairs} ok=${ok} failed=${failed} seconds=${seconds} ` +
  `rss_kb=${samples.filter((x) => x !== null).join(',')} failures=${why}`);
