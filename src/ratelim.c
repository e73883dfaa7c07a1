/*
 * ratelim: token buckets in a bounded hash table (see ratelim.h).
 *
 * A bucket counts in units of 1/period_ms of a token, so that refilling is
 * exact integer arithmetic: each millisecond adds `count` units, a token
 * is period_ms units, a full bucket count * period_ms units.  The ranges
 * of a limit (count <= 10^6, period <= 1 day) keep a full bucket below
 * 2^47, and elapsed time is clamped to one period before it is
 * multiplied, so nothing overflows whatever the clock says (Tor's
 * token_bucket.c does the same clamping).
 *
 * Entries live in one array allocated at creation (untouched pages cost
 * nothing until used), chained per hash bucket and kept on an LRU list by
 * 32-bit indexes.  No entry is ever freed: eviction reuses the slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ratelim.h"
#include "util.h"

#define NIL		UINT32_MAX
#define TABLE_MAX	(1u << 24)	/* indexes stay below NIL */

struct rl_entry {
	uint64_t	 hash;
	uint64_t	 units;		/* tokens * period_ms */
	uint64_t	 last_ms;	/* when units was last brought up */
	uint32_t	 count;		/* the limit units are counted in */
	uint32_t	 period_ms;
	uint32_t	 chain;		/* next entry of the hash bucket */
	uint32_t	 prev, next;	/* LRU list; head is the most recent */
	uint8_t		 cls;
};

struct ratelim {
	struct rl_entry	*e;
	uint32_t	*heads;		/* first entry of each hash bucket */
	uint32_t	 mask;		/* hash buckets - 1 */
	uint32_t	 cap;
	uint32_t	 used;		/* slots handed out so far */
	uint32_t	 lru_head, lru_tail;
	uint8_t		 seed[RL_SEED_LEN];
};

const char *const ratelim_class_names[RL_NCLASSES] = {
	"default", "auth", "token", "create"
};

/* --- SipHash-2-4 (Aumasson and Bernstein), over cls and key --- */

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
ratelim_siphash(const uint8_t k[RL_SEED_LEN], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(k), k1 = le64(k + 8), m, b;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = 0; i < tail; i++)
		b |= (uint64_t)in[len - tail + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* --- the table --- */

struct ratelim *
ratelim_new(size_t capacity, const uint8_t seed[RL_SEED_LEN])
{
	struct ratelim *rl;
	size_t nb = 16;

	if (capacity == 0 || capacity > TABLE_MAX)
		fatal("ratelim_new: capacity %zu out of range", capacity);
	while (nb < capacity)
		nb <<= 1;
	rl = xcalloc(1, sizeof(*rl));
	rl->e = xcalloc(capacity, sizeof(*rl->e));
	rl->heads = xmalloc(nb * sizeof(*rl->heads));
	memset(rl->heads, 0xff, nb * sizeof(*rl->heads));	/* all NIL */
	rl->mask = (uint32_t)(nb - 1);
	rl->cap = (uint32_t)capacity;
	rl->lru_head = rl->lru_tail = NIL;
	memcpy(rl->seed, seed, RL_SEED_LEN);
	return rl;
}

void
ratelim_free(struct ratelim *rl)
{
	if (rl == NULL)
		return;
	free(rl->e);
	free(rl->heads);
	free(rl);
}

size_t
ratelim_size(const struct ratelim *rl)
{
	return rl->used;
}

size_t
ratelim_capacity(const struct ratelim *rl)
{
	return rl->cap;
}

static uint32_t
bucket_of(const struct ratelim *rl, uint64_t hash, unsigned int cls)
{
	return (uint32_t)((hash ^ (cls * 0x9e3779b97f4a7c15ULL)) & rl->mask);
}

static void
lru_unlink(struct ratelim *rl, uint32_t i)
{
	struct rl_entry *e = &rl->e[i];

	if (e->prev != NIL)
		rl->e[e->prev].next = e->next;
	else
		rl->lru_head = e->next;
	if (e->next != NIL)
		rl->e[e->next].prev = e->prev;
	else
		rl->lru_tail = e->prev;
}

static void
lru_push(struct ratelim *rl, uint32_t i)
{
	struct rl_entry *e = &rl->e[i];

	e->prev = NIL;
	e->next = rl->lru_head;
	if (rl->lru_head != NIL)
		rl->e[rl->lru_head].prev = i;
	else
		rl->lru_tail = i;
	rl->lru_head = i;
}

static void
chain_unlink(struct ratelim *rl, uint32_t i)
{
	uint32_t *p = &rl->heads[bucket_of(rl, rl->e[i].hash, rl->e[i].cls)];

	while (*p != i)
		p = &rl->e[*p].chain;
	*p = rl->e[i].chain;
}

static uint32_t
lookup(const struct ratelim *rl, uint64_t hash, unsigned int cls)
{
	uint32_t i;

	for (i = rl->heads[bucket_of(rl, hash, cls)]; i != NIL;
	    i = rl->e[i].chain)
		if (rl->e[i].hash == hash && rl->e[i].cls == cls)
			return i;
	return NIL;
}

static uint64_t
full_units(const struct rl_entry *e)
{
	return (uint64_t)e->count * e->period_ms;
}

/* Brings e's units up to now. */
static void
refill(struct rl_entry *e, uint64_t now_ms)
{
	uint64_t el, full = full_units(e);

	if (now_ms <= e->last_ms)
		return;
	el = now_ms - e->last_ms;
	e->last_ms = now_ms;
	/* After a whole period any bucket is full; never multiply more. */
	if (el >= e->period_ms || full - e->units <= el * e->count)
		e->units = full;
	else
		e->units += el * e->count;
}

/* 1 when e would be full at now: forgetting it changes nothing. */
static int
is_idle(const struct rl_entry *e, uint64_t now_ms)
{
	struct rl_entry t = *e;

	refill(&t, now_ms);
	return t.units == full_units(&t);
}

/* A slot for a new key: an idle LRU entry, a fresh one, or the LRU. */
static uint32_t
take_slot(struct ratelim *rl, uint64_t now_ms)
{
	uint32_t t = rl->lru_tail;

	if (t == NIL || (rl->used < rl->cap && !is_idle(&rl->e[t], now_ms)))
		return rl->used++;
	chain_unlink(rl, t);
	lru_unlink(rl, t);
	return t;
}

static void
fill(struct rl_entry *e, const struct rl_limit *lim, uint64_t now_ms)
{
	e->count = lim->count;
	e->period_ms = lim->period_ms;
	e->units = full_units(e);
	e->last_ms = now_ms;
}

static uint32_t
ceil_div(uint64_t a, uint64_t b)
{
	uint64_t q = a / b + (a % b != 0);

	return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

static void
verdict(const struct rl_entry *e, int allowed, struct rl_verdict *v)
{
	uint64_t tok = e->period_ms;

	v->allowed = allowed;
	v->limit = e->count;
	v->remaining = (uint32_t)(e->units / tok);
	/* milliseconds until full, then whole seconds, rounded up */
	v->reset_s = ceil_div(ceil_div(full_units(e) - e->units, e->count),
	    1000);
	v->retry_after_s = 0;
	if (!allowed) {
		v->retry_after_s = ceil_div(ceil_div(tok - e->units,
		    e->count), 1000);
		if (v->retry_after_s == 0)
			v->retry_after_s = 1;
	}
}

void
ratelim_take(struct ratelim *rl, unsigned int cls, const char *key,
    const struct rl_limit *lim, uint64_t now_ms, struct rl_verdict *v)
{
	struct rl_entry *e;
	uint64_t hash;
	uint32_t i, b;

	memset(v, 0, sizeof(*v));
	if (lim->count == 0 || lim->period_ms == 0) {
		v->allowed = 1;
		return;
	}
	hash = ratelim_siphash(rl->seed, key, strlen(key));
	if ((i = lookup(rl, hash, cls)) != NIL) {
		lru_unlink(rl, i);
		e = &rl->e[i];
		if (e->count != lim->count || e->period_ms != lim->period_ms)
			fill(e, lim, now_ms);
		else
			refill(e, now_ms);
	} else {
		i = take_slot(rl, now_ms);
		e = &rl->e[i];
		e->hash = hash;
		e->cls = (uint8_t)cls;
		b = bucket_of(rl, hash, cls);
		e->chain = rl->heads[b];
		rl->heads[b] = i;
		fill(e, lim, now_ms);
	}
	lru_push(rl, i);
	if (e->units >= e->period_ms) {
		e->units -= e->period_ms;
		verdict(e, 1, v);
	} else
		verdict(e, 0, v);
}

/* --- configuration text --- */

const char *
ratelim_class_name(unsigned int cls)
{
	return cls < RL_NCLASSES ? ratelim_class_names[cls] : "?";
}

static int
class_by_name(const char *s, size_t len)
{
	unsigned int i;

	for (i = 0; i < RL_NCLASSES; i++)
		if (strlen(ratelim_class_names[i]) == len &&
		    strncmp(ratelim_class_names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/* Parses PERIOD: optional count, then s, m or h; into milliseconds. */
static int
parse_period(const char *s, uint32_t *ms)
{
	long long n = 1, unit;
	const char *why;
	char num[16];
	size_t d = strspn(s, "0123456789");

	if (d >= sizeof(num) || s[d] == '\0' || s[d + 1] != '\0')
		return -1;
	if (d > 0) {
		memcpy(num, s, d);
		num[d] = '\0';
		if (util_parse_ll(num, 1, RL_PERIOD_MAX_S, &n, &why) == -1)
			return -1;
	}
	switch (s[d]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	default:
		return -1;
	}
	if (n * unit > RL_PERIOD_MAX_S)
		return -1;
	*ms = (uint32_t)(n * unit * 1000);
	return 0;
}

int
ratelim_parse(const char *text, unsigned int *cls, struct rl_limit *lim,
    char **why)
{
	const char *eq, *slash, *r;
	char num[16];
	long long n;
	int c;

	if ((eq = strchr(text, '=')) == NULL ||
	    (slash = strchr(eq, '/')) == NULL) {
		*why = xasprintf("\"%.64s\" is not class=N/PERIOD", text);
		return -1;
	}
	if ((c = class_by_name(text, (size_t)(eq - text))) == -1) {
		*why = xasprintf("unknown class \"%.*s\" (default, auth, token "
		    "or create)", (int)(eq - text) > 64 ? 64 : (int)(eq - text),
		    text);
		return -1;
	}
	if ((size_t)(slash - eq - 1) >= sizeof(num)) {
		*why = xasprintf("%s: count too long",
		    ratelim_class_names[c]);
		return -1;
	}
	memcpy(num, eq + 1, (size_t)(slash - eq - 1));
	num[slash - eq - 1] = '\0';
	if (util_parse_ll(num, 1, RL_COUNT_MAX, &n, &r) == -1) {
		*why = xasprintf("%s: count \"%s\" %s (1..%d)",
		    ratelim_class_names[c], num, r, RL_COUNT_MAX);
		return -1;
	}
	if (parse_period(slash + 1, &lim->period_ms) == -1) {
		*why = xasprintf("%s: period \"%.16s\" is not like 1s, 1m, 15m "
		    "or 1h (at most 24h)", ratelim_class_names[c], slash + 1);
		return -1;
	}
	lim->count = (uint32_t)n;
	*cls = (unsigned int)c;
	return 0;
}
