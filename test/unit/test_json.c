/*
 * test_json: the strict parser's refusals (bad UTF-8, NUL, trailing
 * garbage, repeated keys, depth, lax number and whitespace forms), the
 * typed getters' range and type checks, and the constructors.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

/* Parses len bytes of s and returns the error, freeing any tree. */
static enum json_err
parse_len(const char *s, size_t len, int want_object)
{
	enum json_err err = JSON_OK;
	cJSON *v;

	v = json_parse_strict(s, len, want_object, &err);
	if ((v == NULL) != (err != JSON_OK))
		ok(0, "tree and error disagree for %s", s);
	cJSON_Delete(v);
	return err;
}

static enum json_err
parse(const char *s)
{
	return parse_len(s, strlen(s), 0);
}

static void
test_utf8(void)
{
	ok(json_utf8_valid("plain ascii", 11), "ASCII is UTF-8");
	ok(json_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 9),
	    "2-, 3- and 4-byte sequences");
	ok(json_utf8_valid("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7),
	    "U+FFFF and U+10FFFF");
	ok(json_utf8_valid("", 0), "empty is UTF-8");
	ok(!json_utf8_valid("\xc0\xaf", 2), "overlong 2-byte refused");
	ok(!json_utf8_valid("\xc1\xbf", 2), "overlong C1 refused");
	ok(!json_utf8_valid("\xe0\x80\xaf", 3), "overlong 3-byte refused");
	ok(!json_utf8_valid("\xf0\x80\x80\xaf", 4), "overlong 4-byte refused");
	ok(!json_utf8_valid("\xed\xa0\x80", 3), "surrogate D800 refused");
	ok(!json_utf8_valid("\xed\xbf\xbf", 3), "surrogate DFFF refused");
	ok(!json_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF refused");
	ok(!json_utf8_valid("\xf5\x80\x80\x80", 4), "F5 lead refused");
	ok(!json_utf8_valid("\xe2\x82", 2), "truncated 3-byte refused");
	ok(!json_utf8_valid("a\xf0\x9d\x84", 4), "truncated 4-byte refused");
	ok(!json_utf8_valid("\x80", 1), "lone continuation refused");
	ok(!json_utf8_valid("\xc3\x28", 2), "bad continuation refused");
	ok(!json_utf8_valid("a\0b", 3), "NUL refused");
	ok(!json_utf8_valid("\xc3\xa9", 1), "only len bytes are read");
}

/* Eight bytes are checked at once where they are plain ASCII: a bad byte
 * (or a good sequence) at each place of a longer text, and texts cut at
 * each length, are judged as byte by byte. */
static void
test_utf8_at_every_place(void)
{
	static const char *bad[] = { "\x80", "\xff", "\xc3\x28", "\xed\xa0\x80",
		"\xf0\x80\x80\xaf" };
	static const char *good[] = { "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9d\x84\x9e", "\x7f", "\x01" };
	char buf[64];
	size_t pos, k, len;
	int wrong = 0;

	for (pos = 0; pos < 40; pos++) {
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			memset(buf, 'a', sizeof(buf));
			len = strlen(bad[k]);
			memcpy(buf + pos, bad[k], len);
			if (json_utf8_valid(buf, 48))
				wrong++;
		}
		for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
			memset(buf, 'a', sizeof(buf));
			len = strlen(good[k]);
			memcpy(buf + pos, good[k], len);
			if (!json_utf8_valid(buf, 48))
				wrong++;
		}
		memset(buf, 'a', sizeof(buf));
		buf[pos] = '\0';
		if (json_utf8_valid(buf, 48))
			wrong++;
		/* A sequence cut by the end of the text. */
		memset(buf, 'a', sizeof(buf));
		memcpy(buf + pos, "\xe2\x82\xac", 3);
		if (json_utf8_valid(buf, pos + 2) || !json_utf8_valid(buf, pos))
			wrong++;
	}
	ok(wrong == 0, "a bad byte, NUL, a good sequence or a cut one at each "
	    "of 40 places: judged right (%d wrong)", wrong);
}

static void
test_basic_parse(void)
{
	static const char trailing[] = "{\"a\":1}garbage";

	is_int(parse("{\"a\":[1,2.5,\"x\",true,false,null,{}]}"), JSON_OK,
	    "a valid object");
	is_int(parse(" \t\r\n{ \"a\" : 1 } \r\n"), JSON_OK,
	    "JSON whitespace around tokens");
	is_int(parse_len(trailing, 7, 1), JSON_OK,
	    "only len bytes are parsed");
	is_int(parse("{\"a\":1} x"), JSON_SYNTAX, "trailing garbage refused");
	is_int(parse("{}{}"), JSON_SYNTAX, "two values refused");
	is_int(parse("1 2"), JSON_SYNTAX, "two numbers refused");
	is_int(parse(""), JSON_SYNTAX, "empty body refused");
	is_int(parse("  "), JSON_SYNTAX, "whitespace-only body refused");
	is_int(parse("{\"a\":1,}"), JSON_SYNTAX, "trailing comma refused");
	is_int(parse("{'a':1}"), JSON_SYNTAX, "single quotes refused");
	is_int(parse_len("{\"a\":\0}", 7, 0), JSON_NOT_UTF8,
	    "raw NUL byte refused");
	is_int(parse_len("{\"a\":\"x\0\"}", 10, 0), JSON_NOT_UTF8,
	    "NUL inside a string refused");
	is_int(parse("{\"a\":\"\\u0000\"}"), JSON_SYNTAX,
	    "escaped NUL refused (cJSON would truncate the string)");
	is_int(parse("{\"a\":\"\xc0\xaf\"}"), JSON_NOT_UTF8,
	    "overlong inside a string refused");
	is_int(parse("{\"a\":\"\xed\xa0\x80\"}"), JSON_NOT_UTF8,
	    "raw surrogate refused");
	is_int(parse("{\"a\":\"\xe2\x82\"}"), JSON_NOT_UTF8,
	    "truncated sequence refused");
	is_int(parse("{\"a\":\"\\ud800\"}"), JSON_SYNTAX,
	    "lone escaped surrogate refused");
	is_int(parse("{\"a\":\"\\ud83d\\ude00\"}"), JSON_OK,
	    "escaped surrogate pair accepted");
	is_int(parse("\xef\xbb\xbf{}"), JSON_SYNTAX, "byte order mark refused");
	is_int(parse("{\x0c\"a\":1}"), JSON_SYNTAX,
	    "form feed as whitespace refused");
	is_int(parse("{\"a\":\"x\ty\"}"), JSON_SYNTAX,
	    "raw tab inside a string refused");
	is_int(parse("{\"a\":\"\\x\"}"), JSON_SYNTAX, "bad escape refused");
	is_int(parse("{\"a\":\"abc"), JSON_SYNTAX, "unterminated string");
}

static void
test_numbers(void)
{
	static const char *good[] = { "0", "-0", "12", "-12", "0.5",
	    "1.5e+3", "1E-2", "1e400", "[1,-2]" };
	static const char *bad[] = { "01", "-01", "1.", ".5", "-", "+1",
	    "1e", "1e+", "1.2.3", "0x10", "1e5e5", "--1", "-.5", "Infinity",
	    "NaN" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		is_int(parse(good[i]), JSON_OK, good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(parse(bad[i]), JSON_SYNTAX, bad[i]);
}

static void
test_dup_keys(void)
{
	is_int(parse("{\"a\":1,\"a\":2}"), JSON_DUP_KEY, "duplicate key");
	is_int(parse("{\"a\":1,\"b\":2,\"c\":3,\"b\":4}"), JSON_DUP_KEY,
	    "duplicate key not adjacent");
	is_int(parse("{\"x\":{\"b\":1,\"b\":1}}"), JSON_DUP_KEY,
	    "duplicate key in a nested object");
	is_int(parse("[1,{\"a\":1},[{\"q\":{\"z\":0,\"z\":0}}]]"), JSON_DUP_KEY,
	    "duplicate key deep inside arrays");
	is_int(parse("{\"a\":1,\"\\u0061\":2}"), JSON_DUP_KEY,
	    "duplicate key spelled with an escape");
	is_int(parse("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":1}]}"),
	    JSON_OK, "same key in different objects");
	is_int(parse("{\"a\":1,\"A\":2,\"a \":3,\"\":4}"), JSON_OK,
	    "keys differing by case or a byte");
	/* Past 8 keys they are sorted rather than compared pairwise. */
	is_int(parse("{\"k\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":5,"
	    "\"g\":6,\"h\":7,\"i\":8,\"j\":9,\"k\":10}"), JSON_DUP_KEY,
	    "duplicate key among 11, first and last");
	is_int(parse("{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":5,"
	    "\"g\":6,\"h\":7,\"i\":8,\"j\":9,\"k\":10}"), JSON_OK,
	    "11 different keys");
	is_int(parse("{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":5,"
	    "\"g\":6,\"a\":7}"), JSON_DUP_KEY,
	    "duplicate key among 8, first and last");
}

/* Returns n nested arrays or objects around a 0. */
static char *
nested(int n, int objects)
{
	char *s, *p;
	int i;

	p = s = malloc((size_t)n * 6 + 2);
	for (i = 0; i < n; i++)
		p = stpcpy(p, objects ? "{\"k\":" : "[");
	*p++ = '0';
	for (i = 0; i < n; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	return s;
}

static void
check_depth(int n, int objects, enum json_err want, const char *name)
{
	char *s = nested(n, objects);

	is_int(parse(s), want, name);
	free(s);
}

static void
test_depth(void)
{
	check_depth(JSON_MAX_DEPTH, 0, JSON_OK, "32 nested arrays accepted");
	check_depth(JSON_MAX_DEPTH + 1, 0, JSON_TOO_DEEP,
	    "33 nested arrays refused");
	check_depth(JSON_MAX_DEPTH, 1, JSON_OK, "32 nested objects accepted");
	check_depth(JSON_MAX_DEPTH + 1, 1, JSON_TOO_DEEP,
	    "33 nested objects refused");
	check_depth(5000, 0, JSON_TOO_DEEP, "5000 nested arrays refused");
	is_int(parse("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]"), JSON_OK,
	    "brackets inside strings do not count");
}

static void
test_want_object(void)
{
	is_int(parse_len("[1]", 3, 1), JSON_NOT_OBJECT, "array is not object");
	is_int(parse_len("\"x\"", 3, 1), JSON_NOT_OBJECT,
	    "string is not object");
	is_int(parse_len("null", 4, 0), JSON_OK, "null without want_object");
	ok(strcmp(json_err_string(JSON_DUP_KEY), "ok") != 0 &&
	    json_err_string((enum json_err)99) != NULL, "error strings");
}

static cJSON *
getters_doc(void)
{
	static const char doc[] = "{\"i\":5,\"big\":9007199254740991,"
	    "\"huge\":9007199254740992,\"neg\":-9007199254740991,"
	    "\"inf\":1e400,\"half\":1.5,\"nhalf\":-0.5,\"exp\":1e2,"
	    "\"one\":1.0,\"t\":true,\"s\":\"str\",\"n\":null,\"a\":[1],"
	    "\"o\":{},\"i64s\":\"-9223372036854775808\","
	    "\"i64o\":\"9223372036854775808\",\"i64x\":\"12a\","
	    "\"i64p\":\"+1\",\"i64w\":\" 1\",\"i64e\":\"\"}";
	enum json_err err;
	cJSON *v;

	if ((v = json_parse_strict(doc, strlen(doc), 1, &err)) == NULL) {
		ok(0, "getters document parses");
		exit(tap_done());
	}
	return v;
}

static void
test_get_int(const cJSON *v)
{
	long long n = -1;

	is_int(json_get_int(v, "i", 0, 10, &n), JG_OK, "int in range");
	is_int(n, 5, "int value");
	is_int(json_get_int(v, "i", 6, 10, &n), JG_WRONG_TYPE, "below min");
	is_int(json_get_int(v, "i", 0, 4, &n), JG_WRONG_TYPE, "above max");
	is_int(json_get_int(v, "big", 0, INT64_MAX, &n), JG_OK, "2^53 - 1");
	is_int(n, 9007199254740991LL, "2^53 - 1 exact");
	is_int(json_get_int(v, "huge", 0, INT64_MAX, &n), JG_WRONG_TYPE,
	    "2^53 refused (may be rounded)");
	is_int(json_get_int(v, "neg", INT64_MIN, 0, &n), JG_OK, "-(2^53 - 1)");
	is_int(json_get_int(v, "inf", INT64_MIN, INT64_MAX, &n),
	    JG_WRONG_TYPE, "1e400 refused");
	is_int(json_get_int(v, "half", 0, 10, &n), JG_WRONG_TYPE, "1.5");
	is_int(json_get_int(v, "nhalf", -10, 10, &n), JG_WRONG_TYPE, "-0.5");
	is_int(json_get_int(v, "exp", 0, 1000, &n), JG_OK, "1e2 is integral");
	is_int(n, 100, "1e2 value");
	is_int(json_get_int(v, "one", 0, 10, &n), JG_OK, "1.0 is integral");
	is_int(json_get_int(v, "t", 0, 10, &n), JG_WRONG_TYPE, "bool");
	is_int(json_get_int(v, "s", 0, 10, &n), JG_WRONG_TYPE, "string");
	is_int(json_get_int(v, "n", 0, 10, &n), JG_ABSENT, "null is absent");
	is_int(json_get_int(v, "zz", 0, 10, &n), JG_ABSENT, "missing");
	is_int(json_get_int(v, "I", 0, 10, &n), JG_ABSENT, "case-sensitive");
}

static void
test_get_int64_lax(const cJSON *v)
{
	int64_t n = 0;

	is_int(json_get_int64_lax(v, "i", &n), JG_OK, "lax: number");
	is_int(n, 5, "lax: number value");
	is_int(json_get_int64_lax(v, "i64s", &n), JG_OK, "lax: string");
	ok(n == INT64_MIN, "lax: INT64_MIN from a string");
	is_int(json_get_int64_lax(v, "i64o", &n), JG_WRONG_TYPE,
	    "lax: 2^63 refused");
	is_int(json_get_int64_lax(v, "i64x", &n), JG_WRONG_TYPE,
	    "lax: trailing letters refused");
	is_int(json_get_int64_lax(v, "i64p", &n), JG_WRONG_TYPE,
	    "lax: plus sign refused");
	is_int(json_get_int64_lax(v, "i64w", &n), JG_WRONG_TYPE,
	    "lax: leading space refused");
	is_int(json_get_int64_lax(v, "i64e", &n), JG_WRONG_TYPE,
	    "lax: empty string refused");
	is_int(json_get_int64_lax(v, "half", &n), JG_WRONG_TYPE,
	    "lax: fraction refused");
	is_int(json_get_int64_lax(v, "t", &n), JG_WRONG_TYPE,
	    "lax: bool refused");
	is_int(json_get_int64_lax(v, "n", &n), JG_ABSENT, "lax: null");
}

static void
test_get_other(const cJSON *v)
{
	const cJSON *sub;
	const char *s = NULL;
	int b = 0;

	is_int(json_get_string(v, "s", &s), JG_OK, "string");
	is_str(s, "str", "string value");
	is_int(json_get_string(v, "i", &s), JG_WRONG_TYPE, "number as string");
	is_int(json_get_string(v, "n", &s), JG_ABSENT, "null string");
	is_int(json_get_bool(v, "t", &b), JG_OK, "bool");
	is_int(b, 1, "bool value");
	is_int(json_get_bool(v, "s", &b), JG_WRONG_TYPE, "string as bool");
	is_int(json_get_array(v, "a", &sub), JG_OK, "array");
	is_int(json_get_array(v, "o", &sub), JG_WRONG_TYPE, "object as array");
	is_int(json_get_object(v, "o", &sub), JG_OK, "object");
	is_int(json_get_object(v, "a", &sub), JG_WRONG_TYPE, "array as object");
	is_int(json_get_object(v, "zz", &sub), JG_ABSENT, "missing object");
	is_int(json_get_string(NULL, "s", &s), JG_ABSENT, "NULL object");
}

static void
test_build(void)
{
	cJSON *o, *a;
	char *s;

	o = json_new_object();
	json_add_string(o, "s", "x\"y");
	json_add_int(o, "i", -3);
	json_add_int(o, "t", 1700000000);
	json_add_bool(o, "b", 2);
	json_add_bool(o, "f", 0);
	json_add_null(o, "n");
	a = json_new_array();
	json_append(a, json_new_string("q"));
	json_add_item(o, "arr", a);
	json_add_item(o, "o", json_new_object());
	s = json_print(o);
	is_str(s, "{\"s\":\"x\\\"y\",\"i\":-3,\"t\":1700000000,\"b\":true,"
	    "\"f\":false,\"n\":null,\"arr\":[\"q\"],\"o\":{}}",
	    "constructed object renders compactly, in order");
	free(s);
	cJSON_Delete(o);
}

/* json_quote renders every byte as cJSON does; json_int is exact over
 * the whole range of long long. */
static void
test_quote_and_int(void)
{
	char s[256], out[256 * 6 + 2], *want, num[JSON_INT_MAX_LEN + 1];
	static const struct {
		long long	 v;
		const char	*text;
	} ints[] = {
		{ 0, "0" }, { 7, "7" }, { -1, "-1" }, { 1700000000, "1700000000" },
		{ 1000000000000000LL, "1000000000000000" },
		{ 9007199254740993LL, "9007199254740993" },
		{ LLONG_MAX, "9223372036854775807" },
		{ LLONG_MIN, "-9223372036854775808" },
	};
	cJSON *str;
	size_t i, n;

	for (i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	str = json_new_string(s);
	want = json_print(str);
	n = json_quote(NULL, s);
	is_int((long long)n, (long long)strlen(want),
	    "json_quote measures bytes 1 to 255 as cJSON prints them");
	memset(out, 0, sizeof(out));
	is_int((long long)json_quote(out, s), (long long)n,
	    "json_quote writes what it measured");
	is_str(out, want, "json_quote writes bytes 1 to 255 as cJSON does");
	free(want);
	cJSON_Delete(str);
	memset(out, 0, sizeof(out));
	json_quote(out, "");
	is_str(out, "\"\"", "empty string");
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		n = json_int(num, ints[i].v);
		num[n] = '\0';
		is_str(num, ints[i].text, ints[i].text);
	}
}

/* json_print writes what cJSON_PrintUnformatted writes, but for integers
 * from 10^15 to 2^53, which it writes as exact integers. */
static void
test_print_as_cjson(void)
{
	static const char *const docs[] = {
		"{\"a\":[1,-2,0,-0,0.5,-1.25,1e300,-2.5e-300,0.1,"
		    "123456789012345,3.141592653589793,1e-7,4102444800],"
		    "\"b\":{\"\":null,\"t\":true,\"f\":false},"
		    "\"c\":\"\\u0001\\n\\\"\\\\/\u00e9\\u2028\"}",
		"[]", "{}", "[[],{},[{}],\"\"]", "\"x\"", "12", "-0.0",
		"[1.7976931348623157e308,5e-324,2.2250738585072014e-308]",
		"[9007199254740993,1e16,-1e20,0.30000000000000004]",
	};
	static const char *const ints[][2] = {
		{ "1e15", "1000000000000000" },
		{ "-9007199254740991", "-9007199254740991" },
		{ "[4503599627370496.5]", "[4503599627370496]" },
	};
	enum json_err e;
	cJSON *v, *o;
	char *a, *b;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		v = json_parse_strict(docs[i], strlen(docs[i]), 0, &e);
		if (v == NULL) {
			ok(0, "document %zu parses", i);
			continue;
		}
		a = json_print(v);
		b = cJSON_PrintUnformatted(v);
		is_str(a, b, docs[i]);
		free(a);
		free(b);
		cJSON_Delete(v);
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = json_parse_strict(ints[i][0], strlen(ints[i][0]), 0, &e);
		a = json_print(v);
		is_str(a, ints[i][1], ints[i][1]);
		free(a);
		cJSON_Delete(v);
	}
	o = json_new_object();
	json_add_int(o, "big", 9007199254740991LL);
	json_add_int(o, "neg", -1000000000000001LL);
	json_add_item(o, "raw", cJSON_CreateRaw("[1, 2]"));
	json_add_item(o, "nan", cJSON_CreateNumber(NAN));
	a = json_print(o);
	is_str(a, "{\"big\":9007199254740991,\"neg\":-1000000000000001,"
	    "\"raw\":[1, 2],\"nan\":null}", "json_add_int is exact below 2^53; "
	    "raw text and NaN as cJSON writes them");
	free(a);
	cJSON_Delete(o);
}

int
main(void)
{
	cJSON *v;

	test_utf8();
	test_utf8_at_every_place();
	test_basic_parse();
	test_numbers();
	test_dup_keys();
	test_depth();
	test_want_object();
	v = getters_doc();
	test_get_int(v);
	test_get_int64_lax(v);
	test_get_other(v);
	cJSON_Delete(v);
	test_build();
	test_quote_and_int();
	test_print_as_cjson();
	return tap_done();
}
