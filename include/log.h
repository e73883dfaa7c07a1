/*
 * log: JSON lines on stderr, one object per line.
 *
 * The only global state of lkgate besides libcurl's.  Messages are plain
 * English; callers never pass secrets, tokens or request bodies.  Fields
 * added with log_event() are rendered as JSON strings or numbers.
 */
#ifndef LKGATE_LOG_H
#define LKGATE_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the threshold; messages below it are dropped. */
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
/* Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int	log_level_parse(const char *, enum log_level *);

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Logs at error level and exits with status 1. */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Writes one structured event: {"ts":..,"level":..,"event":name, ...}.
 * The variadic part is a NULL-terminated list of (const char *key,
 * const char *type, value) triples where type is "s" (const char *, NULL
 * allowed: rendered as null) or "i" (long long).
 */
void	log_event(enum log_level, const char *name, ...);

struct event_base;

/*
 * From log_attach until log_detach, lines wait in a bounded buffer that
 * base's loop writes out in the turn that filled it, never blocking on a
 * slow stderr (a pipe gets a non-blocking opening of its own); a line
 * that finds the buffer full is dropped and counted.  log_detach (and
 * fatal) write what waits, giving a slow reader at most a second; lines
 * are then written at once again.
 */
void	log_attach(struct event_base *base);
void	log_detach(void);
/* Lines dropped so far because stderr did not take them. */
uint64_t log_dropped(void);

/* Routes libevent's own diagnostics through this log. */
void	log_hook_libevent(void);

#endif
