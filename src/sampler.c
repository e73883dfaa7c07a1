/*
 * sampler: the metrics ring's writer (see sampler.h).  The LiveKit counts
 * come from ListRooms with no names (every room: its num_participants
 * summed), counted as the answer arrives (lk_count_rooms: never held, so
 * a LiveKit with many rooms costs no memory peak), and counted in
 * lkgate_livekit_calls_total like any other call.  RSS and CPU time are
 * procstat's.
 */
#include <sys/time.h>

#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "conf.h"
#include "lkclient.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "mring.h"
#include "procstat.h"
#include "sampler.h"
#include "util.h"

struct sampler {
	struct lkgate	*g;
	struct event	*timer;
	struct mring	*ring;
	struct lk_call	*call;		/* the ListRooms on its way */
	int64_t		 asked_t;	/* wall seconds of its tick */
	uint64_t	 cpu_us;	/* CPU time at the previous sample */
	uint64_t	 cpu_ms;	/* and the monotonic time then */
	long long	 started;	/* wall seconds */
};

/* Resident set size in KiB, 0 when unknown. */
static uint32_t
rss_kb(const struct procstat *ps)
{
	if (ps->rss_bytes < 0)
		return 0;
	return ps->rss_bytes / 1024 > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(ps->rss_bytes / 1024);
}

/* CPU used since the previous sample, per mille of one core. */
static uint16_t
cpu_permille(struct sampler *sp, const struct procstat *ps)
{
	uint64_t us, now = util_mono_ms(), per;

	if (ps->cpu_seconds < 0)
		return 0;
	us = (uint64_t)(ps->cpu_seconds * 1e6);
	per = now > sp->cpu_ms && us >= sp->cpu_us ?
	    (us - sp->cpu_us) / (now - sp->cpu_ms) : 0;
	sp->cpu_us = us;
	sp->cpu_ms = now;
	return per > UINT16_MAX ? UINT16_MAX : (uint16_t)per;
}

static uint32_t
clamp32(uint64_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* Records a sample; res is the count's result, NULL when LiveKit was not
 * asked. */
static void
record(struct sampler *sp, const struct lk_result *res)
{
	struct metrics_totals tot;
	struct msample s = { 0 };
	struct procstat ps;

	metrics_totals(sp->g->metrics, &tot);
	s.t = (uint32_t)sp->asked_t;
	s.requests = (uint32_t)tot.requests;
	s.errors_5xx = (uint32_t)tot.errors_5xx;
	s.ratelimited = (uint32_t)tot.ratelimited;
	s.connections = tot.open_connections > 0 ?
	    (uint32_t)tot.open_connections : 0;
	if (res == NULL)
		s.lk_up = MS_LK_OFF;
	else {
		s.lk_up = res->outcome == LK_OK ? MS_LK_UP : MS_LK_DOWN;
		s.lk_latency_ms = (uint32_t)res->elapsed_ms;
		if (s.lk_up == MS_LK_UP) {
			s.rooms = clamp32(res->rooms);
			s.participants = clamp32(res->participants);
		}
	}
	procstat_read(&ps);
	s.rss_kb = rss_kb(&ps);
	s.cpu_permille = cpu_permille(sp, &ps);
	mring_push(sp->ring, &s);
}

static void
listed(void *arg, const struct lk_result *res)
{
	struct sampler *sp = arg;

	sp->call = NULL;
	if (res->shared)
		metrics_inc(sp->g->metrics, MC_LIVEKIT_SHARED);
	else
		metrics_livekit(sp->g->metrics, LK_LIST_ROOMS,
		    (int)res->outcome, (uint64_t)res->elapsed_ms * 1000);
	record(sp, res);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct sampler *sp = arg;

	(void)fd;
	(void)what;
	if (sp->call != NULL) {
		log_debug("metrics sample skipped: the previous ListRooms is "
		    "still on its way");
		return;
	}
	sp->asked_t = util_wall_s();
	if (!sp->g->conf->metrics_livekit) {
		record(sp, NULL);
		return;
	}
	sp->call = lk_count_rooms(sp->g->lk, listed, sp);
}

struct sampler *
sampler_new(struct lkgate *g)
{
	struct timeval tv = { MRING_INTERVAL_S, 0 };
	struct sampler *sp;

	sp = xcalloc(1, sizeof(*sp));
	sp->g = g;
	sp->ring = mring_new((size_t)(g->conf->metrics_history /
	    MRING_INTERVAL_S));
	sp->started = util_wall_s();
	sp->cpu_ms = util_mono_ms();
	if ((sp->timer = event_new(g->base, -1, EV_PERSIST, tick, sp)) ==
	    NULL || event_add(sp->timer, &tv) == -1)
		fatal("cannot start the metrics sampler");
	event_active(sp->timer, EV_TIMEOUT, 0);
	return sp;
}

void
sampler_free(struct sampler *sp)
{
	if (sp == NULL)
		return;
	lk_cancel(sp->call);
	event_free(sp->timer);
	mring_free(sp->ring);
	free(sp);
}

const struct mring *
sampler_ring(const struct sampler *sp)
{
	return sp->ring;
}

long long
sampler_started(const struct sampler *sp)
{
	return sp->started;
}
