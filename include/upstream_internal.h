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
 *   upstream_body.c   a response as it arrives: its status line, its
 *                     body kept (capped) or given to the call's sink
 *   upstream_debug.c  curl's verbose output to log_debug, redacted
 *
 * Ownership: up_debug_lines() keeps nothing it is given.  Errors: none;
 * it only logs.  A struct up_body owns resp (the caller frees it) and
 * borrows the sink's argument.
 */
#ifndef LKGATE_UPSTREAM_INTERNAL_H
#define LKGATE_UPSTREAM_INTERNAL_H

#include <stddef.h>

#include "upstream.h"

/* One call's response, as curl hands it over (upstream_body.c). */
struct up_body {
	size_t		 max_response;	/* cap on a kept body */
	struct up_sink	 sink;		/* copied; chunk NULL: none */
	long		 line_status;	/* the attempt's last status line's
					   code, 0 before one */
	int		 sink_stopped;	/* sink.chunk said -1 */
	int		 too_large;	/* the kept body went past the cap */
	char		*resp;		/* the kept body, NUL-terminated */
	size_t		 resplen;
	size_t		 respcap;
};

/* 1 when the body now arriving goes to the sink (a 2xx answer to a call
 * with one). */
int	up_body_sinking(const struct up_body *);
/* A new attempt: nothing kept, no status line yet, the sink reset. */
void	up_body_restart(struct up_body *);
/* One header line of n bytes: a status line's code is kept. */
void	up_body_header(struct up_body *, const char *line, size_t n);
/* Takes n bytes of body: returns n, or 0 when they are refused (past the
 * cap: too_large; the sink stopped: sink_stopped). */
size_t	up_body_take(struct up_body *, const char *data, size_t n);

/*
 * Logs size bytes of curl's verbose text or header lines (data, not
 * NUL-terminated) at debug level, one log line a line, each prefixed
 * with dir ("*" text, ">" sent, "<" received) and cut to 1024 bytes, the
 * value of an Authorization header replaced by [redacted].
 */
void	up_debug_lines(const char *dir, const char *data, size_t size);

#endif
