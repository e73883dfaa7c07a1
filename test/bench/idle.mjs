// Opens --count keep-alive connections to lkgate, makes one request on
// each (GET /health, HTTP/1.1) so each is a used, kept-alive connection,
// then holds them idle.  Prints "ready OPEN" once all are idle, and exits
// on SIGTERM or after --hold-s seconds, whichever comes first; its last
// line says how many were still open then.
// The connections come from 127.0.0.1, 127.0.0.2, ... at most
// --per-address from each (200), so that lkgate's default cap of open
// connections per client address (max_connections_per_ip, 256) is not
// what is measured: many clients, each with a few connections, are.
//   node test/bench/idle.mjs --port P [--count 1000] [--hold-s 20]
//       [--per-address 200]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    count: { type: 'string', default: '1000' },
    'hold-s': { type: 'string', default: '20' },
    parallel: { type: 'string', default: '100' },
    'per-address': { type: 'string', default: '200' },
  },
});
const port = Number(values.port);
const count = Number(values.count);
const parallel = Number(values.parallel);
const perAddress = Number(values['per-address']);
let made = 0;
const sockets = [];
let open = 0;
let failed = 0;

// One connection, one request; resolves once the whole answer is in.
const openOne = () => new Promise((resolve) => {
  const from = `127.0.0.${1 + Math.floor(made++ / perAddress)}`;
  const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
  let buf = '';
  let done = false;
  const finish = (ok) => {
    if (done) return;
    done = true;
    if (!ok) failed++;
    resolve();
  };
  s.setTimeout(5000, () => { s.destroy(); finish(false); });
  s.on('connect', () => {
    open++;
    s.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  });
  s.on('data', (d) => {
    buf += d.toString('latin1');
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) return;
    const m = /content-length:\s*(\d+)/i.exec(buf.slice(0, end));
    if (buf.length >= end + 4 + (m ? Number(m[1]) : 0)) {
      s.setTimeout(0);
      finish(buf.startsWith('HTTP/1.1 200'));
    }
  });
  s.on('close', () => { open--; finish(false); });
  s.on('error', () => {});
  sockets.push(s);
});

for (let i = 0; i < count; i += parallel) {
  await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, openOne));
}
console.log(`ready ${open} failed ${failed}`);

const end = () => {
  console.log(`closing: ${open} were still open`);
  for (const s of sockets) s.destroy();
  process.exit(0);
};
setTimeout(end, Number(values['hold-s']) * 1000);
process.on('SIGTERM', end);
process.on('SIGINT', end);
