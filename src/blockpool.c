/*
 * blockpool: memory blocks of a few sizes kept for reuse (see blockpool.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "blockpool.h"
#include "log.h"

#define HEAD		16	/* keeps the caller's bytes 16-byte aligned */
#define NCLASSES	20	/* 16..256 by 16, then 512..4096 */
#define CLASS_LARGE	0xffffu	/* not pooled: straight to malloc */
#define CHECK_OUT	0x6c6b6f75u	/* handed out */
#define CHECK_KEPT	0x6c6b6b70u	/* on a free list */
#define LIBEVENT_CAP	(128 * 1024)	/* free bytes kept a class */

struct head {
	uint32_t	 cls;
	uint32_t	 check;
	uint64_t	 pad;
};

/* A free block: its header, then the link in the caller's bytes. */
struct kept {
	struct head	 head;
	struct kept	*next;
};

struct blockpool {
	struct kept		*lists[NCLASSES];
	uint32_t		 nkept[NCLASSES];
	uint32_t		 maxkept[NCLASSES];	/* cap / class size */
	size_t			 reused;
	size_t			 fresh;
};

_Static_assert(sizeof(struct head) == HEAD, "the header keeps alignment");

static unsigned
size_class(size_t n)
{
	if (n <= 256)
		return n == 0 ? 0 : (unsigned)((n + 15) / 16 - 1);
	if (n > BLOCKPOOL_MAX_POOLED)
		return CLASS_LARGE;
	/* 257..4096: 16 + ceil(log2(n)) - 9 */
	return 16 + (unsigned)(64 - __builtin_clzll((unsigned long long)n - 1))
	    - 9;
}

static const uint16_t class_size[NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
	256, 512, 1024, 2048, 4096,
};

static size_t
class_bytes(unsigned cls)
{
	return class_size[cls];
}

size_t
blockpool_usable(size_t n)
{
	unsigned cls = size_class(n);

	return cls == CLASS_LARGE ? n : class_bytes(cls);
}

struct blockpool *
blockpool_new(size_t cap_bytes)
{
	struct blockpool *bp;
	size_t n;
	unsigned i;

	if ((bp = calloc(1, sizeof(*bp))) == NULL)
		return NULL;
	for (i = 0; i < NCLASSES; i++) {
		n = cap_bytes / class_size[i];
		bp->maxkept[i] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	return bp;
}

void
blockpool_free(struct blockpool *bp)
{
	struct kept *k;
	unsigned i;

	if (bp == NULL)
		return;
	for (i = 0; i < NCLASSES; i++)
		while ((k = bp->lists[i]) != NULL) {
			bp->lists[i] = k->next;
			free(k);
		}
	free(bp);
}

void *
blockpool_alloc(struct blockpool *bp, size_t n)
{
	unsigned cls = size_class(n);
	struct head *h;
	struct kept *k;

	if (cls != CLASS_LARGE && (k = bp->lists[cls]) != NULL) {
		bp->lists[cls] = k->next;
		bp->nkept[cls]--;
		bp->reused++;
		h = &k->head;
	} else {
		if (n > SIZE_MAX - HEAD)
			return NULL;
		if ((h = malloc(HEAD + (cls == CLASS_LARGE ? n :
		    class_bytes(cls)))) == NULL)
			return NULL;
		h->cls = cls;
		bp->fresh++;
	}
	h->check = CHECK_OUT;
	return (char *)h + HEAD;
}

/* The header of a block handed out; fatal when p is not one. */
static struct head *
head_of(void *p)
{
	struct head *h = (struct head *)(void *)((char *)p - HEAD);

	if (h->check == CHECK_KEPT)
		fatal("blockpool: a block was given back twice");
	if (h->check != CHECK_OUT ||
	    (h->cls != CLASS_LARGE && h->cls >= NCLASSES))
		fatal("blockpool: given back a block it never made");
	return h;
}

void
blockpool_release(struct blockpool *bp, void *p)
{
	struct head *h;
	struct kept *k;
	unsigned cls;

	if (p == NULL)
		return;
	h = head_of(p);
	cls = h->cls;
	if (cls == CLASS_LARGE || bp->nkept[cls] >= bp->maxkept[cls]) {
		h->check = 0;
		free(h);
		return;
	}
	h->check = CHECK_KEPT;
	k = (struct kept *)(void *)h;
	k->next = bp->lists[cls];
	bp->lists[cls] = k;
	bp->nkept[cls]++;
}

void *
blockpool_realloc(struct blockpool *bp, void *p, size_t n)
{
	struct head *h;
	size_t have = 0;
	void *q;

	if (p == NULL)
		return blockpool_alloc(bp, n);
	h = head_of(p);
	if (h->cls != CLASS_LARGE) {
		have = class_bytes(h->cls);
		if (n <= have && size_class(n) == h->cls)
			return p;
	} else {
		/* A large block's size is not recorded: grow it in place,
		 * as malloc would, and keep it large. */
		if (n <= BLOCKPOOL_MAX_POOLED)
			n = BLOCKPOOL_MAX_POOLED + 1;
		if (n > SIZE_MAX - HEAD ||
		    (h = realloc(h, HEAD + n)) == NULL)
			return NULL;
		return (char *)h + HEAD;
	}
	if ((q = blockpool_alloc(bp, n)) == NULL)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	blockpool_release(bp, p);
	return q;
}

void
blockpool_stats(const struct blockpool *bp, struct blockpool_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < NCLASSES; i++) {
		st->kept_blocks += bp->nkept[i];
		st->kept_bytes += (size_t)bp->nkept[i] * class_size[i];
	}
	st->reused = bp->reused;
	st->fresh = bp->fresh;
}

/* --- libevent's pool --- */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOCKPOOL_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BLOCKPOOL_UNDER_ASAN 1
#endif

#ifndef BLOCKPOOL_UNDER_ASAN
static struct blockpool *libevent_pool;

static void *
libevent_malloc(size_t n)
{
	return blockpool_alloc(libevent_pool, n);
}

static void *
libevent_realloc(void *p, size_t n)
{
	return blockpool_realloc(libevent_pool, p, n);
}

static void
libevent_free(void *p)
{
	blockpool_release(libevent_pool, p);
}
#endif

void
blockpool_install_libevent(void)
{
#ifndef BLOCKPOOL_UNDER_ASAN
	if (libevent_pool != NULL)
		return;
	if ((libevent_pool = blockpool_new(LIBEVENT_CAP)) == NULL)
		fatal("blockpool: out of memory");
	event_set_mem_functions(libevent_malloc, libevent_realloc,
	    libevent_free);
#endif
}
