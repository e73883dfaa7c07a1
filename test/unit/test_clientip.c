/*
 * Unit tests of clientip: address forms, address blocks, the
 * X-Forwarded-For walk through trusted proxies, and rate-limit keys.
 */
#include <string.h>

#include "clientip.h"
#include "tap.h"

static const char *
fmt(const uint8_t a[16])
{
	static char buf[64];

	clientip_format(a, buf, sizeof(buf));
	return buf;
}

static void
parses(const char *text, const char *want)
{
	uint8_t a[16];

	if (clientip_parse(text, strlen(text), a) == -1) {
		ok(0, "parses \"%s\"", text);
		return;
	}
	is_str(fmt(a), want, text);
}

static void
refuses(const char *text)
{
	uint8_t a[16];

	ok(clientip_parse(text, strlen(text), a) == -1, "refuses \"%s\"", text);
}

static void
test_parse(void)
{
	parses("192.0.2.1", "192.0.2.1");
	parses(" 192.0.2.1\t", "192.0.2.1");
	parses("192.0.2.1:8080", "192.0.2.1");
	parses("::ffff:192.0.2.1", "192.0.2.1");
	parses("2001:db8::1", "2001:db8::1");
	parses("[2001:db8::1]", "2001:db8::1");
	parses("[2001:db8::1]:443", "2001:db8::1");
	parses("::1", "::1");
	refuses("");
	refuses("unknown");
	refuses("192.0.2");
	refuses("192.0.2.1:");
	refuses("192.0.2.1:http");
	refuses("192.0.2.1:1234567");
	refuses("[2001:db8::1");
	refuses("[2001:db8::1]x");
	refuses("2001:db8::1:443:");
	refuses("256.0.0.1");
	refuses("1.2.3.4 5.6.7.8");
}

static void
test_cidr(void)
{
	struct cidr c[3];
	const char *why = NULL;
	uint8_t a[16];

	ok(clientip_parse_cidr("10.0.0.0/8", &c[0], &why) == 0, "10.0.0.0/8");
	ok(clientip_parse_cidr("2001:db8::/32", &c[1], &why) == 0,
	    "2001:db8::/32");
	ok(clientip_parse_cidr("192.0.2.7", &c[2], &why) == 0,
	    "a single address");
	clientip_parse("10.200.3.4", 10, a);
	ok(clientip_in(c, 3, a), "10.200.3.4 is in 10.0.0.0/8");
	clientip_parse("11.0.0.1", 8, a);
	ok(!clientip_in(c, 3, a), "11.0.0.1 is not");
	clientip_parse("::ffff:10.1.1.1", 15, a);
	ok(clientip_in(c, 3, a), "a mapped 10.1.1.1 is in 10.0.0.0/8");
	clientip_parse("2001:db8:ffff::9", 16, a);
	ok(clientip_in(c, 3, a), "2001:db8:ffff::9 is in 2001:db8::/32");
	clientip_parse("2001:db9::9", 11, a);
	ok(!clientip_in(c, 3, a), "2001:db9::9 is not");
	clientip_parse("192.0.2.7", 9, a);
	ok(clientip_in(c, 3, a), "the single address matches itself");
	clientip_parse("192.0.2.8", 9, a);
	ok(!clientip_in(c, 3, a), "and nothing next to it");
	ok(clientip_parse_cidr("0.0.0.0/0", &c[0], &why) == 0, "0.0.0.0/0");
	ok(clientip_in(c, 1, a), "0.0.0.0/0 holds every IPv4 address");
	clientip_parse("::1", 3, a);
	ok(!clientip_in(c, 1, a), "but no IPv6 address");
	ok(clientip_parse_cidr("10.0.0.0/33", c, &why) == -1 &&
	    strstr(why, "over 32") != NULL, "refuses /33 on IPv4");
	ok(clientip_parse_cidr("::/129", c, &why) == -1, "refuses /129");
	ok(clientip_parse_cidr("10.0.0.0/", c, &why) == -1, "refuses /");
	ok(clientip_parse_cidr("10.0.0.0/x", c, &why) == -1, "refuses /x");
	ok(clientip_parse_cidr("10.0.0.0:80", c, &why) == -1,
	    "refuses a port");
	ok(clientip_parse_cidr("[::1]", c, &why) == -1, "refuses brackets");
	ok(clientip_parse_cidr("proxy.example", c, &why) == -1 &&
	    strstr(why, "address") != NULL, "refuses a name");
}

static const char *
resolve(const char *peer, const char *xff, const struct cidr *t, size_t n)
{
	uint8_t a[16];

	if (clientip_resolve(peer, xff, t, n, a) == -1)
		return "(error)";
	return fmt(a);
}

static void
test_resolve(void)
{
	struct cidr t[2];
	const char *why;

	clientip_parse_cidr("10.0.0.0/8", &t[0], &why);
	clientip_parse_cidr("::1", &t[1], &why);
	is_str(resolve("192.0.2.1", NULL, t, 2), "192.0.2.1",
	    "an untrusted peer without X-Forwarded-For");
	is_str(resolve("192.0.2.1", "203.0.113.9", t, 2), "192.0.2.1",
	    "an untrusted peer's X-Forwarded-For is ignored");
	is_str(resolve("10.0.0.5", NULL, t, 2), "10.0.0.5",
	    "a trusted peer without X-Forwarded-For is the client");
	is_str(resolve("10.0.0.5", "203.0.113.9", t, 2), "203.0.113.9",
	    "a trusted peer: the entry it added");
	is_str(resolve("10.0.0.5", "1.1.1.1, 203.0.113.9", t, 2),
	    "203.0.113.9", "a spoofed left entry is ignored");
	is_str(resolve("10.0.0.5", "1.1.1.1, 203.0.113.9, 10.9.9.9", t, 2),
	    "203.0.113.9", "through two trusted proxies");
	is_str(resolve("::1", "10.1.1.1,10.2.2.2", t, 2), "10.1.1.1",
	    "every entry trusted: the left-most");
	is_str(resolve("10.0.0.5", "1.1.1.1, garbage, 10.9.9.9", t, 2),
	    "10.9.9.9", "a malformed entry stops the walk");
	is_str(resolve("10.0.0.5", "garbage", t, 2), "10.0.0.5",
	    "a malformed only entry: the peer");
	is_str(resolve("10.0.0.5", "", t, 2), "10.0.0.5",
	    "an empty header: the peer");
	is_str(resolve("10.0.0.5", "[2001:db8::7]:5000", t, 2),
	    "2001:db8::7", "an IPv6 entry with a port");
	is_str(resolve("::ffff:10.0.0.5", "198.51.100.4", t, 2),
	    "198.51.100.4", "a mapped peer matches an IPv4 block");
	is_str(resolve("not-an-ip", NULL, t, 2), "(error)",
	    "a peer that is no address");
	is_str(resolve("10.0.0.5", "198.51.100.4", t, 0), "10.0.0.5",
	    "nothing trusted: the peer, always");
}

static void
test_key(void)
{
	uint8_t a[16];
	char k[CLIENTIP_KEY_MAX];

	clientip_parse("198.51.100.4", 12, a);
	clientip_key(a, k, sizeof(k));
	is_str(k, "198.51.100.4", "an IPv4 key is the address");
	clientip_parse("2001:db8:1:2:3:4:5:6", 20, a);
	clientip_key(a, k, sizeof(k));
	is_str(k, "2001:db8:1:2::/64", "an IPv6 key is its /64");
	clientip_parse("2001:db8:1:2:ffff::9", 20, a);
	clientip_key(a, k, sizeof(k));
	is_str(k, "2001:db8:1:2::/64", "the same /64, the same key");
}

int
main(void)
{
	test_parse();
	test_cidr();
	test_resolve();
	test_key();
	return tap_done();
}
