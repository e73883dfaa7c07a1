/*
 * Unit tests of redisurl: every form of LKGATE_REDIS_URL, percent-encoded
 * credentials, defaults, and refusals whose messages never repeat the
 * password.
 */
#include <stdlib.h>
#include <string.h>

#include "redisurl.h"
#include "tap.h"

static void
parses(const char *text, int tls, const char *host, int port,
    const char *path, const char *user, const char *pass, int db)
{
	struct redis_url u;
	char *why = NULL;

	if (!tap_ok(redisurl_parse(text, &u, &why) == 0, "parses %s", text)) {
		free(why);
		return;
	}
	tap_is_int(u.tls, tls, "tls");
	tap_is_str(u.host, host, "host");
	tap_is_int(u.port, port, "port");
	tap_is_str(u.path, path, "path");
	tap_is_str(u.user, user, "user");
	tap_is_str(u.password, pass, "password");
	tap_is_int(u.db, db, "db");
	redisurl_clear(&u);
	tap_ok(u.password == NULL && u.host == NULL, "cleared");
}

static void
refuses(const char *text, const char *part)
{
	struct redis_url u;
	char *why = NULL;

	if (!tap_ok(redisurl_parse(text, &u, &why) == -1, "refuses %s",
	    text))
		redisurl_clear(&u);
	tap_ok(why != NULL && strstr(why, part) != NULL,
	    "says \"%s\" (%s)", part, why != NULL ? why : "nothing");
	tap_ok(why == NULL || strstr(why, "s3cret") == NULL,
	    "the message does not repeat the password");
	tap_ok(u.host == NULL && u.password == NULL && u.user == NULL,
	    "nothing held after a refusal");
	free(why);
}

static void
target(const char *text, const char *want)
{
	struct redis_url u;
	char *why = NULL, *t;

	if (redisurl_parse(text, &u, &why) == -1) {
		tap_ok(0, "parses %s: %s", text, why);
		free(why);
		return;
	}
	t = redisurl_target(&u);
	tap_is_str(t, want, "target of a URL names no credentials");
	free(t);
	redisurl_clear(&u);
}

int
main(void)
{
	parses("redis://127.0.0.1", 0, "127.0.0.1", 6379, NULL, NULL, NULL, 0);
	parses("redis://redis:6380/2", 0, "redis", 6380, NULL, NULL, NULL, 2);
	parses("redis://redis:6380/", 0, "redis", 6380, NULL, NULL, NULL, 0);
	parses("redis://:s3cret@cache.example.com:7000/15", 0,
	    "cache.example.com", 7000, NULL, NULL, "s3cret", 15);
	parses("redis://lkgate:s3cret@10.0.0.5", 0, "10.0.0.5", 6379, NULL,
	    "lkgate", "s3cret", 0);
	parses("redis://s3cret@10.0.0.5", 0, "10.0.0.5", 6379, NULL, NULL,
	    "s3cret", 0);
	parses("redis://lkgate:@10.0.0.5", 0, "10.0.0.5", 6379, NULL,
	    "lkgate", NULL, 0);
	parses("redis://u%40x:p%2F%40%3A@h", 0, "h", 6379, NULL, "u@x",
	    "p/@:", 0);
	parses("redis://a:b@c@h:1", 0, "h", 1, NULL, "a", "b@c", 0);
	parses("redis://[::1]:6379/1", 0, "::1", 6379, NULL, NULL, NULL, 1);
	parses("redis://[fe80::1]", 0, "fe80::1", 6379, NULL, NULL, NULL, 0);
	parses("rediss://:s3cret@redis.example.com:6380", 1,
	    "redis.example.com", 6380, NULL, NULL, "s3cret", 0);
	parses("unix:/run/redis/redis.sock", 0, NULL, 0,
	    "/run/redis/redis.sock", NULL, NULL, 0);
	parses("unix:///run/redis.sock?db=3", 0, NULL, 0, "/run/redis.sock",
	    NULL, NULL, 3);

	refuses("http://redis:6379", "redis://");
	refuses("redis://", "host");
	refuses("redis://:s3cret@", "host");
	refuses("redis://h:0", "port");
	refuses("redis://h:65536", "port");
	refuses("redis://h:63x", "port");
	refuses("redis://h:", "port");
	refuses("redis://h/65536", "database");
	refuses("redis://h/x", "database");
	refuses("redis://h/1?x=s3cret", "query");
	refuses("redis://[::1", "]");
	refuses("redis://[::1]x", "port");
	refuses("redis://ho st", "host");
	refuses("redis://u:s3%zzret@h", "password");
	refuses("redis://u:s3%00cret@h", "password");
	refuses("redis://u:s3%2@h", "password");
	refuses("unix:relative.sock", "absolute");
	refuses("unix:/run/redis.sock?database=1", "db=");
	refuses("unix:/run/x y.sock", "visible");

	target("redis://u:s3cret@h:1/2", "h:1");
	target("redis://[::1]:7", "[::1]:7");
	target("unix:/tmp/r.sock", "unix:/tmp/r.sock");
	return tap_done();
}
