/*
 * Reference servers for `make bench`: what the HTTP front costs before
 * lkgate does any work.  Each answers every request with a fixed reply of
 * the size and headers of lkgate's token answer.
 *   floor evhttp PORT BODY_BYTES   evhttp with an empty handler, set up as
 *                                  lkgate sets it up (changelist, reply
 *                                  written in the same loop turn)
 *   floor raw PORT BODY_BYTES      epoll, one read and one write a request,
 *                                  no HTTP parsing at all: the kernel's
 *                                  share, a floor no HTTP server reaches
 * Loopback only.  Not part of lkgate.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#define HEADERS "Content-Type: application/json\r\n" \
	"X-Request-Id: 0f8e4c1a-3b2d-4e5f-8a9b-0c1d2e3f4a5b\r\n" \
	"Cache-Control: no-store\r\n"

static char		*body;
static size_t		 body_len;
static struct event_base *base;

static void
evhttp_reply(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;
	int fd;

	(void)arg;
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req)));
	if ((b = evbuffer_new()) == NULL || evbuffer_add(b, body, body_len))
		abort();
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "X-Request-Id",
	    "0f8e4c1a-3b2d-4e5f-8a9b-0c1d2e3f4a5b");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	event_base_active_by_fd(base, fd, EV_WRITE);
}

static int
run_evhttp(int port)
{
	struct event_config *ec;
	struct evhttp *http;

	if ((ec = event_config_new()) == NULL ||
	    event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ||
	    (base = event_base_new_with_config(ec)) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		return 1;
	evhttp_set_gencb(http, evhttp_reply, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (unsigned short)port) != 0)
		return 1;
	return event_base_dispatch(base) == -1;
}

static int
run_raw(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev, evs[64];
	char head[256], buf[16384], *reply;
	int ls, ep, one = 1, n, i, len;

	len = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n" HEADERS
	    "Content-Length: %zu\r\n\r\n", body_len);
	if ((reply = malloc((size_t)len + body_len)) == NULL)
		return 1;
	memcpy(reply, head, (size_t)len);
	memcpy(reply + len, body, body_len);
	len += (int)body_len;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(ls, 1024) || (ep = epoll_create1(0)) == -1)
		return 1;
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev))
		return 1;
	for (;;) {
		if ((n = epoll_wait(ep, evs, 64, -1)) == -1)
			return 1;
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, c;

			if (fd == ls) {
				while ((c = accept4(ls, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.events = EPOLLIN;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
						close(c);
				}
				continue;
			}
			/* wrk sends one whole request and waits: one read. */
			if (read(fd, buf, sizeof(buf)) <= 0 ||
			    write(fd, reply, (size_t)len) != len)
				close(fd);
		}
	}
}

int
main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	body_len = (size_t)atoi(argv[3]);
	if ((body = malloc(body_len + 1)) == NULL)
		return 1;
	memset(body, 'x', body_len);
	if (strcmp(argv[1], "evhttp") == 0)
		return run_evhttp(atoi(argv[2]));
	if (strcmp(argv[1], "raw") == 0)
		return run_raw(atoi(argv[2]));
	return 2;
}
