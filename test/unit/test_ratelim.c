/*
 * Unit tests of ratelim: parsing limits, the refill arithmetic (exact,
 * overflow-safe, clock going back), bursts, refusals that take nothing,
 * reset and retry times, separate keys and classes, and the table bound
 * under a flood of a million distinct keys.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelim.h"
#include "tap.h"

static const uint8_t seed[RL_SEED_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};

static void
test_siphash(void)
{
	uint8_t in[15];
	size_t i;

	/* The reference vectors of the SipHash paper's implementation. */
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	ok(ratelim_siphash(seed, in, 0) == 0x726fdb47dd0e0e31ULL,
	    "siphash of nothing");
	ok(ratelim_siphash(seed, in, 8) == 0x93f5f5799a932462ULL,
	    "siphash of 8 bytes");
	ok(ratelim_siphash(seed, in, 15) == 0xa129ca6149be45e5ULL,
	    "siphash of 15 bytes");
}

static void
parses(const char *text, unsigned int cls, uint32_t count, uint32_t ms)
{
	struct rl_limit l;
	unsigned int c = 99;
	char *why = NULL;

	if (ratelim_parse(text, &c, &l, &why) == -1) {
		ok(0, "parses %s: %s", text, why);
		free(why);
		return;
	}
	ok(c == cls && l.count == count && l.period_ms == ms,
	    "parses %s (class %u, %u per %u ms)", text, c, l.count,
	    l.period_ms);
}

static void
refuses(const char *text, const char *part)
{
	struct rl_limit l;
	unsigned int c;
	char *why = NULL;

	if (ratelim_parse(text, &c, &l, &why) == 0) {
		ok(0, "refuses %s", text);
		return;
	}
	ok(why != NULL && strstr(why, part) != NULL, "refuses %s: %s", text,
	    why != NULL ? why : "(no reason)");
	free(why);
}

static void
test_parse(void)
{
	parses("default=100/15m", 0, 100, 900000);
	parses("auth=10/1m", 1, 10, 60000);
	parses("token=20/1m", 2, 20, 60000);
	parses("create=5/1h", 3, 5, 3600000);
	parses("token=3/s", 2, 3, 1000);
	parses("default=1/24h", 0, 1, 86400000);
	parses("default=1000000/86400s", 0, 1000000, 86400000);
	refuses("default=1/25h", "period");
	refuses("default=1/0m", "period");
	refuses("default=1/1x", "period");
	refuses("default=1/1m ", "period");
	refuses("default=1/", "period");
	refuses("bogus=1/1m", "unknown class");
	refuses("=1/1m", "unknown class");
	refuses("default=0/1m", "count");
	refuses("default=1000001/1m", "count");
	refuses("default=-1/1m", "count");
	refuses("default=/1m", "count");
	refuses("default=10", "class=N/PERIOD");
	refuses("default", "class=N/PERIOD");
	is_str(ratelim_class_name(2), "token", "class names");
	is_str(ratelim_class_name(7), "?", "class out of range");
}

static void
test_burst_and_refusal(void)
{
	struct rl_limit l = { 3, 60000 };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(64, seed);
	int i;

	for (i = 0; i < 3; i++) {
		ratelim_take(rl, 0, "k:app", &l, 1000, &v);
		ok(v.allowed && v.limit == 3 &&
		    v.remaining == (uint32_t)(2 - i),
		    "burst request %d allowed, %u left", i + 1, v.remaining);
	}
	is_int(v.reset_s, 60, "an empty bucket is full in 60 s");
	ratelim_take(rl, 0, "k:app", &l, 1000, &v);
	ok(!v.allowed, "fourth request refused");
	is_int(v.remaining, 0, "nothing remaining");
	is_int(v.retry_after_s, 20, "retry after 20 s (one token per 20 s)");
	/* Refusals take nothing: one token 20 s later, however many asked. */
	for (i = 0; i < 50; i++)
		ratelim_take(rl, 0, "k:app", &l, 1000 + 19999, &v);
	ok(!v.allowed && v.retry_after_s == 1, "still refused at 19.999 s, "
	    "retry after %u s", v.retry_after_s);
	ratelim_take(rl, 0, "k:app", &l, 21000, &v);
	ok(v.allowed && v.remaining == 0, "allowed at 20 s despite refusals");
	ratelim_take(rl, 0, "k:app", &l, 21000, &v);
	ok(!v.allowed, "and refused right after");
	ratelim_free(rl);
}

static void
test_refill(void)
{
	struct rl_limit l = { 10, 1000 };	/* one token per 100 ms */
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(64, seed);
	int i;

	for (i = 0; i < 10; i++)
		ratelim_take(rl, 1, "ip:192.0.2.1", &l, 5000, &v);
	ok(v.allowed && v.remaining == 0, "ten allowed");
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 5050, &v);
	ok(!v.allowed, "half a token is not a token");
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 5099, &v);
	ok(!v.allowed, "99 ms is not enough");
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 5100, &v);
	ok(v.allowed, "100 ms gives one token, partial refills kept");
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 5350, &v);
	ok(v.allowed && v.remaining == 1, "250 ms more gives 2.5 tokens: "
	    "one used, %u left", v.remaining);
	is_int(v.reset_s, 1, "reset rounds up to whole seconds");
	/* The clock going back refills nothing and breaks nothing. */
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 10, &v);
	ok(v.allowed && v.remaining == 0, "clock back: last token used");
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, 10, &v);
	ok(!v.allowed, "clock back: no refill");
	/* A huge jump fills the bucket without overflowing. */
	ratelim_take(rl, 1, "ip:192.0.2.1", &l, UINT64_MAX - 5, &v);
	ok(v.allowed && v.remaining == 9, "a huge jump: full, %u left",
	    v.remaining);
	ratelim_free(rl);
}

static void
test_extremes(void)
{
	struct rl_limit big = { RL_COUNT_MAX, RL_PERIOD_MAX_S * 1000u };
	struct rl_limit one = { 1, RL_PERIOD_MAX_S * 1000u };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(8, seed);

	ratelim_take(rl, 0, "big", &big, 0, &v);
	ok(v.allowed && v.remaining == RL_COUNT_MAX - 1,
	    "a million a day: %u left", v.remaining);
	is_int(v.reset_s, 1, "a million a day: one token in 86.4 ms");
	ratelim_take(rl, 0, "one", &one, 0, &v);
	ok(v.allowed && v.remaining == 0 && v.reset_s == 86400,
	    "one a day: full again in a day (%u s)", v.reset_s);
	ratelim_take(rl, 0, "one", &one, 1, &v);
	is_int(v.retry_after_s, 86400, "one a day: retry after a day");
	ratelim_take(rl, 0, "one", &one, 86400000, &v);
	ok(v.allowed, "one a day: allowed a day later");
	ratelim_free(rl);
}

static void
test_keys_and_classes(void)
{
	struct rl_limit l = { 1, 60000 }, l2 = { 2, 60000 }, off = { 0, 0 };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(64, seed);

	ratelim_take(rl, 2, "k:one", &l, 0, &v);
	ok(v.allowed, "key one allowed");
	ratelim_take(rl, 2, "k:one", &l, 0, &v);
	ok(!v.allowed, "key one then refused");
	ratelim_take(rl, 2, "k:two", &l, 0, &v);
	ok(v.allowed, "key two has its own bucket");
	ratelim_take(rl, 3, "k:one", &l, 0, &v);
	ok(v.allowed, "key one has another bucket in another class");
	ratelim_take(rl, 2, "k:one", &l2, 0, &v);
	ok(v.allowed && v.limit == 2 && v.remaining == 1,
	    "a changed limit starts a full bucket");
	is_int((long long)ratelim_size(rl), 3, "three entries");
	ratelim_take(rl, 0, "k:one", &off, 0, &v);
	ok(v.allowed && v.limit == 0, "no limit: allowed");
	is_int((long long)ratelim_size(rl), 3, "no limit: nothing stored");
	ratelim_free(rl);
}

static void
test_lru(void)
{
	struct rl_limit l = { 1, 60000 };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(2, seed);

	ratelim_take(rl, 0, "a", &l, 0, &v);
	ratelim_take(rl, 0, "b", &l, 1, &v);
	ratelim_take(rl, 0, "a", &l, 2, &v);
	ok(!v.allowed, "a refused, and now the most recent");
	ratelim_take(rl, 0, "c", &l, 3, &v);
	ok(v.allowed, "c evicts the least recent, b");
	is_int((long long)ratelim_size(rl), 2, "the table stays at 2");
	ratelim_take(rl, 0, "a", &l, 4, &v);
	ok(!v.allowed, "a is still remembered");
	ratelim_take(rl, 0, "b", &l, 5, &v);
	ok(v.allowed, "b was forgotten: a full bucket again");
	ratelim_free(rl);
}

static void
test_idle_reuse(void)
{
	struct rl_limit l = { 10, 1000 };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(1000, seed);
	char key[32];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "ip:%d", i);
		ratelim_take(rl, 0, key, &l, 0, &v);
	}
	is_int((long long)ratelim_size(rl), 5, "five keys, five entries");
	/* A second later every bucket is full: new keys reuse them. */
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "ip:new%d", i);
		ratelim_take(rl, 0, key, &l, 2000 + (uint64_t)i * 2000, &v);
	}
	is_int((long long)ratelim_size(rl), 5,
	    "idle entries are reused before the table grows");
	ratelim_free(rl);
}

/* Bytes malloc has handed out and not taken back. */
static size_t
heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void
test_flood(void)
{
	struct rl_limit l = { 5, 60000 };
	struct rl_verdict v;
	struct ratelim *rl = ratelim_new(4096, seed);
	size_t before, max = 0, i, allowed = 0;
	char key[32];

	before = heap_in_use();
	for (i = 0; i < 1000000; i++) {
		snprintf(key, sizeof(key), "ip:%zu", i);
		ratelim_take(rl, 1, key, &l, 1 + i / 1000, &v);
		allowed += v.allowed;
		if (ratelim_size(rl) > max)
			max = ratelim_size(rl);
	}
	is_int((long long)max, 4096, "a million keys: never over 4096 entries");
	is_int((long long)allowed, 1000000, "each new key got a full bucket");
	is_int((long long)(heap_in_use() - before), 0,
	    "a million keys: not one byte more of heap");
	/* The chains are intact after all that eviction. */
	for (i = 0; i < 5; i++)
		ratelim_take(rl, 1, "ip:999999", &l, 1001, &v);
	ok(!v.allowed, "the last key is still there and limited");
	ratelim_free(rl);
}

int
main(void)
{
	test_siphash();
	test_parse();
	test_burst_and_refusal();
	test_refill();
	test_extremes();
	test_keys_and_classes();
	test_lru();
	test_idle_reuse();
	test_flood();
	return tap_done();
}
