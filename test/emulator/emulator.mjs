// A stand-in for livekit-server's Twirp API (RoomService, AgentDispatchService)
// and its health probe, for lkgate's integration tests and benchmarks.
//
// It answers the way livekit-server does on the wire (see
// shared/reference/livekit-wire.md): the same routes, auth middleware, grant
// checks, Twirp error shapes and protojson encoding. Requests are decoded with
// the real message classes of @livekit/protocol, and, on purpose more strictly
// than the server, unknown fields are refused so a misspelled field in lkgate
// fails loudly instead of being silently dropped.
//
//   import { startEmulator } from '../emulator/emulator.mjs';
//   const lk = await startEmulator();          // random port, devkey/secret
//   ... lk.url, lk.calls, lk.rooms, lk.failNext('CreateRoom', {...}) ...
//   await lk.close();
//
// Standalone (manual `lkgate --dev` runs, benchmarks), one log line per call:
//   node test/emulator/emulator.mjs --port 7880 --key devkey --secret secret [--quiet]
//
// `calls` holds the requests to /twirp/ paths, each {service, method, path, headers, body, rawBody,
// raw, claims, time, connId, status}: `body` is the decoded request as the
// message's toJson() (lowerCamelCase, defaults omitted, int64 as strings),
// null when it did not decode; `rawBody` the bytes as UTF-8 text and `raw`
// the Buffer; `claims` the verified token's claims or null; `connId` numbers
// the TCP connection, so keep-alive reuse shows; `status` is set once answered.
// `rooms` maps a room name to {room: Room, participants: Map(identity ->
// ParticipantInfo), dispatches: Map(id -> AgentDispatch)}, protobuf messages
// with camelCase properties.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AgentDispatch,
  AgentDispatchState,
  Codec,
  CreateAgentDispatchRequest,
  CreateRoomRequest,
  DeleteAgentDispatchRequest,
  DeleteRoomRequest,
  DeleteRoomResponse,
  ListAgentDispatchRequest,
  ListAgentDispatchResponse,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  MuteRoomTrackRequest,
  MuteRoomTrackResponse,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  ParticipantPermission,
  RemoveParticipantResponse,
  Room,
  RoomParticipantIdentity,
  SendDataRequest,
  SendDataResponse,
  TimedVersion,
  TrackInfo,
  UpdateParticipantRequest,
  UpdateRoomMetadataRequest,
} from '@livekit/protocol';
import { TokenVerifier } from 'livekit-server-sdk';

// twirp errors.go ServerHTTPStatusFromErrorCode.
const TWIRP_STATUS = {
  canceled: 408, unknown: 500, invalid_argument: 400, malformed: 400,
  deadline_exceeded: 408, not_found: 404, bad_route: 404, already_exists: 409,
  permission_denied: 403, unauthenticated: 401, resource_exhausted: 429,
  failed_precondition: 412, aborted: 409, out_of_range: 400,
  unimplemented: 501, internal: 500, unavailable: 503, data_loss: 500,
};

// livekit-server's room defaults (pkg/config DefaultConfig).
const DEFAULT_EMPTY_TIMEOUT = 300;
const DEFAULT_DEPARTURE_TIMEOUT = 20;
const ENABLED_CODECS = ['audio/opus', 'audio/red', 'video/VP8', 'video/H264',
  'video/VP9', 'video/AV1', 'video/H265'];
// The body of livekit-server's failing health check: its node stats are stale.
const NOT_READY = 'Not Ready\nNode Updated At 1970-01-01 00:00:00 +0000 UTC';
// The server allows a minute of clock skew on exp/nbf (protocol auth/verifier.go).
const CLOCK_TOLERANCE_S = 60;
// Long enough that a client's pooled connection is never closed under it
// during a test; a stale connection is simulated with restart() instead.
const KEEP_ALIVE_MS = 60_000;

class TwirpError extends Error {
  constructor(code, msg, meta) {
    super(msg);
    this.code = code;
    this.meta = meta;
  }
}

// Errors that come back from livekit's psrpc layer carry this prefix since
// livekit PR #3402 (xtwirp.ServerPassErrorDetails), e.g. a missing room.
const passed = (code, msg) => new TwirpError(code, `twirp error unknown: ${msg}`);
const roomNotFound = () => passed('not_found', 'requested room does not exist');
const participantNotFound = () => passed('not_found', 'participant does not exist');

// ---------------------------------------------------------------- answers

const text = (status, body) =>
  ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

function twirpError(err, status = TWIRP_STATUS[err.code] ?? 500) {
  const json = { code: err.code, msg: err.message };
  if (err.meta && Object.keys(err.meta).length) json.meta = err.meta;
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
  };
}

// protojson with UseProtoNames + EmitUnpopulated, as livekit-server answers.
// protobuf-es omits unset singular message fields where Go writes null, so
// those are filled in: a client must cope with "version": null.
function encodeJson(message) {
  const json = message.toJson({ useProtoFieldName: true, emitDefaultValues: true });
  return JSON.stringify(withNulls(message, json));
}

function withNulls(message, json) {
  if (json === null || typeof json !== 'object') return json;
  for (const field of message.getType().fields.list()) {
    let value = message[field.localName];
    if (field.oneof) {
      const group = message[field.oneof.localName];
      if (group.case !== field.localName) continue; // unset oneofs stay omitted
      value = group.value;
    }
    const kind = field.kind === 'map' ? field.V.kind : field.kind;
    const type = field.kind === 'map' ? field.V.T : field.T;
    // Well-known types have their own JSON form: leave them alone.
    if (kind !== 'message' || type.typeName.startsWith('google.protobuf.')) continue;
    const out = json[field.name];
    if (field.kind === 'map') {
      for (const k of Object.keys(value)) withNulls(value[k], out[k]);
    } else if (field.repeated) {
      value.forEach((v, i) => withNulls(v, out[i]));
    } else if (value === undefined) {
      if (!field.oneof) json[field.name] = null;
    } else {
      withNulls(value, out);
    }
  }
  return json;
}

// A room's JSON, kept until the room changes (forgetRoomJson): a client
// paging through thousands of rooms costs one encoding a room, not one
// a room and page.  Same bytes as encodeJson of the whole answer.
const roomJson = new WeakMap();
const forgetRoomJson = (room) => roomJson.delete(room);

function encodeRoomList(message) {
  const parts = message.rooms.map((room) => {
    let s = roomJson.get(room);
    if (s === undefined) {
      s = encodeJson(room);
      roomJson.set(room, s);
    }
    return s;
  });
  return `{"rooms":[${parts.join(',')}]}`;
}

function twirpAnswer(message, binary) {
  if (binary) {
    return { status: 200, headers: { 'content-type': 'application/protobuf' }, body: Buffer.from(message.toBinary()) };
  }
  const body = message instanceof ListRoomsResponse ? encodeRoomList(message) : encodeJson(message);
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

// ---------------------------------------------------------------- requests

// protojson refuses a key given twice; JSON.parse keeps the last one. Finds
// keys repeated within one object of an already valid JSON text.
function hasDuplicateKey(jsonText) {
  const stack = []; // a Set of keys per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < jsonText.length; i++) {
    const c = jsonText[i];
    if (c === '"') {
      let j = i + 1;
      while (jsonText[j] !== '"') j += jsonText[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(jsonText.slice(i, j + 1));
        const keys = stack.at(-1);
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
  return false;
}

// Decodes a Twirp request body as the generated server does, but refusing
// unknown fields (see the header comment).
function decode(Type, raw, binary) {
  if (binary) {
    try {
      return Type.fromBinary(raw);
    } catch {
      throw new TwirpError('malformed', 'the protobuf request could not be decoded');
    }
  }
  const jsonText = raw.toString('utf8');
  try {
    const json = JSON.parse(jsonText);
    if (hasDuplicateKey(jsonText)) throw new Error('duplicate key');
    return Type.fromJson(json, { ignoreUnknownFields: false });
  } catch {
    throw new TwirpError('malformed', 'the json request could not be decoded');
  }
}

function decodeJwtPart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// livekit-server's APIKeyAuthMiddleware: runs for every path. No header at all
// lets the request through without grants (the handler then answers the
// Twirp "permissions denied"); every other failure is a plain-text 401.
async function authenticate(header, apiKey, verifier) {
  if (header === undefined || header === '') return { claims: null };
  if (!header.startsWith('Bearer ')) {
    return { error: text(401, 'invalid authorization header. Must start with Bearer ') };
  }
  const token = header.slice('Bearer '.length);
  if (token === '') return { claims: null };
  let iss;
  try {
    const parts = token.split('.');
    if (parts.length !== 3 || decodeJwtPart(parts[0]).alg !== 'HS256') throw new Error('alg');
    iss = decodeJwtPart(parts[1]).iss;
  } catch {
    return { error: text(401, 'invalid authorization token') };
  }
  if (iss !== apiKey) return { error: text(401, 'invalid API key') };
  try {
    // TokenVerifier also requires exp, as the newest server does.
    return { claims: await verifier.verify(token, CLOCK_TOLERANCE_S) };
  } catch {
    return { error: text(401, 'invalid authorization token') };
  }
}

// pkg/service/auth.go Ensure*Permission.
const GRANTS = {
  create: (video) => video.roomCreate === true,
  list: (video) => video.roomList === true,
  admin: (video, req) => video.roomAdmin === true && (video.room ?? '') === req.room,
};

function checkGrant(grant, claims, req) {
  const video = claims?.video;
  if (!video || !GRANTS[grant](video, req)) {
    throw new TwirpError('unauthenticated', 'permissions denied');
  }
}

// ---------------------------------------------------------------- state

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const newId = (prefix) =>
  prefix + Array.from(randomBytes(12), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');

const nowVersion = () => new TimedVersion({ unixMicro: BigInt(Date.now()) * 1000n, ticks: 0 });

// Agents and egress are "dependent": they neither keep a room open nor count
// as participants (livekit pkg/rtc/room.go).
const isDependent = (p) =>
  p.kind === ParticipantInfo_Kind.AGENT || p.kind === ParticipantInfo_Kind.EGRESS;

function newRoomState(name, req = new CreateRoomRequest({ name })) {
  const ms = Date.now();
  const room = new Room({
    sid: newId('RM_'),
    name,
    emptyTimeout: req.emptyTimeout || DEFAULT_EMPTY_TIMEOUT,
    departureTimeout: req.departureTimeout || DEFAULT_DEPARTURE_TIMEOUT,
    maxParticipants: req.maxParticipants,
    creationTime: BigInt(Math.floor(ms / 1000)),
    creationTimeMs: BigInt(ms),
    turnPassword: randomBytes(16).toString('hex'),
    enabledCodecs: ENABLED_CODECS.map((mime) => new Codec({ mime })),
    metadata: req.metadata,
    version: nowVersion(),
  });
  return { room, participants: new Map(), dispatches: new Map() };
}

function refreshCounts(state) {
  const people = [...state.participants.values()];
  forgetRoomJson(state.room);
  state.room.numParticipants = people.filter((p) => !isDependent(p)).length;
  state.room.numPublishers = people.filter((p) => p.isPublisher).length;
}

function addDispatch(state, spec) {
  const dispatch = new AgentDispatch({
    id: newId('AD_'),
    agentName: spec.agentName,
    room: state.room.name,
    metadata: spec.metadata,
    restartPolicy: spec.restartPolicy,
    deployment: spec.deployment,
    attributes: { ...spec.attributes },
    // created_at is in nanoseconds here, unlike every other time field.
    state: new AgentDispatchState({ createdAt: BigInt(Date.now()) * 1_000_000n }),
  });
  state.dispatches.set(dispatch.id, dispatch);
  return dispatch;
}

function toEnum(Enum, value, what) {
  if (typeof value === 'number') return value;
  const n = Enum[String(value).toUpperCase()];
  if (typeof n !== 'number') throw new Error(`unknown participant ${what}: ${value}`);
  return n;
}

// ---------------------------------------------------------------- handlers

// Each method: request class, grant, and handler(rooms, req) -> message.
// Handlers throw TwirpError for the server's error answers.
const SERVICES = {
  'livekit.RoomService': {
    CreateRoom: [CreateRoomRequest, 'create', (rooms, req) => {
      if (req.name === '') throw new TwirpError('invalid_argument', 'room name cannot be empty');
      // Idempotent: an existing room comes back unchanged, the request's
      // settings and agents ignored (livekit roommanager getOrCreateRoom).
      let state = rooms.get(req.name);
      if (!state) {
        state = newRoomState(req.name, req);
        rooms.set(req.name, state);
        for (const agent of req.agents) addDispatch(state, agent);
      }
      return state.room;
    }],
    ListRooms: [ListRoomsRequest, 'list', (rooms, req) => {
      const all = [...rooms.values()].map((s) => s.room);
      const wanted = req.names.length ? all.filter((r) => req.names.includes(r.name)) : all;
      return new ListRoomsResponse({ rooms: wanted });
    }],
    DeleteRoom: [DeleteRoomRequest, 'create', (rooms, req) => {
      if (!rooms.delete(req.room)) throw roomNotFound();
      return new DeleteRoomResponse();
    }],
    ListParticipants: [ListParticipantsRequest, 'admin', (rooms, req) =>
      new ListParticipantsResponse({ participants: [...(rooms.get(req.room)?.participants.values() ?? [])] })],
    GetParticipant: [RoomParticipantIdentity, 'admin', (rooms, req) => findParticipant(rooms, req)],
    RemoveParticipant: [RoomParticipantIdentity, 'admin', (rooms, req) => {
      findParticipant(rooms, req);
      const state = rooms.get(req.room);
      state.participants.delete(req.identity);
      refreshCounts(state);
      return new RemoveParticipantResponse();
    }],
    UpdateRoomMetadata: [UpdateRoomMetadataRequest, 'admin', (rooms, req) => {
      const state = rooms.get(req.room);
      if (!state) throw roomNotFound();
      forgetRoomJson(state.room);
      state.room.metadata = req.metadata;
      state.room.version = nowVersion();
      return state.room;
    }],
    UpdateParticipant: [UpdateParticipantRequest, 'admin', (rooms, req) => {
      const p = findParticipant(rooms, req);
      // "" means "no change"; permission replaces every permission field;
      // attributes merge and an empty value deletes the key.
      if (req.metadata !== '') p.metadata = req.metadata;
      if (req.name !== '') p.name = req.name;
      if (req.permission) p.permission = req.permission;
      for (const [k, v] of Object.entries(req.attributes)) {
        if (v === '') delete p.attributes[k];
        else p.attributes[k] = v;
      }
      p.version += 1;
      return p;
    }],
    MutePublishedTrack: [MuteRoomTrackRequest, 'admin', (rooms, req) => {
      const p = findParticipant(rooms, req);
      // The default server config has room.enable_remote_unmute off.
      if (!req.muted) throw passed('failed_precondition', 'remote unmute not enabled');
      const track = p.tracks.find((t) => t.sid === req.trackSid);
      if (!track) throw passed('not_found', 'track is not found');
      track.muted = true;
      return new MuteRoomTrackResponse({ track });
    }],
    SendData: [SendDataRequest, 'admin', (rooms, req) => {
      if (req.nonce.length !== 0 && req.nonce.length !== 16) {
        throw new TwirpError('invalid_argument', 'nonce should be 16-bytes or not present');
      }
      if (!rooms.has(req.room)) throw roomNotFound();
      return new SendDataResponse();
    }],
  },
  'livekit.AgentDispatchService': {
    CreateDispatch: [CreateAgentDispatchRequest, 'admin', (rooms, req) => {
      // room.auto_create (on by default) makes the room if needed.
      if (!rooms.has(req.room)) rooms.set(req.room, newRoomState(req.room));
      return addDispatch(rooms.get(req.room), req);
    }],
    ListDispatch: [ListAgentDispatchRequest, 'admin', (rooms, req) => {
      const dispatches = [...liveRoom(rooms, req.room).dispatches.values()]
        .filter((d) => req.dispatchId === '' || d.id === req.dispatchId);
      return new ListAgentDispatchResponse({ agentDispatches: dispatches });
    }],
    DeleteDispatch: [DeleteAgentDispatchRequest, 'admin', (rooms, req) => {
      const state = liveRoom(rooms, req.room);
      const dispatch = state.dispatches.get(req.dispatchId);
      if (!dispatch) throw passed('not_found', 'dispatch ID not found');
      state.dispatches.delete(req.dispatchId);
      dispatch.state.deletedAt = BigInt(Date.now()) * 1_000_000n;
      return dispatch;
    }],
  },
};

function findParticipant(rooms, req) {
  const p = rooms.get(req.room)?.participants.get(req.identity);
  if (!p) throw participantNotFound();
  return p;
}

// Dispatch calls are routed to the node hosting the room; with no such node
// the server gives up with "unavailable" (after ~3 s; answered at once here).
function liveRoom(rooms, name) {
  const state = rooms.get(name);
  if (!state) throw passed('unavailable', 'no response from servers');
  return state;
}

// ---------------------------------------------------------------- server

const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks)));
  req.on('error', reject);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the emulator on 127.0.0.1. Resolves once it listens.
 * `log`, if given, is called with the record of each answered request,
 * health probes included.
 */
export async function startEmulator({ port = 0, apiKey = 'devkey', apiSecret = 'secret', log } = {}) {
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const rooms = new Map();
  const calls = [];
  const sockets = new Set();
  let connections = 0;
  let faults;
  const clearFaults = () => {
    faults = { delayMs: 0, next: new Map(), hanging: false, healthy: true };
  };
  clearFaults();

  // The room a Twirp call names, when its body is JSON and names one.
  function roomOf(call) {
    try {
      const room = JSON.parse(call.rawBody)?.room;
      return typeof room === 'string' ? room : undefined;
    } catch {
      return undefined;
    }
  }

  // A one-shot fault armed by failNext(), as an answer: the first armed for
  // the call's method and, when it names one, the call's room.
  function takeFault(call) {
    const queue = faults.next.get(call.method) ?? [];
    const i = queue.findIndex((spec) => spec.room === undefined || spec.room === roomOf(call));
    if (i === -1) return null;
    const [spec] = queue.splice(i, 1);
    if (spec.text !== undefined) return text(spec.status ?? 500, spec.text);
    const code = spec.code ?? 'internal';
    return twirpError(new TwirpError(code, spec.msg ?? '', spec.meta), spec.status ?? TWIRP_STATUS[code]);
  }

  // Twirp's generated ServeHTTP, behind livekit's auth middleware.
  function serveTwirp(req, call, prefix, methods) {
    if (req.method !== 'POST') {
      throw badRoute(`unsupported method ${JSON.stringify(req.method)} (only POST is allowed)`, req, call.path);
    }
    const entry = methods[call.path.slice(prefix.length)];
    if (!entry) throw badRoute(`no handler for path ${JSON.stringify(call.path)}`, req, call.path);
    const [Type, grant, handler] = entry;
    const contentType = req.headers['content-type'] ?? '';
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json' && mediaType !== 'application/protobuf') {
      throw badRoute(`unexpected Content-Type: ${JSON.stringify(contentType)}`, req, call.path);
    }
    const binary = mediaType === 'application/protobuf';
    const message = decode(Type, call.raw, binary);
    call.body = message.toJson();
    checkGrant(grant, call.claims, message);
    return twirpAnswer(handler(rooms, message), binary);
  }

  async function answer(req, call) {
    const auth = await authenticate(req.headers.authorization, apiKey, verifier);
    call.claims = auth.claims ?? null;
    const route = Object.keys(SERVICES).find((s) => call.path.startsWith(`/twirp/${s}/`));
    if (route) {
      call.service = route;
      call.method = call.path.slice(`/twirp/${route}/`.length);
      const delay = typeof faults.delayMs === 'function'
        ? faults.delayMs(call, roomOf(call)) : faults.delayMs;
      if (delay) await sleep(delay);
    }
    const fault = route && takeFault(call);
    if (auth.error) return fault ?? auth.error;
    if (call.path === '/') {
      return faults.healthy ? text(200, 'OK') : text(406, NOT_READY);
    }
    if (!route) return text(404, '404 page not found\n'); // Go's mux default
    try {
      const normal = serveTwirp(req, call, `/twirp/${route}/`, SERVICES[route]);
      return fault ?? normal;
    } catch (err) {
      if (!(err instanceof TwirpError)) throw err;
      return fault ?? twirpError(err);
    }
  }

  async function onRequest(req, res) {
    const raw = await readBody(req);
    const call = {
      service: null,
      method: null,
      path: new URL(req.url, 'http://x').pathname,
      headers: req.headers,
      body: null,
      rawBody: raw.toString('utf8'),
      raw,
      claims: null,
      time: Date.now(),
      connId: req.socket.connId,
      status: null,
    };
    // Health probes and stray paths are not LiveKit API calls: a test that
    // counts calls must not see lkgate's background readiness checks.
    if (call.path.startsWith('/twirp/')) calls.push(call);
    if (faults.hanging) return; // the socket stays open, unanswered
    const out = await answer(req, call);
    if (faults.hanging || res.destroyed) return;
    call.status = out.status;
    const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
    res.writeHead(out.status, { ...out.headers, 'content-length': body.length });
    res.end(body);
    log?.(call);
  }

  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    onRequest(req, res).catch((err) => {
      // A bug in the emulator: answer like the Twirp runtime's panic guard.
      if (!res.headersSent) {
        const out = twirpError(new TwirpError('internal', String(err?.message ?? err)));
        res.writeHead(out.status, out.headers).end(out.body);
      }
    });
  });
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  server.on('connection', (socket) => {
    socket.connId = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (p) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
  // Stops accepting and drops every open socket, kept-alive ones included,
  // as a dying livekit-server would.
  const shutdown = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });

  const boundPort = await listen(port);

  return {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}`,
    calls,
    rooms,
    get connections() { return connections; },
    /** The calls made to one Twirp method, e.g. callsOf('CreateRoom'). */
    callsOf: (method) => calls.filter((c) => c.method === method),
    /**
     * Every Twirp answer waits `ms`; or, given a function (call, room) => ms,
     * as long as it says for each call (room: the one its JSON body names).
     */
    setDelay(ms) { faults.delayMs = ms; },
    /**
     * Next call of `method` answers {status, code, msg} (Twirp JSON) or
     * {text, status}; with `room` in the spec, the next call naming that room.
     */
    failNext(method, spec) {
      if (!faults.next.has(method)) faults.next.set(method, []);
      faults.next.get(method).push(spec);
    },
    /** Every request from now on is read and recorded, then never answered. */
    hang(on = true) { faults.hanging = on; },
    /** false: GET / answers 406 "Not Ready", as a server whose node is stale. */
    setHealthy(on) { faults.healthy = on; },
    /** The server goes down: open sockets are dropped, new ones refused. */
    refuse: shutdown,
    /** Down and up again on the same port: kept-alive connections go stale. */
    async restart() {
      await shutdown();
      await listen(boundPort);
    },
    /**
     * A participant joins `room` (created if needed, as a join would).
     * `tracks` are TrackInfo in protojson, e.g. [{sid: 'TR_a', type: 'AUDIO'}].
     */
    addParticipant(room, { identity, name = '', kind = 'STANDARD', state = 'ACTIVE', is_publisher = false, metadata = '', tracks = [] }) {
      if (!rooms.has(room)) rooms.set(room, newRoomState(room));
      const ms = Date.now();
      const p = new ParticipantInfo({
        sid: newId('PA_'),
        identity,
        name,
        metadata,
        state: toEnum(ParticipantInfo_State, state, 'state'),
        kind: toEnum(ParticipantInfo_Kind, kind, 'kind'),
        isPublisher: is_publisher,
        tracks: tracks.map((t) => TrackInfo.fromJson(t)),
        joinedAt: BigInt(Math.floor(ms / 1000)),
        joinedAtMs: BigInt(ms),
        permission: new ParticipantPermission({ canSubscribe: true, canPublish: true, canPublishData: true }),
      });
      const roomState = rooms.get(room);
      roomState.participants.set(identity, p);
      refreshCounts(roomState);
      return p;
    },
    /**
     * A room appears as another backend (or lkgate, earlier) would have made
     * it, without a Twirp call: seeds thousands of rooms at once.  Any name
     * LiveKit takes will do.  Returns the Room.
     */
    addRoom(name, { metadata = '', maxParticipants = 0, emptyTimeout = 0 } = {}) {
      const state = newRoomState(name,
        new CreateRoomRequest({ name, metadata, maxParticipants, emptyTimeout }));
      rooms.set(name, state);
      return state.room;
    },
    /** The room goes away on its own (timeout, last one left). */
    removeRoom: (name) => rooms.delete(name),
    reset() {
      rooms.clear();
      calls.length = 0;
      clearFaults();
    },
    close: shutdown,
  };
}

function badRoute(msg, req, path) {
  return new TwirpError('bad_route', msg, { twirp_invalid_route: `${req.method} ${path}` });
}

// ---------------------------------------------------------------- standalone

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7880' },
      key: { type: 'string', default: 'devkey' },
      secret: { type: 'string', default: 'secret' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const log = values.quiet ? undefined : (c) => console.log(
    `${new Date(c.time).toISOString()} conn=${c.connId} ${c.service ? `${c.service}/${c.method}` : c.path} ` +
    `${c.status} ${Date.now() - c.time}ms`);
  const emu = await startEmulator({ port: Number(values.port), apiKey: values.key, apiSecret: values.secret, log });
  console.log(`livekit emulator listening on ${emu.url} (key ${values.key})`);
}
