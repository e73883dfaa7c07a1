// Small helpers for test/bench/run, Node built-ins only.
//   node tool.mjs ports N            N distinct free TCP ports on 127.0.0.1
//   node tool.mjs jwt SECRET SUB     an HS256 user JWT for SUB, valid 1 h
//   node tool.mjs es256 FILE SUB     writes a JWKS of 8 ES256 keys (kid k0
//                                    to k7) to FILE; prints three tokens:
//                                    valid for SUB (kid k0), forged without
//                                    kid, forged naming k5
import fs from 'node:fs';
import net from 'node:net';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';

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
} else if (cmd === 'es256') {
  const [file, sub] = args;
  const keys = Array.from({ length: 8 },
    () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(file, JSON.stringify({ keys: keys.map((k, i) =>
    ({ ...k.publicKey.export({ format: 'jwk' }), kid: `k${i}` })) }));
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const es256 = (key, header) => {
    const head = `${enc({ alg: 'ES256', typ: 'JWT', ...header })}.${enc({ sub, iat: now, exp: now + 3600 })}`;
    const sig = sign('sha256', Buffer.from(head), { key, dsaEncoding: 'ieee-p1363' });
    return `${head}.${sig.toString('base64url')}`;
  };
  console.log(es256(keys[0].privateKey, { kid: 'k0' }),
    es256(rogue.privateKey, {}), es256(rogue.privateKey, { kid: 'k5' }));
} else {
  console.error('usage: tool.mjs ports N | jwt SECRET SUB | es256 FILE SUB');
  process.exit(2);
}
