/*
 * sampler: every MRING_INTERVAL_S seconds (a libevent timer) records one
 * sample of lkgate's own counters, its RSS and CPU, and LiveKit's room
 * and participant counts into the metrics ring (mring.h).  LiveKit is
 * asked with one ListRooms per sample through lkclient (lk_count_rooms:
 * the answer is counted as it arrives, never held), never waited for:
 * the sample is written when the answer (or the failure) comes, and a
 * tick that finds the previous ListRooms still on its way skips.  The
 * history is per lkgate instance.
 */
#ifndef LKGATE_SAMPLER_H
#define LKGATE_SAMPLER_H

#include <stddef.h>

struct lkgate;
struct mring;

/* Starts sampling for the gate (its base, lk, metrics and conf must be
 * set); the first sample is asked for at once.  Never returns NULL. */
struct sampler	*sampler_new(struct lkgate *);
/* Stops the timer, cancels a ListRooms on its way and frees the ring;
 * before lkclient_free.  NULL is allowed. */
void		 sampler_free(struct sampler *);
/* The samples, borrowed. */
const struct mring *sampler_ring(const struct sampler *);
/* When lkgate started, wall seconds. */
long long	 sampler_started(const struct sampler *);

#endif
