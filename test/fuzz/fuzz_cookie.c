/*
 * fuzz_cookie: the Cookie header parser (cookie_find), Set-Cookie
 * building, and the opening of sealed cookies (seal_open).
 *
 * Input: a Cookie header, searched for "sid" and for "lkgate_session".
 * Invariants: a value found lies inside the header, holds only
 * cookie-octets and builds back into a Set-Cookie; the same header
 * searched twice gives the same answer; the header taken as a sealed
 * text never opens under a key it was not sealed with (so a forged
 * cookie is refused), while the input sealed as a JSON string under that
 * key opens back to itself.
 */
#include <string.h>

#include "cookie.h"
#include "fuzz.h"
#include "json.h"
#include "seal.h"
#include "util.h"

#define NOW 1764284400

static const struct seal_key key = { {
	0x5a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50,
	0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0 } };

static void
check_find(const char *h, size_t size, const char *name)
{
	struct cookie_attrs a = { "/", 60, 1, 1, COOKIE_LAX };
	const char *v = NULL, *v2 = NULL;
	size_t n = 0, n2 = 0;
	enum cookie_res r;
	char *copy, *set;

	r = cookie_find(h, size, name, &v, &n);
	FUZZ_CHECK(cookie_find(h, size, name, &v2, &n2) == r);
	if (r != COOKIE_FOUND)
		return;
	FUZZ_CHECK(v == v2 && n == n2);
	FUZZ_CHECK(v >= h && v + n <= h + size);
	FUZZ_CHECK(cookie_value_valid(v, n));
	copy = xstrndup(v, n);
	set = cookie_build(name, copy, &a);
	FUZZ_CHECK(set != NULL || n > COOKIE_SET_MAX / 2);
	free(set);
	free(copy);
}

static void
check_seal(const char *h, size_t size)
{
	unsigned char nonce[SEAL_NONCE_LEN] = { 1, 2, 3 };
	enum seal_err e;
	const char *got;
	cJSON *o = NULL, *in;
	char *text, *s;

	e = seal_open(&key, 1, "session", h, size, NOW, &o);
	FUZZ_CHECK(e != SEAL_OK);
	FUZZ_CHECK(o == NULL);
	if (!json_utf8_valid(h, size))
		return;
	s = xstrndup(h, size);
	in = json_new_object();
	json_add_string(in, "v", s);
	json_add_int(in, "exp", NOW + 1);
	text = seal_json(&key, "session", in, nonce);
	FUZZ_CHECK(seal_open(&key, 1, "session", text, strlen(text), NOW,
	    &o) == SEAL_OK || strlen(text) > SEAL_TEXT_MAX);
	if (o != NULL) {
		FUZZ_CHECK(json_get_string(o, "v", &got) == JG_OK &&
		    strcmp(got, s) == 0);
		cJSON_Delete(o);
		FUZZ_CHECK(seal_open(&key, 1, "login", text, strlen(text), NOW,
		    &o) == SEAL_BAD_KEY && o == NULL);
		FUZZ_CHECK(seal_open(&key, 1, "session", text, strlen(text),
		    NOW + 1, &o) == SEAL_EXPIRED && o == NULL);
	}
	free(text);
	cJSON_Delete(in);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *h = (const char *)data;

	check_find(h, size, "sid");
	check_find(h, size, "lkgate_session");
	check_seal(h, size);
	return 0;
}
