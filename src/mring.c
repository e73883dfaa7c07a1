/*
 * mring: the samples' ring and what is read from it (see mring.h).  The
 * ring is one array written round; ages count back from the newest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mring.h"
#include "util.h"

_Static_assert(sizeof(struct msample) == 40, "a sample stays 40 bytes");

struct mring {
	struct msample	*s;
	size_t		 cap;
	size_t		 n;
	size_t		 next;		/* where the next push goes */
};

struct mring *
mring_new(size_t capacity)
{
	struct mring *r;

	if (capacity < 1)
		capacity = 1;
	if (capacity > MRING_MAX_SAMPLES)
		capacity = MRING_MAX_SAMPLES;
	r = xcalloc(1, sizeof(*r));
	r->s = xcalloc(capacity, sizeof(*r->s));
	r->cap = capacity;
	return r;
}

void
mring_free(struct mring *r)
{
	if (r == NULL)
		return;
	free(r->s);
	free(r);
}

size_t
mring_bytes(const struct mring *r)
{
	return r->cap * sizeof(*r->s);
}

size_t
mring_capacity(const struct mring *r)
{
	return r->cap;
}

void
mring_push(struct mring *r, const struct msample *s)
{
	r->s[r->next] = *s;
	r->next = (r->next + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
}

size_t
mring_count(const struct mring *r)
{
	return r->n;
}

const struct msample *
mring_at(const struct mring *r, size_t age)
{
	if (age >= r->n)
		return NULL;
	return &r->s[(r->next + r->cap - 1 - age) % r->cap];
}

/* How many of the newest samples are not older than now - seconds. */
static size_t
count_since(const struct mring *r, int64_t now, int64_t seconds)
{
	const struct msample *s;
	size_t k = 0;

	while ((s = mring_at(r, k)) != NULL && (int64_t)s->t >= now - seconds)
		k++;
	return k;
}

void
mring_window(const struct mring *r, int64_t now, int64_t seconds,
    struct mwindow *w)
{
	const struct msample *a, *b;
	size_t k;

	memset(w, 0, sizeof(*w));
	if ((k = count_since(r, now, seconds)) < 2)
		return;
	a = mring_at(r, k - 1);
	b = mring_at(r, 0);
	w->requests = b->requests - a->requests;
	w->errors_5xx = b->errors_5xx - a->errors_5xx;
	w->ratelimited = b->ratelimited - a->ratelimited;
	w->seconds = b->t - a->t;
}

size_t
mring_select(const struct mring *r, int64_t now, int64_t period,
    size_t limit, const struct msample **out)
{
	size_t k, j;

	k = count_since(r, now, period);
	if (limit == 0 || k == 0)
		return 0;
	if (k <= limit) {
		for (j = 0; j < k; j++)
			out[j] = mring_at(r, k - 1 - j);
		return k;
	}
	if (limit == 1) {
		out[0] = mring_at(r, 0);
		return 1;
	}
	/* Evenly over the k samples, the oldest and the newest included. */
	for (j = 0; j < limit; j++)
		out[j] = mring_at(r, (k - 1) - j * (k - 1) / (limit - 1));
	return limit;
}

static const char *const severity_names[] = {
	"info", "warning", "error", "critical"
};

const char *
malert_severity_name(enum malert_severity s)
{
	if ((unsigned)s >= NELEM(severity_names))
		return "unknown";
	return severity_names[s];
}

int
malert_severity_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(severity_names); i++)
		if (strcmp(name, severity_names[i]) == 0)
			return (int)i;
	return -1;
}

/* The time of the oldest of the newest samples for which holds() is
 * true without a break. */
static int64_t
run_start(const struct mring *r, const struct mthresholds *th,
    int (*holds)(const struct msample *, const struct mthresholds *))
{
	const struct msample *s, *first = mring_at(r, 0);
	size_t age = 0;

	while ((s = mring_at(r, age)) != NULL && holds(s, th)) {
		first = s;
		age++;
	}
	return first->t;
}

static int
lk_down(const struct msample *s, const struct mthresholds *th)
{
	(void)th;
	return s->lk_up == MS_LK_DOWN;
}

static int
lk_slow(const struct msample *s, const struct mthresholds *th)
{
	return s->lk_up == MS_LK_UP &&
	    (long long)s->lk_latency_ms > th->lk_latency_ms;
}

static struct malert *
add(struct malert *a, const char *id, enum malert_severity sev,
    const char *component, double value, double threshold, int64_t since)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->severity = sev;
	a->component = component;
	a->value = value;
	a->threshold = threshold;
	a->since = since;
	return a;
}

/* The window's alerts: the 5xx share and the rate-limit refusals. */
static size_t
window_alerts(const struct mring *r, const struct mthresholds *th,
    int64_t now, struct malert *out)
{
	struct mwindow w;
	struct malert *a;
	size_t n = 0;
	double pct;

	mring_window(r, now, th->window_s, &w);
	if (w.seconds == 0)
		return 0;
	pct = w.requests > 0 ? 100.0 * w.errors_5xx / w.requests : 0.0;
	if (w.requests > 0 && pct > (double)th->pct_5xx) {
		a = add(&out[n++], "error_rate_5xx", MA_WARNING, "performance",
		    pct, (double)th->pct_5xx, now - w.seconds);
		snprintf(a->message, sizeof(a->message), "%.1f%% of the %u "
		    "answers of the last %u s were 5xx (threshold %lld%%)",
		    pct, w.requests, w.seconds, th->pct_5xx);
	}
	if ((long long)w.ratelimited > th->ratelimited) {
		a = add(&out[n++], "rate_limited", MA_WARNING, "network",
		    w.ratelimited, (double)th->ratelimited, now - w.seconds);
		snprintf(a->message, sizeof(a->message), "%u requests refused "
		    "with 429 in the last %u s (threshold %lld)",
		    w.ratelimited, w.seconds, th->ratelimited);
	}
	return n;
}

size_t
mring_alerts(const struct mring *r, const struct mthresholds *th,
    int64_t now, struct malert *out)
{
	const struct msample *s;
	struct malert *a;
	size_t n = 0;

	if ((s = mring_at(r, 0)) == NULL)
		return 0;
	if (lk_down(s, th)) {
		a = add(&out[n++], "livekit_unreachable", MA_CRITICAL,
		    "livekit", 0, 0, run_start(r, th, lk_down));
		snprintf(a->message, sizeof(a->message), "LiveKit did not "
		    "answer ListRooms since %lld", (long long)a->since);
	} else if (lk_slow(s, th)) {
		a = add(&out[n++], "livekit_latency", MA_WARNING, "livekit",
		    s->lk_latency_ms, (double)th->lk_latency_ms,
		    run_start(r, th, lk_slow));
		snprintf(a->message, sizeof(a->message), "LiveKit answered "
		    "ListRooms in %u ms (threshold %lld ms)",
		    s->lk_latency_ms, th->lk_latency_ms);
	}
	return n + window_alerts(r, th, now, out + n);
}
