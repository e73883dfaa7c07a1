/*
 * redistls: a Unix socket that hiredis connects to, relayed through TLS
 * to the Redis server (see include/redistls.h).
 *
 * A relayed connection has two bufferevents: local, hiredis's side, which
 * carries plaintext, and remote, the server's, which carries ciphertext;
 * between them, one TLS session.  Every callback of either side runs
 * pump(), which moves bytes as far as they go:
 *
 *   remote input  -> session (feed)        until the session is full
 *   session       -> local output (read)   until local output is full
 *   local input   -> session (write)       once the handshake is over
 *   session       -> remote output (send)  until remote output is full
 *
 * and advances the handshake while it is not over.  Each buffer has a
 * ceiling (the bufferevents' read watermarks and the checks on their
 * output here, the session's own), so a side that does not read stops
 * the other from reading; a write callback at the low watermark resumes.
 *
 * A connection ends in one of three ways.  hiredis closes its side: both
 * are freed at once, silently.  The relay fails (connect refused, the
 * timeout, a TLS error): both are freed and the reason kept for
 * redistls_error.  The server closes the session after the handshake:
 * the server's side is freed and hiredis's side once it has taken the
 * replies already decrypted ("closing").
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "crypto_tls.h"
#include "log.h"
#include "redistls.h"
#include "util.h"

#define MAX_CONNS	4		/* relayed at once (hiredis: one) */
#define LOCAL_MAX	(64 * 1024)	/* plaintext buffered either way */
#define REMOTE_MAX	(64 * 1024)	/* ciphertext queued to the server */
#define CHUNK		(16 * 1024)	/* one TLS record's plaintext */
#define ERROR_MAX	400
#define SOCK_NAME	"redis.sock"

struct rt_conn {
	struct redistls		*rt;
	TAILQ_ENTRY(rt_conn)	 entry;
	struct bufferevent	*local;		/* hiredis's side */
	struct bufferevent	*remote;	/* the server's; NULL once
						   closing */
	struct crypto_tls	*tls;
	struct event		*timer;		/* connect and handshake */
	int			 connected;	/* TCP is up */
	char			 target[80];	/* "ip:port", for messages */
};

struct redistls {
	struct event_base	*base;
	struct crypto_tls_conf	*tc;
	char			*server_name;
	uint64_t		 timeout_ms;
	char			*dir;
	char			*path;
	struct evconnlistener	*lis;
	struct sockaddr_storage	 addr;		/* the target */
	int			 addrlen;	/* 0: none yet */
	char			 target[80];
	TAILQ_HEAD(conn_head, rt_conn) conns;	/* the latest last */
	size_t			 nconns;
	char			 error[ERROR_MAX];
};

/* --- a relayed connection --- */

static void
conn_free(struct rt_conn *c)
{
	struct redistls *rt = c->rt;

	TAILQ_REMOVE(&rt->conns, c, entry);
	rt->nconns--;
	if (c->timer != NULL)
		event_free(c->timer);
	crypto_tls_free(c->tls);
	if (c->remote != NULL)
		bufferevent_free(c->remote);
	bufferevent_free(c->local);
	free(c);
}

/*
 * The alert a failed handshake left in the session (a certificate not
 * accepted: bad_certificate), so that the server can log why: a few
 * bytes, sent when nothing else waits, at once or never.
 */
static void
send_alert(struct rt_conn *c)
{
	const void *p;
	size_t len;

	if (c->remote == NULL || !c->connected ||
	    evbuffer_get_length(bufferevent_get_output(c->remote)) != 0 ||
	    (p = crypto_tls_pending(c->tls, &len)) == NULL)
		return;
	(void)send(bufferevent_getfd(c->remote), p, len,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The relay failed: both sides closed, the reason kept (for the latest
 * connection only: an older one is no longer hiredis's). */
static void
conn_fail(struct rt_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conn_fail(struct rt_conn *c, const char *fmt, ...)
{
	struct redistls *rt = c->rt;
	char why[ERROR_MAX - 100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_debug("redis TLS %s: %s", c->target, why);
	if (c == TAILQ_LAST(&rt->conns, conn_head))
		snprintf(rt->error, sizeof(rt->error), "TLS: %s", why);
	send_alert(c);
	conn_free(c);
}

/* The server ended the session: hiredis's side gets what was decrypted,
 * then is closed. */
static void
conn_closing(struct rt_conn *c)
{
	log_debug("redis TLS %s: the server closed the session", c->target);
	crypto_tls_free(c->tls);
	c->tls = NULL;
	bufferevent_free(c->remote);
	c->remote = NULL;
	bufferevent_disable(c->local, EV_READ);
	bufferevent_setwatermark(c->local, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(c->local)) == 0)
		conn_free(c);
}

/* Ciphertext received -> the session.  Returns the bytes moved. */
static size_t
feed_in(struct rt_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->remote);
	struct evbuffer_iovec v[4];
	size_t took, total = 0;
	int i, n;

	n = evbuffer_peek(in, -1, NULL, v, 4);
	for (i = 0; i < n && i < 4; i++) {
		took = crypto_tls_feed(c->tls, v[i].iov_base, v[i].iov_len);
		total += took;
		if (took < v[i].iov_len)
			break;
	}
	if (total > 0 && evbuffer_drain(in, total) == -1)
		fatal("evbuffer_drain failed");
	return total;
}

/* The session's ciphertext -> the server, up to REMOTE_MAX queued. */
static size_t
send_out(struct rt_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->remote);
	const void *p;
	size_t len, room, total = 0;

	while ((p = crypto_tls_pending(c->tls, &len)) != NULL &&
	    evbuffer_get_length(out) < REMOTE_MAX) {
		room = REMOTE_MAX - evbuffer_get_length(out);
		if (len > room)
			len = room;
		if (bufferevent_write(c->remote, p, len) == -1)
			fatal("bufferevent_write failed");
		crypto_tls_sent(c->tls, len);
		total += len;
	}
	return total;
}

/* Plaintext from the server -> hiredis, up to LOCAL_MAX queued.  Returns
 * the bytes moved, or -1 when the connection was closed or freed. */
static long
read_plain(struct rt_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->local);
	unsigned char buf[CHUNK];
	size_t got, room;
	long total = 0;

	while (evbuffer_get_length(out) < LOCAL_MAX) {
		room = LOCAL_MAX - evbuffer_get_length(out);
		switch (crypto_tls_read(c->tls, buf,
		    room < sizeof(buf) ? room : sizeof(buf), &got)) {
		case CRYPTO_TLS_OK:
			if (bufferevent_write(c->local, buf, got) == -1)
				fatal("bufferevent_write failed");
			total += (long)got;
			break;
		case CRYPTO_TLS_WANT:
			return total;
		case CRYPTO_TLS_CLOSED:
			conn_closing(c);
			return -1;
		case CRYPTO_TLS_ERROR:
			conn_fail(c, "%s", crypto_tls_error(c->tls));
			return -1;
		}
	}
	return total;
}

/* Plaintext from hiredis -> the session, its ciphertext sent as it
 * comes.  Returns the bytes moved, or -1 when the connection was freed. */
static long
write_plain(struct rt_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->local);
	unsigned char *p;
	size_t len, took;
	long total = 0;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (len > CHUNK)
			len = CHUNK;
		if ((p = evbuffer_pullup(in, (ev_ssize_t)len)) == NULL)
			fatal("evbuffer_pullup failed");
		switch (crypto_tls_write(c->tls, p, len, &took)) {
		case CRYPTO_TLS_OK:
			if (evbuffer_drain(in, took) == -1)
				fatal("evbuffer_drain failed");
			total += (long)took;
			send_out(c);
			break;
		case CRYPTO_TLS_WANT:
			return total;
		case CRYPTO_TLS_CLOSED:
		case CRYPTO_TLS_ERROR:
			conn_fail(c, "%s", crypto_tls_error(c->tls));
			return -1;
		}
	}
	return total;
}

/* Advances the handshake: 1 when it just ended, 0 when it waits, -1 when
 * it failed (the connection freed). */
static int
handshake(struct rt_conn *c)
{
	if (crypto_tls_is_open(c->tls))
		return 0;
	switch (crypto_tls_handshake(c->tls)) {
	case CRYPTO_TLS_OK:
		event_del(c->timer);
		log_debug("redis TLS %s: handshake done", c->target);
		return 1;
	case CRYPTO_TLS_WANT:
		return 0;
	case CRYPTO_TLS_CLOSED:
	case CRYPTO_TLS_ERROR:
		break;
	}
	conn_fail(c, "%s", crypto_tls_error(c->tls));
	return -1;
}

/* Moves everything as far as it goes (see the top of the file).
 * Returns 0, or -1 when the connection was freed or is closing. */
static int
pump(struct rt_conn *c)
{
	long moved, n;
	int r;

	if (c->remote == NULL)
		return -1;
	if (!c->connected)
		return 0;
	do {
		moved = (long)feed_in(c);
		if ((r = handshake(c)) == -1)
			return -1;
		moved += r;
		if (crypto_tls_is_open(c->tls)) {
			if ((n = read_plain(c)) == -1)
				return -1;
			moved += n;
			if ((n = write_plain(c)) == -1)
				return -1;
			moved += n;
		}
		moved += (long)send_out(c);
	} while (moved > 0);
	return 0;
}

static void
local_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)pump(arg);
}

static void
local_write(struct bufferevent *bev, void *arg)
{
	struct rt_conn *c = arg;

	if (c->remote == NULL) {	/* closing: all was taken */
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	(void)pump(c);
}

/* hiredis went away (or its socket failed): nothing to tell. */
static void
local_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
remote_readwrite(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)pump(arg);
}

static void
remote_event(struct bufferevent *bev, short what, void *arg)
{
	struct rt_conn *c = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->connected = 1;
		if (bufferevent_enable(c->remote, EV_READ) == -1)
			fatal("bufferevent_enable failed");
		(void)pump(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		/* A connect refused at once is told later: errno may be
		 * another's by then, and is not quoted unless set. */
		if (err == 0)
			conn_fail(c, "%s", c->connected ? "connection error" :
			    "cannot connect");
		else
			conn_fail(c, "%s%s", c->connected ? "" :
			    "cannot connect: ",
			    evutil_socket_error_to_string(err));
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	if (!crypto_tls_is_open(c->tls)) {
		conn_fail(c, "the server closed the connection during the "
		    "TLS handshake");
		return;
	}
	/* What arrived before the end is still hiredis's. */
	if (pump(c) == 0)
		conn_closing(c);
}

static void
conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct rt_conn *c = arg;

	(void)fd;
	(void)what;
	conn_fail(c, "%s within %llu ms", c->connected ?
	    "no TLS handshake" : "no connection",
	    (unsigned long long)c->rt->timeout_ms);
}

static void
conn_new(struct redistls *rt, evutil_socket_t fd)
{
	struct rt_conn *c;
	struct timeval tv;
	char *err;

	c = xcalloc(1, sizeof(*c));
	c->rt = rt;
	snprintf(c->target, sizeof(c->target), "%s", rt->target);
	TAILQ_INSERT_TAIL(&rt->conns, c, entry);
	rt->nconns++;
	if ((c->local = bufferevent_socket_new(rt->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->remote = bufferevent_socket_new(rt->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->timer = evtimer_new(rt->base, conn_expired, c)) == NULL)
		fatal("bufferevent_socket_new failed");
	if ((c->tls = crypto_tls_new(rt->tc, rt->server_name, &err)) == NULL)
		fatal("redis TLS: %s", err);	/* redistls_new checked it */
	bufferevent_setcb(c->local, local_read, local_write, local_event, c);
	bufferevent_setcb(c->remote, remote_readwrite, remote_readwrite,
	    remote_event, c);
	bufferevent_setwatermark(c->local, EV_READ, 0, LOCAL_MAX);
	bufferevent_setwatermark(c->local, EV_WRITE, LOCAL_MAX / 2, 0);
	bufferevent_setwatermark(c->remote, EV_READ, 0, CRYPTO_TLS_IN_MAX);
	bufferevent_setwatermark(c->remote, EV_WRITE, REMOTE_MAX / 2, 0);
	if (bufferevent_enable(c->local, EV_READ) == -1)
		fatal("bufferevent_enable failed");
	tv.tv_sec = (time_t)(rt->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(rt->timeout_ms % 1000) * 1000;
	if (evtimer_add(c->timer, &tv) == -1)
		fatal("evtimer_add failed");
	log_debug("redis TLS: relaying a connection to %s", c->target);
	/* A failure may be told now (-1) or by the event callback. */
	if (bufferevent_socket_connect(c->remote,
	    (struct sockaddr *)&rt->addr, rt->addrlen) == -1)
		conn_fail(c, "cannot connect: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* --- the listener --- */

/* Only this process, the one hiredis runs in, may be relayed. */
static int
peer_is_self(evutil_socket_t fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	    len == sizeof(cr) && cr.pid == getpid() && cr.uid == geteuid();
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct redistls *rt = arg;

	(void)lis;
	(void)sa;
	(void)salen;
	if (!peer_is_self(fd)) {
		log_warn("redis TLS: refused a connection to %s from another "
		    "process", rt->path);
		evutil_closesocket(fd);
		return;
	}
	if (rt->addrlen == 0 || rt->nconns >= MAX_CONNS) {
		snprintf(rt->error, sizeof(rt->error), "TLS: %s",
		    rt->addrlen == 0 ? "no server address yet" :
		    "too many connections at once");
		evutil_closesocket(fd);
		return;
	}
	conn_new(rt, fd);
}

/* Creates the private directory, under $TMPDIR when its socket's path
 * fits in a sockaddr_un, else under /tmp. */
static int
make_dir(struct redistls *rt, char **err)
{
	struct sockaddr_un sun;
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (base == NULL || *base != '/' || strlen(base) + sizeof(SOCK_NAME) +
	    sizeof("/lkgate-redis.XXXXXX/") > sizeof(sun.sun_path))
		base = "/tmp";
	tmpl = xasprintf("%s/lkgate-redis.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		*err = xasprintf("cannot create a directory in %s: %s", base,
		    strerror(errno));
		free(tmpl);
		return -1;
	}
	rt->dir = tmpl;
	rt->path = xasprintf("%s/%s", rt->dir, SOCK_NAME);
	return 0;
}

static int
listen_unix(struct redistls *rt, char **err)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(rt->path) >= sizeof(sun.sun_path)) {
		*err = xasprintf("%s: too long for a socket", rt->path);
		return -1;
	}
	memcpy(sun.sun_path, rt->path, strlen(rt->path));
	rt->lis = evconnlistener_new_bind(rt->base, on_accept, rt,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, MAX_CONNS,
	    (struct sockaddr *)&sun, (int)sizeof(sun));
	if (rt->lis == NULL) {
		*err = xasprintf("cannot listen on %s: %s", rt->path,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return -1;
	}
	return 0;
}

/*
 * The socket is gone (a cleaner of /tmp removed what had not been touched
 * for days): listen again, in a new directory of its own.  A failure is
 * logged; hiredis then cannot connect, and the next attempt tries again.
 */
static void
relisten(struct redistls *rt)
{
	char *err = NULL;

	log_warn("redis TLS: %s is gone; listening on a new socket", rt->path);
	if (rt->lis != NULL)
		evconnlistener_free(rt->lis);
	rt->lis = NULL;
	if (rt->dir != NULL)
		(void)rmdir(rt->dir);
	FREE_AND_NULL(rt->dir);
	FREE_AND_NULL(rt->path);
	if (make_dir(rt, &err) == -1 || listen_unix(rt, &err) == -1) {
		log_warn("redis TLS: %s", err);
		free(err);
		return;
	}
	log_debug("redis TLS: hiredis connects through %s", rt->path);
}

/* --- the API --- */

struct redistls *
redistls_new(struct event_base *base, const struct redistls_params *p,
    char **err)
{
	struct redistls *rt;
	struct crypto_tls *probe;

	*err = NULL;
	rt = xcalloc(1, sizeof(*rt));
	rt->base = base;
	rt->timeout_ms = p->timeout_ms;
	rt->server_name = xstrdup(p->server_name);
	TAILQ_INIT(&rt->conns);
	if ((rt->tc = crypto_tls_conf_new(p->ca_file, p->cert_file,
	    p->key_file, err)) == NULL)
		goto fail;
	if ((probe = crypto_tls_new(rt->tc, rt->server_name, err)) == NULL)
		goto fail;
	crypto_tls_free(probe);
	if (make_dir(rt, err) == -1 || listen_unix(rt, err) == -1)
		goto fail;
	log_debug("redis TLS: hiredis connects through %s", rt->path);
	return rt;
fail:
	redistls_free(rt);
	return NULL;
}

void
redistls_free(struct redistls *rt)
{
	struct rt_conn *c;

	if (rt == NULL)
		return;
	while ((c = TAILQ_FIRST(&rt->conns)) != NULL)
		conn_free(c);
	if (rt->lis != NULL)
		evconnlistener_free(rt->lis);
	if (rt->path != NULL && unlink(rt->path) == -1 && errno != ENOENT)
		log_warn("cannot remove %s: %s", rt->path, strerror(errno));
	if (rt->dir != NULL && rmdir(rt->dir) == -1)
		log_warn("cannot remove %s: %s", rt->dir, strerror(errno));
	crypto_tls_conf_free(rt->tc);
	free(rt->server_name);
	free(rt->path);
	free(rt->dir);
	free(rt);
}

const char *
redistls_path(const struct redistls *rt)
{
	return rt->path != NULL ? rt->path : "";
}

int
redistls_target(struct redistls *rt, const char *ip, int port)
{
	char text[80];
	int len = (int)sizeof(rt->addr);

	rt->error[0] = '\0';
	if (rt->path == NULL || (access(rt->path, F_OK) == -1 &&
	    errno == ENOENT))
		relisten(rt);
	if (strchr(ip, ':') != NULL)
		snprintf(text, sizeof(text), "[%s]:%d", ip, port);
	else
		snprintf(text, sizeof(text), "%s:%d", ip, port);
	memset(&rt->addr, 0, sizeof(rt->addr));
	if (evutil_parse_sockaddr_port(text, (struct sockaddr *)&rt->addr,
	    &len) == -1) {
		rt->addrlen = 0;
		return -1;
	}
	rt->addrlen = len;
	snprintf(rt->target, sizeof(rt->target), "%s", text);
	return 0;
}

const char *
redistls_error(const struct redistls *rt)
{
	return rt->error;
}
