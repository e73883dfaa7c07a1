/*
 * log: JSON lines on stderr.  Each line is built in one buffer.  Until
 * log_attach() (start-up) and after log_detach() (exit) a line is written
 * at once; in between, lines go to a bounded buffer that an event flushes
 * in the loop turn that filled it, without ever blocking: a stderr that is
 * a pipe nobody reads must not stall requests.  A pipe is written through
 * an opening of its own, non-blocking (the descriptor we inherited may be
 * shared with the parent, whose own writes must stay blocking), a socket
 * with MSG_DONTWAIT, a file or a terminal as they are.  When the buffer is
 * full a line is dropped whole and counted (log_dropped), so the lines
 * that are written are complete and in order.
 *
 * Global state: the level, and that output.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

#define LOG_LINE_MAX 4096
#define LOG_BUF_MAX	(256 * 1024)	/* bytes of lines waiting at most */
#define LOG_EXIT_WAIT_MS 1000		/* given to a slow reader at exit */

static enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

/*
 * A line being built.  Whatever is cut, the line stays valid JSON: a
 * string value that does not fit keeps what fits and is closed, any other
 * part that does not fit is taken back to the last whole field, and
 * LINE_TAIL bytes are always left for the closing quote, the
 * "truncated" mark and "}\n".
 */
#define LINE_TAIL	32
struct line {
	char	buf[LOG_LINE_MAX];
	size_t	len;
	size_t	whole;		/* the line up to here is whole fields */
	int	truncated;	/* nothing more is added */
};

void
log_set_level(enum log_level l)
{
	log_threshold = l;
}

enum log_level
log_get_level(void)
{
	return log_threshold;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Appends n bytes, or marks the line truncated when they do not fit. */
static void
line_putn(struct line *l, const char *s, size_t n)
{
	if (l->truncated || l->len + n > sizeof(l->buf) - LINE_TAIL) {
		l->truncated = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
line_putc(struct line *l, char c)
{
	line_putn(l, &c, 1);
}

static void
line_puts(struct line *l, const char *s)
{
	line_putn(l, s, strlen(s));
}

/* Marks the end of a whole field. */
static void
line_field_done(struct line *l)
{
	if (!l->truncated)
		l->whole = l->len;
}

/* Appends v in decimal, without printf: this runs for every request.
 * (util_ll_text does the same, but util sits above log.) */
static void
line_put_int(struct line *l, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	line_putn(l, p, (size_t)(digits + sizeof(digits) - p));
}

/*
 * Returns the length of the well-formed UTF-8 sequence at s (1-4), or 0
 * when the bytes there are not one: overlong forms, surrogates and code
 * points past U+10FFFF included.
 */
static size_t
utf8_seq_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Bytes that stand for themselves inside a JSON string: printable ASCII
 * but '"' and '\\' (a table: this runs over every access line). */
static const unsigned char json_plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

/* Appends s as the inside of a JSON string; bytes that are not UTF-8
 * become U+FFFD so that every line stays valid JSON. */
static void
line_put_escaped(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char esc[6] = { '\\' };
	size_t n, room;

	while (*p != '\0') {
		/* A run of printable ASCII that needs no escape, at once. */
		for (n = 0; json_plain[p[n]]; n++)
			;
		if (n > 0) {
			/* Plain ASCII may be cut anywhere: keep what fits. */
			room = sizeof(l->buf) - LINE_TAIL - l->len;
			if (n > room) {
				line_putn(l, (const char *)p, room);
				l->truncated = 1;
				return;
			}
			line_putn(l, (const char *)p, n);
			if (l->truncated)
				return;
			p += n;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p++;
			line_putn(l, esc, 2);	/* never half an escape */
		} else if (*p < 0x20 || *p == 0x7f) {
			esc[1] = 'u';
			esc[2] = esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			line_putn(l, esc, 6);
			p++;
		} else if ((n = utf8_seq_len(p)) == 0) {
			line_puts(l, "\\ufffd");
			p++;
		} else {
			line_putn(l, (const char *)p, n);  /* never half of one */
			p += n;
		}
		if (l->truncated)
			return;
	}
}

/* Appends s as a JSON string; when it is cut, what fits is kept, closed,
 * and counts as a whole field. */
static void
line_put_string(struct line *l, const char *s)
{
	line_putc(l, '"');
	if (l->truncated)
		return;
	line_put_escaped(l, s);
	l->buf[l->len++] = '"';		/* LINE_TAIL keeps room for it */
	if (l->truncated)
		l->whole = l->len;
}

/*
 * The timestamp's "YYYY-MM-DDTHH:MM:SS." part changes once a second, so it
 * is formatted once a second; the milliseconds are put by hand.
 */
static void
line_put_time(struct line *l)
{
	static time_t cached_sec = (time_t)-1;
	static char cached[32];
	static size_t cached_len;
	struct timespec now;
	struct tm tm;
	long ms;
	char frac[5];

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != cached_sec) {
		gmtime_r(&now.tv_sec, &tm);
		cached_len = strftime(cached, sizeof(cached),
		    "%Y-%m-%dT%H:%M:%S.", &tm);
		cached_sec = now.tv_sec;
	}
	line_putn(l, cached, cached_len);
	ms = now.tv_nsec / 1000000;
	frac[0] = (char)('0' + ms / 100);
	frac[1] = (char)('0' + ms / 10 % 10);
	frac[2] = (char)('0' + ms % 10);
	frac[3] = 'Z';
	line_putn(l, frac, 4);
}

static void
line_begin(struct line *l, enum log_level level)
{
	l->len = l->whole = 0;
	l->truncated = 0;
	line_puts(l, "{\"ts\":\"");
	line_put_time(l);
	line_puts(l, "\",\"level\":\"");
	line_puts(l, level_names[level]);
	line_putc(l, '"');
	line_field_done(l);
}

/* Where lines go, and those waiting to go. */
static struct {
	struct event_base *base;	/* NULL: write at once */
	struct event	*flush_ev;	/* active: flush in this turn */
	struct event	*write_ev;	/* the descriptor is writable again */
	int		 fd;
	int		 own_fd;	/* fd is our opening of the pipe */
	int		 is_socket;
	int		 flush_pending;
	int		 in_libevent;	/* no libevent calls from here */
	char		*buf;
	size_t		 off, len;	/* waiting: buf[off..len) */
	uint64_t	 dropped;
} out = { .fd = STDERR_FILENO };

/* One write attempt; -1 with errno as write(2). */
static ssize_t
out_write(const char *p, size_t n)
{
	if (out.is_socket)
		return send(out.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(out.fd, p, n);
}

/* Writes what it can of the waiting lines; 1 when some are left that the
 * descriptor would not take yet. */
static int
out_flush_some(void)
{
	ssize_t n;

	while (out.off < out.len) {
		n = out_write(out.buf + out.off, out.len - out.off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n <= 0)
			break;		/* stderr is gone: nothing to keep */
		out.off += (size_t)n;
	}
	out.off = out.len = 0;
	return 0;
}

static void
out_flush(evutil_socket_t fd, short what, void *arg)
{
	int saved = errno;

	(void)fd;
	(void)what;
	(void)arg;
	out.flush_pending = 0;
	if (out_flush_some() && !out.in_libevent &&
	    event_add(out.write_ev, NULL) == -1)
		out.off = out.len = 0;	/* cannot wait: give them up */
	errno = saved;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits at most ms for the waiting lines to be written (exit). */
static void
out_drain(int ms)
{
	struct pollfd p = { .fd = out.fd, .events = POLLOUT };
	uint64_t end = mono_ms() + (uint64_t)ms, now;

	while (out_flush_some()) {
		now = mono_ms();
		if (now >= end || poll(&p, 1, (int)(end - now)) <= 0) {
			out.off = out.len = 0;
			out.dropped++;
			return;
		}
	}
}

/* Sends a finished line: queued while attached, else written now. */
static void
out_line(const char *p, size_t n)
{
	if (out.buf == NULL) {
		out.buf = (char *)(uintptr_t)p;	/* borrowed for the drain */
		out.off = 0;
		out.len = n;
		out_drain(LOG_EXIT_WAIT_MS);
		out.buf = NULL;
		return;
	}
	if (out.len + n > LOG_BUF_MAX && out.off > 0) {
		memmove(out.buf, out.buf + out.off, out.len - out.off);
		out.len -= out.off;
		out.off = 0;
	}
	if (out.len + n > LOG_BUF_MAX) {
		out.dropped++;
		return;
	}
	memcpy(out.buf + out.len, p, n);
	out.len += n;
	if (out.base == NULL) {
		out_drain(LOG_EXIT_WAIT_MS);
		return;
	}
	if (out.flush_pending || event_pending(out.write_ev, EV_WRITE, NULL))
		return;
	if (out.in_libevent) {		/* what the descriptor takes now */
		(void)out_flush_some();
		return;
	}
	out.flush_pending = 1;
	event_active(out.flush_ev, EV_TIMEOUT, 0);
}

/* Our own non-blocking opening of the pipe on stderr, or -1. */
static int
open_pipe_nonblocking(void)
{
	return open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

void
log_attach(struct event_base *base)
{
	struct stat st;
	int fd;

	if (fstat(STDERR_FILENO, &st) == 0) {
		if (S_ISSOCK(st.st_mode))
			out.is_socket = 1;
		else if (S_ISFIFO(st.st_mode)) {
			if ((fd = open_pipe_nonblocking()) != -1) {
				out.fd = fd;
				out.own_fd = 1;
			} else
				log_warn("log: cannot open stderr's pipe "
				    "non-blocking (%s): a stalled reader "
				    "stalls lkgate", strerror(errno));
		}
	}
	out.flush_ev = event_new(base, -1, 0, out_flush, NULL);
	out.write_ev = event_new(base, out.fd, EV_WRITE, out_flush, NULL);
	if (out.flush_ev == NULL || out.write_ev == NULL)
		fatal("log: event_new failed");
	out.buf = malloc(LOG_BUF_MAX);
	if (out.buf == NULL)
		fatal("log: out of memory");
	out.base = base;
}

void
log_detach(void)
{
	if (out.base == NULL)
		return;
	event_free(out.flush_ev);
	event_free(out.write_ev);
	out.flush_ev = out.write_ev = NULL;
	out.base = NULL;
	out.flush_pending = 0;
	out_drain(LOG_EXIT_WAIT_MS);
	free(out.buf);
	out.buf = NULL;
}

uint64_t
log_dropped(void)
{
	return out.dropped;
}

static void
line_end(struct line *l)
{
	static const char mark[] = ",\"truncated\":true";

	if (l->truncated) {
		l->len = l->whole;
		memcpy(l->buf + l->len, mark, sizeof(mark) - 1);
		l->len += sizeof(mark) - 1;
	}
	l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
	out_line(l->buf, l->len);
}

static void	log_vmsg(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

static void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	struct line l;
	char msg[LOG_LINE_MAX / 2];
	int saved = errno;

	if (level < log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	line_begin(&l, level);
	line_puts(&l, ",\"msg\":");
	line_put_string(&l, msg);
	line_field_done(&l);
	line_end(&l);
	errno = saved;
}

#define LOG_FN(fn, level)				\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_vmsg(level, fmt, ap);			\
	va_end(ap);					\
}
LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_error, LOG_ERROR)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	log_detach();
	exit(1);
}

void
log_event(enum log_level level, const char *name, ...)
{
	struct line l;
	va_list ap;
	const char *key, *type, *s;

	if (level < log_threshold)
		return;
	line_begin(&l, level);
	line_puts(&l, ",\"event\":");
	line_put_string(&l, name);
	line_field_done(&l);
	va_start(ap, name);
	while ((key = va_arg(ap, const char *)) != NULL) {
		type = va_arg(ap, const char *);
		line_puts(&l, ",\"");
		line_put_escaped(&l, key);
		line_puts(&l, "\":");
		if (type[0] == 'i')
			line_put_int(&l, va_arg(ap, long long));
		else if ((s = va_arg(ap, const char *)) == NULL)
			line_puts(&l, "null");
		else
			line_put_string(&l, s);
		line_field_done(&l);
	}
	va_end(ap);
	line_end(&l);
}

static void
log_from_libevent(int severity, const char *msg)
{
	/* libevent may not be called from its own log callback: the line
	 * waits for the next flush. */
	out.in_libevent = 1;
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
	out.in_libevent = 0;
}

void
log_hook_libevent(void)
{
	event_set_log_callback(log_from_libevent);
}
