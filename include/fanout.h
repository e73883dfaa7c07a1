/*
 * fanout: the bookkeeping of a walk through n items that makes one call
 * per item, at most width at once, and takes the answers in item order
 * whatever order they come in.  Pure: it makes no call and keeps no
 * answer; it says which item to start next and which answered item to
 * take next.
 *
 * An item starts only while it is fewer than width items ahead of the
 * next one to take, so that at most width are out, and at most width
 * answered or out, at any time: the caller keeps an item's answer in
 * slot item % width of an array of width until it takes it.  Once an
 * answer is marked failed no item starts any more; those before it are
 * still taken in order, so that the first failure in item order is the
 * one the caller meets, whatever order the answers came in.
 *
 * Misuse (a width out of range, an item answered that is not out) is a
 * fatal error.
 */
#ifndef LKGATE_FANOUT_H
#define LKGATE_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#define FANOUT_WIDTH_MAX	32

struct fanout {
	size_t		 n;		/* items */
	size_t		 width;
	size_t		 next;		/* the next item to start */
	size_t		 taken;		/* items 0 .. taken - 1 are taken */
	size_t		 out;		/* started and not answered */
	int		 stopped;	/* an answer failed: none starts */
	uint32_t	 answered;	/* bit item % width: answered, not
					   taken */
};

/* A walk through n items (0 is fine), width (1 .. FANOUT_WIDTH_MAX) at a
 * time. */
void	fanout_init(struct fanout *, size_t n, size_t width);
/* 1 with *item set to the item to start now, counted out; 0 when none
 * may start (width out or held, all started, or stopped). */
int	fanout_start(struct fanout *, size_t *item);
/* Item, which is out, answered; failed: start no other item. */
void	fanout_answered(struct fanout *, size_t item, int failed);
/* 1 with *item set to the next item in order when it has answered (it is
 * taken: its slot is free again); 0 when it has not, or all are taken. */
int	fanout_take(struct fanout *, size_t *item);
/* 1 once every item was taken. */
int	fanout_done(const struct fanout *);

#endif
