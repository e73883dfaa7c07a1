/*
 * fuzz_json: json_parse_strict and the typed getters, as every request
 * body meets them.  Invariants: the UTF-8 check agrees with an independent
 * decoder; want_object only ever adds JSON_NOT_OBJECT; what parses prints
 * as text that parses again to the same document, and prints stably; the
 * getters agree with the member's type, and json_get_int returns exact
 * integers within range.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

/* A second UTF-8 validator, written from code points rather than from
 * RFC 3629's byte table: no overlongs, surrogates, NUL or values above
 * U+10FFFF. */
static int
ref_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3, cp = s[i] & 0x07, min = 0x10000;
		} else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Every getter on member key of obj must agree with the member's type. */
static void
check_getters(const cJSON *obj, const cJSON *m)
{
	const char *key = m->string, *s = NULL;
	const cJSON *sub = NULL;
	long long ll = 0;
	int64_t i64 = 0;
	int b = -1;
	int absent = cJSON_IsNull(m);

	FUZZ_CHECK(key != NULL);
	/* With a repeated key refused, lookup finds this very member. */
	FUZZ_CHECK(cJSON_GetObjectItemCaseSensitive(obj, key) == m);
	FUZZ_CHECK(json_get_string(obj, key, &s) == (absent ? JG_ABSENT :
	    cJSON_IsString(m) ? JG_OK : JG_WRONG_TYPE));
	FUZZ_CHECK(json_get_bool(obj, key, &b) == (absent ? JG_ABSENT :
	    cJSON_IsBool(m) ? JG_OK : JG_WRONG_TYPE));
	FUZZ_CHECK(json_get_array(obj, key, &sub) == (absent ? JG_ABSENT :
	    cJSON_IsArray(m) ? JG_OK : JG_WRONG_TYPE));
	FUZZ_CHECK(json_get_object(obj, key, &sub) == (absent ? JG_ABSENT :
	    cJSON_IsObject(m) ? JG_OK : JG_WRONG_TYPE));
	switch (json_get_int(obj, key, -1000000, 1000000, &ll)) {
	case JG_OK:
		FUZZ_CHECK(cJSON_IsNumber(m) && (double)ll == m->valuedouble);
		FUZZ_CHECK(ll >= -1000000 && ll <= 1000000);
		break;
	case JG_ABSENT:
		FUZZ_CHECK(absent);
		break;
	case JG_WRONG_TYPE:
		FUZZ_CHECK(!absent);
		FUZZ_CHECK(!cJSON_IsNumber(m) || m->valuedouble != floor(
		    m->valuedouble) || fabs(m->valuedouble) > 1000000);
		break;
	}
	if (json_get_int64_lax(obj, key, &i64) == JG_OK)
		FUZZ_CHECK(cJSON_IsString(m) || (double)i64 == m->valuedouble);
}

/* Walks v, checking the getters on every object member. */
static void
walk(const cJSON *v)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		if (cJSON_IsObject(v))
			check_getters(v, c);
		walk(c);
	}
}

/* 1 when v holds a number that is not finite (printed as null). */
static int
has_nonfinite(const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
		return 1;
	cJSON_ArrayForEach(c, v)
		if (has_nonfinite(c))
			return 1;
	return 0;
}

/* Prints v and parses the text back strictly; the tree is returned. */
static cJSON *
reparse(const cJSON *v, char **text)
{
	enum json_err err;
	cJSON *again;

	*text = json_print(v);
	again = json_parse_strict(*text, strlen(*text), 0, &err);
	FUZZ_CHECK(again != NULL && err == JSON_OK);
	return again;
}

/*
 * What parses prints as JSON that parses again to the same document, up
 * to cJSON's tolerance on numbers (json_print keeps cJSON's 15-digit
 * form where it reads back within that tolerance), and the text is stable
 * from the second print on.
 */
static void
check_roundtrip(const cJSON *v)
{
	cJSON *v1, *v2;
	char *p1, *p2, *p3;

	v1 = reparse(v, &p1);
	if (!has_nonfinite(v))
		FUZZ_CHECK(cJSON_Compare(v, v1, 1));
	v2 = reparse(v1, &p2);
	cJSON_Delete(reparse(v2, &p3));
	FUZZ_CHECK(strcmp(p2, p3) == 0);
	free(p1);
	free(p2);
	free(p3);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	enum json_err e_any, e_obj;
	cJSON *any, *obj;

	FUZZ_CHECK(json_utf8_valid(buf, size) == ref_utf8_valid(data, size));
	any = json_parse_strict(buf, size, 0, &e_any);
	obj = json_parse_strict(buf, size, 1, &e_obj);
	FUZZ_CHECK((any == NULL) == (e_any != JSON_OK));
	FUZZ_CHECK((obj == NULL) == (e_obj != JSON_OK));
	FUZZ_CHECK(e_obj == e_any || (e_any == JSON_OK &&
	    e_obj == JSON_NOT_OBJECT && !cJSON_IsObject(any)));
	FUZZ_CHECK(json_err_string(e_any) != NULL);
	if (e_any != JSON_NOT_UTF8)
		FUZZ_CHECK(ref_utf8_valid(data, size));
	if (any != NULL) {
		walk(any);
		check_roundtrip(any);
	}
	cJSON_Delete(any);
	cJSON_Delete(obj);
	return 0;
}
