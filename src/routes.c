/*
 * routes: the route table.  Order matters only for readability: patterns
 * never overlap.  Each route has one rate-limit class and one way to
 * authenticate.
 */
#include "handlers.h"

const struct route routes[] = {
	/* operations */
	{ M_GET, "/health", "health", AUTH_NONE, RC_DEFAULT, 0,
	    h_health_plain },
	{ M_GET, "/api/health", "api_health", AUTH_NONE, RC_DEFAULT, 0,
	    h_health_json },
	{ M_GET, "/readyz", "readyz", AUTH_NONE, RC_DEFAULT, 0, h_readyz },
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
	{ M_POST, "/api/livekit/token", "token", AUTH_API_KEY, RC_TOKEN, 1,
	    h_token },
	{ M_POST, "/livekit/token", "legacy_token", AUTH_API_KEY, RC_TOKEN, 1,
	    h_token },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
