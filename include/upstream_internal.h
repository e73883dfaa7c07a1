/*
 * upstream_internal: what the files of the upstream module share.
 * Private to the module: only src/upstream*.c include this; the rest of
 * lkgate sees upstream.h.
 *
 * The files, each calling only those below it (no call circle; checked
 * by test/check-includes on the built objects):
 *
 *   upstream.c        the calls: libcurl's multi on the libevent loop
 *                     (the only file that includes curl.h)
 *   upstream_debug.c  curl's verbose output to log_debug, redacted
 *
 * Ownership: up_debug_lines() keeps nothing it is given.  Errors: none;
 * it only logs.
 */
#ifndef LKGATE_UPSTREAM_INTERNAL_H
#define LKGATE_UPSTREAM_INTERNAL_H

#include <stddef.h>

/*
 * Logs size bytes of curl's verbose text or header lines (data, not
 * NUL-terminated) at debug level, one log line a line, each prefixed
 * with dir ("*" text, ">" sent, "<" received) and cut to 1024 bytes, the
 * value of an Authorization header replaced by [redacted].
 */
void	up_debug_lines(const char *dir, const char *data, size_t size);

#endif
