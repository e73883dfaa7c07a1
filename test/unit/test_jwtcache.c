/*
 * Unit tests of jwtcache: a hit only before expiry, keys that differ in
 * one byte kept apart, a put that refreshes its own entry, the table
 * bound under a flood of distinct keys (the soonest to expire goes
 * first), and clearing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtcache.h"
#include "tap.h"

struct val {
	char	 name[16];
	int	 n;
};

static void
key_of(unsigned int i, uint8_t key[JWTCACHE_KEY_LEN])
{
	unsigned int j;

	/* Spread like a hash: the set index comes from the first bytes. */
	for (j = 0; j < JWTCACHE_KEY_LEN; j++)
		key[j] = (uint8_t)((i * 2654435761u) >> ((j % 4) * 8)) ^
		    (uint8_t)j;
}

static void
test_expiry(void)
{
	struct jwtcache *c = jwtcache_new(16, sizeof(struct val));
	struct val v = { "alice", 1 }, got;
	uint8_t k[JWTCACHE_KEY_LEN];

	key_of(1, k);
	is_int(jwtcache_get(c, k, 100, &got), 0, "empty: a miss");
	jwtcache_put(c, k, 200, 100, &v);
	memset(&got, 0, sizeof(got));
	is_int(jwtcache_get(c, k, 100, &got), 1, "a hit after put");
	is_str(got.name, "alice", "the value stored");
	is_int(jwtcache_get(c, k, 199, &got), 1, "a hit just before expiry");
	is_int(jwtcache_get(c, k, 200, &got), 0, "a miss at expiry");
	is_int((long long)jwtcache_size(c), 0, "the expired entry dropped");
	jwtcache_put(c, k, 100, 100, &v);
	is_int((long long)jwtcache_size(c), 0, "an expired token not stored");
	jwtcache_free(c);
}

static void
test_keys_apart(void)
{
	struct jwtcache *c = jwtcache_new(16, sizeof(struct val));
	struct val a = { "alice", 1 }, b = { "bob", 2 }, got;
	uint8_t ka[JWTCACHE_KEY_LEN], kb[JWTCACHE_KEY_LEN];

	key_of(7, ka);
	memcpy(kb, ka, sizeof(kb));
	kb[JWTCACHE_KEY_LEN - 1] ^= 1;	/* same set, other key */
	jwtcache_put(c, ka, 500, 0, &a);
	is_int(jwtcache_get(c, kb, 1, &got), 0,
	    "a key differing in its last byte misses");
	jwtcache_put(c, kb, 500, 0, &b);
	jwtcache_get(c, ka, 1, &got);
	is_str(got.name, "alice", "first key keeps its value");
	jwtcache_get(c, kb, 1, &got);
	is_str(got.name, "bob", "second key has its own");
	b.n = 3;
	jwtcache_put(c, kb, 600, 1, &b);
	is_int((long long)jwtcache_size(c), 2, "a put of a known key replaces");
	jwtcache_get(c, kb, 550, &got);
	is_int(got.n, 3, "with the new value and expiry");
	jwtcache_clear(c);
	is_int(jwtcache_get(c, ka, 1, &got), 0, "cleared: a miss");
	is_int((long long)jwtcache_size(c), 0, "cleared: empty");
	jwtcache_free(c);
}

static void
test_bound(void)
{
	struct jwtcache *c = jwtcache_new(100, sizeof(struct val));
	struct val v = { "x", 0 }, got;
	uint8_t k[JWTCACHE_KEY_LEN], first[JWTCACHE_KEY_LEN];
	unsigned int i, hits = 0;

	is_int((long long)jwtcache_capacity(c), 128, "capacity rounded up");
	key_of(0, first);
	jwtcache_put(c, first, 1000000, 0, &v);	/* expires last */
	for (i = 1; i < 100000; i++) {
		key_of(i, k);
		jwtcache_put(c, k, 1000 + i % 500, 0, &v);
	}
	ok(jwtcache_size(c) <= jwtcache_capacity(c),
	    "never more entries than the capacity");
	is_int(jwtcache_get(c, first, 1, &got), 1,
	    "the entry expiring last survives the flood");
	for (i = 99000; i < 100000; i++) {
		key_of(i, k);
		hits += (unsigned int)jwtcache_get(c, k, 1, &got);
	}
	ok(hits > 0 && hits <= 128, "recent entries partly kept (%u)", hits);
	jwtcache_free(c);
	jwtcache_free(NULL);
}

int
main(void)
{
	test_expiry();
	test_keys_apart();
	test_bound();
	return tap_done();
}
