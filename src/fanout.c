/*
 * fanout: which item of a walk to start, and which to take, when calls
 * are made several at a time and their answers taken in order (see
 * include/fanout.h).  A window of width items from the next to take:
 * items start at its front, answers are taken at its back.
 */
#include <stddef.h>
#include <stdint.h>

#include "fanout.h"
#include "log.h"

void
fanout_init(struct fanout *f, size_t n, size_t width)
{
	if (width == 0 || width > FANOUT_WIDTH_MAX)
		fatal("fanout: width %zu is not 1 to %d", width,
		    FANOUT_WIDTH_MAX);
	f->n = n;
	f->width = width;
	f->next = 0;
	f->taken = 0;
	f->out = 0;
	f->stopped = 0;
	f->answered = 0;
}

int
fanout_start(struct fanout *f, size_t *item)
{
	if (f->stopped || f->next == f->n || f->next - f->taken >= f->width)
		return 0;
	*item = f->next++;
	f->out++;
	return 1;
}

void
fanout_answered(struct fanout *f, size_t item, int failed)
{
	uint32_t bit;

	if (item < f->taken || item >= f->next)
		fatal("fanout: item %zu answered, not out", item);
	bit = (uint32_t)1 << (item % f->width);
	if (f->answered & bit)
		fatal("fanout: item %zu answered twice", item);
	f->answered |= bit;
	f->out--;
	if (failed)
		f->stopped = 1;
}

int
fanout_take(struct fanout *f, size_t *item)
{
	uint32_t bit;

	if (f->taken == f->next)
		return 0;
	bit = (uint32_t)1 << (f->taken % f->width);
	if ((f->answered & bit) == 0)
		return 0;
	f->answered &= ~bit;
	*item = f->taken++;
	return 1;
}

int
fanout_done(const struct fanout *f)
{
	return f->taken == f->n;
}
