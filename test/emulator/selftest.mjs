// Checks the emulator against LiveKit's official Node SDK: if the SDK's
// RoomServiceClient and AgentDispatchClient work against it, and its answers
// have the wire shapes of shared/reference/livekit-wire.md, lkgate's
// integration tests exercise lkgate against something that speaks LiveKit.
//
//   cd test/emulator && node --test selftest.mjs

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateRoomRequest, Room } from '@livekit/protocol';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { startEmulator } from './emulator.mjs';
import { request } from '../integration/lib.mjs';

const KEY = 'devkey';
const SECRET = 'secret';

let emu;
let rooms;
let dispatch;

before(async () => {
  emu = await startEmulator({ apiKey: KEY, apiSecret: SECRET });
  rooms = new RoomServiceClient(emu.url, KEY, SECRET);
  dispatch = new AgentDispatchClient(emu.url, KEY, SECRET);
});
after(() => emu.close());
beforeEach(() => emu.reset());

async function token(video, { key = KEY, secret = SECRET } = {}) {
  const at = new AccessToken(key, secret, { ttl: '10m' });
  at.addGrant(video);
  return at.toJwt();
}

// A JWT signed by hand, for the claims and headers the SDK will not make.
function rawJwt(header, payload, secret = SECRET) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${b64(header)}.${b64(payload)}`;
  const alg = { HS256: 'sha256', HS384: 'sha384' }[header.alg];
  return `${signed}.${createHmac(alg, secret).update(signed).digest('base64url')}`;
}

async function twirp(method, body, { auth, contentType = 'application/json', service = 'RoomService', httpMethod = 'POST', timeout } = {}) {
  const headers = {};
  if (contentType !== null) headers['Content-Type'] = contentType;
  if (auth !== undefined) headers.Authorization = auth;
  return request(`${emu.url}/twirp/livekit.${service}/${method}`, {
    method: httpMethod, headers, body: typeof body === 'string' ? body : JSON.stringify(body), timeout, agent: false,
  });
}

async function until(cond, ms = 2000) {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}

const bearer = async (video) => `Bearer ${await token(video)}`;

// The SDK's error for a failed call, checked field by field.
async function rejectsWith(promise, { status, code, message }) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe('rooms through the official SDK', () => {
  test('create, list, delete, and 404 on a second delete', async () => {
    const created = await rooms.createRoom({
      name: 'r1', emptyTimeout: 120, departureTimeout: 10, maxParticipants: 4, metadata: '{"a":1}',
    });
    assert.match(created.sid, /^RM_[A-Za-z0-9]{12}$/);
    assert.equal(created.emptyTimeout, 120);
    assert.equal(created.departureTimeout, 10);
    assert.equal(created.maxParticipants, 4);
    assert.equal(created.metadata, '{"a":1}');
    assert.ok(Math.abs(Number(created.creationTime) - Date.now() / 1000) < 5);
    assert.equal(created.creationTimeMs / 1000n, created.creationTime);

    await rooms.createRoom({ name: 'r2' });
    assert.deepEqual((await rooms.listRooms()).map((r) => r.name).sort(), ['r1', 'r2']);
    assert.deepEqual((await rooms.listRooms(['r2', 'nope'])).map((r) => r.name), ['r2']);

    await rooms.deleteRoom('r1');
    assert.deepEqual((await rooms.listRooms()).map((r) => r.name), ['r2']);
    await rejectsWith(rooms.deleteRoom('r1'), {
      status: 404, code: 'not_found', message: 'twirp error unknown: requested room does not exist',
    });
  });

  test('CreateRoom is idempotent and applies server defaults', async () => {
    const first = await rooms.createRoom({ name: 'r1', metadata: 'one' });
    assert.equal(first.emptyTimeout, 300);
    assert.equal(first.departureTimeout, 20);
    const again = await rooms.createRoom({ name: 'r1', metadata: 'two', emptyTimeout: 5 });
    assert.equal(again.sid, first.sid);
    assert.equal(again.metadata, 'one');
    assert.equal(again.emptyTimeout, 300);
  });

  test('an empty room name is invalid_argument', async () => {
    await rejectsWith(rooms.createRoom({ name: '' }), { status: 400, code: 'invalid_argument' });
  });

  test('UpdateRoomMetadata updates, and 404s on a missing room', async () => {
    await rooms.createRoom({ name: 'r1' });
    assert.equal((await rooms.updateRoomMetadata('r1', 'new')).metadata, 'new');
    assert.equal(emu.rooms.get('r1').room.metadata, 'new');
    await rejectsWith(rooms.updateRoomMetadata('gone', 'x'), { status: 404, code: 'not_found' });
  });

  test('SendData reaches an existing room only', async () => {
    await rooms.createRoom({ name: 'r1' });
    await rooms.sendData('r1', new TextEncoder().encode('hi'), 0, { topic: 't' });
    assert.equal(emu.callsOf('SendData')[0].body.data, 'aGk=');
    await rejectsWith(rooms.sendData('gone', new Uint8Array([1]), 0), { status: 404, code: 'not_found' });
  });
});

describe('participants', () => {
  test('list, get, update, remove, and 404 for a missing identity', async () => {
    emu.addParticipant('r1', { identity: 'alice', name: 'Alice', is_publisher: true });
    emu.addParticipant('r1', { identity: 'bot', kind: 'agent' });

    const [room] = await rooms.listRooms(['r1']);
    assert.equal(room.numParticipants, 1, 'agents do not count');
    assert.equal(room.numPublishers, 1);
    assert.deepEqual((await rooms.listParticipants('r1')).map((p) => p.identity).sort(), ['alice', 'bot']);
    assert.deepEqual(await rooms.listParticipants('nowhere'), []);

    const alice = await rooms.getParticipant('r1', 'alice');
    assert.match(alice.sid, /^PA_/);
    assert.equal(alice.name, 'Alice');

    await rooms.updateParticipant('r1', 'alice', { metadata: 'm', attributes: { a: '1', b: '2' } });
    const updated = await rooms.updateParticipant('r1', 'alice', { attributes: { a: '' } });
    assert.equal(updated.metadata, 'm', 'empty metadata means no change');
    assert.deepEqual(updated.attributes, { b: '2' }, 'an empty value deletes the key');

    await rooms.removeParticipant('r1', 'alice');
    const missing = { status: 404, code: 'not_found', message: 'twirp error unknown: participant does not exist' };
    await rejectsWith(rooms.getParticipant('r1', 'alice'), missing);
    await rejectsWith(rooms.removeParticipant('r1', 'alice'), missing);
    assert.equal((await rooms.listRooms(['r1']))[0].numParticipants, 0);
  });

  test('MutePublishedTrack mutes, and refuses a remote unmute', async () => {
    emu.addParticipant('r1', { identity: 'alice', tracks: [{ sid: 'TR_a', type: 'AUDIO' }] });
    assert.equal((await rooms.mutePublishedTrack('r1', 'alice', 'TR_a', true)).muted, true);
    await rejectsWith(rooms.mutePublishedTrack('r1', 'alice', 'TR_a', false), {
      status: 412, code: 'failed_precondition',
    });
    await rejectsWith(rooms.mutePublishedTrack('r1', 'alice', 'TR_x', true), { status: 404, code: 'not_found' });
  });
});

describe('agent dispatch', () => {
  test('CreateRoom agents become dispatches', async () => {
    await rooms.createRoom({ name: 'r1', agents: [{ agentName: 'coach', metadata: '{"x":1}' }] });
    const [d] = await dispatch.listDispatch('r1');
    assert.match(d.id, /^AD_/);
    assert.equal(d.agentName, 'coach');
    assert.equal(d.metadata, '{"x":1}');
    assert.ok(d.state.createdAt > BigInt(Date.now() - 5000) * 1_000_000n, 'created_at is in ns');
  });

  test('CreateDispatch creates the room; DeleteDispatch removes the dispatch', async () => {
    const d = await dispatch.createDispatch('r2', 'bot', { metadata: 'm' });
    assert.equal(d.room, 'r2');
    assert.ok(emu.rooms.has('r2'));
    assert.equal((await dispatch.getDispatch(d.id, 'r2')).agentName, 'bot');
    await dispatch.deleteDispatch(d.id, 'r2');
    assert.deepEqual(await dispatch.listDispatch('r2'), []);
    await rejectsWith(dispatch.deleteDispatch(d.id, 'r2'), { status: 404, code: 'not_found' });
    await rejectsWith(dispatch.listDispatch('not-live'), { status: 503, code: 'unavailable' });
  });
});

describe('auth middleware and grants', () => {
  test('a client with the wrong secret gets a plain-text 401', async () => {
    const wrong = new RoomServiceClient(emu.url, KEY, 'not-the-secret');
    await rejectsWith(wrong.listRooms(), { status: 401, code: undefined, message: 'invalid authorization token' });
  });

  test('an unknown API key gets a plain-text 401', async () => {
    const other = new RoomServiceClient(emu.url, 'otherkey', SECRET);
    await rejectsWith(other.listRooms(), { status: 401, code: undefined, message: 'invalid API key' });
  });

  test('plain-text failures of the middleware', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [`bearer ${await token({ roomList: true })}`, 'invalid authorization header. Must start with Bearer '],
      ['Basic ZGV2a2V5OnNlY3JldA==', 'invalid authorization header. Must start with Bearer '],
      ['Bearer not.a.jwt', 'invalid authorization token'],
      [`Bearer ${rawJwt({ alg: 'HS256' }, { iss: KEY, nbf: now, video: { roomList: true } })}`, 'invalid authorization token'],
      [`Bearer ${rawJwt({ alg: 'HS384' }, { iss: KEY, exp: now + 60, video: { roomList: true } })}`, 'invalid authorization token'],
      [`Bearer ${rawJwt({ alg: 'HS256' }, { iss: KEY, exp: now - 120, video: { roomList: true } })}`, 'invalid authorization token'],
    ];
    for (const [auth, text] of cases) {
      const res = await twirp('ListRooms', {}, { auth });
      assert.equal(res.status, 401, auth);
      assert.equal(res.text, text, auth);
      assert.match(res.headers['content-type'], /^text\/plain/);
    }
    // Within the server's 60 s of clock skew.
    const late = rawJwt({ alg: 'HS256' }, { iss: KEY, exp: now - 30, video: { roomList: true } });
    assert.equal((await twirp('ListRooms', {}, { auth: `Bearer ${late}` })).status, 200);
    // The middleware runs for every path, the health probe included.
    assert.equal((await request(`${emu.url}/`, { headers: { Authorization: 'Basic x' } })).status, 401);
  });

  test('missing grants are a Twirp permissions denied', async () => {
    const denied = { code: 'unauthenticated', msg: 'permissions denied' };
    const cases = [
      ['ListRooms', {}, undefined],
      ['ListRooms', {}, await bearer({ roomCreate: true })],
      ['CreateRoom', { name: 'r1' }, await bearer({ roomList: true })],
      ['DeleteRoom', { room: 'r1' }, await bearer({ roomAdmin: true, room: 'r1' })],
      ['ListParticipants', { room: 'r1' }, await bearer({ roomAdmin: true })],
      ['ListParticipants', { room: 'r1' }, await bearer({ roomAdmin: true, room: 'r2' })],
      ['ListParticipants', { room: 'r1' }, await bearer({ roomCreate: true, roomList: true, room: 'r1' })],
      ['CreateDispatch', { room: 'r1', agent_name: 'a' }, await bearer({ roomCreate: true })],
    ];
    for (const [method, body, auth] of cases) {
      const res = await twirp(method, body, { auth, service: method.endsWith('Dispatch') ? 'AgentDispatchService' : 'RoomService' });
      assert.equal(res.status, 401, `${method} ${auth}`);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(res.json, denied);
    }
    assert.equal(emu.rooms.size, 0);
  });
});

describe('Twirp transport', () => {
  test('routing and Content-Type errors are bad_route', async () => {
    const auth = await bearer({ roomList: true });
    const path = '/twirp/livekit.RoomService/ListRooms';
    const get = await twirp('ListRooms', {}, { auth, httpMethod: 'GET' });
    assert.equal(get.status, 404);
    assert.deepEqual(get.json, {
      code: 'bad_route', msg: 'unsupported method "GET" (only POST is allowed)', meta: { twirp_invalid_route: `GET ${path}` },
    });
    const unknown = await twirp('ListRoom', {}, { auth });
    assert.equal(unknown.json.msg, 'no handler for path "/twirp/livekit.RoomService/ListRoom"');
    const wrongType = await twirp('ListRooms', {}, { auth, contentType: 'text/plain' });
    assert.equal(wrongType.status, 404);
    assert.equal(wrongType.json.msg, 'unexpected Content-Type: "text/plain"');
    assert.equal((await twirp('ListRooms', {}, { auth, contentType: null })).json.msg, 'unexpected Content-Type: ""');
    assert.equal((await twirp('ListRooms', {}, { auth, contentType: ' Application/JSON ; charset=utf-8' })).status, 200);
    const otherService = await twirp('ListRooms', {}, { auth, service: 'NoService' });
    assert.deepEqual([otherService.status, otherService.text], [404, '404 page not found\n']);
  });

  test('unknown fields, bad JSON and repeated keys are malformed', async () => {
    const auth = await bearer({ roomCreate: true });
    const malformed = { code: 'malformed', msg: 'the json request could not be decoded' };
    for (const body of ['{"name":"r1","emptyTimeOut":5}', '{"name":"r1",', '', '[]', '{"name":"r1","name":"r2"}',
      '{"name":"r1","max_participants":"many"}']) {
      const res = await twirp('CreateRoom', body, { auth });
      assert.equal(res.status, 400, body);
      assert.deepEqual(res.json, malformed, body);
    }
    assert.equal(emu.rooms.size, 0);
  });

  test('snake_case and camelCase requests; snake_case answers with every field', async () => {
    const auth = await bearer({ roomCreate: true });
    const res = await twirp('CreateRoom', { name: 'r1', empty_timeout: 60, maxParticipants: 3 }, { auth });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text));
    const room = res.json;
    assert.equal(room.empty_timeout, 60);
    assert.equal(room.max_participants, 3);
    assert.equal(typeof room.creation_time, 'string', 'int64 is a JSON string');
    assert.equal(typeof room.creation_time_ms, 'string');
    for (const key of ['metadata', 'num_participants', 'num_publishers', 'active_recording', 'turn_password', 'departure_timeout']) {
      assert.ok(key in room, key);
    }
    assert.deepEqual(room.enabled_codecs[0], { mime: 'audio/opus', fmtp_line: '' });
    assert.equal(typeof room.version.unix_micro, 'string');
    // What lkgate sent is recorded, decoded.
    const [call] = emu.callsOf('CreateRoom');
    assert.deepEqual(call.body, { name: 'r1', emptyTimeout: 60, maxParticipants: 3 });
    assert.equal(call.claims.iss, KEY);
    assert.equal(call.service, 'livekit.RoomService');
  });

  test('an unset sub-message is null, as Go protojson writes it', async () => {
    emu.addParticipant('r1', { identity: 'alice', tracks: [{ sid: 'TR_a', type: 'AUDIO' }] });
    const res = await twirp('GetParticipant', { room: 'r1', identity: 'alice' }, { auth: await bearer({ roomAdmin: true, room: 'r1' }) });
    assert.equal(res.json.tracks[0].version, null);
    assert.equal(res.json.state, 'ACTIVE');
    assert.equal(res.json.permission.can_publish, true);
  });

  test('protobuf requests get protobuf answers', async () => {
    const res = await new Promise((resolve, reject) => {
      token({ roomCreate: true }).then((jwt) => {
        const req = http.request(`${emu.url}/twirp/livekit.RoomService/CreateRoom`, {
          method: 'POST', headers: { 'Content-Type': 'application/protobuf', Authorization: `Bearer ${jwt}` },
        }, (r) => {
          const chunks = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => resolve({ status: r.statusCode, type: r.headers['content-type'], body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end(new CreateRoomRequest({ name: 'pb' }).toBinary());
      }, reject);
    });
    assert.equal(res.status, 200);
    assert.equal(res.type, 'application/protobuf');
    assert.equal(Room.fromBinary(res.body).name, 'pb');
  });

  test('GET / is the health probe', async () => {
    assert.deepEqual(
      await request(`${emu.url}/`).then((r) => [r.status, r.text]), [200, 'OK']);
    emu.setHealthy(false);
    const res = await request(`${emu.url}/`);
    assert.equal(res.status, 406);
    assert.match(res.text, /^Not Ready/);
    assert.equal((await request(`${emu.url}/nothing`)).status, 404);
  });
});

describe('faults and connections', () => {
  test('failNext answers once with a Twirp or plain-text error', async () => {
    emu.failNext('ListRooms', { code: 'unavailable', msg: 'down for a bit' });
    emu.failNext('ListRooms', { status: 502, text: 'Bad Gateway' });
    await rejectsWith(rooms.listRooms(), { status: 503, code: 'unavailable', message: 'down for a bit' });
    await rejectsWith(rooms.listRooms(), { status: 502, code: undefined, message: 'Bad Gateway' });
    assert.deepEqual(await rooms.listRooms(), []);
    assert.deepEqual(emu.callsOf('ListRooms').map((c) => c.status), [503, 502, 200]);
  });

  test('setDelay holds every Twirp answer', async () => {
    emu.setDelay(300);
    const t0 = Date.now();
    await rooms.listRooms();
    assert.ok(Date.now() - t0 >= 290);
  });

  test('setDelay takes a delay per call, and failNext a room', async () => {
    await rooms.createRoom({ name: 'fast' });
    await rooms.createRoom({ name: 'slow' });
    emu.setDelay((call, room) => (room === 'slow' ? 300 : 0));
    emu.failNext('ListParticipants', { room: 'slow', code: 'unavailable', msg: 'slow is down' });
    const t0 = Date.now();
    assert.deepEqual(await rooms.listParticipants('fast'), [], 'the fault waits for its room');
    assert.ok(Date.now() - t0 < 250, 'the other room is not held');
    await rejectsWith(rooms.listParticipants('slow'), { status: 503, code: 'unavailable', message: 'slow is down' });
    assert.ok(Date.now() - t0 >= 290, 'slow is held');
    assert.deepEqual(await rooms.listParticipants('slow'), [], 'once');
  });

  test('hang accepts and never answers', async () => {
    emu.hang(true);
    await assert.rejects(request(`${emu.url}/`, { timeout: 300, agent: false }), /no answer/);
    await assert.rejects(twirp('ListRooms', {}, { timeout: 300 }), /no answer/);
    assert.equal(emu.calls.length, 1, 'the call arrived; the health probe is no call');
  });

  test('keep-alive reuse is visible; restart drops it; refuse refuses', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const auth = await bearer({ roomList: true });
    const list = () => request(`${emu.url}/twirp/livekit.RoomService/ListRooms`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: '{}', agent,
    });
    await list();
    await list();
    const [a, b] = emu.calls.map((c) => c.connId);
    assert.equal(a, b, 'one kept-alive connection');

    const before = emu.connections;
    await emu.restart();
    // Reused at once, the stale connection would fail (lkgate must retry
    // that); here the client is given time to notice the close.
    await until(() => Object.keys(agent.freeSockets).length === 0);
    assert.equal((await list()).status, 200);
    assert.notEqual(emu.calls.at(-1).connId, a);
    assert.equal(emu.connections, before + 1);

    await emu.refuse();
    await until(() => Object.keys(agent.freeSockets).length === 0);
    await assert.rejects(list(), { code: 'ECONNREFUSED' });
    await emu.restart();
    assert.equal((await list()).status, 200);
    agent.destroy();
  });

  test('reset forgets rooms, calls and faults', async () => {
    await rooms.createRoom({ name: 'r1' });
    emu.failNext('ListRooms', { code: 'internal', msg: 'x' });
    emu.setHealthy(false);
    emu.reset();
    assert.equal(emu.rooms.size, 0);
    assert.equal(emu.calls.length, 0);
    assert.deepEqual(await rooms.listRooms(), []);
    assert.equal((await request(`${emu.url}/`)).status, 200);
  });
});
