/*
 * test_conf_limits: the rate-limit, CORS and trusted-proxy options of
 * conf: parsed into struct conf, refused with a message naming the place,
 * and read from a file as repeated keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clientip.h"
#include "conf.h"
#include "tap.h"
#include "util.h"

static const char *const *test_env;

static const char *
env_lookup(void *arg, const char *name)
{
	const char *const *e = test_env;

	(void)arg;
	for (; e != NULL && e[0] != NULL; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

/* Loads the production basics plus one variable. */
static struct conf *
load_with(const char *var, const char *value, char **err)
{
	const char *env[] = {
		"LIVEKIT_URL", "wss://lk.example.com",
		"LIVEKIT_API_KEY", "APIkey",
		"LIVEKIT_API_SECRET", "0123456789abcdefSECRET",
		var, value,
		NULL
	};

	test_env = env;
	*err = NULL;
	return conf_load(NULL, 0, 0, env_lookup, NULL, err);
}

static void
refused(const char *var, const char *value, const char *part)
{
	struct conf *c;
	char *err;

	if ((c = load_with(var, value, &err)) != NULL) {
		ok(0, "%s=%s refused", var, value);
		conf_free(c);
		return;
	}
	ok(strstr(err, var) != NULL && strstr(err, part) != NULL,
	    "%s=%s refused: %s", var, value, err);
	free(err);
}

static void
test_rate_limits(void)
{
	struct conf *c;
	char *err;

	c = load_with("LKGATE_CONF_UNUSED", "", &err);
	ok(c != NULL, "loads without limits");
	if (c == NULL)
		return;
	ok(c->rate_limits[0].count == 0 && c->rate_limits[3].count == 0,
	    "no limit by default");
	is_int(c->rate_limit_table_size, 65536, "table size default");
	ok(c->ncors_origins == 0 && c->ntrusted_proxies == 0,
	    "no origins, no proxies by default");
	conf_free(c);

	c = load_with("LKGATE_RATE_LIMITS",
	    "default=100/15m, auth=10/1m,token=20/1m", &err);
	ok(c != NULL, "the seed's example loads");
	if (c == NULL)
		return;
	ok(c->rate_limits[0].count == 100 &&
	    c->rate_limits[0].period_ms == 900000, "default 100 per 15 min");
	ok(c->rate_limits[1].count == 10 &&
	    c->rate_limits[1].period_ms == 60000, "auth 10 per minute");
	ok(c->rate_limits[2].count == 20, "token 20 per minute");
	ok(c->rate_limits[3].count == 0, "create unlimited");
	conf_free(c);

	refused("LKGATE_RATE_LIMITS", "token=1/1m,token=2/1m", "twice");
	refused("LKGATE_RATE_LIMITS", "tokens=1/1m", "unknown class");
	refused("LKGATE_RATE_LIMITS", "default=1/1d", "period");
	refused("LKGATE_RATE_LIMIT_TABLE_SIZE", "8", "16..1048576");
}

static void
test_origins_and_proxies(void)
{
	struct conf *c;
	char *err;
	uint8_t a[16];

	c = load_with("LKGATE_CORS_ORIGINS",
	    "https://app.example.com, http://localhost:3000,*", &err);
	ok(c != NULL && c->ncors_origins == 3, "three origins");
	if (c != NULL) {
		is_str(c->cors_origins[0], "https://app.example.com", "first");
		is_str(c->cors_origins[1], "http://localhost:3000", "second");
		is_str(c->cors_origins[2], "*", "and *");
		conf_free(c);
	}
	refused("LKGATE_CORS_ORIGINS", "https://app.example.com/", "origin");
	refused("LKGATE_CORS_ORIGINS", "https://App.example.com", "origin");
	refused("LKGATE_CORS_ORIGINS", "app.example.com", "origin");
	refused("LKGATE_CORS_ORIGINS", "ftp://app.example.com", "origin");
	refused("LKGATE_CORS_ORIGINS", "https://", "origin");
	refused("LKGATE_CORS_ORIGINS", "https://a.example,https://a.example",
	    "twice");

	c = load_with("LKGATE_TRUSTED_PROXIES", "10.0.0.0/8, ::1,192.0.2.7",
	    &err);
	ok(c != NULL && c->ntrusted_proxies == 3, "three proxies");
	if (c != NULL) {
		clientip_parse("10.9.8.7", 8, a);
		ok(clientip_in(c->trusted_proxies, c->ntrusted_proxies, a),
		    "10.9.8.7 is trusted");
		clientip_parse("192.0.2.8", 9, a);
		ok(!clientip_in(c->trusted_proxies, c->ntrusted_proxies, a),
		    "192.0.2.8 is not");
		conf_free(c);
	}
	refused("LKGATE_TRUSTED_PROXIES", "10.0.0.0/33", "over 32");
	refused("LKGATE_TRUSTED_PROXIES", "proxy.internal", "address");
}

static void
test_file(void)
{
	char path[] = "/tmp/test_conf_limits.XXXXXX";
	static const char text[] =
	    "livekit_url = wss://lk.example.com\n"
	    "livekit_api_key = APIkey\n"
	    "livekit_api_secret = 0123456789abcdefSECRET\n"
	    "rate_limits = default=100/15m\n"
	    "rate_limits = auth=10/1m\n"
	    "cors_origins = https://a.example.com\n"
	    "cors_origins = https://b.example.com\n"
	    "trusted_proxies = 127.0.0.1\n"
	    "rate_limit_table_size = 1024\n"
	    "rate_limits = default=5/1s\n";
	struct conf *c;
	char *err = NULL;
	int fd;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
		ok(0, "cannot write %s", path);
		return;
	}
	close(fd);
	test_env = NULL;
	c = conf_load(path, 1, 0, env_lookup, NULL, &err);
	ok(c == NULL && err != NULL && strstr(err, ":10: rate_limits") &&
	    strstr(err, "twice"), "a class limited twice names line 10: %s",
	    err != NULL ? err : "(loaded)");
	free(err);
	conf_free(c);
	/* The same without the last line loads, the keys repeated. */
	if (truncate(path, (off_t)(sizeof(text) - 1 -
	    strlen("rate_limits = default=5/1s\n"))) == -1) {
		ok(0, "cannot truncate %s", path);
		unlink(path);
		return;
	}
	c = conf_load(path, 1, 0, env_lookup, NULL, &err);
	ok(c != NULL, "repeated keys load");
	if (c != NULL) {
		ok(c->rate_limits[0].count == 100 && c->rate_limits[1].count ==
		    10, "two limits from two lines");
		ok(c->ncors_origins == 2 && c->ntrusted_proxies == 1,
		    "two origins, one proxy");
		is_int(c->rate_limit_table_size, 1024, "table size");
		conf_free(c);
	}
	unlink(path);
}

int
main(void)
{
	test_rate_limits();
	test_origins_and_proxies();
	test_file();
	return tap_done();
}
