/*
 * crypto_tls: TLS client sessions in memory on mbedTLS 2.28 (see
 * include/crypto_tls.h).  Part of the crypto module: with crypto.c, the
 * only file that includes mbedTLS.
 *
 * mbedTLS reads and writes through two callbacks; here they copy from and
 * to two fixed buffers of the session instead of a socket.  The send
 * callback takes a whole record or fails the session: a partial send
 * would leave a record inside mbedTLS that its write function then
 * reports as written on the next call, whatever that call offers.  So
 * crypto_tls_write encrypts only when a record of what it offers, plus
 * room for an alert, fits in the output buffer; the handshake's own
 * flight (at most one 16 KiB certificate message and a few small ones)
 * and alerts always fit in the room a flushed buffer has.
 *
 * mbedTLS 2.28 matches a server name against the certificate's DNS names
 * only; for a server named by its IP address a verify callback matches
 * the address against the certificate's iPAddress entries instead, and
 * no SNI is sent (RFC 6066 allows only host names there).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include "crypto_tls.h"
#include "log.h"
#include "util.h"

#define ERR_MAX		256	/* a session's error text */
#define ALERT_ROOM	64	/* kept free for an alert after a record */
#define EXPANSION_MAX	1024	/* a record's overhead when mbedTLS cannot
				   say (it always can with our suites) */
#define SAN_IP_TAG	(MBEDTLS_ASN1_CONTEXT_SPECIFIC | \
			    MBEDTLS_X509_SAN_IP_ADDRESS)

struct crypto_tls_conf {
	mbedtls_ssl_config	 ssl;
	mbedtls_x509_crt	 ca;
	mbedtls_x509_crt	 cert;
	mbedtls_pk_context	 key;
	mbedtls_entropy_context	 entropy;
	mbedtls_ctr_drbg_context drbg;
	int			 has_cert;
};

struct crypto_tls {
	mbedtls_ssl_context	 ssl;
	struct crypto_tls_conf	*conf;
	unsigned char		 ip[16];	/* the server's address, */
	size_t			 iplen;		/* 0: named by DNS */
	int			 open;		/* the handshake is over */
	int			 failed;	/* ERROR for good */
	int			 overflow;	/* the send callback's */
	size_t			 inoff, inlen;
	size_t			 outoff, outlen;
	char			 err[ERR_MAX];
	unsigned char		 in[CRYPTO_TLS_IN_MAX];
	unsigned char		 out[CRYPTO_TLS_OUT_MAX];
};

/* --- the configuration --- */

/* Length to hand mbedTLS: PEM is parsed with its NUL, DER without. */
static size_t
parse_len(const char *buf, size_t len)
{
	return strstr(buf, "-----BEGIN") != NULL ? len + 1 : len;
}

/* mbedTLS's text for ret, for messages. */
static void
strerr(int ret, char *buf, size_t len)
{
	mbedtls_strerror(ret, buf, len);
	if (buf[0] == '\0')
		snprintf(buf, len, "mbedTLS error -0x%04x", (unsigned int)-ret);
}

/* The CAs: a bundle may hold certificates mbedTLS cannot read (they are
 * skipped), but not only such. */
static int
load_ca(struct crypto_tls_conf *tc, const char *path, char **err)
{
	char *buf, msg[128];
	size_t len;
	int ret;

	if (util_read_file(path, CRYPTO_TLS_CA_MAX, 0, &buf, &len, NULL, NULL,
	    err) == -1)
		return -1;
	ret = mbedtls_x509_crt_parse(&tc->ca, (const unsigned char *)buf,
	    parse_len(buf, len));
	free(buf);
	if (ret < 0 || tc->ca.version == 0) {
		strerr(ret, msg, sizeof(msg));
		*err = xasprintf("%s: no CA certificate could be read (%s)",
		    path, msg);
		return -1;
	}
	return 0;
}

/* The client's certificate chain and key, which must match. */
static int
load_own(struct crypto_tls_conf *tc, const char *cert, const char *key,
    char **err)
{
	char *buf, msg[128];
	size_t len;
	int ret;

	if (util_read_file(cert, CRYPTO_TLS_CERT_MAX, 0, &buf, &len, NULL,
	    NULL, err) == -1)
		return -1;
	ret = mbedtls_x509_crt_parse(&tc->cert, (const unsigned char *)buf,
	    parse_len(buf, len));
	free(buf);
	if (ret != 0) {
		strerr(ret, msg, sizeof(msg));
		*err = xasprintf("%s: not a certificate chain (%s)", cert,
		    ret > 0 ? "a certificate could not be read" : msg);
		return -1;
	}
	if (util_read_file(key, CRYPTO_TLS_KEY_MAX, 0, &buf, &len, NULL, NULL,
	    err) == -1)
		return -1;
	ret = mbedtls_pk_parse_key(&tc->key, (const unsigned char *)buf,
	    parse_len(buf, len), NULL, 0);
	explicit_bzero(buf, len);
	free(buf);
	if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		*err = xasprintf("%s: an encrypted key; give the key "
		    "unencrypted (readable by lkgate only)", key);
		return -1;
	}
	if (ret != 0) {
		strerr(ret, msg, sizeof(msg));
		*err = xasprintf("%s: not a private key (%s)", key, msg);
		return -1;
	}
	if (mbedtls_pk_check_pair(&tc->cert.pk, &tc->key) != 0) {
		*err = xasprintf("%s: not the key of the certificate in %s",
		    key, cert);
		return -1;
	}
	tc->has_cert = 1;
	return 0;
}

static int
setup_ssl(struct crypto_tls_conf *tc, char **err)
{
	static const char pers[] = "lkgate tls client";
	char msg[128];
	int ret;

	if ((ret = mbedtls_ctr_drbg_seed(&tc->drbg, mbedtls_entropy_func,
	    &tc->entropy, (const unsigned char *)pers, sizeof(pers) - 1)) !=
	    0 || (ret = mbedtls_ssl_config_defaults(&tc->ssl,
	    MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	    MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
		strerr(ret, msg, sizeof(msg));
		*err = xasprintf("cannot set TLS up: %s", msg);
		return -1;
	}
	mbedtls_ssl_conf_min_version(&tc->ssl, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&tc->ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&tc->ssl, &tc->ca, NULL);
	mbedtls_ssl_conf_rng(&tc->ssl, mbedtls_ctr_drbg_random, &tc->drbg);
	if (tc->has_cert &&
	    (ret = mbedtls_ssl_conf_own_cert(&tc->ssl, &tc->cert, &tc->key)) !=
	    0) {
		strerr(ret, msg, sizeof(msg));
		*err = xasprintf("cannot use the client certificate: %s", msg);
		return -1;
	}
	return 0;
}

struct crypto_tls_conf *
crypto_tls_conf_new(const char *ca_file, const char *cert_file,
    const char *key_file, char **err)
{
	struct crypto_tls_conf *tc;

	*err = NULL;
	if ((cert_file == NULL) != (key_file == NULL)) {
		*err = xstrdup("a client certificate and its key go together: "
		    "give both or neither");
		return NULL;
	}
	tc = xcalloc(1, sizeof(*tc));
	mbedtls_ssl_config_init(&tc->ssl);
	mbedtls_x509_crt_init(&tc->ca);
	mbedtls_x509_crt_init(&tc->cert);
	mbedtls_pk_init(&tc->key);
	mbedtls_entropy_init(&tc->entropy);
	mbedtls_ctr_drbg_init(&tc->drbg);
	if (load_ca(tc, ca_file != NULL ? ca_file : CRYPTO_TLS_SYSTEM_CA,
	    err) == -1 || (cert_file != NULL &&
	    load_own(tc, cert_file, key_file, err) == -1) ||
	    setup_ssl(tc, err) == -1) {
		crypto_tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

void
crypto_tls_conf_free(struct crypto_tls_conf *tc)
{
	if (tc == NULL)
		return;
	mbedtls_ssl_config_free(&tc->ssl);
	mbedtls_x509_crt_free(&tc->ca);
	mbedtls_x509_crt_free(&tc->cert);
	mbedtls_pk_free(&tc->key);	/* wipes the key */
	mbedtls_ctr_drbg_free(&tc->drbg);
	mbedtls_entropy_free(&tc->entropy);
	free(tc);
}

/* --- a session: the transport callbacks --- */

/* mbedTLS sends: the whole of buf, or the session fails. */
static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct crypto_tls *t = arg;

	if (len > CRYPTO_TLS_OUT_MAX - t->outlen) {
		t->overflow = 1;
		return MBEDTLS_ERR_SSL_ALLOC_FAILED;
	}
	if (t->outoff + t->outlen + len > CRYPTO_TLS_OUT_MAX) {
		memmove(t->out, t->out + t->outoff, t->outlen);
		t->outoff = 0;
	}
	memcpy(t->out + t->outoff + t->outlen, buf, len);
	t->outlen += len;
	return (int)len;
}

/* mbedTLS receives: what was fed, else "wait". */
static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct crypto_tls *t = arg;

	if (t->inlen == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > t->inlen)
		len = t->inlen;
	if (len > INT32_MAX)
		len = INT32_MAX;
	memcpy(buf, t->in + t->inoff, len);
	t->inoff += len;
	t->inlen -= len;
	if (t->inlen == 0)
		t->inoff = 0;
	return (int)len;
}

/* A server named by address: its certificate must list the address. */
static int
verify_ip(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct crypto_tls *t = arg;
	const mbedtls_x509_sequence *san;

	if (depth != 0)
		return 0;
	if (crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)
		for (san = &crt->subject_alt_names; san != NULL;
		    san = san->next)
			if (san->buf.tag == SAN_IP_TAG &&
			    san->buf.len == t->iplen &&
			    memcmp(san->buf.p, t->ip, t->iplen) == 0)
				return 0;
	*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}

/* --- a session --- */

/* 1 when name is a plausible DNS name: letters, digits, '-', '.', '_'. */
static int
is_dns_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CRYPTO_TLS_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '.' && name[i] != '_')
			return 0;
	return 1;
}

struct crypto_tls *
crypto_tls_new(struct crypto_tls_conf *tc, const char *server_name,
    char **err)
{
	struct crypto_tls *t;
	int ret;

	*err = NULL;
	t = xcalloc(1, sizeof(*t));
	t->conf = tc;
	mbedtls_ssl_init(&t->ssl);
	if ((ret = mbedtls_ssl_setup(&t->ssl, &tc->ssl)) != 0)
		fatal("mbedtls_ssl_setup failed (-0x%04x)",
		    (unsigned int)-ret);
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	if (inet_pton(AF_INET, server_name, t->ip) == 1)
		t->iplen = 4;
	else if (inet_pton(AF_INET6, server_name, t->ip) == 1)
		t->iplen = 16;
	if (t->iplen != 0)
		mbedtls_ssl_set_verify(&t->ssl, verify_ip, t);
	else if (!is_dns_name(server_name) ||
	    mbedtls_ssl_set_hostname(&t->ssl, server_name) != 0) {
		*err = xasprintf("\"%.*s\" is neither a host name nor an "
		    "address", CRYPTO_TLS_NAME_MAX, server_name);
		crypto_tls_free(t);
		return NULL;
	}
	return t;
}

void
crypto_tls_free(struct crypto_tls *t)
{
	if (t == NULL)
		return;
	mbedtls_ssl_free(&t->ssl);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

size_t
crypto_tls_feed(struct crypto_tls *t, const void *buf, size_t len)
{
	if (len > CRYPTO_TLS_IN_MAX - t->inlen)
		len = CRYPTO_TLS_IN_MAX - t->inlen;
	if (len == 0)
		return 0;
	if (t->inoff + t->inlen + len > CRYPTO_TLS_IN_MAX) {
		memmove(t->in, t->in + t->inoff, t->inlen);
		t->inoff = 0;
	}
	memcpy(t->in + t->inoff + t->inlen, buf, len);
	t->inlen += len;
	return len;
}

const void *
crypto_tls_pending(const struct crypto_tls *t, size_t *len)
{
	*len = t->outlen;
	return t->outlen > 0 ? t->out + t->outoff : NULL;
}

void
crypto_tls_sent(struct crypto_tls *t, size_t n)
{
	if (n > t->outlen)
		n = t->outlen;
	t->outoff += n;
	t->outlen -= n;
	if (t->outlen == 0)
		t->outoff = 0;
}

/* Turns the flags of a certificate not accepted into one line: mbedTLS's
 * reasons, one a line, joined with "; ". */
static void
verify_error(struct crypto_tls *t)
{
	char info[ERR_MAX], joined[ERR_MAX];
	const char *p, *nl;
	size_t n = 0;

	joined[0] = '\0';
	if (mbedtls_x509_crt_verify_info(info, sizeof(info), "",
	    mbedtls_ssl_get_verify_result(&t->ssl)) < 0)
		info[0] = '\0';
	for (p = info; *p != '\0' && n < sizeof(joined); p = nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		n += (size_t)snprintf(joined + n, sizeof(joined) - n, "%s%.*s",
		    n > 0 ? "; " : "", (int)(nl - p), p);
		if (*nl == '\n')
			nl++;
	}
	snprintf(t->err, sizeof(t->err), "the server's certificate was not "
	    "accepted: %.200s", joined[0] != '\0' ? joined : "no reason given");
}

/* Maps what mbedTLS returned: WANT, CLOSED or ERROR (the text set). */
static enum crypto_tls_status
status_of(struct crypto_tls *t, int ret)
{
	char msg[128];

	if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
	    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return CRYPTO_TLS_WANT;
	t->failed = 1;
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0) {
		snprintf(t->err, sizeof(t->err), "the server closed the "
		    "session");
		return CRYPTO_TLS_CLOSED;
	}
	if (t->overflow)
		snprintf(t->err, sizeof(t->err), "a TLS record larger than "
		    "the session's buffer");
	else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
		verify_error(t);
	else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		snprintf(t->err, sizeof(t->err), "the server refused the "
		    "handshake (a fatal alert)%s", t->conf->has_cert ? "" :
		    "; it may want a client certificate");
	else {
		strerr(ret, msg, sizeof(msg));
		snprintf(t->err, sizeof(t->err), "%s", msg);
	}
	return CRYPTO_TLS_ERROR;
}

enum crypto_tls_status
crypto_tls_handshake(struct crypto_tls *t)
{
	int ret;

	if (t->failed)
		return CRYPTO_TLS_ERROR;
	if (t->open)
		return CRYPTO_TLS_OK;
	if ((ret = mbedtls_ssl_handshake(&t->ssl)) != 0)
		return status_of(t, ret);
	t->open = 1;
	return CRYPTO_TLS_OK;
}

int
crypto_tls_is_open(const struct crypto_tls *t)
{
	return t->open && !t->failed;
}

enum crypto_tls_status
crypto_tls_read(struct crypto_tls *t, void *buf, size_t len, size_t *got)
{
	int ret;

	*got = 0;
	if (t->failed)
		return CRYPTO_TLS_ERROR;
	if (!t->open || len == 0)
		return CRYPTO_TLS_WANT;
	ret = mbedtls_ssl_read(&t->ssl, buf, len);
	if (ret <= 0)
		return status_of(t, ret);
	*got = (size_t)ret;
	return CRYPTO_TLS_OK;
}

enum crypto_tls_status
crypto_tls_write(struct crypto_tls *t, const void *buf, size_t len,
    size_t *took)
{
	int maxp, exp, ret;

	*took = 0;
	if (t->failed)
		return CRYPTO_TLS_ERROR;
	if (!t->open)
		return CRYPTO_TLS_WANT;
	if (len == 0)
		return CRYPTO_TLS_OK;
	if ((maxp = mbedtls_ssl_get_max_out_record_payload(&t->ssl)) <= 0)
		return status_of(t, maxp < 0 ? maxp :
		    MBEDTLS_ERR_SSL_INTERNAL_ERROR);
	if (len > (size_t)maxp)
		len = (size_t)maxp;
	if ((exp = mbedtls_ssl_get_record_expansion(&t->ssl)) < 0)
		exp = EXPANSION_MAX;
	if (CRYPTO_TLS_OUT_MAX - t->outlen < len + (size_t)exp + ALERT_ROOM)
		return CRYPTO_TLS_WANT;
	ret = mbedtls_ssl_write(&t->ssl, buf, len);
	if (ret <= 0)
		return status_of(t, ret);
	*took = (size_t)ret;
	return CRYPTO_TLS_OK;
}

const char *
crypto_tls_error(const struct crypto_tls *t)
{
	return t->err;
}
