/*
 * util: allocation wrappers, clocks, UUIDs, integer parsing, random
 * bytes and the bounded file reader.  See util.h.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		fatal("out of memory reallocating %zu bytes", n);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) == -1)
		fatal("out of memory formatting a string");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

uint64_t
util_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t
util_wall_s(void)
{
	return (int64_t)time(NULL);
}

/*
 * Random UUIDs are cut from a pool of getrandom(2) bytes, refilled 4 KiB at
 * a time.  libuuid's uuid_generate_random makes six system calls per UUID
 * (getrandom, getpid twice, getppid, gettid, getuid) and was an eighth of
 * lkgate's time on the token route, which makes one UUID per request (the
 * request id).  The bytes are the same (the kernel's CSPRNG); it is one
 * system call per 256 UUIDs.  Per thread; lkgate never forks.
 */
#define UUID_POOL_BYTES 4096
static _Thread_local unsigned char uuid_pool[UUID_POOL_BYTES];
static _Thread_local size_t uuid_pool_used = UUID_POOL_BYTES;

void
util_uuid_random(char out[UUID_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[16];
	size_t i, o = 0;

	if (uuid_pool_used + sizeof(u) > sizeof(uuid_pool)) {
		util_random_bytes(uuid_pool, sizeof(uuid_pool));
		uuid_pool_used = 0;
	}
	memcpy(u, uuid_pool + uuid_pool_used, sizeof(u));
	uuid_pool_used += sizeof(u);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);	/* version 4 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	for (i = 0; i < sizeof(u); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 0x0f];
	}
	out[o] = '\0';
}

int
util_uuid_v5(const char *ns, const char *name, size_t namelen,
    char out[UUID_STR_LEN])
{
	uuid_t nsu, u;

	if (!util_is_uuid(ns) || uuid_parse(ns, nsu) != 0)
		return -1;
	uuid_generate_sha1(u, nsu, name, namelen);
	uuid_unparse_lower(u, out);
	return 0;
}

int
util_is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[36] == '\0';
}

size_t
util_ll_text(char *out, long long v)
{
	char buf[UTIL_LL_TEXT_MAX], *p = buf + sizeof(buf);
	/* Negating in unsigned arithmetic is defined for LLONG_MIN too. */
	unsigned long long u = v < 0 ? -(unsigned long long)v :
	    (unsigned long long)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	n = (size_t)(buf + sizeof(buf) - p);
	memcpy(out, p, n);
	return n;
}

int
util_parse_ll(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	char *end;
	long long v;

	/* strtoll would skip leading space and accept a '+'. */
	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] != '\0'))) {
		*why = "is not a whole number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*why = "is not a whole number";
		return -1;
	}
	if ((errno == ERANGE && v < 0) || v < min) {
		*why = "is too small";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*why = "is too large";
		return -1;
	}
	*out = v;
	return 0;
}

void
util_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("getrandom: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Refuses what flags do not allow; NULL when st is fine. */
static char *
file_kind_problem(const char *path, const struct stat *st, int flags)
{
	if ((flags & UTIL_READ_REGULAR) && !S_ISREG(st->st_mode))
		return xasprintf("%s: not a regular file", path);
	if (S_ISDIR(st->st_mode))
		return xasprintf("%s: is a directory", path);
	return NULL;
}

/* Reads fd to the end or past max; -1 with errno on a read error. */
static int
read_all(int fd, char *buf, size_t max, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len <= max) {
		n = read(fd, buf + *len, max + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

int
util_read_file(const char *path, size_t max, int flags, char **buf,
    size_t *len, struct stat *st, int *missing, char **err)
{
	struct stat own;
	int fd;

	*buf = NULL;
	*len = 0;
	if (st == NULL)
		st = &own;
	if (missing != NULL)
		*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (missing != NULL)
			*missing = errno == ENOENT;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1)
		*err = xasprintf("%s: %s", path, strerror(errno));
	else if ((*err = file_kind_problem(path, st, flags)) == NULL) {
		/* One byte past the limit tells "too large" from "full". */
		*buf = xmalloc(max + 2);
		if (read_all(fd, *buf, max, len) == -1)
			*err = xasprintf("%s: %s", path, strerror(errno));
		else if (*len > max)
			*err = xasprintf("%s: larger than %zu bytes", path,
			    max);
	}
	close(fd);
	if (*err != NULL) {
		if (*buf != NULL)
			explicit_bzero(*buf, *len);
		FREE_AND_NULL(*buf);
		*len = 0;
		return -1;
	}
	(*buf)[*len] = '\0';
	return 0;
}
