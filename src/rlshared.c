/*
 * rlshared: shared rate-limit buckets on Redis through hiredis's async
 * API on libevent (see include/rlshared.h).
 *
 * The connection is in one of three states.  DOWN: no connection, a
 * reconnect timer pending; requests are decided locally.  CONNECTING: the
 * host being resolved or the socket opened, with AUTH, SELECT and SCRIPT
 * LOAD queued behind the connect; still local, bounded by the handshake
 * timer.  UP: the script's SHA is known and every request sends one
 * EVALSHA.
 *
 * An operation is owned by two parties: its caller, until the verdict
 * was given (fn called) or the caller cancelled, and hiredis, until it
 * called our reply callback (it always does, with NULL when the context
 * goes away).  It is freed when neither holds it any more.  Operations
 * whose caller waits are in a queue in the order sent; as they all have
 * the same timeout, one timer on the oldest enforces every deadline.
 *
 * hiredis frees a context itself when the connection fails or drops (the
 * connect or disconnect callback, or a reply callback with NULL, tells of
 * it); we free it only when we give up on it (a missed deadline, an
 * error reply, the handshake's timeout).  rs->ac is cleared before
 * either, so a late callback of an old context is recognised and
 * ignored.
 *
 * rediss://: hiredis connects to the Unix socket of the TLS bridge
 * (redistls), told first which address to relay the connection to; the
 * bridge closes a connection it cannot relay, and the reason it gives
 * replaces "connection lost" in the log.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "redistls.h"
#include "redisurl.h"
#include "rlshared.h"
#include "util.h"

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define HANDSHAKE_MIN_MS	1000	/* connect, AUTH, SELECT, SCRIPT LOAD */
#define KEY_PREFIX		"lkgate:rl:"
#define SHA_LEN			40
#define REASON_MAX		200	/* bytes of a Redis error logged */

/*
 * The token bucket of ratelim.c in integers exact in a double: a token
 * is period units, a full bucket count * period units (at most 8.64e13),
 * and every millisecond adds count units.  Redis's clock is the one clock
 * of the fleet.  KEYS[1] the bucket; ARGV count, period in ms, and the
 * limit as text (a bucket filled under another limit starts full, as in
 * ratelim.c).  A full bucket is deleted, a partial one expires when it
 * would be full: Redis holds only buckets in use.  Returns {allowed,
 * whole tokens left, ms until full, ms until a token (refused only)}.
 */
static const char script[] =
	"pcall(redis.replicate_commands)\n"
	"local count, period = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local full = count * period\n"
	"local s = redis.call('HMGET', KEYS[1], 'u', 't', 'l')\n"
	"local units = full\n"
	"if s[3] == ARGV[3] then\n"
	"  units = tonumber(s[1])\n"
	"  local last = tonumber(s[2])\n"
	"  if now > last then\n"
	"    units = math.min(full, units + (now - last) * count)\n"
	"  else\n"
	"    now = last\n"
	"  end\n"
	"end\n"
	"local allowed = 0\n"
	"if units >= period then\n"
	"  units = units - period\n"
	"  allowed = 1\n"
	"end\n"
	"local reset = math.ceil((full - units) / count)\n"
	"local retry = 0\n"
	"if allowed == 0 then retry = math.ceil((period - units) / count) end\n"
	"if reset > 0 then\n"
	"  redis.call('HSET', KEYS[1], 'u', units, 't', now, 'l', ARGV[3])\n"
	"  redis.call('PEXPIRE', KEYS[1], reset)\n"
	"else\n"
	"  redis.call('DEL', KEYS[1])\n"
	"end\n"
	"return {allowed, math.floor(units / period), reset, retry}\n";

enum rls_state { RLS_DOWN, RLS_CONNECTING, RLS_UP };

struct rlshared_op {
	struct rlshared		*rs;
	TAILQ_ENTRY(rlshared_op) entry;	/* in waiting while fn is set */
	rlshared_fn		 fn;	/* NULL once answered or cancelled */
	void			*arg;
	int			 in_redis; /* hiredis owes a callback */
	uint64_t		 deadline_ms;
	struct ratelim		*local;
	unsigned int		 cls;
	struct rl_limit		 lim;
	char			*rkey;	/* the Redis key */
	const char		*key;	/* the caller's key, inside rkey */
	char			 limtext[24];
};

struct rlshared {
	struct event_base	*base;
	struct metrics		*metrics;
	struct redis_url	 url;
	char			*target;	/* for logs: no credentials */
	uint64_t		 timeout_ms;
	size_t			 max_waiting;
	enum rls_state		 state;
	int			 down_logged;	/* until it is back */
	int			 ever_up;
	int			 freeing;
	redisAsyncContext	*ac;
	struct evdns_base	*dns;
	struct evdns_getaddrinfo_request *dnsreq;
	int			 resolving;
	struct event		*retry;		/* reconnects */
	struct event		*handshake;	/* gives up a handshake */
	struct event		*op_timer;	/* the oldest op's deadline */
	uint32_t		 backoff_ms;
	char			 sha[SHA_LEN + 1];
	TAILQ_HEAD(, rlshared_op) waiting;
	size_t			 nwaiting;
	struct redistls		*tls;		/* rediss://: the bridge */
};

static void	rls_down(struct rlshared *, const char *reason, int free_ac);
static void	rls_confirmed(struct rlshared *);

/* The time a connection has to answer its handshake. */
static uint64_t
handshake_ms(const struct rlshared *rs)
{
	return rs->timeout_ms > HANDSHAKE_MIN_MS ? rs->timeout_ms :
	    HANDSHAKE_MIN_MS;
}

/* Why hiredis lost its connection: over TLS, the bridge may know. */
static const char *
lost_reason(const struct rlshared *rs)
{
	if (rs->tls != NULL && *redistls_error(rs->tls) != '\0')
		return redistls_error(rs->tls);
	return "connection lost";
}

static void
arm(struct event *ev, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (evtimer_add(ev, &tv) == -1)
		fatal("evtimer_add failed");
}

/* --- operations --- */

static void
op_free(struct rlshared_op *op)
{
	free(op->rkey);
	free(op);
}

/* Gives the caller its verdict; the op is not the caller's any more. */
static void
op_answer(struct rlshared_op *op, const struct rl_verdict *v)
{
	struct rlshared *rs = op->rs;
	rlshared_fn fn = op->fn;
	void *arg = op->arg;

	TAILQ_REMOVE(&rs->waiting, op, entry);
	rs->nwaiting--;
	op->fn = NULL;
	if (!op->in_redis)
		op_free(op);
	fn(arg, v);
}

static void
op_fallback(struct rlshared_op *op)
{
	struct rl_verdict v;

	ratelim_take(op->local, op->cls, op->key, &op->lim, util_mono_ms(),
	    &v);
	metrics_inc(op->rs->metrics, MC_REDIS_FALLBACKS);
	op_answer(op, &v);
}

static void	on_reply(redisAsyncContext *, void *, void *);

/* Sends the step: EVALSHA, or EVAL with the script itself (which Redis
 * then keeps, so EVALSHA works again). */
static int
op_send(struct rlshared_op *op, int with_script)
{
	struct rlshared *rs = op->rs;
	const char *argv[7];
	size_t lens[7], i;
	char count[12], period[12];

	snprintf(count, sizeof(count), "%u", op->lim.count);
	snprintf(period, sizeof(period), "%u", op->lim.period_ms);
	snprintf(op->limtext, sizeof(op->limtext), "%s/%s", count, period);
	argv[0] = with_script ? "EVAL" : "EVALSHA";
	argv[1] = with_script ? script : rs->sha;
	argv[2] = "1";
	argv[3] = op->rkey;
	argv[4] = count;
	argv[5] = period;
	argv[6] = op->limtext;
	for (i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	if (rs->ac == NULL || redisAsyncCommandArgv(rs->ac, on_reply, op, 7,
	    argv, lens) != REDIS_OK)
		return -1;
	op->in_redis = 1;
	return 0;
}

/* Reads the script's answer; -1 when it is not four integers. */
static int
parse_verdict(const redisReply *r, const struct rlshared_op *op,
    struct rl_verdict *v)
{
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER ||
		    r->element[i]->integer < 0 ||
		    r->element[i]->integer > UINT32_MAX)
			return -1;
	memset(v, 0, sizeof(*v));
	v->allowed = r->element[0]->integer == 1;
	v->limit = op->lim.count;
	v->remaining = (uint32_t)r->element[1]->integer;
	v->reset_s = (uint32_t)((r->element[2]->integer + 999) / 1000);
	if (!v->allowed) {
		v->retry_after_s =
		    (uint32_t)((r->element[3]->integer + 999) / 1000);
		if (v->retry_after_s == 0)
			v->retry_after_s = 1;
	}
	return 0;
}

static void
on_reply(redisAsyncContext *ac, void *r, void *priv)
{
	struct rlshared_op *op = priv;
	struct rlshared *rs = op->rs;
	const redisReply *reply = r;
	struct rl_verdict v;
	char *why;

	op->in_redis = 0;
	if (op->fn == NULL) {	/* cancelled, or answered locally */
		op_free(op);
		return;
	}
	if (reply == NULL) {		/* the context is going away */
		metrics_inc(rs->metrics, MC_REDIS_ERRORS);
		op_fallback(op);
		if (rs->ac == ac) {
			rs->ac = NULL;
			rls_down(rs, lost_reason(rs), 0);
		}
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0 && rs->ac == ac &&
	    op_send(op, 1) == 0)
		return;
	if (parse_verdict(reply, op, &v) == 0) {
		rls_confirmed(rs);
		op_answer(op, &v);
		return;
	}
	metrics_inc(rs->metrics, MC_REDIS_ERRORS);
	why = xasprintf("unexpected answer to the rate-limit script: %.*s",
	    REASON_MAX, reply->type == REDIS_REPLY_ERROR ||
	    reply->type == REDIS_REPLY_STATUS ? reply->str : "(not a verdict)");
	op_fallback(op);
	if (rs->ac == ac)
		rls_down(rs, why, 1);
	free(why);
}

/* The oldest operation's deadline: Redis is too slow, give up on it. */
static void
op_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct rlshared *rs = arg;
	struct rlshared_op *op = TAILQ_FIRST(&rs->waiting);
	uint64_t now = util_mono_ms();
	char *why;

	(void)fd;
	(void)what;
	if (op == NULL)
		return;
	if (op->deadline_ms > now) {
		arm(rs->op_timer, op->deadline_ms - now);
		return;
	}
	metrics_inc(rs->metrics, MC_REDIS_ERRORS);
	why = xasprintf("no answer within %llu ms",
	    (unsigned long long)rs->timeout_ms);
	rls_down(rs, why, 1);
	free(why);
}

/* --- the connection --- */

/*
 * The handshake went through: requests go to Redis again.  Redis counts
 * as back only once the script answered (rls_confirmed), so that one
 * that loads the script but refuses to run it (a read-only replica, out
 * of memory) is not announced, and retried with a growing backoff, at
 * every reconnect.
 */
static void
rls_up(struct rlshared *rs)
{
	event_del(rs->handshake);
	rs->state = RLS_UP;
	metrics_gauge_set(rs->metrics, MG_REDIS_UP, 1);
	if (!rs->down_logged && !rs->ever_up)
		log_info("redis %s connected; rate limits are shared",
		    rs->target);
	rs->ever_up = 1;
}

/* A verdict came from Redis: it is back, if it was away. */
static void
rls_confirmed(struct rlshared *rs)
{
	if (rs->down_logged)
		log_warn("redis %s answers again; rate limits are shared "
		    "again", rs->target);
	rs->down_logged = 0;
	rs->backoff_ms = BACKOFF_MIN_MS;
}

/*
 * Gives up on the connection: waiting requests are decided locally, the
 * context freed (unless hiredis is freeing it: free_ac 0), a reconnect
 * scheduled.  Logged once until Redis is back.
 */
static void
rls_down(struct rlshared *rs, const char *reason, int free_ac)
{
	redisAsyncContext *ac = rs->ac;
	struct evdns_getaddrinfo_request *req = rs->dnsreq;
	struct rlshared_op *op;

	rs->ac = NULL;
	rs->dnsreq = NULL;
	rs->state = RLS_DOWN;
	metrics_gauge_set(rs->metrics, MG_REDIS_UP, 0);
	event_del(rs->handshake);
	if (req != NULL)
		evdns_getaddrinfo_cancel(req);
	if (!rs->down_logged && !rs->freeing) {
		log_warn("redis %s: %s; rate limits are per instance until "
		    "it answers again", rs->target, reason);
		rs->down_logged = 1;
	} else
		log_debug("redis %s: %s", rs->target, reason);
	while ((op = TAILQ_FIRST(&rs->waiting)) != NULL)
		op_fallback(op);
	if (ac != NULL && free_ac)
		redisAsyncFree(ac);
	if (rs->freeing)
		return;
	arm(rs->retry, rs->backoff_ms);
	rs->backoff_ms = rs->backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS : rs->backoff_ms * 2;
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct rlshared *rs = ac->data;
	char *why;

	if (status == REDIS_OK || rs == NULL || rs->ac != ac)
		return;
	/* hiredis frees the context after this callback. */
	why = xasprintf("cannot connect: %s", ac->errstr);
	rs->ac = NULL;
	rls_down(rs, why, 0);
	free(why);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct rlshared *rs = ac->data;

	(void)status;
	if (rs == NULL || rs->ac != ac)
		return;
	rs->ac = NULL;
	rls_down(rs, lost_reason(rs), 0);
}

/* AUTH, SELECT and SCRIPT LOAD; privdata names the step. */
static void
on_handshake(redisAsyncContext *ac, void *r, void *priv)
{
	struct rlshared *rs = ac->data;
	const redisReply *reply = r;
	const char *step = priv;
	char *why;

	if (rs == NULL || rs->ac != ac)
		return;
	if (reply == NULL) {
		rs->ac = NULL;
		rls_down(rs, lost_reason(rs), 0);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		why = xasprintf("%s refused: %.*s", step, REASON_MAX,
		    reply->str);
		rls_down(rs, why, 1);
		free(why);
		return;
	}
	if (strcmp(step, "SCRIPT LOAD") != 0)
		return;
	if (reply->type != REDIS_REPLY_STRING || reply->len != SHA_LEN) {
		rls_down(rs, "SCRIPT LOAD answered no SHA", 1);
		return;
	}
	memcpy(rs->sha, reply->str, SHA_LEN);
	rs->sha[SHA_LEN] = '\0';
	rls_up(rs);
}

/* Queued behind the connect, answered in order. */
static int
send_handshake(struct rlshared *rs)
{
	char db[12];
	int r = REDIS_OK;

	if (rs->url.password != NULL && rs->url.user != NULL)
		r = redisAsyncCommand(rs->ac, on_handshake, "AUTH",
		    "AUTH %s %s", rs->url.user, rs->url.password);
	else if (rs->url.password != NULL)
		r = redisAsyncCommand(rs->ac, on_handshake, "AUTH",
		    "AUTH %s", rs->url.password);
	if (r == REDIS_OK && rs->url.db != 0) {
		snprintf(db, sizeof(db), "%d", rs->url.db);
		r = redisAsyncCommand(rs->ac, on_handshake, "SELECT",
		    "SELECT %s", db);
	}
	if (r == REDIS_OK)
		r = redisAsyncCommand(rs->ac, on_handshake, "SCRIPT LOAD",
		    "SCRIPT LOAD %s", script);
	return r == REDIS_OK ? 0 : -1;
}

/* Opens the connection to ip (NULL: the Unix socket); over TLS, to the
 * bridge, which relays it to ip. */
static void
rls_open(struct rlshared *rs, const char *ip)
{
	redisAsyncContext *ac;
	char *why;

	if (rs->tls != NULL) {
		if (redistls_target(rs->tls, ip, rs->url.port) == -1) {
			rls_down(rs, "resolved to an unusable address", 0);
			return;
		}
		ac = redisAsyncConnectUnix(redistls_path(rs->tls));
	} else if (ip != NULL)
		ac = redisAsyncConnect(ip, rs->url.port);
	else
		ac = redisAsyncConnectUnix(rs->url.path);
	if (ac == NULL)
		fatal("redisAsyncConnect: out of memory");
	if (ac->err) {
		why = xasprintf("cannot connect: %s", ac->errstr);
		redisAsyncFree(ac);
		rls_down(rs, why, 0);
		free(why);
		return;
	}
	ac->data = rs;
	if (redisLibeventAttach(ac, rs->base) != REDIS_OK)
		fatal("redisLibeventAttach failed");
	if (redisAsyncSetConnectCallback(ac, on_connect) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, on_disconnect) != REDIS_OK)
		fatal("hiredis refused a callback");
	rs->ac = ac;
	if (send_handshake(rs) == -1)
		rls_down(rs, "cannot queue the handshake", 1);
}

static void
on_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct rlshared *rs = arg;
	char ip[INET6_ADDRSTRLEN], *why;
	const void *a;

	rs->resolving = 0;
	rs->dnsreq = NULL;
	if (err == EVUTIL_EAI_CANCEL) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	if (err != 0 || ai == NULL) {
		why = xasprintf("cannot resolve %s: %s", rs->url.host,
		    evutil_gai_strerror(err));
		rls_down(rs, why, 0);
		free(why);
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	if (ai->ai_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)
		    ai->ai_addr)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)(const void *)
		    ai->ai_addr)->sin_addr;
	if (evutil_inet_ntop(ai->ai_family, a, ip, sizeof(ip)) == NULL) {
		evutil_freeaddrinfo(ai);
		rls_down(rs, "resolved to an unusable address", 0);
		return;
	}
	evutil_freeaddrinfo(ai);
	rls_open(rs, ip);
}

static int
is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* The reconnect timer: resolves the host (never blocking), then opens. */
static void
rls_connect(evutil_socket_t fd, short what, void *arg)
{
	struct rlshared *rs = arg;
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *req;

	(void)fd;
	(void)what;
	rs->state = RLS_CONNECTING;
	arm(rs->handshake, handshake_ms(rs));
	if (rs->url.path != NULL || is_numeric(rs->url.host)) {
		rls_open(rs, rs->url.path != NULL ? NULL : rs->url.host);
		return;
	}
	if (rs->dns == NULL) {
		rls_down(rs, "no DNS resolver", 0);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* The callback may run before this returns. */
	rs->resolving = 1;
	req = evdns_getaddrinfo(rs->dns, rs->url.host, NULL, &hints,
	    on_resolved, rs);
	if (rs->resolving)
		rs->dnsreq = req;
}

static void
handshake_expired(evutil_socket_t fd, short what, void *arg)
{
	struct rlshared *rs = arg;

	(void)fd;
	(void)what;
	metrics_inc(rs->metrics, MC_REDIS_ERRORS);
	rls_down(rs, "no answer to the connection handshake", 1);
}

/* --- the API --- */

/*
 * rediss://: the bridge, with the handshake's time less a quarter for the
 * TCP connect and the TLS handshake, so that a server that does not
 * answer them is told as such before the whole handshake expires.
 */
static void
rls_tls_setup(struct rlshared *rs, const struct conf *c)
{
	struct redistls_params p;
	char *err;

	memset(&p, 0, sizeof(p));
	p.ca_file = c->redis_tls_ca_file;
	p.cert_file = c->redis_tls_cert_file;
	p.key_file = c->redis_tls_key_file;
	p.server_name = c->redis_tls_server_name != NULL ?
	    c->redis_tls_server_name : rs->url.host;
	p.timeout_ms = handshake_ms(rs) - handshake_ms(rs) / 4;
	if ((rs->tls = redistls_new(rs->base, &p, &err)) == NULL)
		fatal("redis: %s", err);	/* conf_load read the files */
}

struct rlshared *
rlshared_new(struct event_base *base, const struct conf *c,
    struct metrics *m)
{
	struct rlshared *rs;
	char *why = NULL;

	if (c->redis_url == NULL)
		return NULL;
	rs = xcalloc(1, sizeof(*rs));
	if (redisurl_parse(c->redis_url, &rs->url, &why) == -1)
		fatal("redis_url: %s", why);	/* conf_load checked it */
	/* A password of its own (or its file) wins over the URL's. */
	if (c->redis_password != NULL) {
		if (rs->url.password != NULL)
			explicit_bzero(rs->url.password,
			    strlen(rs->url.password));
		free(rs->url.password);
		rs->url.password = xstrdup(c->redis_password);
	}
	rs->base = base;
	rs->metrics = m;
	rs->target = redisurl_target(&rs->url);
	rs->timeout_ms = (uint64_t)c->redis_timeout_ms;
	rs->max_waiting = (size_t)c->max_inflight;
	rs->backoff_ms = BACKOFF_MIN_MS;
	TAILQ_INIT(&rs->waiting);
	if (rs->url.tls)
		rls_tls_setup(rs, c);
	if (rs->url.host != NULL && !is_numeric(rs->url.host) &&
	    (rs->dns = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)
		log_warn("redis: no DNS resolver for %s", rs->url.host);
	if ((rs->retry = evtimer_new(base, rls_connect, rs)) == NULL ||
	    (rs->handshake = evtimer_new(base, handshake_expired, rs)) ==
	    NULL ||
	    (rs->op_timer = evtimer_new(base, op_timer_fired, rs)) == NULL)
		fatal("evtimer_new failed");
	arm(rs->retry, 0);
	return rs;
}

void
rlshared_free(struct rlshared *rs)
{
	if (rs == NULL)
		return;
	rs->freeing = 1;
	rls_down(rs, "shutting down", 1);
	event_free(rs->retry);
	event_free(rs->handshake);
	event_free(rs->op_timer);
	if (rs->dns != NULL)
		evdns_base_free(rs->dns, 0);
	redistls_free(rs->tls);
	redisurl_clear(&rs->url);
	free(rs->target);
	free(rs);
}

int
rlshared_take(struct rlshared *rs, struct ratelim *local, unsigned int cls,
    const char *key, const struct rl_limit *lim, uint64_t now_ms,
    struct rl_verdict *v, rlshared_fn fn, void *arg,
    struct rlshared_op **opp)
{
	struct rlshared_op *op;
	size_t skip;

	*opp = NULL;
	if (rs == NULL || lim->count == 0) {
		ratelim_take(local, cls, key, lim, now_ms, v);
		return 0;
	}
	if (rs->state != RLS_UP || rs->nwaiting >= rs->max_waiting)
		goto local;
	op = xcalloc(1, sizeof(*op));
	op->rs = rs;
	op->local = local;
	op->cls = cls;
	op->lim = *lim;
	op->rkey = xasprintf(KEY_PREFIX "%s:%s", ratelim_class_name(cls),
	    key);
	skip = strlen(KEY_PREFIX) + strlen(ratelim_class_name(cls)) + 1;
	op->key = op->rkey + skip;
	if (op_send(op, 0) == -1) {
		op_free(op);
		goto local;
	}
	op->fn = fn;
	op->arg = arg;
	op->deadline_ms = util_mono_ms() + rs->timeout_ms;
	TAILQ_INSERT_TAIL(&rs->waiting, op, entry);
	rs->nwaiting++;
	if (!evtimer_pending(rs->op_timer, NULL))
		arm(rs->op_timer, rs->timeout_ms);
	*opp = op;
	return 1;
local:
	ratelim_take(local, cls, key, lim, now_ms, v);
	metrics_inc(rs->metrics, MC_REDIS_FALLBACKS);
	return 0;
}

void
rlshared_cancel(struct rlshared_op *op)
{
	if (op == NULL || op->fn == NULL)
		return;
	TAILQ_REMOVE(&op->rs->waiting, op, entry);
	op->rs->nwaiting--;
	op->fn = NULL;
	if (!op->in_redis)
		op_free(op);
}

const char *
rlshared_state(const struct rlshared *rs)
{
	if (rs == NULL)
		return NULL;
	return rs->state == RLS_UP ? "ok" : "unreachable";
}
