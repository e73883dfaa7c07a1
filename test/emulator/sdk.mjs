// The official SDK's classes, re-exported from the one folder that has
// them installed, so that integration tests judge lkgate with LiveKit's
// own code.
export {
  AccessToken, RoomServiceClient, TokenVerifier, WebhookReceiver,
} from 'livekit-server-sdk';
