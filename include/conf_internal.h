/*
 * conf_internal: what the files of the conf module share.  Private to the
 * module: only src/conf*.c include this; the rest of lkgate sees conf.h.
 *
 * The files, each calling only those below it (no call circle; checked
 * by test/check-includes on the built objects):
 *
 *   conf.c         the engine: conf_load()'s order, the checks across
 *                  options, conf_free(), what a reload cannot change
 *   conf_stage.c   staging: the file's syntax and the environment
 *   conf_table.c   the options table, each type's parser, table lookups
 *   conf_files.c   the options that name a file (_FILE secrets, API key
 *                  files, JWKS files, Redis's TLS files)
 *   conf_lists.c   parsers of lists, the lookups of conf.h on them
 *   conf_values.c  parsers of single values; text checks and the reading
 *                  of lines that the others share
 *
 * Ownership: a parser owns nothing it is given; what it sets in struct
 * conf belongs to the struct conf (conf_free frees it).  Errors: a parser
 * returns 0, or -1 with *why set to a message the caller frees that never
 * quotes a secret.
 */
#ifndef LKGATE_CONF_INTERNAL_H
#define LKGATE_CONF_INTERNAL_H

#include <stddef.h>

#include "conf.h"

#define NAME_MAX_LEN	64		/* key names, profiles, agents */
#define CONF_LINE_MAX	4096		/* one line of any file */
#define URL_MAX		2048

enum opt_type {
	OPT_INT,		/* integer in [min, max] */
	OPT_NAME,		/* min..max bytes of [A-Za-z0-9_.-] */
	OPT_TOKEN,		/* min..max visible ASCII bytes */
	OPT_SECRET,		/* like OPT_TOKEN, never echoed */
	OPT_SECRET_FILE,	/* path of a file holding the OPT_SECRET */
	OPT_URL,		/* URL with one of the schemes in choices */
	OPT_LISTEN,		/* host:port */
	OPT_ENUM,		/* one of choices */
	OPT_API_KEYS,		/* list of name:key[:role] */
	OPT_API_KEYS_FILE,	/* path of a file of name:key[:role] lines */
	OPT_JWKS_FILE,		/* path of a JWKS file of user JWT keys */
	OPT_PROFILES,		/* list of profile=agent[+agent...] */
	OPT_RATE_LIMITS,	/* list of class=N/PERIOD */
	OPT_ORIGINS,		/* list of CORS origins */
	OPT_PROXIES,		/* list of addresses and CIDR blocks */
	OPT_TEXT,		/* min..max printable ASCII bytes, blanks too */
	OPT_BOOL,		/* true or false */
	OPT_FORM,		/* k=v&k2=v2 (URL query parameters) */
	OPT_COOKIE_KEYS		/* list of base64 keys of SEAL_KEY_LEN bytes */
};

#define OPT_REQUIRED	0x1	/* outside --dev a value must be given */
#define OPT_NOSLASH	0x2	/* URL: trailing '/' removed */
#define OPT_RESTART	0x4	/* read at start-up only: a reload keeps the
				   running value (an integer or a text that
				   is not a secret) */

struct conf_opt {
	const char		*key;
	const char		*env;
	enum opt_type		 type;
	int			 flags;
	const char		*def;	/* NULL: none */
	const char		*devdef; /* under --dev; NULL: def */
	long long		 min, max; /* range; length of strings */
	const char *const	*choices; /* enum values, URL schemes */
	size_t			 off;	/* field of struct conf */
	const char		*help;
};

#define OFF(f)	offsetof(struct conf, f)

/* The options, in the order of lkgate.conf(5) (conf_table.c). */
extern const struct conf_opt	conf_options[];
extern const size_t		conf_nopts;

typedef int (*parse_fn)(const struct conf_opt *, struct conf *,
    const char *, char **);

/* Per type: the parser, and whether a key may repeat (a list). */
struct conf_opt_type {
	parse_fn	parse;
	int		list;
};

extern const struct conf_opt_type conf_opt_types[];	/* by enum opt_type */

int		 conf_opt_partner(size_t);
int		 conf_opt_by_key(const char *);

/* A value as staged: its text and where it came from, for messages. */
struct item {
	char	*text;
	char	*where;		/* "FILE:LINE: key" or a variable */
	int	 line;		/* 0 when from the environment */
};

struct stage {
	struct item	*items;
	size_t		 n;
};

/* conf_stage.c: stages[] has one struct stage per row of the table.
 * Both return 0, or -1 with *err set to a message the caller frees. */
void		 conf_stage_clear(struct stage *);
int		 conf_stage_file(struct stage *stages, const char *path,
		    int must_exist, char **err);
int		 conf_stage_env(struct stage *stages, conf_getenv_fn,
		    void *arg, char **err);

/* conf_files.c: so is the OPT_SECRET row the file stands in for. */
int		 conf_read_secret_file(const struct conf_opt *so,
		    struct conf *, const char *path, char **);
int		 conf_parse_api_keys_file(const struct conf_opt *,
		    struct conf *, const char *, char **);
int		 conf_parse_jwks_file(const struct conf_opt *, struct conf *,
		    const char *, char **);
/* Reads the CA file, the client certificate and key of a rediss://
 * redis_url whose host is host, and checks the server name: 0, or -1 with
 * *err set. */
int		 conf_check_redis_tls(const struct conf *, const char *host,
		    char **err);

/* conf_values.c */
int		 conf_echo_len(const char *);
char		**conf_str_at(struct conf *, size_t off);
void		 conf_str_set(struct conf *, size_t off, char *);
int		 conf_is_name(const char *, size_t min, size_t max);
int		 conf_is_visible(const char *, size_t min, size_t max);
char		*conf_trim(char *);
int		 conf_has_control(const char *);

/* Reads the lines of a buffer, one at a time, into buf. */
struct conf_lines {
	const char	*p, *end;
	int		 lineno;
	char		 buf[CONF_LINE_MAX + 1];
};
/* The next line into l->buf, without its newline (or CRLF): 1, 0 at the
 * end, or -1 with *why (static) for an overlong line or a line holding a
 * NUL or another control character. */
int		 conf_lines_next(struct conf_lines *, const char **why);
/* Cuts a comment off s: a '#' starting the line or following a blank,
 * outside double quotes when quotes is set. */
void		 conf_strip_comment(char *s, int quotes);
int		 conf_parse_int(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_name(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_token(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_secret(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_url(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_listen(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_enum(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_text(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_bool(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_form(const struct conf_opt *, struct conf *,
		    const char *, char **);

/* conf_lists.c */
int		 conf_split_list(struct conf *, const char *text,
		    int (*add)(struct conf *, char *, char **), char **why);
int		 conf_api_key_add(struct conf *, char *, char **why);
void		 conf_free_api_keys(struct conf *);
void		 conf_free_profiles(struct conf *);
void		 conf_free_origins(struct conf *);
int		 conf_parse_api_keys(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_profiles(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_rate_limits(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_origins(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_proxies(const struct conf_opt *, struct conf *,
		    const char *, char **);
int		 conf_parse_cookie_keys(const struct conf_opt *, struct conf *,
		    const char *, char **);

#endif
