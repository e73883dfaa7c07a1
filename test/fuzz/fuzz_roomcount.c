/*
 * fuzz_roomcount: the streaming counter of a ListRooms answer.  The first
 * input byte chooses how the rest is cut into pieces; the rest is the
 * answer.  Invariants: the outcome (counts, or the error and its offset)
 * does not depend on the pieces; an error is found within the input; what
 * the counter accepts cJSON parses too (it is the stricter, but for
 * numbers longer than cJSON's 63-byte buffer), to an object whose first
 * "rooms" array holds as many objects as were counted; and the
 * participants never exceed what cJSON's tree gives (a fraction, exponent
 * or sign makes a value not count), and equal it when no number has one.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "roomcount.h"

struct outcome {
	int		 rc;
	uint64_t	 rooms, participants, offset;
	const char	*error;
};

/* Feeds data in pieces whose sizes come from seed (0: whole). */
static struct outcome
run(const uint8_t *data, size_t len, uint8_t seed)
{
	struct roomcount rc;
	struct outcome o;
	size_t i = 0, n;
	uint32_t x = seed;

	roomcount_init(&rc);
	o.rc = 0;
	while (i < len && o.rc == 0) {
		x = x * 1103515245u + 12345u;
		n = seed == 0 ? len - i : 1 + (x >> 16) % (seed % 32 + 1);
		if (n > len - i)
			n = len - i;
		o.rc = roomcount_feed(&rc, (const char *)data + i, n);
		i += n;
	}
	/* An empty piece changes nothing. */
	if (o.rc == 0)
		o.rc = roomcount_feed(&rc, "", 0);
	if (o.rc == 0)
		o.rc = roomcount_end(&rc);
	o.rooms = rc.rooms;
	o.participants = rc.participants;
	o.offset = rc.offset;
	o.error = rc.error;
	return o;
}

/* 1 when s holds needle. */
static int
has(const uint8_t *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 when some number may have a sign, fraction or exponent: a '-' before
 * a digit, or a digit before '.', 'e' or 'E'. */
static int
has_unplain_number(const uint8_t *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] == '-' && s[i + 1] >= '0' && s[i + 1] <= '9')
			return 1;
		if (s[i] >= '0' && s[i] <= '9' && (s[i + 1] == '.' ||
		    s[i + 1] == 'e' || s[i + 1] == 'E'))
			return 1;
	}
	return 0;
}

/* 1 when 64 bytes in a row could be a number to cJSON's parse_number. */
static int
has_long_number(const uint8_t *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = strchr("0123456789+-eE.", s[i]) != NULL && s[i] != 0 ?
		    run + 1 : 0;
		if (run >= 64)
			return 1;
	}
	return 0;
}

/* The participants cJSON's tree gives, as the sampler once read them. */
static uint64_t
tree_participants(const cJSON *rooms)
{
	const cJSON *r, *n;
	uint64_t sum = 0;
	double d;

	cJSON_ArrayForEach(r, rooms) {
		n = cJSON_GetObjectItemCaseSensitive(r, "num_participants");
		if (!cJSON_IsNumber(n))
			continue;
		d = n->valuedouble;
		if (d >= 0 && d <= 4294967295.0 && d == (double)(uint64_t)d)
			sum += (uint64_t)d;
	}
	return sum;
}

static void
check_tree(const uint8_t *data, size_t len, const struct outcome *o)
{
	const cJSON *rooms, *r;
	cJSON *j;

	j = cJSON_ParseWithLength((const char *)data, len);
	if (j == NULL) {
		FUZZ_CHECK(has_long_number(data, len));
		return;
	}
	FUZZ_CHECK(cJSON_IsObject(j));
	/* cJSON keeps a key cut at an escaped NUL: "rooms\u0000" is its
	 * "rooms", not the counter's. */
	if (!has(data, len, "\\u0000")) {
		rooms = cJSON_GetObjectItemCaseSensitive(j, "rooms");
		if (!cJSON_IsArray(rooms))
			rooms = NULL;
		FUZZ_CHECK(o->rooms == (uint64_t)cJSON_GetArraySize(rooms));
		cJSON_ArrayForEach(r, rooms)
			FUZZ_CHECK(cJSON_IsObject(r));
		FUZZ_CHECK(o->participants <= tree_participants(rooms));
		if (!has_unplain_number(data, len))
			FUZZ_CHECK(o->participants ==
			    tree_participants(rooms));
	}
	cJSON_Delete(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut;

	if (size < 1)
		return 0;
	whole = run(data + 1, size - 1, 0);
	cut = run(data + 1, size - 1, data[0] == 0 ? 1 : data[0]);
	FUZZ_CHECK(whole.rc == cut.rc);
	if (whole.rc == 0) {
		FUZZ_CHECK(whole.error == NULL);
		FUZZ_CHECK(whole.offset == size - 1);
		FUZZ_CHECK(whole.rooms == cut.rooms);
		FUZZ_CHECK(whole.participants == cut.participants);
		check_tree(data + 1, size - 1, &whole);
	} else {
		FUZZ_CHECK(whole.error != NULL && cut.error != NULL);
		FUZZ_CHECK(strcmp(whole.error, cut.error) == 0);
		FUZZ_CHECK(whole.offset == cut.offset);
		FUZZ_CHECK(whole.offset <= size - 1);
	}
	return 0;
}
