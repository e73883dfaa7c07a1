/*
 * upstream_body: a response as curl hands it over, with no curl type:
 * each response's status line (interim ones too) read for its code, and
 * the body kept in a buffer capped at max_response, or, for a 2xx answer
 * to a call with a sink, given to the sink piece by piece and never kept.
 */
#include <stddef.h>
#include <string.h>

#include "upstream_internal.h"
#include "util.h"

int
up_body_sinking(const struct up_body *b)
{
	return b->sink.chunk != NULL && b->line_status >= 200 &&
	    b->line_status < 300;
}

void
up_body_restart(struct up_body *b)
{
	b->resplen = 0;
	b->too_large = 0;
	b->line_status = 0;
	b->sink_stopped = 0;
	if (b->sink.reset != NULL)
		b->sink.reset(b->sink.arg);
}

void
up_body_header(struct up_body *b, const char *line, size_t n)
{
	size_t i;
	long st = 0;

	/* "HTTP/1.1 200 OK" or "HTTP/2 200": the code after the first
	 * space; other header lines are not status lines. */
	if (n < 5 || memcmp(line, "HTTP/", 5) != 0)
		return;
	for (i = 5; i < n && line[i] != ' '; i++)
		;
	for (i++; i < n && line[i] >= '0' && line[i] <= '9' && st < 1000; i++)
		st = st * 10 + (line[i] - '0');
	b->line_status = st;
}

size_t
up_body_take(struct up_body *b, const char *data, size_t n)
{
	if (up_body_sinking(b)) {
		if (b->sink.chunk(b->sink.arg, data, n) == -1) {
			b->sink_stopped = 1;
			return 0;
		}
		return n;
	}
	if (n > b->max_response - b->resplen) {
		b->too_large = 1;
		return 0;
	}
	if (b->resplen + n + 1 > b->respcap) {
		b->respcap = b->respcap == 0 ? 4096 : b->respcap;
		while (b->respcap < b->resplen + n + 1)
			b->respcap *= 2;
		if (b->respcap > b->max_response + 1)
			b->respcap = b->max_response + 1;
		b->resp = xrealloc(b->resp, b->respcap);
	}
	memcpy(b->resp + b->resplen, data, n);
	b->resplen += n;
	b->resp[b->resplen] = '\0';
	return n;
}
