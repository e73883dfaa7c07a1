/*
 * rlshared: rate-limit buckets shared on Redis by every lkgate instance
 * that names the same Redis (redis_url), so that a limit of N a period is
 * N across the fleet.  The only module that includes hiredis.
 *
 * One atomic step a request: a Lua token bucket (the arithmetic of
 * ratelim.c, on Redis's clock) loaded once with SCRIPT LOAD and called
 * with EVALSHA; a Redis that forgot it (NOSCRIPT: a restart, SCRIPT
 * FLUSH) gets it again with EVAL.  Everything is non-blocking on the
 * event loop: host names are resolved with evdns, hiredis runs on its
 * libevent adapter.  Over TLS (rediss://) hiredis, which cannot speak it,
 * connects to the bridge of redistls, which relays to Redis through TLS;
 * a relay that fails (a certificate not accepted) is a connection lost,
 * logged with the bridge's reason.
 *
 * Every call has a deadline (redis_timeout_ms).  A call that misses it, a
 * lost connection or an error reply marks Redis down: the requests
 * waiting on it, and every request until Redis is back, are decided with
 * the caller's per-instance buckets (struct ratelim) at once.  The
 * connection is retried with backoff (100 ms doubling to 2 s); requests
 * go to Redis again once it answered the script's loading, and Redis
 * counts as back once it answered one.  Going down and coming back are
 * logged once each; /metrics counts the
 * requests decided locally (lkgate_redis_fallbacks_total) and shows
 * lkgate_redis_up.
 *
 * Ownership: struct rlshared is owned by struct lkgate; an operation by
 * rlshared until its callback ran or it was cancelled.
 */
#ifndef LKGATE_RLSHARED_H
#define LKGATE_RLSHARED_H

#include <stdint.h>

#include "ratelim.h"

struct event_base;
struct conf;
struct metrics;
struct rlshared;
struct rlshared_op;

/* A verdict that came later; v is valid during the call only. */
typedef void (*rlshared_fn)(void *arg, const struct rl_verdict *v);

/*
 * Starts connecting to the Redis of conf->redis_url (which conf_load
 * checked) and returns at once; NULL when no Redis is configured.  Reads
 * the URL, password, timeout and TLS files now: a reload does not change
 * them.  fatal() when the TLS bridge cannot be set up (its files gone
 * since conf_load read them, no directory for its socket).
 */
struct rlshared	*rlshared_new(struct event_base *, const struct conf *,
		    struct metrics *);
/* Closes the connection; operations still pending are answered from
 * their local buckets first.  NULL is allowed. */
void		 rlshared_free(struct rlshared *);

/*
 * Takes one token for (cls, key) under lim.  Without Redis (rs NULL), or
 * while Redis is down, decides now with the per-instance table local at
 * now_ms: fills *v and returns 0.  Else sends the step to Redis, sets *op
 * and returns 1: fn(arg, verdict) is then called exactly once, from the
 * event loop, by the deadline at the latest (with a local verdict when
 * Redis did not answer in time), unless rlshared_cancel(*op) came first.
 * local must outlive the operation.
 */
int		 rlshared_take(struct rlshared *rs, struct ratelim *local,
		    unsigned int cls, const char *key,
		    const struct rl_limit *lim, uint64_t now_ms,
		    struct rl_verdict *v, rlshared_fn fn, void *arg,
		    struct rlshared_op **op);
/* The caller no longer wants the verdict (its request is gone); fn will
 * not be called.  NULL is allowed. */
void		 rlshared_cancel(struct rlshared_op *);

/* "ok" while the buckets are shared, "unreachable" while they are per
 * instance; NULL without Redis. */
const char	*rlshared_state(const struct rlshared *);

#endif
