/*
 * util: allocation wrappers that never return NULL, bounded string
 * helpers, clocks and identifiers.
 *
 * The x* allocators call fatal() on exhaustion: every input lkgate accepts
 * has a ceiling, so running out of memory is never caused by a client.
 */
#ifndef LKGATE_UTIL_H
#define LKGATE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FREE_AND_NULL(p) do { free(p); (p) = NULL; } while (0)

/* A canonical lowercase UUID string: 36 characters and a NUL. */
#define UUID_STR_LEN 37

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* Returns a copy the caller frees. */
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Returns a formatted string the caller frees. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Milliseconds of a monotonic clock (for durations). */
uint64_t util_mono_ms(void);
/* Seconds since the Unix epoch (for token claims and bodies). */
int64_t	 util_wall_s(void);

/* Writes a fresh random UUID (version 4, lowercase) into out. */
void	 util_uuid_random(char out[UUID_STR_LEN]);
/*
 * Writes the name-based UUID (version 5, SHA-1) of name within the
 * namespace UUID ns (a canonical string) into out.  Returns -1 when ns is
 * not a UUID.
 */
int	 util_uuid_v5(const char *ns, const char *name, size_t namelen,
	    char out[UUID_STR_LEN]);
/* Returns 1 when s is a canonical lowercase UUID, else 0. */
int	 util_is_uuid(const char *s);

/*
 * Parses a decimal integer in [min, max] from the whole of s.  Returns 0,
 * or -1 with *why set to a static English reason.
 */
int	 util_parse_ll(const char *s, long long min, long long max,
	    long long *out, const char **why);

/* Writes len random bytes (getrandom); fatal() if the kernel refuses. */
void	 util_random_bytes(void *buf, size_t len);

#endif
