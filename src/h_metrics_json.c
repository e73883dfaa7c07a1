/*
 * h_metrics_json: the Voice Chat app's /api/metrics/... routes, JSON views
 * of the sampler's ring (sampler.h, mring.h): lkgate's own counters, RSS
 * and CPU, and LiveKit's room and participant counts, every 5 s, per
 * instance (each answer says "scope":"instance" and names the host).
 * Fields of the seed that neither lkgate nor LiveKit's server API can
 * give (packet loss, audio latency, quality score, packets per second,
 * thread pool) are null.  Alerts come from the configured thresholds.
 *
 * Operators' views: an admin API key or a user with the admin role; any
 * other caller gets 403.  The app's envelope: {"success":true,"data":...},
 * errors {"success":false,"error","error_code","timestamp","request_id"}
 * (the routes carry ENVELOPE_VOICE_CHAT, so rq_reply_error and the front's own
 * refusals take that shape).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "mring.h"
#include "sampler.h"
#include "util.h"

#define ALERTS_LIMIT_MAX	100
#define HISTORY_LIMIT_MAX	1000
#define RATE_WINDOW_S		60

static const char *const components[] = {
	"audio", "performance", "network", "livekit"
};

/* --- the envelope's success; its errors are the front's envelope --- */

static void
mj_ok(struct rq *rq, cJSON *data)
{
	cJSON *o;

	o = json_new_object();
	json_add_bool(o, "success", 1);
	json_add_item(o, "data", data);
	rq_reply_json(rq, 200, o);
}

/* --- pieces --- */

static void
add_num(cJSON *o, const char *key, double v)
{
	cJSON *n;

	/* Three decimals at most: enough for a dashboard. */
	if ((n = cJSON_CreateNumber((double)(long long)(v * 1000 +
	    (v < 0 ? -0.5 : 0.5)) / 1000)) == NULL)
		fatal("cJSON_CreateNumber failed");
	json_add_item(o, key, n);
}

static const struct mring *
ring(struct rq *rq)
{
	return sampler_ring(rq_gate(rq)->sampler);
}

static void
thresholds(struct rq *rq, struct mthresholds *th)
{
	const struct conf *c = rq_gate(rq)->conf;

	th->pct_5xx = c->alert_5xx_percent;
	th->lk_latency_ms = c->alert_livekit_latency_ms;
	th->ratelimited = c->alert_ratelimited;
	th->window_s = c->alert_window;
}

static int
admin_only(struct rq *rq)
{
	if (rq_principal(rq)->admin)
		return 0;
	rq_reply_error(rq, E_PERMISSION_DENIED, "the metrics are for admins "
	    "(an admin API key or a user with the admin role)");
	return -1;
}

/* The fields every answer has: when, for what, since when. */
static cJSON *
data_new(struct rq *rq)
{
	char host[256];
	cJSON *d;

	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	d = json_new_object();
	json_add_int(d, "timestamp", util_wall_s());
	json_add_string(d, "scope", "instance");
	json_add_string(d, "instance", host);
	json_add_int(d, "uptime_seconds", util_wall_s() -
	    sampler_started(rq_gate(rq)->sampler));
	json_add_int(d, "interval_seconds", MRING_INTERVAL_S);
	return d;
}

/* Requests per second, 5xx percent and 429s per minute over the last
 * minute; null without two samples in it. */
static void
add_rates(cJSON *o, const struct mwindow *w, int which)
{
	if (w->seconds == 0) {
		json_add_null(o, which == 0 ? "requests_per_second" :
		    which == 1 ? "error_rate_5xx_percent" :
		    "rate_limited_per_minute");
		return;
	}
	if (which == 0)
		add_num(o, "requests_per_second",
		    (double)w->requests / w->seconds);
	else if (which == 1)
		add_num(o, "error_rate_5xx_percent", w->requests == 0 ? 0 :
		    100.0 * w->errors_5xx / w->requests);
	else
		add_num(o, "rate_limited_per_minute",
		    60.0 * w->ratelimited / w->seconds);
}

static void
add_count(cJSON *o, const char *key, const struct msample *s, uint32_t v)
{
	if (s == NULL || s->lk_up != MS_LK_UP)
		json_add_null(o, key);
	else
		json_add_int(o, key, v);
}

static cJSON *
audio_metrics(const struct msample *s)
{
	cJSON *o;

	o = json_new_object();
	add_count(o, "active_channels", s, s != NULL ? s->rooms : 0);
	add_count(o, "active_users", s, s != NULL ? s->participants : 0);
	json_add_null(o, "average_latency_ms");
	json_add_null(o, "packet_loss_percentage");
	json_add_null(o, "audio_quality_score");
	return o;
}

static cJSON *
performance_metrics(const struct msample *s, const struct mwindow *w)
{
	cJSON *o;

	o = json_new_object();
	if (s == NULL) {
		json_add_null(o, "cpu_usage_percent");
		json_add_null(o, "memory_usage_mb");
	} else {
		add_num(o, "cpu_usage_percent", s->cpu_permille / 10.0);
		add_num(o, "memory_usage_mb", s->rss_kb / 1024.0);
	}
	json_add_null(o, "thread_pool_utilization");
	add_rates(o, w, 0);
	add_rates(o, w, 1);
	return o;
}

static cJSON *
network_metrics(const struct msample *s, const struct mwindow *w)
{
	cJSON *o;

	o = json_new_object();
	json_add_null(o, "packets_received_per_second");
	json_add_null(o, "packets_sent_per_second");
	if (s == NULL)
		json_add_null(o, "connection_count");
	else
		json_add_int(o, "connection_count", s->connections);
	add_rates(o, w, 2);
	return o;
}

static cJSON *
livekit_metrics(const struct msample *s)
{
	cJSON *o;

	o = json_new_object();
	if (s == NULL || s->lk_up == MS_LK_OFF) {
		json_add_null(o, "reachable");
		json_add_null(o, "latency_ms");
	} else {
		json_add_bool(o, "reachable", s->lk_up == MS_LK_UP);
		json_add_int(o, "latency_ms", s->lk_latency_ms);
	}
	add_count(o, "rooms", s, s != NULL ? s->rooms : 0);
	add_count(o, "participants", s, s != NULL ? s->participants : 0);
	return o;
}

/* One component's metrics object, by its index in components[]. */
static cJSON *
component_metrics(struct rq *rq, size_t which)
{
	const struct msample *s = mring_at(ring(rq), 0);
	struct mwindow w;

	mring_window(ring(rq), util_wall_s(), RATE_WINDOW_S, &w);
	switch (which) {
	case 0:
		return audio_metrics(s);
	case 1:
		return performance_metrics(s, &w);
	case 2:
		return network_metrics(s, &w);
	default:
		return livekit_metrics(s);
	}
}

struct alerts {
	struct malert	 a[MRING_MAX_ALERTS];
	size_t		 n;
};

static void
alerts_now(struct rq *rq, struct alerts *al)
{
	struct mthresholds th;

	thresholds(rq, &th);
	al->n = mring_alerts(ring(rq), &th, util_wall_s(), al->a);
}

static cJSON *
alert_json(const struct malert *a)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "id", a->id);
	json_add_string(o, "severity", malert_severity_name(a->severity));
	json_add_string(o, "component", a->component);
	json_add_string(o, "message", a->message);
	add_num(o, "value", a->value);
	add_num(o, "threshold", a->threshold);
	json_add_int(o, "since", a->since);
	return o;
}

/* The health score: 1, less 0.25 a warning, 0 with a critical alert. */
static double
health_score(const struct alerts *al)
{
	double score = 1.0;
	size_t i;

	for (i = 0; i < al->n; i++) {
		if (al->a[i].severity == MA_CRITICAL)
			return 0.0;
		score -= 0.25;
	}
	return score < 0 ? 0 : score;
}

/* "critical", "degraded" or "healthy": the worst alert of component
 * (NULL: of any). */
static const char *
status_of(const struct alerts *al, const char *component)
{
	const char *st = "healthy";
	size_t i;

	for (i = 0; i < al->n; i++) {
		if (component != NULL &&
		    strcmp(al->a[i].component, component) != 0)
			continue;
		if (al->a[i].severity == MA_CRITICAL)
			return "critical";
		st = "degraded";
	}
	return st;
}

static void
add_health(cJSON *d, const struct alerts *al)
{
	cJSON *h;

	h = json_new_object();
	add_num(h, "overall_health_score", health_score(al));
	json_add_string(h, "status", status_of(al, NULL));
	json_add_item(d, "system_health", h);
}

/* --- the routes --- */

void
h_metrics_current(struct rq *rq)
{
	struct alerts al;
	cJSON *d;

	if (admin_only(rq) == -1)
		return;
	alerts_now(rq, &al);
	d = data_new(rq);
	json_add_item(d, "audio_metrics", component_metrics(rq, 0));
	json_add_item(d, "performance_metrics", component_metrics(rq, 1));
	json_add_item(d, "network_metrics", component_metrics(rq, 2));
	json_add_item(d, "livekit", component_metrics(rq, 3));
	add_health(d, &al);
	mj_ok(rq, d);
}

void
h_metrics_summary(struct rq *rq)
{
	const struct msample *s = mring_at(ring(rq), 0);
	struct alerts al;
	cJSON *d, *counts;
	size_t i, crit = 0;

	if (admin_only(rq) == -1)
		return;
	alerts_now(rq, &al);
	d = data_new(rq);
	json_add_string(d, "status", status_of(&al, NULL));
	add_num(d, "overall_health_score", health_score(&al));
	add_count(d, "active_channels", s, s != NULL ? s->rooms : 0);
	add_count(d, "active_users", s, s != NULL ? s->participants : 0);
	if (s == NULL || s->lk_up == MS_LK_OFF)
		json_add_null(d, "livekit_reachable");
	else
		json_add_bool(d, "livekit_reachable", s->lk_up == MS_LK_UP);
	for (i = 0; i < al.n; i++)
		crit += al.a[i].severity == MA_CRITICAL;
	counts = json_new_object();
	json_add_int(counts, "critical", (long long)crit);
	json_add_int(counts, "warning", (long long)(al.n - crit));
	json_add_item(d, "alerts", counts);
	json_add_int(d, "samples", (long long)mring_count(ring(rq)));
	json_add_int(d, "history_capacity", (long long)mring_capacity(
	    ring(rq)));
	json_add_int(d, "history_bytes", (long long)mring_bytes(ring(rq)));
	mj_ok(rq, d);
}

void
h_metrics_health(struct rq *rq)
{
	struct alerts al;
	cJSON *d, *comps, *c, *list;
	size_t i;

	if (admin_only(rq) == -1)
		return;
	alerts_now(rq, &al);
	d = data_new(rq);
	json_add_string(d, "status", status_of(&al, NULL));
	add_num(d, "overall_health_score", health_score(&al));
	comps = json_new_object();
	for (i = 0; i < NELEM(components); i++) {
		c = component_metrics(rq, i);
		/* Audio is LiveKit's media: its health is LiveKit's. */
		json_add_string(c, "status", status_of(&al,
		    i == 0 ? "livekit" : components[i]));
		json_add_item(comps, components[i], c);
	}
	json_add_item(d, "components", comps);
	list = json_new_array();
	for (i = 0; i < al.n; i++)
		json_append(list, alert_json(&al.a[i]));
	json_add_item(d, "alerts", list);
	mj_ok(rq, d);
}

/* A query integer in [min, max], def when absent; -1 after a 400. */
static int
query_int(struct rq *rq, const char *name, long long min, long long max,
    long long def, long long *out)
{
	const char *s, *why;

	*out = def;
	if ((s = rq_query(rq, name)) == NULL)
		return 0;
	if (util_parse_ll(s, min, max, out, &why) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be an integer from "
		    "%lld to %lld", name, min, max);
		return -1;
	}
	return 0;
}

static int
component_index(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(components); i++)
		if (strcmp(name, components[i]) == 0)
			return (int)i;
	return -1;
}

static cJSON *
thresholds_json(struct rq *rq)
{
	struct mthresholds th;
	cJSON *o;

	thresholds(rq, &th);
	o = json_new_object();
	json_add_int(o, "error_rate_5xx_percent", th.pct_5xx);
	json_add_int(o, "livekit_latency_ms", th.lk_latency_ms);
	json_add_int(o, "rate_limited", th.ratelimited);
	json_add_int(o, "window_seconds", th.window_s);
	return o;
}

void
h_metrics_alerts(struct rq *rq)
{
	const char *sev = rq_query(rq, "severity"), *comp;
	struct alerts al;
	long long limit;
	int min = MA_INFO;
	cJSON *d, *list;
	size_t i, n = 0;

	if (admin_only(rq) == -1)
		return;
	comp = rq_query(rq, "component");
	if (sev != NULL && (min = malert_severity_parse(sev)) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "severity must be info, "
		    "warning, error or critical");
		return;
	}
	if (comp != NULL && component_index(comp) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "component must be audio, "
		    "performance, network or livekit");
		return;
	}
	if (query_int(rq, "limit", 1, ALERTS_LIMIT_MAX, 50, &limit) == -1)
		return;
	alerts_now(rq, &al);
	list = json_new_array();
	for (i = 0; i < al.n && n < (size_t)limit; i++) {
		if ((int)al.a[i].severity < min || (comp != NULL &&
		    strcmp(comp, al.a[i].component) != 0 &&
		    !(strcmp(comp, "audio") == 0 &&
		    strcmp(al.a[i].component, "livekit") == 0)))
			continue;
		json_append(list, alert_json(&al.a[i]));
		n++;
	}
	d = data_new(rq);
	json_add_item(d, "alerts", list);
	json_add_int(d, "total", (long long)n);
	json_add_item(d, "thresholds", thresholds_json(rq));
	mj_ok(rq, d);
}

/* One history point; prev (or NULL) gives its rates. */
static cJSON *
point_json(const struct msample *s, const struct msample *prev)
{
	struct mwindow w = { 0 };
	cJSON *o;

	if (prev != NULL) {
		w.requests = s->requests - prev->requests;
		w.errors_5xx = s->errors_5xx - prev->errors_5xx;
		w.ratelimited = s->ratelimited - prev->ratelimited;
		w.seconds = s->t - prev->t;
	}
	o = json_new_object();
	json_add_int(o, "timestamp", s->t);
	add_count(o, "active_channels", s, s->rooms);
	add_count(o, "active_users", s, s->participants);
	if (s->lk_up == MS_LK_OFF) {
		json_add_null(o, "livekit_reachable");
		json_add_null(o, "livekit_latency_ms");
	} else {
		json_add_bool(o, "livekit_reachable", s->lk_up == MS_LK_UP);
		json_add_int(o, "livekit_latency_ms", s->lk_latency_ms);
	}
	add_rates(o, &w, 0);
	add_rates(o, &w, 1);
	add_rates(o, &w, 2);
	add_num(o, "cpu_usage_percent", s->cpu_permille / 10.0);
	add_num(o, "memory_usage_mb", s->rss_kb / 1024.0);
	json_add_int(o, "connection_count", s->connections);
	return o;
}

void
h_metrics_history(struct rq *rq)
{
	const struct msample **pick;
	long long limit, period;
	cJSON *d, *list;
	size_t i, n;

	if (admin_only(rq) == -1 ||
	    query_int(rq, "limit", 1, HISTORY_LIMIT_MAX, 100, &limit) == -1 ||
	    query_int(rq, "period", MRING_INTERVAL_S, 86400, 3600,
	    &period) == -1)
		return;
	pick = xcalloc((size_t)limit, sizeof(*pick));
	n = mring_select(ring(rq), util_wall_s(), period, (size_t)limit,
	    pick);
	list = json_new_array();
	for (i = 0; i < n; i++)
		json_append(list, point_json(pick[i], i > 0 ? pick[i - 1] :
		    NULL));
	free(pick);
	d = data_new(rq);
	json_add_int(d, "period_seconds", period);
	json_add_int(d, "limit", limit);
	json_add_int(d, "count", (long long)n);
	json_add_item(d, "samples", list);
	mj_ok(rq, d);
}

void
h_metrics_component(struct rq *rq)
{
	const char *name = rq_param(rq, 0);
	struct alerts al;
	cJSON *d, *list;
	size_t i;
	int c;

	if (admin_only(rq) == -1)
		return;
	if ((c = component_index(name)) == -1 || c == 3) {
		rq_reply_error(rq, E_NOT_FOUND, "component must be audio, "
		    "performance or network");
		return;
	}
	alerts_now(rq, &al);
	d = data_new(rq);
	json_add_string(d, "component", name);
	json_add_item(d, "metrics", component_metrics(rq, (size_t)c));
	json_add_string(d, "status", status_of(&al,
	    c == 0 ? "livekit" : name));
	list = json_new_array();
	for (i = 0; i < al.n; i++)
		if (strcmp(al.a[i].component, c == 0 ? "livekit" : name) == 0)
			json_append(list, alert_json(&al.a[i]));
	json_add_item(d, "alerts", list);
	mj_ok(rq, d);
}
