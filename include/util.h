/*
 * util: allocation wrappers that never return NULL, bounded string
 * helpers, clocks and identifiers.
 *
 * The x* allocators call fatal() on exhaustion: every input lkgate accepts
 * has a ceiling, so running out of memory is never caused by a client.
 *
 * util_read_file() is the one reader of whole files (the configuration,
 * the files its options name, JWKS files): blocking, for start-up and
 * reloads only, never on a request's path.
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

/* The longest decimal text of a long long: "-9223372036854775808". */
#define UTIL_LL_TEXT_MAX 20

/* Writes the decimal text of v to out (no NUL) and returns its length,
 * at most UTIL_LL_TEXT_MAX. */
size_t	 util_ll_text(char *out, long long v);

/*
 * Parses a decimal integer in [min, max] from the whole of s.  Returns 0,
 * or -1 with *why set to a static English reason.
 */
int	 util_parse_ll(const char *s, long long min, long long max,
	    long long *out, const char **why);

struct stat;

#define UTIL_READ_REGULAR 0x1	/* refuse what is not a regular file
				   (else only a directory is refused, so
				   that /dev/null may stand for a file) */

/*
 * Reads all of the file at path, at most max bytes, into *buf: *len
 * bytes and a NUL after them; the caller frees it.  Returns 0, or -1 with
 * *err set to a message starting with path that the caller frees (and
 * *buf NULL; what was read is wiped first, as files may hold secrets).
 * missing (may be NULL) is set to 1 when the file does not exist, else 0;
 * st (may be NULL) receives the file's status.
 */
int	 util_read_file(const char *path, size_t max, int flags, char **buf,
	    size_t *len, struct stat *st, int *missing, char **err);

/* Writes len random bytes (getrandom); fatal() if the kernel refuses. */
void	 util_random_bytes(void *buf, size_t len);

#endif
