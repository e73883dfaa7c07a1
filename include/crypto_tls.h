/*
 * crypto_tls: a TLS client session in memory, part of the crypto module
 * (the only user of mbedTLS).  No socket and no event loop: the caller
 * moves ciphertext between the session and the network itself
 * (crypto_tls_feed what was received, crypto_tls_pending and
 * crypto_tls_sent what is to be sent) and plaintext between the session
 * and its user (crypto_tls_read, crypto_tls_write).  Every buffer of a
 * session has a fixed ceiling: feed takes what fits, write takes nothing
 * while the ciphertext waiting to be sent is near its ceiling.
 *
 * TLS 1.2 (mbedTLS 2.28 has no TLS 1.3), the server's certificate always
 * verified against the configured CAs and the server name: a DNS name
 * (sent as SNI too) or an IP address (matched against the certificate's
 * iPAddress entries; no SNI).  There is no way to skip verification.
 *
 * Not a pure module: the sessions of one configuration draw their
 * randomness from an mbedTLS CTR_DRBG seeded from the system's entropy
 * source when the configuration is made.
 *
 * Ownership: a struct crypto_tls_conf is made by crypto_tls_conf_new and
 * freed by crypto_tls_conf_free, after every session made from it.  A
 * session borrows its configuration.  Errors are messages the caller frees
 * (configuration) or text the session holds (crypto_tls_error); neither
 * ever holds key material.
 */
#ifndef LKGATE_CRYPTO_TLS_H
#define LKGATE_CRYPTO_TLS_H

#include <stddef.h>

/* The system's CA store (Debian's ca-certificates), the default. */
#define CRYPTO_TLS_SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"
/* Ceilings of the files read: a CA bundle, a certificate chain, a key. */
#define CRYPTO_TLS_CA_MAX	(4 * 1024 * 1024)
#define CRYPTO_TLS_CERT_MAX	(64 * 1024)
#define CRYPTO_TLS_KEY_MAX	(64 * 1024)
/* Longest server name (a DNS name or an address). */
#define CRYPTO_TLS_NAME_MAX	255
/* The most ciphertext a session holds either way, bytes. */
#define CRYPTO_TLS_IN_MAX	(17 * 1024)
#define CRYPTO_TLS_OUT_MAX	(40 * 1024)

struct crypto_tls_conf;
struct crypto_tls;

enum crypto_tls_status {
	CRYPTO_TLS_OK,		/* done, or bytes moved */
	CRYPTO_TLS_WANT,	/* not now: feed what arrives, send what is
				   pending, then call again */
	CRYPTO_TLS_CLOSED,	/* the server closed the session */
	CRYPTO_TLS_ERROR	/* failed for good; crypto_tls_error says why */
};

/*
 * Reads the CAs of ca_file (PEM, one or more; NULL: CRYPTO_TLS_SYSTEM_CA)
 * and, for mutual TLS, a certificate chain (PEM, the client's first) and
 * its unencrypted private key (PEM or DER).  cert_file and key_file go
 * together: both or neither.  Blocking file reads: at start-up only.
 * Returns the configuration, or NULL with *err set to a message (naming
 * the file, never quoting it) that the caller frees.
 */
struct crypto_tls_conf *crypto_tls_conf_new(const char *ca_file,
	    const char *cert_file, const char *key_file, char **err);
/* Frees the configuration, its key wiped.  NULL is allowed. */
void	crypto_tls_conf_free(struct crypto_tls_conf *);

/*
 * A new session for the server named server_name (a DNS name or an IPv4
 * or IPv6 address, without brackets).  Returns NULL with *err (which the
 * caller frees) when the name is not one; fatal() on exhaustion.
 */
struct crypto_tls *crypto_tls_new(struct crypto_tls_conf *,
	    const char *server_name, char **err);
/* Frees the session and everything it buffers.  NULL is allowed. */
void	crypto_tls_free(struct crypto_tls *);

/* Takes up to len bytes of ciphertext received from the server; returns
 * how many it took (less than len when its buffer is full: read plaintext
 * to make room). */
size_t	crypto_tls_feed(struct crypto_tls *, const void *buf, size_t len);
/* The ciphertext to send: *len bytes at the pointer returned, valid until
 * the next call on the session (NULL and 0 when there is none). */
const void *crypto_tls_pending(const struct crypto_tls *, size_t *len);
/* n bytes of the pending ciphertext were sent (n <= *len above). */
void	crypto_tls_sent(struct crypto_tls *, size_t n);

/*
 * Advances the handshake: CRYPTO_TLS_OK once it is over (then again at
 * every call), CRYPTO_TLS_WANT while it waits for the network, else
 * CRYPTO_TLS_ERROR (a certificate not trusted, a server that refused,
 * a malformed message) or CRYPTO_TLS_CLOSED.
 */
enum crypto_tls_status crypto_tls_handshake(struct crypto_tls *);
/* 1 once the handshake is over. */
int	crypto_tls_is_open(const struct crypto_tls *);

/*
 * Decrypts up to len bytes of plaintext into buf, *got of them: OK (got
 * > 0), WANT (nothing yet), CLOSED or ERROR.  Call it until WANT: the
 * session may hold more than one record's worth.
 */
enum crypto_tls_status crypto_tls_read(struct crypto_tls *, void *buf,
	    size_t len, size_t *got);
/*
 * Encrypts up to len bytes of buf, *took of them (at most one record,
 * 16 KiB): OK, WANT (took 0: the ciphertext waiting is near its ceiling,
 * send it first; or the handshake is not over) or ERROR.
 */
enum crypto_tls_status crypto_tls_write(struct crypto_tls *, const void *buf,
	    size_t len, size_t *took);

/* Why the session failed (after CRYPTO_TLS_ERROR), in English: "" when it
 * did not. */
const char *crypto_tls_error(const struct crypto_tls *);

#endif
