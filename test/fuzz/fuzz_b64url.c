/*
 * fuzz_b64url: the strict base64url decoder and both encoders.
 * Invariants: a text that decodes is exactly the encoding of what it
 * decodes to (one spelling per byte string, so a JWS cannot be altered
 * without changing its signature input); every byte string survives
 * encode then decode; the standard encoding is the url-safe one with
 * '+', '/' and '=' padding.
 */
#include <string.h>

#include "b64url.h"
#include "fuzz.h"

static void
check_decode(const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t outlen;
	char *again;

	if (b64url_decode((const char *)data, size, &out, &outlen) == -1) {
		FUZZ_CHECK(out == NULL);
		return;
	}
	FUZZ_CHECK(out != NULL && out[outlen] == '\0');
	FUZZ_CHECK(outlen == size / 4 * 3 + (size % 4 ? size % 4 - 1 : 0));
	again = b64url_encode(out, outlen);
	FUZZ_CHECK(strlen(again) == size && memcmp(again, data, size) == 0);
	free(again);
	free(out);
}

static void
check_encode(const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t outlen, i, n;
	char *url, *std;

	url = b64url_encode(data, size);
	FUZZ_CHECK(b64url_decode(url, strlen(url), &out, &outlen) == 0);
	FUZZ_CHECK(outlen == size && memcmp(out, data, size) == 0);
	free(out);
	std = b64std_encode(data, size);
	n = strlen(std);
	FUZZ_CHECK(n == (size + 2) / 3 * 4);
	/* The standard text is the url-safe one, translated and padded. */
	for (i = 0; i < n; i++) {
		if (i < strlen(url))
			FUZZ_CHECK(std[i] == (url[i] == '-' ? '+' :
			    url[i] == '_' ? '/' : url[i]));
		else
			FUZZ_CHECK(std[i] == '=');
	}
	free(std);
	free(url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode(data, size);
	check_encode(data, size);
	return 0;
}
