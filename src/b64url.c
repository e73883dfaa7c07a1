/*
 * b64url: base64 encoders (url-safe without padding for JWS segments,
 * standard with padding for LiveKit's webhook hash) and a strict base64url
 * decoder.  The decoder accepts exactly one spelling of each byte string,
 * so a token cannot be altered without changing its signature input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"
#include "log.h"
#include "util.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Writes the encoding with the given alphabet, '=' padding when pad is
 * set, and returns its length.  Each group of input bytes is read before
 * its characters are written, which is what lets b64url_encode_to work in
 * place.
 */
static size_t
b64_write(const char *alpha, int pad, char *out, const void *buf,
    size_t len)
{
	const unsigned char *in = buf;
	char *o = out;
	uint32_t v;
	size_t i, rest;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		*o++ = alpha[v >> 6 & 63];
		*o++ = alpha[v & 63];
	}
	rest = len - i;
	if (rest > 0) {
		v = (uint32_t)in[i] << 16;
		if (rest == 2)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		if (rest == 2)
			*o++ = alpha[v >> 6 & 63];
		else if (pad)
			*o++ = '=';
		if (pad)
			*o++ = '=';
	}
	return (size_t)(o - out);
}

/* Encodes into a new NUL-terminated string. */
static char *
b64_encode(const char *alpha, int pad, const void *buf, size_t len)
{
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		fatal("base64 input of %zu bytes is too long", len);
	out = xmalloc((len + 2) / 3 * 4 + 1);
	out[b64_write(alpha, pad, out, buf, len)] = '\0';
	return out;
}

char *
b64url_encode(const void *buf, size_t len)
{
	return b64_encode(url_alphabet, 0, buf, len);
}

size_t
b64url_len(size_t len)
{
	return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

void
b64url_encode_to(char *out, const void *buf, size_t len)
{
	b64_write(url_alphabet, 0, out, buf, len);
}

char *
b64std_encode(const void *buf, size_t len)
{
	return b64_encode(std_alphabet, 1, buf, len);
}

/* Returns the 6-bit value of a base64url character, or -1. */
static int
url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes the final 2 or 3 characters.  Their unused low bits must be zero:
 * otherwise several texts would decode to the same bytes.
 */
static int
decode_tail(const unsigned char *in, size_t n, unsigned char *o)
{
	int a, b, c = 0;

	a = url_value(in[0]);
	b = url_value(in[1]);
	if (n == 3)
		c = url_value(in[2]);
	if (a < 0 || b < 0 || c < 0)
		return -1;
	if (n == 2 && (b & 0x0f) != 0)
		return -1;
	if (n == 3 && (c & 0x03) != 0)
		return -1;
	o[0] = (unsigned char)(a << 2 | b >> 4);
	if (n == 3)
		o[1] = (unsigned char)((b & 0x0f) << 4 | c >> 2);
	return 0;
}

int
b64url_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *buf;
	size_t i, o, rest;
	int a, b, c, d;

	*out = NULL;
	rest = inlen % 4;
	if (rest == 1)
		return -1;
	buf = xmalloc(inlen / 4 * 3 + (rest ? rest - 1 : 0) + 1);
	for (i = 0, o = 0; i + 4 <= inlen; i += 4, o += 3) {
		a = url_value(s[i]);
		b = url_value(s[i + 1]);
		c = url_value(s[i + 2]);
		d = url_value(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			goto fail;
		buf[o] = (unsigned char)(a << 2 | b >> 4);
		buf[o + 1] = (unsigned char)((b & 0x0f) << 4 | c >> 2);
		buf[o + 2] = (unsigned char)((c & 0x03) << 6 | d);
	}
	if (rest > 0) {
		if (decode_tail(s + i, rest, buf + o) == -1)
			goto fail;
		o += rest - 1;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
fail:
	free(buf);
	return -1;
}
