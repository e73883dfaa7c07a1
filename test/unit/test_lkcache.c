/*
 * Unit tests of lkcache: hits within the TTL, expiry (and a clock that
 * goes back), drops, replacement, the entry and byte bounds (oldest
 * first), a value too large, and that every value is released exactly
 * once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lkcache.h"
#include "tap.h"

#define NVALS 64

static int released[NVALS];
static int vals[NVALS];

static void
release(void *v)
{
	released[(int *)v - vals]++;
}

static void *
val(int i)
{
	return &vals[i];
}

static int
all_released_once(int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (released[i] != 1)
			return 0;
	return 1;
}

static void
test_ttl(void)
{
	struct lkcache *c;
	uint64_t age = 0;

	memset(released, 0, sizeof(released));
	c = lkcache_new(16, 1 << 20, release);
	ok(lkcache_get(c, "a", 1000, 1000, NULL) == NULL, "miss on an empty cache");
	is_int(lkcache_put(c, "a", val(0), 100, 1000), 0, "put a");
	ok(lkcache_get(c, "a", 1000, 1000, NULL) == val(0), "hit at once");
	ok(lkcache_get(c, "a", 1999, 1000, NULL) == val(0), "hit 999 ms later");
	ok(lkcache_get(c, "a", 1750, 1000, &age) == val(0), "hit at 750 ms");
	is_int((long long)age, 750, "a hit tells its age");
	ok(lkcache_get(c, "b", 1500, 1000, NULL) == NULL, "another key misses");
	ok(lkcache_get(c, "a", 2000, 1000, NULL) == NULL, "expired after the TTL");
	is_int(released[0], 1, "the expired value is released");
	is_int((long long)lkcache_count(c), 0, "and its entry gone");
	lkcache_put(c, "a", val(1), 100, 5000);
	ok(lkcache_get(c, "a", 4999, 1000, NULL) == NULL,
	    "a clock gone back expires the entry");
	is_int(released[1], 1, "and releases it");
	lkcache_free(c);
}

static void
test_drop_replace(void)
{
	struct lkcache *c;

	memset(released, 0, sizeof(released));
	c = lkcache_new(16, 1 << 20, release);
	lkcache_put(c, "room-1", val(0), 10, 0);
	lkcache_put(c, "room-2", val(1), 10, 0);
	is_int(lkcache_drop(c, "room-1"), 1, "drop a kept key");
	is_int(lkcache_drop(c, "room-1"), 0, "drop it again: nothing");
	ok(lkcache_get(c, "room-1", 1, 1000, NULL) == NULL, "dropped: a miss");
	ok(lkcache_get(c, "room-2", 1, 1000, NULL) == val(1), "the other stays");
	lkcache_put(c, "room-2", val(2), 10, 5);
	is_int(released[1], 1, "a replaced value is released");
	ok(lkcache_get(c, "room-2", 6, 1000, NULL) == val(2), "the new value hits");
	ok(lkcache_get(c, "room-2", 1004, 1000, NULL) == val(2),
	    "its age runs from its own put");
	lkcache_clear(c);
	is_int((long long)lkcache_count(c), 0, "clear empties");
	is_int((long long)lkcache_bytes(c), 0, "and counts no bytes");
	lkcache_free(c);
	ok(all_released_once(3), "every value released exactly once");
}

static void
test_bounds(void)
{
	struct lkcache *c;
	char key[16];
	int i;

	memset(released, 0, sizeof(released));
	c = lkcache_new(4, 1 << 20, release);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		lkcache_put(c, key, val(i), 1, (uint64_t)i);
	}
	is_int((long long)lkcache_count(c), 4, "entries stay at the bound");
	ok(lkcache_get(c, "k5", 10, 1000, NULL) == NULL, "the oldest went first");
	ok(lkcache_get(c, "k6", 10, 1000, NULL) == val(6) &&
	    lkcache_get(c, "k9", 10, 1000, NULL) == val(9), "the newest stay");
	lkcache_free(c);
	ok(all_released_once(10), "evicted and freed values released once");

	memset(released, 0, sizeof(released));
	c = lkcache_new(1000, 1000, release);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		lkcache_put(c, key, val(i), 200, (uint64_t)i);
		ok(lkcache_bytes(c) <= 1000, "bytes within the bound after "
		    "put %d (%zu)", i, lkcache_bytes(c));
	}
	ok(lkcache_count(c) >= 3 && lkcache_count(c) <= 4,
	    "200-byte values: three or four fit in 1000 bytes (%zu)",
	    lkcache_count(c));
	ok(lkcache_get(c, "k19", 20, 1000, NULL) == val(19), "the last put hits");
	is_int(lkcache_put(c, "big", val(20), 1001, 21), -1,
	    "a value larger than the bound is refused");
	is_int(released[20], 1, "and released at once");
	ok(lkcache_get(c, "k19", 22, 1000, NULL) == val(19),
	    "a refused value evicts nothing");
	lkcache_free(c);
	ok(all_released_once(21), "every value released exactly once");
}

static void
test_expire(void)
{
	struct lkcache *c;

	memset(released, 0, sizeof(released));
	c = lkcache_new(16, 1 << 20, release);
	lkcache_put(c, "a", val(0), 1, 0);
	lkcache_put(c, "b", val(1), 1, 500);
	lkcache_put(c, "c", val(2), 1, 900);
	is_int((long long)lkcache_expire(c, 1000, 1000), 1,
	    "expire drops the one entry past its TTL");
	is_int((long long)lkcache_expire(c, 1600, 1000), 1, "then the next");
	ok(lkcache_get(c, "c", 1600, 1000, NULL) == val(2), "the young one stays");
	lkcache_free(c);
	ok(all_released_once(3), "every value released exactly once");
}

static void
test_many_keys(void)
{
	struct lkcache *c;
	char key[32];
	int i, hits = 0;

	c = lkcache_new(4096, 1 << 22, NULL);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "room-%d", i);
		lkcache_put(c, key, val(0), 100, (uint64_t)i);
	}
	is_int((long long)lkcache_count(c), 4096,
	    "100000 keys: the table stays at 4096 entries");
	for (i = 100000 - 4096; i < 100000; i++) {
		snprintf(key, sizeof(key), "room-%d", i);
		hits += lkcache_get(c, key, 100000, 1u << 30, NULL) != NULL;
	}
	is_int(hits, 4096, "the last 4096 keys all hit");
	lkcache_free(c);
}

int
main(void)
{
	test_ttl();
	test_drop_replace();
	test_bounds();
	test_expire();
	test_many_keys();
	return tap_done();
}
