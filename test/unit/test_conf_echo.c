/*
 * Unit tests of how conf quotes a bad value back: cut at 64 bytes on a
 * UTF-8 character boundary, so messages (which end up in JSON log lines
 * and on terminals) stay valid text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "json.h"
#include "tap.h"

static const char *
no_env(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return NULL;
}

/* Loads a file holding one line after the required settings; returns the
 * error message (caller frees) or NULL. */
static char *
load_error(const char *line)
{
	char path[] = "/tmp/lkgate-echo-XXXXXX";
	struct conf *c;
	char *err = NULL;
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(f, "livekit_url = ws://127.0.0.1:7880\n"
	    "livekit_api_key = key\n"
	    "livekit_api_secret = a-secret-of-thirty-two-characters-x\n"
	    "%s\n", line);
	fclose(f);
	c = conf_load(path, 1, 0, no_env, NULL, &err);
	conf_free(c);
	unlink(path);
	return err;
}

int
main(void)
{
	char line[256], *err;

	/* 63 ASCII bytes then a 2-byte character straddling byte 64. */
	snprintf(line, sizeof(line), "log_level = %.63s\xc3\xa9tail",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	err = load_error(line);
	ok(err != NULL, "a bad log_level is refused");
	ok(err != NULL && json_utf8_valid(err, strlen(err)),
	    "the message is valid UTF-8 (the character is not cut in half)");
	ok(err != NULL && strstr(err, ":4:") != NULL, "it names the line");
	free(err);

	err = load_error("log_level = loud");
	ok(err != NULL && strstr(err, "\"loud\"") != NULL,
	    "a short value is quoted whole");
	free(err);
	return tap_done();
}
