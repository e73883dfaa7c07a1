/*
 * metrics: lkgate's counters, gauges and latency histograms, and their
 * Prometheus text rendering (exposition format 0.0.4) for GET /metrics.
 * Pure: callers pass durations; nothing here reads a clock.
 *
 * One struct metrics lives in struct lkgate (main creates and frees it).
 * Every label set is fixed at creation (routes, LiveKit methods and
 * outcomes, rate-limit classes, webhook events), so memory never grows
 * with traffic and no client can invent a label value.  Every name is
 * prefixed lkgate_.
 */
#ifndef LKGATE_METRICS_H
#define LKGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

/* Plain counters: symbol, name (after lkgate_), help. */
#define METRICS_COUNTERS(X)						\
	X(MC_SESSIONS_CREATED, "sessions_created_total",		\
	    "Sessions created (an Idempotency-Key retry counts again).") \
	X(MC_SESSIONS_ENDED, "sessions_ended_total",			\
	    "Sessions ended through the API (their room deleted).")	\
	X(MC_ROOMS_CREATED, "rooms_created_total",			\
	    "LiveKit rooms lkgate created, sessions included.")		\
	X(MC_ROOMS_ENDED, "rooms_ended_total",				\
	    "LiveKit rooms lkgate deleted, sessions included.")		\
	X(MC_CONNECTIONS_ACCEPTED, "connections_accepted_total",	\
	    "Client TCP connections accepted.")				\
	X(MC_ACCEPT_PAUSES, "accept_pauses_total",			\
	    "Times accepting paused because file descriptors ran out.") \
	X(MC_CONNECTIONS_REFUSED, "connections_refused_total",	\
	    "Client connections closed at once, over max_connections or " \
	    "max_connections_per_ip.")					\
	X(MC_HEADER_TIMEOUTS, "header_timeouts_total",			\
	    "Client connections closed because a request took longer " \
	    "than header_timeout to arrive.")				\
	X(MC_USER_JWT_VERIFICATIONS, "user_jwt_verifications_total",	\
	    "User JWTs checked in full (signature and claims): those "	\
	    "not found among the tokens verified before.")		\
	X(MC_USER_JWT_CACHE_HITS, "user_jwt_cache_hits_total",		\
	    "User JWTs found among the tokens verified before, and not " \
	    "checked again.")						\
	X(MC_LOG_LINES_DROPPED, "log_lines_dropped_total",		\
	    "Log lines dropped because stderr did not take them fast "	\
	    "enough.")							\
	X(MC_LIVEKIT_SHARED, "livekit_calls_shared_total",		\
	    "LiveKit answers a request shared with another one that "	\
	    "asked for the same read at the same time (not in "	\
	    "lkgate_livekit_calls_total).")				\
	X(MC_LIVEKIT_CACHED, "room_cache_hits_total",		\
	    "Room look-ups answered from the room cache, without a "	\
	    "LiveKit call (not in lkgate_livekit_calls_total).")	\
	X(MC_RELOADS, "config_reloads_total",				\
	    "Configurations reloaded by SIGHUP.")			\
	X(MC_RELOAD_FAILURES, "config_reload_failures_total",		\
	    "SIGHUP reloads refused because the new configuration was "	\
	    "invalid.")							\
	X(MC_REDIS_FALLBACKS, "redis_fallbacks_total",			\
	    "Rate-limit decisions made with this instance's own buckets "	\
	    "because the configured Redis was down or too slow.")	\
	X(MC_REDIS_ERRORS, "redis_errors_total",			\
	    "Redis calls that failed, missed redis_timeout_ms or lost "	\
	    "their connection.")

/* Gauges, set by their owners. */
#define METRICS_GAUGES(X)						\
	X(MG_OPEN_CONNECTIONS, "open_connections",			\
	    "Client connections open.")							\
	X(MG_INFLIGHT, "inflight_requests",				\
	    "Client requests received and not yet answered.")		\
	X(MG_RATELIMIT_ENTRIES, "ratelimit_entries",			\
	    "Entries of the rate-limit table in use.")			\
	X(MG_REDIS_UP, "redis_up",					\
	    "1 while rate limits are shared on Redis; 0 while they are "	\
	    "per instance (Redis down, or none configured).")

#define METRICS_ENUM(sym, name, help) sym,
enum metrics_counter { METRICS_COUNTERS(METRICS_ENUM) MC_COUNT };
enum metrics_gauge { METRICS_GAUGES(METRICS_ENUM) MG_COUNT };
#undef METRICS_ENUM

/*
 * The label values, fixed at creation.  metrics_new copies the arrays;
 * the texts are borrowed and must outlive the struct metrics (static
 * names: the route table's, lkclient's, ratelim's).
 */
struct metrics_labels {
	const char *const *routes;	/* by route index */
	size_t		 nroutes;
	const char *const *lk_methods;	/* by LiveKit method */
	size_t		 nlk_methods;
	const char *const *lk_outcomes;	/* by LiveKit outcome */
	size_t		 nlk_outcomes;
	const char *const *rl_classes;	/* by rate-limit class */
	size_t		 nrl_classes;
};

/* A struct metrics for those labels; requests that matched no route are
 * labelled "none".  Never returns NULL. */
struct metrics	*metrics_new(const struct metrics_labels *);
/* NULL is allowed. */
void		 metrics_free(struct metrics *);

void		 metrics_inc(struct metrics *, enum metrics_counter);
void		 metrics_gauge_set(struct metrics *, enum metrics_gauge,
		    int64_t value);
void		 metrics_gauge_add(struct metrics *, enum metrics_gauge,
		    int64_t delta);

/*
 * A request answered with status (100..599; 0: the client went away
 * before the reply) after duration_us.  route indexes the route labels
 * given to metrics_new; an index past them means no route matched.
 */
void		 metrics_request(struct metrics *, size_t route, int status,
		    uint64_t duration_us);

/* A LiveKit call of method ended with outcome after duration_us (both
 * index the labels given to metrics_new; others are ignored). */
void		 metrics_livekit(struct metrics *, int method, int outcome,
		    uint64_t duration_us);

/* A verified webhook of LiveKit's event name (e.g. "room_finished");
 * names LiveKit does not document count as "other". */
void		 metrics_webhook(struct metrics *, const char *event);

/* A request refused with 429 in rate-limit class cls (an index of the
 * labels given to metrics_new; others are ignored). */
void		 metrics_ratelimited(struct metrics *, unsigned int cls);

/* Running totals for the metrics JSON's samples (mring.h). */
struct metrics_totals {
	uint64_t	 requests;	/* answered, every route and status */
	uint64_t	 errors_5xx;	/* of which 500..599 */
	uint64_t	 ratelimited;	/* refused with 429, every class */
	int64_t		 open_connections;
};
void		 metrics_totals(const struct metrics *,
		    struct metrics_totals *);
/* A gauge's current value. */
int64_t		 metrics_gauge_value(const struct metrics *,
		    enum metrics_gauge);

/* A counter's current value (for tests). */
uint64_t	 metrics_value(const struct metrics *, enum metrics_counter);
/* Sets a counter whose owner keeps the count itself (the log). */
void		 metrics_counter_set(struct metrics *, enum metrics_counter,
		    uint64_t);

/*
 * Renders everything in the Prometheus text format, with
 * lkgate_build_info{version}.  Returns a NUL-terminated text the caller
 * frees; *len is its length.
 */
char		*metrics_render(const struct metrics *, size_t *len);

#endif
