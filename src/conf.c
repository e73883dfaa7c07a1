/*
 * conf: lkgate's configuration, driven by one table of options (the shape
 * of tmux's options-table.c).  Each row names a file key, an environment
 * variable, a type, a default and the field of struct conf it fills; the
 * table alone drives parsing, defaults, range checks, conf_foreach_option()
 * and, through it, the documentation tests.
 *
 * Loading has two steps.  First every value is staged as text together
 * with where it came from ("FILE:LINE: key" or the variable's name), the
 * environment replacing what the file said.  Then each option is parsed
 * from its staged text, or from its default, so that an error names the
 * place the operator has to fix.  Values of secrets are never echoed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64url.h"
#include "clientip.h"
#include "conf.h"
#include "jwks.h"
#include "log.h"
#include "seal.h"
#include "token.h"
#include "util.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* the configuration file */
#define LINE_MAX_LEN	4096		/* one line of any file */
#define SECRET_FILE_MAX	(64 * 1024)	/* a _FILE file */
#define SECRET_MAX	4096		/* the LiveKit API secret */
#define USER_SECRET_MIN	32		/* HS256: 256 bits, RFC 7518 3.2 */
#define CLAIM_MAX	1024		/* issuer, audience, claim name */
#define API_KEY_MIN	16
#define NAME_MAX_LEN	64		/* key names, profiles, agents */
#define URL_MAX		2048
#define ECHO_MAX	64		/* bytes of a bad value quoted back */

enum opt_type {
	OPT_INT,		/* integer in [min, max] */
	OPT_NAME,		/* min..max bytes of [A-Za-z0-9_.-] */
	OPT_TOKEN,		/* min..max visible ASCII bytes */
	OPT_SECRET,		/* like OPT_TOKEN, never echoed */
	OPT_SECRET_FILE,	/* path of a file holding the OPT_SECRET */
	OPT_URL,		/* URL with one of the schemes in choices */
	OPT_LISTEN,		/* host:port */
	OPT_ENUM,		/* one of choices */
	OPT_API_KEYS,		/* list of name:key[:role] */
	OPT_API_KEYS_FILE,	/* path of a file of name:key[:role] lines */
	OPT_JWKS_FILE,		/* path of a JWKS file of user JWT keys */
	OPT_PROFILES,		/* list of profile=agent[+agent...] */
	OPT_RATE_LIMITS,	/* list of class=N/PERIOD */
	OPT_ORIGINS,		/* list of CORS origins */
	OPT_PROXIES,		/* list of addresses and CIDR blocks */
	OPT_TEXT,		/* min..max printable ASCII bytes, blanks too */
	OPT_BOOL,		/* true or false */
	OPT_FORM,		/* k=v&k2=v2 (URL query parameters) */
	OPT_COOKIE_KEYS		/* list of base64 keys of SEAL_KEY_LEN bytes */
};

#define OPT_REQUIRED	0x1	/* outside --dev a value must be given */
#define OPT_NOSLASH	0x2	/* URL: trailing '/' removed */

struct conf_opt {
	const char		*key;
	const char		*env;
	enum opt_type		 type;
	int			 flags;
	const char		*def;	/* NULL: none */
	const char		*devdef; /* under --dev; NULL: def */
	long long		 min, max; /* range; length of strings */
	const char *const	*choices; /* enum values, URL schemes */
	size_t			 off;	/* field of struct conf */
	const char		*help;
};

/* How much of a bad value to quote back: at most ECHO_MAX bytes, cut on a
 * UTF-8 character boundary so the message stays valid text. */
static int
echo_len(const char *text)
{
	size_t n = strnlen(text, ECHO_MAX + 1);

	if (n <= ECHO_MAX)
		return (int)n;
	n = ECHO_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static const char *const ws_schemes[] = {
	"ws://", "wss://", "http://", "https://", NULL
};
static const char *const http_schemes[] = { "http://", "https://", NULL };
static const char *const log_levels[] = {
	"debug", "info", "warn", "error", NULL
};
static const char *const client_auths[] = { "basic", "post", NULL };

#define OFF(f)	offsetof(struct conf, f)

/*
 * The options, in the order of lkgate.conf(5).  A _FILE row fills the
 * field of the row before it; the pair is one setting.
 */
static const struct conf_opt options[] = {
	{ "listen", "LKGATE_LISTEN", OPT_LISTEN, 0,
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
	{ "upstream_timeout_ms", "LKGATE_UPSTREAM_TIMEOUT_MS", OPT_INT, 0,
	  "5000", NULL, 100, 60000, NULL, OFF(upstream_timeout_ms),
	  "time allowed for one LiveKit call, milliseconds" },
	{ "upstream_connect_timeout_ms", "LKGATE_UPSTREAM_CONNECT_TIMEOUT_MS",
	  OPT_INT, 0, "2000", NULL, 50, 60000, NULL,
	  OFF(upstream_connect_timeout_ms),
	  "time allowed to connect to LiveKit, milliseconds" },
	{ "upstream_max_connections", "LKGATE_UPSTREAM_MAX_CONNECTIONS",
	  OPT_INT, 0, "64", NULL, 1, 1024, NULL,
	  OFF(upstream_max_connections),
	  "connections to LiveKit kept open at most" },
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
	{ "shutdown_grace_ms", "LKGATE_SHUTDOWN_GRACE_MS", OPT_INT, 0,
	  "10000", NULL, 0, 600000, NULL, OFF(shutdown_grace_ms),
	  "time given to requests in flight at shutdown, milliseconds" },
	{ "rate_limits", "LKGATE_RATE_LIMITS", OPT_RATE_LIMITS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(rate_limits),
	  "rate limits, class=N/PERIOD with class default, auth, token or "
	  "create" },
	{ "rate_limit_table_size", "LKGATE_RATE_LIMIT_TABLE_SIZE", OPT_INT, 0,
	  "65536", NULL, 16, 1048576, NULL, OFF(rate_limit_table_size),
	  "rate-limit buckets kept at most (read at start-up)" },
	{ "trusted_proxies", "LKGATE_TRUSTED_PROXIES", OPT_PROXIES, 0,
	  NULL, NULL, 0, 0, NULL, OFF(trusted_proxies),
	  "addresses and CIDR blocks whose X-Forwarded-For is believed" },
	{ "cors_origins", "LKGATE_CORS_ORIGINS", OPT_ORIGINS, 0,
	  NULL, NULL, 0, 0, NULL, OFF(cors_origins),
	  "origins allowed to call from a browser, or * for any (no "
	  "credentials)" },
	{ "log_level", "LKGATE_LOG_LEVEL", OPT_ENUM, 0,
	  "info", NULL, 0, 0, log_levels, OFF(log_level),
	  "least severe level logged: debug, info, warn or error" },
};

#define NOPTS NELEM(options)

/* A value as staged: its text and where it came from, for messages. */
struct item {
	char	*text;
	char	*where;		/* "FILE:LINE: key" or a variable */
	int	 line;		/* 0 when from the environment */
};

struct stage {
	struct item	*items;
	size_t		 n;
};

typedef int (*parse_fn)(const struct conf_opt *, struct conf *,
    const char *, char **);

static int	parse_int(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_name(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_token(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_secret(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_secret_file(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_url(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_listen(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_enum(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_api_keys(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_api_keys_file(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_jwks_file(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_profiles(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_rate_limits(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_origins(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_proxies(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_text(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_bool(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_form(const struct conf_opt *, struct conf *,
		    const char *, char **);
static int	parse_cookie_keys(const struct conf_opt *, struct conf *,
		    const char *, char **);

/* Per type: the parser, and whether a key may repeat (a list). */
static const struct {
	parse_fn	parse;
	int		list;
} opt_types[] = {
	[OPT_INT] = { parse_int, 0 },
	[OPT_NAME] = { parse_name, 0 },
	[OPT_TOKEN] = { parse_token, 0 },
	[OPT_SECRET] = { parse_secret, 0 },
	[OPT_SECRET_FILE] = { parse_secret_file, 0 },
	[OPT_URL] = { parse_url, 0 },
	[OPT_LISTEN] = { parse_listen, 0 },
	[OPT_ENUM] = { parse_enum, 0 },
	[OPT_API_KEYS] = { parse_api_keys, 1 },
	[OPT_API_KEYS_FILE] = { parse_api_keys_file, 0 },
	[OPT_JWKS_FILE] = { parse_jwks_file, 0 },
	[OPT_PROFILES] = { parse_profiles, 1 },
	[OPT_RATE_LIMITS] = { parse_rate_limits, 1 },
	[OPT_ORIGINS] = { parse_origins, 1 },
	[OPT_PROXIES] = { parse_proxies, 1 },
	[OPT_TEXT] = { parse_text, 0 },
	[OPT_BOOL] = { parse_bool, 0 },
	[OPT_FORM] = { parse_form, 0 },
	[OPT_COOKIE_KEYS] = { parse_cookie_keys, 1 },
};

/* Reads lines of a buffer, one at a time, into buf. */
struct lines {
	const char	*p, *end;
	int		 lineno;
	char		 buf[LINE_MAX_LEN + 1];
};

static char **
str_at(struct conf *c, size_t off)
{
	return (char **)(void *)((char *)c + off);
}

static long long *
ll_at(struct conf *c, size_t off)
{
	return (long long *)(void *)((char *)c + off);
}

/* Replaces a string field, wiping the old value: it may be a secret. */
static void
str_set(struct conf *c, size_t off, char *v)
{
	char **p = str_at(c, off);

	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	*p = v;
}

static int
is_name_char(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/* Returns 1 when s is min..max bytes of [A-Za-z0-9_.-]. */
static int
is_name(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!is_name_char((unsigned char)s[n]))
			return 0;
	return n >= min && n <= max;
}

/* Returns 1 when s is min..max bytes of visible ASCII. */
static int
is_visible(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f)
			return 0;
	return n >= min && n <= max;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Trims blanks on both sides, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Joins choices as "a, b or c"; the caller frees the result. */
static char *
join_choices(const char *const *s)
{
	char *out = xstrdup(""), *t;

	for (; *s != NULL; s++) {
		t = xasprintf("%s%s%s", out, *out == '\0' ? "" :
		    s[1] == NULL ? " or " : ", ", *s);
		free(out);
		out = t;
	}
	return out;
}

/* Returns the row of the other half of a secret/_FILE pair, or -1. */
static int
opt_partner(size_t i)
{
	size_t j;

	for (j = 0; j < NOPTS; j++) {
		if (j == i || options[j].off != options[i].off)
			continue;
		if ((options[i].type == OPT_SECRET_FILE) !=
		    (options[j].type == OPT_SECRET_FILE))
			return (int)j;
	}
	return -1;
}

static int
opt_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(options[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* ---- Reading files ---- */

/* Warns when a file holding secrets can be read by others. */
static void
warn_readable(const char *path, const struct stat *st)
{
	if (st->st_mode & (S_IRGRP | S_IROTH))
		log_warn("%s holds secrets but is readable by group or others "
		    "(chmod 600 it)", path);
}

/*
 * Reads all of path, at most max bytes, into *buf (NUL-terminated, the
 * caller frees).  Returns 0, or -1 with *why set; *missing tells that the
 * file does not exist.
 */
static int
file_read(const char *path, size_t max, char **buf, size_t *len,
    struct stat *st, int *missing, char **why)
{
	ssize_t n = 0;
	int fd;

	*buf = NULL;
	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT;
		*why = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1) {
		*why = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st->st_mode)) {
		*why = xasprintf("%s: is a directory", path);
		close(fd);
		return -1;
	}
	/* Read one byte past the limit to tell "too large" from "full". */
	*buf = xmalloc(max + 2);
	*len = 0;
	while (*len <= max) {
		n = read(fd, *buf + *len, max + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (n == -1 || *len > max) {
		*why = n == -1 ? xasprintf("%s: %s", path, strerror(errno)) :
		    xasprintf("%s: larger than %zu bytes", path, max);
		close(fd);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	close(fd);
	(*buf)[*len] = '\0';
	return 0;
}

/*
 * Copies the next line into l->buf, without its newline (or CRLF).
 * Returns 1, 0 at the end, or -1 with *why set for an overlong line or a
 * line holding a NUL or another control character.
 */
static int
lines_next(struct lines *l, const char **why)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return 0;
	l->lineno++;
	if ((nl = memchr(l->p, '\n', (size_t)(l->end - l->p))) == NULL)
		nl = l->end;
	n = (size_t)(nl - l->p);
	if (n > 0 && l->p[n - 1] == '\r')
		n--;
	if (n > LINE_MAX_LEN) {
		*why = "line longer than 4096 bytes";
		return -1;
	}
	memcpy(l->buf, l->p, n);
	l->buf[n] = '\0';
	l->p = nl + 1;
	if (strlen(l->buf) != n || has_control(l->buf)) {
		*why = "line holds a control character";
		return -1;
	}
	return 1;
}

/*
 * Cuts a comment off s: a '#' starting the line or following a blank,
 * outside double quotes when quotes is set.
 */
static void
strip_comment(char *s, int quotes)
{
	int inq = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (quotes && inq && s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (quotes && s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == '#' &&
		    (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			s[i] = '\0';
			return;
		}
	}
}

/* Removes the double quotes around v, in place, honouring \" and \\. */
static int
unquote(char *v, const char **why)
{
	char *r = v + 1, *w = v;

	if (*v != '"')
		return 0;
	for (; *r != '\0' && *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	if (*r != '"') {
		*why = "unterminated quote";
		return -1;
	}
	if (r[1] != '\0') {
		*why = "text after the closing quote";
		return -1;
	}
	*w = '\0';
	return 0;
}

/* ---- Staging ---- */

static void
stage_clear(struct stage *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		/* Staged text may be a secret. */
		explicit_bzero(st->items[i].text, strlen(st->items[i].text));
		free(st->items[i].text);
		free(st->items[i].where);
	}
	free(st->items);
	st->items = NULL;
	st->n = 0;
}

static void
stage_add(struct stage *st, const char *text, char *where, int line)
{
	st->items = xrealloc(st->items, (st->n + 1) * sizeof(*st->items));
	st->items[st->n].text = xstrdup(text);
	st->items[st->n].where = where;
	st->items[st->n].line = line;
	st->n++;
}

/* Says why a key on a line cannot be staged, or returns NULL. */
static char *
stage_conflict(struct stage *stages, int i)
{
	int p;

	if (!opt_types[options[i].type].list && stages[i].n > 0)
		return xasprintf("given twice (first on line %d)",
		    stages[i].items[0].line);
	if ((p = opt_partner((size_t)i)) != -1 && stages[p].n > 0)
		return xasprintf("%s is set too (line %d); set only one",
		    options[p].key, stages[p].items[0].line);
	return NULL;
}

/* Splits one line into key and value and stages it; 0 or -1 with *err. */
static int
stage_line(struct stage *stages, const char *path, int lineno, char *s,
    char **err)
{
	const char *why = NULL;
	char *eq, *key, *val = NULL, *msg;
	int i;

	strip_comment(s, 1);
	if (*(s = trim(s)) == '\0')
		return 0;
	if ((eq = strchr(s, '=')) == NULL) {
		key = s;
		s[strcspn(s, " \t")] = '\0';
		why = "missing '=' (expected key = value)";
	} else {
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
	}
	/*
	 * A line without '=' may be a stray value, a secret even: it is
	 * named only when it starts with a known key.
	 */
	if (!is_name(key, 1, NAME_MAX_LEN) ||
	    (eq == NULL && opt_by_key(key) == -1)) {
		*err = xasprintf("%s:%d: expected key = value", path, lineno);
		return -1;
	}
	if (why != NULL || unquote(val, &why) == -1) {
		*err = xasprintf("%s:%d: %s: %s", path, lineno, key, why);
		return -1;
	}
	if ((i = opt_by_key(key)) == -1) {
		*err = xasprintf("%s:%d: %s: unknown key", path, lineno, key);
		return -1;
	}
	if ((msg = stage_conflict(stages, i)) != NULL) {
		*err = xasprintf("%s:%d: %s: %s", path, lineno, key, msg);
		free(msg);
		return -1;
	}
	stage_add(&stages[i], val, xasprintf("%s:%d: %s", path, lineno, key),
	    lineno);
	return 0;
}

static int
stage_file(struct stage *stages, const char *path, int must_exist,
    char **err)
{
	struct lines l;
	struct stat st;
	const char *why;
	char *buf, *msg;
	size_t len;
	int missing, r;

	if (file_read(path, CONF_FILE_MAX, &buf, &len, &st, &missing,
	    &msg) == -1) {
		if (missing && !must_exist) {
			free(msg);
			return 0;
		}
		*err = msg;
		return -1;
	}
	l.p = buf;
	l.end = buf + len;
	l.lineno = 0;
	while ((r = lines_next(&l, &why)) == 1)
		if ((r = stage_line(stages, path, l.lineno, l.buf, err)) == -1)
			break;
	if (r == -1 && *err == NULL)
		*err = xasprintf("%s:%d: %s", path, l.lineno, why);
	explicit_bzero(l.buf, sizeof(l.buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/*
 * Stages the environment over the file.  An empty variable counts as
 * unset, as compose files often pass empty ones.  Setting one half of a
 * secret/_FILE pair drops both halves given in the file.
 */
static int
stage_env(struct stage *stages, conf_getenv_fn getenv_fn, void *arg,
    char **err)
{
	const char *v, *pv;
	size_t i;
	int p;

	for (i = 0; i < NOPTS; i++) {
		v = getenv_fn(arg, options[i].env);
		if (v == NULL || *v == '\0')
			continue;
		if (has_control(v)) {
			*err = xasprintf("%s: holds a control character",
			    options[i].env);
			return -1;
		}
		if ((p = opt_partner(i)) != -1) {
			pv = getenv_fn(arg, options[p].env);
			if (pv != NULL && *pv != '\0') {
				*err = xasprintf("%s: %s is set too; set only "
				    "one", options[i].env, options[p].env);
				return -1;
			}
			stage_clear(&stages[p]);
		}
		stage_clear(&stages[i]);
		stage_add(&stages[i], v, xstrdup(options[i].env), 0);
	}
	return 0;
}

/* ---- Parsers: each sets its field or says why not in *why ---- */

static int
parse_int(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *r;

	if (util_parse_ll(text, o->min, o->max, ll_at(c, o->off), &r) == 0)
		return 0;
	if (*text == '\0')
		*why = xasprintf("no value (%lld..%lld)", o->min, o->max);
	else
		*why = xasprintf("%.*s %s (%lld..%lld)", echo_len(text),
		    text, r, o->min, o->max);
	return -1;
}

static int
parse_name(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (!is_name(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("\"%.*s\" is not %lld-%lld characters of "
		    "A-Z a-z 0-9 _ . -", echo_len(text), text, o->min, o->max);
		return -1;
	}
	str_set(c, o->off, xstrdup(text));
	return 0;
}

static int
parse_token(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (!is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("\"%.*s\" is not %lld-%lld visible ASCII "
		    "characters", echo_len(text), text, o->min, o->max);
		return -1;
	}
	str_set(c, o->off, xstrdup(text));
	return 0;
}

static int
parse_secret(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	/* The value itself is never part of the message. */
	if (!is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("must be %lld-%lld visible ASCII characters",
		    o->min, o->max);
		return -1;
	}
	str_set(c, o->off, xstrdup(text));
	return 0;
}

/*
 * Reads a secret from a file; trailing newlines are not part of it.  Its
 * length limits are those of the OPT_SECRET row it stands in for.
 */
static int
parse_secret_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	const struct conf_opt *so;
	struct stat st;
	char *buf;
	size_t len;
	int missing, r, pi;

	if ((pi = opt_partner((size_t)(o - options))) == -1)
		fatal("conf: %s has no secret to stand in for", o->key);
	so = &options[pi];
	if (*text == '\0') {
		*why = xstrdup("no file named");
		return -1;
	}
	if (file_read(text, SECRET_FILE_MAX, &buf, &len, &st, &missing,
	    why) == -1)
		return -1;
	warn_readable(text, &st);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	r = 0;
	if (strlen(buf) != len ||
	    !is_visible(buf, (size_t)so->min, (size_t)so->max)) {
		*why = xasprintf("%s: must hold %lld-%lld visible ASCII "
		    "characters", text, so->min, so->max);
		r = -1;
	} else
		str_set(c, o->off, xstrdup(buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

static int
parse_url(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *const *s;
	size_t n = 0, len;
	char *v;

	for (s = o->choices; *s != NULL; s++)
		if (strncmp(text, *s, (n = strlen(*s))) == 0)
			break;
	if (*s == NULL || !is_visible(text, 1, URL_MAX) ||
	    text[n] == '\0' || text[n] == '/') {
		v = join_choices(o->choices);
		*why = xasprintf("\"%.*s\" is not a URL starting with %s",
		    echo_len(text), text, v);
		free(v);
		return -1;
	}
	v = xstrdup(text);
	len = strlen(v);
	while ((o->flags & OPT_NOSLASH) && len > n + 1 && v[len - 1] == '/')
		v[--len] = '\0';
	str_set(c, o->off, v);
	return 0;
}

/* Returns 1 for 127.0.0.0/8 and ::1: all --dev may listen on. */
static int
is_loopback(int v6, const struct in_addr *a4, const struct in6_addr *a6)
{
	if (v6)
		return IN6_IS_ADDR_LOOPBACK(a6);
	return (ntohl(a4->s_addr) >> 24) == 127;
}

/* Parses "IPv4:port" or "[IPv6]:port". */
static int
parse_listen(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = text, *he, *r;
	struct in_addr a4;
	struct in6_addr a6;
	long long port;
	int v6 = text[0] == '[';

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (v6)
		he = strchr(++h, ']');
	else
		he = strrchr(text, ':');
	if (he == NULL || he[v6] != ':' || he == h ||
	    (size_t)(he - h) >= sizeof(host)) {
		*why = xasprintf("\"%.*s\" is not host:port (IPv4 or [IPv6])",
		    echo_len(text), text);
		return -1;
	}
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, v6 ? (void *)&a6 :
	    (void *)&a4) != 1) {
		*why = xasprintf("\"%s\" is not an IPv4 address or an IPv6 "
		    "address in brackets", host);
		return -1;
	}
	if (util_parse_ll(he + v6 + 1, 1, 65535, &port, &r) == -1) {
		*why = xasprintf("port \"%.*s\" %s (1..65535)", echo_len(he),
		    he + v6 + 1, r);
		return -1;
	}
	if (c->dev && !is_loopback(v6, &a4, &a6)) {
		*why = xasprintf("%s is not a loopback address (--dev listens "
		    "on loopback only)", host);
		return -1;
	}
	str_set(c, o->off, xstrdup(text));
	str_set(c, OFF(listen_host), xstrdup(host));
	c->listen_port = (int)port;
	return 0;
}

static int
parse_enum(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *const *s;
	char *list;

	for (s = o->choices; *s != NULL; s++) {
		if (strcmp(text, *s) == 0) {
			str_set(c, o->off, xstrdup(text));
			return 0;
		}
	}
	list = join_choices(o->choices);
	*why = xasprintf("\"%.*s\" is not one of %s", echo_len(text), text,
	    list);
	free(list);
	return -1;
}

/* Says why a new API key clashes with one already there, or NULL. */
static char *
api_key_clash(const struct conf *c, const char *name, const char *key)
{
	size_t i;

	/* Both entries are valid here, so the names are names, not keys. */
	for (i = 0; i < c->napi_keys; i++) {
		if (strcmp(c->api_keys[i].name, name) == 0)
			return xasprintf("name \"%s\" is used twice", name);
		if (strcmp(c->api_keys[i].key, key) == 0)
			return xasprintf("key of \"%s\" is the same as the key "
			    "of \"%s\"", name, c->api_keys[i].name);
	}
	return NULL;
}

/* Parses and appends one name:key[:role]; never echoes any part of it. */
static int
api_key_add(struct conf *c, char *s, char **why)
{
	struct api_key *k;
	enum api_role role = ROLE_APP;
	char *key, *r;

	if ((key = strchr(s, ':')) == NULL) {
		*why = xstrdup("expected name:key[:role]");
		return -1;
	}
	*key++ = '\0';
	if ((r = strchr(key, ':')) != NULL) {
		*r++ = '\0';
		if (strcmp(r, "admin") == 0)
			role = ROLE_ADMIN;
		else if (strcmp(r, "app") != 0) {
			*why = xstrdup("role must be app or admin");
			return -1;
		}
	}
	if (!is_name(s, 1, NAME_MAX_LEN))
		*why = xstrdup("name must be 1-64 characters of A-Z a-z 0-9 "
		    "_ . -");
	else if (!is_visible(key, API_KEY_MIN, CONF_API_KEY_MAX))
		*why = xasprintf("key must be %d-%d visible ASCII characters "
		    "without ':' or ','", API_KEY_MIN, CONF_API_KEY_MAX);
	else
		*why = api_key_clash(c, s, key);
	if (*why != NULL)
		return -1;
	c->api_keys = xrealloc(c->api_keys,
	    (c->napi_keys + 1) * sizeof(*c->api_keys));
	k = &c->api_keys[c->napi_keys++];
	k->name = xstrdup(s);
	k->key = xcalloc(1, CONF_API_KEY_MAX + 1);
	k->keylen = strlen(key);
	memcpy(k->key, key, k->keylen);
	k->role = role;
	return 0;
}

int
conf_add_api_key(struct conf *c, const char *entry, char **why)
{
	char *copy = xstrdup(entry);
	int r;

	*why = NULL;
	r = api_key_add(c, copy, why);
	free(copy);
	return r;
}

/*
 * Splits a comma-separated list, skipping empty entries, and hands each
 * to add(); errors of a list of several name the entry.
 */
static int
split_list(struct conf *c, const char *text,
    int (*add)(struct conf *, char *, char **), char **why)
{
	char *copy, *p, *e, *save = NULL, *msg;
	int n = 0, r = 0, several = strchr(text, ',') != NULL;

	copy = xstrdup(text);
	for (p = strtok_r(copy, ",", &save); p != NULL && r == 0;
	    p = strtok_r(NULL, ",", &save)) {
		if (*(e = trim(p)) == '\0')
			continue;
		n++;
		if ((r = add(c, e, &msg)) == -1 && several) {
			*why = xasprintf("entry %d: %s", n, msg);
			free(msg);
		} else if (r == -1)
			*why = msg;
	}
	explicit_bzero(copy, strlen(text));
	free(copy);
	return r;
}

static int
parse_api_keys(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, api_key_add, why);
}

/* Adds the keys of a file: one entry a line, '#' comments, blank lines. */
static int
parse_api_keys_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	struct lines l;
	struct stat st;
	const char *lwhy;
	char *buf, *msg;
	size_t len;
	int missing, r;

	(void)o;
	*why = NULL;
	if (file_read(text, SECRET_FILE_MAX, &buf, &len, &st, &missing,
	    why) == -1)
		return -1;
	warn_readable(text, &st);
	l.p = buf;
	l.end = buf + len;
	l.lineno = 0;
	while ((r = lines_next(&l, &lwhy)) == 1) {
		strip_comment(l.buf, 0);
		if (split_list(c, l.buf, api_key_add, &msg) == -1) {
			*why = xasprintf("%s:%d: %s", text, l.lineno, msg);
			free(msg);
			r = -1;
			break;
		}
	}
	if (r == -1 && *why == NULL)
		*why = xasprintf("%s:%d: %s", text, l.lineno, lwhy);
	explicit_bzero(l.buf, sizeof(l.buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/* Logs a key of a JWKS file that lkgate has no use for. */
static void
jwks_skipped(void *arg, size_t i, const char *kid, const char *why)
{
	if (kid != NULL)
		log_warn("%s: keys[%zu] (kid \"%.*s\") skipped: %s",
		    (const char *)arg, i, echo_len(kid), kid, why);
	else
		log_warn("%s: keys[%zu] skipped: %s", (const char *)arg, i,
		    why);
}

static int
parse_jwks_file(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	if (*text == '\0') {
		*why = xstrdup("no file named");
		return -1;
	}
	jwks_free(c->user_keys);
	c->user_keys = jwks_load_file(text, jwks_skipped, (void *)(uintptr_t)
	    text, why);
	return c->user_keys == NULL ? -1 : 0;
}

/* Parses "profile=agent[+agent...]" and appends it. */
static int
profile_add(struct conf *c, char *s, char **why)
{
	struct agent_profile *p;
	char *eq, *a, *save = NULL;
	size_t i;

	if ((eq = strchr(s, '=')) == NULL) {
		*why = xasprintf("\"%.*s\" is not profile=agent[+agent...]",
		    echo_len(s), s);
		return -1;
	}
	*eq = '\0';
	s = trim(s);
	if (!is_name(s, 1, NAME_MAX_LEN)) {
		*why = xasprintf("profile \"%.*s\" is not 1-64 characters of "
		    "A-Z a-z 0-9 _ . -", echo_len(s), s);
		return -1;
	}
	if (conf_profile_by_name(c, s) != NULL) {
		*why = xasprintf("profile \"%s\" is defined twice", s);
		return -1;
	}
	c->agent_profiles = xrealloc(c->agent_profiles,
	    (c->nagent_profiles + 1) * sizeof(*c->agent_profiles));
	p = &c->agent_profiles[c->nagent_profiles++];
	p->name = xstrdup(s);
	p->agents = xcalloc(1, sizeof(*p->agents));
	p->nagents = 0;
	for (a = strtok_r(eq + 1, "+", &save); a != NULL;
	    a = strtok_r(NULL, "+", &save)) {
		a = trim(a);
		for (i = 0; i < p->nagents; i++)
			if (strcmp(p->agents[i], a) == 0)
				break;
		if (!is_name(a, 1, NAME_MAX_LEN) || i < p->nagents) {
			*why = xasprintf("profile \"%s\": agent \"%.*s\" is %s",
			    p->name, echo_len(a), a, i < p->nagents ?
			    "listed twice" : "not 1-64 characters of A-Z a-z "
			    "0-9 _ . -");
			return -1;
		}
		p->agents = xrealloc(p->agents,
		    (p->nagents + 2) * sizeof(*p->agents));
		p->agents[p->nagents++] = xstrdup(a);
		p->agents[p->nagents] = NULL;
	}
	if (p->nagents == 0) {
		*why = xasprintf("profile \"%s\" names no agent", p->name);
		return -1;
	}
	return 0;
}

static int
parse_profiles(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, profile_add, why);
}

/* Parses one class=N/PERIOD; a class may be limited once. */
static int
rate_limit_add(struct conf *c, char *s, char **why)
{
	struct rl_limit l;
	unsigned int cls;

	if (ratelim_parse(s, &cls, &l, why) == -1)
		return -1;
	if (c->rate_limits[cls].count != 0) {
		*why = xasprintf("class %s is limited twice",
		    ratelim_class_name(cls));
		return -1;
	}
	c->rate_limits[cls] = l;
	return 0;
}

static int
parse_rate_limits(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, rate_limit_add, why);
}

/*
 * 1 when s is an origin as browsers send it: http or https, a lowercase
 * host (name, IPv4 or [IPv6]) and an optional port; no path, no slash.
 */
static int
is_origin(const char *s)
{
	const char *h;
	size_t i;

	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return 0;
	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= '0' && h[i] <= '9') || strchr(".-:[]", h[i])))
			return 0;
	return i > 0 && strlen(s) <= URL_MAX;
}

static int
origin_add(struct conf *c, char *s, char **why)
{
	size_t i;

	if (strcmp(s, "*") != 0 && !is_origin(s)) {
		*why = xasprintf("\"%.*s\" is not an origin like "
		    "https://app.example.com (lowercase scheme and host, an "
		    "optional port, no path) or *", echo_len(s), s);
		return -1;
	}
	for (i = 0; i < c->ncors_origins; i++) {
		if (strcmp(c->cors_origins[i], s) == 0) {
			*why = xasprintf("\"%.*s\" is listed twice",
			    echo_len(s), s);
			return -1;
		}
	}
	c->cors_origins = xrealloc(c->cors_origins,
	    (c->ncors_origins + 1) * sizeof(*c->cors_origins));
	c->cors_origins[c->ncors_origins++] = xstrdup(s);
	return 0;
}

static int
parse_origins(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, origin_add, why);
}

static int
proxy_add(struct conf *c, char *s, char **why)
{
	struct cidr b;
	const char *r;

	if (clientip_parse_cidr(s, &b, &r) == -1) {
		*why = xasprintf("\"%.*s\": %s", echo_len(s), s, r);
		return -1;
	}
	c->trusted_proxies = xrealloc(c->trusted_proxies,
	    (c->ntrusted_proxies + 1) * sizeof(*c->trusted_proxies));
	c->trusted_proxies[c->ntrusted_proxies++] = b;
	return 0;
}

static int
parse_proxies(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, proxy_add, why);
}

/* Printable ASCII and blanks inside, none at either end. */
static int
parse_text(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	size_t i, n = strlen(text);

	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < ' ' ||
		    (unsigned char)text[i] >= 0x7f)
			break;
	if (i < n || n < (size_t)o->min || n > (size_t)o->max ||
	    text[0] == ' ' || text[n - 1] == ' ') {
		*why = xasprintf("\"%.*s\" is not %lld-%lld printable ASCII "
		    "characters", echo_len(text), text, o->min, o->max);
		return -1;
	}
	str_set(c, o->off, xstrdup(text));
	return 0;
}

static int
parse_bool(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (strcmp(text, "true") == 0)
		*ll_at(c, o->off) = 1;
	else if (strcmp(text, "false") == 0)
		*ll_at(c, o->off) = 0;
	else {
		*why = xasprintf("\"%.*s\" is not true or false",
		    echo_len(text), text);
		return -1;
	}
	return 0;
}

/*
 * k=v&k2=v2: each name 1-64 of A-Z a-z 0-9 _ . - and each value visible
 * ASCII without '&' (percent-encoded when sent).  The parameters the
 * login sets itself may not be overridden.
 */
static int
parse_form(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	static const char *const reserved[] = { "response_type", "client_id",
	    "redirect_uri", "scope", "state", "nonce", "code_challenge",
	    "code_challenge_method", NULL };
	char *copy, *p, *save = NULL, *eq;
	size_t i;
	int r = 0;

	if (!is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("must be %lld-%lld visible ASCII characters",
		    o->min, o->max);
		return -1;
	}
	copy = xstrdup(text);
	for (p = strtok_r(copy, "&", &save); p != NULL && r == 0;
	    p = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(p, '=')) == NULL)
			eq = p + strlen(p);
		*eq = '\0';
		if (!is_name(p, 1, NAME_MAX_LEN)) {
			*why = xasprintf("\"%.*s\" is not a parameter name",
			    echo_len(p), p);
			r = -1;
		}
		for (i = 0; r == 0 && reserved[i] != NULL; i++)
			if (strcmp(p, reserved[i]) == 0) {
				*why = xasprintf("%s is set by lkgate itself",
				    p);
				r = -1;
			}
	}
	free(copy);
	if (r == 0)
		str_set(c, o->off, xstrdup(text));
	return r;
}

/* Decodes one key: standard base64 (padded or not) or base64url. */
static int
cookie_key_add(struct conf *c, char *s, char **why)
{
	unsigned char *raw = NULL;
	size_t i, n = strlen(s), len = 0;

	while (n > 0 && s[n - 1] == '=')
		s[--n] = '\0';
	for (i = 0; i < n; i++)
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	if (b64url_decode(s, n, &raw, &len) == -1 || len != SEAL_KEY_LEN) {
		if (raw != NULL)
			explicit_bzero(raw, len);
		free(raw);
		*why = xasprintf("a key must be %d bytes in base64 (openssl "
		    "rand -base64 %d)", SEAL_KEY_LEN, SEAL_KEY_LEN);
		return -1;
	}
	c->cookie_keys = xrealloc(c->cookie_keys,
	    (c->ncookie_keys + 1) * sizeof(*c->cookie_keys));
	memcpy(c->cookie_keys[c->ncookie_keys++].key, raw, SEAL_KEY_LEN);
	explicit_bzero(raw, len);
	free(raw);
	return 0;
}

static int
parse_cookie_keys(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return split_list(c, text, cookie_key_add, why);
}

/* ---- Building ---- */

/* Parses option i from its staged values, else from its default. */
static int
apply_option(const struct stage *stages, size_t i, struct conf *c,
    char **err)
{
	const struct conf_opt *o = &options[i];
	const struct stage *st = &stages[i];
	const char *def;
	char *why = NULL;
	size_t j;

	if (st->n == 0) {
		def = c->dev && o->devdef != NULL ? o->devdef : o->def;
		if (def == NULL)
			return 0;
		if (opt_types[o->type].parse(o, c, def, &why) == -1)
			fatal("conf: bad default for %s: %s", o->key, why);
		return 0;
	}
	for (j = 0; j < st->n; j++) {
		if (opt_types[o->type].parse(o, c, st->items[j].text,
		    &why) == -1) {
			*err = xasprintf("%s: %s", st->items[j].where, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

/* livekit_api_url defaults to livekit_url with ws turned into http. */
static void
derive_api_url(struct conf *c)
{
	const char *u = c->livekit_url;
	char *v;
	size_t n;

	if (c->livekit_api_url != NULL || u == NULL)
		return;
	if (strncmp(u, "ws://", 5) == 0)
		v = xasprintf("http://%s", u + 5);
	else if (strncmp(u, "wss://", 6) == 0)
		v = xasprintf("https://%s", u + 6);
	else
		v = xstrdup(u);
	n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		v[--n] = '\0';
	c->livekit_api_url = v;
}

static int
check_required(struct conf *c, char **err)
{
	const struct conf_opt *o, *p;
	size_t i;
	int pi;

	for (i = 0; i < NOPTS; i++) {
		o = &options[i];
		if (!(o->flags & OPT_REQUIRED) || *str_at(c, o->off) != NULL)
			continue;
		if ((pi = opt_partner(i)) == -1)
			*err = xasprintf("%s is required (set %s or %s)",
			    o->key, o->env, o->key);
		else {
			p = &options[pi];
			*err = xasprintf("%s is required (set %s or %s, or "
			    "%s or %s)", o->key, o->env, o->key, p->env,
			    p->key);
		}
		return -1;
	}
	return 0;
}

/*
 * Adds the HS256 secret to the JWKS file's keys.  It may not be the
 * LiveKit secret: every participant token would then pass as a user JWT.
 */
static int
build_user_keys(struct conf *c, char **err)
{
	if (c->user_jwt_secret == NULL)
		return 0;
	if (c->livekit_api_secret != NULL &&
	    strcmp(c->user_jwt_secret, c->livekit_api_secret) == 0) {
		*err = xstrdup("user_jwt_secret must not be the LiveKit API "
		    "secret");
		return -1;
	}
	jwks_add_secret(&c->user_keys, c->user_jwt_secret,
	    strlen(c->user_jwt_secret));
	return 0;
}

/*
 * The login needs all of issuer, client_id and redirect_uri, and keys to
 * seal its cookies; the scopes must ask for an ID token.
 */
static int
check_oidc(const struct conf *c, char **err)
{
	const char *sc = c->oidc_scopes;
	size_t n;
	int set;

	set = (c->oidc_issuer != NULL) + (c->oidc_client_id != NULL) +
	    (c->oidc_redirect_uri != NULL);
	if (set == 0)
		return 0;
	if (set != 3) {
		*err = xstrdup("oidc_issuer, oidc_client_id and "
		    "oidc_redirect_uri go together: set all three or none");
		return -1;
	}
	if (c->ncookie_keys == 0) {
		*err = xstrdup("the OpenID Connect login needs cookie_keys");
		return -1;
	}
	for (; sc != NULL && *sc != '\0'; sc += n + strspn(sc + n, " ")) {
		n = strcspn(sc, " ");
		if (n == 6 && strncmp(sc, "openid", 6) == 0)
			return 0;
	}
	*err = xstrdup("oidc_scopes must include openid");
	return -1;
}

static int
check_timeouts(const struct conf *c, char **err)
{
	if (c->request_timeout_ms <= c->upstream_timeout_ms) {
		*err = xasprintf("request_timeout_ms (%lld) must be greater "
		    "than upstream_timeout_ms (%lld)", c->request_timeout_ms,
		    c->upstream_timeout_ms);
		return -1;
	}
	return 0;
}

struct conf *
conf_load(const char *path, int must_exist, int dev,
    conf_getenv_fn getenv_fn, void *envarg, char **err)
{
	struct stage stages[NOPTS];
	struct conf *c = NULL;
	size_t i;
	int r = -1;

	memset(stages, 0, sizeof(stages));
	*err = NULL;
	if (path != NULL && stage_file(stages, path, must_exist, err) == -1)
		goto out;
	if (getenv_fn != NULL &&
	    stage_env(stages, getenv_fn, envarg, err) == -1)
		goto out;
	c = xcalloc(1, sizeof(*c));
	c->dev = dev != 0;
	for (i = 0; i < NOPTS; i++)
		if (apply_option(stages, i, c, err) == -1)
			goto out;
	derive_api_url(c);
	if (check_required(c, err) == -1 || check_timeouts(c, err) == -1 ||
	    check_oidc(c, err) == -1 || build_user_keys(c, err) == -1)
		goto out;
	/* check_required made sure of the LiveKit key and secret. */
	c->livekit_signer = token_signer_new(c->livekit_api_key,
	    c->livekit_api_secret, strlen(c->livekit_api_secret));
	r = 0;
out:
	for (i = 0; i < NOPTS; i++)
		stage_clear(&stages[i]);
	if (r == -1) {
		conf_free(c);
		c = NULL;
	}
	return c;
}

static void
free_api_keys(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->napi_keys; i++) {
		explicit_bzero(c->api_keys[i].key, CONF_API_KEY_MAX + 1);
		free(c->api_keys[i].key);
		free(c->api_keys[i].name);
	}
	free(c->api_keys);
}

static void
free_profiles(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->nagent_profiles; i++) {
		for (j = 0; j < c->agent_profiles[i].nagents; j++)
			free(c->agent_profiles[i].agents[j]);
		free(c->agent_profiles[i].agents);
		free(c->agent_profiles[i].name);
	}
	free(c->agent_profiles);
}

static void
free_origins(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->ncors_origins; i++)
		free(c->cors_origins[i]);
	free(c->cors_origins);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NOPTS; i++) {
		switch (options[i].type) {
		case OPT_INT:
		case OPT_BOOL:
		case OPT_SECRET_FILE:	/* its partner owns the field */
		case OPT_API_KEYS_FILE:
			break;
		case OPT_API_KEYS:
			free_api_keys(c);
			break;
		case OPT_PROFILES:
			free_profiles(c);
			break;
		case OPT_RATE_LIMITS:	/* an array inside struct conf */
			break;
		case OPT_ORIGINS:
			free_origins(c);
			break;
		case OPT_PROXIES:
			free(c->trusted_proxies);
			break;
		case OPT_JWKS_FILE:
			jwks_free(c->user_keys);
			break;
		case OPT_COOKIE_KEYS:
			if (c->cookie_keys != NULL)
				explicit_bzero(c->cookie_keys,
				    c->ncookie_keys * sizeof(*c->cookie_keys));
			free(c->cookie_keys);
			break;
		default:
			str_set(c, options[i].off, NULL);
			break;
		}
	}
	token_signer_free(c->livekit_signer);
	free(c->listen_host);
	free(c);
}

const struct api_key *
conf_api_key_match(const struct conf *c, const char *key, size_t keylen)
{
	unsigned char given[CONF_API_KEY_MAX];
	const struct api_key *k;
	uintptr_t found = 0;
	unsigned int diff, eq;
	size_t i, j;

	if (key == NULL || keylen == 0 || keylen > CONF_API_KEY_MAX)
		return NULL;
	memset(given, 0, sizeof(given));
	memcpy(given, key, keylen);
	/*
	 * Every entry is compared over the same CONF_API_KEY_MAX bytes and
	 * the result is selected with a mask, so the time taken tells
	 * nothing about which entry matched or how much of a key did.
	 */
	for (i = 0; i < c->napi_keys; i++) {
		k = &c->api_keys[i];
		diff = (unsigned int)(k->keylen ^ keylen);
		for (j = 0; j < CONF_API_KEY_MAX; j++)
			diff |= (unsigned char)k->key[j] ^ given[j];
		/* diff < 2^9, so diff - 1 has its top bit set iff diff == 0. */
		eq = (diff - 1) >> (sizeof(diff) * CHAR_BIT - 1);
		found |= (uintptr_t)k & ((uintptr_t)0 - eq);
	}
	explicit_bzero(given, sizeof(given));
	return (const struct api_key *)found;
}

const struct agent_profile *
conf_profile_by_name(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nagent_profiles; i++)
		if (strcmp(c->agent_profiles[i].name, name) == 0)
			return &c->agent_profiles[i];
	return NULL;
}

void
conf_foreach_option(void (*fn)(void *arg, const char *key, const char *env,
    const char *def, const char *help), void *arg)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		fn(arg, options[i].key, options[i].env,
		    options[i].def != NULL ? options[i].def : "",
		    options[i].help);
}
