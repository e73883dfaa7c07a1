/*
 * test_fanout: a walk's bookkeeping, driven by a fake LiveKit that answers
 * the calls out in an order a seeded generator picks: never more than
 * width out (nor out and held together), every answer taken once and in
 * item order, the width reached, and a failure stopping the starts while
 * the items before it are still taken.
 */
#include <stdint.h>
#include <string.h>

#include "fanout.h"
#include "tap.h"

#define ITEMS_MAX	600

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* xorshift64: the same sequence on every run. */
static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct run {
	size_t	 taken[ITEMS_MAX];	/* in the order taken */
	size_t	 ntaken;
	size_t	 started;
	size_t	 max_out;		/* the most out at once */
	size_t	 max_held;		/* the most out or answered, untaken */
	int	 in_order;
	int	 slot_clash;		/* two live items in one slot */
};

/*
 * Walks n items width at a time, answering a random one of those out
 * each turn; the item fail (n: none) fails.  Stops, like a caller, when
 * it takes the failed item.
 */
static void
walk(size_t n, size_t width, size_t fail, struct run *r)
{
	struct fanout f;
	size_t out[FANOUT_WIDTH_MAX], nout = 0, i, k, slot_of[FANOUT_WIDTH_MAX];
	int used[FANOUT_WIDTH_MAX];

	memset(r, 0, sizeof(*r));
	memset(used, 0, sizeof(used));
	r->in_order = 1;
	fanout_init(&f, n, width);
	for (;;) {
		while (fanout_start(&f, &i)) {
			if (used[i % width])
				r->slot_clash = 1;
			used[i % width] = 1;
			slot_of[i % width] = i;
			out[nout++] = i;
			r->started++;
		}
		if (nout > r->max_out)
			r->max_out = nout;
		if (f.next - f.taken > r->max_held)
			r->max_held = f.next - f.taken;
		if (nout == 0)
			break;
		k = (size_t)(next_random() % nout);
		i = out[k];
		out[k] = out[--nout];
		fanout_answered(&f, i, i == fail);
		while (fanout_take(&f, &i)) {
			if (i != r->ntaken || slot_of[i % width] != i)
				r->in_order = 0;
			used[i % width] = 0;
			r->taken[r->ntaken++] = i;
			if (i == fail)
				return;
		}
	}
	ok(fanout_done(&f) || fail < n, "n=%zu width=%zu: done", n, width);
}

static void
test_whole(void)
{
	static const size_t ns[] = { 0, 1, 2, 7, 8, 9, 100, ITEMS_MAX };
	static const size_t widths[] = { 1, 3, 8, FANOUT_WIDTH_MAX };
	struct run r;
	size_t a, b, n, w, want;
	int rep;

	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(widths) / sizeof(widths[0]); b++)
			for (rep = 0; rep < 3; rep++) {
				n = ns[a];
				w = widths[b];
				walk(n, w, n, &r);
				want = n < w ? n : w;
				ok(r.ntaken == n && r.started == n &&
				    r.in_order && !r.slot_clash,
				    "n=%zu width=%zu: all %zu taken once, in "
				    "order, one per slot", n, w, n);
				ok(r.max_out == want && r.max_held <= w,
				    "n=%zu width=%zu: %zu out at most, and "
				    "reached (%zu)", n, w, want, r.max_out);
			}
}

static void
test_failure(void)
{
	struct run r;
	size_t fail;

	for (fail = 0; fail < 40; fail += 13) {
		walk(300, 8, fail, &r);
		ok(r.ntaken == fail + 1 && r.taken[fail] == fail && r.in_order,
		    "failure at %zu: items 0 to %zu taken in order", fail,
		    fail);
		ok(r.started <= fail + 8,
		    "failure at %zu: %zu started, none past the window", fail,
		    r.started);
	}
}

/* Answers out of order are held, not taken, until the first comes. */
static void
test_held(void)
{
	struct fanout f;
	size_t i, got = 99;

	fanout_init(&f, 5, 3);
	ok(fanout_start(&f, &i) && i == 0, "item 0 starts");
	ok(fanout_start(&f, &i) && i == 1, "item 1 starts");
	ok(fanout_start(&f, &i) && i == 2, "item 2 starts");
	ok(!fanout_start(&f, &i), "a fourth waits for the width");
	fanout_answered(&f, 2, 0);
	fanout_answered(&f, 1, 1);
	ok(!fanout_take(&f, &got) && got == 99, "nothing taken before 0");
	ok(!fanout_start(&f, &i), "nothing starts after a failure");
	fanout_answered(&f, 0, 0);
	ok(fanout_take(&f, &got) && got == 0, "then 0");
	ok(fanout_take(&f, &got) && got == 1, "then 1, the failure");
	ok(!fanout_start(&f, &i), "still stopped");
	ok(!fanout_done(&f), "not done");

	fanout_init(&f, 0, 1);
	ok(fanout_done(&f) && !fanout_start(&f, &i) && !fanout_take(&f, &i),
	    "an empty walk is done at once");
}

int
main(void)
{
	test_held();
	test_whole();
	test_failure();
	return tap_done();
}
