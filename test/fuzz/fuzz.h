/*
 * fuzz: what every fuzz target shares.  A target is one C file defining
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (make fuzz)
 * or with replay.c, which feeds it the files of a corpus (the suite).
 * A broken invariant aborts with a message, which both drivers report.
 */
#ifndef LKGATE_FUZZ_H
#define LKGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Aborts, naming the invariant, when cond is false. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
