/*
 * ratelim: integer token buckets keyed by a rate-limit class and a key (an
 * API key name, a user identity or a client address), in a table of fixed
 * capacity.  Pure: the caller passes the time and the hash seed, so tests
 * are deterministic.
 *
 * A limit is N requests per PERIOD.  A bucket holds at most N tokens and
 * gains N tokens per PERIOD continuously (one every PERIOD / N), counted
 * exactly in integers.  An allowed request takes one token; a refused one
 * takes none.  A new key starts with a full bucket.
 *
 * The table never holds more than its capacity, whatever the number of
 * keys seen.  A new key reuses the least recently used entry when that
 * entry is idle long enough to be full again (forgetting it loses
 * nothing), else takes a free slot, else evicts the least recently used
 * entry anyway (whose key then starts again with a full bucket).  Keys
 * are stored as a keyed 64-bit hash (SipHash-2-4 with the caller's seed),
 * so an entry is small and nobody can aim keys at one hash chain.
 */
#ifndef LKGATE_RATELIM_H
#define LKGATE_RATELIM_H

#include <stddef.h>
#include <stdint.h>

/* Classes are the values of enum route_class (router.h): default, auth,
 * token, create (httpfront.c checks that they agree). */
#define RL_NCLASSES	4
#define RL_COUNT_MAX	1000000		/* requests per period */
#define RL_PERIOD_MAX_S	86400		/* one day */
#define RL_SEED_LEN	16

struct ratelim;

struct rl_limit {
	uint32_t	 count;		/* requests per period; 0: unlimited */
	uint32_t	 period_ms;	/* 1000 .. RL_PERIOD_MAX_S * 1000 */
};

/* What a request was told. */
struct rl_verdict {
	int		 allowed;
	uint32_t	 limit;		/* the limit's count */
	uint32_t	 remaining;	/* whole tokens left after this one */
	uint32_t	 reset_s;	/* seconds until the bucket is full */
	uint32_t	 retry_after_s;	/* refused: seconds until one token,
					   at least 1; else 0 */
};

/* A table of at most capacity (>= 1) entries; never returns NULL. */
struct ratelim	*ratelim_new(size_t capacity, const uint8_t seed[RL_SEED_LEN]);
/* NULL is allowed. */
void		 ratelim_free(struct ratelim *);

/*
 * Takes one token from the bucket of (cls, key) under lim at time now_ms
 * (a monotonic clock; a clock that goes back refills nothing) and fills
 * *v.  key is any NUL-terminated text.  A limit with count 0 allows
 * everything and stores nothing.  When lim differs from the limit the
 * bucket was filled under (a reload changed it), the bucket starts full
 * under the new one.
 */
void		 ratelim_take(struct ratelim *, unsigned int cls,
		    const char *key, const struct rl_limit *lim,
		    uint64_t now_ms, struct rl_verdict *v);

/* Entries in use, and the capacity. */
size_t		 ratelim_size(const struct ratelim *);
size_t		 ratelim_capacity(const struct ratelim *);

/*
 * Parses "class=N/PERIOD", PERIOD an optional count and a unit s, m or h
 * ("1s", "15m", "h"), into *cls and *lim.  Returns 0, or -1 with *why set
 * to a message the caller frees.
 */
int		 ratelim_parse(const char *text, unsigned int *cls,
		    struct rl_limit *lim, char **why);

/* SipHash-2-4 of len bytes of in under seed (exposed for tests). */
uint64_t	 ratelim_siphash(const uint8_t seed[RL_SEED_LEN],
		    const void *in, size_t len);

/* "default", "auth", "token", "create"; "?" outside the range. */
const char	*ratelim_class_name(unsigned int cls);
/* The same names by class (metrics_new takes them). */
extern const char *const ratelim_class_names[RL_NCLASSES];

#endif
