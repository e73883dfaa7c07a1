/*
 * fields: typed, validated access to request-body fields, answering 400
 * with a message that names the field when a value is wrong.
 */
#include <string.h>

#include "fields.h"
#include "httpfront.h"
#include "json.h"
#include "validate.h"

static int
language_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 35 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int
rule_ok(enum field_rule rule, const char *s, size_t max)
{
	switch (rule) {
	case FR_IDENTITY:
		return valid_identity(s);
	case FR_ROOM_NAME:
		return valid_room_name(s);
	case FR_LANGUAGE:
		return language_ok(s);
	case FR_TEXT:
		return valid_text(s, max);
	}
	return 0;
}

static void
reply_rule(struct rq *rq, const char *key, enum field_rule rule, size_t max)
{
	switch (rule) {
	case FR_IDENTITY:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be 1-128 characters "
		    "of A-Z a-z 0-9 _ . @ : -", key);
		break;
	case FR_ROOM_NAME:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be 1-128 characters "
		    "of A-Z a-z 0-9 _ . -", key);
		break;
	case FR_LANGUAGE:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be a language tag "
		    "of 1-35 characters (e.g. fr or en-US)", key);
		break;
	case FR_TEXT:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be at most %zu "
		    "bytes of text without control characters", key, max);
		break;
	}
}

int
field_string(struct rq *rq, const cJSON *obj, const char *key, int required,
    enum field_rule rule, size_t max, const char **out)
{
	const char *s;

	switch (json_get_string(obj, key, &s)) {
	case JG_ABSENT:
		if (!required)
			return 0;
		rq_reply_error(rq, E_INVALID_INPUT, "%s is required", key);
		return -1;
	case JG_WRONG_TYPE:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be a string", key);
		return -1;
	case JG_OK:
		break;
	}
	if (!rule_ok(rule, s, max)) {
		reply_rule(rq, key, rule, max);
		return -1;
	}
	*out = s;
	return 0;
}

int
field_bool(struct rq *rq, const cJSON *obj, const char *key, int *out)
{
	if (json_get_bool(obj, key, out) == JG_WRONG_TYPE) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be true or false",
		    key);
		return -1;
	}
	return 0;
}

int
field_int(struct rq *rq, const cJSON *obj, const char *key, long long min,
    long long max, long long *out)
{
	if (json_get_int(obj, key, min, max, out) == JG_WRONG_TYPE) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "%s must be a whole number from %lld to %lld", key, min, max);
		return -1;
	}
	return 0;
}

int
field_string_map(struct rq *rq, const cJSON *obj, const char *key,
    size_t maxpairs, size_t maxbytes, const cJSON **out)
{
	const cJSON *m, *it;
	size_t pairs = 0, bytes = 0;

	switch (json_get_object(obj, key, &m)) {
	case JG_ABSENT:
		return 0;
	case JG_WRONG_TYPE:
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be an object", key);
		return -1;
	case JG_OK:
		break;
	}
	cJSON_ArrayForEach(it, m) {
		if (!cJSON_IsString(it)) {
			rq_reply_error(rq, E_INVALID_INPUT,
			    "%s values must be strings", key);
			return -1;
		}
		pairs++;
		bytes += strlen(it->string) + strlen(it->valuestring);
	}
	if (pairs > maxpairs || bytes > maxbytes) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s must have at most %zu "
		    "entries and %zu bytes", key, maxpairs, maxbytes);
		return -1;
	}
	*out = m;
	return 0;
}
