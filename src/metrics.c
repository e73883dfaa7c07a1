/*
 * metrics: counters kept in fixed arrays, rendered as Prometheus text
 * (see metrics.h).  The plain counters and gauges come from the X-macro
 * lists of metrics.h (memcached's stats), so adding one is one line.
 *
 * Histograms have the fixed buckets below, stored per bucket and summed
 * into Prometheus' cumulative form when rendered; durations are kept in
 * microseconds so that sums stay exact integers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define STATUS_SLOTS	600		/* 0, then 100..599 */

/* Upper bounds of the latency buckets, microseconds and as labels. */
static const uint64_t bucket_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char *const bucket_le[] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10"
};
#define NBUCKETS NELEM(bucket_us)

_Static_assert(NELEM(bucket_us) == NELEM(bucket_le), "one label a bucket");

/* LiveKit's webhook events (livekit/protocol webhook.proto), then other. */
static const char *const webhook_events[] = {
	"room_started", "room_finished", "participant_joined",
	"participant_left", "participant_connection_aborted",
	"track_published", "track_unpublished", "egress_started",
	"egress_updated", "egress_ended", "ingress_started", "ingress_ended",
	"other"
};
#define NEVENTS NELEM(webhook_events)

struct histogram {
	uint64_t	 buckets[NBUCKETS + 1];	/* the last one is +Inf */
	uint64_t	 count;
	uint64_t	 sum_us;
};

struct metrics {
	struct metrics_labels labels;		/* its arrays owned */
	uint64_t	 counters[MC_COUNT];
	int64_t		 gauges[MG_COUNT];
	uint64_t	 (*requests)[STATUS_SLOTS];	/* [nroutes + 1] */
	struct histogram *req_latency;			/* [nroutes + 1] */
	uint64_t	*lk_calls;	/* [nlk_methods * nlk_outcomes] */
	struct histogram *lk_latency;			/* [nlk_methods] */
	uint64_t	 webhooks[NEVENTS];
	uint64_t	*ratelimited;			/* [nrl_classes] */
};

#define METRICS_ROW(sym, name, help) { name, help },
static const struct {
	const char	*name;
	const char	*help;
} counter_info[] = { METRICS_COUNTERS(METRICS_ROW) },
  gauge_info[] = { METRICS_GAUGES(METRICS_ROW) };
#undef METRICS_ROW

/* A copy of n label pointers (at least one slot, so never NULL). */
static const char *const *
labels_copy(const char *const *names, size_t n)
{
	const char **copy = xcalloc(n + 1, sizeof(*copy));

	if (n > 0)
		memcpy(copy, names, n * sizeof(*copy));
	return copy;
}

struct metrics *
metrics_new(const struct metrics_labels *l)
{
	struct metrics *m;

	m = xcalloc(1, sizeof(*m));
	m->labels = *l;
	m->labels.routes = labels_copy(l->routes, l->nroutes);
	m->labels.lk_methods = labels_copy(l->lk_methods, l->nlk_methods);
	m->labels.lk_outcomes = labels_copy(l->lk_outcomes, l->nlk_outcomes);
	m->labels.rl_classes = labels_copy(l->rl_classes, l->nrl_classes);
	m->requests = xcalloc(l->nroutes + 1, sizeof(*m->requests));
	m->req_latency = xcalloc(l->nroutes + 1, sizeof(*m->req_latency));
	m->lk_calls = xcalloc(l->nlk_methods * l->nlk_outcomes + 1,
	    sizeof(*m->lk_calls));
	m->lk_latency = xcalloc(l->nlk_methods + 1, sizeof(*m->lk_latency));
	m->ratelimited = xcalloc(l->nrl_classes + 1, sizeof(*m->ratelimited));
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free((void *)(uintptr_t)m->labels.routes);
	free((void *)(uintptr_t)m->labels.lk_methods);
	free((void *)(uintptr_t)m->labels.lk_outcomes);
	free((void *)(uintptr_t)m->labels.rl_classes);
	free(m->requests);
	free(m->req_latency);
	free(m->lk_calls);
	free(m->lk_latency);
	free(m->ratelimited);
	free(m);
}

void
metrics_inc(struct metrics *m, enum metrics_counter c)
{
	if (m == NULL)
		return;
	m->counters[c]++;
}

int64_t
metrics_gauge_value(const struct metrics *m, enum metrics_gauge g)
{
	return m->gauges[g];
}

uint64_t
metrics_value(const struct metrics *m, enum metrics_counter c)
{
	return m->counters[c];
}

void
metrics_counter_set(struct metrics *m, enum metrics_counter c, uint64_t v)
{
	if (m == NULL)
		return;
	m->counters[c] = v;
}

void
metrics_gauge_set(struct metrics *m, enum metrics_gauge g, int64_t v)
{
	if (m == NULL)
		return;
	m->gauges[g] = v;
}

void
metrics_gauge_add(struct metrics *m, enum metrics_gauge g, int64_t d)
{
	if (m == NULL)
		return;
	m->gauges[g] += d;
}

static void
observe(struct histogram *h, uint64_t us)
{
	size_t i;

	for (i = 0; i < NBUCKETS && us > bucket_us[i]; i++)
		;
	h->buckets[i]++;
	h->count++;
	h->sum_us += us;
}

void
metrics_request(struct metrics *m, size_t route, int status,
    uint64_t duration_us)
{
	if (m == NULL)
		return;
	if (route > m->labels.nroutes)
		route = m->labels.nroutes;
	if (status < 100 || status >= STATUS_SLOTS)
		status = 0;
	m->requests[route][status]++;
	observe(&m->req_latency[route], duration_us);
}

void
metrics_livekit(struct metrics *m, int method, int outcome,
    uint64_t duration_us)
{
	if (m == NULL || method < 0 || (size_t)method >= m->labels.nlk_methods ||
	    outcome < 0 || (size_t)outcome >= m->labels.nlk_outcomes)
		return;
	m->lk_calls[(size_t)method * m->labels.nlk_outcomes +
	    (size_t)outcome]++;
	observe(&m->lk_latency[method], duration_us);
}

void
metrics_webhook(struct metrics *m, const char *event)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < NEVENTS - 1; i++)
		if (event != NULL && strcmp(event, webhook_events[i]) == 0)
			break;
	m->webhooks[i]++;
}

void
metrics_ratelimited(struct metrics *m, unsigned int cls)
{
	if (m == NULL)
		return;
	if (cls < m->labels.nrl_classes)
		m->ratelimited[cls]++;
}

void
metrics_totals(const struct metrics *m, struct metrics_totals *t)
{
	size_t i, s;

	memset(t, 0, sizeof(*t));
	for (i = 0; i <= m->labels.nroutes; i++)
		for (s = 100; s < STATUS_SLOTS; s++) {
			t->requests += m->requests[i][s];
			if (s >= 500)
				t->errors_5xx += m->requests[i][s];
		}
	for (i = 0; i < m->labels.nrl_classes; i++)
		t->ratelimited += m->ratelimited[i];
	t->open_connections = m->gauges[MG_OPEN_CONNECTIONS];
}

/* --- rendering --- */

struct out {
	char	*buf;
	size_t	 len, cap;
};

static void out_printf(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("metrics: cannot format");
		if ((size_t)n < o->cap - o->len)
			break;
		o->cap = (o->cap + (size_t)n + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	o->len += (size_t)n;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP lkgate_%s %s\n# TYPE lkgate_%s %s\n", name, help,
	    name, type);
}

/* One histogram's lines; label is "name=\"value\"". */
static void
render_histogram(struct out *o, const char *name, const char *label,
    const struct histogram *h)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < NBUCKETS; i++) {
		cum += h->buckets[i];
		out_printf(o, "lkgate_%s_bucket{%s,le=\"%s\"} %llu\n", name,
		    label, bucket_le[i], (unsigned long long)cum);
	}
	out_printf(o, "lkgate_%s_bucket{%s,le=\"+Inf\"} %llu\n", name, label,
	    (unsigned long long)h->count);
	out_printf(o, "lkgate_%s_sum{%s} %llu.%06llu\n", name, label,
	    (unsigned long long)(h->sum_us / 1000000),
	    (unsigned long long)(h->sum_us % 1000000));
	out_printf(o, "lkgate_%s_count{%s} %llu\n", name, label,
	    (unsigned long long)h->count);
}

static const char *
route_label(const struct metrics *m, size_t i)
{
	return i < m->labels.nroutes ? m->labels.routes[i] : "none";
}

static void
render_plain(struct out *o, const struct metrics *m)
{
	size_t i;

	family(o, "build_info", "gauge", "lkgate's version, always 1.");
	out_printf(o, "lkgate_build_info{version=\"%s\"} 1\n", LKGATE_VERSION);
	for (i = 0; i < MC_COUNT; i++) {
		family(o, counter_info[i].name, "counter",
		    counter_info[i].help);
		out_printf(o, "lkgate_%s %llu\n", counter_info[i].name,
		    (unsigned long long)m->counters[i]);
	}
	for (i = 0; i < MG_COUNT; i++) {
		family(o, gauge_info[i].name, "gauge", gauge_info[i].help);
		out_printf(o, "lkgate_%s %lld\n", gauge_info[i].name,
		    (long long)m->gauges[i]);
	}
}

static void
render_requests(struct out *o, const struct metrics *m)
{
	char label[128];
	size_t i, s;

	family(o, "http_requests_total", "counter",
	    "Requests answered, by route and status (0: the client left "
	    "first).");
	for (i = 0; i <= m->labels.nroutes; i++)
		for (s = 0; s < STATUS_SLOTS; s++)
			if (m->requests[i][s] != 0)
				out_printf(o, "lkgate_http_requests_total{"
				    "route=\"%s\",status=\"%zu\"} %llu\n",
				    route_label(m, i), s,
				    (unsigned long long)m->requests[i][s]);
	family(o, "http_request_duration_seconds", "histogram",
	    "Time from a request's headers to its answer, by route.");
	for (i = 0; i <= m->labels.nroutes; i++) {
		if (m->req_latency[i].count == 0)
			continue;
		snprintf(label, sizeof(label), "route=\"%s\"",
		    route_label(m, i));
		render_histogram(o, "http_request_duration_seconds", label,
		    &m->req_latency[i]);
	}
}

static void
render_livekit(struct out *o, const struct metrics *m)
{
	const struct metrics_labels *l = &m->labels;
	const uint64_t *n;
	char label[128];
	size_t i, j;

	family(o, "livekit_calls_total", "counter",
	    "LiveKit Twirp calls, by method and outcome.");
	for (i = 0; i < l->nlk_methods; i++) {
		n = &m->lk_calls[i * l->nlk_outcomes];
		for (j = 0; j < l->nlk_outcomes; j++)
			if (n[j] != 0)
				out_printf(o, "lkgate_livekit_calls_total{"
				    "method=\"%s\",outcome=\"%s\"} %llu\n",
				    l->lk_methods[i], l->lk_outcomes[j],
				    (unsigned long long)n[j]);
	}
	family(o, "livekit_call_duration_seconds", "histogram",
	    "Duration of LiveKit Twirp calls, by method.");
	for (i = 0; i < l->nlk_methods; i++) {
		if (m->lk_latency[i].count == 0)
			continue;
		snprintf(label, sizeof(label), "method=\"%s\"",
		    l->lk_methods[i]);
		render_histogram(o, "livekit_call_duration_seconds", label,
		    &m->lk_latency[i]);
	}
}

static void
render_events(struct out *o, const struct metrics *m)
{
	size_t i;

	family(o, "webhooks_total", "counter",
	    "Verified LiveKit webhooks received, by event.");
	for (i = 0; i < NEVENTS; i++)
		out_printf(o, "lkgate_webhooks_total{event=\"%s\"} %llu\n",
		    webhook_events[i], (unsigned long long)m->webhooks[i]);
	family(o, "ratelimit_rejections_total", "counter",
	    "Requests refused with 429, by rate-limit class.");
	for (i = 0; i < m->labels.nrl_classes; i++)
		out_printf(o, "lkgate_ratelimit_rejections_total{class=\"%s\"} "
		    "%llu\n", m->labels.rl_classes[i],
		    (unsigned long long)m->ratelimited[i]);
}

char *
metrics_render(const struct metrics *m, size_t *len)
{
	struct out o;

	o.cap = 16384;
	o.len = 0;
	o.buf = xmalloc(o.cap);
	o.buf[0] = '\0';
	render_plain(&o, m);
	render_requests(&o, m);
	render_livekit(&o, m);
	render_events(&o, m);
	*len = o.len;
	return o.buf;
}
