/*
 * test_b64url: RFC 4648 section 10 vectors in both alphabets, round trips
 * of every byte value, and the spellings the strict decoder must refuse.
 */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "tap.h"

static const struct {
	const char	*plain;
	const char	*std;
	const char	*url;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

/* Returns 1 when decoding in (inlen bytes) fails and leaves *out NULL. */
static int
refused(const char *in, size_t inlen)
{
	unsigned char *out = (unsigned char *)"sentinel";
	size_t outlen;
	int rc;

	rc = b64url_decode(in, inlen, &out, &outlen);
	if (rc == 0)
		free(out);
	return rc == -1 && out == NULL;
}

static void
check_decodes(const char *in, const void *want, size_t wantlen,
    const char *name)
{
	unsigned char *out = NULL;
	size_t outlen = 0;

	ok(b64url_decode(in, strlen(in), &out, &outlen) == 0, "%s decodes",
	    name);
	tap_is_mem(out, outlen, want, wantlen, name);
	ok(out != NULL && out[outlen] == '\0', "%s: NUL-terminated", name);
	free(out);
}

static void
test_rfc4648(void)
{
	size_t i;
	char *s;

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		s = b64std_encode(rfc4648[i].plain, strlen(rfc4648[i].plain));
		is_str(s, rfc4648[i].std, "std encode of RFC 4648 vector");
		free(s);
		s = b64url_encode(rfc4648[i].plain, strlen(rfc4648[i].plain));
		is_str(s, rfc4648[i].url, "url encode of RFC 4648 vector");
		free(s);
		check_decodes(rfc4648[i].url, rfc4648[i].plain,
		    strlen(rfc4648[i].plain), rfc4648[i].url);
	}
}

/* The two alphabets differ only in values 62 and 63. */
static void
test_alphabets(void)
{
	static const unsigned char a[] = { 0xfb, 0xff };
	static const unsigned char b[] = { 0xff, 0xff, 0xfe };
	char *s;

	s = b64std_encode(a, sizeof(a));
	is_str(s, "+/8=", "std alphabet uses + and /");
	free(s);
	s = b64url_encode(a, sizeof(a));
	is_str(s, "-_8", "url alphabet uses - and _");
	free(s);
	s = b64std_encode(b, sizeof(b));
	is_str(s, "///+", "std: 0xfffffe");
	free(s);
	s = b64url_encode(b, sizeof(b));
	is_str(s, "___-", "url: 0xfffffe");
	free(s);
	check_decodes("-_8", a, sizeof(a), "-_8");
	check_decodes("___-", b, sizeof(b), "___-");
}

static void
test_round_trip(void)
{
	unsigned char buf[256], *out;
	size_t len, outlen;
	char *s;
	int good = 1;

	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (unsigned char)(255 - len);
	for (len = 0; len <= sizeof(buf); len++) {
		s = b64url_encode(buf, len);
		if (b64url_decode(s, strlen(s), &out, &outlen) != 0 ||
		    outlen != len || memcmp(out, buf, len) != 0)
			good = 0;
		else
			free(out);
		free(s);
	}
	ok(good, "every byte value round-trips at lengths 0..256");
}

static void
test_refusals(void)
{
	ok(refused("Zg==", 4), "padding refused");
	ok(refused("Zm8=", 4), "single pad refused");
	ok(refused("+/8", 3), "'+' and '/' refused");
	ok(refused("Zm+v", 4), "'+' refused mid-quantum");
	ok(refused("Zm/v", 4), "'/' refused mid-quantum");
	ok(refused("Z", 1), "length 1 mod 4 refused");
	ok(refused("Zm9vY", 5), "length 5 refused");
	ok(refused("Zh", 2), "non-zero trailing bits (2 chars) refused");
	ok(refused("Zm9", 3), "non-zero trailing bits (3 chars) refused");
	ok(refused("Zm\0v", 4), "embedded NUL refused");
	ok(refused("Zm9v\0", 5), "trailing NUL refused");
	ok(refused("Zm9v ", 5), "trailing space refused");
	ok(refused("Zm9\nv", 5), "newline refused");
	ok(refused("Zm9v.", 5), "dot refused");
	ok(refused("Zm\xc3\xa9", 4), "non-ASCII refused");
	ok(!refused("Zm9vYmFy", 4), "only inlen bytes are read");
}

/* b64url_encode_to writes what b64url_encode returns, into a buffer or in
 * place over the input held at the end of the text's span. */
static void
test_encode_to(void)
{
	unsigned char in[100];
	char out[200], *want;
	size_t n, L;
	int lens = 1, apart = 1, inplace = 1;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (unsigned char)(n * 37 + 11);
	for (n = 0; n <= sizeof(in); n++) {
		want = b64url_encode(in, n);
		L = b64url_len(n);
		lens &= L == strlen(want);
		memset(out, '#', sizeof(out));
		b64url_encode_to(out, in, n);
		apart &= memcmp(out, want, L) == 0 && out[L] == '#';
		memset(out, '#', sizeof(out));
		memcpy(out + L - n, in, n);
		b64url_encode_to(out, out + L - n, n);
		inplace &= memcmp(out, want, L) == 0 && out[L] == '#';
		free(want);
	}
	ok(lens, "b64url_len is the encoded length, 0 to 100 bytes");
	ok(apart, "b64url_encode_to into a separate buffer");
	ok(inplace, "b64url_encode_to in place");
}

int
main(void)
{
	test_rfc4648();
	test_alphabets();
	test_round_trip();
	test_refusals();
	test_encode_to();
	return tap_done();
}
