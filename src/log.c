/*
 * log: JSON lines on stderr.  The level is the only global state.  Each
 * line is built in one buffer and written with one write(2), so lines from
 * a crash handler or a child never interleave mid-line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

struct line {
	char	buf[LOG_LINE_MAX];
	size_t	len;
	int	truncated;
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

static void
line_putc(struct line *l, char c)
{
	/* Keep room for the closing "}\n". */
	if (l->len + 3 >= sizeof(l->buf)) {
		l->truncated = 1;
		return;
	}
	l->buf[l->len++] = c;
}

static void
line_puts(struct line *l, const char *s)
{
	while (*s != '\0')
		line_putc(l, *s++);
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

/* Appends s as the inside of a JSON string; bytes that are not UTF-8
 * become U+FFFD so that every line stays valid JSON. */
static void
line_put_escaped(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			line_putc(l, '\\');
			line_putc(l, (char)*p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			line_puts(l, "\\u00");
			line_putc(l, hex[*p >> 4]);
			line_putc(l, hex[*p & 15]);
			p++;
		} else if ((n = utf8_seq_len(p)) == 0) {
			line_puts(l, "\\ufffd");
			p++;
		} else if (l->len + n + 3 >= sizeof(l->buf)) {
			l->truncated = 1;	/* never half a character */
			return;
		} else
			while (n-- > 0)
				line_putc(l, (char)*p++);
	}
}

static void
line_begin(struct line *l, enum log_level level)
{
	char ts[64];
	struct timespec now;
	struct tm tm;

	l->len = 0;
	l->truncated = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	line_puts(l, "{\"ts\":\"");
	line_puts(l, ts);
	line_puts(l, "\",\"level\":\"");
	line_puts(l, level_names[level]);
	line_putc(l, '"');
}

static void
line_end(struct line *l)
{
	ssize_t n;
	size_t off = 0;

	if (l->truncated)
		line_puts(l, ",\"truncated\":true");
	l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
	while (off < l->len) {
		n = write(STDERR_FILENO, l->buf + off, l->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
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
	line_puts(&l, ",\"msg\":\"");
	line_put_escaped(&l, msg);
	line_putc(&l, '"');
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
	exit(1);
}

void
log_event(enum log_level level, const char *name, ...)
{
	struct line l;
	va_list ap;
	const char *key, *type, *s;
	char num[32];

	if (level < log_threshold)
		return;
	line_begin(&l, level);
	line_puts(&l, ",\"event\":\"");
	line_put_escaped(&l, name);
	line_putc(&l, '"');
	va_start(ap, name);
	while ((key = va_arg(ap, const char *)) != NULL) {
		type = va_arg(ap, const char *);
		line_puts(&l, ",\"");
		line_put_escaped(&l, key);
		line_puts(&l, "\":");
		if (type[0] == 'i') {
			snprintf(num, sizeof(num), "%lld", va_arg(ap, long long));
			line_puts(&l, num);
		} else if ((s = va_arg(ap, const char *)) == NULL)
			line_puts(&l, "null");
		else {
			line_putc(&l, '"');
			line_put_escaped(&l, s);
			line_putc(&l, '"');
		}
	}
	va_end(ap);
	line_end(&l);
}

static void
log_from_libevent(int severity, const char *msg)
{
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
}

void
log_hook_libevent(void)
{
	event_set_log_callback(log_from_libevent);
}
