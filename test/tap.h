/*
 * tap: a tiny Test Anything Protocol producer for the C unit tests.
 * Each check prints "ok N - name" or "not ok N - name"; tap_done() prints
 * the plan and returns the process exit status.
 */
#ifndef LKGATE_TAP_H
#define LKGATE_TAP_H

#include <stddef.h>

int	tap_ok(int cond, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	tap_is_int(long long got, long long want, const char *name);
int	tap_is_str(const char *got, const char *want, const char *name);
int	tap_is_mem(const void *got, size_t gotlen, const void *want,
	    size_t wantlen, const char *name);
/* Prints the plan; returns 0 when every check passed, else 1. */
int	tap_done(void);

#define ok(c, ...)	tap_ok((c), __VA_ARGS__)
#define is_int(g, w, n)	tap_is_int((g), (w), (n))
#define is_str(g, w, n)	tap_is_str((g), (w), (n))

#endif
