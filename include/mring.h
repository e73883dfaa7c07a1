/*
 * mring: the history behind the metrics JSON routes: a bounded ring of
 * samples taken every MRING_INTERVAL_S seconds, the windows and history
 * views read from it, and the alerts derived from it with the configured
 * thresholds.  Pure: times come in; nothing here reads a clock.
 *
 * A sample is 40 bytes: counters are kept as running totals modulo 2^32
 * (a window's count is a difference, right while a window sees fewer than
 * 2^32 events), times as unsigned 32-bit seconds (good until 2106).  The
 * whole 24 h ring (17,280 samples) is 691,200 bytes, allocated once.
 */
#ifndef LKGATE_MRING_H
#define LKGATE_MRING_H

#include <stddef.h>
#include <stdint.h>

#define MRING_INTERVAL_S	5
#define MRING_MAX_SAMPLES	(86400 / MRING_INTERVAL_S)
#define MRING_MAX_ALERTS	4

struct msample {
	uint32_t	 t;		/* wall seconds */
	uint32_t	 requests;	/* answered since start, mod 2^32 */
	uint32_t	 errors_5xx;	/* of which 5xx, mod 2^32 */
	uint32_t	 ratelimited;	/* refused with 429, mod 2^32 */
	uint32_t	 rooms;		/* LiveKit's rooms (MS_LK_UP only) */
	uint32_t	 participants;	/* in them */
	uint32_t	 lk_latency_ms;	/* of the ListRooms that counted them */
	uint32_t	 connections;	/* open client connections */
	uint32_t	 rss_kb;
	uint16_t	 cpu_permille;	/* CPU time over the interval, 1000:
					   one core */
	uint8_t		 lk_up;		/* MS_LK_*: LiveKit answered? */
	uint8_t		 pad;
};

/* lk_up: LiveKit did not answer, answered, or was not asked
 * (metrics_livekit off): no LiveKit count, no LiveKit alert. */
#define MS_LK_DOWN	0
#define MS_LK_UP	1
#define MS_LK_OFF	2

struct mring;

/* A ring of capacity samples (1..MRING_MAX_SAMPLES, clamped); never
 * NULL. */
struct mring	*mring_new(size_t capacity);
void		 mring_free(struct mring *);	/* NULL allowed */
/* Bytes the ring's samples take (capacity * sizeof(struct msample)). */
size_t		 mring_bytes(const struct mring *);
size_t		 mring_capacity(const struct mring *);
/* Adds s, dropping the oldest sample when full. */
void		 mring_push(struct mring *, const struct msample *s);
size_t		 mring_count(const struct mring *);
/* The sample age steps back from the newest (0), or NULL. */
const struct msample *mring_at(const struct mring *, size_t age);

/* What happened in the window of the last seconds before now: the newest
 * sample against the oldest one not older than now - seconds. */
struct mwindow {
	uint32_t	 requests;
	uint32_t	 errors_5xx;
	uint32_t	 ratelimited;
	uint32_t	 seconds;	/* between the two samples; 0: one or
					   none */
};
void		 mring_window(const struct mring *, int64_t now,
		    int64_t seconds, struct mwindow *);

/*
 * At most limit samples of the last period seconds before now, oldest
 * first, evenly spread over the samples there (every one when they are
 * no more than limit).  Fills out (limit entries) and returns how many.
 */
size_t		 mring_select(const struct mring *, int64_t now,
		    int64_t period, size_t limit, const struct msample **out);

enum malert_severity { MA_INFO, MA_WARNING, MA_ERROR, MA_CRITICAL };

/* "info", ...; and back: -1 for an unknown name. */
const char	*malert_severity_name(enum malert_severity);
int		 malert_severity_parse(const char *);

struct mthresholds {
	long long	 pct_5xx;	/* share of 5xx answers, percent */
	long long	 lk_latency_ms;
	long long	 ratelimited;	/* 429s in the window */
	long long	 window_s;
};

struct malert {
	const char	*id;		/* "livekit_unreachable", ... */
	enum malert_severity severity;
	const char	*component;	/* "livekit", "performance",
					   "network" */
	double		 value;
	double		 threshold;
	int64_t		 since;		/* wall seconds */
	char		 message[160];
};

/* The alerts that hold at the newest sample, most severe first; returns
 * how many (at most MRING_MAX_ALERTS). */
size_t		 mring_alerts(const struct mring *, const struct mthresholds *,
		    int64_t now, struct malert *out);

#endif
