/*
 * jwtcache: a fixed table of verified tokens (see jwtcache.h).
 *
 * The key is already a cryptographic hash, so its first bytes pick the
 * set as they are: nobody can aim tokens at one set without finding
 * SHA-256 prefixes, and a full set only costs a re-verification.
 */
#include <stdlib.h>
#include <string.h>

#include "jwtcache.h"
#include "util.h"

struct slot {
	uint8_t		 key[JWTCACHE_KEY_LEN];
	int64_t		 expiry;	/* 0: free */
};

struct jwtcache {
	struct slot	*slots;
	unsigned char	*values;	/* value_size bytes a slot */
	size_t		 nslots;	/* a power of two */
	size_t		 value_size;
	size_t		 used;
};

struct jwtcache *
jwtcache_new(size_t capacity, size_t value_size)
{
	struct jwtcache *c;
	size_t n = JWTCACHE_WAYS;

	while (n < capacity)
		n *= 2;
	c = xcalloc(1, sizeof(*c));
	c->slots = xcalloc(n, sizeof(*c->slots));
	c->values = xcalloc(n, value_size > 0 ? value_size : 1);
	c->nslots = n;
	c->value_size = value_size;
	return c;
}

void
jwtcache_clear(struct jwtcache *c)
{
	memset(c->slots, 0, c->nslots * sizeof(*c->slots));
	memset(c->values, 0, c->nslots * c->value_size);
	c->used = 0;
}

void
jwtcache_free(struct jwtcache *c)
{
	if (c == NULL)
		return;
	jwtcache_clear(c);	/* principals are not secrets, but tidy */
	free(c->slots);
	free(c->values);
	free(c);
}

/* The first slot of key's set. */
static size_t
set_of(const struct jwtcache *c, const uint8_t key[JWTCACHE_KEY_LEN])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h & (c->nslots - 1) & ~(size_t)(JWTCACHE_WAYS - 1);
}

static void
slot_free(struct jwtcache *c, size_t i)
{
	memset(&c->slots[i], 0, sizeof(c->slots[i]));
	c->used--;
}

int
jwtcache_get(struct jwtcache *c, const uint8_t key[JWTCACHE_KEY_LEN],
    int64_t now, void *value)
{
	size_t i, set = set_of(c, key);

	for (i = set; i < set + JWTCACHE_WAYS; i++) {
		if (c->slots[i].expiry == 0 ||
		    memcmp(c->slots[i].key, key, JWTCACHE_KEY_LEN) != 0)
			continue;
		if (now >= c->slots[i].expiry) {
			slot_free(c, i);
			return 0;
		}
		memcpy(value, c->values + i * c->value_size, c->value_size);
		return 1;
	}
	return 0;
}

/* The slot of key's set to write: key's own, a free or expired one, else
 * the one that expires first. */
static size_t
slot_for(struct jwtcache *c, const uint8_t key[JWTCACHE_KEY_LEN],
    int64_t now)
{
	size_t i, set = set_of(c, key), best = set;

	for (i = set; i < set + JWTCACHE_WAYS; i++)
		if (c->slots[i].expiry != 0 &&
		    memcmp(c->slots[i].key, key, JWTCACHE_KEY_LEN) == 0)
			return i;
	for (i = set; i < set + JWTCACHE_WAYS; i++) {
		if (c->slots[i].expiry == 0)
			return i;
		if (now >= c->slots[i].expiry) {
			slot_free(c, i);
			return i;
		}
		if (c->slots[i].expiry < c->slots[best].expiry)
			best = i;
	}
	return best;
}

void
jwtcache_put(struct jwtcache *c, const uint8_t key[JWTCACHE_KEY_LEN],
    int64_t expiry, int64_t now, const void *value)
{
	size_t i;

	if (expiry <= now)
		return;
	i = slot_for(c, key, now);
	if (c->slots[i].expiry == 0)
		c->used++;
	memcpy(c->slots[i].key, key, JWTCACHE_KEY_LEN);
	c->slots[i].expiry = expiry;
	memcpy(c->values + i * c->value_size, value, c->value_size);
}

size_t
jwtcache_size(const struct jwtcache *c)
{
	return c->used;
}

size_t
jwtcache_capacity(const struct jwtcache *c)
{
	return c->nslots;
}
