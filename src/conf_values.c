/*
 * conf_values: the parsers of single values (integers in a range, names,
 * tokens, secrets, URLs, listen addresses, choices, text, booleans, form
 * parameters), each setting its field of struct conf or saying why not,
 * and what the other conf files share to handle text: checks, trimming,
 * the reading of a file's lines and comments.  Pure.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"
#include "util.h"

#define ECHO_MAX	64		/* bytes of a bad value quoted back */

/* How much of a bad value to quote back: at most ECHO_MAX bytes, cut on a
 * UTF-8 character boundary so the message stays valid text. */
int
conf_echo_len(const char *text)
{
	size_t n = strnlen(text, ECHO_MAX + 1);

	if (n <= ECHO_MAX)
		return (int)n;
	n = ECHO_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

char **
conf_str_at(struct conf *c, size_t off)
{
	return (char **)(void *)((char *)c + off);
}

static long long *
ll_at(struct conf *c, size_t off)
{
	return (long long *)(void *)((char *)c + off);
}

/* Replaces a string field, wiping the old value: it may be a secret. */
void
conf_str_set(struct conf *c, size_t off, char *v)
{
	char **p = conf_str_at(c, off);

	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	*p = v;
}

static int
is_name_char(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/* Returns 1 when s is min..max bytes of [A-Za-z0-9_.-]. */
int
conf_is_name(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!is_name_char((unsigned char)s[n]))
			return 0;
	return n >= min && n <= max;
}

/* Returns 1 when s is min..max bytes of visible ASCII. */
int
conf_is_visible(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f)
			return 0;
	return n >= min && n <= max;
}

/* Trims blanks on both sides, in place. */
char *
conf_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Joins choices as "a, b or c"; the caller frees the result. */
static char *
join_choices(const char *const *s)
{
	char *out = xstrdup(""), *t;

	for (; *s != NULL; s++) {
		t = xasprintf("%s%s%s", out, *out == '\0' ? "" :
		    s[1] == NULL ? " or " : ", ", *s);
		free(out);
		out = t;
	}
	return out;
}

/* ---- Parsers: each sets its field or says why not in *why ---- */

int
conf_parse_int(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *r;

	if (util_parse_ll(text, o->min, o->max, ll_at(c, o->off), &r) == 0)
		return 0;
	if (*text == '\0')
		*why = xasprintf("no value (%lld..%lld)", o->min, o->max);
	else
		*why = xasprintf("%.*s %s (%lld..%lld)", conf_echo_len(text),
		    text, r, o->min, o->max);
	return -1;
}

int
conf_parse_name(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (!conf_is_name(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("\"%.*s\" is not %lld-%lld characters of "
		    "A-Z a-z 0-9 _ . -", conf_echo_len(text), text, o->min,
		    o->max);
		return -1;
	}
	conf_str_set(c, o->off, xstrdup(text));
	return 0;
}

int
conf_parse_token(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (!conf_is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("\"%.*s\" is not %lld-%lld visible ASCII "
		    "characters", conf_echo_len(text), text, o->min, o->max);
		return -1;
	}
	conf_str_set(c, o->off, xstrdup(text));
	return 0;
}

int
conf_parse_secret(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	/* The value itself is never part of the message. */
	if (!conf_is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("must be %lld-%lld visible ASCII characters",
		    o->min, o->max);
		return -1;
	}
	conf_str_set(c, o->off, xstrdup(text));
	return 0;
}

int
conf_parse_url(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *const *s;
	size_t n = 0, len;
	char *v;

	for (s = o->choices; *s != NULL; s++)
		if (strncmp(text, *s, (n = strlen(*s))) == 0)
			break;
	if (*s == NULL || !conf_is_visible(text, 1, URL_MAX) ||
	    text[n] == '\0' || text[n] == '/') {
		v = join_choices(o->choices);
		*why = xasprintf("\"%.*s\" is not a URL starting with %s",
		    conf_echo_len(text), text, v);
		free(v);
		return -1;
	}
	v = xstrdup(text);
	len = strlen(v);
	while ((o->flags & OPT_NOSLASH) && len > n + 1 && v[len - 1] == '/')
		v[--len] = '\0';
	conf_str_set(c, o->off, v);
	return 0;
}

/* Returns 1 for 127.0.0.0/8 and ::1: all --dev may listen on. */
static int
is_loopback(int v6, const struct in_addr *a4, const struct in6_addr *a6)
{
	if (v6)
		return IN6_IS_ADDR_LOOPBACK(a6);
	return (ntohl(a4->s_addr) >> 24) == 127;
}

/* Parses "IPv4:port" or "[IPv6]:port". */
int
conf_parse_listen(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = text, *he, *r;
	struct in_addr a4;
	struct in6_addr a6;
	long long port;
	int v6 = text[0] == '[';

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (v6)
		he = strchr(++h, ']');
	else
		he = strrchr(text, ':');
	if (he == NULL || he[v6] != ':' || he == h ||
	    (size_t)(he - h) >= sizeof(host)) {
		*why = xasprintf("\"%.*s\" is not host:port (IPv4 or [IPv6])",
		    conf_echo_len(text), text);
		return -1;
	}
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, v6 ? (void *)&a6 :
	    (void *)&a4) != 1) {
		*why = xasprintf("\"%s\" is not an IPv4 address or an IPv6 "
		    "address in brackets", host);
		return -1;
	}
	if (util_parse_ll(he + v6 + 1, 1, 65535, &port, &r) == -1) {
		*why = xasprintf("port \"%.*s\" %s (1..65535)",
		    conf_echo_len(he), he + v6 + 1, r);
		return -1;
	}
	if (c->dev && !is_loopback(v6, &a4, &a6)) {
		*why = xasprintf("%s is not a loopback address (--dev listens "
		    "on loopback only)", host);
		return -1;
	}
	conf_str_set(c, o->off, xstrdup(text));
	conf_str_set(c, OFF(listen_host), xstrdup(host));
	c->listen_port = (int)port;
	return 0;
}

int
conf_parse_enum(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	const char *const *s;
	char *list;

	for (s = o->choices; *s != NULL; s++) {
		if (strcmp(text, *s) == 0) {
			conf_str_set(c, o->off, xstrdup(text));
			return 0;
		}
	}
	list = join_choices(o->choices);
	*why = xasprintf("\"%.*s\" is not one of %s", conf_echo_len(text), text,
	    list);
	free(list);
	return -1;
}

/* Printable ASCII and blanks inside, none at either end. */
int
conf_parse_text(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	size_t i, n = strlen(text);

	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < ' ' ||
		    (unsigned char)text[i] >= 0x7f)
			break;
	if (i < n || n < (size_t)o->min || n > (size_t)o->max ||
	    text[0] == ' ' || text[n - 1] == ' ') {
		*why = xasprintf("\"%.*s\" is not %lld-%lld printable ASCII "
		    "characters", conf_echo_len(text), text, o->min, o->max);
		return -1;
	}
	conf_str_set(c, o->off, xstrdup(text));
	return 0;
}

int
conf_parse_bool(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	if (strcmp(text, "true") == 0)
		*ll_at(c, o->off) = 1;
	else if (strcmp(text, "false") == 0)
		*ll_at(c, o->off) = 0;
	else {
		*why = xasprintf("\"%.*s\" is not true or false",
		    conf_echo_len(text), text);
		return -1;
	}
	return 0;
}

/*
 * k=v&k2=v2: each name 1-64 of A-Z a-z 0-9 _ . - and each value visible
 * ASCII without '&' (percent-encoded when sent).  The parameters the
 * login sets itself may not be overridden.
 */
int
conf_parse_form(const struct conf_opt *o, struct conf *c, const char *text,
    char **why)
{
	static const char *const reserved[] = { "response_type", "client_id",
	    "redirect_uri", "scope", "state", "nonce", "code_challenge",
	    "code_challenge_method", NULL };
	char *copy, *p, *save = NULL, *eq;
	size_t i;
	int r = 0;

	if (!conf_is_visible(text, (size_t)o->min, (size_t)o->max)) {
		*why = xasprintf("must be %lld-%lld visible ASCII characters",
		    o->min, o->max);
		return -1;
	}
	copy = xstrdup(text);
	for (p = strtok_r(copy, "&", &save); p != NULL && r == 0;
	    p = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(p, '=')) == NULL)
			eq = p + strlen(p);
		*eq = '\0';
		if (!conf_is_name(p, 1, NAME_MAX_LEN)) {
			*why = xasprintf("\"%.*s\" is not a parameter name",
			    conf_echo_len(p), p);
			r = -1;
		}
		for (i = 0; r == 0 && reserved[i] != NULL; i++)
			if (strcmp(p, reserved[i]) == 0) {
				*why = xasprintf("%s is set by lkgate itself",
				    p);
				r = -1;
			}
	}
	free(copy);
	if (r == 0)
		conf_str_set(c, o->off, xstrdup(text));
	return r;
}

/* ---- Lines of files, shared by the staging and the files options name ---- */

/* 1 when s holds a control character other than a tab. */
int
conf_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Copies the next line into l->buf, without its newline (or CRLF).
 * Returns 1, 0 at the end, or -1 with *why set for an overlong line or a
 * line holding a NUL or another control character.
 */
int
conf_lines_next(struct conf_lines *l, const char **why)
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
	if (n > CONF_LINE_MAX) {
		*why = "line longer than 4096 bytes";
		return -1;
	}
	memcpy(l->buf, l->p, n);
	l->buf[n] = '\0';
	l->p = nl + 1;
	if (strlen(l->buf) != n || conf_has_control(l->buf)) {
		*why = "line holds a control character";
		return -1;
	}
	return 1;
}

/*
 * Cuts a comment off s: a '#' starting the line or following a blank,

 */
void
conf_strip_comment(char *s, int quotes)
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

