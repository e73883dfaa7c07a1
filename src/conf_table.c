/*
 * conf_table: the options table, the one description of lkgate's
 * configuration (the shape of tmux's options-table.c).  Each row names a
 * file key, an environment variable, a type, flags, a default (and one
 * under --dev), a range, the field of struct conf it fills and a line of
 * help; the table alone drives parsing, defaults, range checks, reloads
 * (OPT_RESTART), conf_foreach_option() and, through it, the documentation
 * tests.  A new option is one row, in the order of lkgate.conf(5).
 *
 * Also here: each type's parser, and the lookups on the table.  Below the
 * staging and the engine; above the parsers (conf_values.c,
 * conf_lists.c, conf_files.c), which never call back into the table.
 */
#include <stddef.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "log.h"
#include "util.h"

#define SECRET_MAX	4096		/* the LiveKit API secret */
#define USER_SECRET_MIN	32		/* HS256: 256 bits, RFC 7518 3.2 */
#define CLAIM_MAX	1024		/* issuer, audience, claim name */
#define PATH_MAX_LEN	4096		/* a file's path */

static const char *const ws_schemes[] = {
	"ws://", "wss://", "http://", "https://", NULL
};
static const char *const http_schemes[] = { "http://", "https://", NULL };
static const char *const log_levels[] = {
	"debug", "info", "warn", "error", NULL
};
static const char *const client_auths[] = { "basic", "post", NULL };

/*
 * The options, in the order of lkgate.conf(5).  A _FILE row fills the
 * field of the row before it; the pair is one setting.
 */
const struct conf_opt conf_options[] = {
	{ "listen", "LKGATE_LISTEN", OPT_LISTEN, OPT_RESTART,
	  "0.0.0.0:8083", "127.0.0.1:8083", 0, 0, NULL, OFF(listen),
	  "address to listen on, host:port with an IPv4 or [IPv6] host" },
	{ "livekit_url", "LIVEKIT_URL", OPT_URL, OPT_REQUIRED,
	  NULL, "ws://localhost:7880", 0, 0, ws_schemes, OFF(livekit_url),
	  "LiveKit URL returned to clients; required (ws, wss, http, https)" },
	{ "livekit_api_url", "LIVEKIT_API_URL", OPT_URL, OPT_NOSLASH,
	  NULL, NULL, 0, 0, http_schemes, OFF(livekit_api_url),
	  "base URL of LiveKit's Twirp API; derived from livekit_url" },
	{ "livekit_api_key", "LIVEKIT_API_KEY", OPT_TOKEN, OPT_REQUIRED,
	  NULL, "devkey", 1, 256, NULL, OFF(livekit_api_key),
	  "LiveKit API key; required" },
	{ "livekit_api_secret", "LIVEKIT_API_SECRET", OPT_SECRET,
	  OPT_REQUIRED, NULL, "secret", 1, SECRET_MAX, NULL,
	  OFF(livekit_api_secret),
	  "LiveKit API secret; required, here or in livekit_api_secret_file" },
	{ "livekit_api_secret_file", "LIVEKIT_API_SECRET_FILE",
	  OPT_SECRET_FILE, 0, NULL, NULL, 0, 0, NULL,
	  OFF(livekit_api_secret),
	  "file holding the LiveKit API secret (instead of livekit_api_secret)"
	},
	{ "api_keys", "LKGATE_API_KEYS", OPT_API_KEYS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(api_keys),
	  "client API keys, name:key[:role] with role app or admin" },
	{ "api_keys_file", "LKGATE_API_KEYS_FILE", OPT_API_KEYS_FILE, 0,
	  NULL, NULL, 0, 0, NULL, OFF(api_keys),
	  "file of more client API keys, one name:key[:role] a line" },
	{ "user_jwt_secret", "LKGATE_USER_JWT_SECRET", OPT_SECRET, 0,
	  NULL, NULL, USER_SECRET_MIN, SECRET_MAX, NULL,
	  OFF(user_jwt_secret),
	  "HS256 secret of the app's user JWTs, at least 32 characters" },
	{ "user_jwt_secret_file", "LKGATE_USER_JWT_SECRET_FILE",
	  OPT_SECRET_FILE, 0, NULL, NULL, 0, 0, NULL, OFF(user_jwt_secret),
	  "file holding the HS256 secret of user JWTs" },
	{ "user_jwt_jwks_file", "LKGATE_USER_JWT_JWKS_FILE", OPT_JWKS_FILE, 0,
	  NULL, NULL, 0, 0, NULL, OFF(user_keys),
	  "JWKS file of the RS256 and ES256 public keys of user JWTs" },
	{ "user_jwt_issuer", "LKGATE_USER_JWT_ISSUER", OPT_TOKEN, 0,
	  NULL, NULL, 1, CLAIM_MAX, NULL, OFF(user_jwt_issuer),
	  "iss that user JWTs must carry; unchecked when unset" },
	{ "user_jwt_audience", "LKGATE_USER_JWT_AUDIENCE", OPT_TOKEN, 0,
	  NULL, NULL, 1, CLAIM_MAX, NULL, OFF(user_jwt_audience),
	  "aud that user JWTs must carry; unchecked when unset" },
	{ "user_jwt_leeway", "LKGATE_USER_JWT_LEEWAY", OPT_INT, 0,
	  "30", NULL, 0, 600, NULL, OFF(user_jwt_leeway),
	  "clock leeway on exp and nbf of user JWTs, seconds" },
	{ "admin_role_claim", "LKGATE_ADMIN_ROLE_CLAIM", OPT_TOKEN, 0,
	  "role", NULL, 1, CLAIM_MAX, NULL, OFF(admin_role_claim),
	  "user JWT claim holding roles; \"admin\" in it makes an admin" },
	{ "oidc_issuer", "LKGATE_OIDC_ISSUER", OPT_URL, 0,
	  NULL, NULL, 0, 0, http_schemes, OFF(oidc_issuer),
	  "OpenID Connect issuer of the web app's login; none: no login" },
	{ "oidc_client_id", "LKGATE_OIDC_CLIENT_ID", OPT_TOKEN, 0,
	  NULL, NULL, 1, CLAIM_MAX, NULL, OFF(oidc_client_id),
	  "lkgate's client_id at the OpenID Connect provider" },
	{ "oidc_client_secret", "LKGATE_OIDC_CLIENT_SECRET", OPT_SECRET, 0,
	  NULL, NULL, 1, SECRET_MAX, NULL, OFF(oidc_client_secret),
	  "client secret at the provider; none: a public client (PKCE only)" },
	{ "oidc_client_secret_file", "LKGATE_OIDC_CLIENT_SECRET_FILE",
	  OPT_SECRET_FILE, 0, NULL, NULL, 0, 0, NULL,
	  OFF(oidc_client_secret),
	  "file holding the client secret at the provider" },
	{ "oidc_redirect_uri", "LKGATE_OIDC_REDIRECT_URI", OPT_URL, 0,
	  NULL, NULL, 0, 0, http_schemes, OFF(oidc_redirect_uri),
	  "lkgate's /api/auth/callback URL as registered at the provider" },
	{ "oidc_scopes", "LKGATE_OIDC_SCOPES", OPT_TEXT, 0,
	  "openid profile email", NULL, 6, CLAIM_MAX, NULL, OFF(oidc_scopes),
	  "scopes asked for, space-separated; must include openid" },
	{ "oidc_auth_params", "LKGATE_OIDC_AUTH_PARAMS", OPT_FORM, 0,
	  NULL, NULL, 1, CLAIM_MAX, NULL, OFF(oidc_auth_params),
	  "extra authorization request parameters, k=v&k2=v2" },
	{ "oidc_client_auth", "LKGATE_OIDC_CLIENT_AUTH", OPT_ENUM, 0,
	  "basic", NULL, 0, 0, client_auths, OFF(oidc_client_auth),
	  "how the client secret is sent: basic (HTTP Basic) or post (body)" },
	{ "session_ttl", "LKGATE_SESSION_TTL", OPT_INT, 0,
	  "3600", NULL, 60, 2592000, NULL, OFF(session_ttl),
	  "lifetime of a login session cookie, seconds; refresh extends it" },
	{ "cookie_keys", "LKGATE_COOKIE_KEYS", OPT_COOKIE_KEYS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(cookie_keys),
	  "base64 32-byte keys sealing cookies; the first seals, all open" },
	{ "cookie_secure", "LKGATE_COOKIE_SECURE", OPT_BOOL, 0,
	  "true", NULL, 0, 0, NULL, OFF(cookie_secure),
	  "mark cookies Secure; false only for plain-HTTP development" },
	{ "token_ttl", "LKGATE_TOKEN_TTL", OPT_INT, 0,
	  "3600", NULL, 60, 86400, NULL, OFF(token_ttl),
	  "lifetime of participant tokens, seconds" },
	{ "room_prefix", "LKGATE_ROOM_PREFIX", OPT_NAME, 0,
	  "eloquence-", NULL, 0, NAME_MAX_LEN, NULL, OFF(room_prefix),
	  "prefix of session room names" },
	{ "room_empty_timeout", "LKGATE_ROOM_EMPTY_TIMEOUT", OPT_INT, 0,
	  "300", NULL, 0, 86400, NULL, OFF(room_empty_timeout),
	  "seconds an empty room is kept open" },
	{ "room_departure_timeout", "LKGATE_ROOM_DEPARTURE_TIMEOUT", OPT_INT,
	  0, "20", NULL, 0, 86400, NULL, OFF(room_departure_timeout),
	  "seconds a room is kept after the last participant left" },
	{ "room_max_participants", "LKGATE_ROOM_MAX_PARTICIPANTS", OPT_INT,
	  0, "0", NULL, 0, 10000, NULL, OFF(room_max_participants),
	  "participants allowed in a room, 0 for no limit" },
	{ "agent_profiles", "LKGATE_AGENT_PROFILES", OPT_PROFILES, 0,
	  NULL, NULL, 0, 0, NULL, OFF(agent_profiles),
	  "agents dispatched per profile, profile=agent[+agent...]" },
	{ "channel_prefix", "LKGATE_CHANNEL_PREFIX", OPT_NAME, 0,
	  "channel-", NULL, 1, NAME_MAX_LEN, NULL, OFF(channel_prefix),
	  "prefix of voice-chat channel room names (then the channel id)" },
	{ "channel_max_users", "LKGATE_CHANNEL_MAX_USERS", OPT_INT, 0,
	  "10", NULL, 1, 1000, NULL, OFF(channel_max_users),
	  "users in a channel when its create names no max_users" },
	{ "channel_empty_timeout", "LKGATE_CHANNEL_EMPTY_TIMEOUT", OPT_INT, 0,
	  "86400", NULL, 1, 604800, NULL, OFF(channel_empty_timeout),
	  "seconds LiveKit keeps a channel no one is in, before the first "
	  "join and after the last leave" },
	{ "guest_users", "LKGATE_GUEST_USERS", OPT_BOOL, 0,
	  "false", NULL, 0, 0, NULL, OFF(guest_users),
	  "open guest sign-up at POST /api/users and accept guest "
	  "credentials on the Voice Chat routes" },
	{ "guest_ttl", "LKGATE_GUEST_TTL", OPT_INT, 0,
	  "86400", NULL, 60, 2592000, NULL, OFF(guest_ttl),
	  "lifetime of a guest credential, seconds" },
	{ "guest_key", "LKGATE_GUEST_KEY", OPT_SECRET, 0,
	  NULL, NULL, USER_SECRET_MIN, SECRET_MAX, NULL, OFF(guest_key),
	  "HS256 key of guest credentials, at least 32 characters; random "
	  "at start when unset" },
	{ "guest_key_file", "LKGATE_GUEST_KEY_FILE", OPT_SECRET_FILE, 0,
	  NULL, NULL, 0, 0, NULL, OFF(guest_key),
	  "file holding the HS256 key of guest credentials" },
	{ "audio_channels", "LKGATE_AUDIO_CHANNELS", OPT_INT, 0,
	  "1", NULL, 1, 2, NULL, OFF(audio_channels),
	  "audio channels clients publish (1 mono, 2 stereo), in "
	  "/api/audio/config" },
	{ "audio_bitrate", "LKGATE_AUDIO_BITRATE", OPT_INT, 0,
	  "48000", NULL, 6000, 510000, NULL, OFF(audio_bitrate),
	  "Opus bitrate clients publish at, bits per second" },
	{ "audio_dtx", "LKGATE_AUDIO_DTX", OPT_BOOL, 0,
	  "true", NULL, 0, 0, NULL, OFF(audio_dtx),
	  "whether clients use Opus discontinuous transmission (DTX)" },
	{ "audio_red", "LKGATE_AUDIO_RED", OPT_BOOL, 0,
	  "true", NULL, 0, 0, NULL, OFF(audio_red),
	  "whether clients send redundant audio (RED)" },
	{ "upstream_timeout_ms", "LKGATE_UPSTREAM_TIMEOUT_MS", OPT_INT, 0,
	  "5000", NULL, 100, 60000, NULL, OFF(upstream_timeout_ms),
	  "time allowed for one LiveKit call, milliseconds" },
	{ "upstream_connect_timeout_ms", "LKGATE_UPSTREAM_CONNECT_TIMEOUT_MS",
	  OPT_INT, 0, "2000", NULL, 50, 60000, NULL,
	  OFF(upstream_connect_timeout_ms),
	  "time allowed to connect to LiveKit, milliseconds" },
	{ "upstream_max_connections", "LKGATE_UPSTREAM_MAX_CONNECTIONS",
	  OPT_INT, OPT_RESTART, "64", NULL, 1, 1024, NULL,
	  OFF(upstream_max_connections),
	  "connections to LiveKit kept open at most" },
	{ "room_cache_ms", "LKGATE_ROOM_CACHE_MS", OPT_INT, 0,
	  "1000", NULL, 0, 60000, NULL, OFF(room_cache_ms),
	  "time a room look-up may be reused, milliseconds; 0: never" },
	{ "upstream_max_response_bytes", "LKGATE_UPSTREAM_MAX_RESPONSE_BYTES",
	  OPT_INT, 0, "67108864", NULL, 1048576, 1073741824, NULL,
	  OFF(upstream_max_response_bytes),
	  "largest answer read from LiveKit (the whole room list), bytes" },
	{ "request_timeout_ms", "LKGATE_REQUEST_TIMEOUT_MS", OPT_INT, 0,
	  "15000", NULL, 100, 300000, NULL, OFF(request_timeout_ms),
	  "time allowed for a whole client request, milliseconds" },
	{ "max_body_bytes", "LKGATE_MAX_BODY_BYTES", OPT_INT, 0,
	  "65536", NULL, 1024, 1048576, NULL, OFF(max_body_bytes),
	  "largest request body accepted, bytes" },
	{ "max_header_bytes", "LKGATE_MAX_HEADER_BYTES", OPT_INT, 0,
	  "16384", NULL, 1024, 65536, NULL, OFF(max_header_bytes),
	  "largest request line and headers accepted, bytes" },
	{ "max_inflight", "LKGATE_MAX_INFLIGHT", OPT_INT, 0,
	  "4096", NULL, 1, 100000, NULL, OFF(max_inflight),
	  "client requests handled at once at most" },
	{ "max_connections", "LKGATE_MAX_CONNECTIONS", OPT_INT, 0,
	  "10000", NULL, 1, 1000000, NULL, OFF(max_connections),
	  "open client connections at most; more are closed at once" },
	{ "max_connections_per_ip", "LKGATE_MAX_CONNECTIONS_PER_IP", OPT_INT,
	  0, "256", NULL, 1, 1000000, NULL, OFF(max_connections_per_ip),
	  "open connections per client address at most (trusted proxies "
	  "exempt)" },
	{ "header_timeout", "LKGATE_HEADER_TIMEOUT", OPT_INT, 0,
	  "10", NULL, 1, 3600, NULL, OFF(header_timeout),
	  "seconds to send a request, from its first byte" },
	{ "shutdown_grace_ms", "LKGATE_SHUTDOWN_GRACE_MS", OPT_INT, 0,
	  "10000", NULL, 0, 600000, NULL, OFF(shutdown_grace_ms),
	  "time given to requests in flight at shutdown, milliseconds" },
	{ "rate_limits", "LKGATE_RATE_LIMITS", OPT_RATE_LIMITS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(rate_limits),
	  "rate limits, class=N/PERIOD with class default, auth, token or "
	  "create" },
	{ "rate_limit_table_size", "LKGATE_RATE_LIMIT_TABLE_SIZE", OPT_INT,
	  OPT_RESTART,
	  "65536", NULL, 16, 1048576, NULL, OFF(rate_limit_table_size),
	  "rate-limit buckets kept at most (read at start-up)" },
	{ "redis_url", "LKGATE_REDIS_URL", OPT_SECRET, OPT_RESTART,
	  NULL, NULL, 8, URL_MAX, NULL, OFF(redis_url),
	  "Redis holding rate-limit buckets shared by every instance: "
	  "redis://[user:password@]host[:port][/db], rediss://..., "
	  "unix:/path" },
	{ "redis_password", "LKGATE_REDIS_PASSWORD", OPT_SECRET, OPT_RESTART,
	  NULL, NULL, 1, 512, NULL, OFF(redis_password),
	  "password for Redis (instead of the one in redis_url)" },
	{ "redis_password_file", "LKGATE_REDIS_PASSWORD_FILE",
	  OPT_SECRET_FILE, OPT_RESTART, NULL, NULL, 0, 0, NULL,
	  OFF(redis_password),
	  "file holding the password for Redis" },
	{ "redis_timeout_ms", "LKGATE_REDIS_TIMEOUT_MS", OPT_INT, OPT_RESTART,
	  "250", NULL, 10, 10000, NULL, OFF(redis_timeout_ms),
	  "time allowed for one Redis call, milliseconds; slower: "
	  "per-instance buckets" },
	{ "redis_tls_ca_file", "LKGATE_REDIS_TLS_CA_FILE", OPT_TEXT,
	  OPT_RESTART, NULL, NULL, 1, PATH_MAX_LEN, NULL,
	  OFF(redis_tls_ca_file),
	  "CA certificates (PEM) a rediss:// server's certificate must chain "
	  "to; none: the system's" },
	{ "redis_tls_cert_file", "LKGATE_REDIS_TLS_CERT_FILE", OPT_TEXT,
	  OPT_RESTART, NULL, NULL, 1, PATH_MAX_LEN, NULL,
	  OFF(redis_tls_cert_file),
	  "client certificate chain (PEM) for a rediss:// server that asks "
	  "for one" },
	{ "redis_tls_key_file", "LKGATE_REDIS_TLS_KEY_FILE", OPT_TEXT,
	  OPT_RESTART, NULL, NULL, 1, PATH_MAX_LEN, NULL,
	  OFF(redis_tls_key_file),
	  "unencrypted private key of redis_tls_cert_file (PEM or DER)" },
	{ "redis_tls_server_name", "LKGATE_REDIS_TLS_SERVER_NAME", OPT_TOKEN,
	  OPT_RESTART, NULL, NULL, 1, 255, NULL, OFF(redis_tls_server_name),
	  "name a rediss:// server's certificate must carry, sent as SNI; "
	  "none: redis_url's host" },
	{ "trusted_proxies", "LKGATE_TRUSTED_PROXIES", OPT_PROXIES, 0,
	  NULL, NULL, 0, 0, NULL, OFF(trusted_proxies),
	  "addresses and CIDR blocks whose X-Forwarded-For is believed" },
	{ "cors_origins", "LKGATE_CORS_ORIGINS", OPT_ORIGINS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(cors_origins),
	  "origins allowed to call from a browser, or * for any (no "
	  "credentials)" },
	{ "metrics_history", "LKGATE_METRICS_HISTORY", OPT_INT, OPT_RESTART,
	  "86400", NULL, 60, 86400, NULL, OFF(metrics_history),
	  "seconds of 5 s samples kept for /api/metrics/history (read at "
	  "start-up)" },
	{ "metrics_livekit", "LKGATE_METRICS_LIVEKIT", OPT_BOOL, 0,
	  "true", NULL, 0, 0, NULL, OFF(metrics_livekit),
	  "count LiveKit's rooms with one ListRooms a sample (5 s)" },
	{ "alert_window", "LKGATE_ALERT_WINDOW", OPT_INT, 0,
	  "300", NULL, 10, 86400, NULL, OFF(alert_window),
	  "seconds over which the 5xx share and 429s are judged" },
	{ "alert_5xx_percent", "LKGATE_ALERT_5XX_PERCENT", OPT_INT, 0,
	  "5", NULL, 0, 100, NULL, OFF(alert_5xx_percent),
	  "warn when more than this share of answers were 5xx, percent" },
	{ "alert_livekit_latency_ms", "LKGATE_ALERT_LIVEKIT_LATENCY_MS",
	  OPT_INT, 0, "1000", NULL, 1, 60000, NULL,
	  OFF(alert_livekit_latency_ms),
	  "warn when LiveKit's ListRooms took longer, milliseconds" },
	{ "alert_ratelimited", "LKGATE_ALERT_RATELIMITED", OPT_INT, 0,
	  "100", NULL, 0, 1000000000, NULL, OFF(alert_ratelimited),
	  "warn when more requests than this were refused with 429" },
	{ "log_level", "LKGATE_LOG_LEVEL", OPT_ENUM, 0,
	  "info", NULL, 0, 0, log_levels, OFF(log_level),
	  "least severe level logged: debug, info, warn or error" },
};

#define NOPTS NELEM(conf_options)

const size_t conf_nopts = NOPTS;

/* A _FILE row reads the secret of the row it stands in for, under that
 * row's limits. */
static int
parse_secret_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	int pi;

	if ((pi = conf_opt_partner((size_t)(o - conf_options))) == -1)
		fatal("conf: %s has no secret to stand in for", o->key);
	return conf_read_secret_file(&conf_options[pi], c, text, why);
}

/* Per type: the parser, and whether a key may repeat (a list). */
const struct conf_opt_type conf_opt_types[] = {
	[OPT_INT] = { conf_parse_int, 0 },
	[OPT_NAME] = { conf_parse_name, 0 },
	[OPT_TOKEN] = { conf_parse_token, 0 },
	[OPT_SECRET] = { conf_parse_secret, 0 },
	[OPT_SECRET_FILE] = { parse_secret_file, 0 },
	[OPT_URL] = { conf_parse_url, 0 },
	[OPT_LISTEN] = { conf_parse_listen, 0 },
	[OPT_ENUM] = { conf_parse_enum, 0 },
	[OPT_API_KEYS] = { conf_parse_api_keys, 1 },
	[OPT_API_KEYS_FILE] = { conf_parse_api_keys_file, 0 },
	[OPT_JWKS_FILE] = { conf_parse_jwks_file, 0 },
	[OPT_PROFILES] = { conf_parse_profiles, 1 },
	[OPT_RATE_LIMITS] = { conf_parse_rate_limits, 1 },
	[OPT_ORIGINS] = { conf_parse_origins, 1 },
	[OPT_PROXIES] = { conf_parse_proxies, 1 },
	[OPT_TEXT] = { conf_parse_text, 0 },
	[OPT_BOOL] = { conf_parse_bool, 0 },
	[OPT_FORM] = { conf_parse_form, 0 },
	[OPT_COOKIE_KEYS] = { conf_parse_cookie_keys, 1 },
};

/* Returns the row of the other half of a secret/_FILE pair, or -1. */
int
conf_opt_partner(size_t i)
{
	size_t j;

	for (j = 0; j < NOPTS; j++) {
		if (j == i || conf_options[j].off != conf_options[i].off)
			continue;
		if ((conf_options[i].type == OPT_SECRET_FILE) !=
		    (conf_options[j].type == OPT_SECRET_FILE))
			return (int)j;
	}
	return -1;
}

int
conf_opt_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(conf_options[i].key, key) == 0)
			return (int)i;
	return -1;
}


void
conf_foreach_option(void (*fn)(void *arg, const char *key, const char *env,
    const char *def, const char *help), void *arg)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		fn(arg, conf_options[i].key, conf_options[i].env,
		    conf_options[i].def != NULL ? conf_options[i].def : "",
		    conf_options[i].help);
}
