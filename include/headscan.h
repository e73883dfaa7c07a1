/*
 * headscan: where a request's head (request line and headers) ends in
 * bytes that arrive in pieces, and whether a NUL byte came before its end.
 * Pure: it keeps no bytes, only a few bits of state between pieces.
 *
 * Why: evhttp hands header values over as C strings, so a value with a
 * NUL byte in it reaches lkgate cut short ("KEY<NUL>tail" reads as
 * "KEY"): two parsers would read one request two ways.  The listener
 * feeds the raw bytes of each request here as they arrive and refuses a
 * request whose head held a NUL.
 *
 * The head ends at the first empty line, its lines ending in CRLF or a
 * bare LF, as evhttp reads them.  Empty lines before the request line
 * (which RFC 9112 2.2 lets a server ignore) end the scan early: a NUL
 * after them goes unnoticed here, and the request is read as before.
 */
#ifndef LKGATE_HEADSCAN_H
#define LKGATE_HEADSCAN_H

#include <stddef.h>

struct headscan {
	int	 at_line_start;	/* the last byte was the LF of a line */
	int	 after_cr;	/* ... then a CR */
	int	 done;		/* the head's end was seen */
	int	 nul;		/* a NUL byte came before it */
};

void	headscan_reset(struct headscan *);
/* Reads the next n bytes of the request; 1 once the head's end has been
 * seen (the bytes after it are not looked at), else 0. */
int	headscan_feed(struct headscan *, const char *p, size_t n);

#endif
