/*
 * clientip: who the client is, by address, for rate limits and logs.
 * Pure: works on address texts and header values.
 *
 * Addresses are held as 16 bytes, IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d), so that one comparison serves both families and a
 * dual-stack listener's mapped peers match IPv4 rules.
 */
#ifndef LKGATE_CLIENTIP_H
#define LKGATE_CLIENTIP_H

#include <stddef.h>
#include <stdint.h>

/* Longest text clientip_key() writes, NUL included. */
#define CLIENTIP_KEY_MAX 64

/* An address block: addr with its first bits significant (0..128). */
struct cidr {
	uint8_t		 addr[16];
	unsigned int	 bits;
};

/*
 * Parses len bytes of text as an IPv4 or IPv6 address, also in brackets
 * ("[::1]") and with a port ("192.0.2.1:80", "[::1]:80"), as some proxies
 * write X-Forwarded-For.  Blanks around it are ignored.  Returns 0 and
 * fills out, or -1.
 */
int	clientip_parse(const char *text, size_t len, uint8_t out[16]);

/*
 * Parses "address" or "address/bits" (IPv4 bits 0..32, IPv6 0..128).
 * Returns 0, or -1 with *why set to a static English reason.
 */
int	clientip_parse_cidr(const char *text, struct cidr *out,
	    const char **why);

/* Returns 1 when addr is in one of the n blocks, else 0. */
int	clientip_in(const struct cidr *blocks, size_t n,
	    const uint8_t addr[16]);

/*
 * The client's address of a request that came from peer (text) with the
 * X-Forwarded-For values xff (NULL: none; several headers joined with
 * commas).  When peer is not in trusted, peer is the client; else the
 * entries of xff are walked from the right, and the first one that is not
 * trusted is the client.  A malformed entry ends the walk at the last
 * good address, and when every entry is trusted the left-most one is the
 * client.  Returns 0 and fills out, or -1 when peer is not an address.
 */
int	clientip_resolve(const char *peer, const char *xff,
	    const struct cidr *trusted, size_t ntrusted, uint8_t out[16]);

/*
 * Writes the rate-limit key of addr into buf: an IPv4 address as is, an
 * IPv6 address as its /64 ("2001:db8:1:2::/64"), since one host usually
 * holds a whole /64.
 */
void	clientip_key(const uint8_t addr[16], char *buf, size_t len);

/* Writes addr as text (IPv4 dotted for mapped addresses). */
void	clientip_format(const uint8_t addr[16], char *buf, size_t len);

#endif
