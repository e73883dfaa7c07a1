/*
 * test_conf: the configuration loader.  Files are written under /tmp with
 * mkstemp; the environment is a table handed to conf_load's lookup
 * callback, so nothing here depends on the real environment.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto_tls.h"
#include "tap.h"
#include "util.h"

#define SECRET		"0123456789abcdefSECRETsecretSECRET"
#define KEY1		"k1-aaaaaaaaaaaaaaaaaaaa"
#define KEY2		"k2-bbbbbbbbbbbbbbbbbbbb"
#define KEY3		"k3-cccccccccccccccccccc"

/* A NULL-terminated list of name, value pairs. */
static const char *const *test_env;

/* Just enough to load a production configuration. */
static const char *const prod_env[] = {
	"LIVEKIT_URL", "wss://lk.example.com",
	"LIVEKIT_API_KEY", "APIkey",
	"LIVEKIT_API_SECRET", SECRET,
	NULL
};

/* The same without the LiveKit API key. */
static const char *const no_key_env[] = {
	"LIVEKIT_URL", "wss://lk.example.com",
	"LIVEKIT_API_SECRET", SECRET,
	NULL
};

static char *tmpfiles[256];
static size_t ntmpfiles;

static const char *
env_lookup(void *arg, const char *name)
{
	const char *const *e = arg != NULL ? arg : test_env;

	for (; e != NULL && e[0] != NULL; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

/* Writes len bytes to a new file under /tmp; returns its path. */
static const char *
write_tmp_len(const char *data, size_t len, mode_t mode)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(1);
	}
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) == -1) {
		perror("write");
		exit(1);
	}
	close(fd);
	if (ntmpfiles == NELEM(tmpfiles))
		exit(1);
	tmpfiles[ntmpfiles] = xstrdup(path);
	return tmpfiles[ntmpfiles++];
}

static const char *
write_tmp(const char *data)
{
	return write_tmp_len(data, strlen(data), 0600);
}

/* Loads text as a file with env as the environment. */
static struct conf *
load(const char *text, int dev, const char *const *env, char **err)
{
	const char *path = text != NULL ? write_tmp(text) : NULL;

	test_env = env;
	return conf_load(path, 1, dev, env_lookup, NULL, err);
}

/* Loads and expects an error equal to want, with FILE replaced by the
 * file's path. */
static void
load_fails(const char *text, int dev, const char *const *env,
    const char *want, const char *name)
{
	struct conf *c;
	char *err = NULL, *w;
	const char *path = text != NULL ? write_tmp(text) : NULL;

	test_env = env;
	c = conf_load(path, 1, dev, env_lookup, NULL, &err);
	if (path != NULL && strncmp(want, "FILE:", 5) == 0)
		w = xasprintf("%s%s", path, want + 4);
	else
		w = xstrdup(want);
	ok(c == NULL, "%s: refused", name);
	is_str(err, w, name);
	conf_free(c);
	free(err);
	free(w);
}

static void
test_dev_defaults(void)
{
	struct conf *c;
	char *err = NULL;

	c = load(NULL, 1, NULL, &err);
	ok(c != NULL, "dev: loads with nothing set");
	if (c == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_str(c->listen, "127.0.0.1:8083", "dev: listen");
	is_str(c->listen_host, "127.0.0.1", "dev: listen host");
	is_int(c->listen_port, 8083, "dev: listen port");
	is_str(c->livekit_url, "ws://localhost:7880", "dev: livekit_url");
	is_str(c->livekit_api_url, "http://localhost:7880",
	    "dev: livekit_api_url derived");
	is_str(c->livekit_api_key, "devkey", "dev: api key");
	is_str(c->livekit_api_secret, "secret", "dev: api secret");
	is_int((long long)c->napi_keys, 0, "dev: no client keys");
	is_int(c->token_ttl, 3600, "dev: token_ttl");
	is_str(c->room_prefix, "eloquence-", "dev: room_prefix");
	is_int(c->room_empty_timeout, 300, "dev: room_empty_timeout");
	is_int(c->room_departure_timeout, 20, "dev: room_departure_timeout");
	is_int(c->room_max_participants, 0, "dev: room_max_participants");
	is_int((long long)c->nagent_profiles, 0, "dev: no profiles");
	is_int(c->metrics_history, 86400, "dev: metrics_history 24 h");
	is_int(c->metrics_livekit, 1, "dev: metrics_livekit");
	is_int(c->alert_window, 300, "dev: alert_window");
	is_int(c->alert_5xx_percent, 5, "dev: alert_5xx_percent");
	is_int(c->alert_livekit_latency_ms, 1000,
	    "dev: alert_livekit_latency_ms");
	is_int(c->alert_ratelimited, 100, "dev: alert_ratelimited");
	is_int(c->upstream_timeout_ms, 5000, "dev: upstream_timeout_ms");
	is_int(c->upstream_connect_timeout_ms, 2000,
	    "dev: upstream_connect_timeout_ms");
	is_int(c->upstream_max_connections, 64,
	    "dev: upstream_max_connections");
	is_int(c->room_cache_ms, 1000, "dev: room_cache_ms");
	is_int(c->request_timeout_ms, 15000, "dev: request_timeout_ms");
	is_int(c->max_body_bytes, 65536, "dev: max_body_bytes");
	is_int(c->max_header_bytes, 16384, "dev: max_header_bytes");
	is_int(c->max_inflight, 4096, "dev: max_inflight");
	is_int(c->max_connections, 10000, "dev: max_connections");
	is_int(c->max_connections_per_ip, 256, "dev: max_connections_per_ip");
	is_int(c->header_timeout, 10, "dev: header_timeout");
	is_int(c->shutdown_grace_ms, 10000, "dev: shutdown_grace_ms");
	is_str(c->log_level, "info", "dev: log_level");
	is_int(c->dev, 1, "dev: flag set");
	conf_free(c);

	load_fails("listen = 0.0.0.0:8083\n", 1, NULL,
	    "FILE:1: listen: 0.0.0.0 is not a loopback address (--dev "
	    "listens on loopback only)", "dev: non-loopback listen");
	c = load("listen = [::1]:9000\n", 1, NULL, &err);
	ok(c != NULL && strcmp(c->listen_host, "::1") == 0 &&
	    c->listen_port == 9000, "dev: [::1] is loopback");
	conf_free(c);
}

static void
test_required(void)
{
	static const char *const no_key[] = {
		"LIVEKIT_URL", "wss://lk.example.com", NULL
	};
	static const char *const no_secret[] = {
		"LIVEKIT_URL", "wss://lk.example.com",
		"LIVEKIT_API_KEY", "k", NULL
	};
	struct conf *c;
	char *err = NULL;

	load_fails(NULL, 0, NULL,
	    "livekit_url is required (set LIVEKIT_URL or livekit_url)",
	    "required: livekit_url");
	load_fails(NULL, 0, no_key, "livekit_api_key is required (set "
	    "LIVEKIT_API_KEY or livekit_api_key)", "required: api key");
	load_fails(NULL, 0, no_secret, "livekit_api_secret is required (set "
	    "LIVEKIT_API_SECRET or livekit_api_secret, or "
	    "LIVEKIT_API_SECRET_FILE or livekit_api_secret_file)",
	    "required: api secret");
	c = load(NULL, 0, prod_env, &err);
	ok(c != NULL, "production: loads from the environment alone");
	if (c != NULL) {
		is_str(c->listen, "0.0.0.0:8083", "production: listen");
		is_str(c->livekit_api_url, "https://lk.example.com",
		    "production: wss derives https");
		is_int(c->dev, 0, "production: no dev flag");
	}
	conf_free(c);
	free(err);
}

static void
test_file_syntax(void)
{
	struct conf *c;
	char *err = NULL;

	c = load(
	    "# lkgate test\n"
	    "\n"
	    "   # indented comment\n"
	    "livekit_url = wss://lk.example.com/   # trailing comment\n"
	    "livekit_api_key=APIkey\n"
	    "\tlivekit_api_secret = \"" SECRET "\"\r\n"
	    "room_prefix = \"a#b\"\n"
	    "room_prefix_unused_check = x\n", 0, NULL, &err);
	ok(c == NULL && err != NULL && strstr(err,
	    ":8: room_prefix_unused_check: unknown key") != NULL,
	    "file: unknown key names line and key");
	free(err);
	err = NULL;

	c = load(
	    "# lkgate test\n"
	    "\n"
	    "   # indented comment\n"
	    "livekit_url = wss://lk.example.com/   # trailing comment\n"
	    "livekit_api_key=API#key\n"
	    "\tlivekit_api_secret = \"" SECRET "\"\r\n"
	    "log_level = \"debug\"  # quoted\n"
	    "room_prefix = \"sess-\"\n"
	    "api_keys = a:" KEY1 ", b:" KEY2 ":admin\n"
	    "api_keys = c:" KEY3 ":app\n"
	    "api_keys =\n"
	    "agent_profiles = coach=coach-agent\n"
	    "agent_profiles = duo = a + b, default=main\n", 0, NULL, &err);
	ok(c != NULL, "file: comments, quotes, lists and repeats load");
	if (c == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_str(c->livekit_url, "wss://lk.example.com/",
	    "file: livekit_url kept as given");
	is_str(c->livekit_api_url, "https://lk.example.com",
	    "file: api url derived without trailing '/'");
	is_str(c->livekit_api_secret, SECRET, "file: quoted secret");
	is_str(c->log_level, "debug", "file: quoted value unquoted");
	is_str(c->livekit_api_key, "API#key",
	    "file: '#' inside a word is kept");
	is_str(c->room_prefix, "sess-", "file: a quoted name");
	is_int((long long)c->napi_keys, 3, "file: api_keys repeat and split");
	if (c->napi_keys == 3) {
		is_str(c->api_keys[0].name, "a", "file: key 1 name");
		is_int(c->api_keys[0].role, ROLE_APP, "file: default role app");
		is_str(c->api_keys[1].name, "b", "file: key 2 name");
		is_int(c->api_keys[1].role, ROLE_ADMIN, "file: admin role");
		is_str(c->api_keys[2].key, KEY3, "file: key 3 value");
		is_int(c->api_keys[2].role, ROLE_APP, "file: explicit app");
		is_int((long long)c->api_keys[2].keylen, strlen(KEY3),
		    "file: key length");
	}
	is_int((long long)c->nagent_profiles, 3, "file: three profiles");
	conf_free(c);
}

/* A session prefix that could name other rooms is refused. */
static void
test_room_prefix(void)
{
	struct conf *c;
	char *err = NULL;

	load_fails("room_prefix = \"\"\n", 0, prod_env,
	    "room_prefix must not be empty: session routes would then name "
	    "every room", "room_prefix: an empty quoted value");
	load_fails("room_prefix = room-\n", 0, prod_env,
	    "room_prefix (room-) must not overlap room-, the prefix of the "
	    "room names lkgate generates: one is a prefix of the other",
	    "room_prefix: room-");
	load_fails("room_prefix = r\n", 0, prod_env,
	    "room_prefix (r) must not overlap room-, the prefix of the room "
	    "names lkgate generates: one is a prefix of the other",
	    "room_prefix: a prefix of room-");
	load_fails("room_prefix = room-s-\n", 0, prod_env,
	    "room_prefix (room-s-) must not overlap room-, the prefix of the "
	    "room names lkgate generates: one is a prefix of the other",
	    "room_prefix: room- is a prefix of it");
	c = load("room_prefix = rooms-\n", 0, prod_env, &err);
	ok(c != NULL, "room_prefix: rooms- does not overlap room-");
	conf_free(c);
	free(err);
}

static void
test_file_errors(void)
{
	char big[5000];
	char *huge, *err = NULL;
	struct conf *c;

	load_fails("\n\ntoken_ttl = 1\ntoken_ttl = 2\n", 0, prod_env,
	    "FILE:4: token_ttl: given twice (first on line 3)",
	    "file: scalar given twice");
	load_fails("# x\nlog_level\n", 0, prod_env,
	    "FILE:2: log_level: missing '=' (expected key = value)",
	    "file: missing '='");
	load_fails("just-some-secret-text\n", 0, prod_env,
	    "FILE:1: expected key = value", "file: stray text not echoed");
	load_fails("= 5\n", 0, prod_env, "FILE:1: expected key = value",
	    "file: missing key");
	load_fails("room_prefix = \"abc\n", 0, prod_env,
	    "FILE:1: room_prefix: unterminated quote",
	    "file: unterminated quote");
	load_fails("room_prefix = \"abc\" x\n", 0, prod_env,
	    "FILE:1: room_prefix: text after the closing quote",
	    "file: text after quote");
	load_fails("nosuch = 1\n", 0, prod_env,
	    "FILE:1: nosuch: unknown key", "file: unknown key");
	memset(big, 'a', sizeof(big));
	memcpy(big, "room_prefix = ", 14);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	load_fails(big, 0, prod_env,
	    "FILE:1: line longer than 4096 bytes", "file: long line");
	c = load("livekit_api_key = \"a\\\"b\\\\c#d\"\n", 0, no_key_env,
	    &err);
	is_str(c != NULL ? c->livekit_api_key : err, "a\"b\\c#d",
	    "file: escapes inside quotes");
	conf_free(c);
	free(err);
	err = NULL;
	load_fails("room_prefix = a\001b\n", 0, prod_env,
	    "FILE:1: line holds a control character",
	    "file: control character");

	huge = xmalloc(1024 * 1024 + 2);
	memset(huge, '#', 1024 * 1024 + 1);
	huge[1024 * 1024 + 1] = '\0';
	c = load(huge, 0, prod_env, &err);
	ok(c == NULL && err != NULL &&
	    strstr(err, "larger than 1048576 bytes") != NULL,
	    "file: larger than 1 MiB refused");
	free(err);
	free(huge);

	test_env = prod_env;
	err = NULL;
	c = conf_load("/nonexistent/lkgate.conf", 0, 0, env_lookup, NULL,
	    &err);
	ok(c != NULL, "file: a missing optional file is fine");
	conf_free(c);
	c = conf_load("/nonexistent/lkgate.conf", 1, 0, env_lookup, NULL,
	    &err);
	is_str(err, "/nonexistent/lkgate.conf: No such file or directory",
	    "file: a missing required file is an error");
	free(err);
}

static void
test_env_overrides(void)
{
	static const char *const env[] = {
		"LIVEKIT_URL", "wss://lk.example.com",
		"LIVEKIT_API_KEY", "APIkey",
		"LIVEKIT_API_SECRET", SECRET,
		"LKGATE_TOKEN_TTL", "120",
		"LKGATE_API_KEYS", "e:" KEY3 ":admin",
		"LKGATE_ROOM_PREFIX", "",	/* empty: unset */
		NULL
	};
	const char *badenv[] = {
		"LIVEKIT_URL", "wss://lk.example.com",
		"LIVEKIT_API_KEY", "APIkey",
		"LIVEKIT_API_SECRET", SECRET,
		"LKGATE_TOKEN_TTL", "5",
		NULL
	};
	struct conf *c;
	char *err = NULL;

	c = load("token_ttl = 600\nroom_prefix = file-\n"
	    "api_keys = a:" KEY1 "\napi_keys = b:" KEY2 "\n"
	    "livekit_url = ws://ignored:1\n", 0, env, &err);
	ok(c != NULL, "env: loads over a file");
	if (c == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_int(c->token_ttl, 120, "env: overrides a scalar");
	is_str(c->livekit_url, "wss://lk.example.com", "env: overrides url");
	is_str(c->room_prefix, "file-", "env: an empty variable is unset");
	is_int((long long)c->napi_keys, 1, "env: a list replaces the file's");
	if (c->napi_keys == 1)
		is_str(c->api_keys[0].name, "e", "env: the env's key");
	conf_free(c);
	load_fails("token_ttl = 600\n", 0, badenv,
	    "LKGATE_TOKEN_TTL: 5 is too small (60..86400)",
	    "env: errors name the variable");
	badenv[7] = "60\n";
	load_fails(NULL, 0, badenv,
	    "LKGATE_TOKEN_TTL: holds a control character",
	    "env: control characters refused");
}

/* The integer options and their ranges: a second copy of the table. */
static const struct {
	const char	*key;
	const char	*env;
	long long	 min, max;
} int_opts[] = {
	{ "token_ttl", "LKGATE_TOKEN_TTL", 60, 86400 },
	{ "room_empty_timeout", "LKGATE_ROOM_EMPTY_TIMEOUT", 0, 86400 },
	{ "room_departure_timeout", "LKGATE_ROOM_DEPARTURE_TIMEOUT", 0,
	  86400 },
	{ "room_max_participants", "LKGATE_ROOM_MAX_PARTICIPANTS", 0, 10000 },
	{ "upstream_timeout_ms", "LKGATE_UPSTREAM_TIMEOUT_MS", 100, 60000 },
	{ "upstream_connect_timeout_ms", "LKGATE_UPSTREAM_CONNECT_TIMEOUT_MS",
	  50, 60000 },
	{ "upstream_max_connections", "LKGATE_UPSTREAM_MAX_CONNECTIONS", 1,
	  1024 },
	{ "room_cache_ms", "LKGATE_ROOM_CACHE_MS", 0, 60000 },
	{ "upstream_max_response_bytes", "LKGATE_UPSTREAM_MAX_RESPONSE_BYTES",
	  1048576, 1073741824 },
	{ "request_timeout_ms", "LKGATE_REQUEST_TIMEOUT_MS", 100, 300000 },
	{ "max_body_bytes", "LKGATE_MAX_BODY_BYTES", 1024, 1048576 },
	{ "max_header_bytes", "LKGATE_MAX_HEADER_BYTES", 1024, 65536 },
	{ "max_inflight", "LKGATE_MAX_INFLIGHT", 1, 100000 },
	{ "max_connections", "LKGATE_MAX_CONNECTIONS", 1, 1000000 },
	{ "max_connections_per_ip", "LKGATE_MAX_CONNECTIONS_PER_IP", 1,
	  1000000 },
	{ "header_timeout", "LKGATE_HEADER_TIMEOUT", 1, 3600 },
	{ "shutdown_grace_ms", "LKGATE_SHUTDOWN_GRACE_MS", 0, 600000 },
	{ "metrics_history", "LKGATE_METRICS_HISTORY", 60, 86400 },
	{ "alert_window", "LKGATE_ALERT_WINDOW", 10, 86400 },
	{ "alert_5xx_percent", "LKGATE_ALERT_5XX_PERCENT", 0, 100 },
	{ "alert_livekit_latency_ms", "LKGATE_ALERT_LIVEKIT_LATENCY_MS", 1,
	  60000 },
	{ "alert_ratelimited", "LKGATE_ALERT_RATELIMITED", 0, 1000000000 },
};

static void
test_ranges(void)
{
	const char *env[9];
	char *text, *want, *name, val[32];
	struct conf *c;
	char *err = NULL;
	size_t i;

	memcpy(env, prod_env, 6 * sizeof(*env));
	for (i = 0; i < NELEM(int_opts); i++) {
		text = xasprintf("# range\n%s = %lld\n", int_opts[i].key,
		    int_opts[i].min - 1);
		want = xasprintf("FILE:2: %s: %lld is too small (%lld..%lld)",
		    int_opts[i].key, int_opts[i].min - 1, int_opts[i].min,
		    int_opts[i].max);
		name = xasprintf("%s: below the range", int_opts[i].key);
		load_fails(text, 0, prod_env, want, name);
		free(name);
		free(text);
		free(want);
		text = xasprintf("%s = %lld\n", int_opts[i].key,
		    int_opts[i].max + 1);
		want = xasprintf("FILE:1: %s: %lld is too large (%lld..%lld)",
		    int_opts[i].key, int_opts[i].max + 1, int_opts[i].min,
		    int_opts[i].max);
		name = xasprintf("%s: above the range", int_opts[i].key);
		load_fails(text, 0, prod_env, want, name);
		free(name);
		free(text);
		free(want);
		text = xasprintf("%s = 12abc\n", int_opts[i].key);
		want = xasprintf("FILE:1: %s: 12abc is not a whole number "
		    "(%lld..%lld)", int_opts[i].key, int_opts[i].min,
		    int_opts[i].max);
		name = xasprintf("%s: not a number", int_opts[i].key);
		load_fails(text, 0, prod_env, want, name);
		free(name);
		free(text);
		free(want);

		/* The environment: same checks, named by the variable. */
		snprintf(val, sizeof(val), "%lld", int_opts[i].max + 1);
		env[6] = int_opts[i].env;
		env[7] = val;
		env[8] = NULL;
		want = xasprintf("%s: %s is too large (%lld..%lld)",
		    int_opts[i].env, val, int_opts[i].min, int_opts[i].max);
		load_fails(NULL, 0, env, want, int_opts[i].env);
		free(want);

		/* Both ends of the range are accepted. */
		text = xasprintf("upstream_timeout_ms = 100\n"
		    "request_timeout_ms = 300000\n%s = %lld\n",
		    int_opts[i].key, int_opts[i].min);
		if (strcmp(int_opts[i].key, "upstream_timeout_ms") == 0 ||
		    strcmp(int_opts[i].key, "request_timeout_ms") == 0) {
			free(text);
			text = xasprintf("%s = %lld\n", int_opts[i].key,
			    strcmp(int_opts[i].key, "request_timeout_ms") == 0 ?
			    int_opts[i].max : int_opts[i].min);
		}
		c = load(text, 0, prod_env, &err);
		name = xasprintf("%s: range end accepted", int_opts[i].key);
		ok(c != NULL, "%s", name);
		if (c == NULL) {
			printf("# %s\n", err);
			free(err);
		}
		conf_free(c);
		free(name);
		free(text);
	}
}

static void
test_values(void)
{
	load_fails("listen = 10.0.0.1\n", 0, prod_env,
	    "FILE:1: listen: \"10.0.0.1\" is not host:port (IPv4 or [IPv6])",
	    "listen: no port");
	load_fails("listen = localhost:80\n", 0, prod_env,
	    "FILE:1: listen: \"localhost\" is not an IPv4 address or an IPv6 "
	    "address in brackets", "listen: host name");
	load_fails("listen = ::1:80\n", 0, prod_env,
	    "FILE:1: listen: \"::1\" is not an IPv4 address or an IPv6 "
	    "address in brackets", "listen: IPv6 without brackets");
	load_fails("listen = 1.2.3.4:0\n", 0, prod_env,
	    "FILE:1: listen: port \"0\" is too small (1..65535)",
	    "listen: port 0");
	load_fails("listen = [::]:65536\n", 0, prod_env,
	    "FILE:1: listen: port \"65536\" is too large (1..65535)",
	    "listen: port too large");
	load_fails("livekit_url = ftp://x\n", 0, prod_env + 2,
	    "FILE:1: livekit_url: \"ftp://x\" is not a URL starting with "
	    "ws://, wss://, http:// or https://", "url: bad scheme");
	load_fails("livekit_url = wss://\n", 0, prod_env + 2,
	    "FILE:1: livekit_url: \"wss://\" is not a URL starting with "
	    "ws://, wss://, http:// or https://", "url: no host");
	load_fails("livekit_api_url = ws://x\n", 0, prod_env,
	    "FILE:1: livekit_api_url: \"ws://x\" is not a URL starting with "
	    "http:// or https://", "api url: http(s) only");
	load_fails("log_level = verbose\n", 0, prod_env,
	    "FILE:1: log_level: \"verbose\" is not one of debug, info, warn "
	    "or error", "log_level: bad");
	load_fails("room_prefix = a b\n", 0, prod_env,
	    "FILE:1: room_prefix: \"a b\" is not 0-64 characters of "
	    "A-Z a-z 0-9 _ . -", "room_prefix: bad character");
	load_fails("livekit_api_key = a b\n", 0, prod_env + 6,
	    "FILE:1: livekit_api_key: \"a b\" is not 1-256 visible ASCII "
	    "characters", "api key: bad");
}

static void
test_api_url(void)
{
	static const struct {
		const char *url, *api, *want;
	} cases[] = {
		{ "ws://localhost:7880", NULL, "http://localhost:7880" },
		{ "wss://lk.example.com/", NULL, "https://lk.example.com" },
		{ "http://lk:7880//", NULL, "http://lk:7880" },
		{ "https://lk.example.com/base/", NULL,
		  "https://lk.example.com/base" },
		{ "wss://public.example.com", "http://10.0.0.5:7880/",
		  "http://10.0.0.5:7880" },
	};
	const char *env[] = {
		"LIVEKIT_API_KEY", "APIkey", "LIVEKIT_API_SECRET", SECRET,
		"LIVEKIT_URL", NULL, "LIVEKIT_API_URL", NULL, NULL
	};
	struct conf *c;
	char *err = NULL;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		env[5] = cases[i].url;
		env[7] = cases[i].api;
		c = load(NULL, 0, env, &err);
		is_str(c != NULL ? c->livekit_api_url : err, cases[i].want,
		    cases[i].url);
		conf_free(c);
	}
}

static void
test_api_keys(void)
{
	static const struct {
		const char *list, *want, *name;
	} bad[] = {
		{ "a:" KEY1 ":root", "role must be app or admin", "bad role" },
		{ "a:short", "key must be 16-256 visible ASCII characters "
		  "without ':' or ','", "short key" },
		{ "a:" KEY1 "\tx", "key must be 16-256 visible ASCII "
		  "characters without ':' or ','", "key with whitespace" },
		{ KEY1, "expected name:key[:role]", "no name" },
		{ "bad name:" KEY1, "name must be 1-64 characters of A-Z a-z "
		  "0-9 _ . -", "bad name" },
		{ "a:" KEY1 ",a:" KEY2, "entry 2: name \"a\" is used twice",
		  "duplicate name" },
		{ "a:" KEY1 ",b:" KEY1, "entry 2: key of \"b\" is the same as "
		  "the key of \"a\"", "duplicate key" },
	};
	const char *env[9];
	char *want, *file;
	const char *kf;
	struct conf *c;
	char *err = NULL;
	size_t i;

	memcpy(env, prod_env, 6 * sizeof(*env));
	env[6] = "LKGATE_API_KEYS";
	env[8] = NULL;
	for (i = 0; i < NELEM(bad); i++) {
		env[7] = bad[i].list;
		want = xasprintf("LKGATE_API_KEYS: %s", bad[i].want);
		load_fails(NULL, 0, env, want, bad[i].name);
		free(want);
	}

	kf = write_tmp("# keys\n\nops:" KEY2 ":admin  # the ops team\n"
	    "b:" KEY3 "\n");
	file = xasprintf("api_keys = a:" KEY1 "\napi_keys_file = %s\n", kf);
	c = load(file, 0, prod_env, &err);
	ok(c != NULL && c->napi_keys == 3, "keys file: combined with list");
	if (c != NULL && c->napi_keys == 3) {
		is_str(c->api_keys[1].name, "ops", "keys file: name");
		is_int(c->api_keys[1].role, ROLE_ADMIN, "keys file: role");
		is_str(c->api_keys[2].key, KEY3, "keys file: comment-free key");
	}
	conf_free(c);
	free(file);

	file = xasprintf("api_keys = a:" KEY2 "\napi_keys_file = %s\n", kf);
	want = xasprintf("FILE:2: api_keys_file: %s:3: key of \"ops\" is the "
	    "same as the key of \"a\"", kf);
	load_fails(file, 0, prod_env, want, "keys file: duplicate across");
	free(file);
	free(want);
	load_fails("api_keys_file = /nonexistent/keys\n", 0, prod_env,
	    "FILE:1: api_keys_file: /nonexistent/keys: No such file or "
	    "directory", "keys file: missing");
}

static void
test_profiles(void)
{
	const struct agent_profile *p;
	struct conf *c;
	char *err = NULL;

	c = load("agent_profiles = coach=coach-agent, duo=a+b.v2\n"
	    "agent_profiles = default = main\n", 0, prod_env, &err);
	ok(c != NULL, "profiles: load");
	if (c == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	p = conf_profile_by_name(c, "duo");
	ok(p != NULL && p->nagents == 2 && strcmp(p->agents[0], "a") == 0 &&
	    strcmp(p->agents[1], "b.v2") == 0 && p->agents[2] == NULL,
	    "profiles: two agents, NULL-terminated");
	p = conf_profile_by_name(c, "default");
	ok(p != NULL && p->nagents == 1 && strcmp(p->agents[0], "main") == 0,
	    "profiles: spaces around '=' trimmed");
	ok(conf_profile_by_name(c, "nope") == NULL, "profiles: unknown");
	conf_free(c);

	load_fails("agent_profiles = coach\n", 0, prod_env,
	    "FILE:1: agent_profiles: \"coach\" is not "
	    "profile=agent[+agent...]", "profiles: no '='");
	load_fails("agent_profiles = a=x,a=y\n", 0, prod_env,
	    "FILE:1: agent_profiles: entry 2: profile \"a\" is defined twice",
	    "profiles: duplicate");
	load_fails("agent_profiles = a=x+x\n", 0, prod_env,
	    "FILE:1: agent_profiles: profile \"a\": agent \"x\" is listed "
	    "twice", "profiles: agent twice");
	load_fails("agent_profiles = a=\n", 0, prod_env,
	    "FILE:1: agent_profiles: profile \"a\" names no agent",
	    "profiles: no agent");
	load_fails("agent_profiles = a=b c\n", 0, prod_env,
	    "FILE:1: agent_profiles: profile \"a\": agent \"b c\" is not "
	    "1-64 characters of A-Z a-z 0-9 _ . -", "profiles: bad agent");
}

/* Runs fn with stderr sent to a file; returns what was written. */
static char *
capture_stderr(struct conf *(*fn)(char **), struct conf **out, char **err)
{
	char path[] = "/tmp/test_conf.err.XXXXXX";
	char buf[4096];
	ssize_t n;
	int fd, saved;

	fflush(stderr);
	fd = mkstemp(path);
	saved = dup(2);
	dup2(fd, 2);
	*out = fn(err);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	unlink(path);
	return xstrdup(buf);
}

static const char *secret_env[] = {
	"LIVEKIT_URL", "wss://lk.example.com", "LIVEKIT_API_KEY", "APIkey",
	"LIVEKIT_API_SECRET_FILE", NULL, NULL
};

static struct conf *
load_secret_env(char **err)
{
	test_env = secret_env;
	return conf_load(NULL, 1, 0, env_lookup, NULL, err);
}

static void
test_secret_file(void)
{
	char *big, *file, *want, *log;
	const char *sf, *loose;
	struct conf *c;
	char *err = NULL;

	sf = write_tmp_len(SECRET "\n\n", strlen(SECRET) + 2, 0600);
	secret_env[5] = sf;
	c = load_secret_env(&err);
	is_str(c != NULL ? c->livekit_api_secret : err, SECRET,
	    "secret file: read, newlines stripped");
	conf_free(c);

	/* The variable beats the file's secret: the pair is one setting. */
	test_env = secret_env;
	c = conf_load(write_tmp("livekit_api_secret = other-secret\n"), 1, 0,
	    env_lookup, NULL, &err);
	is_str(c != NULL ? c->livekit_api_secret : err, SECRET,
	    "secret file: env _FILE overrides the file's secret");
	conf_free(c);

	file = xasprintf("livekit_api_secret = " SECRET "\n"
	    "livekit_api_secret_file = %s\n", sf);
	load_fails(file, 0, prod_env + 6 /* none */,
	    "FILE:2: livekit_api_secret_file: livekit_api_secret is set too "
	    "(line 1); set only one", "secret file: both in the file");
	free(file);
	{
		const char *both[] = {
			"LIVEKIT_URL", "wss://x", "LIVEKIT_API_KEY", "k",
			"LIVEKIT_API_SECRET", SECRET,
			"LIVEKIT_API_SECRET_FILE", sf, NULL
		};

		load_fails(NULL, 0, both, "LIVEKIT_API_SECRET: "
		    "LIVEKIT_API_SECRET_FILE is set too; set only one",
		    "secret file: both in the environment");
	}

	big = xmalloc(64 * 1024 + 1);
	memset(big, 'x', 64 * 1024 + 1);
	secret_env[5] = write_tmp_len(big, 64 * 1024 + 1, 0600);
	want = xasprintf("LIVEKIT_API_SECRET_FILE: %s: larger than 65536 "
	    "bytes", secret_env[5]);
	c = load_secret_env(&err);
	is_str(err, want, "secret file: larger than 64 KiB");
	conf_free(c);
	free(err);
	free(want);
	free(big);

	secret_env[5] = write_tmp("\n");
	want = xasprintf("LIVEKIT_API_SECRET_FILE: %s: must hold 1-4096 "
	    "visible ASCII characters", secret_env[5]);
	c = load_secret_env(&err);
	is_str(err, want, "secret file: empty");
	conf_free(c);
	free(err);
	free(want);

	loose = write_tmp_len(SECRET "\n", strlen(SECRET) + 1, 0644);
	secret_env[5] = loose;
	log = capture_stderr(load_secret_env, &c, &err);
	ok(c != NULL && strstr(log, loose) != NULL &&
	    strstr(log, "readable by group or others") != NULL,
	    "secret file: a world-readable file is warned about");
	ok(strstr(log, SECRET) == NULL, "secret file: warning has no secret");
	conf_free(c);
	free(log);
}

static void
test_timeouts(void)
{
	struct conf *c;
	char *err = NULL;

	load_fails("request_timeout_ms = 5000\n", 0, prod_env,
	    "request_timeout_ms (5000) must be greater than "
	    "upstream_timeout_ms (5000)", "timeouts: equal refused");
	load_fails("upstream_timeout_ms = 20000\n", 0, prod_env,
	    "request_timeout_ms (15000) must be greater than "
	    "upstream_timeout_ms (20000)", "timeouts: default request");
	c = load("upstream_timeout_ms = 20000\nrequest_timeout_ms = 20001\n",
	    0, prod_env, &err);
	ok(c != NULL, "timeouts: greater accepted");
	conf_free(c);
}

/* Channels: defaults, and a prefix that could take a session for a
 * channel refused. */
static void
test_channels(void)
{
	struct conf *c;
	char *err = NULL;

	c = load(NULL, 0, prod_env, &err);
	ok(c != NULL, "channels: defaults load");
	if (c != NULL) {
		is_str(c->channel_prefix, "channel-", "channels: prefix");
		is_int(c->channel_max_users, 10, "channels: max users");
		is_int(c->channel_empty_timeout, 86400, "channels: empty");
		is_int(c->audio_channels, 1, "channels: audio channels");
		is_int(c->audio_bitrate, 48000, "channels: audio bitrate");
		is_int(c->audio_dtx, 1, "channels: dtx");
		is_int(c->audio_red, 1, "channels: red");
	}
	conf_free(c);
	load_fails("room_prefix = chan\n", 0, prod_env,
	    "room_prefix (chan) and channel_prefix (channel-) must not be "
	    "prefixes of each other", "channels: room prefix of channels");
	load_fails("channel_prefix = eloquence-x\n", 0, prod_env,
	    "room_prefix (eloquence-) and channel_prefix (eloquence-x) must "
	    "not be prefixes of each other", "channels: channels in rooms");
	load_fails("channel_prefix = \"\"\n", 0, prod_env,
	    "FILE:1: channel_prefix: \"\" is not 1-64 characters of A-Z a-z "
	    "0-9 _ . -", "channels: empty prefix refused");
	load_fails("channel_max_users = 1001\n", 0, prod_env,
	    "FILE:1: channel_max_users: 1001 is too large (1..1000)",
	    "channels: max users bounded");
}

/* Loads each bad configuration; no message may hold a secret. */
static void
test_no_secrets_in_errors(void)
{
	static const char *const texts[] = {
		"livekit_api_secret = " SECRET " x\n",
		"livekit_api_secret = \"" SECRET "\001\"\n",
		"api_keys = a:" SECRET ":boss\n",
		"api_keys = " SECRET "\n",
		"api_keys = bad name:" SECRET "\n",
		"api_keys = a:" SECRET ",b:" SECRET "\n",
		"api_keys = " SECRET ":admin\n",
		SECRET "\n",
		"livekit_api_secret " SECRET "\n",
		"livekit_api_secret = " SECRET "\nlivekit_api_secret = "
		    SECRET "\n",
	};
	const char *env[] = {
		"LIVEKIT_URL", "wss://x", "LIVEKIT_API_KEY", "k",
		"LKGATE_API_KEYS", SECRET ":app:x", NULL
	};
	struct conf *c;
	char *err;
	size_t i;
	int clean = 1;

	for (i = 0; i < NELEM(texts); i++) {
		err = NULL;
		c = load(texts[i], 0, prod_env + 6, &err);
		if (c != NULL || err == NULL || strstr(err, SECRET) != NULL ||
		    strstr(err, "0123456789abcdef") != NULL) {
			printf("# case %zu: %s\n", i, err ? err : "(loaded)");
			clean = 0;
		}
		conf_free(c);
		free(err);
	}
	ok(clean, "secrets: no error message quotes a secret");
	err = NULL;
	c = load(NULL, 0, env, &err);
	ok(c == NULL && err != NULL && strstr(err, SECRET) == NULL,
	    "secrets: nor from the environment");
	conf_free(c);
	free(err);
}

static void
test_match(void)
{
	const struct api_key *k;
	struct conf *c;
	char *err = NULL;
	char withnul[] = KEY1 "\0";

	c = load("api_keys = a:" KEY1 ", b:" KEY2 ":admin, c:" KEY3 "x\n", 0,
	    prod_env, &err);
	ok(c != NULL, "match: loads");
	if (c == NULL)
		return;
	k = conf_api_key_match(c, KEY2, strlen(KEY2));
	ok(k != NULL && strcmp(k->name, "b") == 0 && k->role == ROLE_ADMIN,
	    "match: finds the admin key");
	k = conf_api_key_match(c, KEY1, strlen(KEY1));
	ok(k != NULL && strcmp(k->name, "a") == 0, "match: first entry");
	k = conf_api_key_match(c, KEY3 "x", strlen(KEY3) + 1);
	ok(k != NULL && strcmp(k->name, "c") == 0, "match: last entry");
	ok(conf_api_key_match(c, KEY3, strlen(KEY3)) == NULL,
	    "match: a prefix does not match");
	ok(conf_api_key_match(c, KEY1 "x", strlen(KEY1) + 1) == NULL,
	    "match: a longer key does not match");
	ok(conf_api_key_match(c, withnul, sizeof(withnul) - 1) == NULL,
	    "match: a trailing NUL does not match");
	ok(conf_api_key_match(c, KEY1, strlen(KEY1) - 1) == NULL,
	    "match: a shorter length does not match");
	ok(conf_api_key_match(c, "", 0) == NULL, "match: empty");
	ok(conf_api_key_match(c, NULL, 0) == NULL, "match: NULL");
	ok(conf_api_key_match(c, KEY1, CONF_API_KEY_MAX + 1) == NULL,
	    "match: overlong");
	conf_free(c);
}

struct seen {
	char	keys[128][64];
	size_t	n;
	int	good;
};

static void
collect(void *arg, const char *key, const char *env, const char *def,
    const char *help)
{
	struct seen *s = arg;
	char want[80];
	size_t i;

	if (s->n < NELEM(s->keys))
		snprintf(s->keys[s->n++], sizeof(s->keys[0]), "%s", key);
	/* LKGATE_FOO_BAR for foo_bar, except LiveKit's own names. */
	if (strncmp(key, "livekit_", 8) == 0)
		want[0] = '\0';
	else
		snprintf(want, sizeof(want), "LKGATE_");
	for (i = strlen(want); *key != '\0' && i + 1 < sizeof(want); i++)
		want[i] = (char)toupper((unsigned char)*key++);
	want[i] = '\0';
	if (strcmp(env, want) != 0 || def == NULL || help == NULL ||
	    *help == '\0' || strchr(help, '\t') != NULL ||
	    strchr(def, '\t') != NULL) {
		printf("# bad row %s %s\n", want, env);
		s->good = 0;
	}
}

static void
test_foreach(void)
{
	static const char *const keys[] = {
		"listen", "livekit_url", "livekit_api_url", "livekit_api_key",
		"livekit_api_secret", "livekit_api_secret_file", "api_keys",
		"api_keys_file", "user_jwt_secret", "user_jwt_secret_file",
		"user_jwt_jwks_file", "user_jwt_issuer", "user_jwt_audience",
		"user_jwt_leeway", "admin_role_claim", "oidc_issuer",
		"oidc_client_id", "oidc_client_secret",
		"oidc_client_secret_file", "oidc_redirect_uri", "oidc_scopes",
		"oidc_auth_params", "oidc_client_auth", "session_ttl",
		"cookie_keys", "cookie_secure", "token_ttl",
		"room_prefix",
		"room_empty_timeout", "room_departure_timeout",
		"room_max_participants", "agent_profiles",
		"channel_prefix", "channel_max_users", "channel_empty_timeout",
		"guest_users", "guest_ttl", "guest_key", "guest_key_file",
		"audio_channels", "audio_bitrate", "audio_dtx", "audio_red",
		"upstream_timeout_ms", "upstream_connect_timeout_ms",
		"upstream_max_connections", "room_cache_ms",
		"upstream_max_response_bytes", "request_timeout_ms",
		"max_body_bytes", "max_header_bytes", "max_inflight",
		"max_connections", "max_connections_per_ip", "header_timeout",
		"shutdown_grace_ms", "rate_limits", "rate_limit_table_size",
		"redis_url", "redis_password", "redis_password_file",
		"redis_timeout_ms", "redis_tls_ca_file", "redis_tls_cert_file",
		"redis_tls_key_file", "redis_tls_server_name",
		"trusted_proxies", "cors_origins", "metrics_history",
		"metrics_livekit", "alert_window", "alert_5xx_percent",
		"alert_livekit_latency_ms", "alert_ratelimited", "log_level",
	};
	struct seen s;
	size_t i;
	int same;

	memset(&s, 0, sizeof(s));
	s.good = 1;
	conf_foreach_option(collect, &s);
	is_int((long long)s.n, (long long)NELEM(keys), "foreach: every row");
	same = s.n == NELEM(keys);
	for (i = 0; same && i < s.n; i++)
		same = strcmp(s.keys[i], keys[i]) == 0;
	ok(same, "foreach: rows in table order");
	ok(s.good, "foreach: env names, defaults and help are sane");
}

/* The sample configuration loads (when run from the top of the tree). */
static void
test_sample(void)
{
	struct conf *c;
	char *err = NULL;

	if (access("etc/lkgate.conf", R_OK) != 0) {
		ok(1, "sample: # SKIP not run from the top of the tree");
		return;
	}
	test_env = NULL;
	c = conf_load("etc/lkgate.conf", 1, 0, env_lookup, NULL, &err);
	ok(c != NULL, "sample: etc/lkgate.conf loads");
	if (c == NULL)
		printf("# %s\n", err);
	conf_free(c);
	free(err);
}

/* rediss://: its files read at load, so that -n finds what is wrong; the
 * TLS options refused without it. */
static void
test_redis_tls(void)
{
	struct conf *c;
	char *err = NULL, *text;
	const char *notpem = write_tmp("not a certificate\n");

	load_fails("redis_url = redis://redis:6379\n"
	    "redis_tls_server_name = redis.example.com\n", 0, prod_env,
	    "redis_tls_ca_file, redis_tls_cert_file, redis_tls_key_file and "
	    "redis_tls_server_name need a rediss:// redis_url",
	    "a TLS option without rediss://");
	load_fails("redis_url = unix:/run/redis.sock\n"
	    "redis_tls_ca_file = /etc/ssl/certs/ca-certificates.crt\n", 0,
	    prod_env, "redis_tls_ca_file, redis_tls_cert_file, "
	    "redis_tls_key_file and redis_tls_server_name need a rediss:// "
	    "redis_url", "a CA file for a Unix socket");
	load_fails("redis_url = rediss://redis:6380\n"
	    "redis_tls_ca_file = /nonexistent/ca.pem\n", 0, prod_env,
	    "redis TLS: /nonexistent/ca.pem: No such file or directory",
	    "a CA file that is not there");
	text = xasprintf("redis_url = rediss://redis:6380\n"
	    "redis_tls_ca_file = %s\n", notpem);
	c = load(text, 0, prod_env, &err);
	ok(c == NULL && err != NULL && strncmp(err, "redis TLS: ", 11) == 0 &&
	    strstr(err, ": no CA certificate could be read (") != NULL,
	    "a CA file of no certificate: %s", err != NULL ? err : "");
	conf_free(c);
	free(text);
	free(err);
	err = NULL;
	if (access(CRYPTO_TLS_SYSTEM_CA, R_OK) != 0) {
		ok(1, "# SKIP no %s", CRYPTO_TLS_SYSTEM_CA);
		return;
	}
	c = load("redis_url = rediss://:pw@redis.example.com:6380/1\n"
	    "redis_tls_server_name = redis-1.internal\n", 0, prod_env, &err);
	ok(c != NULL, "rediss:// with the system's CAs loads: %s",
	    err != NULL ? err : "");
	if (c != NULL) {
		ok(c->redis_tls_ca_file == NULL, "no CA file: the system's");
		is_str(c->redis_tls_server_name, "redis-1.internal",
		    "redis_tls_server_name kept");
	}
	conf_free(c);
	free(err);
	load_fails("redis_url = rediss://redis:6380\n"
	    "redis_tls_cert_file = /etc/ssl/certs/ca-certificates.crt\n", 0,
	    prod_env, "redis TLS: a client certificate and its key go "
	    "together: give both or neither", "a certificate without its key");
	load_fails("redis_url = rediss://redis:6380\n"
	    "redis_tls_server_name = bad/name\n", 0, prod_env,
	    "redis_tls_server_name: \"bad/name\" is neither a host name nor "
	    "an address", "a server name that is no name");
}

/* Shared rate limits: the Redis URL checked at load (its errors never
 * echo the password), the password from a file, the timeout's default. */
static void
test_redis(void)
{
	struct conf *c;
	char *err = NULL, *text;
	const char *pw = write_tmp("file-s3cret-pw\n");

	text = xasprintf("redis_url = redis://:url-pw@127.0.0.1:6380/2\n"
	    "redis_password_file = %s\n", pw);
	c = load(text, 0, prod_env, &err);
	ok(c != NULL, "redis_url and redis_password_file load: %s",
	    err != NULL ? err : "");
	if (c != NULL) {
		is_str(c->redis_url, "redis://:url-pw@127.0.0.1:6380/2",
		    "redis_url kept as given");
		is_str(c->redis_password, "file-s3cret-pw",
		    "the password comes from its file");
		is_int(c->redis_timeout_ms, 250, "redis_timeout_ms default");
	}
	conf_free(c);
	free(text);
	free(err);
	err = NULL;
	c = load("redis_url = unix:/run/redis/redis.sock?db=1\n"
	    "redis_timeout_ms = 50\n", 0, prod_env, &err);
	ok(c != NULL && c->redis_timeout_ms == 50, "a unix: socket loads");
	ok(c != NULL && c->redis_password == NULL, "no password by default");
	conf_free(c);
	free(err);
	load_fails("redis_url = http://redis:6379\n", 0, prod_env,
	    "redis_url: must start with redis://, rediss:// or unix:",
	    "redis_url with another scheme");
	load_fails("redis_url = redis://:s3cret-pw@redis:99999\n", 0, prod_env,
	    "redis_url: the port must be a number from 1 to 65535",
	    "a bad port is named, the password is not echoed");
	load_fails("redis_password = s3cret-pw\n", 0, prod_env,
	    "redis_password needs redis_url", "a password without a Redis");
	load_fails("redis_url = redis://h\nredis_timeout_ms = 5\n", 0,
	    prod_env, "FILE:2: redis_timeout_ms: 5 is too small (10..10000)",
	    "redis_timeout_ms below its range");
	test_redis_tls();
}

static void
collect_kept(void *arg, const char *key, const char *kept)
{
	char *list = arg;
	size_t n = strlen(list);

	snprintf(list + n, 256 - n, "%s=%s;", key, kept);
}

/* A reload keeps the options read at start-up only, and says which. */
static void
test_restart_only(void)
{
	struct conf *a, *b;
	char *err = NULL, list[256] = "";

	a = load("listen = 127.0.0.1:9000\nrate_limit_table_size = 100\n"
	    "upstream_max_connections = 8\nmax_inflight = 10\n", 1, NULL,
	    &err);
	b = load("listen = 127.0.0.1:9001\nrate_limit_table_size = 200\n"
	    "upstream_max_connections = 9\nmax_inflight = 20\n", 1, NULL,
	    &err);
	ok(a != NULL && b != NULL, "restart: both load");
	if (a == NULL || b == NULL)
		return;
	conf_foreach_restart_change(a, a, collect_kept, list);
	is_str(list, "", "restart: nothing when nothing changed");
	conf_foreach_restart_change(a, b, collect_kept, list);
	is_str(list, "listen=127.0.0.1:9000;upstream_max_connections=8;"
	    "rate_limit_table_size=100;", "restart: the running values, in "
	    "table order, max_inflight not among them");
	conf_free(a);
	conf_free(b);
	/* A secret is named, never shown; its _FILE partner is not named
	 * twice. */
	list[0] = '\0';
	a = load("redis_url = redis://:pw-one@127.0.0.1:6380\n", 0, prod_env,
	    &err);
	b = load("redis_url = redis://:pw-two@127.0.0.1:6380\n", 0, prod_env,
	    &err);
	ok(a != NULL && b != NULL, "restart: both Redis configurations load");
	if (a != NULL && b != NULL) {
		conf_foreach_restart_change(a, b, collect_kept, list);
		is_str(list, "redis_url=[redacted];", "restart: a changed "
		    "secret is named and not shown");
	}
	conf_free(a);
	conf_free(b);
}

int
main(void)
{
	size_t i;

	test_dev_defaults();
	test_required();
	test_file_syntax();
	test_file_errors();
	test_room_prefix();
	test_env_overrides();
	test_ranges();
	test_values();
	test_api_url();
	test_api_keys();
	test_profiles();
	test_secret_file();
	test_timeouts();
	test_channels();
	test_no_secrets_in_errors();
	test_match();
	test_foreach();
	test_restart_only();
	test_sample();
	test_redis();
	for (i = 0; i < ntmpfiles; i++) {
		unlink(tmpfiles[i]);
		free(tmpfiles[i]);
	}
	return tap_done();
}
