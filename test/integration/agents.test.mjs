// LiveKit's standard token endpoint with agents: livekit-client's own
// TokenSource.endpoint asks POST /api/livekit/token for a token with
// room_config.agents.  The roomConfig claim must be what livekit-server-sdk's
// AccessToken writes; a room that already exists gets its agents dispatched
// once (CreateDispatch, checked with ListDispatch); only agents of the
// configured profiles; other room_config fields and lk. attributes refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startEmulator } from '../emulator/emulator.mjs';
import { RoomAgentDispatch, RoomConfiguration, TokenSource } from '../emulator/client.mjs';
import { AccessToken, TokenVerifier, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIagentstest';
const LK_SECRET = 'an-agents-test-livekit-secret-32-chars-long';
const USER_SECRET = 'the-agents-test-user-jwt-secret-32-bytes';
const ADMIN_KEY = 'agents-admin-key-0123456789';
const APP_KEY = 'agents-app-key-0123456789';

let lk;
let gw;

function userJwt(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const body = enc({ sub, iat: now, exp: now + 600, ...extra });
  const sig = createHmac('sha256', USER_SECRET).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

const ALICE = { Authorization: `Bearer ${userJwt('alice', { name: 'Alice' })}` };
const BOB = { Authorization: `Bearer ${userJwt('bob', { name: 'Bob' })}` };
const ADMIN = { 'X-API-Key': ADMIN_KEY };

const tokenUrl = () => `${gw.url}/api/livekit/token`;
const source = (headers) => TokenSource.endpoint(tokenUrl(), { headers });
const post = (headers, body) =>
  request(tokenUrl(), { method: 'POST', headers, body });
const verify = (token) => new TokenVerifier(LK_KEY, LK_SECRET).verify(token);

// The roomConfig claim livekit-server-sdk writes for these agents.
async function sdkRoomConfig(agents) {
  const at = new AccessToken(LK_KEY, LK_SECRET, { identity: 'x' });
  at.roomConfig = new RoomConfiguration({
    agents: agents.map((a) => new RoomAgentDispatch(a)),
  });
  const payload = await verify(await at.toJwt());
  return payload.roomConfig;
}

// The payload's claims, as text in their order (to compare byte for byte).
const payloadText = (token) =>
  Buffer.from(token.split('.')[1], 'base64url').toString();

function assertError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  if (field) assert.ok(res.json.error.includes(field), res.json.error);
}

before(async () => {
  lk = await startEmulator({ apiKey: LK_KEY, apiSecret: LK_SECRET });
  gw = await startLkgate({
    env: {
      LIVEKIT_URL: `ws://127.0.0.1:${lk.port}`,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: `ops:${ADMIN_KEY}:admin,web:${APP_KEY}:app`,
      LKGATE_USER_JWT_SECRET: USER_SECRET,
      LKGATE_AGENT_PROFILES: 'default=bot,coach=coach-agent+helper',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  await lk.close();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
});

describe('TokenSource.endpoint with an agent, room not yet in LiveKit', () => {
  it('answers a token whose roomConfig claim is the SDK\'s, and dispatches nothing', async () => {
    lk.reset();
    const res = await source(ADMIN).fetch({
      roomName: 'agents-new', participantIdentity: 'alice', participantName: 'Alice',
      agentName: 'bot', agentMetadata: '{"lesson":3}',
    });
    assert.equal(res.serverUrl, `ws://127.0.0.1:${lk.port}`);
    const claims = await verify(res.participantToken);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.name, 'Alice');
    assert.deepEqual(claims.video, {
      roomJoin: true, room: 'agents-new', canPublish: true, canSubscribe: true,
      canPublishData: true,
    });
    const want = await sdkRoomConfig([{ agentName: 'bot', metadata: '{"lesson":3}' }]);
    assert.deepEqual(claims.roomConfig, want, 'claim by claim');
    assert.ok(payloadText(res.participantToken)
      .includes(`"roomConfig":${JSON.stringify(want)}`), 'and in the SDK\'s order');
    assert.equal(lk.callsOf('ListRooms').length, 1, 'the room was looked up');
    assert.equal(lk.callsOf('CreateDispatch').length, 0,
      'LiveKit dispatches from the claim when the join creates the room');
    assert.equal(lk.callsOf('ListDispatch').length, 0);
  });

  it('sends the request the way lkgate reads it (room_config.agents, snake_case)', async () => {
    // What TokenSource sends, seen on its way to lkgate.
    let seen;
    const fetchWas = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      seen = JSON.parse(init.body);
      return fetchWas(url, init);
    };
    try {
      await source(ADMIN).fetch({ roomName: 'agents-new', participantIdentity: 'bob', agentName: 'bot' });
    } finally {
      globalThis.fetch = fetchWas;
    }
    assert.deepEqual(seen, {
      room_name: 'agents-new', participant_identity: 'bob',
      room_config: { agents: [{ agent_name: 'bot' }] },
    });
  });
});

describe('TokenSource.endpoint with agents for a room that exists', () => {
  const room = 'agents-existing';

  it('dispatches the agent once per name and room (CreateDispatch, ListDispatch)', async () => {
    lk.reset();
    const made = await request(`${gw.url}/api/livekit/rooms`, {
      method: 'POST', headers: ALICE, body: { name: room, call_type: 'audio' },
    });
    assert.equal(made.status, 201, made.text);
    const ts = source(ALICE);
    const res = await ts.fetch({ roomName: room, agentName: 'coach-agent', agentMetadata: 'm1' });
    const claims = await verify(res.participantToken);
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.roomConfig,
      await sdkRoomConfig([{ agentName: 'coach-agent', metadata: 'm1' }]));
    const created = lk.callsOf('CreateDispatch');
    assert.equal(created.length, 1);
    assert.deepEqual(created[0].body, { agentName: 'coach-agent', room, metadata: 'm1' });
    assert.equal(lk.callsOf('ListDispatch').length, 1, 'checked before creating');
    const dispatches = [...lk.rooms.get(room).dispatches.values()];
    assert.deepEqual(dispatches.map((d) => [d.agentName, d.metadata]), [['coach-agent', 'm1']]);

    // Asked again (a new fetch, a reconnect): found, not dispatched twice.
    await ts.fetch({ roomName: room, agentName: 'coach-agent', agentMetadata: 'm1' }, true);
    await source(ADMIN).fetch({ roomName: room, participantIdentity: 'ops-bot', agentName: 'coach-agent' });
    assert.equal(lk.callsOf('CreateDispatch').length, 1, 'still one CreateDispatch');
    assert.equal(lk.callsOf('ListDispatch').length, 3);
    assert.equal(lk.rooms.get(room).dispatches.size, 1);
  });

  it('dispatches each missing agent of a list and skips the one already there', async () => {
    const res = await post(ADMIN, {
      room_name: room, participant_identity: 'carol',
      room_config: { agents: [{ agent_name: 'coach-agent' }, { agent_name: 'helper', metadata: 'h' }] },
    });
    assert.equal(res.status, 200, res.text);
    const created = lk.callsOf('CreateDispatch');
    assert.equal(created.length, 2);
    assert.equal(created[1].body.agentName, 'helper');
    const names = [...lk.rooms.get(room).dispatches.values()].map((d) => d.agentName).sort();
    assert.deepEqual(names, ['coach-agent', 'helper']);
    assert.deepEqual((await verify(res.json.token)).roomConfig, await sdkRoomConfig([
      { agentName: 'coach-agent' }, { agentName: 'helper', metadata: 'h' }]));
  });

  it('a user who may not join the room: 403 and nothing dispatched', async () => {
    const before = lk.callsOf('CreateDispatch').length;
    const looked = lk.callsOf('ListDispatch').length;
    const res = await post(BOB, { room_name: room, room_config: { agents: [{ agent_name: 'bot' }] } });
    assertError(res, 403, 'PERMISSION_DENIED');
    assert.equal(lk.callsOf('CreateDispatch').length, before);
    assert.equal(lk.callsOf('ListDispatch').length, looked, 'not even looked at');
  });

  it('an app key, outside a session room: 403 and nothing dispatched', async () => {
    const created = lk.callsOf('CreateDispatch').length;
    const looked = lk.callsOf('ListDispatch').length;
    const res = await post({ 'X-API-Key': APP_KEY }, {
      room_name: room, participant_identity: 'alice',
      room_config: { agents: [{ agent_name: 'bot' }] },
    });
    assertError(res, 403, 'PERMISSION_DENIED');
    assert.equal(lk.callsOf('CreateDispatch').length, created);
    assert.equal(lk.callsOf('ListDispatch').length, looked);
  });

  it('answers LiveKit\'s failure, and no token, when the dispatch fails', async () => {
    lk.failNext('CreateDispatch', { status: 503, code: 'unavailable', msg: 'no node' });
    const res = await post(ADMIN, {
      room_name: room, participant_identity: 'dave',
      room_config: { agents: [{ agent_name: 'bot' }] },
    });
    assertError(res, 503, 'UPSTREAM_UNAVAILABLE');
    assert.equal(res.json.token, undefined);
  });
});

describe('refusals', () => {
  it('an agent that no profile names: 403, through TokenSource too', async () => {
    const res = await post(ADMIN, {
      room_name: 'agents-x', participant_identity: 'alice',
      room_config: { agents: [{ agent_name: 'intruder' }] },
    });
    assertError(res, 403, 'PERMISSION_DENIED', 'intruder');
    await assert.rejects(source(ADMIN).fetch({
      roomName: 'agents-x', participantIdentity: 'alice', agentName: 'intruder',
    }), /received 403/);
  });

  it('room_config fields lkgate does not honour: 400 naming them', async () => {
    for (const [rc, field] of [
      [{ name: 'other' }, 'room_config.name'],
      [{ agents: [{ agent_name: 'bot' }], empty_timeout: 10 }, 'room_config.empty_timeout'],
      [{ agents: [{ agent_name: 'bot', restart_policy: 'JRP_NEVER' }] }, 'room_config.agents[0].restart_policy'],
      [{ agents: [{ metadata: 'm' }] }, 'room_config.agents[0].agent_name'],
      [{ agents: [{ agent_name: 'bot' }, { agent_name: 'bot' }] }, 'room_config.agents[1].agent_name'],
      [{ agents: 'bot' }, 'room_config.agents'],
      ['bot', 'room_config'],
    ]) {
      const res = await post(ADMIN, { room_name: 'agents-x', participant_identity: 'alice', room_config: rc });
      assertError(res, 400, 'INVALID_INPUT', field);
    }
  });

  it('participant_attributes keys beginning with lk.: 400', async () => {
    const res = await post(ADMIN, {
      room_name: 'agents-x', participant_identity: 'alice',
      participant_attributes: { 'lk.agent.state': 'speaking' },
    });
    assertError(res, 400, 'INVALID_INPUT', 'lk.agent.state');
    const ok = await post(ADMIN, {
      room_name: 'agents-x', participant_identity: 'alice',
      participant_attributes: { 'lkx.plain': 'fine' },
    });
    assert.equal(ok.status, 200, ok.text);
  });

  it('without room_config the token has no roomConfig claim', async () => {
    const res = await post(ADMIN, { room_name: 'agents-x', participant_identity: 'alice' });
    assert.equal(res.status, 200, res.text);
    assert.equal((await verify(res.json.token)).roomConfig, undefined);
  });
});
