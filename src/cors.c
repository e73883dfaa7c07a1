/*
 * cors: the CORS headers of an answer (see cors.h).  Origins are compared
 * exactly, byte for byte: browsers send the serialized origin, lowercase,
 * without a path, and the configuration accepts only that form.
 */
#include <string.h>

#include "conf.h"
#include "cors.h"

enum cors_match { CORS_NO, CORS_ANY, CORS_EXACT };

static enum cors_match
cors_match(const struct conf *c, const char *origin)
{
	enum cors_match m = CORS_NO;
	size_t i;

	for (i = 0; i < c->ncors_origins; i++) {
		if (strcmp(c->cors_origins[i], origin) == 0)
			return CORS_EXACT;
		if (strcmp(c->cors_origins[i], "*") == 0)
			m = CORS_ANY;
	}
	return m;
}

static void
add(struct cors_header *out, size_t *n, const char *name, const char *value)
{
	out[*n].name = name;
	out[*n].value = value;
	(*n)++;
}

size_t
cors_headers(const struct conf *c, const char *origin, const char *methods,
    struct cors_header out[CORS_MAX_HEADERS])
{
	enum cors_match m;
	size_t n = 0;

	if (origin == NULL || c->ncors_origins == 0 ||
	    (m = cors_match(c, origin)) == CORS_NO)
		return 0;
	if (m == CORS_EXACT) {
		add(out, &n, "Access-Control-Allow-Origin", origin);
		add(out, &n, "Access-Control-Allow-Credentials", "true");
		add(out, &n, "Vary", "Origin");
	} else
		add(out, &n, "Access-Control-Allow-Origin", "*");
	if (methods != NULL) {
		add(out, &n, "Access-Control-Allow-Methods", methods);
		add(out, &n, "Access-Control-Allow-Headers",
		    CORS_ALLOW_HEADERS);
		add(out, &n, "Access-Control-Max-Age", CORS_MAX_AGE);
	} else
		add(out, &n, "Access-Control-Expose-Headers",
		    CORS_EXPOSE_HEADERS);
	return n;
}
