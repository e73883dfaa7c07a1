/*
 * routes: the route table.  Order matters only for readability: patterns
 * never overlap.  Each route has one rate-limit class and one way to
 * authenticate.
 */
#include "handlers.h"

const struct route routes[] = {
	/* operations */
	{ M_GET, "/health", "health", AUTH_NONE, RC_NONE, 0,
	    h_health_plain },
	{ M_GET, "/api/health", "api_health", AUTH_NONE, RC_NONE, 0,
	    h_health_json },
	{ M_GET, "/readyz", "readyz", AUTH_NONE, RC_NONE, 0, h_readyz },
	{ M_GET, "/metrics", "metrics", AUTH_NONE, RC_NONE, 0, h_metrics },
	/* the Voice Chat app's metrics views, for admins */
	{ M_GET, "/api/metrics/current", "metrics_current", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_metrics_current },
	{ M_GET, "/api/metrics/summary", "metrics_summary", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_metrics_summary },
	{ M_GET, "/api/metrics/health", "metrics_health", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_metrics_health },
	{ M_GET, "/api/metrics/alerts", "metrics_alerts", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_metrics_alerts },
	{ M_GET, "/api/metrics/history", "metrics_history", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_metrics_history },
	{ M_GET, "/api/metrics/component/:component", "metrics_component",
	    AUTH_USER_OR_KEY, RC_DEFAULT, 0, h_metrics_component },
	/* documents shipped in the binary */
	{ M_GET, "/api/openapi.json", "openapi", AUTH_NONE, RC_DEFAULT, 0,
	    h_openapi },
	{ M_GET, "/admin", "admin", AUTH_NONE, RC_DEFAULT, 0, h_admin },
	/* Eloquence sessions */
	{ M_POST, "/api/sessions", "session_create", AUTH_API_KEY, RC_CREATE,
	    1, h_session_create },
	{ M_GET, "/api/sessions/:id", "session_get", AUTH_API_KEY,
	    RC_DEFAULT, 0, h_session_get },
	{ M_DELETE, "/api/sessions/:id", "session_delete", AUTH_API_KEY,
	    RC_DEFAULT, 0, h_session_delete },
	{ M_POST, "/api/session/start", "legacy_session_start", AUTH_API_KEY,
	    RC_CREATE, 1, h_session_create },
	{ M_POST, "/api/session/:id/end", "legacy_session_end", AUTH_API_KEY,
	    RC_DEFAULT, 0, h_session_delete },
	/* tokens */
	{ M_POST, "/api/livekit/token", "token", AUTH_USER_OR_KEY, RC_TOKEN,
	    1, h_token },
	{ M_POST, "/livekit/token", "legacy_token", AUTH_API_KEY, RC_TOKEN, 1,
	    h_token },
	/* Urbania video-call rooms (json_body 2: join and leave need none) */
	{ M_POST, "/api/livekit/rooms", "room_create", AUTH_USER_OR_KEY,
	    RC_CREATE, 1, h_room_create },
	{ M_GET, "/api/livekit/rooms", "room_list", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_room_list },
	{ M_GET, "/api/livekit/rooms/:name", "room_get", AUTH_USER_OR_KEY,
	    RC_DEFAULT, 0, h_room_get },
	{ M_DELETE, "/api/livekit/rooms/:name", "room_delete",
	    AUTH_USER_OR_KEY, RC_DEFAULT, 0, h_room_delete },
	{ M_POST, "/api/livekit/rooms/:name/join", "room_join",
	    AUTH_USER_OR_KEY, RC_TOKEN, 2, h_room_join },
	{ M_POST, "/api/livekit/rooms/:name/leave", "room_leave",
	    AUTH_USER_OR_KEY, RC_DEFAULT, 2, h_room_leave },
	/* Visio-Conf: the web login (OpenID Connect) and its session cookie */
	{ M_GET, "/api/auth/login", "auth_login", AUTH_NONE, RC_AUTH, 0,
	    h_auth_login },
	{ M_GET, "/api/auth/francetravail", "auth_francetravail", AUTH_NONE,
	    RC_AUTH, 0, h_auth_login },
	{ M_GET, "/api/auth/callback", "auth_callback", AUTH_NONE, RC_AUTH, 0,
	    h_auth_callback },
	{ M_GET, "/api/auth/francetravail/callback",
	    "auth_francetravail_callback", AUTH_NONE, RC_AUTH, 0,
	    h_auth_callback },
	{ M_GET, "/api/auth/status", "auth_status", AUTH_NONE, RC_DEFAULT, 0,
	    h_auth_status },
	{ M_POST, "/api/auth/refresh", "auth_refresh", AUTH_COOKIE, RC_AUTH,
	    0, h_auth_refresh },
	{ M_POST, "/api/auth/logout", "auth_logout", AUTH_NONE, RC_AUTH, 0,
	    h_auth_logout },
	/* Visio-Conf: video (rooms logic of the Urbania routes above) */
	{ M_POST, "/api/video/token", "video_token", AUTH_COOKIE, RC_TOKEN, 1,
	    h_video_token },
	{ M_POST, "/api/video/room/create", "video_room_create", AUTH_COOKIE,
	    RC_CREATE, 2, h_room_create },
	{ M_POST, "/api/video/room/:roomId/join", "video_room_join",
	    AUTH_COOKIE, RC_TOKEN, 2, h_video_join },
	{ M_POST, "/api/video/room/:roomId/leave", "video_room_leave",
	    AUTH_COOKIE, RC_DEFAULT, 2, h_room_leave },
	{ M_GET, "/api/video/health", "video_health", AUTH_NONE, RC_DEFAULT, 0,
	    h_video_health },
	{ M_GET, "/api/config", "config", AUTH_NONE, RC_DEFAULT, 0, h_config },
	/* LiveKit's webhooks: signed over the raw body, parsed by the handler */
	{ M_POST, "/api/livekit/webhook", "webhook", AUTH_WEBHOOK, RC_NONE,
	    0, h_webhook },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
