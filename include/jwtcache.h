/*
 * jwtcache: bearer tokens already verified, so that a valid token costs
 * one signature check in its life rather than one per request.  Pure: the
 * caller passes the time, and the key, a SHA-256 of the whole token (so
 * two tokens that differ in any byte, signature included, never share an
 * entry).
 *
 * Memory is constant: capacity entries of a fixed value size, allocated
 * by jwtcache_new, however many tokens are seen.  The table is 4-way set
 * associative: an entry goes into the set its key picks, replacing an
 * expired or free slot, else the one that expires first.  An entry is
 * returned only before its expiry (the token's exp), never after.
 */
#ifndef LKGATE_JWTCACHE_H
#define LKGATE_JWTCACHE_H

#include <stddef.h>
#include <stdint.h>

#define JWTCACHE_KEY_LEN	32
#define JWTCACHE_WAYS		4

struct jwtcache;

/* A table of at least capacity entries (rounded up to a power of two,
 * at least JWTCACHE_WAYS) of value_size bytes each; never NULL. */
struct jwtcache	*jwtcache_new(size_t capacity, size_t value_size);
/* Wipes and frees; NULL is allowed. */
void		 jwtcache_free(struct jwtcache *);

/*
 * Copies the value stored under key into value and returns 1 when it is
 * there and now < its expiry; else 0 (an expired entry is dropped).
 */
int		 jwtcache_get(struct jwtcache *,
		    const uint8_t key[JWTCACHE_KEY_LEN], int64_t now,
		    void *value);

/* Stores a copy of value under key until expiry (exclusive); nothing
 * when expiry <= now. */
void		 jwtcache_put(struct jwtcache *,
		    const uint8_t key[JWTCACHE_KEY_LEN], int64_t expiry,
		    int64_t now, const void *value);

/* Forgets every entry (the keys that verified them changed). */
void		 jwtcache_clear(struct jwtcache *);

/* Entries held (expired ones not yet replaced included), and the
 * capacity. */
size_t		 jwtcache_size(const struct jwtcache *);
size_t		 jwtcache_capacity(const struct jwtcache *);

#endif
