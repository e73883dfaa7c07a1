/*
 * lkclient_share: the flights of lkclient.  A flight is one request to
 * LiveKit (or one answer from the room cache) and the calls waiting for
 * it.  A read in flight is found by its key (lk_flight_find) and joined
 * (lk_wait): one request to LiveKit, one answer given to every waiter in
 * the order they came, the first told it owns the call.  A flight stops
 * being joinable as it answers (lk_flight_close), or when the room it
 * looks up changes meanwhile.  A cache hit is a flight with no request,
 * answered from the loop by lk_hits_fire, never from inside lk_call.
 * One-room look-ups that miss the room cache in one loop turn are held
 * back (lk_gather_add) and ride on one request (the carrier, lk_carry),
 * each still a flight of its own, with its own key and waiters.
 *
 * Calls nothing else of lkclient (see lkclient_internal.h).
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "lkcache.h"
#include "lkclient.h"
#include "lkclient_internal.h"
#include "util.h"

size_t
lk_bucket(const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (LK_FLIGHT_BUCKETS - 1);
}

/* No later call may join f: it is answering or gone. */
void
lk_flight_close(struct lk_flight *f)
{
	if (f->key != NULL) {
		LIST_REMOVE(f, bucket);
		free(f->key);
		f->key = NULL;
	}
}

void
lk_room_unref(void *arg)
{
	struct lk_room *kept = arg;

	if (kept != NULL && --kept->refs == 0) {
		if (kept->memo != NULL)
			kept->memo_free(kept->memo);
		cJSON_Delete(kept->answer);
		free(kept);
	}
}

struct lk_room *
lk_room_keep(struct lkclient *lk, const char *name, cJSON *answer,
    size_t bytes, int caller_ref, uint64_t now)
{
	struct lk_room *kept;

	kept = xcalloc(1, sizeof(*kept));
	kept->answer = answer;
	/* The caller's reference is made first: the cache may let an answer
	 * too large for it go at once. */
	kept->refs = 1 + (caller_ref != 0);
	lkcache_put(lk->rooms, name, kept, bytes * LK_ROOM_CACHE_FACTOR, now);
	return caller_ref ? kept : NULL;
}

void *
lk_memo(const struct lk_result *res)
{
	return res->kept != NULL ? res->kept->memo : NULL;
}

int
lk_memo_keep(const struct lk_result *res, void *memo,
    void (*free_fn)(void *))
{
	if (res->kept == NULL || res->kept->memo != NULL)
		return -1;
	res->kept->memo = memo;
	res->kept->memo_free = free_fn;
	return 0;
}

/* Unlinks f from the request it rides on, or a carrier from its riders. */
static void
lk_uncarry(struct lk_flight *f)
{
	struct lk_flight *c = f->carrier;
	size_t i;

	if (c != NULL)
		for (i = 0; i < c->nriders; i++)
			if (c->riders[i] == f)
				c->riders[i] = NULL;
	f->carrier = NULL;
	for (i = 0; i < f->nriders; i++)
		if (f->riders[i] != NULL)
			f->riders[i]->carrier = NULL;
	free(f->riders);
	f->riders = NULL;
	f->nriders = 0;
}

void
lk_flight_free(struct lk_flight *f)
{
	lk_flight_close(f);
	if (f->queued) {
		TAILQ_REMOVE(&f->lk->hits, f, hit_entry);
		f->lk->nhits--;
	}
	if (f->gathered) {
		TAILQ_REMOVE(&f->lk->gather, f, gather_entry);
		f->lk->ngather--;
	}
	lk_uncarry(f);
	TAILQ_REMOVE(&f->lk->flights, f, entry);
	lk_room_unref(f->kept);
	while (f->nbatch > 0)
		free(f->batch[--f->nbatch]);
	free(f->batch);
	free(f->room);
	free(f->count);
	free(f);
}

/* Tells every waiter, in the order they came; the first is told
 * res->shared as given (0: it owns the call), the others that they
 * shared it. */
void
lk_flight_answer(struct lk_flight *f, struct lk_result *res)
{
	struct lk_call *c;

	f->answering = 1;
	lk_flight_close(f);
	while ((c = TAILQ_FIRST(&f->waiters)) != NULL) {
		TAILQ_REMOVE(&f->waiters, c, entry);
		c->in_done = 1;
		if (c->done != NULL)
			c->done(c->arg, res);
		free(c);
		res->shared = 1;
	}
	lk_flight_free(f);
}

struct lk_call *
lk_wait(struct lk_flight *f, lk_done_fn done, void *arg)
{
	struct lk_call *c;

	c = xcalloc(1, sizeof(*c));
	c->flight = f;
	c->done = done;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&f->waiters, c, entry);
	return c;
}

/* The joinable flight of key, or NULL. */
struct lk_flight *
lk_flight_find(struct lkclient *lk, const char *key)
{
	struct lk_flight *f;

	LIST_FOREACH(f, &lk->shared[lk_bucket(key)], bucket)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

/* A new flight; key (taken) makes it joinable, NULL keeps it alone. */
struct lk_flight *
lk_flight_new(struct lkclient *lk, const char *name, char *key)
{
	struct lk_flight *f;

	f = xcalloc(1, sizeof(*f));
	f->lk = lk;
	f->name = name;
	f->key = key;
	TAILQ_INIT(&f->waiters);
	TAILQ_INSERT_TAIL(&lk->flights, f, entry);
	if (key != NULL)
		LIST_INSERT_HEAD(&lk->shared[lk_bucket(key)], f, bucket);
	return f;
}

/* Gives the answers found in the cache, those asked for before this loop
 * turn (one asked for meanwhile waits for the next). */
void
lk_hits_fire(evutil_socket_t fd, short what, void *arg)
{
	struct lkclient *lk = arg;
	struct lk_flight *f;
	struct lk_result res;
	size_t n = lk->nhits;

	(void)fd;
	(void)what;
	while (n-- > 0 && (f = TAILQ_FIRST(&lk->hits)) != NULL) {
		TAILQ_REMOVE(&lk->hits, f, hit_entry);
		f->queued = 0;
		lk->nhits--;
		memset(&res, 0, sizeof(res));
		res.outcome = LK_OK;
		res.http_status = 200;
		res.body = f->kept->answer;
		res.kept = f->kept;
		res.cached = 1;
		lk_flight_answer(f, &res);
	}
	if (lk->nhits > 0)
		event_active(lk->hit_ev, EV_TIMEOUT, 1);
}

/* A call answered from the cache: kept, from the loop. */
struct lk_call *
lk_hit(struct lkclient *lk, const char *name, struct lk_room *kept,
    lk_done_fn done, void *arg)
{
	struct lk_flight *f;

	f = lk_flight_new(lk, name, NULL);
	f->kept = kept;
	kept->refs++;
	f->queued = 1;
	TAILQ_INSERT_TAIL(&lk->hits, f, hit_entry);
	if (lk->nhits++ == 0)
		event_active(lk->hit_ev, EV_TIMEOUT, 1);
	return lk_wait(f, done, arg);
}

void
lk_gather_add(struct lkclient *lk, struct lk_flight *f)
{
	f->gathered = 1;
	TAILQ_INSERT_TAIL(&lk->gather, f, gather_entry);
	if (lk->ngather++ == 0)
		event_active(lk->gather_ev, EV_TIMEOUT, 1);
}

size_t
lk_gather_take(struct lkclient *lk, struct lk_flight **flights)
{
	struct lk_flight *f;
	size_t n = 0;

	while (n < LK_GATHER_MAX && (f = TAILQ_FIRST(&lk->gather)) != NULL) {
		TAILQ_REMOVE(&lk->gather, f, gather_entry);
		f->gathered = 0;
		lk->ngather--;
		flights[n++] = f;
	}
	return n;
}

void
lk_carry(struct lk_flight *carrier, struct lk_flight **riders, size_t n)
{
	size_t i;

	carrier->riders = xcalloc(n, sizeof(*carrier->riders));
	carrier->nriders = n;
	for (i = 0; i < n; i++) {
		carrier->riders[i] = riders[i];
		riders[i]->carrier = carrier;
	}
}
