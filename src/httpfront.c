/*
 * httpfront: lkgate's HTTP listener on evhttp: connections, framing and
 * the hand-over of each request to the gate.
 *
 * The front is made of four files, each calling only those below it:
 *
 *   httpfront.c        this: the listener, connection tracking from
 *                      accept to close with caps on their number and a
 *                      deadline on each request's arrival (struct conn),
 *                      an accept loop that rests 100 ms when accept()
 *                      fails (EMFILE) instead of libevent's retrying at
 *                      once forever, the framing checks evhttp lacks, the
 *                      shutdown and in-flight answers (503)
 *   httpfront_gate.c   routing, body and JSON checks, authentication, the
 *                      rate-limit policy, then the handler (no evhttp)
 *   httpfront_reply.c  the replies: JSON, text, the error body, LiveKit
 *                      outcomes (no evhttp)
 *   httpfront_rq.c     the request object: accessors, sending, the one
 *                      finish, the deadline, the access log
 *
 * Only this file and httpfront_rq.c include evhttp (test/check-includes).
 *
 * evhttp refuses bodies over its own limit with an HTML 413 before we see
 * them, so its limit is set to twice ours: bodies between the two get the
 * contract's JSON 413, larger ones still get a 413.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
#include "headscan.h"
#include "httpfront.h"
#include "httpfront_gate.h"
#include "httpfront_reply.h"
#include "httpfront_rq_internal.h"
#include "jwtcache.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "ratelim.h"
#include "util.h"

#define CONN_BUCKETS	1024	/* hash chains of the open connections */
#define ACCEPT_PAUSE_MS	100	/* accepting rests this long on EMFILE */
#define PAUSE_LOG_MS	10000	/* at most one pause warning per 10 s */
#define JWT_CACHE_ENTRIES 4096	/* verified user JWTs remembered */

/*
 * A client connection, from its accept to its close.  evhttp tells of a
 * connection only through the bufferevent it asks us for (front_new_bev)
 * and, once it has set the connection up, through that bufferevent's
 * callback argument: the record is made with the first and adopted, in
 * the same loop turn, through the second (conn_adopt).  From then on
 * evhttp's close callback is ours for the connection's whole life, so
 * that open connections can be counted and capped, the request in
 * progress, if any, learns that its peer is gone, a request that arrives
 * too slowly is cut off (evhttp's own timeout starts again at every byte,
 * so a byte a second keeps a connection forever), and a request whose
 * head holds a NUL byte is refused (evhttp cuts a header value there).
 * Both look at a request's bytes as they arrive, until its head is whole
 * (conn_input).
 */
struct conn {
	struct httpfront	*front;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;	/* NULL until adopted */
	struct rq		*rq;	/* the request in progress, or NULL */
	struct event		*timer;	/* adopts, then the head deadline */
	struct evbuffer_cb_entry *input_cb;	/* conn_input, once adopted */
	int			 listening;	/* input_cb is enabled */
	struct headscan		 head;	/* the next request's, so far */
	struct ipcount		*ip;	/* its address's count; NULL: exempt */
	int			 head_armed;
	int			 admitted;	/* counted in nadmitted */
	struct conn		*next;	/* hash chain */
};

/* Open connections from one address (an IPv6 client by its /64). */
struct ipcount {
	uint8_t			 addr[16];
	size_t			 n;
	struct ipcount		*next;
};

struct httpfront {
	struct rq_front		 rqf;	/* what its requests share */
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct conn		*conns[CONN_BUCKETS];
	size_t			 nconns;
	/* Connections let in past the caps.  Not nconns: several accepted
	 * in one turn are all in nconns before the first is adopted, and the
	 * cap must refuse the last of them, not the first. */
	size_t			 nadmitted;
	struct ipcount		*ips[CONN_BUCKETS];
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

/* --- connections --- */

static size_t
ptr_bucket(const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;

	return (size_t)((p >> 4) ^ (p >> 14)) & (CONN_BUCKETS - 1);
}

static void
conn_gauge(struct httpfront *front)
{
	metrics_gauge_set(front->rqf.gate->metrics, MG_OPEN_CONNECTIONS,
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
	if (c->admitted)
		front->nadmitted--;
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
	if (rq != NULL)
		rq_peer_gone(rq);
	conn_forget(c, 1);
}

/* The address a connection counts against; -1: none (exempt). */
static int
conn_addr(struct conn *c, uint8_t addr[16])
{
	const struct conf *conf = c->front->rqf.gate->conf;
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
	const struct conf *conf = front->rqf.gate->conf;
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
	if (may_refuse && ((long long)front->nadmitted >=
	    conf->max_connections ||
	    (ip != NULL && (long long)ip->n >= conf->max_connections_per_ip))) {
		if (ip != NULL && ip->n == 0) {	/* made for this one */
			ip->n = 1;
			ip_put(front, ip);
		}
		metrics_inc(front->rqf.gate->metrics, MC_CONNECTIONS_REFUSED);
		evhttp_connection_free(c->evcon);	/* forgets c */
		return;
	}
	if (ip != NULL) {
		ip->n++;
		c->ip = ip;
	}
	front->nadmitted++;
	c->admitted = 1;
	if ((c->input_cb = evbuffer_add_cb(bufferevent_get_input(c->bev),
	    conn_input, c)) == NULL)
		fatal("evbuffer_add_cb failed");
	c->listening = 1;
}

/* Whether conn_input hears of the input: not once the head is whole, as
 * evhttp then drains the input a line at a time. */
static void
conn_listen_input(struct conn *c, int on)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (c->listening == on)
		return;
	c->listening = on;
	if ((on ? evbuffer_cb_set_flags(in, c->input_cb, EVBUFFER_CB_ENABLED) :
	    evbuffer_cb_clear_flags(in, c->input_cb, EVBUFFER_CB_ENABLED)) ==
	    -1)
		fatal("evbuffer_cb_set_flags failed");
}

/* Feeds the n bytes that just arrived at the end of buf to the head
 * scan; 1 once the head is whole. */
static int
conn_scan_head(struct conn *c, struct evbuffer *buf, size_t n)
{
	struct evbuffer_iovec vec[4];
	struct evbuffer_ptr at;
	size_t len = evbuffer_get_length(buf), take;
	int i, nvec;

	if (evbuffer_ptr_set(buf, &at, len - n, EVBUFFER_PTR_SET) == -1)
		fatal("evbuffer_ptr_set failed");
	while (n > 0) {
		if ((nvec = evbuffer_peek(buf, (ev_ssize_t)n, &at, vec, 4)) <= 0)
			return 0;	/* not there: cannot be */
		if (nvec > 4)
			nvec = 4;
		for (i = 0; i < nvec && n > 0; i++) {
			take = vec[i].iov_len < n ? vec[i].iov_len : n;
			if (headscan_feed(&c->head, vec[i].iov_base, take))
				return 1;
			n -= take;
			if (evbuffer_ptr_set(buf, &at, take, EVBUFFER_PTR_ADD)
			    == -1 && n > 0)
				fatal("evbuffer_ptr_set failed");
		}
	}
	return 0;
}

/*
 * Bytes of the next request arrived: until its head is whole, they are
 * scanned for its end and a NUL, also those sent ahead while a request is
 * served (pipelined); from the first byte that comes while none is, it
 * has header_timeout to arrive whole.
 */
static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn *c = arg;
	struct timeval tv = { 0, 0 };

	if (info->n_added == 0)
		return;
	if (c->rq == NULL && !c->head_armed) {
		tv.tv_sec = (time_t)c->front->rqf.gate->conf->header_timeout;
		if (evtimer_add(c->timer, &tv) == -1)
			fatal("evtimer_add failed");
		c->head_armed = 1;
	}
	if (conn_scan_head(c, buf, info->n_added))
		conn_listen_input(c, 0);
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
	metrics_inc(c->front->rqf.gate->metrics, MC_HEADER_TIMEOUTS);
	log_debug("a client took over %lld s to send a request; closing",
	    c->front->rqf.gate->conf->header_timeout);
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
	if ((c->timer = evtimer_new(front->rqf.gate->base, conn_timer, c)) == NULL)
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

/* --- accepting --- */

/* evhttp asks for each accepted connection's bufferevent: the kind it
 * would make itself, counted. */
static struct bufferevent *
front_new_bev(struct event_base *base, void *arg)
{
	struct httpfront *front = arg;

	struct bufferevent *bev;

	metrics_inc(front->rqf.gate->metrics, MC_CONNECTIONS_ACCEPTED);
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
	metrics_inc(front->rqf.gate->metrics, MC_ACCEPT_PAUSES);
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
	front->rqf.rl = ratelim_new(
	    (size_t)front->rqf.gate->conf->rate_limit_table_size, seed);
	front->accept_timer = evtimer_new(front->rqf.gate->base,
	    front_accept_resume, front);
	if (front->accept_timer == NULL)
		fatal("evtimer_new failed");
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(
	    front->bound), front_accept_error);
	SLIST_INSERT_HEAD(&fronts, front, entry);
}

/* --- framing and dispatch --- */

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
	rq_set_header(rq, "Connection", "close");
	rq_reply_error(rq, E_INVALID_INPUT, "%s", why);
	return -1;
}

static void
front_request(struct evhttp_request *req, void *arg)
{
	struct httpfront *front = arg;
	struct conn *c;
	struct rq *rq;
	struct evbuffer *in;
	size_t ahead;
	int head_nul;

	c = conn_get(front, evhttp_request_get_connection(req));
	head_nul = c->head.nul;
	/* The next request's head is scanned from its first byte: what is
	 * left of the input (evhttp has read this request whole) is the
	 * start of the next, sent ahead, or nothing. */
	headscan_reset(&c->head);
	conn_listen_input(c, 1);
	in = bufferevent_get_input(c->bev);
	if ((ahead = evbuffer_get_length(in)) > 0 &&
	    conn_scan_head(c, in, ahead))
		conn_listen_input(c, 0);
	rq = rq_new(&front->rqf, req, &c->rq);
	if (rq_framing_ok(rq) == -1)
		return;
	if (head_nul) {
		rq_set_header(rq, "Connection", "close");
		rq_reply_error(rq, E_INVALID_INPUT,
		    "the request line or a header holds a NUL byte");
		return;
	}
	if (front->rqf.gate->stopping) {
		rq_set_header(rq, "Connection", "close");
		rq_set_header(rq, "Retry-After", "1");
		rq_reply_error(rq, E_OVERLOADED, "lkgate is shutting down");
		return;
	}
	if ((long long)front->rqf.inflight > front->rqf.gate->conf->max_inflight) {
		rq_set_header(rq, "Retry-After", "1");
		rq_reply_error(rq, E_OVERLOADED,
		    "too many requests in flight, retry shortly");
		return;
	}
	gate_route(rq);
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
	const struct conf *c = front->rqf.gate->conf;

	evhttp_set_max_headers_size(front->http,
	    (ev_ssize_t)c->max_header_bytes);
	evhttp_set_max_body_size(front->http, (ev_ssize_t)c->max_body_bytes * 2);
	/* What verified under the old keys, issuer or audience may not. */
	jwtcache_clear(front->rqf.jwtc);
}

struct httpfront *
httpfront_new(struct lkgate *gate, const struct route *table, size_t n,
    char **err)
{
	struct httpfront *front;
	const struct conf *c = gate->conf;

	front = xcalloc(1, sizeof(*front));
	front->rqf.gate = gate;
	front->rqf.routes = table;
	front->rqf.nroutes = n;
	front->rqf.answer_check = gate_answer_check;
	if ((front->http = evhttp_new(gate->base)) == NULL)
		fatal("evhttp_new failed");
	front->rqf.jwtc = jwtcache_new(JWT_CACHE_ENTRIES, sizeof(struct principal));
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
	return front->rqf.inflight;
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
	ratelim_free(front->rqf.rl);
	jwtcache_free(front->rqf.jwtc);
	rq_front_release(&front->rqf);
	free(front);
}
