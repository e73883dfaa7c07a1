/*
 * clientip: address parsing, address blocks and the X-Forwarded-For walk
 * (see clientip.h).
 *
 * Only entries appended by a proxy we trust can be believed, and each
 * proxy appends the address it saw on the right; so the walk goes from
 * the right and stops at the first address that is not one of ours.
 * Everything to its left was written by the client and is ignored.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "clientip.h"

#define ADDR_TEXT_MAX 64	/* longer text is no address */

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
is_v4(const uint8_t a[16])
{
	return memcmp(a, v4mapped, sizeof(v4mapped)) == 0;
}

/* Parses a bare address (no brackets, no port) of a NUL-terminated s. */
static int
parse_bare(const char *s, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4mapped, sizeof(v4mapped));
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

/* 1 when s (n bytes) is ":" and 1-5 digits. */
static int
is_port(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || n > 6 || s[0] != ':')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
clientip_parse(const char *text, size_t len, uint8_t out[16])
{
	char buf[ADDR_TEXT_MAX];
	const char *s = text, *e = text + len, *rb, *colon;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s < e && *s == '[') {
		/* "[v6]" or "[v6]:port" */
		if ((rb = memchr(s, ']', (size_t)(e - s))) == NULL ||
		    (rb + 1 != e && !is_port(rb + 1, (size_t)(e - rb - 1))))
			return -1;
		s++;
		e = rb;
	} else if ((colon = memchr(s, ':', (size_t)(e - s))) != NULL &&
	    memchr(colon + 1, ':', (size_t)(e - colon - 1)) == NULL) {
		/* one colon: "v4:port" */
		if (!is_port(colon, (size_t)(e - colon)))
			return -1;
		e = colon;
	}
	if (e <= s || (size_t)(e - s) >= sizeof(buf) ||
	    memchr(s, '\0', (size_t)(e - s)) != NULL)
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return parse_bare(buf, out);
}

int
clientip_parse_cidr(const char *text, struct cidr *out, const char **why)
{
	const char *slash = strchr(text, '/'), *d;
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned int bits = 0, max;
	char buf[ADDR_TEXT_MAX];

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (parse_bare(buf, out->addr) == -1) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	max = is_v4(out->addr) ? 32 : 128;
	if (slash == NULL) {
		out->bits = 128;
		return 0;
	}
	d = slash + 1;
	if (*d == '\0' || strlen(d) > 3 || strspn(d, "0123456789") !=
	    strlen(d)) {
		*why = "prefix length is not a number";
		return -1;
	}
	for (; *d != '\0'; d++)
		bits = bits * 10 + (unsigned int)(*d - '0');
	if (bits > max) {
		*why = max == 32 ? "IPv4 prefix length is over 32" :
		    "IPv6 prefix length is over 128";
		return -1;
	}
	out->bits = max == 32 ? bits + 96 : bits;
	return 0;
}

/* 1 when the first bits of a and b are equal. */
static int
prefix_eq(const uint8_t a[16], const uint8_t b[16], unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int
clientip_in(const struct cidr *blocks, size_t n, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_eq(blocks[i].addr, addr, blocks[i].bits))
			return 1;
	return 0;
}

int
clientip_resolve(const char *peer, const char *xff,
    const struct cidr *trusted, size_t ntrusted, uint8_t out[16])
{
	uint8_t a[16];
	const char *end, *start;

	if (clientip_parse(peer, strlen(peer), out) == -1)
		return -1;
	if (xff == NULL || !clientip_in(trusted, ntrusted, out))
		return 0;
	end = xff + strlen(xff);
	while (end > xff) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		if (clientip_parse(start, (size_t)(end - start), a) == -1)
			return 0;	/* the last good address stands */
		memcpy(out, a, 16);
		if (!clientip_in(trusted, ntrusted, a))
			return 0;
		end = start > xff ? start - 1 : start;
	}
	return 0;
}

void
clientip_format(const uint8_t addr[16], char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];

	if (is_v4(addr)) {
		if (inet_ntop(AF_INET, addr + 12, t, sizeof(t)) == NULL)
			t[0] = '\0';
	} else if (inet_ntop(AF_INET6, addr, t, sizeof(t)) == NULL)
		t[0] = '\0';
	snprintf(buf, len, "%s", t);
}

void
clientip_key(const uint8_t addr[16], char *buf, size_t len)
{
	uint8_t p[16];
	char t[INET6_ADDRSTRLEN];

	if (is_v4(addr)) {
		clientip_format(addr, buf, len);
		return;
	}
	memset(p, 0, sizeof(p));
	memcpy(p, addr, 8);
	if (inet_ntop(AF_INET6, p, t, sizeof(t)) == NULL)
		t[0] = '\0';
	snprintf(buf, len, "%s/64", t);
}
