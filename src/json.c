/*
 * json: a strict front end to cJSON, and typed getters and constructors.
 *
 * cJSON is lenient in ways that let two parsers read one body two ways:
 * it keeps repeated keys, skips any control byte as whitespace and a
 * leading BOM, accepts raw control characters inside strings, numbers
 * such as "01" or "1.", and truncates a string at an escaped NUL.  So
 * before cJSON sees a body we check its UTF-8 and scan it once for those
 * cases and for nesting depth (which also bounds cJSON's recursion); after
 * parsing we walk the tree for repeated keys.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "util.h"

/* Doubles hold every integer of smaller magnitude exactly. */
#define JSON_SAFE_INT	9007199254740992.0	/* 2^53 */

static const char *const json_err_strings[] = {
	[JSON_OK] = "ok",
	[JSON_NOT_UTF8] = "body is not valid UTF-8",
	[JSON_SYNTAX] = "body is not valid JSON",
	[JSON_TOO_DEEP] = "body nests too deeply",
	[JSON_DUP_KEY] = "body repeats a key within an object",
	[JSON_NOT_OBJECT] = "body is not a JSON object",
};

const char *
json_err_string(enum json_err err)
{
	if ((size_t)err >= NELEM(json_err_strings))
		return "unknown JSON error";
	return json_err_strings[err];
}

/*
 * Returns the length of the well-formed UTF-8 sequence at s (RFC 3629
 * table 3-7: no overlongs, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (n <= need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need + 1;
}

int
json_utf8_valid(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	const uint64_t lows = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w;
	size_t i = 0, n;

	while (i < len) {
		/* Eight ASCII bytes, none NUL, at once: most of a body. */
		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (((w | ((w - lows) & ~w)) & highs) == 0) {
				i += 8;
				continue;
			}
		}
		if ((n = utf8_seq(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Returns the index just past the closing quote of the string whose body
 * starts at s[i], or 0 for a raw control byte, an escaped NUL or no end. */
static size_t
scan_string(const unsigned char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == '"')
			return i + 1;
		if (s[i] < 0x20)
			return 0;
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return 0;
		if (s[i + 1] != 'u') {
			i += 2;		/* cJSON checks the escape letter */
			continue;
		}
		if (len - i < 6 || memcmp(s + i + 2, "0000", 4) == 0)
			return 0;
		i += 6;
	}
	return 0;
}

static size_t
scan_digits(const unsigned char *s, size_t len, size_t i)
{
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Returns the length of the RFC 8259 number at s, or 0 when the run of
 * number characters there is not one. */
static size_t
scan_number(const unsigned char *s, size_t len)
{
	size_t i = 0, j;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		i = scan_digits(s, len, i);
	else
		return 0;
	if (i < len && s[i] == '.') {
		if ((j = scan_digits(s, len, i + 1)) == i + 1)
			return 0;
		i = j;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if ((j = scan_digits(s, len, i)) == i)
			return 0;
		i = j;
	}
	/* "01", "1.2.3" or "1e5e5" would otherwise be half-read by cJSON. */
	if (i < len && strchr("0123456789+-.eE", s[i]) != NULL && s[i] != 0)
		return 0;
	return i;
}

/* Scans the text outside strings for what cJSON would let through. */
static enum json_err
scan_text(const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	int depth = 0;

	while (i < len) {
		if (s[i] == '"') {
			if ((i = scan_string(s, len, i + 1)) == 0)
				return JSON_SYNTAX;
			continue;
		}
		if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			if ((n = scan_number(s + i, len - i)) == 0)
				return JSON_SYNTAX;
			i += n;
			continue;
		}
		if (s[i] == '[' || s[i] == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return JSON_TOO_DEEP;
		} else if (s[i] == ']' || s[i] == '}') {
			if (depth > 0)
				depth--;
		} else if (s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r'))
			return JSON_SYNTAX;
		i++;
	}
	return JSON_OK;
}

static int
key_cmp(const void *a, const void *b)
{
	const char *const *ka = a, *const *kb = b;

	return strcmp(*ka, *kb);
}

/* Returns 1 when the object v has two members with the same name. */
#define DUP_PAIRWISE_MAX 8	/* keys compared pairwise, not sorted */

static int
has_dup_member(const cJSON *v)
{
	const cJSON *c, *d;
	const char **keys;
	size_t n = 0, i;
	int dup = 0;

	for (c = v->child; c != NULL; c = c->next)
		n++;
	if (n < 2)
		return 0;
	/* A few keys (the usual body) are compared pairwise, with no
	 * allocation; sorting keeps a body with many from costing n^2. */
	if (n <= DUP_PAIRWISE_MAX) {
		for (c = v->child; c != NULL; c = c->next)
			for (d = c->next; d != NULL; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return 1;
		return 0;
	}
	keys = xcalloc(n, sizeof(*keys));
	for (c = v->child, i = 0; c != NULL; c = c->next, i++)
		keys[i] = c->string;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && !dup; i++)
		dup = strcmp(keys[i - 1], keys[i]) == 0;
	free(keys);
	return dup;
}

/* Returns 1 when any object within v repeats a key.  The recursion is
 * bounded by JSON_MAX_DEPTH, checked before parsing. */
static int
has_dup_key(const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsObject(v) && has_dup_member(v))
		return 1;
	if (cJSON_IsObject(v) || cJSON_IsArray(v))
		for (c = v->child; c != NULL; c = c->next)
			if (has_dup_key(c))
				return 1;
	return 0;
}

/* Parses what scan_text accepted; only JSON whitespace may follow. */
static cJSON *
parse_scanned(const char *buf, size_t len)
{
	const char *end = NULL;
	char *copy;
	cJSON *v;

	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	v = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	if (v != NULL) {
		while (end < copy + len && strchr(" \t\n\r", *end) != NULL &&
		    *end != '\0')
			end++;
		if (end != copy + len) {
			cJSON_Delete(v);
			v = NULL;
		}
	}
	free(copy);
	return v;
}

cJSON *
json_parse_strict(const char *buf, size_t len, int want_object,
    enum json_err *err)
{
	enum json_err e;
	cJSON *v = NULL;

	if (buf == NULL)
		e = JSON_SYNTAX;
	else if (!json_utf8_valid(buf, len))
		e = JSON_NOT_UTF8;
	else
		e = scan_text((const unsigned char *)buf, len);
	if (e == JSON_OK && (v = parse_scanned(buf, len)) == NULL)
		e = JSON_SYNTAX;
	if (e == JSON_OK && has_dup_key(v))
		e = JSON_DUP_KEY;
	if (e == JSON_OK && want_object && !cJSON_IsObject(v))
		e = JSON_NOT_OBJECT;
	if (e != JSON_OK) {
		cJSON_Delete(v);
		v = NULL;
	}
	*err = e;
	return v;
}

/* Returns obj's member key, or NULL when absent or JSON null. */
static const cJSON *
member(const cJSON *obj, const char *key)
{
	const cJSON *v;

	if (obj == NULL || key == NULL || !cJSON_IsObject(obj))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	return v;
}

enum json_get
json_get_string(const cJSON *obj, const char *key, const char **out)
{
	const cJSON *v;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return JG_WRONG_TYPE;
	*out = v->valuestring;
	return JG_OK;
}

enum json_get
json_get_bool(const cJSON *obj, const char *key, int *out)
{
	const cJSON *v;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (!cJSON_IsBool(v))
		return JG_WRONG_TYPE;
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return JG_OK;
}

/*
 * Converts a number that cJSON holds as a double.  The double must be
 * finite, integral and below 2^53 in magnitude: beyond that it may already
 * be a rounded neighbour of what was sent, and converting an out-of-range
 * double to an integer would be undefined.
 */
static int
number_to_ll(const cJSON *v, long long *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	/* The range test also refuses NaN and infinities; inside the range
	 * the conversion is defined, and exact only for integral values. */
	if (!(d > -JSON_SAFE_INT && d < JSON_SAFE_INT) ||
	    (double)(long long)d != d)
		return -1;
	*out = (long long)d;
	return 0;
}

enum json_get
json_get_int(const cJSON *obj, const char *key, long long min,
    long long max, long long *out)
{
	const cJSON *v;
	long long n;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (number_to_ll(v, &n) == -1 || n < min || n > max)
		return JG_WRONG_TYPE;
	*out = n;
	return JG_OK;
}

enum json_get
json_get_int64_lax(const cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v;
	const char *why;
	long long n;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (cJSON_IsString(v) && v->valuestring != NULL) {
		if (util_parse_ll(v->valuestring, INT64_MIN, INT64_MAX, &n,
		    &why) == -1)
			return JG_WRONG_TYPE;
	} else if (number_to_ll(v, &n) == -1)
		return JG_WRONG_TYPE;
	*out = n;
	return JG_OK;
}

enum json_get
json_get_array(const cJSON *obj, const char *key, const cJSON **out)
{
	const cJSON *v;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (!cJSON_IsArray(v))
		return JG_WRONG_TYPE;
	*out = v;
	return JG_OK;
}

enum json_get
json_get_object(const cJSON *obj, const char *key, const cJSON **out)
{
	const cJSON *v;

	if ((v = member(obj, key)) == NULL)
		return JG_ABSENT;
	if (!cJSON_IsObject(v))
		return JG_WRONG_TYPE;
	*out = v;
	return JG_OK;
}

size_t
json_int(char *out, long long v)
{
	return util_ll_text(out, v);
}

/* Writes the escape of c, a byte below 0x20 or '"' or '\\', to esc;
 * returns its length. */
static size_t
json_escape(unsigned char c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const char *f;

	esc[0] = '\\';
	if (c != '\0' && (f = strchr(from, c)) != NULL) {
		esc[1] = to[f - from];
		return 2;
	}
	memcpy(esc + 1, "u00", 3);
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 15];
	return 6;
}

#define R16(x)	x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

/* 1 for the bytes a JSON string holds as they are: not NUL (the end),
 * not the other control bytes, '"' or '\\'.  A table because every byte
 * of every string written passes through it. */
static const unsigned char json_plain[256] = {
	R16(0), R16(0),					/* 0x00-0x1f */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* '"' */
	R16(1), R16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* '\\' */
	R16(1), R16(1), R16(1), R16(1), R16(1),		/* 0x60-0xaf */
	R16(1), R16(1), R16(1), R16(1), R16(1),		/* 0xb0-0xff */
};

size_t
json_quote(char *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;
	char esc[6];
	size_t n = 1, k;

	if (out != NULL)
		out[0] = '"';
	while (*p != '\0') {
		/* Copies runs of plain bytes whole; they are nearly all. */
		for (q = p; json_plain[*q]; q++)
			;
		if (q > p) {
			if (out != NULL)
				memcpy(out + n, p, (size_t)(q - p));
			n += (size_t)(q - p);
			p = q;
			continue;
		}
		k = json_escape(*p++, esc);
		if (out != NULL)
			memcpy(out + n, esc, k);
		n += k;
	}
	if (out != NULL)
		out[n] = '"';
	return n + 1;
}

/*
 * json_print is ours rather than cJSON_PrintUnformatted: cJSON 1.7.15
 * prints every number with "%1.15g" and reads it back with sscanf, which
 * costs more than the rest of a small answer and writes 10^15 as 1e+15.
 * Integers a double holds exactly are written here as exact decimal text;
 * everything else is written byte for byte as cJSON writes it.
 */
struct pbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Returns room for n more bytes at the end of b. */
static char *
pb_room(struct pbuf *b, size_t n)
{
	size_t cap = b->cap;

	if (n > b->cap - b->len) {
		while (n > cap - b->len) {
			if (cap > SIZE_MAX / 2)
				fatal("cannot render JSON: too large");
			cap *= 2;
		}
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

static void
pb_put(struct pbuf *b, const char *s, size_t n)
{
	memcpy(pb_room(b, n), s, n);
	b->len += n;
}

/* A string, or cJSON's "" for a NULL one.  Room for the longest escaping
 * (6 bytes a byte) saves json_quote a measuring pass. */
static void
pb_quoted(struct pbuf *b, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "";
	if ((n = strlen(s)) > (SIZE_MAX - 2) / 6)
		fatal("cannot render JSON: too large");
	b->len += json_quote(pb_room(b, n * 6 + 2), s);
}

/* As cJSON's compare_double: equal within the precision of a double. */
static int
close_enough(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= max * DBL_EPSILON;
}

static int
pb_number(struct pbuf *b, double d)
{
	char num[32];
	double back;
	int n;

	if (isnan(d) || isinf(d)) {
		pb_put(b, "null", 4);
		return 0;
	}
	/* -0 is left to printf, which writes "-0" as cJSON did. */
	if (d > -JSON_SAFE_INT && d < JSON_SAFE_INT &&
	    (double)(long long)d == d && !(d == 0 && signbit(d))) {
		pb_put(b, num, json_int(num, (long long)d));
		return 0;
	}
	/* cJSON's way: 15 significant digits when they read back as d,
	 * else 17.  (lkgate sets no locale: the decimal point is '.'.) */
	n = snprintf(num, sizeof(num), "%1.15g", d);
	if (sscanf(num, "%lg", &back) != 1 || !close_enough(back, d))
		n = snprintf(num, sizeof(num), "%1.17g", d);
	if (n < 0 || (size_t)n >= sizeof(num))
		return -1;
	pb_put(b, num, (size_t)n);
	return 0;
}

static int	pb_value(struct pbuf *, const cJSON *);

/* An array's or object's members; the recursion is as deep as the tree,
 * which parsing bounds by JSON_MAX_DEPTH and our own trees are shallow. */
static int
pb_members(struct pbuf *b, const cJSON *v, int object)
{
	const cJSON *c;

	pb_put(b, object ? "{" : "[", 1);
	for (c = v->child; c != NULL; c = c->next) {
		if (c != v->child)
			pb_put(b, ",", 1);
		if (object) {
			pb_quoted(b, c->string);
			pb_put(b, ":", 1);
		}
		if (pb_value(b, c) == -1)
			return -1;
	}
	pb_put(b, object ? "}" : "]", 1);
	return 0;
}

static int
pb_value(struct pbuf *b, const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_NULL:
		pb_put(b, "null", 4);
		return 0;
	case cJSON_False:
		pb_put(b, "false", 5);
		return 0;
	case cJSON_True:
		pb_put(b, "true", 4);
		return 0;
	case cJSON_Number:
		return pb_number(b, v->valuedouble);
	case cJSON_Raw:
		if (v->valuestring == NULL)
			return -1;
		pb_put(b, v->valuestring, strlen(v->valuestring));
		return 0;
	case cJSON_String:
		pb_quoted(b, v->valuestring);
		return 0;
	case cJSON_Array:
		return pb_members(b, v, 0);
	case cJSON_Object:
		return pb_members(b, v, 1);
	}
	return -1;
}

char *
json_print(const cJSON *v)
{
	struct pbuf b;

	b.cap = 256;
	b.len = 0;
	b.p = xmalloc(b.cap);
	if (v == NULL || pb_value(&b, v) == -1)
		fatal("cannot render JSON");
	*pb_room(&b, 1) = '\0';
	return b.p;
}

/* Passes v through, or dies: cJSON returns NULL only on allocation
 * failure or a caller's bad arguments. */
static cJSON *
must(cJSON *v, const char *what)
{
	if (v == NULL)
		fatal("cannot create JSON %s", what);
	return v;
}

cJSON *
json_new_object(void)
{
	return must(cJSON_CreateObject(), "object");
}

cJSON *
json_new_array(void)
{
	return must(cJSON_CreateArray(), "array");
}

cJSON *
json_duplicate(const cJSON *v)
{
	return must(cJSON_Duplicate(v, 1), "copy");
}

cJSON *
json_new_string(const char *val)
{
	return must(cJSON_CreateString(val), "string");
}

cJSON *
json_add_string(cJSON *obj, const char *key, const char *val)
{
	return must(cJSON_AddStringToObject(obj, key, val), "string member");
}

cJSON *
json_add_int(cJSON *obj, const char *key, long long val)
{
	return must(cJSON_AddNumberToObject(obj, key, (double)val),
	    "number member");
}

cJSON *
json_add_bool(cJSON *obj, const char *key, int val)
{
	return must(cJSON_AddBoolToObject(obj, key, val != 0),
	    "boolean member");
}

cJSON *
json_add_null(cJSON *obj, const char *key)
{
	return must(cJSON_AddNullToObject(obj, key), "null member");
}

void
json_add_item(cJSON *obj, const char *key, cJSON *item)
{
	if (!cJSON_AddItemToObject(obj, key, item))
		fatal("cannot add JSON member %s", key);
}

void
json_append(cJSON *arr, cJSON *item)
{
	if (!cJSON_AddItemToArray(arr, item))
		fatal("cannot append to JSON array");
}
