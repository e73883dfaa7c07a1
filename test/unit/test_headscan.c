/*
 * test_headscan: the end of a head and a NUL before it, found the same
 * whichever way the bytes are split into pieces (every split point, and
 * byte by byte), against a plain byte-by-byte reading of the rule; CRLF,
 * bare LF, a CR alone, NUL in the request line, a header or the body.
 */
#include <string.h>

#include "headscan.h"
#include "tap.h"

/* The rule, read byte by byte: the head ends at the LF of the first empty
 * line; *nul: a NUL came before that LF.  -1 when it does not end. */
static long
reference(const char *s, size_t n, int *nul)
{
	size_t j;

	*nul = 0;
	for (j = 0; j < n; j++) {
		if (s[j] == '\n' && ((j >= 1 && s[j - 1] == '\n') ||
		    (j >= 2 && s[j - 1] == '\r' && s[j - 2] == '\n')))
			return (long)j;
		if (s[j] == '\0')
			*nul = 1;
	}
	return -1;
}

/* Feeds s in pieces of the given sizes (cycled); the verdict. */
static int
feed_pieces(const char *s, size_t n, const size_t *sizes, size_t nsizes,
    struct headscan *hs)
{
	size_t off = 0, k = 0, len;
	int done = 0;

	headscan_reset(hs);
	while (off < n) {
		len = sizes[k++ % nsizes];
		if (len > n - off)
			len = n - off;
		done = headscan_feed(hs, s + off, len);
		off += len;
	}
	return done;
}

static const struct {
	const char	*text;
	size_t		 len;
} texts[] = {
#define T(s)	{ s, sizeof(s) - 1 }
	T("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	T("GET / HTTP/1.1\nHost: a\n\n"),
	T("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\n"),
	T("GET / HTTP/1.1\r\nX-API-Key: KEY\0tail\r\n\r\n"),
	T("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"),
	T("GET / HTTP/1.1\r\nX-\0A: b\r\n\r\n"),
	T("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\na\0b"),
	T("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"),
	T("GET / HTTP/1.1\r\nX: a\r\r\n\r\n"),
	T("GET / HTTP/1.1\r\n\r\r\nX: \0\r\n\r\n"),
	T("GET / HTTP/1.1\r\nHost: a\r\n"),
	T("GET / HTTP/1.1\r\nHost: a\0"),
	T("\r\nGET / HTTP/1.1\r\n\r\n"),
	T("\n\nGET / HTTP/1.1\r\nX: \0\r\n\r\n"),
	T("\0"),
	T(""),
#undef T
};

static void
test_every_split(void)
{
	static const size_t sizes[][3] = { { 1 }, { 2 }, { 3 }, { 1, 2, 7 },
		{ 5, 1, 1 } };
	struct headscan hs;
	size_t i, cut, k;
	long end;
	int nul, done, wrong = 0, checked = 0;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		end = reference(texts[i].text, texts[i].len, &nul);
		for (cut = 0; cut <= texts[i].len; cut++) {
			size_t two[2] = { cut, texts[i].len };

			done = cut == 0 ? feed_pieces(texts[i].text,
			    texts[i].len, two + 1, 1, &hs) :
			    feed_pieces(texts[i].text, texts[i].len, two, 2,
			    &hs);
			checked++;
			if (done != (end >= 0) || hs.nul != nul)
				wrong++;
		}
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			done = feed_pieces(texts[i].text, texts[i].len,
			    sizes[k], sizes[k][2] != 0 ? 3 : sizes[k][1] != 0 ?
			    2 : 1, &hs);
			checked++;
			if (done != (end >= 0) || hs.nul != nul)
				wrong++;
		}
	}
	ok(wrong == 0, "%d ways of splitting 16 heads: end and NUL as the "
	    "rule says (%d wrong)", checked, wrong);
}

static void
test_cases(void)
{
	struct headscan hs;

	headscan_reset(&hs);
	ok(headscan_feed(&hs, "GET / HTTP/1.1\r\nX: KEY\0tail\r\n\r\n", 31)
	    && hs.nul, "a NUL in a header value is seen");
	headscan_reset(&hs);
	ok(headscan_feed(&hs, "GET / HTTP/1.1\r\n\r\nbody\0", 23) &&
	    !hs.nul, "a NUL in the body is not the head's");
	ok(headscan_feed(&hs, "\0", 1) && !hs.nul,
	    "nor one fed after the end");
	headscan_reset(&hs);
	ok(!headscan_feed(&hs, "GET / HTTP/1.1\r\n", 16), "not ended yet");
	ok(!headscan_feed(&hs, "\r", 1), "a CR alone does not decide");
	ok(headscan_feed(&hs, "\n", 1) && !hs.nul, "its LF ends the head");
}

int
main(void)
{
	test_cases();
	test_every_split();
	return tap_done();
}
