/*
 * procstat: what the process itself uses, for the statistics routes:
 * resident memory (from /proc/self/statm, a read that never waits on a
 * disk) and CPU time (getrusage).
 */
#ifndef LKGATE_PROCSTAT_H
#define LKGATE_PROCSTAT_H

#include <stdint.h>

struct procstat {
	int64_t		 rss_bytes;	/* -1: unknown */
	double		 cpu_seconds;	/* user + system, since start */
};

/* Fills *ps; a figure the system does not give is -1. */
void	procstat_read(struct procstat *ps);

#endif
