/*
 * tap: see tap.h.  Failures print what was got and wanted as TAP
 * diagnostics ("# ...") so a failing run explains itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int ntests;
static int nfailed;

static int
tap_vreport(int cond, const char *fmt, va_list ap)
{
	ntests++;
	if (!cond)
		nfailed++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vreport(cond, fmt, ap);
	va_end(ap);
	return r;
}

int
tap_is_int(long long got, long long want, const char *name)
{
	if (!tap_ok(got == want, "%s", name))
		printf("#   got %lld, want %lld\n", got, want);
	return got == want;
}

int
tap_is_str(const char *got, const char *want, const char *name)
{
	int same;

	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!tap_ok(same, "%s", name))
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

int
tap_is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *name)
{
	int same;

	same = gotlen == wantlen && (gotlen == 0 ||
	    memcmp(got, want, gotlen) == 0);
	if (!tap_ok(same, "%s", name))
		printf("#   lengths %zu and %zu differ in content or size\n",
		    gotlen, wantlen);
	return same;
}

int
tap_done(void)
{
	printf("1..%d\n", ntests);
	if (nfailed > 0)
		printf("# %d of %d failed\n", nfailed, ntests);
	return nfailed > 0 || ntests == 0;
}
