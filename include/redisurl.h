/*
 * redisurl: the address of the Redis that holds shared rate-limit buckets,
 * parsed from LKGATE_REDIS_URL.  Pure: no network, no clock.
 *
 *   redis://[[user]:password@]host[:port][/db]
 *   rediss://...                        the same over TLS
 *   unix:/path/to/socket[?db=N]         a Unix-domain socket
 *
 * host is a name, an IPv4 address or an [IPv6] address; port defaults to
 * 6379, db to 0.  user and password may be percent-encoded.  Error
 * messages never repeat the password.
 */
#ifndef LKGATE_REDISURL_H
#define LKGATE_REDISURL_H

#define REDISURL_DEFAULT_PORT	6379
#define REDISURL_HOST_MAX	255
#define REDISURL_PATH_MAX	107	/* sun_path, less its NUL */
#define REDISURL_SECRET_MAX	512	/* user and password, decoded */
#define REDISURL_DB_MAX		65535

struct redis_url {
	int	 tls;		/* rediss:// */
	char	*host;		/* without brackets; NULL for a socket */
	int	 port;
	char	*path;		/* the socket's; NULL for TCP */
	char	*user;		/* NULL: none (Redis's "default" user) */
	char	*password;	/* NULL: none */
	int	 db;
};

/*
 * Parses text into *u (which the caller clears with redisurl_clear).
 * Returns 0, or -1 with *why set to a message the caller frees; *u then
 * holds nothing.
 */
int		 redisurl_parse(const char *text, struct redis_url *u,
		    char **why);
/* Frees what *u holds (the password wiped first); NULL is allowed. */
void		 redisurl_clear(struct redis_url *u);
/* "host:port", "[v6]:port" or "unix:/path", with no credentials, for
 * logs; the caller frees it. */
char		*redisurl_target(const struct redis_url *u);

#endif
