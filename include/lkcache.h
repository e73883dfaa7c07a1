/*
 * lkcache: a small cache of values by string key, each kept for a fixed
 * time (its TTL) and dropped at once on demand.  lkclient keeps LiveKit's
 * answers to one-room look-ups in one.  Pure: the caller passes the time
 * (milliseconds of a monotonic clock), so tests are deterministic.
 *
 * Bounded in entries and in bytes (the size the caller states for each
 * value plus its key): a put that would go beyond either bound first
 * drops the oldest entries; a value larger than the byte bound on its own
 * is not kept.  Every entry has the same TTL, so the oldest entry is also
 * the first to expire: both the expiry and the eviction are O(1).
 *
 * Ownership: the cache owns the keys it copies and the values put in it;
 * it hands each value it lets go of (expired, replaced, dropped, evicted,
 * refused, at lkcache_clear and lkcache_free) to the release function
 * given at creation, exactly once.  lkcache_get lends a value: it stays
 * valid until the next call that changes the cache.
 */
#ifndef LKGATE_LKCACHE_H
#define LKGATE_LKCACHE_H

#include <stddef.h>
#include <stdint.h>

struct lkcache;

typedef void (*lkcache_release_fn)(void *value);

/* max_entries and max_bytes are at least 1.  Never returns NULL. */
struct lkcache	*lkcache_new(size_t max_entries, size_t max_bytes,
		    lkcache_release_fn release);
/* Releases every value and frees; NULL is allowed. */
void		 lkcache_free(struct lkcache *);

/* The value of key if it was put less than ttl_ms before now_ms (and
 * no later than now_ms: a clock that went back expires it), else NULL;
 * an expired entry is released on the way.  *age_ms (when age_ms is not
 * NULL) gets how long ago a value found was put. */
void		*lkcache_get(struct lkcache *, const char *key, uint64_t now_ms,
		    uint64_t ttl_ms, uint64_t *age_ms);
/* Keeps value under key (replacing any value it had) as of now_ms, bytes
 * being its size.  Returns 0, or -1 when the value alone is larger than
 * the byte bound: it is then released at once. */
int		 lkcache_put(struct lkcache *, const char *key, void *value,
		    size_t bytes, uint64_t now_ms);
/* Drops the entries expired at now_ms (oldest first); returns how many. */
size_t		 lkcache_expire(struct lkcache *, uint64_t now_ms,
		    uint64_t ttl_ms);
/* Drops key's entry; 1 when there was one. */
int		 lkcache_drop(struct lkcache *, const char *key);
/* Drops every entry. */
void		 lkcache_clear(struct lkcache *);

size_t		 lkcache_count(const struct lkcache *);
/* Bytes counted against the bound: values' stated sizes plus keys. */
size_t		 lkcache_bytes(const struct lkcache *);

#endif
