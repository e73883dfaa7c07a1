/*
 * lkcache: values by key with one TTL, bounded in entries and bytes.
 *
 * Entries sit in a hash table (chained, sized once from max_entries) and
 * in a queue in the order they were put: with one TTL for all, the head
 * is both the oldest and the first to expire, so bounding and expiry only
 * ever look at the head.  A replaced value goes to the tail as new.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "lkcache.h"
#include "util.h"

/* The bytes an entry costs besides its value and key. */
#define LKCACHE_ENTRY_OVERHEAD	64

struct lkc_entry {
	char			*key;
	void			*value;
	size_t			 bytes;		/* value + key + overhead */
	uint64_t		 put_ms;
	TAILQ_ENTRY(lkc_entry)	 age;		/* oldest first */
	LIST_ENTRY(lkc_entry)	 chain;
};

struct lkcache {
	size_t			 max_entries;
	size_t			 max_bytes;
	size_t			 count;
	size_t			 bytes;
	size_t			 nbuckets;	/* power of two */
	lkcache_release_fn	 release;
	TAILQ_HEAD(, lkc_entry)	 ages;
	LIST_HEAD(, lkc_entry)	*buckets;
};

static uint32_t
lkc_hash(const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

struct lkcache *
lkcache_new(size_t max_entries, size_t max_bytes, lkcache_release_fn release)
{
	struct lkcache *c;
	size_t i;

	c = xcalloc(1, sizeof(*c));
	c->max_entries = max_entries > 0 ? max_entries : 1;
	c->max_bytes = max_bytes > 0 ? max_bytes : 1;
	c->release = release;
	/* About two entries a chain when full. */
	c->nbuckets = 1;
	while (c->nbuckets < c->max_entries / 2 && c->nbuckets < (1u << 20))
		c->nbuckets <<= 1;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	for (i = 0; i < c->nbuckets; i++)
		LIST_INIT(&c->buckets[i]);
	TAILQ_INIT(&c->ages);
	return c;
}

static struct lkc_entry *
lkc_find(const struct lkcache *c, const char *key)
{
	struct lkc_entry *e;

	LIST_FOREACH(e, &c->buckets[lkc_hash(key) & (c->nbuckets - 1)], chain)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
lkc_remove(struct lkcache *c, struct lkc_entry *e)
{
	LIST_REMOVE(e, chain);
	TAILQ_REMOVE(&c->ages, e, age);
	c->count--;
	c->bytes -= e->bytes;
	if (c->release != NULL)
		c->release(e->value);
	free(e->key);
	free(e);
}

void *
lkcache_get(struct lkcache *c, const char *key, uint64_t now_ms,
    uint64_t ttl_ms, uint64_t *age_ms)
{
	struct lkc_entry *e;

	if ((e = lkc_find(c, key)) == NULL)
		return NULL;
	if (now_ms < e->put_ms || now_ms - e->put_ms >= ttl_ms) {
		lkc_remove(c, e);
		return NULL;
	}
	if (age_ms != NULL)
		*age_ms = now_ms - e->put_ms;
	return e->value;
}

int
lkcache_put(struct lkcache *c, const char *key, void *value, size_t bytes,
    uint64_t now_ms)
{
	struct lkc_entry *e;
	size_t cost, klen = strlen(key);

	lkcache_drop(c, key);
	cost = bytes + klen + LKCACHE_ENTRY_OVERHEAD;
	if (bytes > c->max_bytes || cost > c->max_bytes) {
		if (c->release != NULL)
			c->release(value);
		return -1;
	}
	while (c->count > 0 && (c->count >= c->max_entries ||
	    c->bytes + cost > c->max_bytes))
		lkc_remove(c, TAILQ_FIRST(&c->ages));
	e = xcalloc(1, sizeof(*e));
	e->key = xstrndup(key, klen);
	e->value = value;
	e->bytes = cost;
	e->put_ms = now_ms;
	LIST_INSERT_HEAD(&c->buckets[lkc_hash(key) & (c->nbuckets - 1)], e,
	    chain);
	TAILQ_INSERT_TAIL(&c->ages, e, age);
	c->count++;
	c->bytes += cost;
	return 0;
}

size_t
lkcache_expire(struct lkcache *c, uint64_t now_ms, uint64_t ttl_ms)
{
	struct lkc_entry *e;
	size_t n = 0;

	/* The head is the oldest; a clock gone back expires it too. */
	while ((e = TAILQ_FIRST(&c->ages)) != NULL &&
	    (now_ms < e->put_ms || now_ms - e->put_ms >= ttl_ms)) {
		lkc_remove(c, e);
		n++;
	}
	return n;
}

int
lkcache_drop(struct lkcache *c, const char *key)
{
	struct lkc_entry *e;

	if ((e = lkc_find(c, key)) == NULL)
		return 0;
	lkc_remove(c, e);
	return 1;
}

void
lkcache_clear(struct lkcache *c)
{
	struct lkc_entry *e;

	while ((e = TAILQ_FIRST(&c->ages)) != NULL)
		lkc_remove(c, e);
}

size_t
lkcache_count(const struct lkcache *c)
{
	return c->count;
}

size_t
lkcache_bytes(const struct lkcache *c)
{
	return c->bytes;
}

void
lkcache_free(struct lkcache *c)
{
	if (c == NULL)
		return;
	lkcache_clear(c);
	free(c->buckets);
	free(c);
}
