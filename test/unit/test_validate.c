/*
 * test_validate: the contract's character sets: names lkgate gives rooms,
 * identities, and the wider rule for names that only identify an existing
 * LiveKit room (any UTF-8 up to 256 bytes, no control character).
 */
#include <string.h>

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

int
main(void)
{
	test_room_name();
	test_room_ref();
	return tap_done();
}
