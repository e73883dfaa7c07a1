/*
 * conf_files: the options whose value is a file to read: a _FILE
 * secret, an API key file, a JWKS file of user JWT keys, the CAs,
 * certificate and key of Redis over TLS.  Each file is
 * read whole through util_read_file under its ceiling, secrets are wiped
 * once used, and a file holding secrets that others may read is warned
 * about.
 *
 * Below the table (conf_table.c names these parsers) and the engine; uses
 * only the text helpers (conf_values.c) and the lists (conf_lists.c).
 * Errors are messages the caller frees, starting with the file's path.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "crypto_tls.h"
#include "jwks.h"
#include "log.h"
#include "util.h"

#define SECRET_FILE_MAX	(64 * 1024)	/* a _FILE file, a key file */

/* Warns when a file holding secrets can be read by others. */
static void
warn_readable(const char *path, const struct stat *st)
{
	if (st->st_mode & (S_IRGRP | S_IROTH))
		log_warn("%s holds credentials but is readable by group or others "
		    "(chmod 600 it)", path);
}

/*
 * Reads a secret from a file into so's field; trailing newlines are not
 * part of it.  Its length limits are those of so, the OPT_SECRET row the
 * file stands in for.
 */
int
conf_read_secret_file(const struct conf_opt *so, struct conf *c,
    const char *text, char **why)
{
	struct stat st;
	char *buf;
	size_t len;
	int missing, r;

	if (*text == '\0') {
		*why = xstrdup("no file named");
		return -1;
	}
	if (util_read_file(text, SECRET_FILE_MAX, 0, &buf, &len, &st, &missing,
	    why) == -1)
		return -1;
	warn_readable(text, &st);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	r = 0;
	if (strlen(buf) != len ||
	    !conf_is_visible(buf, (size_t)so->min, (size_t)so->max)) {
		*why = xasprintf("%s: must hold %lld-%lld visible ASCII "
		    "characters", text, so->min, so->max);
		r = -1;
	} else
		conf_str_set(c, so->off, xstrdup(buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/* Adds the keys of a file: one entry a line, '#' comments, blank lines. */
int
conf_parse_api_keys_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	struct conf_lines l;
	struct stat st;
	const char *lwhy;
	char *buf, *msg;
	size_t len;
	int missing, r;

	(void)o;
	*why = NULL;
	if (util_read_file(text, SECRET_FILE_MAX, 0, &buf, &len, &st, &missing,
	    why) == -1)
		return -1;
	warn_readable(text, &st);
	l.p = buf;
	l.end = buf + len;
	l.lineno = 0;
	while ((r = conf_lines_next(&l, &lwhy)) == 1) {
		conf_strip_comment(l.buf, 0);
		if (conf_split_list(c, l.buf, conf_api_key_add, &msg) == -1) {
			*why = xasprintf("%s:%d: %s", text, l.lineno, msg);
			free(msg);
			r = -1;
			break;
		}
	}
	if (r == -1 && *why == NULL)
		*why = xasprintf("%s:%d: %s", text, l.lineno, lwhy);
	explicit_bzero(l.buf, sizeof(l.buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/* Logs a key of a JWKS file that lkgate has no use for. */
static void
jwks_skipped(void *arg, size_t i, const char *kid, const char *why)
{
	if (kid != NULL)
		log_warn("%s: keys[%zu] (kid \"%.*s\") skipped: %s",
		    (const char *)arg, i, conf_echo_len(kid), kid, why);
	else
		log_warn("%s: keys[%zu] skipped: %s", (const char *)arg, i,
		    why);
}

int
conf_parse_jwks_file(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	(void)o;
	if (*text == '\0') {
		*why = xstrdup("no file named");
		return -1;
	}
	jwks_free(c->user_keys);
	c->user_keys = jwks_load_file(text, jwks_skipped, (void *)(uintptr_t)
	    text, why);
	return c->user_keys == NULL ? -1 : 0;
}

int
conf_check_redis_tls(const struct conf *c, const char *host, char **err)
{
	struct crypto_tls_conf *tc;
	struct crypto_tls *probe;
	struct stat st;
	const char *name = c->redis_tls_server_name != NULL ?
	    c->redis_tls_server_name : host;
	char *why;
	int named;

	if ((tc = crypto_tls_conf_new(c->redis_tls_ca_file,
	    c->redis_tls_cert_file, c->redis_tls_key_file, &why)) == NULL) {
		*err = xasprintf("redis TLS: %s", why);
		free(why);
		return -1;
	}
	probe = crypto_tls_new(tc, name, &why);
	named = probe != NULL;
	crypto_tls_free(probe);
	crypto_tls_conf_free(tc);
	if (!named) {
		*err = xasprintf("%s: %s", c->redis_tls_server_name != NULL ?
		    "redis_tls_server_name" : "redis_url", why);
		free(why);
		return -1;
	}
	if (c->redis_tls_key_file != NULL &&
	    stat(c->redis_tls_key_file, &st) == 0)
		warn_readable(c->redis_tls_key_file, &st);
	return 0;
}
