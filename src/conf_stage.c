/*
 * conf_stage: where the values of the options come from, staged as text
 * for the engine (conf.c) to parse: the configuration file and its syntax
 * (lines, comments, quotes, key = value) and the environment over it.  A
 * value is staged with where it came from ("FILE:LINE: key" or the
 * variable's name), so that an error names what the operator must fix.
 *
 * Below the engine, above the table (conf_table.c: keys, variables, which
 * options are lists, the secret/_FILE pairs) and the text helpers
 * (conf_values.c).  Errors are messages the caller frees.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "util.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* the configuration file */

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

	conf_strip_comment(s, 1);
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
	struct conf_lines l;
	const char *why;
	char *buf, *msg;
	size_t len;
	int missing, r;

	if (util_read_file(path, CONF_FILE_MAX, 0, &buf, &len, NULL, &missing,
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
	while ((r = conf_lines_next(&l, &why)) == 1)
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
		if (conf_has_control(v)) {
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
