/*
 * redistls: Redis over TLS (rediss://) for a hiredis that cannot speak
 * TLS itself (Debian 12's hiredis 0.14 connects over TCP or a Unix socket
 * only).  The bridge listens on a Unix socket in a private directory it
 * creates (mode 0700, under $TMPDIR or /tmp, removed by redistls_free);
 * hiredis connects there, and each connection accepted is relayed through
 * a TLS session of its own (crypto_tls) to the Redis server's address.
 *
 * Everything runs on the caller's event loop and never blocks: the TCP
 * connect is non-blocking, and the connect plus the TLS handshake are
 * bounded by a timeout.  A connection that cannot be relayed (refused,
 * timed out, a certificate not accepted, a server that refused the
 * handshake) is closed on hiredis's side, which then sees its connection
 * lost; redistls_error says why.  Only this process may connect (its
 * peer credentials are checked), at most a few connections at once, and
 * every buffer has a ceiling: a side that does not read stops the other.
 *
 * Ownership: the caller owns the struct redistls and frees it before the
 * event base.  Strings passed in are copied; strings returned are the
 * bridge's, valid until the next call.
 */
#ifndef LKGATE_REDISTLS_H
#define LKGATE_REDISTLS_H

#include <stdint.h>

struct event_base;
struct redistls;

struct redistls_params {
	const char	*ca_file;	/* PEM CAs; NULL: the system's store */
	const char	*cert_file;	/* client certificate chain (mutual */
	const char	*key_file;	/* TLS): both or NULL */
	const char	*server_name;	/* the certificate's name, and SNI */
	uint64_t	 timeout_ms;	/* TCP connect and TLS handshake */
};

/*
 * Reads the certificates and key, creates the private directory and
 * listens on its socket.  Returns the bridge, or NULL with *err set to a
 * message the caller frees.
 */
struct redistls	*redistls_new(struct event_base *,
		    const struct redistls_params *, char **err);
/* Closes every relayed connection, stops listening and removes the
 * socket and its directory.  NULL is allowed. */
void		 redistls_free(struct redistls *);

/* The Unix socket hiredis connects to ("" when listening again failed:
 * see redistls_target). */
const char	*redistls_path(const struct redistls *);
/*
 * The server that the connections accepted from now on are relayed to:
 * a numeric IPv4 or IPv6 address (no brackets) and a port.  Forgets the
 * last error, and listens anew (redistls_path changes) if the socket was
 * removed meanwhile.  Call it before each connect.  Returns 0, or -1 when
 * ip is not an address.
 */
int		 redistls_target(struct redistls *, const char *ip, int port);
/* Why the bridge closed the latest connection it accepted, in English
 * with the server's address first; "" when it did not. */
const char	*redistls_error(const struct redistls *);

#endif
