/*
 * oidcprov: the provider's discovery document and keys, fetched through
 * upstream.c and cached, with the requests that wait for them (see
 * oidcprov.h).
 *
 * Waiters are served only from the loop: from a fetch's completion, or
 * from the "kick" event that oidcprov_load activates, so a handler never
 * sees its callback run inside its own call.  One fetch of each kind is
 * in flight at a time, however many requests wait for it.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conf.h"
#include "jwks.h"
#include "log.h"
#include "oidcprov.h"
#include "token.h"
#include "upstream.h"
#include "util.h"

#define WELL_KNOWN	"/.well-known/openid-configuration"

struct oidcprov_wait {
	struct oidcprov		*prov;
	enum oidcprov_need	 need;
	unsigned long		 gen;	/* JWKS fetches done when asked */
	oidcprov_fn		 fn;
	void			*arg;
	char			*err;	/* failed: why */
	TAILQ_ENTRY(oidcprov_wait) entry;
};

/* A POST or userinfo call, on upstream; on prov's list until it ends. */
struct oidcprov_call {
	struct oidcprov		*prov;
	struct up_call		*call;
	oidcprov_done_fn	 fn;
	void			*arg;
	int			 in_done;
	TAILQ_ENTRY(oidcprov_call) entry;
};

struct oidcprov {
	struct event_base	*base;
	struct upstream		*up;
	struct event		*kick;
	char			*issuer;	/* what the cache is of */
	struct oidc_discovery	 disc;
	uint64_t		 disc_at;	/* 0: none */
	struct token_keyset	*keys;
	uint64_t		 keys_at;
	uint64_t		 keys_tried_at;	/* last refresh for a kid */
	unsigned long		 jwks_done;
	struct up_call		*disc_call;
	struct up_call		*jwks_call;
	long			 timeout_ms;
	long			 connect_ms;
	TAILQ_HEAD(, oidcprov_wait) waiters;
	TAILQ_HEAD(, oidcprov_call) calls;
};

static void	pump(struct oidcprov *);

static int
fresh(uint64_t at)
{
	return at != 0 && util_mono_ms() - at < OIDCPROV_TTL_MS;
}

static void
kick(struct oidcprov *p)
{
	event_active(p->kick, EV_TIMEOUT, 0);
}

static void
kicked(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

struct oidcprov *
oidcprov_new(struct event_base *base, struct upstream *up)
{
	struct oidcprov *p;

	p = xcalloc(1, sizeof(*p));
	p->base = base;
	p->up = up;
	TAILQ_INIT(&p->waiters);
	TAILQ_INIT(&p->calls);
	if ((p->kick = event_new(base, -1, 0, kicked, p)) == NULL)
		fatal("event_new failed");
	return p;
}

/* Fails every waiter whose need includes the keys (or all of them). */
static void
fail_waiters(struct oidcprov *p, int keys_only, const char *why)
{
	struct oidcprov_wait *w;

	TAILQ_FOREACH(w, &p->waiters, entry)
		if (w->err == NULL && (!keys_only || w->need != OP_DISCOVERY))
			w->err = xstrdup(why);
	kick(p);
}

/* Drops the cache and the fetches in flight. */
static void
reset(struct oidcprov *p)
{
	upstream_cancel(p->disc_call);
	upstream_cancel(p->jwks_call);
	p->disc_call = p->jwks_call = NULL;
	oidc_discovery_clear(&p->disc);
	jwks_free(p->keys);
	p->keys = NULL;
	p->disc_at = p->keys_at = p->keys_tried_at = 0;
	FREE_AND_NULL(p->issuer);
}

static void
wait_free(struct oidcprov_wait *w)
{
	free(w->err);
	free(w);
}

void
oidcprov_free(struct oidcprov *p)
{
	struct oidcprov_wait *w;

	if (p == NULL)
		return;
	reset(p);
	while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
		TAILQ_REMOVE(&p->waiters, w, entry);
		wait_free(w);
	}
	while (!TAILQ_EMPTY(&p->calls))
		oidcprov_call_cancel(TAILQ_FIRST(&p->calls));
	event_free(p->kick);
	free(p);
}

/* Makes the cache conf's issuer's, dropping another's. */
static void
follow_conf(struct oidcprov *p, const struct conf *c)
{
	p->timeout_ms = (long)c->upstream_timeout_ms;
	p->connect_ms = (long)c->upstream_connect_timeout_ms;
	if (p->issuer != NULL && c->oidc_issuer != NULL &&
	    strcmp(p->issuer, c->oidc_issuer) == 0)
		return;
	reset(p);
	fail_waiters(p, 0, "the login configuration changed");
	if (c->oidc_issuer != NULL)
		p->issuer = xstrdup(c->oidc_issuer);
}

const struct oidc_discovery *
oidcprov_discovery(struct oidcprov *p, const struct conf *c)
{
	follow_conf(p, c);
	return fresh(p->disc_at) ? &p->disc : NULL;
}

const struct token_keyset *
oidcprov_keys(struct oidcprov *p, const struct conf *c)
{
	follow_conf(p, c);
	return fresh(p->disc_at) && fresh(p->keys_at) ? p->keys : NULL;
}

int
oidcprov_may_refresh(const struct oidcprov *p)
{
	return p->keys_tried_at == 0 ||
	    util_mono_ms() - p->keys_tried_at >= OIDCPROV_REFRESH_MIN_MS;
}

/* --- fetching --- */

/* A request to the provider under its timeouts, reading at most max. */
static void
request_init(const struct oidcprov *p, struct up_request *r,
    const char *method, const char *url, const char *const *hdrs, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->url = url;
	r->headers = hdrs;
	r->timeout_ms = p->timeout_ms;
	r->connect_timeout_ms = p->connect_ms;
	r->max_response = max;
	r->idempotent = strcmp(method, "GET") == 0;
}

static struct up_call *
get(struct oidcprov *p, const char *url, size_t max, up_done_fn fn)
{
	static const char *const hdrs[] = { "Accept: application/json",
	    NULL };
	struct up_request r;

	request_init(p, &r, "GET", url, hdrs, max);
	return upstream_start(p->up, &r, fn, p);
}

/* Says why a fetch's answer is unusable, or NULL for a 200. */
static char *
answer_problem(const char *what, const struct up_result *res)
{
	if (res->status != UP_OK)
		return xasprintf("cannot fetch the provider's %s: %s", what,
		    res->error != NULL ? res->error : "error");
	if (res->http_status != 200)
		return xasprintf("the provider's %s answered HTTP %ld", what,
		    res->http_status);
	return NULL;
}

static void
disc_done(void *arg, const struct up_result *res)
{
	struct oidcprov *p = arg;
	struct oidc_discovery d;
	char *why;

	p->disc_call = NULL;
	if ((why = answer_problem("discovery document", res)) == NULL &&
	    oidc_discovery_parse(res->body, res->bodylen, p->issuer, &d,
	    &why) == 0) {
		oidc_discovery_clear(&p->disc);
		p->disc = d;
		p->disc_at = util_mono_ms();
	} else {
		log_warn("OpenID Connect: %s", why);
		fail_waiters(p, 0, why);
		free(why);
	}
	pump(p);
}

static void
jwks_skipped(void *arg, size_t i, const char *kid, const char *why)
{
	(void)arg;
	log_info("OpenID Connect: provider key %zu (kid %.64s) skipped: %s",
	    i, kid != NULL ? kid : "none", why);
}

static void
jwks_done(void *arg, const struct up_result *res)
{
	struct oidcprov *p = arg;
	struct token_keyset *ks = NULL;
	char *why;

	p->jwks_call = NULL;
	p->jwks_done++;
	if ((why = answer_problem("JWKS", res)) == NULL &&
	    (ks = jwks_parse(res->body, res->bodylen, jwks_skipped, NULL,
	    &why)) != NULL) {
		jwks_free(p->keys);
		p->keys = ks;
		p->keys_at = util_mono_ms();
	} else {
		log_warn("OpenID Connect: %s", why);
		fail_waiters(p, 1, why);
		free(why);
	}
	pump(p);
}

/* --- waiters --- */

static int
satisfied(const struct oidcprov *p, const struct oidcprov_wait *w)
{
	if (!fresh(p->disc_at))
		return 0;
	switch (w->need) {
	case OP_DISCOVERY:
		return 1;
	case OP_KEYS:
		return fresh(p->keys_at);
	case OP_REFRESH_KEYS:
		return p->keys != NULL && p->jwks_done > w->gen;
	}
	return 0;
}

/* Starts the fetches that the waiters left need. */
static void
start_fetches(struct oidcprov *p)
{
	struct oidcprov_wait *w;
	char *url;
	size_t n;
	int keys = 0;

	if (TAILQ_EMPTY(&p->waiters) || p->issuer == NULL)
		return;
	if (!fresh(p->disc_at)) {
		if (p->disc_call == NULL) {
			n = strlen(p->issuer);
			while (n > 0 && p->issuer[n - 1] == '/')
				n--;
			url = xasprintf("%.*s%s", (int)n, p->issuer, WELL_KNOWN);
			p->disc_call = get(p, url, OIDC_DISCOVERY_MAX,
			    disc_done);
			free(url);
		}
		return;
	}
	TAILQ_FOREACH(w, &p->waiters, entry)
		if (w->err == NULL && w->need != OP_DISCOVERY &&
		    !satisfied(p, w))
			keys |= w->need == OP_REFRESH_KEYS ? 2 : 1;
	if (keys && p->jwks_call == NULL) {
		/* Only refreshes for an unknown kid count against the limit. */
		if (keys & 2)
			p->keys_tried_at = util_mono_ms();
		p->jwks_call = get(p, p->disc.jwks_uri, OIDCPROV_JWKS_MAX,
		    jwks_done);
	}
}

/* Serves every waiter that can be, one at a time: a callback may add
 * and cancel waiters. */
static void
pump(struct oidcprov *p)
{
	struct oidcprov_wait *w;

again:
	TAILQ_FOREACH(w, &p->waiters, entry) {
		if (w->err != NULL || satisfied(p, w)) {
			TAILQ_REMOVE(&p->waiters, w, entry);
			w->fn(w->arg, w->err);
			wait_free(w);
			goto again;
		}
	}
	start_fetches(p);
}

struct oidcprov_wait *
oidcprov_load(struct oidcprov *p, const struct conf *c,
    enum oidcprov_need need, oidcprov_fn fn, void *arg)
{
	struct oidcprov_wait *w;

	follow_conf(p, c);
	w = xcalloc(1, sizeof(*w));
	w->prov = p;
	w->need = need;
	w->gen = p->jwks_done;
	w->fn = fn;
	w->arg = arg;
	if (p->issuer == NULL)
		w->err = xstrdup("no OpenID Connect provider is configured");
	TAILQ_INSERT_TAIL(&p->waiters, w, entry);
	kick(p);
	return w;
}

void
oidcprov_cancel(struct oidcprov_wait *w)
{
	if (w == NULL)
		return;
	TAILQ_REMOVE(&w->prov->waiters, w, entry);
	wait_free(w);
}

/* --- calls for the handlers --- */

static void
call_done(void *arg, const struct up_result *res)
{
	struct oidcprov_call *c = arg;
	struct oidcprov_answer a;

	memset(&a, 0, sizeof(a));
	a.answered = res->status == UP_OK;
	a.http_status = res->http_status;
	a.body = res->body;
	a.bodylen = res->bodylen;
	a.error = a.answered ? NULL : res->error;
	TAILQ_REMOVE(&c->prov->calls, c, entry);
	c->call = NULL;
	c->in_done = 1;
	c->fn(c->arg, &a);
	free(c);
}

static struct oidcprov_call *
call_start(struct oidcprov *p, const struct up_request *r,
    oidcprov_done_fn fn, void *arg)
{
	struct oidcprov_call *c = xcalloc(1, sizeof(*c));

	c->prov = p;
	c->fn = fn;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&p->calls, c, entry);
	c->call = upstream_start(p->up, r, call_done, c);
	return c;
}

void
oidcprov_call_cancel(struct oidcprov_call *c)
{
	if (c == NULL || c->in_done)
		return;
	upstream_cancel(c->call);
	TAILQ_REMOVE(&c->prov->calls, c, entry);
	free(c);
}

struct oidcprov_call *
oidcprov_post(struct oidcprov *p, const struct conf *c, const char *url,
    const char *form, oidcprov_done_fn fn, void *arg)
{
	const char *hdrs[4];
	struct up_request r;
	struct oidcprov_call *call;
	char *basic;
	size_t n = 0;

	follow_conf(p, c);
	basic = oidc_basic_auth(c);
	hdrs[n++] = "Content-Type: application/x-www-form-urlencoded";
	hdrs[n++] = "Accept: application/json";
	if (basic != NULL)
		hdrs[n++] = basic;
	hdrs[n] = NULL;
	/* Not idempotent, so never resent: a code is good once. */
	request_init(p, &r, "POST", url, hdrs, OIDC_TOKEN_RESPONSE_MAX);
	r.body = form;
	r.bodylen = strlen(form);
	call = call_start(p, &r, fn, arg);
	if (basic != NULL) {
		explicit_bzero(basic, strlen(basic));
		free(basic);
	}
	return call;
}

struct oidcprov_call *
oidcprov_userinfo(struct oidcprov *p, const struct conf *c, const char *url,
    const char *access_token, oidcprov_done_fn fn, void *arg)
{
	const char *hdrs[3];
	struct up_request r;
	struct oidcprov_call *call;
	char *bearer;

	follow_conf(p, c);
	bearer = xasprintf("Authorization: Bearer %s", access_token);
	hdrs[0] = "Accept: application/json";
	hdrs[1] = bearer;
	hdrs[2] = NULL;
	request_init(p, &r, "GET", url, hdrs, OIDC_USERINFO_MAX);
	call = call_start(p, &r, fn, arg);
	explicit_bzero(bearer, strlen(bearer));
	free(bearer);
	return call;
}
