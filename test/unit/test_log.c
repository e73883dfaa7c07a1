/*
 * Unit tests of log: every line is one valid JSON object, whatever bytes
 * the message holds (control characters, quotes, invalid UTF-8, overlong
 * text), and events carry their typed fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "tap.h"

/* Runs fn with stderr redirected to a file; returns what it wrote. */
static char *
capture(void (*fn)(void))
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 65536);
	size_t n;

	if (f == NULL || saved == -1 || buf == NULL)
		abort();
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
emit_hostile(void)
{
	log_warn("quote \" backslash \\ nl \n tab \t bad \xc3\x28 lone \xff "
	    "overlong \xc0\xaf surrogate \xed\xa0\x80 ok \xc3\xa9");
}

static void
emit_long(void)
{
	static char big[10000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 3] = '\xc3';	/* a character cut by the cap */
	big[sizeof(big) - 2] = '\xa9';
	log_error("%s", big);
}

static void
emit_event(void)
{
	log_event(LOG_INFO, "access", "route", "s", "token", "status", "i",
	    (long long)200, "principal", "s", (const char *)NULL,
	    (const char *)NULL);
}

/* A value long enough to be cut, whose bytes near the cut are escapes
 * and multi-byte characters, so that every cut point is tried. */
static size_t cut_pad;

static void
emit_cut_event(void)
{
	static char big[5000];
	size_t i;

	memset(big, 0, sizeof(big));
	memset(big, 'a', cut_pad);
	for (i = cut_pad; i + 3 < sizeof(big) - 1; i += 3) {
		big[i] = "\x01\"\\"[i % 3];
		big[i + 1] = '\xc3';
		big[i + 2] = '\xa9';
	}
	log_event(LOG_INFO, "access", "id", "s", big, "status", "i",
	    (long long)-42, "tail", "s", "x", (const char *)NULL);
}

static void
emit_ints(void)
{
	log_event(LOG_INFO, "n", "min", "i", (long long)-9223372036854775807LL
	    - 1, "zero", "i", 0LL, "big", "i", 9223372036854775807LL,
	    (const char *)NULL);
}

static void
emit_debug(void)
{
	log_debug("hidden");
}

/* Every ASCII byte but NUL, in a message and in an event's value: each
 * must come back as itself from the JSON line. */
static char all_ascii[128];

static void
emit_all_ascii(void)
{
	log_event(LOG_WARN, "bytes", "v", "s", all_ascii, (const char *)NULL);
}

/* Checks that text is exactly one JSON object line and returns it. */
static cJSON *
one_line(const char *text, const char *name)
{
	const char *nl = strchr(text, '\n');
	enum json_err err;
	cJSON *o;

	ok(nl != NULL && nl[1] == '\0', "%s: exactly one line", name);
	o = json_parse_strict(text, nl != NULL ? (size_t)(nl - text) : 0, 1,
	    &err);
	ok(o != NULL, "%s: the line is strict JSON (UTF-8, no duplicates)",
	    name);
	return o;
}

int
main(void)
{
	const char *s = NULL;
	long long status = 0;
	cJSON *o;
	char *out;

	out = capture(emit_hostile);
	o = one_line(out, "hostile bytes");
	ok(json_get_string(o, "msg", &s) == JG_OK &&
	    strstr(s, "\xef\xbf\xbd") != NULL && strstr(s, "\xc3\xa9") != NULL,
	    "invalid bytes become U+FFFD, valid ones stay");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "level")), "warn",
	    "level");
	cJSON_Delete(o);
	free(out);

	out = capture(emit_long);
	o = one_line(out, "long message");
	ok(o != NULL && strlen(out) <= 4096, "line capped at 4 KiB");
	cJSON_Delete(o);
	free(out);

	out = capture(emit_event);
	o = one_line(out, "event");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "event")), "access",
	    "event name");
	ok(json_get_int(o, "status", 0, 999, &status) == JG_OK &&
	    status == 200, "integer field");
	ok(cJSON_IsNull(cJSON_GetObjectItem(o, "principal")),
	    "NULL string field is null");
	cJSON_Delete(o);
	free(out);

	for (cut_pad = 3900; cut_pad < 4100; cut_pad++) {
		enum json_err err;
		const char *nl;

		out = capture(emit_cut_event);
		nl = strchr(out, '\n');
		o = nl != NULL && nl[1] == '\0' ? json_parse_strict(out,
		    (size_t)(nl - out), 1, &err) : NULL;
		if (o == NULL || strlen(out) > 4096 ||
		    !cJSON_IsTrue(cJSON_GetObjectItem(o, "truncated")) ||
		    json_get_string(o, "id", &s) != JG_OK ||
		    strncmp(s, "aaaa", 4) != 0) {
			ok(0, "a value cut at %zu: one valid line, marked, the "
			    "value's beginning kept: %.80s", cut_pad, out);
			cJSON_Delete(o);
			free(out);
			break;
		}
		cJSON_Delete(o);
		free(out);
	}
	ok(cut_pad == 4100, "a value cut at every point of its escapes and "
	    "characters: one valid JSON line, marked truncated");

	out = capture(emit_ints);
	o = one_line(out, "integers");
	ok(o != NULL && strstr(out, "\"min\":-9223372036854775808,") != NULL &&
	    strstr(out, "\"zero\":0,") != NULL &&
	    strstr(out, "\"big\":9223372036854775807}") != NULL,
	    "integers in decimal, the extremes included");
	ok(o != NULL && json_get_string(o, "ts", &s) == JG_OK &&
	    strlen(s) == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' &&
	    s[23] == 'Z', "timestamp YYYY-MM-DDTHH:MM:SS.mmmZ");
	cJSON_Delete(o);
	free(out);

	for (status = 1; status < 128; status++)
		all_ascii[status - 1] = (char)status;
	out = capture(emit_all_ascii);
	o = one_line(out, "every ASCII byte");
	ok(o != NULL && json_get_string(o, "v", &s) == JG_OK &&
	    strcmp(s, all_ascii) == 0, "every ASCII byte comes back as itself");
	ok(strstr(out, "\\u001f !\\\"#") != NULL &&
	    strstr(out, "[\\\\]") != NULL && strstr(out, "~\\u007f") != NULL,
	    "quote, backslash and controls escaped, the rest as they are");
	cJSON_Delete(o);
	free(out);

	out = capture(emit_debug);
	is_str(out, "", "below the threshold nothing is written");
	free(out);
	return tap_done();
}
