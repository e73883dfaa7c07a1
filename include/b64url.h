/*
 * b64url: strict base64url (RFC 4648 section 5, no padding) for JWTs, and
 * standard base64 with padding for LiveKit's webhook sha256 claim.  Pure.
 */
#ifndef LKGATE_B64URL_H
#define LKGATE_B64URL_H

#include <stddef.h>

/* Returns the base64url text of buf (no padding), NUL-terminated; the
 * caller frees it. */
char	*b64url_encode(const void *buf, size_t len);

/* The length of the base64url text of len bytes (no padding). */
size_t	 b64url_len(size_t len);

/*
 * Writes the base64url text of the len bytes at buf to out:
 * b64url_len(len) characters, no NUL.  buf may overlap out only by being
 * the last len bytes of those characters' span (buf == out +
 * b64url_len(len) - len): the text then replaces the bytes in place, as
 * each group of bytes is read before its characters are written and the
 * writing never catches up with the reading.
 */
void	 b64url_encode_to(char *out, const void *buf, size_t len);

/*
 * Decodes exactly inlen bytes of base64url without padding.  Anything else
 * (padding, '+', '/', whitespace, NUL, a length of 1 mod 4, non-zero
 * trailing bits) is refused.  On success returns 0 and *out (caller frees,
 * NUL-terminated for convenience) with *outlen bytes; else -1 and *out NULL.
 */
int	 b64url_decode(const char *in, size_t inlen, unsigned char **out,
	    size_t *outlen);

/* Returns the standard base64 text of buf with '=' padding; caller frees. */
char	*b64std_encode(const void *buf, size_t len);

#endif
