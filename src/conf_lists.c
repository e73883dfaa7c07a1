/*
 * conf_lists: the options that are lists of entries (API keys, agent
 * profiles, rate limits, CORS origins, trusted proxies, cookie keys):
 * splitting, checking and appending each entry, freeing the lists, and
 * the lookups of conf.h on them.  Pure.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "clientip.h"
#include "conf.h"
#include "conf_internal.h"
#include "ratelim.h"
#include "seal.h"
#include "util.h"

#define API_KEY_MIN	16

/*
 * Splits a comma-separated list, skipping empty entries, and hands each
 * to add(); errors of a list of several name the entry.
 */
int
conf_split_list(struct conf *c, const char *text,
    int (*add)(struct conf *, char *, char **), char **why)
{
	char *copy, *p, *e, *save = NULL, *msg;
	int n = 0, r = 0, several = strchr(text, ',') != NULL;

	copy = xstrdup(text);
	for (p = strtok_r(copy, ",", &save); p != NULL && r == 0;
	    p = strtok_r(NULL, ",", &save)) {
		if (*(e = conf_trim(p)) == '\0')
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
int
conf_api_key_add(struct conf *c, char *s, char **why)
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
	if (!conf_is_name(s, 1, NAME_MAX_LEN))
		*why = xstrdup("name must be 1-64 characters of A-Z a-z 0-9 "
		    "_ . -");
	else if (!conf_is_visible(key, API_KEY_MIN, CONF_API_KEY_MAX))
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
	r = conf_api_key_add(c, copy, why);
	free(copy);
	return r;
}

int
conf_parse_api_keys(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return conf_split_list(c, text, conf_api_key_add, why);
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

void
conf_free_api_keys(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->napi_keys; i++) {
		explicit_bzero(c->api_keys[i].key, CONF_API_KEY_MAX + 1);
		free(c->api_keys[i].key);
		free(c->api_keys[i].name);
	}
	free(c->api_keys);
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
		    conf_echo_len(s), s);
		return -1;
	}
	*eq = '\0';
	s = conf_trim(s);
	if (!conf_is_name(s, 1, NAME_MAX_LEN)) {
		*why = xasprintf("profile \"%.*s\" is not 1-64 characters of "
		    "A-Z a-z 0-9 _ . -", conf_echo_len(s), s);
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
		a = conf_trim(a);
		for (i = 0; i < p->nagents; i++)
			if (strcmp(p->agents[i], a) == 0)
				break;
		if (!conf_is_name(a, 1, NAME_MAX_LEN) || i < p->nagents) {
			*why = xasprintf("profile \"%s\": agent \"%.*s\" is %s",
			    p->name, conf_echo_len(a), a, i < p->nagents ?
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

int
conf_parse_profiles(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return conf_split_list(c, text, profile_add, why);
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
conf_free_profiles(struct conf *c)
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

int
conf_parse_rate_limits(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	(void)o;
	return conf_split_list(c, text, rate_limit_add, why);
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
		    "optional port, no path) or *", conf_echo_len(s), s);
		return -1;
	}
	for (i = 0; i < c->ncors_origins; i++) {
		if (strcmp(c->cors_origins[i], s) == 0) {
			*why = xasprintf("\"%.*s\" is listed twice",
			    conf_echo_len(s), s);
			return -1;
		}
	}
	c->cors_origins = xrealloc(c->cors_origins,
	    (c->ncors_origins + 1) * sizeof(*c->cors_origins));
	c->cors_origins[c->ncors_origins++] = xstrdup(s);
	return 0;
}

int
conf_parse_origins(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return conf_split_list(c, text, origin_add, why);
}

void
conf_free_origins(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->ncors_origins; i++)
		free(c->cors_origins[i]);
	free(c->cors_origins);
}

static int
proxy_add(struct conf *c, char *s, char **why)
{
	struct cidr b;
	const char *r;

	if (clientip_parse_cidr(s, &b, &r) == -1) {
		*why = xasprintf("\"%.*s\": %s", conf_echo_len(s), s, r);
		return -1;
	}
	c->trusted_proxies = xrealloc(c->trusted_proxies,
	    (c->ntrusted_proxies + 1) * sizeof(*c->trusted_proxies));
	c->trusted_proxies[c->ntrusted_proxies++] = b;
	return 0;
}

int
conf_parse_proxies(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	return conf_split_list(c, text, proxy_add, why);
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

int
conf_parse_cookie_keys(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	(void)o;
	return conf_split_list(c, text, cookie_key_add, why);
}
