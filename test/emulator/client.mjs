// livekit-client's TokenSource, from the one folder that has the npm
// packages installed, so that tests call lkgate's token route as LiveKit's
// own client SDK does (it runs in Node.js: it needs only fetch).
export { TokenSource } from 'livekit-client';
// The messages livekit-server-sdk's AccessToken takes as its roomConfig.
export { RoomAgentDispatch, RoomConfiguration } from '@livekit/protocol';
