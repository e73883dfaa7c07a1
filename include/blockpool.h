/*
 * blockpool: memory blocks of a few sizes, kept when freed and handed out
 * again, for libevent's own allocations.
 *
 * Why: evhttp allocates about fifty blocks a request (each header's
 * record, name and value, the request, its buffers, 1 KiB buffer chains)
 * and frees them a loop turn later.  A turn serves up to 64 connections,
 * more than glibc's per-size caches hold (7 blocks), so most of them went
 * through malloc's slow paths, and every 1 KiB chain made it consolidate
 * its small free chunks: a fifth of lkgate's instructions on the token
 * route.  A block here is taken from and put back on a list.
 *
 * A block has a 16-byte header before the caller's bytes (its size class
 * and a check word), so the caller's pointer is 16-byte aligned like
 * malloc's.  Sizes up to BLOCKPOOL_MAX_POOLED bytes are rounded up to a
 * class (16-byte steps to 256, then powers of two); a class keeps at most
 * cap_bytes of free blocks, the rest go back to malloc; larger sizes go
 * to malloc and back every time.
 *
 * Ownership: a block from blockpool_alloc or blockpool_realloc belongs to
 * the caller until given back with blockpool_release to the same pool.
 * Giving back a pointer that no pool made, or one twice, is caught by the
 * check word when it can be and is then a fatal error.  A pool is used by
 * one thread.  Allocation failure: NULL, as malloc.
 *
 * blockpool_install_libevent() makes libevent allocate from one pool of
 * this module's own, for the life of the process: libevent's memory hooks
 * take no argument, so that pool is the module's one global.  Call it
 * before any other libevent call.  Under AddressSanitizer it does nothing,
 * so that libevent's memory stays checked block by block.
 */
#ifndef LKGATE_BLOCKPOOL_H
#define LKGATE_BLOCKPOOL_H

#include <stddef.h>

#define BLOCKPOOL_MAX_POOLED	4096	/* larger sizes are not kept */

struct blockpool;

struct blockpool_stats {
	size_t	 kept_bytes;	/* in free blocks, ready to hand out */
	size_t	 kept_blocks;
	size_t	 reused;	/* allocations served from a list */
	size_t	 fresh;		/* allocations that went to malloc */
};

/* A pool keeping at most cap_bytes of free blocks a size class. */
struct blockpool *blockpool_new(size_t cap_bytes);
/* Frees the kept blocks and the pool; blocks still out must not be given
 * back to it afterwards. */
void	blockpool_free(struct blockpool *);
void	*blockpool_alloc(struct blockpool *, size_t);
/* As realloc: NULL p allocates; the contents are kept up to the smaller
 * size; the block stays where it is when its class still fits. */
void	*blockpool_realloc(struct blockpool *, void *p, size_t);
/* Gives a block back; NULL is ignored. */
void	 blockpool_release(struct blockpool *, void *p);
/* The bytes a block of this size may hold (its class's size). */
size_t	 blockpool_usable(size_t);
void	 blockpool_stats(const struct blockpool *, struct blockpool_stats *);

void	 blockpool_install_libevent(void);

#endif
