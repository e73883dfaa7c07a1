/*
 * test_validate: the contract's character sets: names lkgate gives rooms,
 * identities, and the wider rule for names that only identify an existing
 * LiveKit room (any UTF-8 up to 256 bytes, no control character), and
 * lists of identities (the invited of a channel's or a room's metadata).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tap.h"
#include "validate.h"

static void
test_room_name(void)
{
	ok(valid_room_name("room-1.x_y"), "our own rule");
	ok(!valid_room_name("a b"), "no space in names we give");
	ok(!valid_room_name(""), "not empty");
	ok(valid_identity("alice@example.com"), "identity");
}

static void
test_room_ref(void)
{
	static const char *const good[] = { "room-1", "a b", "team/weekly",
	    "R\xc3\xa9union d'\xc3\xa9quipe", "\xe6\x97\xa5\xe6\x9c\xac",
	    "\xf0\x9f\x98\x80", " ", "%41", "\xc2\xa0nbsp" };
	static const char *const bad[] = { "", "a\tb", "a\nb", "a\rb",
	    "\x1b[31m", "a\x7f", "a\xc2\x85" /* NEL */, "a\xc2\x9f",
	    "\xff", "\xc3", "\xc0\xaf" /* overlong '/' */,
	    "\xed\xa0\x80" /* a surrogate */ };
	char name[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(valid_room_ref(good[i]), "room ref %zu is good", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!valid_room_ref(bad[i]), "room ref %zu is refused", i);
	memset(name, 'n', sizeof(name));
	name[ROOM_REF_MAX] = '\0';
	ok(valid_room_ref(name), "256 bytes");
	name[ROOM_REF_MAX] = 'n';
	name[ROOM_REF_MAX + 1] = '\0';
	ok(!valid_room_ref(name), "257 bytes");
	/* 128 two-byte characters: 256 bytes. */
	for (i = 0; i < 128; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[256] = '\0';
	ok(valid_room_ref(name), "256 bytes of two-byte characters");
}

/* valid_identities of the JSON text s. */
static int
identities(const char *s)
{
	cJSON *v;
	int r;

	if ((v = cJSON_Parse(s)) == NULL) {
		ok(0, "test JSON %s parses", s);
		return -1;
	}
	r = valid_identities(v);
	cJSON_Delete(v);
	return r;
}

static void
test_identities(void)
{
	static const char *const good[] = { "[]", "[\"bob\"]",
	    "[\"bob\",\"guest:0b7c\",\"alice@example.com\",\"a_b.c-d\"]" };
	static const char *const bad[] = { "[\"bob\",\"\"]",
	    "[\"bob\",\"a b\"]", "[\"bob\",42]", "[null]", "[[\"bob\"]]",
	    "[{\"id\":\"bob\"}]", "[\"bob\",\"caf\u00e9\"]",
	    "\"bob\"", "{}", "{\"a\":\"bob\"}", "null", "7" };
	char long_id[IDENTITY_MAX + 2], text[IDENTITY_MAX + 8];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(identities(good[i]) == 1, "identities: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(identities(bad[i]) == 0, "not identities: %s", bad[i]);
	ok(!valid_identities(NULL), "NULL is no list");
	/* The bound of one identity holds in a list. */
	memset(long_id, 'a', sizeof(long_id));
	long_id[IDENTITY_MAX] = '\0';
	snprintf(text, sizeof(text), "[\"%s\"]", long_id);
	ok(identities(text) == 1, "an identity of %d bytes", IDENTITY_MAX);
	long_id[IDENTITY_MAX] = 'a';
	long_id[IDENTITY_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "[\"%s\"]", long_id);
	ok(identities(text) == 0, "one of %d bytes", IDENTITY_MAX + 1);
}

int
main(void)
{
	test_room_name();
	test_room_ref();
	test_identities();
	return tap_done();
}
