// The Node.js baseline of `make bench`: the job of lkgate's
// POST /api/livekit/token with an API key, done the way a LiveKit app's
// token server usually does it, with the official livekit-server-sdk's
// AccessToken.  One process, node:http, no framework.
//   node test/bench/node-token-server.mjs --port P --api-key KEY \
//        --livekit-key K --livekit-secret S --livekit-url ws://...
// Prints "listening" once it accepts connections.
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AccessToken } from '../emulator/sdk.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'api-key': { type: 'string' },
    'livekit-key': { type: 'string', default: 'devkey' },
    'livekit-secret': { type: 'string', default: 'secret' },
    'livekit-url': { type: 'string', default: 'ws://localhost:7880' },
    ttl: { type: 'string', default: '3600' },
  },
});
const apiKey = Buffer.from(values['api-key']);
const ttl = Number(values.ttl);
const IDENTITY = /^[A-Za-z0-9_.@:-]{1,128}$/;
const ROOM = /^[A-Za-z0-9_.-]{1,128}$/;

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
const fail = (res, status, code, error) =>
  send(res, status, { error, code, timestamp: Math.floor(Date.now() / 1000) });

function keyOk(header) {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  return given.length === apiKey.length && timingSafeEqual(given, apiKey);
}

async function token(req, res, raw) {
  if (!keyOk(req.headers['x-api-key'])) return fail(res, 401, 'UNAUTHORIZED', 'invalid API key');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  }
  let b;
  try {
    b = JSON.parse(raw);
  } catch {
    return fail(res, 400, 'INVALID_INPUT', 'body is not JSON');
  }
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return fail(res, 400, 'INVALID_INPUT', 'body must be an object');
  const room = b.room_name;
  const identity = b.participant_identity ?? b.identity;
  if (typeof room !== 'string' || !ROOM.test(room)) return fail(res, 400, 'INVALID_INPUT', 'room_name is invalid');
  if (typeof identity !== 'string' || !IDENTITY.test(identity)) {
    return fail(res, 400, 'INVALID_INPUT', 'participant_identity is invalid');
  }
  const at = new AccessToken(values['livekit-key'], values['livekit-secret'], {
    identity,
    name: typeof b.participant_name === 'string' ? b.participant_name : undefined,
    metadata: typeof b.participant_metadata === 'string' ? b.participant_metadata : undefined,
    attributes: b.participant_attributes ?? undefined,
    ttl,
  });
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, canPublishData: true });
  const jwt = await at.toJwt();
  const url = values['livekit-url'];
  send(res, 200, {
    token: jwt, url, room_name: room, identity,
    expires_at: Math.floor(Date.now() / 1000) + ttl,
    server_url: url, participant_token: jwt,
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 65536) chunks.push(c);
  });
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/api/livekit/token') {
      return fail(res, 404, 'NOT_FOUND', 'no such route');
    }
    if (size > 65536) return fail(res, 413, 'PAYLOAD_TOO_LARGE', 'body too large');
    token(req, res, Buffer.concat(chunks).toString('utf8'))
      .catch((err) => fail(res, 500, 'INTERNAL_ERROR', String(err?.message ?? err)));
  });
});
server.listen(Number(values.port), '127.0.0.1', () => console.log('listening'));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
