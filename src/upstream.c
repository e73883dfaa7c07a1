/*
 * upstream: asynchronous HTTP calls, libcurl's multi interface driven by
 * the libevent loop (the "hiperfifo" shape, with no globals).  The only
 * file that includes curl.h.
 *
 * One CURLM per struct upstream; it is the keep-alive pool.  curl tells us
 * which sockets to watch and when to wake it (the socket and timer
 * callbacks only touch libevent events); our events call
 * curl_multi_socket_action(), then up_drain() collects finished transfers.
 * Finished calls are queued and their done callbacks run from a separate
 * event, so a callback may start or cancel calls freely: it never runs
 * inside curl, inside upstream_start(), or in the middle of a drain.
 *
 * A call is in exactly one of two lists: up->running (its easy handle is
 * in the multi) or up->done_q (result ready, callback not yet run).
 *
 * A call with a sink learns each response's status from its status line
 * (our header callback parses it: no curl_easy_getinfo inside curl's
 * callbacks); the body of a 2xx response goes to the sink as curl hands
 * it over, any other is kept and capped as usual.  Each attempt resets
 * the sink, so a retry never feeds it the same bytes twice.
 *
 * Pitfall checklist (c-daemon-guide.md, section D):
 * - [x] No curl_* call inside the socket, timer, write or debug callbacks.
 *       Debian's 7.88.1 returns CURLM_RECURSIVE_API_CALL, and a zero
 *       timeout can recurse forever (curl#3537).  That is also why sockets
 *       are found in our own fd-indexed table instead of curl_multi_assign.
 * - [x] -1 means delete the timer.
 * - [x] event_del before re-assigning an event.  Test builds may call
 *       event_enable_debug_mode() to catch misuse.
 * - [x] Read the result and private pointer (and response code, content
 *       type, connect count) before remove_handle, and never use the
 *       CURLMsg afterwards.
 * - [x] A handle is removed exactly once, and done runs exactly once:
 *       the call's state field asserts it.
 * - [x] Every transfer has CURLOPT_TIMEOUT_MS; we don't rely on
 *       SERVER_RESPONSE_TIMEOUT (curl#23025).
 * - [x] One multi handle per process (it is the keep-alive pool).
 * - [x] Because of curl#10646 (7.88.x reuses server-closed connections
 *       and can walk through several dead ones), an idempotent call that
 *       fails with CURLE_SEND_ERROR, CURLE_RECV_ERROR or CURLE_GOT_NOTHING
 *       is retried once, on a fresh connection, within its time budget.
 * - [x] An integration test restarts the fake LiveKit between two calls
 *       (test/integration/faults.test.mjs).
 * - [x] Response body is capped (or given to a sink, never kept);
 *       request body is owned for the transfer's life; the header slist
 *       is freed after cleanup.
 * - [x] SIGPIPE is ignored (in main.c: libevent 2.1 writes without
 *       MSG_NOSIGNAL).
 * - [x] Curl's verbose output goes to log_debug through
 *       CURLOPT_DEBUGFUNCTION, only at debug level, headers only, with
 *       Authorization redacted (upstream_debug.c, which knows no curl).
 */
#include <sys/queue.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "upstream.h"
#include "upstream_internal.h"
#include "util.h"

/* Below the idle timeout of LiveKit's Go server and of usual balancers. */
#define UP_MAXAGE_CONN_S	30L
/* Pool size when the caller sets no bound. */
#define UP_DEFAULT_POOL		16L

enum call_state {
	CALL_RUNNING,	/* easy handle in the multi */
	CALL_QUEUED,	/* result ready, in done_q */
	CALL_IN_DONE	/* done callback running; freed when it returns */
};

struct up_sock {
	struct upstream		*up;
	curl_socket_t		 fd;
	struct event		*ev;
};

struct up_call {
	struct upstream		*up;
	enum call_state		 state;
	CURL			*easy;
	struct curl_slist	*hdrs;		/* owned until cleanup */
	char			*url;
	int			 post;
	char			*body;		/* owned; for POSTFIELDS */
	size_t			 bodylen;
	long			 timeout_ms;
	long			 connect_timeout_ms;
	int			 idempotent;
	int			 retried;
	uint64_t		 t_start;
	struct up_body		 rb;		/* the response as it arrives */
	/* the result, filled when the call leaves the multi */
	enum up_status		 status;
	long			 http_status;
	char			*content_type;
	char			 errbuf[CURL_ERROR_SIZE];
	up_done_fn		 done;
	void			*arg;
	TAILQ_ENTRY(up_call)	 entry;
};

TAILQ_HEAD(up_call_list, up_call);

struct upstream {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;		/* one-shot, armed by curl */
	struct event		*done_ev;	/* runs done callbacks */
	struct up_call_list	 running;
	struct up_call_list	 done_q;
	size_t			 ncalls;
	unsigned long		 connects;
	struct up_sock		**socks;	/* indexed by fd */
	size_t			 nsocks;
};

static void	up_drain(struct upstream *);

/* --- sockets and timer: curl's callbacks only touch events --- */

static struct up_sock *
up_sock_get(struct upstream *up, curl_socket_t fd)
{
	if (fd < 0 || (size_t)fd >= up->nsocks)
		return NULL;
	return up->socks[fd];
}

static void
up_sock_free(struct up_sock *us)
{
	struct upstream *up = us->up;

	if ((size_t)us->fd < up->nsocks && up->socks[us->fd] == us)
		up->socks[us->fd] = NULL;
	event_free(us->ev);	/* deletes it first */
	free(us);
}

static void
up_sock_fire(evutil_socket_t fd, short what, void *arg)
{
	struct up_sock *us = arg;
	struct upstream *up = us->up;
	CURLMcode mc;
	int mask = 0, running;

	if (what & EV_READ)
		mask |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	/* us may be freed inside this call (CURL_POLL_REMOVE). */
	mc = curl_multi_socket_action(up->multi, fd, mask, &running);
	if (mc != CURLM_OK)
		log_warn("upstream: socket action: %s",
		    curl_multi_strerror(mc));
	up_drain(up);
}

/* Creates the watcher of fd; NULL when libevent refuses. */
static struct up_sock *
up_sock_new(struct upstream *up, curl_socket_t fd, short flags)
{
	struct up_sock *us;
	size_t n;

	if ((size_t)fd >= up->nsocks) {
		n = (size_t)fd + 16;
		up->socks = xrealloc(up->socks, n * sizeof(*up->socks));
		memset(up->socks + up->nsocks, 0,
		    (n - up->nsocks) * sizeof(*up->socks));
		up->nsocks = n;
	}
	us = xcalloc(1, sizeof(*us));
	us->up = up;
	us->fd = fd;
	if ((us->ev = event_new(up->base, fd, flags, up_sock_fire, us)) ==
	    NULL) {
		free(us);
		return NULL;
	}
	up->socks[fd] = us;
	return us;
}

static int
up_sock_watch(struct upstream *up, curl_socket_t fd, int what)
{
	struct up_sock *us;
	short flags = EV_PERSIST;

	if (what & CURL_POLL_IN)
		flags |= EV_READ;
	if (what & CURL_POLL_OUT)
		flags |= EV_WRITE;
	if ((us = up_sock_get(up, fd)) == NULL) {
		if ((us = up_sock_new(up, fd, flags)) == NULL)
			goto fail;
	} else if (event_del(us->ev) == -1 ||
	    event_assign(us->ev, up->base, fd, flags, up_sock_fire, us) == -1)
		goto fail;
	if (event_add(us->ev, NULL) == -1)
		goto fail;
	return 0;
fail:
	log_error("upstream: cannot watch socket %d", (int)fd);
	return -1;	/* curl fails the transfers on this socket */
}

static int
up_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct upstream *up = userp;
	struct up_sock *us;

	(void)easy;
	(void)socketp;		/* never assigned: see the checklist */
	if (what == CURL_POLL_REMOVE) {
		if ((us = up_sock_get(up, fd)) != NULL)
			up_sock_free(us);
		return 0;
	}
	return up_sock_watch(up, fd, what);
}

static int
up_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct upstream *up = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(up->timer) == 0 ? 0 : -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(up->timer, &tv) == -1) {
		log_error("upstream: cannot arm the curl timer");
		return -1;
	}
	return 0;
}

static void
up_timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;
	CURLMcode mc;
	int running;

	(void)fd;
	(void)what;
	mc = curl_multi_socket_action(up->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	if (mc != CURLM_OK)
		log_warn("upstream: timeout action: %s",
		    curl_multi_strerror(mc));
	up_drain(up);
}

/* --- easy handle callbacks --- */

/* Every response's header lines (interim ones too), for a call with a
 * sink: the status line's code decides where the body goes. */
static size_t
up_header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct up_call *c = userdata;

	up_body_header(&c->rb, buf, size * nitems);
	return size * nitems;
}

/* Taking less than offered makes curl abort with CURLE_WRITE_ERROR. */
static size_t
up_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct up_call *c = userdata;

	return up_body_take(&c->rb, ptr, size * nmemb);
}

/* Curl's verbose text and headers (never bodies) to log_debug. */
static int
up_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size,
    void *userp)
{
	(void)easy;
	(void)userp;
	if (type == CURLINFO_TEXT)
		up_debug_lines("*", data, size);
	else if (type == CURLINFO_HEADER_OUT)
		up_debug_lines(">", data, size);
	else if (type == CURLINFO_HEADER_IN)
		up_debug_lines("<", data, size);
	return 0;
}

/* --- one call --- */

static void
up_seterr(struct up_call *c, const char *why)
{
	snprintf(c->errbuf, sizeof(c->errbuf), "%s", why);
}

static int
up_easy_setup_http(struct up_call *c, CURL *h)
{
	if (!c->post)
		return curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK ?
		    0 : -1;
	/* The size first, so POSTFIELDS is not taken as a C string. */
	if (curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)c->bodylen) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body) != CURLE_OK)
		return -1;
	return 0;
}

static int
up_easy_setup_debug(CURL *h)
{
	if (log_get_level() != LOG_DEBUG)
		return 0;
	if (curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, up_debug_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) != CURLE_OK)
		return -1;
	return 0;
}

/* Sets every option of an attempt; timeout is what is left of the budget. */
static int
up_easy_setup(struct up_call *c, CURL *h, long timeout)
{
	long connect = c->connect_timeout_ms;

	if (connect <= 0 || connect > timeout)
		connect = timeout;
	if (curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PRIVATE, c) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, up_write_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, UP_MAXAGE_CONN_S) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT,
	    c->retried ? 1L : 0L) != CURLE_OK)
		return -1;
	if (c->rb.sink.chunk != NULL &&
	    (curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, up_header_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, c) != CURLE_OK))
		return -1;
	if (up_easy_setup_http(c, h) == -1 || up_easy_setup_debug(h) == -1)
		return -1;
	return 0;
}

/* Puts c's easy handle in the multi: 0, or -1 with c->errbuf set. */
static int
up_call_launch(struct up_call *c, long timeout)
{
	CURLMcode mc;

	c->errbuf[0] = '\0';
	up_body_restart(&c->rb);
	if ((c->easy = curl_easy_init()) == NULL) {
		up_seterr(c, "cannot create a curl handle");
		return -1;
	}
	if (up_easy_setup(c, c->easy, timeout) == -1) {
		up_seterr(c, "cannot set curl options");
		goto fail;
	}
	if ((mc = curl_multi_add_handle(c->up->multi, c->easy)) != CURLM_OK) {
		up_seterr(c, curl_multi_strerror(mc));
		goto fail;
	}
	return 0;
fail:
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
	return -1;
}

/* Moves c to done_q with status; its callback runs from done_ev. */
static void
up_call_queue(struct up_call *c, enum up_status status)
{
	struct upstream *up = c->up;

	assert(c->state == CALL_RUNNING && c->easy == NULL);
	c->status = status;
	c->state = CALL_QUEUED;
	TAILQ_REMOVE(&up->running, c, entry);
	TAILQ_INSERT_TAIL(&up->done_q, c, entry);
	event_active(up->done_ev, EV_TIMEOUT, 0);
}

static void
up_call_free(struct up_call *c)
{
	curl_slist_free_all(c->hdrs);
	free(c->url);
	free(c->body);
	free(c->rb.resp);
	free(c->content_type);
	free(c);
}

/* Removes the easy handle of a running call from the multi, once. */
static void
up_call_detach(struct up_call *c)
{
	CURLMcode mc;

	assert(c->state == CALL_RUNNING && c->easy != NULL);
	if ((mc = curl_multi_remove_handle(c->up->multi, c->easy)) != CURLM_OK)
		log_warn("upstream: remove handle: %s",
		    curl_multi_strerror(mc));
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
}

static enum up_status
up_status_of(const struct up_call *c, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return UP_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return UP_REFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return UP_TIMEOUT;
	case CURLE_WRITE_ERROR:
		return c->rb.too_large ? UP_TOO_LARGE : UP_ERROR;
	default:
		return UP_ERROR;
	}
}

/* Returns the budget left for a retry of c after rc, or 0 for none. */
static long
up_retry_budget(const struct up_call *c, CURLcode rc)
{
	uint64_t spent;

	if (!c->idempotent || c->retried)
		return 0;
	if (rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_GOT_NOTHING)
		return 0;
	spent = util_mono_ms() - c->t_start;
	if (spent >= (uint64_t)c->timeout_ms)
		return 0;
	return c->timeout_ms - (long)spent;
}

/* Reads what we need from a finished easy handle, before removing it. */
static void
up_call_harvest(struct up_call *c, CURLcode rc)
{
	const char *ct = NULL;
	long n = 0;

	if (curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK
	    && n > 0)
		c->up->connects += (unsigned long)n;
	c->http_status = 0;
	FREE_AND_NULL(c->content_type);
	if (rc == CURLE_OK) {
		if (curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE,
		    &c->http_status) != CURLE_OK)
			c->http_status = 0;
		if (curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ct) ==
		    CURLE_OK && ct != NULL)
			c->content_type = xstrdup(ct);
	}
	if (rc != CURLE_OK && c->rb.sink_stopped)
		up_seterr(c, "the reader of the answer stopped it");
	else if (rc != CURLE_OK && c->errbuf[0] == '\0')
		up_seterr(c, curl_easy_strerror(rc));
}

/* A transfer of c ended with rc: retry it once, or queue its result. */
static void
up_call_finished(struct up_call *c, CURLcode rc)
{
	long budget;

	up_call_harvest(c, rc);
	up_call_detach(c);
	if ((budget = up_retry_budget(c, rc)) > 0) {
		log_info("upstream: retrying %s on a fresh connection: %s",
		    c->url, c->errbuf);
		c->retried = 1;
		if (up_call_launch(c, budget) == 0)
			return;
		log_warn("upstream: retry of %s failed to start: %s", c->url,
		    c->errbuf);
		up_call_queue(c, UP_ERROR);
		return;
	}
	up_call_queue(c, up_status_of(c, rc));
}

/* Collects the transfers curl has finished.  Never calls done itself. */
static void
up_drain(struct upstream *up)
{
	struct up_call *c;
	CURLMsg *m;
	CURL *easy;
	CURLcode rc;
	char *priv;
	int left;

	while ((m = curl_multi_info_read(up->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		rc = m->data.result;
		/* m is invalid from here on: it dies with remove_handle. */
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) !=
		    CURLE_OK || priv == NULL) {
			log_error("upstream: finished transfer without a call");
			continue;
		}
		c = (struct up_call *)(void *)priv;
		assert(c->easy == easy);
		up_call_finished(c, rc);
	}
}

/* Runs queued done callbacks, one at a time: each may start or cancel. */
static void
up_done_fire(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;
	struct up_result res;
	struct up_call *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&up->done_q)) != NULL) {
		assert(c->state == CALL_QUEUED);
		TAILQ_REMOVE(&up->done_q, c, entry);
		c->state = CALL_IN_DONE;
		up->ncalls--;
		memset(&res, 0, sizeof(res));
		res.status = c->status;
		res.http_status = c->status == UP_OK ? c->http_status : 0;
		res.body = c->rb.resp != NULL ? c->rb.resp : "";
		res.bodylen = c->rb.resplen;
		res.streamed = c->status == UP_OK && up_body_sinking(&c->rb);
		res.content_type = c->content_type;
		res.error = c->status == UP_OK ? NULL : c->errbuf;
		res.elapsed_ms = (unsigned long)(util_mono_ms() - c->t_start);
		res.retried = c->retried;
		if (c->done != NULL)
			c->done(c->arg, &res);
		up_call_free(c);
	}
}

/* Copies the request into c; -1 with c->errbuf set when it is unusable. */
static int
up_call_fill(struct up_call *c, const struct up_request *rq)
{
	struct curl_slist *l;
	const char *const *h;

	if (rq->url == NULL || rq->method == NULL || rq->timeout_ms <= 0 ||
	    rq->max_response == 0 || (strcmp(rq->method, "GET") != 0 &&
	    strcmp(rq->method, "POST") != 0)) {
		up_seterr(c, "invalid request");
		return -1;
	}
	c->url = xstrdup(rq->url);
	c->post = strcmp(rq->method, "POST") == 0;
	c->body = xmalloc(rq->bodylen + 1);
	if (rq->bodylen > 0)
		memcpy(c->body, rq->body, rq->bodylen);
	c->body[rq->bodylen] = '\0';
	c->bodylen = rq->bodylen;
	c->timeout_ms = rq->timeout_ms;
	c->connect_timeout_ms = rq->connect_timeout_ms;
	c->rb.max_response = rq->max_response;
	c->idempotent = rq->idempotent;
	if (rq->sink != NULL && rq->sink->chunk != NULL)
		c->rb.sink = *rq->sink;
	/* No "Expect: 100-continue" round trip on larger bodies. */
	if ((c->hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		goto nomem;
	for (h = rq->headers; h != NULL && *h != NULL; h++) {
		if ((l = curl_slist_append(c->hdrs, *h)) == NULL)
			goto nomem;
		c->hdrs = l;
	}
	return 0;
nomem:
	up_seterr(c, "cannot build the header list");
	return -1;
}

/* A new call, counted and in the running list, with no handle yet. */
static struct up_call *
up_call_new(struct upstream *up, up_done_fn done, void *arg)
{
	struct up_call *c;

	c = xcalloc(1, sizeof(*c));
	c->up = up;
	c->done = done;
	c->arg = arg;
	c->t_start = util_mono_ms();
	c->state = CALL_RUNNING;
	TAILQ_INSERT_TAIL(&up->running, c, entry);
	up->ncalls++;
	return c;
}

struct up_call *
upstream_start(struct upstream *up, const struct up_request *rq,
    up_done_fn done, void *arg)
{
	struct up_call *c;

	c = up_call_new(up, done, arg);
	if (up_call_fill(c, rq) == -1 ||
	    up_call_launch(c, c->timeout_ms) == -1) {
		log_warn("upstream: cannot start a call to %s: %s",
		    rq->url != NULL ? rq->url : "(null)", c->errbuf);
		up_call_queue(c, UP_ERROR);	/* reported from the loop */
	}
	return c;
}

struct up_call *
upstream_fail(struct upstream *up, const char *why, up_done_fn done,
    void *arg)
{
	struct up_call *c;

	c = up_call_new(up, done, arg);
	up_seterr(c, why != NULL ? why : "call not started");
	up_call_queue(c, UP_ERROR);
	return c;
}

void
upstream_cancel(struct up_call *c)
{
	struct upstream *up;

	if (c == NULL)
		return;
	up = c->up;
	switch (c->state) {
	case CALL_IN_DONE:
		return;		/* its own callback: freed when it returns */
	case CALL_RUNNING:
		up_call_detach(c);
		TAILQ_REMOVE(&up->running, c, entry);
		break;
	case CALL_QUEUED:
		TAILQ_REMOVE(&up->done_q, c, entry);
		break;
	}
	up->ncalls--;
	up_call_free(c);
}

struct event_base *
upstream_base(const struct upstream *up)
{
	return up->base;
}

size_t
upstream_inflight(const struct upstream *up)
{
	return up->ncalls;
}

unsigned long
upstream_connects(const struct upstream *up)
{
	return up->connects;
}

static int
up_multi_setup(struct upstream *up, long max_conns)
{
	CURLM *m = up->multi;
	long pool = max_conns > 0 ? max_conns : UP_DEFAULT_POOL;

	if (max_conns < 0)
		max_conns = 0;		/* curl's "no limit" */
	if (curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, up_socket_cb) !=
	    CURLM_OK ||
	    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, up) != CURLM_OK ||
	    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, up_timer_cb) !=
	    CURLM_OK ||
	    curl_multi_setopt(m, CURLMOPT_TIMERDATA, up) != CURLM_OK ||
	    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, max_conns) !=
	    CURLM_OK ||
	    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, pool) != CURLM_OK)
		return -1;
	return 0;
}

struct upstream *
upstream_new(struct event_base *base, long max_conns)
{
	struct upstream *up;
	CURLcode rc;

	/* Reference-counted (and thread-safe) since curl 7.84. */
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		log_error("upstream: curl_global_init: %s",
		    curl_easy_strerror(rc));
		return NULL;
	}
	up = xcalloc(1, sizeof(*up));
	up->base = base;
	TAILQ_INIT(&up->running);
	TAILQ_INIT(&up->done_q);
	if ((up->timer = evtimer_new(base, up_timer_fire, up)) == NULL ||
	    (up->done_ev = event_new(base, -1, 0, up_done_fire, up)) == NULL ||
	    (up->multi = curl_multi_init()) == NULL ||
	    up_multi_setup(up, max_conns) == -1) {
		log_error("upstream: cannot set up the curl multi handle");
		upstream_free(up);
		return NULL;
	}
	return up;
}

void
upstream_free(struct upstream *up)
{
	struct up_call *c;
	size_t i;

	if (up == NULL)
		return;
	while ((c = TAILQ_FIRST(&up->running)) != NULL)
		upstream_cancel(c);
	while ((c = TAILQ_FIRST(&up->done_q)) != NULL)
		upstream_cancel(c);
	/* May call the socket and timer callbacks: events still exist. */
	if (up->multi != NULL)
		curl_multi_cleanup(up->multi);
	for (i = 0; i < up->nsocks; i++)
		if (up->socks[i] != NULL)
			up_sock_free(up->socks[i]);
	free(up->socks);
	if (up->timer != NULL)
		event_free(up->timer);
	if (up->done_ev != NULL)
		event_free(up->done_ev);
	free(up);
	curl_global_cleanup();
}
