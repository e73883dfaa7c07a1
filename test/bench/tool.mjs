// Small helpers for test/bench/run, Node built-ins only.
//   node tool.mjs ports N            N distinct free TCP ports on 127.0.0.1
//   node tool.mjs jwt SECRET SUB     an HS256 user JWT for SUB, valid 1 h
import net from 'node:net';
import { createHmac } from 'node:crypto';

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'ports') {
  const servers = [];
  for (let i = 0; i < Number(args[0]); i++) {
    const srv = net.createServer();
    await new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', resolve);
    });
    servers.push(srv);
  }
  console.log(servers.map((s) => s.address().port).join(' '));
  for (const s of servers) s.close();
} else if (cmd === 'jwt') {
  const [secret, sub] = args;
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, name: 'Bench User', iat: now, nbf: now, exp: now + 3600 })}`;
  console.log(`${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`);
} else {
  console.error('usage: tool.mjs ports N | jwt SECRET SUB');
  process.exit(2);
}
