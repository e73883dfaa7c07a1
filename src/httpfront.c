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
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "conf.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "util.h"

#define REQUEST_ID_MAX 128

struct httpfront {
	struct lkgate		*gate;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	const struct route	*routes;
	size_t			 nroutes;
	size_t			 inflight;
};

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
};

static void	rq_finish(struct rq *, int status, const char *ctype,
		    const char *data, size_t len);

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
	cb(rq, res);
}

void
rq_lk_call(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_fn cb)
{
	if (rq->call != NULL)
		fatal("rq_lk_call: request %s already has a call", rq->id);
	rq->lk_cb = cb;
	rq->call = lk_call(rq_gate(rq)->lk, method, room, body, rq_lk_done,
	    rq);
}

void
rq_lk_probe(struct rq *rq, rq_lk_fn cb)
{
	if (rq->call != NULL)
		fatal("rq_lk_probe: request %s already has a call", rq->id);
	rq->lk_cb = cb;
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

static void
rq_verror(struct rq *rq, enum api_err e, const char *fmt, va_list ap)
{
	cJSON *o;
	char *msg;

	msg = xvasprintf(fmt, ap);
	o = json_new_object();
	json_add_string(o, "error", msg);
	json_add_string(o, "code", apierr_code(e));
	json_add_int(o, "timestamp", util_wall_s());
	json_add_string(o, "request_id", rq->id);
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

static void
rq_send(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	struct evbuffer *buf;

	evhttp_connection_set_closecb(rq->evcon, NULL, NULL);
	rq_add_header(rq, "Content-Type", ctype);
	rq_add_header(rq, "X-Request-Id", rq->id);
	rq_add_header(rq, "Cache-Control", "no-store");
	if ((buf = evbuffer_new()) == NULL)
		fatal("evbuffer_new failed");
	if (evbuffer_add(buf, data, len) == -1)
		fatal("evbuffer_add failed");
	evhttp_send_reply(rq->req, status, NULL, buf);
	evbuffer_free(buf);
	rq->req = NULL;
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
	rq->finished = 1;
	if (rq->req != NULL && status != 0)
		rq_send(rq, status, ctype, data, len);
	else if (rq->req != NULL)
		evhttp_connection_set_closecb(rq->evcon, NULL, NULL);
	if (rq->call != NULL)
		lk_cancel(rq->call);
	if (rq->deadline != NULL)
		event_free(rq->deadline);
	rq_hold(rq, NULL, NULL);
	rq_log_access(rq, status);
	rq->front->inflight--;
	if (rq->query_parsed)
		evhttp_clear_headers(&rq->query);
	cJSON_Delete(rq->json);
	free(rq->body);
	free(rq);
}

static void
rq_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct rq *rq = arg;

	(void)evcon;
	log_debug("request %s: connection closed before the reply", rq->id);
	rq->req = NULL;
	rq_finish(rq, 0, NULL, NULL, 0);
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
	evhttp_connection_set_closecb(rq->evcon, rq_conn_closed, rq);
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

static int
rq_authenticate(struct rq *rq)
{
	const char *why;

	switch (rq->match.route->auth) {
	case AUTH_API_KEY:
		if (auth_api_key(rq_gate(rq)->conf, rq_header(rq, "X-API-Key"),
		    &rq->who, &why) == -1) {
			rq_reply_error(rq, E_UNAUTHORIZED, "%s", why);
			return -1;
		}
		return 0;
	case AUTH_NONE:
	case AUTH_WEBHOOK:
		return 0;
	}
	return -1;
}

/* Answers a path that exists but not with this method. */
static void
rq_bad_method(struct rq *rq, int allow, int method)
{
	char list[128];

	router_allow_string(allow | M_OPTIONS, list, sizeof(list));
	rq_add_header(rq, "Allow", list);
	if (method == M_OPTIONS)
		rq_finish(rq, 204, "text/plain", "", 0);
	else
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

static void
rq_route(struct rq *rq)
{
	const struct evhttp_uri *uri;
	const char *path;
	int method, allow;

	method = router_method_from_name(rq->method_name);
	uri = evhttp_request_get_evhttp_uri(rq->req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	switch (router_match(rq->front->routes, rq->front->nroutes, method,
	    path, &rq->match, &allow)) {
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
	if (rq->match.route->json_body && rq_parse_json(rq) == -1)
		return;
	if (rq_authenticate(rq) == -1)
		return;
	rq_arm_deadline(rq);
	rq->match.route->handler(rq);
}

static void
front_request(struct evhttp_request *req, void *arg)
{
	struct httpfront *front = arg;
	struct rq *rq;

	rq = rq_new(front, req);
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
	evhttp_set_max_headers_size(front->http, (ev_ssize_t)c->max_header_bytes);
	evhttp_set_max_body_size(front->http, (ev_ssize_t)c->max_body_bytes * 2);
	evhttp_set_timeout(front->http, 30);
	evhttp_set_allowed_methods(front->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(front->http, "application/json");
	evhttp_set_gencb(front->http, front_request, front);
	front->bound = evhttp_bind_socket_with_handle(front->http,
	    c->listen_host, (ev_uint16_t)c->listen_port);
	if (front->bound == NULL) {
		*err = xasprintf("cannot listen on %s", c->listen);
		evhttp_free(front->http);
		free(front);
		return NULL;
	}
	return front;
}

void
httpfront_stop_accepting(struct httpfront *front)
{
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
	if (front == NULL)
		return;
	evhttp_free(front->http);
	free(front);
}
