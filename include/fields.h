/*
 * fields: reading and validating request-body fields.  Each getter either
 * stores the value and returns 0, or answers the request with a 400 that
 * names the field and returns -1 (the handler must then stop).  Absent
 * optional fields leave *out untouched.
 */
#ifndef LKGATE_FIELDS_H
#define LKGATE_FIELDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct rq;

enum field_rule {
	FR_IDENTITY,	/* 1-128 of [A-Za-z0-9_.@:-] */
	FR_ROOM_NAME,	/* 1-128 of [A-Za-z0-9_.-] */
	FR_LANGUAGE,	/* 1-35 of [A-Za-z0-9-] (a BCP 47 tag) */
	FR_TEXT		/* UTF-8 without control characters, up to max */
};

/* A string field.  required: absent is an error.  max applies to
 * FR_TEXT. */
int	field_string(struct rq *, const cJSON *obj, const char *key,
	    int required, enum field_rule, size_t max, const char **out);
int	field_bool(struct rq *, const cJSON *obj, const char *key, int *out);
int	field_int(struct rq *, const cJSON *obj, const char *key,
	    long long min, long long max, long long *out);
/* An object whose values are all strings (attributes), with at most
 * maxpairs pairs and maxbytes bytes of keys and values; *out borrowed. */
int	field_string_map(struct rq *, const cJSON *obj, const char *key,
	    size_t maxpairs, size_t maxbytes, const cJSON **out);

#endif
