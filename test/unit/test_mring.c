/*
 * test_mring: the metrics ring (wrap-around, ages, the 24 h ring's size),
 * windows (counters mod 2^32 across a wrap), the history's even spread,
 * and the alerts each threshold raises, with times given.
 */
#include <stdint.h>
#include <string.h>

#include "mring.h"
#include "tap.h"

#define T0 1700000000

static struct msample
sample(uint32_t t, uint32_t req, uint32_t e5, uint32_t rl, int up,
    uint32_t lat)
{
	struct msample s;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.requests = req;
	s.errors_5xx = e5;
	s.ratelimited = rl;
	s.lk_up = (uint8_t)up;
	s.lk_latency_ms = lat;
	s.rooms = 3;
	s.participants = 7;
	return s;
}

static void
test_ring(void)
{
	struct mring *r;
	struct msample s;
	uint32_t i;

	r = mring_new(MRING_MAX_SAMPLES * 2);
	is_int((long long)mring_capacity(r), 17280, "at most 24 h of 5 s");
	is_int((long long)mring_bytes(r), 691200, "the 24 h ring: 691,200 B");
	mring_free(r);
	r = mring_new(0);
	is_int((long long)mring_capacity(r), 1, "at least one sample");
	mring_free(r);
	mring_free(NULL);

	r = mring_new(4);
	ok(mring_at(r, 0) == NULL, "empty");
	for (i = 0; i < 6; i++) {
		s = sample(T0 + i * 5, i, 0, 0, 1, 1);
		mring_push(r, &s);
	}
	is_int((long long)mring_count(r), 4, "full at capacity");
	is_int(mring_at(r, 0)->requests, 5, "newest");
	is_int(mring_at(r, 3)->requests, 2, "oldest kept");
	ok(mring_at(r, 4) == NULL, "nothing older");
	mring_free(r);
}

static void
test_window(void)
{
	struct mring *r = mring_new(100);
	struct mwindow w;
	struct msample s;

	mring_window(r, T0, 60, &w);
	is_int(w.seconds, 0, "no samples: empty window");
	s = sample(T0 - 100, 0, 0, 0, 1, 1);	/* outside the window */
	mring_push(r, &s);
	s = sample(T0 - 60, UINT32_MAX - 9, 5, 1, 1, 1);
	mring_push(r, &s);
	s = sample(T0 - 30, 5, 6, 2, 1, 1);
	mring_push(r, &s);
	s = sample(T0, 20, 8, 4, 1, 1);
	mring_push(r, &s);
	mring_window(r, T0, 60, &w);
	is_int(w.requests, 30, "requests across the 2^32 wrap");
	is_int(w.errors_5xx, 3, "5xx");
	is_int(w.ratelimited, 3, "429s");
	is_int(w.seconds, 60, "from the oldest sample inside");
	mring_window(r, T0, 10, &w);
	is_int(w.seconds, 0, "one sample: empty window");
	mring_free(r);
}

static void
test_select(void)
{
	const struct msample *out[100];
	struct mring *r = mring_new(1000);
	struct msample s;
	size_t n;
	uint32_t i;

	for (i = 0; i < 721; i++) {	/* one hour and the one at T0 - 3600 */
		s = sample(T0 - 3600 + i * 5, i, 0, 0, 1, 1);
		mring_push(r, &s);
	}
	n = mring_select(r, T0, 60, 100, out);
	is_int((long long)n, 13, "a minute: every sample of it");
	n = mring_select(r, T0, 60, 10, out);
	is_int((long long)n, 10, "limit honoured");
	is_int(out[0]->t, T0 - 60, "oldest first");
	is_int(out[9]->t, T0, "the newest last");
	n = mring_select(r, T0, 3600, 5, out);
	is_int((long long)n, 5, "spread over the hour");
	is_int(out[0]->t, T0 - 3600, "from its start");
	is_int(out[2]->t, T0 - 1800, "through its middle");
	is_int(out[4]->t, T0, "to now");
	n = mring_select(r, T0, 3600, 1, out);
	is_int((long long)n, 1, "limit 1: the newest");
	is_int(out[0]->t, T0, "the newest");
	is_int((long long)mring_select(r, T0 + 10000, 60, 5, out), 0,
	    "nothing that recent");
	mring_free(r);
}

static const struct mthresholds th = { 5, 1000, 100, 300 };

static void
test_alerts(void)
{
	struct malert a[MRING_MAX_ALERTS];
	struct mring *r = mring_new(100);
	struct msample s;

	is_int((long long)mring_alerts(r, &th, T0, a), 0, "no sample: none");
	s = sample(T0 - 20, 0, 0, 0, 1, 20);
	mring_push(r, &s);
	s = sample(T0 - 15, 100, 5, 100, 1, 20);
	mring_push(r, &s);
	is_int((long long)mring_alerts(r, &th, T0, a), 0,
	    "at the thresholds: none (5%, 100 429s)");
	s = sample(T0 - 10, 200, 16, 101, 0, 5000);
	mring_push(r, &s);
	s = sample(T0 - 5, 200, 16, 101, 0, 5000);
	mring_push(r, &s);
	is_int((long long)mring_alerts(r, &th, T0, a), 3, "three alerts");
	is_str(a[0].id, "livekit_unreachable", "LiveKit down first");
	is_int(a[0].severity, MA_CRITICAL, "critical");
	is_str(a[0].component, "livekit", "its component");
	is_int(a[0].since, T0 - 10, "since the first failed sample");
	is_str(a[1].id, "error_rate_5xx", "the 5xx share");
	is_int(a[1].severity, MA_WARNING, "a warning");
	is_str(a[1].component, "performance", "its component");
	ok(a[1].value > 7.99 && a[1].value < 8.01, "8%% of 200");
	is_str(a[2].id, "rate_limited", "the 429s");
	is_str(a[2].component, "network", "its component");
	ok(a[2].value == 101, "101 refused");
	ok(strstr(a[2].message, "101 requests refused") != NULL,
	    "a message with the numbers");

	s = sample(T0, 200, 16, 101, 1, 1500);
	mring_push(r, &s);
	is_int((long long)mring_alerts(r, &th, T0, a), 3, "LiveKit back");
	is_str(a[0].id, "livekit_latency", "but slow");
	is_int(a[0].severity, MA_WARNING, "a warning");
	ok(a[0].value == 1500 && a[0].threshold == 1000, "value, threshold");
	is_int(a[0].since, T0, "since it came back slow");
	is_int((long long)mring_alerts(r, &th, T0 + 400, a), 1,
	    "the window's alerts pass with the window");
	s = sample(T0 + 5, 200, 16, 101, MS_LK_OFF, 0);
	mring_push(r, &s);
	is_int((long long)mring_alerts(r, &th, T0 + 400, a), 0,
	    "LiveKit not asked: no LiveKit alert");
	mring_free(r);
}

static void
test_severity(void)
{
	is_int(malert_severity_parse("warning"), MA_WARNING, "warning");
	is_int(malert_severity_parse("critical"), MA_CRITICAL, "critical");
	is_int(malert_severity_parse("Warning"), -1, "case matters");
	is_str(malert_severity_name(MA_ERROR), "error", "name");
}

int
main(void)
{
	test_ring();
	test_window();
	test_select();
	test_alerts();
	test_severity();
	return tap_done();
}
