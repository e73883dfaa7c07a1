/*
 * conf: lkgate's configuration, from a file, the environment and built-in
 * defaults, driven by one table of options (conf_table.c).
 *
 * Pure: the environment is read through a lookup callback and nothing here
 * touches the network or the clock, so tests can build any configuration.
 * A struct conf is immutable once conf_load() returned it; a reload builds
 * a new one and swaps it in.
 */
#ifndef LKGATE_CONF_H
#define LKGATE_CONF_H

#include <stddef.h>

#include "ratelim.h"

struct token_keyset;
struct token_signer;
struct cidr;
struct seal_key;

enum api_role { ROLE_APP, ROLE_ADMIN };

/* Longest API key accepted, in bytes (the shortest is 16). */
#define CONF_API_KEY_MAX 256

/*
 * key is zero-padded to CONF_API_KEY_MAX + 1 bytes, so that matching reads
 * the same number of bytes whatever the key.
 */
struct api_key {
	char		*name;
	char		*key;
	size_t		 keylen;
	enum api_role	 role;
};

struct agent_profile {
	char		*name;		/* profile name, e.g. "coach" */
	char		**agents;	/* agent names, NULL-terminated */
	size_t		 nagents;
};

struct conf {
	/* listening */
	char		*listen;		/* "host:port" as given */
	char		*listen_host;		/* parsed */
	int		 listen_port;
	/* LiveKit */
	char		*livekit_url;		/* returned to clients */
	char		*livekit_api_url;	/* Twirp base, no trailing '/' */
	char		*livekit_api_key;
	char		*livekit_api_secret;
	/* Signs LiveKit tokens with the two above, its HMAC key prepared
	 * once per configuration rather than once per token. */
	struct token_signer *livekit_signer;
	/* clients */
	struct api_key	*api_keys;
	size_t		 napi_keys;
	/* users: the app's own JWTs */
	char		*user_jwt_secret;	/* HS256; NULL: none */
	char		*user_jwt_issuer;	/* NULL: iss unchecked */
	char		*user_jwt_audience;	/* NULL: aud unchecked */
	long long	 user_jwt_leeway;	/* seconds, on exp and nbf */
	char		*admin_role_claim;	/* claim of the roles */
	/* The secret's HS256 key and the JWKS file's keys; NULL when
	 * neither is configured, and then no user token is accepted. */
	struct token_keyset *user_keys;
	/* OpenID Connect login and sessions (the Visio-Conf app) */
	char		*oidc_issuer;		/* NULL: no login routes */
	char		*oidc_client_id;
	char		*oidc_client_secret;	/* NULL: a public client */
	char		*oidc_redirect_uri;
	char		*oidc_scopes;		/* space-separated */
	char		*oidc_auth_params;	/* "k=v&k2=v2"; NULL: none */
	char		*oidc_client_auth;	/* "basic" or "post" */
	long long	 session_ttl;		/* seconds */
	struct seal_key	*cookie_keys;		/* the first seals, all open */
	size_t		 ncookie_keys;
	long long	 cookie_secure;		/* 0 only for plain-HTTP dev */
	/* tokens and rooms */
	long long	 token_ttl;		/* seconds */
	char		*room_prefix;
	long long	 room_empty_timeout;	/* seconds */
	long long	 room_departure_timeout;/* seconds */
	long long	 room_max_participants;	/* 0: no limit */
	struct agent_profile *agent_profiles;
	size_t		 nagent_profiles;
	/* voice-chat channels and the audio their clients publish */
	char		*channel_prefix;
	long long	 channel_max_users;	/* when a create names none */
	long long	 channel_empty_timeout;	/* seconds */
	/* guests of the Voice Chat app: sign-up and their credentials */
	long long	 guest_users;		/* bool */
	long long	 guest_ttl;		/* seconds */
	char		*guest_key;		/* HS256; NULL: random (main) */
	struct token_keyset *guest_keys;	/* guest_key's, or the random
						   one; NULL until set */
	long long	 audio_channels;	/* 1 or 2 */
	long long	 audio_bitrate;		/* bits per second */
	long long	 audio_dtx;		/* bool */
	long long	 audio_red;		/* bool */
	/* limits and timeouts */
	long long	 upstream_timeout_ms;
	long long	 upstream_connect_timeout_ms;
	long long	 upstream_max_connections;
	long long	 room_cache_ms;		/* 0: no room cache */
	long long	 upstream_max_response_bytes;
	long long	 request_timeout_ms;
	long long	 max_body_bytes;
	long long	 max_header_bytes;
	long long	 max_inflight;
	long long	 max_connections;
	long long	 max_connections_per_ip;
	long long	 header_timeout;	/* seconds */
	long long	 shutdown_grace_ms;
	/* rate limits, CORS, proxies */
	struct rl_limit	 rate_limits[RL_NCLASSES]; /* by enum route_class;
					   count 0: unlimited */
	long long	 rate_limit_table_size;	/* entries */
	char		*redis_url;		/* NULL: per-instance buckets */
	char		*redis_password;	/* NULL: the URL's, if any */
	long long	 redis_timeout_ms;
	char		*redis_tls_ca_file;	/* NULL: the system's CAs */
	char		*redis_tls_cert_file;	/* mutual TLS: with the key */
	char		*redis_tls_key_file;
	char		*redis_tls_server_name;	/* NULL: redis_url's host */
	char		**cors_origins;		/* exact origins, or "*" */
	size_t		 ncors_origins;
	struct cidr	*trusted_proxies;	/* whose X-Forwarded-For
						   is believed */
	size_t		 ntrusted_proxies;
	/* the metrics JSON: history and alert thresholds */
	long long	 metrics_history;	/* seconds */
	long long	 metrics_livekit;	/* 1: ListRooms a sample */
	long long	 alert_window;		/* seconds */
	long long	 alert_5xx_percent;
	long long	 alert_livekit_latency_ms;
	long long	 alert_ratelimited;	/* 429s in the window */
	char		*log_level;
	/* set by --dev */
	int		 dev;
};

/* Looks up an environment variable; returns NULL when unset. */
typedef const char *(*conf_getenv_fn)(void *arg, const char *name);

/*
 * Builds a configuration from the defaults, then the file at path (NULL:
 * no file), then the environment, then derived values, and validates it.
 * dev selects the development defaults of `lkgate --dev`.
 *
 * Returns a new struct conf (free with conf_free), or NULL with *err set
 * to a message the caller frees, naming the file and line or the variable
 * and what is wrong.  A missing file is an error only when must_exist.
 */
struct conf	*conf_load(const char *path, int must_exist, int dev,
		    conf_getenv_fn, void *envarg, char **err);

/* Frees a configuration; NULL is allowed. */
void		 conf_free(struct conf *);

/* Returns the API key entry whose secret equals key (constant time over
 * every entry), or NULL. */
const struct api_key *conf_api_key_match(const struct conf *, const char *key,
		    size_t keylen);

/*
 * Adds an API key as the entry "name:key[:role]" of api_keys would (same
 * checks).  Used by --dev for its generated key.  Returns 0, or -1 with
 * *why set to a message the caller frees.
 */
int		 conf_add_api_key(struct conf *, const char *entry, char **why);

/*
 * Makes the len bytes of key the key of guest credentials (guest_keys),
 * replacing any.  conf_load does it for guest_key; main.c, with a random
 * key it keeps across reloads, when guest_key is unset.
 */
void		 conf_set_guest_key(struct conf *, const void *key, size_t len);

/* Returns the profile named name, or NULL. */
const struct agent_profile *conf_profile_by_name(const struct conf *,
		    const char *name);

/*
 * Calls fn for each option read at start-up only whose value differs
 * between running and loaded, with its file key and the running value as
 * text (borrowed for the call): what a reload cannot change.
 */
void		 conf_foreach_restart_change(const struct conf *running,
		    const struct conf *loaded, void (*fn)(void *arg,
		    const char *key, const char *kept), void *arg);

/*
 * Calls fn once per option of the table, in table order, with its file key,
 * its environment variable, its default as text ("" for none) and a one-line
 * description.  Used by `lkgate --options` and the documentation tests.
 */
void		 conf_foreach_option(void (*fn)(void *arg, const char *key,
		    const char *env, const char *def, const char *help),
		    void *arg);

#endif
