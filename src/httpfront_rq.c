/*
 * httpfront_rq: the request object, from a request's arrival to its one
 * end.  Every request gets a struct rq and ends in exactly one place,
 * rq_finish(): a reply, the request deadline, or the connection going
 * away.  rq_finish asks the gate whether the answer may go (answers given
 * before the rate limit ran still take a token), sends it with the CORS
 * headers its Origin earns, cancels the LiveKit calls and the Redis
 * verdict still in flight, frees what the handler attached, writes the
 * access-log line, counts the request in the metrics and frees the rq.
 * Nothing touches the evhttp request after it was replied to or after its
 * connection closed.
 *
 * This file and the listener (httpfront.c) are the only ones that include
 * evhttp: the accessors, the body, the path and the client's address are
 * read here for the gate, which knows no evhttp.  Policy lives above, in
 * the gate; the request object only carries its fields (see
 * httpfront_rq_internal.h for who owns what).
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "clientip.h"
#include "conf.h"
#include "cors.h"
#include "httpfront_rq_internal.h"
#include "lkclient.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "rlshared.h"
#include "util.h"

static uint64_t	mono_us(void);
static void	rq_detach(struct rq *);
static void	rq_add_cors(struct rq *);
static void	rq_count(struct rq *, int status);
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

/*
 * The first header called name, as evhttp_find_header finds it, but
 * sooner: libevent compares names a byte at a time through a function
 * call, and the token route looks up six names among a request's headers.
 */
static const char *
find_header(const struct evkeyvalq *hdrs, const char *name)
{
	const struct evkeyval *kv;
	int first = name[0] | 0x20;	/* header names start with a letter */

	TAILQ_FOREACH(kv, hdrs, next)
		if ((kv->key[0] | 0x20) == first &&
		    strcasecmp(kv->key, name) == 0)
			return kv->value;
	return NULL;
}

const char *
rq_header(const struct rq *rq, const char *name)
{
	if (rq->req == NULL)
		return NULL;
	return find_header(evhttp_request_get_input_headers(rq->req), name);
}

const char *
rq_query(const struct rq *rq, const char *name)
{
	struct rq *w = (struct rq *)(uintptr_t)rq;	/* lazily parsed */
	const struct evhttp_uri *uri;
	const char *q;

	if (rq->req == NULL)
		return NULL;
	if (rq->query == NULL) {
		w->query = xcalloc(1, sizeof(*w->query));
		TAILQ_INIT(w->query);
		uri = evhttp_request_get_evhttp_uri(rq->req);
		if (uri != NULL && (q = evhttp_uri_get_query(uri)) != NULL &&
		    evhttp_parse_query_str(q, w->query) == -1)
			evhttp_clear_headers(w->query);
	}
	return evhttp_find_header(w->query, name);
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

/* A slot's call answered: the slot is freed, then its callback runs (it
 * may answer, and the rq be gone, when it returns). */
static void
rq_lk_done(void *arg, const struct lk_result *res)
{
	struct rq_lk *s = arg;
	struct rq *rq = s->rq;
	rq_lk_each_fn each = s->each;
	rq_lk_fn cb = s->cb;
	size_t tag = s->tag;
	uint64_t now = mono_us();

	if (res->cached)
		metrics_inc(rq_gate(rq)->metrics, MC_LIVEKIT_CACHED);
	else if (res->shared)
		metrics_inc(rq_gate(rq)->metrics, MC_LIVEKIT_SHARED);
	else if (s->method >= 0)
		metrics_livekit(rq_gate(rq)->metrics, s->method,
		    (int)res->outcome, (uint64_t)res->elapsed_ms * 1000);
	memset(s, 0, sizeof(*s));
	if (--rq->nlk == 0)
		rq->upstream_ms += (now - rq->lk_busy_us) / 1000;
	if (each != NULL)
		each(rq, tag, res);
	else
		cb(rq, res);
}

/* Starts a call in a free slot: method -1 is the health probe. */
static void
rq_lk_start(struct rq *rq, int method, const char *room, cJSON *body,
    rq_lk_fn cb, rq_lk_each_fn each, size_t tag)
{
	struct rq_lk *s = NULL;
	size_t i;

	for (i = 0; i < RQ_LK_MAX && s == NULL; i++)
		if (rq->lk[i].call == NULL)
			s = &rq->lk[i];
	if (s == NULL)
		fatal("request %s: more than %d LiveKit calls at once", rq->id,
		    RQ_LK_MAX);
	if (rq->nlk++ == 0)
		rq->lk_busy_us = mono_us();
	s->rq = rq;
	s->cb = cb;
	s->each = each;
	s->tag = tag;
	s->method = method;
	s->start_us = mono_us();
	if (method < 0)
		s->call = lk_probe(rq_gate(rq)->lk, rq_lk_done, s);
	else
		s->call = lk_call(rq_gate(rq)->lk, (enum lk_method)method,
		    room, body, rq_lk_done, s);
}

void
rq_lk_call(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_fn cb)
{
	if (rq->nlk != 0)
		fatal("rq_lk_call: request %s already has a call", rq->id);
	rq_lk_start(rq, (int)method, room, body, cb, NULL, 0);
}

void
rq_lk_probe(struct rq *rq, rq_lk_fn cb)
{
	if (rq->nlk != 0)
		fatal("rq_lk_probe: request %s already has a call", rq->id);
	rq_lk_start(rq, -1, NULL, NULL, cb, NULL, 0);
}

void
rq_lk_call_each(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_each_fn cb, size_t tag)
{
	size_t i;

	for (i = 0; i < RQ_LK_MAX; i++)
		if (rq->lk[i].call != NULL && rq->lk[i].cb != NULL)
			fatal("rq_lk_call_each: request %s has an rq_lk_call "
			    "out", rq->id);
	rq_lk_start(rq, (int)method, room, body, NULL, cb, tag);
}

/* Cancels every call still out: no callback of the request runs after.
 * A call is counted cancelled when the request to LiveKit itself is
 * abandoned with it, not when others still wait for its answer. */
static void
rq_lk_cancel_all(struct rq *rq)
{
	struct rq_lk *s;
	uint64_t now;
	size_t i;

	if (rq->nlk == 0)
		return;
	now = mono_us();
	for (i = 0; i < RQ_LK_MAX; i++) {
		s = &rq->lk[i];
		if (s->call == NULL)
			continue;
		if (lk_cancel(s->call) && s->method >= 0)
			metrics_livekit(rq_gate(rq)->metrics, s->method,
			    LK_CANCELLED, now - s->start_us);
		memset(s, 0, sizeof(*s));
	}
	rq->nlk = 0;
	rq->upstream_ms += (now - rq->lk_busy_us) / 1000;
}

int
rq_envelope(const struct rq *rq)
{
	return rq->envelope;
}

unsigned int
rq_retry_after(const struct rq *rq)
{
	return rq->retry_after;
}

/* --- the reply and the end --- */

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

void
rq_unset_header(struct rq *rq, const char *name)
{
	if (rq->req != NULL)
		evhttp_remove_header(evhttp_request_get_output_headers(rq->req),
		    name);
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

/*
 * The Date header (RFC 9110 6.6.1), formatted once a second: evhttp would
 * format it for every reply.
 */
static const char *
rq_date(struct rq_front *front)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	if (now == front->date_sec && front->date[0] != '\0')
		return front->date;
	if (gmtime_r(&now, &tm) == NULL)
		fatal("gmtime_r failed");
	snprintf(front->date, sizeof(front->date),
	    "%s, %02d %s %d %02d:%02d:%02d GMT", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	front->date_sec = now;
	return front->date;
}

static void
rq_send(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(rq->req);
	evutil_socket_t fd;
	char clen[UTIL_LL_TEXT_MAX + 1];

	rq_detach(rq);
	rq_add_cors(rq);
	rq_add_header(rq, "Content-Type", ctype);
	rq_add_header(rq, "X-Request-Id", rq->id);
	rq_add_header(rq, "Cache-Control", "no-store");
	rq_add_header(rq, "Date", rq_date(rq->front));
	/* The length, put here rather than printf'd by evhttp; a HEAD reply
	 * has it without the body (evhttp would send the body). */
	if (status >= 200 && status != 204 && status != 304) {
		clen[util_ll_text(clen, (long long)len)] = '\0';
		rq_add_header(rq, "Content-Length", clen);
		if (evhttp_request_get_command(rq->req) == EVHTTP_REQ_HEAD)
			len = 0;
	}
	if (len > 0 && evbuffer_add(out, data, len) == -1)
		fatal("evbuffer_add failed");
	fd = rq_socket(rq);
	/* libevent 2.1 knows no reason phrase for 429. */
	evhttp_send_reply(rq->req, status, status == 429 ?
	    "Too Many Requests" : NULL, NULL);
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

static void	rq_put_spare(struct rq *);

/* The one way a request ends.  status 0: the peer is gone, no reply. */
void
rq_finish(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	if (rq->finished)
		return;
	/* The handler has answered (or lost its peer, or its time): none of
	 * its calls may call it back, even while the answer waits. */
	rq_lk_cancel_all(rq);
	/* The gate may take the answer over (a token it still takes). */
	if (rq->req != NULL && status != 0 &&
	    rq->front->answer_check != NULL &&
	    rq->front->answer_check(rq, status, ctype, data, len) != 0)
		return;	/* answered 429 instead, or waits for Redis */
	rq->finished = 1;
	if (rq->req != NULL && status != 0)
		rq_send(rq, status, ctype, data, len);
	rq_detach(rq);
	if (rq->deadline != NULL)
		event_del(rq->deadline);	/* freed with the rq object */
	rlshared_cancel(rq->rl_op);
	rq_hold(rq, NULL, NULL);
	rq_log_access(rq, status);
	rq->front->inflight--;
	rq_count(rq, status);
	if (rq->query != NULL) {
		evhttp_clear_headers(rq->query);
		free(rq->query);
	}
	cJSON_Delete(rq->json);
	free(rq->body);
	free(rq->held_ctype);
	free(rq->held_data);
	rq_put_spare(rq);
}

static void
rq_deadline_fired(evutil_socket_t fd, short what, void *arg)
{
	struct rq *rq = arg;

	(void)fd;
	(void)what;
	rq->deadline_fn(rq);
}

void
rq_arm_deadline(struct rq *rq, long long ms, void (*fired)(struct rq *))
{
	struct timeval tv;

	rq->deadline_fn = fired;
	/* The timer is made once per request object and kept with it when
	 * the object is reused (rq_get_spare). */
	if (rq->deadline == NULL &&
	    (rq->deadline = evtimer_new(rq_gate(rq)->base, rq_deadline_fired,
	    rq)) == NULL)
		fatal("evtimer_new failed");
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(rq->deadline, &tv) == -1)
		fatal("evtimer_add failed");
}

/* Microseconds of the monotonic clock, for the latency histograms. */
static uint64_t
mono_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime failed");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The request no longer wants to hear about its connection closing. */
static void
rq_detach(struct rq *rq)
{
	if (rq->backref != NULL) {
		*rq->backref = NULL;
		rq->backref = NULL;
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
	struct rq_front *front = rq->front;
	const struct route *r = rq->match.route;
	size_t i = r != NULL ? (size_t)(r - front->routes) : front->nroutes;

	metrics_request(front->gate->metrics, i, status,
	    mono_us() - rq->t_start_us);
	metrics_gauge_set(front->gate->metrics, MG_INFLIGHT,
	    (int64_t)front->inflight);
}

/* --- arrival: what the gate reads of the request --- */

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

/*
 * Finished requests are kept (at most rq_spare_max) and reused: a request
 * object is some 2 KiB, and allocating that much for every request costs
 * malloc a consolidation of its small free chunks each time.  Not under
 * AddressSanitizer, which must see every request's memory freed.
 */
#if defined(__SANITIZE_ADDRESS__)
static const size_t rq_spare_max = 0;
#else
static const size_t rq_spare_max = 128;
#endif

static struct rq *
rq_get_spare(struct rq_front *front)
{
	struct rq *rq = front->spare;
	struct event *deadline;

	if (rq == NULL)
		return xcalloc(1, sizeof(*rq));
	front->spare = rq->next_spare;
	front->nspare--;
	/* Its timer is not pending and already calls back with this rq. */
	deadline = rq->deadline;
	memset(rq, 0, sizeof(*rq));
	rq->deadline = deadline;
	return rq;
}

static void
rq_free_object(struct rq *rq)
{
	if (rq->deadline != NULL)
		event_free(rq->deadline);
	free(rq);
}

static void
rq_put_spare(struct rq *rq)
{
	struct rq_front *front = rq->front;

	if (front->nspare >= rq_spare_max) {
		rq_free_object(rq);
		return;
	}
	rq->next_spare = front->spare;
	front->spare = rq;
	front->nspare++;
}

void
rq_front_release(struct rq_front *front)
{
	struct rq *rq;

	while ((rq = front->spare) != NULL) {
		front->spare = rq->next_spare;
		rq_free_object(rq);
	}
	front->nspare = 0;
}

struct rq *
rq_new(struct rq_front *front, struct evhttp_request *req,
    struct rq **backref)
{
	struct rq *rq;
	const char *id;

	rq = rq_get_spare(front);
	rq->front = front;
	rq->req = req;
	rq->evcon = evhttp_request_get_connection(req);
	rq->t_start_ms = util_mono_ms();
	rq->method_name = method_name(evhttp_request_get_command(req));
	id = find_header(evhttp_request_get_input_headers(req),
	    "X-Request-Id");
	if (id != NULL && request_id_is_sane(id))
		snprintf(rq->id, sizeof(rq->id), "%s", id);
	else
		util_uuid_random(rq->id);
	front->inflight++;
	rq->t_start_us = mono_us();
	metrics_gauge_set(front->gate->metrics, MG_INFLIGHT,
	    (int64_t)front->inflight);
	rq->backref = backref;
	*backref = rq;
	return rq;
}

void
rq_peer_gone(struct rq *rq)
{
	log_debug("request %s: connection closed before the reply", rq->id);
	rq_detach(rq);
	rq->req = NULL;
	rq_finish(rq, 0, NULL, NULL, 0);
}

const char *
rq_path(const struct rq *rq)
{
	const struct evhttp_uri *uri;
	const char *path;

	uri = evhttp_request_get_evhttp_uri(rq->req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	return path == NULL || *path == '\0' ? "/" : path;
}

int
rq_take_body(struct rq *rq, long long max)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(rq->req);
	size_t len = evbuffer_get_length(in);

	if ((long long)len > max)
		return -1;
	rq->body = xmalloc(len + 1);
	if (len > 0 && evbuffer_copyout(in, rq->body, len) != (ev_ssize_t)len)
		fatal("evbuffer_copyout failed");
	rq->body[len] = '\0';
	rq->bodylen = len;
	return 0;
}

/* The client's address: the peer's, or what trusted proxies say. */
int
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
