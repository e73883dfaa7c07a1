/*
 * upstream_debug: curl's verbose output made fit for the log.  Curl hands
 * upstream.c its informational text and the header lines it sends and
 * receives (never bodies: CURLOPT_DEBUGFUNCTION's other types are
 * dropped there); here they are cut into lines, each at most 1024 bytes,
 * and logged at debug level with the value of Authorization (the service
 * token) replaced by [redacted], so that a secret never reaches the log.
 * Knows no curl type: only upstream.c includes curl.h.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "upstream_internal.h"

#define UP_DEBUG_LINE_MAX	1024

/* Logs one header line, hiding the value of Authorization. */
static void
up_debug_header(const char *dir, const char *line, size_t len)
{
	static const char auth[] = "authorization:";

	if (len >= sizeof(auth) - 1 &&
	    strncasecmp(line, auth, sizeof(auth) - 1) == 0)
		log_debug("curl %s Authorization: [redacted]", dir);
	else
		log_debug("curl %s %.*s", dir, (int)len, line);
}

void
up_debug_lines(const char *dir, const char *data, size_t size)
{
	const char *p, *end, *nl;
	size_t len;

	for (p = data, end = data + size; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0)
			up_debug_header(dir, p, len > UP_DEBUG_LINE_MAX ?
			    UP_DEBUG_LINE_MAX : len);
	}
}
