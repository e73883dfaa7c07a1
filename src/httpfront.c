/*
 * httpfront: lkgate's HTTP server on evhttp and the life of a request.
 *
 * Every request gets a struct rq and ends in exactly one place,
 * rq_finish(): a reply from the handler, the request deadline, or the
 * connection going away.  rq_finish cancels the LiveKit call still in
 * flight, frees what the handler attached, writes the access-log line and
 * frees the rq.  Nothing touches the evhttp request after it was replied
 * to or after its connection closed.
 *
 * evhttp refuses bodies over its own limit with an HTML 413 before we see
 * them, so its limit is set to twice ours: bodies between the two get the
 * contract's JSON 413, larger ones still get a 413.
 *
 * Around that: rate limits (ratelim.c) keyed by principal or client
 * address (clientip.c), CORS headers (cors.c), metrics, connection
 * tracking from accept to close with caps on their number and a
 * deadline on each request's arrival (struct conn), and an accept loop
 * that rests 100 ms when accept() fails (EMFILE) instead of libevent's
 * retrying at once forever.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "clientip.h"
#include "conf.h"
#include "cors.h"
#include "httpfront.h"
#include "json.h"
#include "jwtcache.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "ratelim.h"
#include "rlshared.h"
#include "util.h"
#include "websess.h"

/* The rate-limit classes of ratelim.h are the route classes. */
_Static_assert(RC_DEFAULT == 0 && RC_AUTH == 1 && RC_TOKEN == 2 &&
    RC_CREATE == 3 && RL_NCLASSES == 4, "classes follow enum route_class");

#define REQUEST_ID_MAX 128
#define CONN_BUCKETS	1024	/* hash chains of the open connections */
#define ACCEPT_PAUSE_MS	100	/* accepting rests this long on EMFILE */
#define PAUSE_LOG_MS	10000	/* at most one pause warning per 10 s */
#define RL_KEY_LEN	(IDENTITY_MAX + 8)
#define JWT_CACHE_ENTRIES 4096	/* verified user JWTs remembered */

/*
 * A client connection, from its accept to its close.  evhttp tells of a
 * connection only through the bufferevent it asks us for (front_new_bev)
 * and, once it has set the connection up, through that bufferevent's
 * callback argument: the record is made with the first and adopted, in
 * the same loop turn, through the second (conn_adopt).  From then on
 * evhttp's close callback is ours for the connection's whole life, so
 * that open connections can be counted and capped, the request in
 * progress, if any, learns that its peer is gone, and a request that
 * arrives too slowly is cut off (evhttp's own timeout starts again at
 * every byte, so a byte a second keeps a connection forever).
 */
struct conn {
	struct httpfront	*front;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;	/* NULL until adopted */
	struct rq		*rq;	/* the request in progress, or NULL */
	struct event		*timer;	/* adopts, then the head deadline */
	struct ipcount		*ip;	/* its address's count; NULL: exempt */
	int			 head_armed;
	struct conn		*next;	/* hash chain */
};

/* Open connections from one address (an IPv6 client by its /64). */
struct ipcount {
	uint8_t			 addr[16];
	size_t			 n;
	struct ipcount		*next;
};

struct httpfront {
	struct lkgate		*gate;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	const struct route	*routes;
	size_t			 nroutes;
	size_t			 inflight;
	struct conn		*conns[CONN_BUCKETS];
	size_t			 nconns;
	struct ipcount		*ips[CONN_BUCKETS];
	struct ratelim		*rl;
	struct jwtcache		*jwtc;		/* verified user JWTs */
	struct event		*accept_timer;	/* resumes accepting */
	uint64_t		 pause_logged_ms;
	uint64_t		 pauses;	/* pauses not yet logged */
	SLIST_ENTRY(httpfront)	 entry;		/* in fronts */
};

/*
 * libevent calls a listener's error callback with the listener's own
 * argument, which evhttp set to its struct evhttp: the front that owns it
 * is found in this list, the module's one global (one front a process).
 */
static SLIST_HEAD(, httpfront) fronts = SLIST_HEAD_INITIALIZER(fronts);

struct rq {
	struct httpfront	*front;
	struct evhttp_request	*req;		/* NULL once the peer is gone */
	struct evhttp_connection *evcon;
	struct route_match	 match;
	struct principal	 who;
	const char		*method_name;
	char			 id[REQUEST_ID_MAX + 1];
	char			*body;		/* NUL-terminated copy */
	size_t			 bodylen;
	cJSON			*json;
	struct evkeyvalq	 query;
	int			 query_parsed;
	struct lk_call		*call;
	rq_lk_fn		 lk_cb;
	struct event		*deadline;
	void			*state;
	void			(*state_free)(void *);
	uint64_t		 t_start_ms;
	uint64_t		 upstream_ms;
	int			 finished;
	struct conn		*conn;		/* NULL once replied or gone */
	int			 rl_done;	/* the rate limit was applied */
	int			 rl_unverified;	/* charged to the address before
						   verifying its credential */
	int			 who_cached;	/* rq->who from the JWT cache */
	struct rlshared_op	*rl_op;		/* its shared verdict, awaited */
	unsigned int		 rl_class;
	int			 rl_then;	/* enum rl_then */
	int			 held_status;	/* the reply held meanwhile */
	char			*held_ctype;
	char			*held_data;
	size_t			 held_len;
	uint32_t		 retry_after;	/* seconds, of a 429 */
	char			 preflight[128];/* a preflight's methods */
	int			 lk_method;	/* of call; -1: a probe */
	int			 envelope;	/* errors in the Voice Chat
						   app's envelope */
	uint64_t		 lk_start_us;
	uint64_t		 t_start_us;
};

static void	rq_finish(struct rq *, int status, const char *ctype,
		    const char *data, size_t len);
/* What follows a rate-limit verdict that comes later (from Redis). */
enum rl_then {
	RL_THEN_HANDLER,	/* the route's handler runs */
	RL_THEN_REPLY,		/* the reply held in the rq is sent */
	RL_THEN_AUTH		/* the credential is checked (rq_precheck) */
};

static int	rq_rate_limit(struct rq *, enum rl_then);
static void	rq_route_checked(struct rq *);
static int	rq_hold_reply(struct rq *, int, const char *, const char *,
		    size_t);
static void	rq_arm_deadline(struct rq *);
static uint64_t	mono_us(void);
static void	rq_detach(struct rq *);
static void	rq_add_cors(struct rq *);
static void	rq_count(struct rq *, int status);
static struct conn *conn_get(struct httpfront *, struct evhttp_connection *);
static void	rq_add_header(struct rq *, const char *, const char *);

/* --- accessors --- */

struct lkgate *
rq_gate(const struct rq *rq)
{
	return rq->front->gate;
}

const char *
rq_id(const struct rq *rq)
{
	return rq->id;
}

const char *
rq_param(const struct rq *rq, size_t i)
{
	return i < rq->match.nparams ? rq->match.params[i] : NULL;
}

const char *
rq_header(const struct rq *rq, const char *name)
{
	if (rq->req == NULL)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(rq->req),
	    name);
}

const char *
rq_query(const struct rq *rq, const char *name)
{
	struct rq *w = (struct rq *)(uintptr_t)rq;	/* lazily parsed */
	const struct evhttp_uri *uri;
	const char *q;

	if (rq->req == NULL)
		return NULL;
	if (!rq->query_parsed) {
		w->query_parsed = 1;
		uri = evhttp_request_get_evhttp_uri(rq->req);
		if (uri != NULL && (q = evhttp_uri_get_query(uri)) != NULL &&
		    evhttp_parse_query_str(q, &w->query) == -1)
			evhttp_clear_headers(&w->query);
	}
	return evhttp_find_header(&w->query, name);
}

const char *
rq_body(const struct rq *rq, size_t *len)
{
	*len = rq->bodylen;
	return rq->body;
}

const cJSON *
rq_json(const struct rq *rq)
{
	return rq->json;
}

const struct principal *
rq_principal(const struct rq *rq)
{
	return &rq->who;
}

void
rq_hold(struct rq *rq, void *state, void (*free_fn)(void *))
{
	if (rq->state != NULL && rq->state_free != NULL)
		rq->state_free(rq->state);
	rq->state = state;
	rq->state_free = free_fn;
}

void *
rq_state(const struct rq *rq)
{
	return rq->state;
}

/* --- LiveKit calls on behalf of a request --- */

static void
rq_lk_done(void *arg, const struct lk_result *res)
{
	struct rq *rq = arg;
	rq_lk_fn cb = rq->lk_cb;

	rq->call = NULL;
	rq->lk_cb = NULL;
	rq->upstream_ms += res->elapsed_ms;
	if (res->cached)
		metrics_inc(rq_gate(rq)->metrics, MC_LIVEKIT_CACHED);
	else if (res->shared)
		metrics_inc(rq_gate(rq)->metrics, MC_LIVEKIT_SHARED);
	else if (rq->lk_method >= 0)
		metrics_livekit(rq_gate(rq)->metrics, rq->lk_method,
		    (int)res->outcome, (uint64_t)res->elapsed_ms * 1000);
	cb(rq, res);
}

void
rq_lk_call(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_fn cb)
{
	if (rq->call != NULL)
		fatal("rq_lk_call: request %s already has a call", rq->id);
	rq->lk_cb = cb;
	rq->lk_method = (int)method;
	rq->lk_start_us = mono_us();
	rq->call = lk_call(rq_gate(rq)->lk, method, room, body, rq_lk_done,
	    rq);
}

void
rq_lk_probe(struct rq *rq, rq_lk_fn cb)
{
	if (rq->call != NULL)
		fatal("rq_lk_probe: request %s already has a call", rq->id);
	rq->lk_cb = cb;
	rq->lk_method = -1;
	rq->call = lk_probe(rq_gate(rq)->lk, rq_lk_done, rq);
}

/* --- replies --- */

void
rq_reply_json(struct rq *rq, int status, cJSON *body)
{
	char *text;

	text = json_print(body);
	cJSON_Delete(body);
	rq_finish(rq, status, "application/json", text, strlen(text));
	free(text);
}

void
rq_reply_text(struct rq *rq, int status, const char *text)
{
	rq_finish(rq, status, "text/plain; charset=utf-8", text, strlen(text));
}

void
rq_reply_data(struct rq *rq, int status, const char *ctype, const void *data,
    size_t len)
{
	rq_finish(rq, status, ctype, data, len);
}

static void	rq_verror(struct rq *, enum api_err, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));

static void
rq_verror(struct rq *rq, enum api_err e, const char *fmt, va_list ap)
{
	cJSON *o;
	char *msg;

	msg = xvasprintf(fmt, ap);
	o = apierr_body(e, rq->envelope, msg, rq->id, util_wall_s(),
	    rq->retry_after);
	free(msg);
	rq_reply_json(rq, apierr_status(e), o);
}

void
rq_reply_error(struct rq *rq, enum api_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rq_verror(rq, e, fmt, ap);
	va_end(ap);
}

void
rq_reply_lk_error(struct rq *rq, const struct lk_result *res,
    enum api_err notfound)
{
	switch (res->outcome) {
	case LK_NOT_FOUND:
		rq_reply_error(rq, notfound, "%s",
		    notfound == E_SESSION_NOT_FOUND ? "session not found" :
		    notfound == E_ROOM_NOT_FOUND ? "room not found" :
		    "not found");
		break;
	case LK_REFUSED:
	case LK_UNAVAILABLE:
		rq_reply_error(rq, E_UPSTREAM_UNAVAILABLE,
		    "LiveKit is unavailable");
		break;
	case LK_TIMEOUT:
		rq_reply_error(rq, E_UPSTREAM_TIMEOUT,
		    "LiveKit did not answer in time");
		break;
	default:
		rq_reply_error(rq, E_UPSTREAM_ERROR,
		    "LiveKit answered with an error");
		break;
	}
}

/* Adds a response header, logging (not failing) when evhttp refuses. */
static void
rq_add_header(struct rq *rq, const char *name, const char *value)
{
	if (evhttp_add_header(evhttp_request_get_output_headers(rq->req),
	    name, value) == -1)
		log_warn("request %s: cannot add header %s", rq->id, name);
}

void
rq_set_header(struct rq *rq, const char *name, const char *value)
{
	if (rq->req != NULL)
		rq_add_header(rq, name, value);
}

/* The socket of the request's connection, or -1. */
static evutil_socket_t
rq_socket(const struct rq *rq)
{
	struct evhttp_connection *evcon;
	struct bufferevent *bev;

	if ((evcon = evhttp_request_get_connection(rq->req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return -1;
	return bufferevent_getfd(bev);
}

/*
 * evhttp_send_reply only asks to be told when the socket is writable, and
 * writes on the next turn of the loop: one epoll_ctl to watch for it and
 * one to stop, two of the few system calls a request costs.  The socket
 * almost always is writable, so its write event is made active now: the
 * reply goes out in this turn, and the changelist folds the watch and
 * the unwatch into nothing.  Were it not writable, the write would meet
 * EAGAIN and wait for the event as before.
 */
static void
rq_write_now(const struct rq *rq, evutil_socket_t fd)
{
	if (fd != -1)
		event_base_active_by_fd(rq_gate(rq)->base, fd, EV_WRITE);
}

static void
rq_send(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	struct evbuffer *buf;
	evutil_socket_t fd;
	char clen[32];

	rq_detach(rq);
	rq_add_cors(rq);
	rq_add_header(rq, "Content-Type", ctype);
	rq_add_header(rq, "X-Request-Id", rq->id);
	rq_add_header(rq, "Cache-Control", "no-store");
	/* evhttp would send a HEAD reply's body: send the length only. */
	if (evhttp_request_get_command(rq->req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof(clen), "%zu", len);
		rq_add_header(rq, "Content-Length", clen);
		len = 0;
	}
	if ((buf = evbuffer_new()) == NULL)
		fatal("evbuffer_new failed");
	if (evbuffer_add(buf, data, len) == -1)
		fatal("evbuffer_add failed");
	fd = rq_socket(rq);
	/* libevent 2.1 knows no reason phrase for 429. */
	evhttp_send_reply(rq->req, status, status == 429 ?
	    "Too Many Requests" : NULL, buf);
	evbuffer_free(buf);
	rq->req = NULL;
	rq_write_now(rq, fd);
}

static void
rq_log_access(const struct rq *rq, int status)
{
	const struct route *r = rq->match.route;

	log_event(LOG_INFO, "access",
	    "id", "s", rq->id,
	    "method", "s", rq->method_name,
	    "route", "s", r != NULL ? r->name : "-",
	    "status", "i", (long long)status,
	    "upstream_ms", "i", (long long)rq->upstream_ms,
	    "total_ms", "i", (long long)(util_mono_ms() - rq->t_start_ms),
	    "principal", "s", rq->who.kind == P_ANONYMOUS ? NULL : rq->who.name,
	    (const char *)NULL);
}

/* The one way a request ends.  status 0: the peer is gone, no reply. */
static void
rq_finish(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	if (rq->finished)
		return;
	/* An answer given before the limiter ran still takes a token. */
	if (!rq->rl_done && rq->req != NULL && status != 0 &&
	    rq_hold_reply(rq, status, ctype, data, len) != 0)
		return;	/* answered 429 instead, or waits for Redis */
	rq->finished = 1;
	if (rq->req != NULL && status != 0)
		rq_send(rq, status, ctype, data, len);
	rq_detach(rq);
	/* Counted when the LiveKit call itself is abandoned, not when
	 * others still wait for its answer. */
	if (lk_cancel(rq->call) && rq->lk_method >= 0)
		metrics_livekit(rq_gate(rq)->metrics, rq->lk_method,
		    LK_CANCELLED, mono_us() - rq->lk_start_us);
	if (rq->deadline != NULL)
		event_free(rq->deadline);
	rlshared_cancel(rq->rl_op);
	rq_hold(rq, NULL, NULL);
	rq_log_access(rq, status);
	rq->front->inflight--;
	rq_count(rq, status);
	if (rq->query_parsed)
		evhttp_clear_headers(&rq->query);
	cJSON_Delete(rq->json);
	free(rq->body);
	free(rq->held_ctype);
	free(rq->held_data);
	free(rq);
}

static void
rq_deadline_fired(evutil_socket_t fd, short what, void *arg)
{
	struct rq *rq = arg;

	(void)fd;
	(void)what;
	rq_reply_error(rq, E_UPSTREAM_TIMEOUT,
	    "the request took too long to complete");
}

/* --- connections, metrics and CORS --- */

/* Microseconds of the monotonic clock, for the latency histograms. */
static uint64_t
mono_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime failed");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static size_t
ptr_bucket(const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;

	return (size_t)((p >> 4) ^ (p >> 14)) & (CONN_BUCKETS - 1);
}

static void
conn_gauge(struct httpfront *front)
{
	metrics_gauge_set(front->gate->metrics, MG_OPEN_CONNECTIONS,
	    (int64_t)front->nconns);
}

/* The count of addr's connections, made when absent. */
static struct ipcount *
ip_get(struct httpfront *front, const uint8_t addr[16])
{
	uint64_t h;
	struct ipcount **head, *ip;

	memcpy(&h, addr + 8, sizeof(h));
	head = &front->ips[(size_t)(h ^ (h >> 29) ^ addr[7]) &
	    (CONN_BUCKETS - 1)];
	for (ip = *head; ip != NULL; ip = ip->next)
		if (memcmp(ip->addr, addr, 16) == 0)
			return ip;
	ip = xcalloc(1, sizeof(*ip));
	memcpy(ip->addr, addr, 16);
	ip->next = *head;
	*head = ip;
	return ip;
}

static void
ip_put(struct httpfront *front, struct ipcount *ip)
{
	uint64_t h;
	struct ipcount **p;

	if (--ip->n > 0)
		return;
	memcpy(&h, ip->addr + 8, sizeof(h));
	p = &front->ips[(size_t)(h ^ (h >> 29) ^ ip->addr[7]) &
	    (CONN_BUCKETS - 1)];
	while (*p != ip)
		p = &(*p)->next;
	*p = ip->next;
	free(ip);
}

static void	conn_input(struct evbuffer *, const struct evbuffer_cb_info *,
		    void *);

/* Drops the record of a connection; bev_alive: evhttp has not freed its
 * bufferevent yet. */
static void
conn_forget(struct conn *c, int bev_alive)
{
	struct httpfront *front = c->front;
	struct conn **p = &front->conns[ptr_bucket(c->bev)];

	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	if (bev_alive && c->evcon != NULL)
		evbuffer_remove_cb(bufferevent_get_input(c->bev), conn_input,
		    c);
	if (c->ip != NULL)
		ip_put(front, c->ip);
	event_free(c->timer);
	free(c);
	front->nconns--;
	conn_gauge(front);
}

/* evhttp is freeing a connection: the request on it, if any, is dropped. */
static void
front_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct rq *rq = c->rq;

	(void)evcon;
	if (rq != NULL) {
		log_debug("request %s: connection closed before the reply",
		    rq->id);
		rq->req = NULL;
		rq->conn = NULL;
		c->rq = NULL;
		rq_finish(rq, 0, NULL, NULL, 0);
	}
	conn_forget(c, 1);
}

/* The address a connection counts against; -1: none (exempt). */
static int
conn_addr(struct conn *c, uint8_t addr[16])
{
	const struct conf *conf = c->front->gate->conf;
	char *peer = NULL;
	ev_uint16_t port;

	evhttp_connection_get_peer(c->evcon, &peer, &port);
	if (peer == NULL || clientip_parse(peer, strlen(peer), addr) == -1)
		return -1;
	if (clientip_in(conf->trusted_proxies, conf->ntrusted_proxies, addr))
		return -1;
	/* One IPv6 host usually holds a whole /64, as for rate limits. */
	if (memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
		memset(addr + 8, 0, 8);
	return 0;
}

/*
 * evhttp has set the connection up: its bufferevent's callback argument
 * is its struct evhttp_connection.  A connection over a cap is closed
 * here, at once, rather than left waiting.
 */
static void
conn_adopt(struct conn *c, int may_refuse)
{
	struct httpfront *front = c->front;
	const struct conf *conf = front->gate->conf;
	bufferevent_data_cb readcb;
	uint8_t addr[16];
	void *arg = NULL;
	struct ipcount *ip = NULL;

	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &arg);
	if (readcb == NULL || arg == NULL ||
	    evhttp_connection_get_bufferevent(arg) != c->bev)
		fatal("httpfront: evhttp set up a connection unlike 2.1");
	c->evcon = arg;
	evhttp_connection_set_closecb(c->evcon, front_conn_closed, c);
	if (conn_addr(c, addr) == 0)
		ip = ip_get(front, addr);
	if (may_refuse && ((long long)front->nconns > conf->max_connections ||
	    (ip != NULL && (long long)ip->n >= conf->max_connections_per_ip))) {
		if (ip != NULL && ip->n == 0) {	/* made for this one */
			ip->n = 1;
			ip_put(front, ip);
		}
		metrics_inc(front->gate->metrics, MC_CONNECTIONS_REFUSED);
		evhttp_connection_free(c->evcon);	/* forgets c */
		return;
	}
	if (ip != NULL) {
		ip->n++;
		c->ip = ip;
	}
	if (evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input, c) ==
	    NULL)
		fatal("evbuffer_add_cb failed");
}

/* A request began arriving: it has header_timeout to arrive whole. */
static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn *c = arg;
	struct timeval tv = { 0, 0 };

	(void)buf;
	if (info->n_added == 0 || c->rq != NULL || c->head_armed)
		return;
	tv.tv_sec = (time_t)c->front->gate->conf->header_timeout;
	if (evtimer_add(c->timer, &tv) == -1)
		fatal("evtimer_add failed");
	c->head_armed = 1;
}

/* Adopts the connection, or closes it when its request is too slow. */
static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->evcon == NULL) {
		conn_adopt(c, 1);
		return;
	}
	c->head_armed = 0;
	if (c->rq != NULL)
		return;
	metrics_inc(c->front->gate->metrics, MC_HEADER_TIMEOUTS);
	log_debug("a client took over %lld s to send a request; closing",
	    c->front->gate->conf->header_timeout);
	evhttp_connection_free(c->evcon);	/* forgets c */
}

/* A record for a connection being accepted, adopted later this turn. */
static void
conn_new(struct httpfront *front, struct bufferevent *bev)
{
	struct conn **head = &front->conns[ptr_bucket(bev)], *c;

	c = xcalloc(1, sizeof(*c));
	c->front = front;
	c->bev = bev;
	if ((c->timer = evtimer_new(front->gate->base, conn_timer, c)) == NULL)
		fatal("evtimer_new failed");
	event_active(c->timer, EV_TIMEOUT, 0);
	c->next = *head;
	*head = c;
	front->nconns++;
	conn_gauge(front);
}

/* The record of evcon, a request having arrived on it. */
static struct conn *
conn_get(struct httpfront *front, struct evhttp_connection *evcon)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	struct conn *c;

	for (c = front->conns[ptr_bucket(bev)]; c != NULL; c = c->next)
		if (c->bev == bev)
			break;
	if (c == NULL)
		fatal("httpfront: a request on a connection never accepted");
	if (c->evcon == NULL) {		/* not adopted yet: now, kept */
		event_del(c->timer);
		conn_adopt(c, 0);
	}
	if (c->head_armed) {
		event_del(c->timer);
		c->head_armed = 0;
	}
	return c;
}

/* The request no longer wants to hear about its connection closing. */
static void
rq_detach(struct rq *rq)
{
	if (rq->conn != NULL) {
		rq->conn->rq = NULL;
		rq->conn = NULL;
	}
}

static void
rq_add_cors(struct rq *rq)
{
	struct cors_header h[CORS_MAX_HEADERS];
	size_t i, n;

	n = cors_headers(rq_gate(rq)->conf, rq_header(rq, "Origin"),
	    rq->preflight[0] != '\0' ? rq->preflight : NULL, h);
	for (i = 0; i < n; i++)
		rq_add_header(rq, h[i].name, h[i].value);
}

/* Counts a finished request in the metrics. */
static void
rq_count(struct rq *rq, int status)
{
	struct httpfront *front = rq->front;
	const struct route *r = rq->match.route;
	size_t i = r != NULL ? (size_t)(r - front->routes) : front->nroutes;

	metrics_request(front->gate->metrics, i, status,
	    mono_us() - rq->t_start_us);
	metrics_gauge_set(front->gate->metrics, MG_INFLIGHT,
	    (int64_t)front->inflight);
}

/*
 * --- rate limits ---
 *
 * With Redis (rlshared.c) the verdict may come later: the request then
 * waits for it, at most redis_timeout_ms, and goes on in rq_rl_verdict.
 */

/* The client's address: the peer's, or what trusted proxies say. */
static int
rq_client_addr(struct rq *rq, uint8_t addr[16])
{
	const struct conf *c = rq_gate(rq)->conf;
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(rq->req);
	struct evkeyval *kv;
	char *peer = NULL, *xff = NULL, *t;
	ev_uint16_t port;
	int r;

	evhttp_connection_get_peer(rq->evcon, &peer, &port);
	if (peer == NULL)
		return -1;
	/* Several X-Forwarded-For headers are one list, in order. */
	if (c->ntrusted_proxies > 0) {
		TAILQ_FOREACH(kv, hdrs, next) {
			if (strcasecmp(kv->key, "X-Forwarded-For") != 0)
				continue;
			t = xff == NULL ? xstrdup(kv->value) :
			    xasprintf("%s,%s", xff, kv->value);
			free(xff);
			xff = t;
		}
	}
	r = clientip_resolve(peer, xff, c->trusted_proxies,
	    c->ntrusted_proxies, addr);
	free(xff);
	return r;
}

/*
 * The bucket key: the API key's name, the user's identity, else the
 * client's address; prefixed so that no name can pose as another kind.
 */
static int
rq_rl_key(struct rq *rq, char *buf, size_t len)
{
	uint8_t addr[16];
	char ip[CLIENTIP_KEY_MAX];

	/* The key records the principal's source (auth.h). */
	if (principal_rl_key(&rq->who, buf, len) == -1) {
		if (rq_client_addr(rq, addr) == -1)
			return -1;
		clientip_key(addr, ip, sizeof(ip));
		snprintf(buf, len, "a:%s", ip);
	}
	return 0;
}

static void
rq_rl_headers(struct rq *rq, const struct rl_verdict *v)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(rq->req);
	char n[16];

	/* A request charged twice (rq_precheck) tells of the last bucket. */
	if (rq->rl_unverified) {
		evhttp_remove_header(h, "X-RateLimit-Limit");
		evhttp_remove_header(h, "X-RateLimit-Remaining");
		evhttp_remove_header(h, "X-RateLimit-Reset");
	}
	snprintf(n, sizeof(n), "%u", v->limit);
	rq_add_header(rq, "X-RateLimit-Limit", n);
	snprintf(n, sizeof(n), "%u", v->remaining);
	rq_add_header(rq, "X-RateLimit-Remaining", n);
	snprintf(n, sizeof(n), "%u", v->reset_s);
	rq_add_header(rq, "X-RateLimit-Reset", n);
}

/* Tells rq its verdict: 0 when allowed (the X-RateLimit headers
 * added), -1 when answered 429. */
static int
rq_rl_apply(struct rq *rq, const struct rl_verdict *v)
{
	struct httpfront *front = rq->front;
	char n[16];

	metrics_gauge_set(front->gate->metrics, MG_RATELIMIT_ENTRIES,
	    (int64_t)ratelim_size(front->rl));
	rq_rl_headers(rq, v);
	if (v->allowed)
		return 0;
	metrics_ratelimited(front->gate->metrics, rq->rl_class);
	snprintf(n, sizeof(n), "%u", v->retry_after_s);
	rq_add_header(rq, "Retry-After", n);
	rq->retry_after = v->retry_after_s;
	rq_reply_error(rq, E_RATE_LIMITED, "too many requests (%s), retry in "
	    "%u s", ratelim_class_name(rq->rl_class), v->retry_after_s);
	return -1;
}

/* The shared verdict came: the request goes on where it stopped. */
static void
rq_rl_verdict(void *arg, const struct rl_verdict *v)
{
	struct rq *rq = arg;

	rq->rl_op = NULL;
	if (rq_rl_apply(rq, v) == -1)
		return;
	if (rq->rl_then == RL_THEN_AUTH)
		rq_route_checked(rq);
	else if (rq->rl_then == RL_THEN_HANDLER) {
		rq_arm_deadline(rq);
		rq->match.route->handler(rq);
	} else
		rq_finish(rq, rq->held_status, rq->held_ctype, rq->held_data,
		    rq->held_len);
}

/*
 * Applies the limit of the route's class to rq, once: 0 when allowed (the
 * X-RateLimit headers added), -1 when answered 429, 1 when the verdict
 * comes later from Redis (rq_rl_verdict then goes on with then).
 * Requests that matched no route, and classes without a limit, are not
 * limited.
 */
static int
rq_rate_limit(struct rq *rq, enum rl_then then)
{
	struct httpfront *front = rq->front;
	const struct route *r = rq->match.route;
	const struct rl_limit *lim;
	struct rl_verdict v;
	char key[RL_KEY_LEN];
	unsigned int rc;

	if (rq->rl_done)
		return 0;
	rq->rl_done = 1;
	/* A path no route matches (404, 405) is in the default class, so
	 * probing for routes is throttled too; a CORS preflight never is. */
	if (r == NULL && strcmp(rq->method_name, "OPTIONS") == 0)
		return 0;
	rc = r != NULL ? (unsigned int)r->rclass : (unsigned int)RC_DEFAULT;
	if (rc >= RL_NCLASSES || rq->req == NULL)
		return 0;
	lim = &rq_gate(rq)->conf->rate_limits[rc];
	if (lim->count == 0)
		return 0;
	if (rq_rl_key(rq, key, sizeof(key)) == -1) {
		log_warn("request %s: no client address to rate-limit by",
		    rq->id);
		return 0;
	}
	rq->rl_class = rc;
	rq->rl_then = then;
	if (rlshared_take(rq_gate(rq)->rls, front->rl, rc, key, lim,
	    util_mono_ms(), &v, rq_rl_verdict, rq, &rq->rl_op) == 1)
		return 1;
	return rq_rl_apply(rq, &v);
}

/*
 * Applies the limit to an answer given before the limiter ran: 0 when
 * the answer may go now, else nonzero (answered 429, or the answer is
 * held in the rq until Redis's verdict).
 */
static int
rq_hold_reply(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	int r;

	/* The caller's data lives until we return: copied only to wait. */
	if ((r = rq_rate_limit(rq, RL_THEN_REPLY)) != 1)
		return r;
	rq->held_status = status;
	rq->held_ctype = ctype != NULL ? xstrdup(ctype) : NULL;
	rq->held_data = xmalloc(len + 1);
	if (len > 0)
		memcpy(rq->held_data, data, len);
	rq->held_data[len] = '\0';
	rq->held_len = len;
	return 1;
}

/* --- accepting --- */

/* evhttp asks for each accepted connection's bufferevent: the kind it
 * would make itself, counted. */
static struct bufferevent *
front_new_bev(struct event_base *base, void *arg)
{
	struct httpfront *front = arg;

	struct bufferevent *bev;

	metrics_inc(front->gate->metrics, MC_CONNECTIONS_ACCEPTED);
	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return NULL;
	conn_new(front, bev);
	return bev;
}

/*
 * accept() failed, most likely for want of file descriptors.  libevent
 * would try again at once, forever: the listener rests instead, the
 * connections waiting in the kernel's backlog, until the timer resumes it.
 */
static void
front_accept_error(struct evconnlistener *lev, void *arg)
{
	struct httpfront *front;
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	uint64_t now = util_mono_ms();

	SLIST_FOREACH(front, &fronts, entry)
		if ((void *)front->http == arg)
			break;
	if (front == NULL)
		fatal("accept error on a listener of no front");
	if (evconnlistener_disable(lev) == -1)
		log_warn("cannot pause accepting");
	if (evtimer_add(front->accept_timer, &tv) == -1)
		fatal("evtimer_add failed");
	metrics_inc(front->gate->metrics, MC_ACCEPT_PAUSES);
	front->pauses++;
	if (front->pause_logged_ms == 0 ||
	    now - front->pause_logged_ms >= PAUSE_LOG_MS) {
		log_warn("accept: %s; accepting paused for %d ms (%llu times "
		    "since the last warning)",
		    evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS,
		    (unsigned long long)front->pauses);
		front->pause_logged_ms = now;
		front->pauses = 0;
	}
}

static void
front_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct httpfront *front = arg;

	(void)fd;
	(void)what;
	if (front->bound != NULL && evconnlistener_enable(
	    evhttp_bound_socket_get_listener(front->bound)) == -1)
		log_warn("cannot resume accepting");
}

/* Sets up what comes with the listener: pauses, limits, counting. */
static void
front_setup(struct httpfront *front)
{
	uint8_t seed[RL_SEED_LEN];

	util_random_bytes(seed, sizeof(seed));
	front->rl = ratelim_new(
	    (size_t)front->gate->conf->rate_limit_table_size, seed);
	front->accept_timer = evtimer_new(front->gate->base,
	    front_accept_resume, front);
	if (front->accept_timer == NULL)
		fatal("evtimer_new failed");
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(
	    front->bound), front_accept_error);
	SLIST_INSERT_HEAD(&fronts, front, entry);
}

/* --- dispatch --- */

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	default:			return "OTHER";
	}
}

/* A client's X-Request-Id is echoed only when it is short and plain. */
static int
request_id_is_sane(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= REQUEST_ID_MAX || !(isalnum((unsigned char)s[n]) ||
		    strchr("-_.:", s[n]) != NULL))
			return 0;
	return n > 0;
}

static struct rq *
rq_new(struct httpfront *front, struct evhttp_request *req)
{
	struct rq *rq;
	const char *id;

	rq = xcalloc(1, sizeof(*rq));
	rq->front = front;
	rq->req = req;
	rq->evcon = evhttp_request_get_connection(req);
	rq->t_start_ms = util_mono_ms();
	rq->method_name = method_name(evhttp_request_get_command(req));
	TAILQ_INIT(&rq->query);
	id = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Request-Id");
	if (id != NULL && request_id_is_sane(id))
		snprintf(rq->id, sizeof(rq->id), "%s", id);
	else
		util_uuid_random(rq->id);
	front->inflight++;
	rq->t_start_us = mono_us();
	rq->lk_method = -1;
	metrics_gauge_set(front->gate->metrics, MG_INFLIGHT,
	    (int64_t)front->inflight);
	rq->conn = conn_get(front, rq->evcon);
	rq->conn->rq = rq;
	return rq;
}

/* 1 when the Content-Type's media type is application/json. */
static int
content_type_is_json(const char *ct)
{
	static const char want[] = "application/json";
	size_t n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
		return 0;
	ct += sizeof(want) - 1;
	n = strspn(ct, " \t");
	return ct[n] == '\0' || ct[n] == ';';
}

/* Copies the body; answers 413 and returns -1 when it is over the cap. */
static int
rq_take_body(struct rq *rq)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(rq->req);
	size_t len = evbuffer_get_length(in);
	long long max = rq_gate(rq)->conf->max_body_bytes;

	if ((long long)len > max) {
		rq_reply_error(rq, E_PAYLOAD_TOO_LARGE,
		    "request body is larger than %lld bytes", max);
		return -1;
	}
	rq->body = xmalloc(len + 1);
	if (len > 0 && evbuffer_copyout(in, rq->body, len) != (ev_ssize_t)len)
		fatal("evbuffer_copyout failed");
	rq->body[len] = '\0';
	rq->bodylen = len;
	return 0;
}

/* Checks the Content-Type and parses the JSON body; replies on error. */
static int
rq_parse_json(struct rq *rq)
{
	enum json_err err;

	if (!content_type_is_json(rq_header(rq, "Content-Type"))) {
		rq_reply_error(rq, E_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json");
		return -1;
	}
	if (rq->bodylen == 0) {
		rq_reply_error(rq, E_INVALID_INPUT, "request body is required");
		return -1;
	}
	rq->json = json_parse_strict(rq->body, rq->bodylen, 1, &err);
	if (rq->json == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", json_err_string(err));
		return -1;
	}
	return 0;
}

/*
 * AUTH_PERSON_OPT without Bearer or key: a valid web-login session is its
 * person (AUTHN_FORBIDDEN without its CSRF header, as always); any other
 * cookie, or none, leaves the request anonymous.
 */
static enum auth_outcome
rq_who_optional(struct rq *rq, const char **why)
{
	const char *cookie = rq_header(rq, "Cookie");
	enum auth_outcome r;

	if (cookie == NULL)
		return AUTHN_OK;
	r = websess_authenticate(rq_gate(rq)->conf, cookie,
	    rq_header(rq, WEBSESS_CSRF_HEADER), 1, util_wall_s(), &rq->who,
	    why);
	if (r == AUTHN_UNKNOWN) {
		memset(&rq->who, 0, sizeof(rq->who));
		rq->who.kind = P_ANONYMOUS;
		return AUTHN_OK;
	}
	return r;
}

/*
 * Fills rq->who as the route asks, or says why not in *why.  Where a user
 * JWT is accepted, a Bearer header is one even with an X-API-Key beside
 * it, so a bad token is refused rather than passed over for the key.
 */
static enum auth_outcome
rq_who(struct rq *rq, const char **why)
{
	const struct conf *c = rq_gate(rq)->conf;
	const char *bearer = rq_header(rq, "Authorization");
	const char *key = rq_header(rq, "X-API-Key");

	switch (rq->match.route->auth) {
	case AUTH_USER_OR_KEY:
		if (rq->who_cached)
			return AUTHN_OK;
		if (auth_is_bearer(bearer)) {
			metrics_inc(rq_gate(rq)->metrics,
			    MC_USER_JWT_VERIFICATIONS);
			if (auth_user_jwt_remember(c, rq->front->jwtc, bearer,
			    util_wall_s(), &rq->who, why) == 0)
				return AUTHN_OK;
			auth_guest_explain(c, bearer, util_wall_s(), why);
			return AUTHN_UNKNOWN;
		}
		if (key == NULL) {
			*why = "missing Authorization: Bearer or X-API-Key "
			    "header";
			return AUTHN_UNKNOWN;
		}
		/* FALLTHROUGH */
	case AUTH_API_KEY:
		return auth_api_key(c, key, &rq->who, why) == 0 ? AUTHN_OK :
		    AUTHN_UNKNOWN;
	case AUTH_PERSON:
	case AUTH_PERSON_OPT:
		if (auth_is_bearer(bearer))
			return auth_bearer(c, bearer, util_wall_s(), 1,
			    &rq->who, why) == 0 ? AUTHN_OK : AUTHN_UNKNOWN;
		if (key != NULL)
			return auth_api_key(c, key, &rq->who, why) == 0 ?
			    AUTHN_OK : AUTHN_UNKNOWN;
		if (rq->match.route->auth == AUTH_PERSON_OPT)
			return rq_who_optional(rq, why);
		if (rq_header(rq, "Cookie") == NULL) {
			*why = "missing Authorization: Bearer, X-API-Key or "
			    "session cookie";
			return AUTHN_UNKNOWN;
		}
		/* FALLTHROUGH */
	case AUTH_COOKIE:
		return websess_authenticate(c, rq_header(rq, "Cookie"),
		    rq_header(rq, WEBSESS_CSRF_HEADER),
		    strcmp(rq->method_name, "GET") != 0 &&
		    strcmp(rq->method_name, "HEAD") != 0, util_wall_s(),
		    &rq->who, why);
	case AUTH_NONE:
	case AUTH_WEBHOOK:
		return AUTHN_OK;
	}
	*why = "route has no known authentication";
	return AUTHN_UNKNOWN;
}

/* 401 when the caller is unknown; 403 when known but refused (a session
 * cookie without its CSRF header). */
static int
rq_authenticate(struct rq *rq)
{
	const char *why;

	switch (rq_who(rq, &why)) {
	case AUTHN_OK:
		if (rq->rl_unverified)
			rq->rl_done = 0;	/* now the principal's bucket too */
		return 0;
	case AUTHN_FORBIDDEN:
		rq_reply_error(rq, E_PERMISSION_DENIED, "%s", why);
		return -1;	/* charged once: to the address, if before */
	case AUTHN_UNKNOWN:
		break;
	}
	rq_reply_error(rq, E_UNAUTHORIZED, "%s", why);
	return -1;
}

/*
 * What a credential costs before the rate limit can refuse it.  A user
 * JWT that verified before is taken from the cache, for a hash.  One that
 * did not would cost a signature check: it is first charged to the
 * client address's bucket, so that once an address has used its bucket
 * up, forged tokens get 429 for a hash each.  API keys (a constant-time
 * compare) and cookies (a MAC) are cheap, and charged after, as before.
 * -1 when answered 429, 1 when waiting for Redis's verdict (which then
 * goes on in rq_route_checked).
 */
static int
rq_precheck(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	const char *bearer = rq_header(rq, "Authorization");

	if (rq->match.route->auth != AUTH_USER_OR_KEY ||
	    c->user_keys == NULL || !auth_is_bearer(bearer))
		return 0;
	if (auth_user_jwt_cached(rq->front->jwtc, bearer, util_wall_s(),
	    &rq->who)) {
		metrics_inc(rq_gate(rq)->metrics, MC_USER_JWT_CACHE_HITS);
		rq->who_cached = 1;
		return 0;
	}
	/* rq->who is still anonymous: the address's bucket is charged. */
	rq->rl_unverified = 1;
	return rq_rate_limit(rq, RL_THEN_AUTH);
}

/* Answers a path that exists but not with this method. */
static void
rq_bad_method(struct rq *rq, int allow, int method)
{
	char list[128];

	router_allow_string(allow | M_OPTIONS, list, sizeof(list));
	rq_add_header(rq, "Allow", list);
	if (method == M_OPTIONS) {
		/* A CORS preflight: answered before, and without, auth. */
		snprintf(rq->preflight, sizeof(rq->preflight), "%s", list);
		rq_finish(rq, 204, "text/plain", "", 0);
	} else
		rq_reply_error(rq, E_METHOD_NOT_ALLOWED,
		    "method %s is not allowed here (allowed: %s)",
		    rq->method_name, list);
}

/* Arms the request deadline; the request ends with 504 when it fires. */
static void
rq_arm_deadline(struct rq *rq)
{
	struct timeval tv;
	long long ms = rq_gate(rq)->conf->request_timeout_ms;

	rq->deadline = evtimer_new(rq_gate(rq)->base, rq_deadline_fired, rq);
	if (rq->deadline == NULL)
		fatal("evtimer_new failed");
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(rq->deadline, &tv) == -1)
		fatal("evtimer_add failed");
}

/* A routed request's body, credential and rate limit, then its
 * handler. */
static void
rq_route_checked(struct rq *rq)
{
	const struct route *route = rq->match.route;

	if ((route->body == BODY_JSON ||
	    (route->body == BODY_JSON_OR_EMPTY && rq->bodylen > 0)) &&
	    rq_parse_json(rq) == -1)
		return;
	if (rq_authenticate(rq) == -1)
		return;
	if (rq_rate_limit(rq, RL_THEN_HANDLER) != 0)
		return;		/* answered 429, or waits for Redis */
	rq_arm_deadline(rq);
	rq->match.route->handler(rq);
}

static void
rq_route(struct rq *rq)
{
	const struct evhttp_uri *uri;
	const struct route *shape;
	enum router_result r;
	const char *path;
	int method, allow;

	method = router_method_from_name(rq->method_name);
	uri = evhttp_request_get_evhttp_uri(rq->req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	r = router_match(rq->front->routes, rq->front->nroutes, method, path,
	    &rq->match, &allow);
	shape = r == ROUTER_FOUND ? rq->match.route : router_nearest(
	    rq->front->routes, rq->front->nroutes, path);
	rq->envelope = shape != NULL &&
	    shape->envelope == ENVELOPE_VOICE_CHAT;
	switch (r) {
	case ROUTER_NOT_FOUND:
		rq_reply_error(rq, E_NOT_FOUND, "no such route");
		return;
	case ROUTER_BAD_METHOD:
		rq_bad_method(rq, allow, method);
		return;
	case ROUTER_FOUND:
		break;
	}
	if (rq_take_body(rq) == -1)
		return;
	if (rq_precheck(rq) != 0)
		return;		/* answered 429, or waits for Redis */
	rq_route_checked(rq);
}

/*
 * Says what is wrong with a request's framing that evhttp lets through
 * but RFC 9112 refuses, and that two parsers could read two ways: a
 * version other than HTTP/1.0 and 1.1 (evhttp takes any 1.x and echoes
 * it, overflow included), a header name that is not a token ("X-API-Key :"
 * is a 400 by RFC 9112 5.1), a Host missing in HTTP/1.1 or repeated, a
 * Content-Length repeated (evhttp reads the first) or not all digits
 * ("+15"), a Transfer-Encoding other than one "chunked" (evhttp drops the
 * codings it cannot undo) or one beside a Content-Length.  NULL when the
 * framing is sound.
 */
/* 1 when s is an RFC 9110 token (one or more tchars).  Not strspn: with
 * this many bytes to accept glibc takes its slow generic path, and this
 * runs on every header of every request. */
static int
is_token(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *p) != NULL))
			return 0;
	return 1;
}

static const char *
framing_problem(struct evhttp_request *req)
{
	struct evkeyval *kv;
	int nhost = 0, ncl = 0, nte = 0;

	if (req->major != 1 || (req->minor != 0 && req->minor != 1))
		return "only HTTP/1.0 and HTTP/1.1 are supported";
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (!is_token(kv->key))
			return "a header name is not a token";
		if (strcasecmp(kv->key, "Host") == 0)
			nhost++;
		else if (strcasecmp(kv->key, "Content-Length") == 0 &&
		    (++ncl > 1 || kv->value[0] == '\0' ||
		    kv->value[strspn(kv->value, "0123456789")] != '\0'))
			return "Content-Length must be given once, in digits";
		else if (strcasecmp(kv->key, "Transfer-Encoding") == 0 &&
		    (++nte > 1 || strcasecmp(kv->value, "chunked") != 0))
			return "Transfer-Encoding may only be chunked";
	}
	if (nhost > 1 || (nhost == 0 && req->minor == 1))
		return "HTTP/1.1 needs exactly one Host header";
	/* Two framings: which one a proxy in front used is unknowable, so
	 * the connection cannot go on (RFC 9112 6.1). */
	if (ncl > 0 && nte > 0)
		return "Transfer-Encoding and Content-Length together";
	return NULL;
}

/* Answers 400 and closes the connection when the framing is unsound. */
static int
rq_framing_ok(struct rq *rq)
{
	const char *why;

	if ((why = framing_problem(rq->req)) == NULL)
		return 0;
	if (rq->req->major != 1 || rq->req->minor != 0) {
		rq->req->major = 1;	/* our status line, not the client's */
		rq->req->minor = 1;
	}
	rq_add_header(rq, "Connection", "close");
	rq_reply_error(rq, E_INVALID_INPUT, "%s", why);
	return -1;
}

static void
front_request(struct evhttp_request *req, void *arg)
{
	struct httpfront *front = arg;
	struct rq *rq;

	rq = rq_new(front, req);
	if (rq_framing_ok(rq) == -1)
		return;
	if (front->gate->stopping) {
		rq_add_header(rq, "Connection", "close");
		rq_add_header(rq, "Retry-After", "1");
		rq_reply_error(rq, E_OVERLOADED, "lkgate is shutting down");
		return;
	}
	if ((long long)front->inflight > front->gate->conf->max_inflight) {
		rq_add_header(rq, "Retry-After", "1");
		rq_reply_error(rq, E_OVERLOADED,
		    "too many requests in flight, retry shortly");
		return;
	}
	rq_route(rq);
}

/* --- lifetime --- */

/*
 * The limits evhttp enforces itself, from the gate's current conf; called
 * again after a reload.  evhttp copies them into each connection when it
 * is accepted, so connections already open keep the old ones.
 */
void
httpfront_apply_conf(struct httpfront *front)
{
	const struct conf *c = front->gate->conf;

	evhttp_set_max_headers_size(front->http,
	    (ev_ssize_t)c->max_header_bytes);
	evhttp_set_max_body_size(front->http, (ev_ssize_t)c->max_body_bytes * 2);
	/* What verified under the old keys, issuer or audience may not. */
	jwtcache_clear(front->jwtc);
}

struct httpfront *
httpfront_new(struct lkgate *gate, const struct route *table, size_t n,
    char **err)
{
	struct httpfront *front;
	const struct conf *c = gate->conf;

	front = xcalloc(1, sizeof(*front));
	front->gate = gate;
	front->routes = table;
	front->nroutes = n;
	if ((front->http = evhttp_new(gate->base)) == NULL)
		fatal("evhttp_new failed");
	front->jwtc = jwtcache_new(JWT_CACHE_ENTRIES, sizeof(struct principal));
	httpfront_apply_conf(front);
	evhttp_set_timeout(front->http, 30);
	evhttp_set_allowed_methods(front->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(front->http, "application/json");
	evhttp_set_gencb(front->http, front_request, front);
	evhttp_set_bevcb(front->http, front_new_bev, front);
	front->bound = evhttp_bind_socket_with_handle(front->http,
	    c->listen_host, (ev_uint16_t)c->listen_port);
	if (front->bound == NULL) {
		*err = xasprintf("cannot listen on %s", c->listen);
		evhttp_free(front->http);
		free(front);
		return NULL;
	}
	front_setup(front);
	return front;
}

void
httpfront_stop_accepting(struct httpfront *front)
{
	if (front->accept_timer != NULL)
		evtimer_del(front->accept_timer);
	if (front->bound != NULL) {
		evhttp_del_accept_socket(front->http, front->bound);
		front->bound = NULL;
	}
}

size_t
httpfront_inflight(const struct httpfront *front)
{
	return front->inflight;
}

void
httpfront_free(struct httpfront *front)
{
	size_t i;

	if (front == NULL)
		return;
	SLIST_REMOVE(&fronts, front, httpfront, entry);
	if (front->accept_timer != NULL)
		event_free(front->accept_timer);
	evhttp_free(front->http);
	/* evhttp_free closed every connection through front_conn_closed;
	 * any record left is one evhttp freed without telling. */
	for (i = 0; i < CONN_BUCKETS; i++)
		while (front->conns[i] != NULL)
			conn_forget(front->conns[i], 0);
	ratelim_free(front->rl);
	jwtcache_free(front->jwtc);
	free(front);
}
