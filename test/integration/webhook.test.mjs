// LiveKit's webhooks: signed here exactly as livekit-server signs them (the
// official SDK's AccessToken with a sha256 claim, cross-checked with the
// official WebhookReceiver), bodies in the server's protojson.  Accepted
// events each write one livekit_webhook log line; every refusal writes none.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AccessToken, WebhookReceiver, request, startLkgate } from './lib.mjs';

const LK_KEY = 'APIwebhooktest';
const LK_SECRET = 'a-webhook-secret-of-at-least-32-characters';
const PATH = '/api/livekit/webhook';
const LOG_WAIT_MS = 5000;

const receiver = new WebhookReceiver(LK_KEY, LK_SECRET);

// Bodies as protojson writes them: lowerCamelCase, zero values left out,
// int64 as strings, fields in .proto order (checked against the SDK below).
const ROOM = { sid: 'RM_x', name: 'r1', emptyTimeout: 300, creationTime: '1700000000' };
const ROOM_FINISHED = JSON.stringify({
  event: 'room_finished', room: ROOM, id: 'EV_abc', createdAt: '1700000125',
});
const PARTICIPANT_JOINED = JSON.stringify({
  event: 'participant_joined',
  room: { ...ROOM, numParticipants: 1 },
  participant: {
    sid: 'PA_1', identity: 'user123', state: 'ACTIVE', joinedAt: '1700000010',
    name: 'Ann',
  },
  id: 'EV_p1',
  createdAt: '1700000010',
});
const TRACK_PUBLISHED = JSON.stringify({
  event: 'track_published',
  room: { sid: 'RM_x', name: 'r1' },
  participant: { sid: 'PA_1', identity: 'user123' },
  id: 'EV_t1',
  createdAt: '1700000011',
  // Field 8, after id and createdAt; type AUDIO is 0, so left out.
  track: { sid: 'TR_a1', source: 'MICROPHONE' },
});

let gw;

// The Authorization header livekit-server sends: a bare JWT from an
// AccessToken whose sha256 grant is the standard base64 SHA-256 of the body
// (webhook/resource_url_notifier.go; valid 5 minutes).
async function sign(body, { key = LK_KEY, secret = LK_SECRET, ttl = '5m' } = {}) {
  const at = new AccessToken(key, secret, { ttl });
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

function post(body, headers = {}) {
  return request(gw.url + PATH, {
    method: 'POST',
    headers: { 'Content-Type': 'application/webhook+json', ...headers },
    body,
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The livekit_webhook lines of one request, read once its access line is
// in: lkgate writes the event line before it, so none can come later.
async function webhookLines(res) {
  const rid = res.headers['x-request-id'];
  assert.ok(rid, 'the answer has an X-Request-Id');
  const deadline = Date.now() + LOG_WAIT_MS;
  while (!gw.logs.some((l) => l?.event === 'access' && l.id === rid)) {
    assert.ok(Date.now() < deadline, `no access line for ${rid}`);
    await sleep(10);
  }
  return gw.logs.filter((l) => l?.event === 'livekit_webhook' &&
    l.request_id === rid);
}

async function assertAccepted(body, headers) {
  const res = await post(body, headers);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { received: true });
  const lines = await webhookLines(res);
  assert.equal(lines.length, 1, 'one livekit_webhook line');
  return lines[0];
}

async function assertRefused(body, headers, status = 401,
  code = 'UNAUTHORIZED') {
  const res = await post(body, headers);
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  assert.deepEqual(await webhookLines(res), [], 'no livekit_webhook line');
}

before(async () => {
  gw = await startLkgate({
    env: {
      // Webhooks never call LiveKit: nothing needs to listen there.
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LKGATE_API_KEYS: 'app:webhook-test-app-key-0123456789',
    },
  });
});

after(async () => {
  const { code } = await gw.stop();
  assert.equal(code, 0, 'lkgate exits 0 after SIGTERM');
  const text = gw.stderr();
  assert.ok(!text.includes(LK_SECRET), 'no secret in the log');
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(text), 'no token in the log');
});

describe('the test signs and encodes as LiveKit does', () => {
  it('the official WebhookReceiver accepts the signature and the bodies '
    + 'are the SDK\'s own protojson', async () => {
    for (const body of [ROOM_FINISHED, PARTICIPANT_JOINED, TRACK_PUBLISHED]) {
      const ev = await receiver.receive(body, await sign(body));
      assert.equal(ev.toJsonString(), body);
    }
  });
});

describe('accepted webhooks', () => {
  it('room_finished: 200 and one line with the room and its duration',
    async () => {
      const line = await assertAccepted(ROOM_FINISHED,
        { Authorization: await sign(ROOM_FINISHED) });
      assert.equal(line.level, 'info');
      assert.equal(line.webhook_event, 'room_finished');
      assert.equal(line.id, 'EV_abc');
      assert.equal(line.room, 'r1');
      assert.equal(line.room_sid, 'RM_x');
      assert.equal(line.created_at, 1700000125);
      assert.equal(line.duration, 125);
      assert.ok(!('participant' in line), 'no participant on a room event');
    });

  it('room_finished without room.creationTime: no duration', async () => {
    const body = JSON.stringify({
      event: 'room_finished', room: { sid: 'RM_y', name: 'r2' },
      id: 'EV_nodur', createdAt: '1700000200',
    });
    const line = await assertAccepted(body, { Authorization: await sign(body) });
    assert.equal(line.room, 'r2');
    assert.equal(line.created_at, 1700000200);
    assert.ok(!('duration' in line), JSON.stringify(line));
  });

  it('participant_joined: the participant\'s identity', async () => {
    const line = await assertAccepted(PARTICIPANT_JOINED,
      { Authorization: await sign(PARTICIPANT_JOINED) });
    assert.equal(line.webhook_event, 'participant_joined');
    assert.equal(line.participant, 'user123');
    assert.equal(line.participant_sid, 'PA_1');
    assert.equal(line.room, 'r1');
    assert.equal(line.created_at, 1700000010);
    assert.ok(!('duration' in line));
  });

  it('track_published: participant and track sid', async () => {
    const line = await assertAccepted(TRACK_PUBLISHED,
      { Authorization: await sign(TRACK_PUBLISHED) });
    assert.equal(line.webhook_event, 'track_published');
    assert.equal(line.participant, 'user123');
    assert.equal(line.track_sid, 'TR_a1');
    assert.equal(line.room_sid, 'RM_x');
  });

  it('an unknown event is accepted and logged the same way', async () => {
    const body = JSON.stringify({
      event: 'room_renamed_in_the_future', room: { sid: 'RM_z', name: 'r9' },
      id: 'EV_new', createdAt: '1700000300', somethingNew: { a: 1 },
    });
    const line = await assertAccepted(body, { Authorization: await sign(body) });
    assert.equal(line.webhook_event, 'room_renamed_in_the_future');
    assert.equal(line.room, 'r9');
    assert.equal(line.id, 'EV_new');
  });

  it('application/json is accepted too', async () => {
    const line = await assertAccepted(ROOM_FINISHED, {
      'Content-Type': 'application/json; charset=utf-8',
      Authorization: await sign(ROOM_FINISHED),
    });
    assert.equal(line.duration, 125);
  });

  it('a token 30 s past exp is within LiveKit\'s 60 s skew', async () => {
    const jwt = await sign(ROOM_FINISHED, { ttl: -30 });
    await assert.rejects(receiver.receive(ROOM_FINISHED, jwt),
      'past the SDK\'s default 10 s tolerance');
    await receiver.receive(ROOM_FINISHED, jwt, false, 60);
    await assertAccepted(ROOM_FINISHED, { Authorization: jwt });
  });
});

describe('refused webhooks: 401 and no log line', () => {
  it('a body changed by one byte after signing', async () => {
    const jwt = await sign(ROOM_FINISHED);
    const tampered = ROOM_FINISHED.replace('"r1"', '"r2"');
    assert.equal(tampered.length, ROOM_FINISHED.length);
    await assert.rejects(receiver.receive(tampered, jwt));
    await assertRefused(tampered, { Authorization: jwt });
  });

  it('a token signed with another secret', async () => {
    const jwt = await sign(ROOM_FINISHED,
      { secret: 'not-the-secret-but-just-as-long-0123456789' });
    await assert.rejects(receiver.receive(ROOM_FINISHED, jwt));
    await assertRefused(ROOM_FINISHED, { Authorization: jwt });
  });

  it('a token whose iss is another API key', async () => {
    const jwt = await sign(ROOM_FINISHED, { key: 'APIsomeoneelse' });
    await assert.rejects(receiver.receive(ROOM_FINISHED, jwt));
    await assertRefused(ROOM_FINISHED, { Authorization: jwt });
  });

  it('a token expired 2 minutes ago', async () => {
    const jwt = await sign(ROOM_FINISHED, { ttl: -120 });
    await assert.rejects(receiver.receive(ROOM_FINISHED, jwt, false, 60));
    await assertRefused(ROOM_FINISHED, { Authorization: jwt });
  });

  it('a "Bearer " prefix', async () => {
    const jwt = await sign(ROOM_FINISHED);
    await assert.rejects(receiver.receive(ROOM_FINISHED, `Bearer ${jwt}`));
    await assertRefused(ROOM_FINISHED, { Authorization: `Bearer ${jwt}` });
  });

  it('no Authorization header', async () => {
    await assertRefused(ROOM_FINISHED);
  });

  it('a token without the sha256 claim', async () => {
    const jwt = await new AccessToken(LK_KEY, LK_SECRET, { ttl: '5m' })
      .toJwt();
    await assert.rejects(receiver.receive(ROOM_FINISHED, jwt));
    await assertRefused(ROOM_FINISHED, { Authorization: jwt });
  });

  it('the refusals are logged as warnings naming the reason', async () => {
    const jwt = await sign(ROOM_FINISHED, { ttl: -120 });
    const res = await post(ROOM_FINISHED, { Authorization: jwt });
    assert.equal(res.status, 401);
    await webhookLines(res);
    const rid = res.headers['x-request-id'];
    const warn = gw.logs.find((l) => l?.level === 'warn' &&
      typeof l.msg === 'string' && l.msg.includes(rid));
    assert.ok(warn, 'a warn line for the request');
    assert.match(warn.msg, /expired/);
  });
});

describe('signed but unusable bodies', () => {
  it('a body that is not JSON: 400', async () => {
    const body = 'room_finished r1';
    await assertRefused(body, { Authorization: await sign(body) }, 400,
      'INVALID_INPUT');
  });

  it('JSON that is not an object: 400', async () => {
    const body = '["room_finished"]';
    await assertRefused(body, { Authorization: await sign(body) }, 400,
      'INVALID_INPUT');
  });

  it('a repeated key: 400', async () => {
    const body = '{"event":"room_finished","event":"room_started"}';
    await assertRefused(body, { Authorization: await sign(body) }, 400,
      'INVALID_INPUT');
  });

  it('another Content-Type: 415', async () => {
    await assertRefused(ROOM_FINISHED, {
      'Content-Type': 'text/plain', Authorization: await sign(ROOM_FINISHED),
    }, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an unsigned body with a bad Content-Type is 401, not 415', async () => {
    await assertRefused('x', { 'Content-Type': 'text/plain' });
  });
});

describe('the route', () => {
  it('GET is 405, and Allow names POST', async () => {
    const res = await request(gw.url + PATH);
    assert.equal(res.status, 405);
    assert.match(res.headers.allow, /^POST\b/);
  });
});

describe('metrics', () => {
  // One counter of GET /metrics, 0 when it is not there yet.
  async function counter(name) {
    const res = await request(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  it('counts verified webhooks by event, and nothing refused', async () => {
    const finished = 'lkgate_webhooks_total{event="room_finished"}';
    const other = 'lkgate_webhooks_total{event="other"}';
    const before0 = [await counter(finished), await counter(other)];
    await assertAccepted(ROOM_FINISHED, { Authorization: await sign(ROOM_FINISHED) });
    const odd = JSON.stringify({ event: 'not_a_livekit_event', id: 'EV_o' });
    await assertAccepted(odd, { Authorization: await sign(odd) });
    await assertRefused(ROOM_FINISHED, { Authorization: await sign('{}') });
    await assertRefused('nope', { Authorization: await sign('nope') }, 400,
      'INVALID_INPUT');
    assert.equal(await counter(finished) - before0[0], 1);
    assert.equal(await counter(other) - before0[1], 1);
  });
});
