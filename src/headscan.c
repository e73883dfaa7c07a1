/*
 * headscan: the end of a request's head, and a NUL before it (headscan.h).
 * Lines are found with memchr, so a head costs a call a line, not a test
 * a byte: this runs on every request.
 */
#include <string.h>

#include "headscan.h"

void
headscan_reset(struct headscan *hs)
{
	memset(hs, 0, sizeof(*hs));
}

/* Bytes p[0..n) come right after an LF (or its CR): 1 when they begin
 * with the end of the empty line that ends the head; *used gets how many
 * were read to tell. */
static int
line_start_ends_head(struct headscan *hs, const char *p, size_t n,
    size_t *used)
{
	*used = 0;
	if (!hs->after_cr && n > 0 && p[0] == '\r') {
		hs->after_cr = 1;
		*used = 1;
	}
	if (*used == n)
		return 0;		/* undecided: wait for more */
	hs->at_line_start = 0;
	if (p[*used] == '\n') {
		hs->after_cr = 0;
		(*used)++;
		return 1;
	}
	hs->after_cr = 0;
	return 0;
}

/* Marks a NUL among the n bytes at p. */
static void
look_for_nul(struct headscan *hs, const char *p, size_t n)
{
	if (!hs->nul && memchr(p, '\0', n) != NULL)
		hs->nul = 1;
}

int
headscan_feed(struct headscan *hs, const char *p, size_t n)
{
	const char *end = p + n, *lf;
	size_t used;

	if (hs->done)
		return 1;
	while (p < end) {
		if (hs->at_line_start) {
			if (line_start_ends_head(hs, p, (size_t)(end - p),
			    &used)) {
				hs->done = 1;
				return 1;
			}
			p += used;
			if (hs->at_line_start)	/* undecided */
				return 0;
			continue;
		}
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			look_for_nul(hs, p, (size_t)(end - p));
			return 0;
		}
		look_for_nul(hs, p, (size_t)(lf - p));
		p = lf + 1;
		hs->at_line_start = 1;
	}
	return 0;
}
