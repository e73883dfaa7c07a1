/*
 * Unit tests of util's bounded file reader: the one reader of whole files
 * (the configuration, the files its options name, JWKS files).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

static char path[] = "/tmp/test_util.XXXXXX";

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void
test_sizes(void)
{
	char *buf, *err = NULL, *want;
	size_t len;
	int missing = 7;

	write_file("abcd", 4);
	ok(util_read_file(path, 4, 0, &buf, &len, NULL, &missing, &err) == 0 &&
	    len == 4 && strcmp(buf, "abcd") == 0 && missing == 0,
	    "exactly max bytes: read, NUL-terminated");
	free(buf);
	is_int(util_read_file(path, 3, 0, &buf, &len, NULL, NULL, &err), -1,
	    "one byte over max: refused");
	want = xasprintf("%s: larger than 3 bytes", path);
	is_str(err, want, "the message names the file and the ceiling");
	ok(buf == NULL && len == 0, "nothing handed back");
	free(want);
	free(err);
}

static void
test_kinds(void)
{
	struct stat st;
	char *buf, *err = NULL;
	size_t len;
	int missing = 0;

	ok(util_read_file(path, 16, UTIL_READ_REGULAR, &buf, &len, &st,
	    &missing, &err) == 0 && S_ISREG(st.st_mode),
	    "a regular file, its status given");
	free(buf);
	unlink(path);
	is_int(util_read_file(path, 16, 0, &buf, &len, NULL, &missing, &err),
	    -1, "missing: refused");
	ok(missing == 1 && strncmp(err, path, strlen(path)) == 0,
	    "missing: told so, the message names the file");
	free(err);
	is_int(util_read_file("/tmp", 16, 0, &buf, &len, NULL, NULL, &err), -1,
	    "a directory: refused");
	is_str(err, "/tmp: is a directory", "a directory: message");
	free(err);
	is_int(util_read_file("/tmp", 16, UTIL_READ_REGULAR, &buf, &len, NULL,
	    NULL, &err), -1, "a directory, regular only: refused");
	is_str(err, "/tmp: not a regular file", "regular only: message");
	free(err);
	ok(util_read_file("/dev/null", 16, 0, &buf, &len, NULL, NULL,
	    &err) == 0 && len == 0 && buf[0] == '\0',
	    "/dev/null may stand for an empty file");
	free(buf);
	is_int(util_read_file("/dev/null", 16, UTIL_READ_REGULAR, &buf, &len,
	    NULL, NULL, &err), -1, "but not where a regular file is needed");
	free(err);
}

static void
test_ll_text(void)
{
	static const struct { long long v; const char *text; } cases[] = {
		{ 0, "0" }, { 7, "7" }, { -1, "-1" }, { 844, "844" },
		{ 9223372036854775807LL, "9223372036854775807" },
		{ -9223372036854775807LL - 1, "-9223372036854775808" },
	};
	char buf[UTIL_LL_TEXT_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = util_ll_text(buf, cases[i].v);
		buf[n] = '\0';
		is_str(buf, cases[i].text, cases[i].text);
	}
}

int
main(void)
{
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		printf("Bail out! mkstemp failed\n");
		return 1;
	}
	close(fd);
	test_sizes();
	test_kinds();
	test_ll_text();
	unlink(path);
	return tap_done();
}
