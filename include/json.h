/*
 * json: strict parsing and typed access over cJSON.
 *
 * Request bodies are parsed from (pointer, length), must be valid UTF-8
 * without NUL bytes, may not repeat a key inside one object (two parsers
 * must never read one body two ways), and may not nest deeper than a
 * limit.  Getters are case-sensitive and tell absent from wrongly typed.
 */
#ifndef LKGATE_JSON_H
#define LKGATE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util.h"

#define JSON_MAX_DEPTH 32

enum json_err {
	JSON_OK, JSON_NOT_UTF8, JSON_SYNTAX, JSON_TOO_DEEP, JSON_DUP_KEY,
	JSON_NOT_OBJECT
};

/* Returns 1 when buf holds valid UTF-8 (no overlongs, no surrogates, no
 * NUL byte), else 0. */
int	 json_utf8_valid(const char *buf, size_t len);

/*
 * Parses len bytes (no NUL terminator needed) as one RFC 8259 JSON value
 * with nothing but JSON whitespace around it.  Returns the tree (caller
 * frees with cJSON_Delete) or NULL with *err set: JSON_NOT_UTF8 for bad
 * UTF-8 or a NUL byte; JSON_SYNTAX also for what cJSON alone would let
 * through (a BOM, control bytes as whitespace or raw in strings, "\u0000",
 * numbers such as 01, 1. or +1); JSON_TOO_DEEP when an object or array
 * sits at depth JSON_MAX_DEPTH + 1 (the top level is depth 1); JSON_DUP_KEY
 * when any object repeats a key (compared after unescaping).  With
 * want_object the top level must be an object (else JSON_NOT_OBJECT).
 */
cJSON	*json_parse_strict(const char *buf, size_t len, int want_object,
	    enum json_err *err);

/* A short English description of err, e.g. "body is not valid JSON". */
const char *json_err_string(enum json_err);

enum json_get { JG_ABSENT, JG_OK, JG_WRONG_TYPE };

/* Typed getters on obj's member key (exact match).  JSON null counts as
 * absent.  Pointers returned are borrowed from obj. */
enum json_get json_get_string(const cJSON *obj, const char *key,
	    const char **out);
enum json_get json_get_bool(const cJSON *obj, const char *key, int *out);
/* An integer-valued number (no fraction, within [min, max]); a number out
 * of range counts as JG_WRONG_TYPE, and so does any of magnitude 2^53 or
 * more, which a double may hold only rounded. */
enum json_get json_get_int(const cJSON *obj, const char *key, long long min,
	    long long max, long long *out);
/* An int64 sent either as a JSON number (below 2^53 in magnitude, as for
 * json_get_int) or as a decimal string ("-123"; no '+', no spaces), as
 * protojson writes int64 fields. */
enum json_get json_get_int64_lax(const cJSON *obj, const char *key,
	    int64_t *out);
enum json_get json_get_array(const cJSON *obj, const char *key,
	    const cJSON **out);
enum json_get json_get_object(const cJSON *obj, const char *key,
	    const cJSON **out);

/* Renders v without whitespace; the caller frees with free().  fatal() on
 * failure. */
char	*json_print(const cJSON *v);

/*
 * Renders s as a JSON string, quotes included, byte for byte as cJSON
 * prints it: '"' and '\\' escaped, \b \f \n \r \t by letter, other
 * bytes below 0x20 as \u00xx, all else (UTF-8 included) as is.  Writes
 * to out unless out is NULL; returns the length either way (no NUL), so
 * that a caller may measure first, then write into a buffer of that size.
 */
size_t	 json_quote(char *out, const char *s);

/* The longest decimal text of a long long: "-9223372036854775808". */
#define JSON_INT_MAX_LEN UTIL_LL_TEXT_MAX

/* Writes the exact decimal text of v to out (no NUL) and returns its
 * length, at most JSON_INT_MAX_LEN. */
size_t	 json_int(char *out, long long v);

/* Constructors that fatal() on allocation failure (or a NULL string)
 * instead of returning NULL.  json_add_* add to obj and return the new
 * member.  json_add_int is exact only below 2^53 in magnitude. */
cJSON	*json_new_object(void);
cJSON	*json_new_array(void);
cJSON	*json_add_string(cJSON *obj, const char *key, const char *val);
cJSON	*json_add_int(cJSON *obj, const char *key, long long val);
cJSON	*json_add_bool(cJSON *obj, const char *key, int val);
cJSON	*json_add_null(cJSON *obj, const char *key);
/* Adds item (taking ownership) under key. */
void	 json_add_item(cJSON *obj, const char *key, cJSON *item);
/* Appends item (taking ownership) to arr. */
void	 json_append(cJSON *arr, cJSON *item);
cJSON	*json_new_string(const char *val);
/* A deep copy of v (not NULL). */
cJSON	*json_duplicate(const cJSON *v);

#endif
