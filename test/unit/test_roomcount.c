/*
 * test_roomcount: the streaming counter of a ListRooms answer.  A sample
 * answer in LiveKit's shape, fed whole, byte by byte, split in two at
 * every byte and cut in pieces of every size up to 64, always gives the
 * same counts; escapes (in values and in keys), nested objects and
 * metadata strings that hold "rooms" or "num_participants", the forms of
 * num_participants that count and those that do not, malformed input (with
 * where it is found, whatever the split), the depth cap, and 100,000 rooms
 * counted in the same few bytes of state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roomcount.h"
#include "tap.h"

/*
 * Five rooms.  Room 1: metadata text holding "rooms" and
 * "num_participants", a nested object (version) with a num_participants
 * of its own, an escaped quote in the name; 3 participants.  Room 2:
 * escapes of every kind and a surrogate pair, version null; 0.  Room 3:
 * UINT32_MAX, a nested "rooms" array of objects; nested arrays.  Room 4:
 * the key written with a \u escape comes first and counts (2), the plain
 * one after it does not.  Room 5: empty.  After the array, a top-level
 * num_participants and a second "rooms" are not rooms.
 */
static const char sample[] =
    "{\"rooms\":[\n"
    " {\"sid\":\"RM_a\",\"name\":\"r\\\"1\",\"empty_timeout\":300,"
    "\"departure_timeout\":20,\"max_participants\":0,"
    "\"creation_time\":\"1764284400\",\"creation_time_ms\":\"1764284400123\","
    "\"turn_password\":\"\",\"enabled_codecs\":[{\"mime\":\"audio/opus\","
    "\"fmtp_line\":\"\"}],\"metadata\":\"{\\\"rooms\\\":[{\\\"num_participants"
    "\\\":99}],\\\"num_participants\\\":7}\",\"num_participants\":3,"
    "\"num_publishers\":1,\"active_recording\":false,\"version\":"
    "{\"unix_micro\":\"1764284400123456\",\"ticks\":0,"
    "\"num_participants\":50}},\n"
    " {\"sid\":\"RM_b\",\"name\":\"caf\\u00e9 \\ud83d\\ude00\",\"metadata\":"
    "\"a\\\\\\\"b\\/c\\b\\f\\n\\r\\t\",\"num_publishers\":0,"
    "\"num_participants\":0,\"version\":null},\n"
    " {\"sid\":\"RM_c\",\"name\":\"\",\"num_participants\":4294967295,"
    "\"extra\":{\"rooms\":[{\"num_participants\":5}]},"
    "\"enabled_codecs\":[[],[{}],-1.5e+3,true]},\n"
    " {\"num_p\\u0061rticipants\":2,\"num_participants\":8,"
    "\"name\":\"the first of two counts\"},\n"
    " {}\n"
    "],\n"
    "\"num_participants\":1000,\r\n"
    "\"rooms\":[{\"num_participants\":77}]\t}\n";

#define SAMPLE_ROOMS	5
#define SAMPLE_PEOPLE	(3ULL + 0 + 4294967295ULL + 2 + 0)

struct outcome {
	int		 rc;
	uint64_t	 rooms;
	uint64_t	 participants;
	const char	*error;
	uint64_t	 offset;
};

/* Counts buf fed in pieces of step bytes (0: whole). */
static struct outcome
count_steps(const char *buf, size_t len, size_t step)
{
	struct roomcount rc;
	struct outcome o;
	size_t i, n;

	roomcount_init(&rc);
	o.rc = 0;
	for (i = 0; i < len && o.rc == 0; i += n) {
		n = step == 0 || step > len - i ? len - i : step;
		o.rc = roomcount_feed(&rc, buf + i, n);
	}
	if (o.rc == 0)
		o.rc = roomcount_end(&rc);
	o.rooms = rc.rooms;
	o.participants = rc.participants;
	o.error = rc.error;
	o.offset = rc.offset;
	return o;
}

/* Counts buf fed as two pieces cut at k. */
static struct outcome
count_split(const char *buf, size_t len, size_t k)
{
	struct roomcount rc;
	struct outcome o;

	roomcount_init(&rc);
	o.rc = roomcount_feed(&rc, buf, k);
	if (o.rc == 0)
		o.rc = roomcount_feed(&rc, buf + k, len - k);
	if (o.rc == 0)
		o.rc = roomcount_end(&rc);
	o.rooms = rc.rooms;
	o.participants = rc.participants;
	o.error = rc.error;
	o.offset = rc.offset;
	return o;
}

static int
same(const struct outcome *a, const struct outcome *b)
{
	if (a->rc != b->rc)
		return 0;
	if (a->rc == 0)
		return a->rooms == b->rooms &&
		    a->participants == b->participants;
	return a->offset == b->offset && strcmp(a->error, b->error) == 0;
}

/* Every split of buf gives what feeding it whole gives; returns that. */
static struct outcome
count_all_ways(const char *buf, size_t len, const char *name)
{
	struct outcome whole, o;
	size_t k, bad = 0;

	whole = count_steps(buf, len, 0);
	for (k = 0; k <= len; k++) {
		o = count_split(buf, len, k);
		if (!same(&o, &whole) && bad++ == 0)
			printf("# %s: cut at %zu differs\n", name, k);
	}
	for (k = 1; k <= 64; k++) {
		o = count_steps(buf, len, k);
		if (!same(&o, &whole) && bad++ == 0)
			printf("# %s: pieces of %zu differ\n", name, k);
	}
	ok(bad == 0, "%s: the same whatever the pieces (%zu cuts)", name,
	    len + 1);
	return whole;
}

static struct outcome
count_str(const char *s)
{
	return count_steps(s, strlen(s), 0);
}

static void
test_sample(void)
{
	struct outcome o;

	o = count_all_ways(sample, sizeof(sample) - 1, "sample answer");
	is_int(o.rc, 0, "sample: a room list");
	is_int((long long)o.rooms, SAMPLE_ROOMS, "sample: 5 rooms");
	ok(o.participants == SAMPLE_PEOPLE,
	    "sample: 3 + 0 + UINT32_MAX + 2 + 0 participants (got %llu)",
	    (unsigned long long)o.participants);
	is_int((long long)o.offset, (long long)sizeof(sample) - 1,
	    "sample: every byte read");
}

/* The participants an answer of one room with member np counts. */
static long long
people(const char *np)
{
	char buf[256];
	struct outcome o;

	snprintf(buf, sizeof(buf), "{\"rooms\":[{\"name\":\"r\",%s}]}", np);
	o = count_str(buf);
	if (o.rc != 0 || o.rooms != 1)
		return -1;
	return (long long)o.participants;
}

static void
test_participants(void)
{
	is_int(people("\"num_participants\":12"), 12, "a number counts");
	is_int(people("\"num_participants\":0"), 0, "zero");
	is_int(people("\"num_participants\":4294967295"), 4294967295LL,
	    "UINT32_MAX counts");
	is_int(people("\"num_participants\":4294967296"), 0,
	    "above UINT32_MAX: nothing");
	is_int(people("\"num_participants\":123456789012345678901234567890"),
	    0, "far above: nothing");
	is_int(people("\"num_participants\":\"12\""), 0,
	    "a string: nothing (LiveKit writes a uint32 as a number)");
	is_int(people("\"num_participants\":null"), 0, "null: nothing");
	is_int(people("\"num_participants\":true"), 0, "true: nothing");
	is_int(people("\"num_participants\":-3"), 0, "negative: nothing");
	is_int(people("\"num_participants\":-0"), 0, "-0: nothing");
	is_int(people("\"num_participants\":3.0"), 0, "a fraction: nothing");
	is_int(people("\"num_participants\":3e0"), 0, "an exponent: nothing");
	is_int(people("\"num_participants\":[3]"), 0, "an array: nothing");
	is_int(people("\"num_participants\":{\"n\":3}"), 0,
	    "an object: nothing");
	is_int(people("\"num_publishers\":4"), 0, "absent: 0");
	is_int(people("\"num_participants\":5,\"num_participants\":6"), 5,
	    "twice: the first, as cJSON's lookup");
	is_int(people("\"num_participants\":null,\"num_participants\":6"), 0,
	    "a first null hides the second");
	is_int(people("\"num_participantsx\":5"), 0, "a longer key");
	is_int(people("\"num_participant\":5"), 0, "a shorter key");
	is_int(people("\"Num_participants\":5"), 0, "case matters");
	is_int(people("\"numParticipants\":5"), 0,
	    "the camelCase name is not Twirp's (protojson UseProtoNames)");
	is_int(people("\"\\u006eum_participants\":5"), 5,
	    "an escaped key is decoded");
	is_int(people("\"num_participants\\u0000\":5"), 0,
	    "a key with an escaped NUL after it is another key");
	is_int(people("\"version\":{\"num_participants\":5}"), 0,
	    "in a nested object: not the room's");
	is_int(people("\"codecs\":[{\"num_participants\":5}]"), 0,
	    "in an array in the room: not the room's");
	is_int(people("\"metadata\":\"\\\"num_participants\\\":5\""), 0,
	    "in a string: not a key");
	is_int(people("\"num_participants\" : 7 "), 7,
	    "whitespace around the colon");
}

static void
test_rooms(void)
{
	struct outcome o;

	o = count_str("{\"rooms\":[]}");
	ok(o.rc == 0 && o.rooms == 0, "no rooms");
	o = count_str(" {} ");
	ok(o.rc == 0 && o.rooms == 0, "no rooms member: none");
	o = count_str("{\"rooms\":null}");
	ok(o.rc == 0 && o.rooms == 0, "rooms null: none");
	o = count_str("{\"rooms\":{\"a\":{}}}");
	ok(o.rc == 0 && o.rooms == 0, "rooms an object: none");
	o = count_str("{\"rooms\":\"[{}]\"}");
	ok(o.rc == 0 && o.rooms == 0, "rooms a string: none");
	o = count_str("{\"other\":{\"rooms\":[{},{}]},\"rooms\":[{}]}");
	ok(o.rc == 0 && o.rooms == 1, "a nested rooms is not the answer's");
	o = count_str("{\"rooms\":null,\"rooms\":[{}]}");
	ok(o.rc == 0 && o.rooms == 0, "twice: the first, as cJSON's lookup");
	o = count_str("{\"r\\u006fom\\u0073\":[{},{}]}");
	ok(o.rc == 0 && o.rooms == 2, "an escaped rooms key is decoded");
	o = count_str("{\"rooms\":[{\"rooms\":[{},{}]}]}");
	ok(o.rc == 0 && o.rooms == 1, "rooms inside a room are not rooms");
	o = count_str("{\"ro\\\"oms\":[{}],\"rooms \":[{}]}");
	ok(o.rc == 0 && o.rooms == 0, "keys close to rooms are not rooms");
}

static const struct bad {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	const char	*error;
	uint64_t	 offset;
} bads[] = {
	{ "", 0, "no answer", 0 },
	{ " \n\t ", 0, "no answer", 4 },
	{ "[]", 0, "not a JSON object", 0 },
	{ "\"rooms\"", 0, "not a JSON object", 0 },
	{ "null", 0, "not a JSON object", 0 },
	{ "{", 0, "the answer ends early", 1 },
	{ "{\"rooms\":[{}", 0, "the answer ends early", 12 },
	{ "{\"rooms\":[{}]", 0, "the answer ends early", 13 },
	{ "{\"a\":\"x", 0, "the answer ends early", 7 },
	{ "{\"a\":\"x\\", 0, "the answer ends early", 8 },
	{ "{\"a\":1", 0, "the answer ends early", 6 },
	{ "{\"a\":tr", 0, "the answer ends early", 7 },
	{ "{}x", 0, "text after the answer's object", 2 },
	{ "{}{}", 0, "text after the answer's object", 2 },
	{ "{\"rooms\":[1]}", 0, "a room is not an object", 10 },
	{ "{\"rooms\":[{},[]]}", 0, "a room is not an object", 13 },
	{ "{\"rooms\":[null]}", 0, "a room is not an object", 10 },
	{ "{\"rooms\":[{},]}", 0, "a room is not an object", 13 },
	{ "{\"a\":[1,]}", 0, "a value was expected", 8 },
	{ "{,}", 0, "a key was expected", 1 },
	{ "{\"a\":1,}", 0, "a key was expected", 7 },
	{ "{a:1}", 0, "a key was expected", 1 },
	{ "{\"a\" 1}", 0, "':' was expected", 5 },
	{ "{\"a\"::1}", 0, "a value was expected", 5 },
	{ "{\"a\":1 2}", 0, "',' or the end was expected", 7 },
	{ "{\"a\":[}", 0, "a value was expected", 6 },
	{ "{\"a\":[1}", 0, "unexpected '}'", 7 },
	{ "{\"a\":{]}", 0, "a key was expected", 6 },
	{ "{\"a\":1]", 0, "unexpected ']'", 6 },
	{ "{\"a\":tru}", 0, "invalid literal", 8 },
	{ "{\"a\":nul1}", 0, "invalid literal", 8 },
	{ "{\"a\":True}", 0, "a value was expected", 5 },
	{ "{\"a\":truex}", 0, "',' or the end was expected", 9 },
	{ "{\"a\":01}", 0, "',' or the end was expected", 6 },
	{ "{\"a\":-}", 0, "invalid number", 6 },
	{ "{\"a\":-x}", 0, "invalid number", 6 },
	{ "{\"a\":1.}", 0, "invalid number", 7 },
	{ "{\"a\":.5}", 0, "a value was expected", 5 },
	{ "{\"a\":1e}", 0, "invalid number", 7 },
	{ "{\"a\":1e+}", 0, "invalid number", 8 },
	{ "{\"a\":1.5.5}", 0, "',' or the end was expected", 8 },
	{ "{\"a\":1e5e5}", 0, "',' or the end was expected", 8 },
	{ "{\"a\":+1}", 0, "a value was expected", 5 },
	{ "{\"a\":\"\\x\"}", 0, "invalid escape in a string", 7 },
	{ "{\"a\":\"\\u12G4\"}", 0, "invalid \\u escape", 10 },
	{ "{\"a\":\"\\udc00\"}", 0, "lone surrogate in a \\u escape", 11 },
	{ "{\"a\":\"\\ud800\"}", 0, "lone surrogate in a \\u escape", 12 },
	{ "{\"a\":\"\\ud800\\n\"}", 0, "lone surrogate in a \\u escape",
	    13 },
	{ "{\"a\":\"\\ud800\\u0041\"}", 0, "lone surrogate in a \\u escape",
	    17 },
	{ "{\"a\":\"tab\there\"}", 0, "control character in a string", 9 },
	{ "{\"a\":\"nl\nx\"}", 0, "control character in a string", 8 },
	{ "{\"a\":\"x\0y\"}", 11, "control character in a string", 7 },
	{ "{\"a\":1}\0", 8, "text after the answer's object", 7 },
	{ "\xef\xbb\xbf{}", 0, "not a JSON object", 0 },
};

static void
test_malformed(void)
{
	struct roomcount rc;
	struct outcome o;
	char name[160];
	size_t i, len;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = bads[i].len != 0 ? bads[i].len : strlen(bads[i].in);
		snprintf(name, sizeof(name), "malformed %zu", i);
		o = count_all_ways(bads[i].in, len, name);
		snprintf(name, sizeof(name), "malformed %zu: %s", i,
		    bads[i].error);
		ok(o.rc == -1 && o.error != NULL &&
		    strcmp(o.error, bads[i].error) == 0 &&
		    o.offset == bads[i].offset, "%s at %llu (got %s at %llu)",
		    name, (unsigned long long)bads[i].offset,
		    o.error != NULL ? o.error : "none",
		    (unsigned long long)o.offset);
	}
	/* An error stays. */
	roomcount_init(&rc);
	is_int(roomcount_feed(&rc, "{]", 2), -1, "an error is -1");
	is_int(roomcount_feed(&rc, "}", 1), -1, "and stays -1");
	is_int(roomcount_end(&rc), -1, "to the end");
	is_int((long long)rc.offset, 1, "where it was found");
	/* Starting over forgets it. */
	roomcount_init(&rc);
	ok(roomcount_feed(&rc, "{\"rooms\":[{}]}", 14) == 0 &&
	    roomcount_end(&rc) == 0 && rc.rooms == 1 && rc.error == NULL,
	    "roomcount_init starts over");
}

/* An answer whose "a" member holds n nested arrays: depth n + 1. */
static struct outcome
nested(size_t n)
{
	char buf[512];
	size_t i, len = 0;

	len += (size_t)snprintf(buf, sizeof(buf), "{\"a\":");
	for (i = 0; i < n; i++)
		buf[len++] = '[';
	for (i = 0; i < n; i++)
		buf[len++] = ']';
	buf[len++] = '}';
	return count_steps(buf, len, 0);
}

static void
test_depth(void)
{
	struct outcome o;

	o = nested(ROOMCOUNT_MAX_DEPTH - 1);
	is_int(o.rc, 0, "ROOMCOUNT_MAX_DEPTH open at once: read");
	o = nested(ROOMCOUNT_MAX_DEPTH);
	ok(o.rc == -1 && strcmp(o.error, "nested too deep") == 0 &&
	    o.offset == 5 + ROOMCOUNT_MAX_DEPTH - 1,
	    "one more: nested too deep, at the bracket that opens it");
	o = nested(200);
	ok(o.rc == -1 && strcmp(o.error, "nested too deep") == 0,
	    "far deeper: the same error");
	/* Deep but closed again: the depth goes down with each close. */
	o = count_str("{\"a\":[[[[[[[[[[]]]]]]]]]],\"b\":[[[[[[[[[[]]]]]]]]]],"
	    "\"rooms\":[{\"x\":{\"y\":{\"z\":[{}]}},\"num_participants\":4}]}");
	ok(o.rc == 0 && o.rooms == 1 && o.participants == 4,
	    "depth goes back down");
}

/* 100,000 rooms with 1 KiB of metadata each, fed as they are made: the
 * counts are right and the whole state is the struct. */
static void
test_many(void)
{
	struct roomcount rc;
	char room[1400], meta[1025];
	uint64_t want = 0;
	size_t i;
	int n, bad = 0;

	memset(meta, 'm', sizeof(meta) - 1);
	meta[sizeof(meta) - 1] = '\0';
	roomcount_init(&rc);
	bad |= roomcount_feed(&rc, "{\"rooms\":[", 10);
	for (i = 0; i < 100000; i++) {
		n = snprintf(room, sizeof(room), "%s{\"sid\":\"RM_%zu\","
		    "\"name\":\"room %zu\",\"metadata\":\"%s\","
		    "\"num_participants\":%zu,\"version\":{\"ticks\":%zu}}",
		    i == 0 ? "" : ",", i, i, meta, i % 7, i);
		bad |= roomcount_feed(&rc, room, (size_t)n);
		want += i % 7;
	}
	bad |= roomcount_feed(&rc, "]}", 2);
	bad |= roomcount_end(&rc);
	is_int(bad, 0, "100,000 rooms: read");
	is_int((long long)rc.rooms, 100000, "100,000 rooms: counted");
	ok(rc.participants == want, "100,000 rooms: participants summed");
	ok(rc.offset > 100 * 1024 * 1024, "over 100 MiB read (%llu bytes)",
	    (unsigned long long)rc.offset);
	ok(sizeof(rc) <= 128, "in a state of %zu bytes", sizeof(rc));
}

int
main(void)
{
	test_sample();
	test_participants();
	test_rooms();
	test_malformed();
	test_depth();
	test_many();
	return tap_done();
}
