/*
 * Unit tests of metrics: what is counted shows in the rendering, in the
 * Prometheus text format (every line a comment or `name{labels} value`,
 * every name prefixed lkgate_, histograms cumulative with +Inf = count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lkclient.h"
#include "lkgate.h"
#include "metrics.h"
#include "ratelim.h"
#include "router.h"
#include "tap.h"
#include "util.h"

static void h(struct rq *rq) { (void)rq; }

static const struct route table[] = {
	{ .method = M_GET, .pattern = "/health",
	    .name = "health", .auth = AUTH_NONE,
	    .rclass = RC_DEFAULT, .body = BODY_ANY,
	    .handler = h },
	{ .method = M_POST, .pattern = "/api/sessions",
	    .name = "session_create", .auth = AUTH_API_KEY,
	    .rclass = RC_CREATE, .body = BODY_JSON,
	    .handler = h },
};

/* 1 when text has the whole line. */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* 1 when c may appear in a metric name. */
static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == ':';
}

/* Checks one sample line: lkgate_name, optional {k="v",...}, a number. */
static int
sample_ok(const char *l, size_t n)
{
	const char *e = l + n, *p = l;
	char num[64];
	char *end;

	if (n < 8 || strncmp(l, "lkgate_", 7) != 0)
		return 0;
	while (p < e && name_char((unsigned char)*p))
		p++;
	if (p < e && *p == '{') {
		while (p < e && *p != '}') {
			p++;
			while (p < e && name_char((unsigned char)*p))
				p++;
			if (e - p < 2 || p[0] != '=' || p[1] != '"')
				return 0;
			for (p += 2; p < e && *p != '"'; p++)
				if (*p == '\\' || *p == '\n')
					return 0;
			if (++p >= e || (*p != ',' && *p != '}'))
				return 0;
		}
		p++;
	}
	if (p >= e || *p++ != ' ' || (size_t)(e - p) >= sizeof(num) || p == e)
		return 0;
	memcpy(num, p, (size_t)(e - p));
	num[e - p] = '\0';
	strtod(num, &end);
	return *end == '\0';
}

static void
test_format(const char *text)
{
	const char *p = text, *nl;
	int lines = 0, bad = 0;

	while (*p != '\0') {
		if ((nl = strchr(p, '\n')) == NULL) {
			bad++;
			break;
		}
		if (strncmp(p, "# HELP lkgate_", 14) == 0 ||
		    strncmp(p, "# TYPE lkgate_", 14) == 0)
			;
		else if (!sample_ok(p, (size_t)(nl - p))) {
			bad++;
			printf("# bad line: %.*s\n", (int)(nl - p), p);
		}
		lines++;
		p = nl + 1;
	}
	ok(lines > 50 && bad == 0, "%d lines, all comments or samples", lines);
}

/* A struct metrics labelled as main labels it, with the table above. */
static struct metrics *
new_metrics(void)
{
	const char *route[NELEM(table)], *method[LK_METHOD_COUNT];
	struct metrics_labels l;
	size_t i;

	for (i = 0; i < NELEM(table); i++)
		route[i] = table[i].name;
	for (i = 0; i < LK_METHOD_COUNT; i++)
		method[i] = lk_method_name((enum lk_method)i);
	l.routes = route;
	l.nroutes = NELEM(table);
	l.lk_methods = method;
	l.nlk_methods = LK_METHOD_COUNT;
	l.lk_outcomes = lk_outcome_names;
	l.nlk_outcomes = LK_OUTCOME_COUNT;
	l.rl_classes = ratelim_class_names;
	l.nrl_classes = RL_NCLASSES;
	return metrics_new(&l);	/* copies the arrays: locals are fine */
}

static void
test_counts(void)
{
	struct metrics *m = new_metrics();
	char *text;
	size_t len;

	metrics_request(m, 0, 200, 300);		/* 0.0003 s */
	metrics_request(m, 0, 200, 1000);		/* exactly 0.001 */
	metrics_request(m, 0, 200, 2000000);		/* 2 s */
	metrics_request(m, 1, 429, 40);
	metrics_request(m, 1, 0, 40);
	metrics_request(m, 9, 404, 20000000);		/* no route, 20 s */
	metrics_inc(m, MC_SESSIONS_CREATED);
	metrics_inc(m, MC_SESSIONS_CREATED);
	metrics_inc(m, MC_ROOMS_ENDED);
	metrics_gauge_set(m, MG_INFLIGHT, 3);
	metrics_gauge_add(m, MG_OPEN_CONNECTIONS, 2);
	metrics_gauge_add(m, MG_OPEN_CONNECTIONS, -1);
	metrics_livekit(m, LK_CREATE_ROOM, LK_OK, 12000);
	metrics_livekit(m, LK_CREATE_ROOM, LK_TIMEOUT, 5000000);
	metrics_livekit(m, LK_DELETE_ROOM, LK_CANCELLED, 100);
	metrics_livekit(m, LK_METHOD_COUNT, LK_OK, 1);	/* ignored */
	metrics_webhook(m, "room_finished");
	metrics_webhook(m, "room_finished");
	metrics_webhook(m, "made_up_event");
	metrics_webhook(m, NULL);
	metrics_ratelimited(m, RC_TOKEN);
	metrics_ratelimited(m, 17);			/* ignored */
	is_int((long long)metrics_value(m, MC_SESSIONS_CREATED), 2,
	    "metrics_value");

	text = metrics_render(m, &len);
	is_int((long long)len, (long long)strlen(text), "length is right");
	test_format(text);
	ok(has_line(text, "lkgate_build_info{version=\"" LKGATE_VERSION
	    "\"} 1"), "build info");
	ok(has_line(text, "# TYPE lkgate_http_requests_total counter"),
	    "requests are a counter");
	ok(has_line(text, "lkgate_http_requests_total{route=\"health\","
	    "status=\"200\"} 3"), "requests by route and status");
	ok(has_line(text, "lkgate_http_requests_total{route=\"session_create\","
	    "status=\"429\"} 1"), "a 429");
	ok(has_line(text, "lkgate_http_requests_total{route=\"session_create\","
	    "status=\"0\"} 1"), "a request the client left");
	ok(has_line(text, "lkgate_http_requests_total{route=\"none\","
	    "status=\"404\"} 1"), "an unrouted request");
	ok(strstr(text, "route=\"health\",status=\"404\"") == NULL,
	    "no zero series");
	ok(has_line(text, "# TYPE lkgate_http_request_duration_seconds "
	    "histogram"), "latency is a histogram");
	ok(has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"health\",le=\"0.001\"} 2"), "le is inclusive");
	ok(has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"health\",le=\"1\"} 2"), "cumulative up to 1 s");
	ok(has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"health\",le=\"2.5\"} 3"), "2 s in the 2.5 bucket");
	ok(has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"health\",le=\"+Inf\"} 3"), "+Inf is the count");
	ok(has_line(text, "lkgate_http_request_duration_seconds_sum{"
	    "route=\"health\"} 2.001300"), "sum in seconds, exact");
	ok(has_line(text, "lkgate_http_request_duration_seconds_count{"
	    "route=\"health\"} 3"), "count");
	ok(has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"none\",le=\"10\"} 0") &&
	    has_line(text, "lkgate_http_request_duration_seconds_bucket{"
	    "route=\"none\",le=\"+Inf\"} 1"), "over 10 s: only in +Inf");
	ok(has_line(text, "lkgate_sessions_created_total 2"), "sessions");
	ok(has_line(text, "lkgate_rooms_ended_total 1"), "rooms ended");
	ok(has_line(text, "lkgate_rooms_created_total 0"), "zero counters");
	ok(has_line(text, "lkgate_inflight_requests 3"), "in flight");
	ok(has_line(text, "lkgate_open_connections 1"), "open connections");
	ok(has_line(text, "lkgate_livekit_calls_total{method=\"CreateRoom\","
	    "outcome=\"ok\"} 1"), "LiveKit ok");
	ok(has_line(text, "lkgate_livekit_calls_total{method=\"CreateRoom\","
	    "outcome=\"timeout\"} 1"), "LiveKit timeout");
	ok(has_line(text, "lkgate_livekit_calls_total{method=\"DeleteRoom\","
	    "outcome=\"cancelled\"} 1"), "LiveKit cancelled");
	ok(has_line(text, "lkgate_livekit_call_duration_seconds_count{"
	    "method=\"CreateRoom\"} 2"), "LiveKit latency");
	ok(has_line(text, "lkgate_livekit_call_duration_seconds_bucket{"
	    "method=\"CreateRoom\",le=\"0.025\"} 1"), "LiveKit buckets");
	ok(has_line(text, "lkgate_webhooks_total{event=\"room_finished\"} 2"),
	    "webhooks by event");
	ok(has_line(text, "lkgate_webhooks_total{event=\"other\"} 2"),
	    "unknown events are other");
	ok(has_line(text, "lkgate_webhooks_total{event=\"room_started\"} 0"),
	    "every event listed");
	ok(has_line(text, "lkgate_ratelimit_rejections_total{class=\"token\"} "
	    "1"), "rejections by class");
	ok(has_line(text, "lkgate_ratelimit_rejections_total{class=\"auth\"} "
	    "0"), "every class listed");
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}

int
main(void)
{
	test_counts();
	return tap_done();
}
