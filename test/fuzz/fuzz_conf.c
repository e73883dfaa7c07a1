/*
 * fuzz_conf: conf_load on a configuration file made from the input, with
 * a fixed environment.
 *
 * Input: one selector byte, then the file.
 *   bit 0  --dev defaults
 *   bit 1  the environment gives LIVEKIT_URL, _API_KEY and _API_SECRET
 *   bit 2  the environment gives LKGATE_API_KEYS
 * Inputs naming /dev, /proc, /sys or /run are skipped: a _file option
 * would read them, and a FIFO or a terminal would block the fuzzer.
 * Invariants: a configuration or an error, never both; a loaded one holds
 * what the rest of lkgate relies on (port, URLs, key lengths, ranges, key
 * and profile lookups); an error is one line without control characters
 * (a tab from a quoted value aside) and never quotes a secret
 * (livekit_api_secret, user_jwt_secret, the key part of api_keys) that the
 * file gives once.  Not checked: that an error is valid UTF-8.  A quoted
 * value is cut on a character boundary (conf_values.c), but the file's own
 * bytes are quoted as they are; the log escapes what is not UTF-8.
 */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "util.h"

static char path[64];		/* /proc/self/fd/N of a memfd */
static int fd = -1;
static int env_flags;

static const char *
fixed_env(void *arg, const char *name)
{
	static const char *const env[][2] = {
		{ "LIVEKIT_URL", "ws://lk.example:7880" },
		{ "LIVEKIT_API_KEY", "APIfuzzkey" },
		{ "LIVEKIT_API_SECRET", "fuzz-livekit-secret-0123456789" },
	};
	size_t i;

	(void)arg;
	if ((env_flags & 0x04) && strcmp(name, "LKGATE_API_KEYS") == 0)
		return "envapp:env-api-key-0123456789:app";
	for (i = 0; (env_flags & 0x02) && i < NELEM(env); i++)
		if (strcmp(name, env[i][0]) == 0)
			return env[i][1];
	return NULL;
}

/* The file lives in memory: a file system would make this target I/O
 * bound. */
static void
write_file(const uint8_t *data, size_t size)
{
	if (fd == -1) {
		log_set_level(LOG_ERROR);
		if ((fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
}

static int
names_special_file(const uint8_t *data, size_t size)
{
	static const char *const bad[] = { "/dev", "/proc", "/sys", "/run" };
	size_t i;

	for (i = 0; i < NELEM(bad); i++)
		if (memmem(data, size, bad[i], strlen(bad[i])) != NULL)
			return 1;
	return 0;
}

/* Checks that err does not quote value (when value is a secret the input
 * holds once, long enough not to be a word of the message). */
static void
check_not_echoed(const char *err, const uint8_t *data, size_t size,
    const char *value, size_t len)
{
	const uint8_t *p;

	if (len < 12 || (p = memmem(data, size, value, len)) == NULL ||
	    memmem(p + 1, size - (size_t)(p + 1 - data), value, len) != NULL)
		return;
	FUZZ_CHECK(memmem(err, strlen(err), value, len) == NULL);
}

/* Finds the secrets of each "key = value" line and checks err for them. */
static void
check_secrets(const char *err, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl, *v, *e;
	const char *k, *c;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((v = memchr(p, '=', (size_t)(nl - p))) == NULL)
			continue;
		for (v++; v < nl && (*v == ' ' || *v == '\t' || *v == '"');)
			v++;
		for (e = nl; e > v && strchr(" \t\r\"", e[-1]) != NULL;)
			e--;
		/* A *_file key's value is a path, which errors do name. */
		if (memmem(p, (size_t)(v - p), "_file", 5) != NULL)
			continue;
		if (memmem(p, (size_t)(v - p), "secret", 6) != NULL) {
			check_not_echoed(err, data, size, v, (size_t)(e - v));
			continue;
		}
		if (memmem(p, (size_t)(v - p), "api_keys", 8) == NULL)
			continue;
		/* name:key[:role], comma-separated */
		for (k = v; k < e; k = c + 1) {
			if ((c = memchr(k, ',', (size_t)(e - k))) == NULL)
				c = e;
			if ((k = memchr(k, ':', (size_t)(c - k))) == NULL)
				continue;
			k++;
			v = memchr(k, ':', (size_t)(c - k));
			check_not_echoed(err, data, size, k,
			    (size_t)((v != NULL ? v : c) - k));
		}
	}
}

static void
check_conf(const struct conf *c)
{
	size_t i, n;

	FUZZ_CHECK(c->listen_host != NULL && c->listen_port > 0 &&
	    c->listen_port < 65536);
	FUZZ_CHECK(c->livekit_url != NULL && c->livekit_api_key != NULL &&
	    c->livekit_api_secret != NULL && c->livekit_api_url != NULL);
	n = strlen(c->livekit_api_url);
	FUZZ_CHECK(n > 0 && c->livekit_api_url[n - 1] != '/');
	FUZZ_CHECK(strncmp(c->livekit_api_url, "http://", 7) == 0 ||
	    strncmp(c->livekit_api_url, "https://", 8) == 0);
	FUZZ_CHECK(c->token_ttl >= 60 && c->token_ttl <= 86400);
	FUZZ_CHECK(c->request_timeout_ms > c->upstream_timeout_ms);
	FUZZ_CHECK(c->room_prefix != NULL);
	for (i = 0; i < c->napi_keys; i++) {
		FUZZ_CHECK(c->api_keys[i].keylen >= 16 &&
		    c->api_keys[i].keylen <= CONF_API_KEY_MAX &&
		    strlen(c->api_keys[i].key) == c->api_keys[i].keylen);
		FUZZ_CHECK(conf_api_key_match(c, c->api_keys[i].key,
		    c->api_keys[i].keylen) == &c->api_keys[i]);
	}
	for (i = 0; i < c->nagent_profiles; i++) {
		FUZZ_CHECK(c->agent_profiles[i].nagents > 0);
		FUZZ_CHECK(conf_profile_by_name(c, c->agent_profiles[i].name) ==
		    &c->agent_profiles[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	char *err = NULL;
	const char *p;

	if (size < 1 || names_special_file(data + 1, size - 1))
		return 0;
	env_flags = data[0];
	write_file(data + 1, size - 1);
	c = conf_load(path, 1, data[0] & 0x01, fixed_env, NULL, &err);
	FUZZ_CHECK((c == NULL) != (err == NULL));
	if (c != NULL) {
		check_conf(c);
		conf_free(c);
		return 0;
	}
	FUZZ_CHECK(err[0] != '\0');
	/* A tab may come from a quoted value; nothing else below 0x20. */
	for (p = err; *p != '\0'; p++)
		FUZZ_CHECK(((unsigned char)*p >= 0x20 || *p == '\t') &&
		    *p != 0x7f);
	check_secrets(err, data + 1, size - 1);
	free(err);
	return 0;
}
