/*
 * conf_parse: where the values of the options come from, staged as text
 * for conf.c to parse: the configuration file and its syntax (lines,
 * comments, quotes, key = value), the environment, and the files the
 * options name (_FILE secrets, API key files, JWKS files), each with its
 * limits.  Every file the conf module reads is read here.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "jwks.h"
#include "log.h"
#include "util.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* the configuration file */
#define LINE_MAX_LEN	4096		/* one line of any file */
#define SECRET_FILE_MAX	(64 * 1024)	/* a _FILE file */

/* Reads lines of a buffer, one at a time, into buf. */
struct lines {
	const char	*p, *end;
	int		 lineno;
	char		 buf[LINE_MAX_LEN + 1];
};

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* ---- Reading files ---- */

/* Warns when a file holding secrets can be read by others. */
static void
warn_readable(const char *path, const struct stat *st)
{
	if (st->st_mode & (S_IRGRP | S_IROTH))
		log_warn("%s holds secrets but is readable by group or others "
		    "(chmod 600 it)", path);
}

/*
 * Copies the next line into l->buf, without its newline (or CRLF).
 * Returns 1, 0 at the end, or -1 with *why set for an overlong line or a
 * line holding a NUL or another control character.
 */
static int
lines_next(struct lines *l, const char **why)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return 0;
	l->lineno++;
	if ((nl = memchr(l->p, '\n', (size_t)(l->end - l->p))) == NULL)
		nl = l->end;
	n = (size_t)(nl - l->p);
	if (n > 0 && l->p[n - 1] == '\r')
		n--;
	if (n > LINE_MAX_LEN) {
		*why = "line longer than 4096 bytes";
		return -1;
	}
	memcpy(l->buf, l->p, n);
	l->buf[n] = '\0';
	l->p = nl + 1;
	if (strlen(l->buf) != n || has_control(l->buf)) {
		*why = "line holds a control character";
		return -1;
	}
	return 1;
}

/*
 * Cuts a comment off s: a '#' starting the line or following a blank,
 * outside double quotes when quotes is set.
 */
static void
strip_comment(char *s, int quotes)
{
	int inq = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (quotes && inq && s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (quotes && s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == '#' &&
		    (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			s[i] = '\0';
			return;
		}
	}
}

/* Removes the double quotes around v, in place, honouring \" and \\. */
static int
unquote(char *v, const char **why)
{
	char *r = v + 1, *w = v;

	if (*v != '"')
		return 0;
	for (; *r != '\0' && *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	if (*r != '"') {
		*why = "unterminated quote";
		return -1;
	}
	if (r[1] != '\0') {
		*why = "text after the closing quote";
		return -1;
	}
	*w = '\0';
	return 0;
}

/* ---- Staging ---- */

void
conf_stage_clear(struct stage *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		/* Staged text may be a secret. */
		explicit_bzero(st->items[i].text, strlen(st->items[i].text));
		free(st->items[i].text);
		free(st->items[i].where);
	}
	free(st->items);
	st->items = NULL;
	st->n = 0;
}

static void
stage_add(struct stage *st, const char *text, char *where, int line)
{
	st->items = xrealloc(st->items, (st->n + 1) * sizeof(*st->items));
	st->items[st->n].text = xstrdup(text);
	st->items[st->n].where = where;
	st->items[st->n].line = line;
	st->n++;
}

/* Says why a key on a line cannot be staged, or returns NULL. */
static char *
stage_conflict(struct stage *stages, int i)
{
	int p;

	if (!conf_opt_types[conf_options[i].type].list && stages[i].n > 0)
		return xasprintf("given twice (first on line %d)",
		    stages[i].items[0].line);
	if ((p = conf_opt_partner((size_t)i)) != -1 && stages[p].n > 0)
		return xasprintf("%s is set too (line %d); set only one",
		    conf_options[p].key, stages[p].items[0].line);
	return NULL;
}

/* Splits one line into key and value and stages it; 0 or -1 with *err. */
static int
stage_line(struct stage *stages, const char *path, int lineno, char *s,
    char **err)
{
	const char *why = NULL;
	char *eq, *key, *val = NULL, *msg;
	int i;

	strip_comment(s, 1);
	if (*(s = conf_trim(s)) == '\0')
		return 0;
	if ((eq = strchr(s, '=')) == NULL) {
		key = s;
		s[strcspn(s, " \t")] = '\0';
		why = "missing '=' (expected key = value)";
	} else {
		*eq = '\0';
		key = conf_trim(s);
		val = conf_trim(eq + 1);
	}
	/*
	 * A line without '=' may be a stray value, a secret even: it is
	 * named only when it starts with a known key.
	 */
	if (!conf_is_name(key, 1, NAME_MAX_LEN) ||
	    (eq == NULL && conf_opt_by_key(key) == -1)) {
		*err = xasprintf("%s:%d: expected key = value", path, lineno);
		return -1;
	}
	if (why != NULL || unquote(val, &why) == -1) {
		*err = xasprintf("%s:%d: %s: %s", path, lineno, key, why);
		return -1;
	}
	if ((i = conf_opt_by_key(key)) == -1) {
		*err = xasprintf("%s:%d: %s: unknown key", path, lineno, key);
		return -1;
	}
	if ((msg = stage_conflict(stages, i)) != NULL) {
		*err = xasprintf("%s:%d: %s: %s", path, lineno, key, msg);
		free(msg);
		return -1;
	}
	stage_add(&stages[i], val, xasprintf("%s:%d: %s", path, lineno, key),
	    lineno);
	return 0;
}

int
conf_stage_file(struct stage *stages, const char *path, int must_exist,
    char **err)
{
	struct lines l;
	struct stat st;
	const char *why;
	char *buf, *msg;
	size_t len;
	int missing, r;

	if (util_read_file(path, CONF_FILE_MAX, 0, &buf, &len, &st, &missing,
	    &msg) == -1) {
		if (missing && !must_exist) {
			free(msg);
			return 0;
		}
		*err = msg;
		return -1;
	}
	l.p = buf;
	l.end = buf + len;
	l.lineno = 0;
	while ((r = lines_next(&l, &why)) == 1)
		if ((r = stage_line(stages, path, l.lineno, l.buf, err)) == -1)
			break;
	if (r == -1 && *err == NULL)
		*err = xasprintf("%s:%d: %s", path, l.lineno, why);
	explicit_bzero(l.buf, sizeof(l.buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/*
 * Stages the environment over the file.  An empty variable counts as
 * unset, as compose files often pass empty ones.  Setting one half of a
 * secret/_FILE pair drops both halves given in the file.
 */
int
conf_stage_env(struct stage *stages, conf_getenv_fn getenv_fn, void *arg,
    char **err)
{
	const char *v, *pv;
	size_t i;
	int p;

	for (i = 0; i < conf_nopts; i++) {
		v = getenv_fn(arg, conf_options[i].env);
		if (v == NULL || *v == '\0')
			continue;
		if (has_control(v)) {
			*err = xasprintf("%s: holds a control character",
			    conf_options[i].env);
			return -1;
		}
		if ((p = conf_opt_partner(i)) != -1) {
			pv = getenv_fn(arg, conf_options[p].env);
			if (pv != NULL && *pv != '\0') {
				*err = xasprintf("%s: %s is set too; set only "
				    "one", conf_options[i].env,
				    conf_options[p].env);
				return -1;
			}
			conf_stage_clear(&stages[p]);
		}
		conf_stage_clear(&stages[i]);
		stage_add(&stages[i], v, xstrdup(conf_options[i].env), 0);
	}
	return 0;
}

/* ---- Files named by options ---- */

/*
 * Reads a secret from a file; trailing newlines are not part of it.  Its
 * length limits are those of the OPT_SECRET row it stands in for.
 */
int
conf_parse_secret_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	const struct conf_opt *so;
	struct stat st;
	char *buf;
	size_t len;
	int missing, r, pi;

	if ((pi = conf_opt_partner((size_t)(o - conf_options))) == -1)
		fatal("conf: %s has no secret to stand in for", o->key);
	so = &conf_options[pi];
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
		conf_str_set(c, o->off, xstrdup(buf));
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/* Adds the keys of a file: one entry a line, '#' comments, blank lines. */
int
conf_parse_api_keys_file(const struct conf_opt *o, struct conf *c,
    const char *text, char **why)
{
	struct lines l;
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
	while ((r = lines_next(&l, &lwhy)) == 1) {
		strip_comment(l.buf, 0);
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
