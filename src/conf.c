/*
 * conf: the engine of lkgate's configuration: conf_load() and its order,
 * the checks across options, conf_free(), and what a reload may change.
 *
 * Loading has two steps.  First every value is staged as text together
 * with where it came from (conf_stage.c), the environment replacing what
 * the file said.  Then each option of the table (conf_table.c) is parsed
 * from its staged text, or from its default, so that an error names the
 * place the operator has to fix; derived values and the checks across
 * options come last.  Values of secrets are never echoed.
 *
 * The top of the conf files: it calls the staging, the table and the
 * parsers, and none of them calls it.  include/conf_internal.h is what
 * they share.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "jwks.h"
#include "log.h"
#include "redisurl.h"
#include "seal.h"
#include "token.h"
#include "util.h"
#include "validate.h"

/* Parses option i from its staged values, else from its default. */
static int
apply_option(const struct stage *stages, size_t i, struct conf *c,
    char **err)
{
	const struct conf_opt *o = &conf_options[i];
	const struct stage *st = &stages[i];
	const char *def;
	char *why = NULL;
	size_t j;

	if (st->n == 0) {
		def = c->dev && o->devdef != NULL ? o->devdef : o->def;
		if (def == NULL)
			return 0;
		if (conf_opt_types[o->type].parse(o, c, def, &why) == -1)
			fatal("conf: bad default for %s: %s", o->key, why);
		return 0;
	}
	for (j = 0; j < st->n; j++) {
		if (conf_opt_types[o->type].parse(o, c, st->items[j].text,
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

	for (i = 0; i < conf_nopts; i++) {
		o = &conf_options[i];
		if (!(o->flags & OPT_REQUIRED) ||
		    *conf_str_at(c, o->off) != NULL)
			continue;
		if ((pi = conf_opt_partner(i)) == -1)
			*err = xasprintf("%s is required (set %s or %s)",
			    o->key, o->env, o->key);
		else {
			p = &conf_options[pi];
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
 * The guest key signs credentials that only lkgate issues: it may be
 * neither the LiveKit secret nor the user JWT secret, or one kind of
 * token would pass for another.  Unset, main.c supplies a random one.
 */
static int
build_guest_keys(struct conf *c, char **err)
{
	if (c->guest_key == NULL)
		return 0;
	if ((c->livekit_api_secret != NULL &&
	    strcmp(c->guest_key, c->livekit_api_secret) == 0) ||
	    (c->user_jwt_secret != NULL &&
	    strcmp(c->guest_key, c->user_jwt_secret) == 0)) {
		*err = xstrdup("guest_key must differ from the LiveKit API "
		    "secret and from user_jwt_secret");
		return -1;
	}
	conf_set_guest_key(c, c->guest_key, strlen(c->guest_key));
	return 0;
}

void
conf_set_guest_key(struct conf *c, const void *key, size_t len)
{
	jwks_free(c->guest_keys);
	c->guest_keys = NULL;
	jwks_add_secret(&c->guest_keys, key, len);
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
	if (!valid_secure_url(c->oidc_issuer)) {
		*err = xstrdup("oidc_issuer must be an https URL (plain http "
		    "only to a loopback host, for development)");
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

/* The URL is parsed again when connecting; here only its errors count.
 * rediss:// reads its certificates and key now, so that -n finds what is
 * wrong with them; the TLS options mean nothing without it. */
static int
check_redis(const struct conf *c, char **err)
{
	struct redis_url u;
	char *why = NULL;
	int r = 0;

	if (c->redis_url == NULL && c->redis_password != NULL) {
		*err = xstrdup("redis_password needs redis_url");
		return -1;
	}
	if (c->redis_url == NULL)
		memset(&u, 0, sizeof(u));
	else if (redisurl_parse(c->redis_url, &u, &why) == -1) {
		*err = xasprintf("redis_url: %s", why);
		free(why);
		return -1;
	}
	if (u.tls)
		r = conf_check_redis_tls(c, u.host, err);
	else if (c->redis_tls_ca_file != NULL ||
	    c->redis_tls_cert_file != NULL || c->redis_tls_key_file != NULL ||
	    c->redis_tls_server_name != NULL) {
		*err = xstrdup("redis_tls_ca_file, redis_tls_cert_file, "
		    "redis_tls_key_file and redis_tls_server_name need a "
		    "rediss:// redis_url");
		r = -1;
	}
	redisurl_clear(&u);
	return r;
}

/* The names h_rooms.c gives rooms it names itself. */
#define GENERATED_ROOM_PREFIX "room-"

/* 1 when one of a and b is a prefix of the other. */
static int
prefixes_overlap(const char *a, const char *b)
{
	return strncmp(a, b, strlen(a)) == 0 || strncmp(b, a, strlen(b)) == 0;
}

/*
 * The session routes take an app key, which is public: the rooms their
 * prefix can name must be sessions' only.  An empty prefix names every
 * room; one that overlaps "room-" names the rooms users create, one that
 * overlaps channel_prefix the voice-chat channels.  (Session and channel
 * metadata are checked as well: this keeps the names apart too.)
 */
static int
check_prefixes(const struct conf *c, char **err)
{
	const char *a = c->room_prefix, *b = GENERATED_ROOM_PREFIX;
	const char *ch = c->channel_prefix;

	if (a == NULL || *a == '\0') {
		*err = xstrdup("room_prefix must not be empty: session routes "
		    "would then name every room");
		return -1;
	}
	if (ch == NULL || *ch == '\0') {
		*err = xstrdup("channel_prefix must not be empty: channel "
		    "routes would then name every room");
		return -1;
	}
	if (prefixes_overlap(a, b)) {
		*err = xasprintf("room_prefix (%s) must not overlap %s, the "
		    "prefix of the room names lkgate generates: one is a "
		    "prefix of the other", a, b);
		return -1;
	}
	if (prefixes_overlap(ch, b)) {
		*err = xasprintf("channel_prefix (%s) must not overlap %s, the "
		    "prefix of the room names lkgate generates: one is a "
		    "prefix of the other", ch, b);
		return -1;
	}
	if (prefixes_overlap(a, ch)) {
		*err = xasprintf("room_prefix (%s) and channel_prefix (%s) "
		    "must not be prefixes of each other", a, ch);
		return -1;
	}
	return 0;
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
	struct stage *stages;
	struct conf *c = NULL;
	size_t i;
	int r = -1;

	stages = xcalloc(conf_nopts, sizeof(*stages));
	*err = NULL;
	if (path != NULL &&
	    conf_stage_file(stages, path, must_exist, err) == -1)
		goto out;
	if (getenv_fn != NULL &&
	    conf_stage_env(stages, getenv_fn, envarg, err) == -1)
		goto out;
	c = xcalloc(1, sizeof(*c));
	c->dev = dev != 0;
	for (i = 0; i < conf_nopts; i++)
		if (apply_option(stages, i, c, err) == -1)
			goto out;
	derive_api_url(c);
	if (check_required(c, err) == -1 || check_timeouts(c, err) == -1 ||
	    check_prefixes(c, err) == -1 || check_oidc(c, err) == -1 ||
	    check_redis(c, err) == -1 || build_user_keys(c, err) == -1 ||
	    build_guest_keys(c, err) == -1)
		goto out;
	/* check_required made sure of the LiveKit key and secret. */
	c->livekit_signer = token_signer_new(c->livekit_api_key,
	    c->livekit_api_secret, strlen(c->livekit_api_secret));
	r = 0;
out:
	for (i = 0; i < conf_nopts; i++)
		conf_stage_clear(&stages[i]);
	free(stages);
	if (r == -1) {
		conf_free(c);
		c = NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < conf_nopts; i++) {
		switch (conf_options[i].type) {
		case OPT_INT:
		case OPT_BOOL:
		case OPT_SECRET_FILE:	/* its partner owns the field */
		case OPT_API_KEYS_FILE:
			break;
		case OPT_API_KEYS:
			conf_free_api_keys(c);
			break;
		case OPT_PROFILES:
			conf_free_profiles(c);
			break;
		case OPT_RATE_LIMITS:	/* an array inside struct conf */
			break;
		case OPT_ORIGINS:
			conf_free_origins(c);
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
			conf_str_set(c, conf_options[i].off, NULL);
			break;
		}
	}
	token_signer_free(c->livekit_signer);
	jwks_free(c->guest_keys);
	free(c->listen_host);
	free(c);
}


/* The text of a start-up-only option's value, in buf when a number. */
static const char *
restart_value(const struct conf_opt *o, const struct conf *c, char *buf,
    size_t len)
{
	const char *p = (const char *)c + o->off;
	const char *s;

	if (o->type == OPT_INT || o->type == OPT_BOOL) {
		snprintf(buf, len, "%lld", *(const long long *)(const void *)p);
		return buf;
	}
	memcpy(&s, p, sizeof(s));
	return s != NULL ? s : "";
}

void
conf_foreach_restart_change(const struct conf *running,
    const struct conf *loaded, void (*fn)(void *arg, const char *key,
    const char *kept), void *arg)
{
	char was[32], now[32];
	const char *a;
	size_t i;

	for (i = 0; i < conf_nopts; i++) {
		/* A _FILE row fills its partner's field: one setting, one
		 * warning. */
		if (!(conf_options[i].flags & OPT_RESTART) ||
		    conf_options[i].type == OPT_SECRET_FILE)
			continue;
		a = restart_value(&conf_options[i], running, was, sizeof(was));
		if (strcmp(a, restart_value(&conf_options[i], loaded, now,
		    sizeof(now))) == 0)
			continue;
		/* A secret (a password, a URL that may hold one) is never
		 * shown, not even to the log. */
		fn(arg, conf_options[i].key,
		    conf_options[i].type == OPT_SECRET ? "[redacted]" : a);
	}
}
