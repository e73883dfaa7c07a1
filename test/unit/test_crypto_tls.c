/*
 * test_crypto_tls: the in-memory TLS client against an mbedTLS server in
 * the same process, bytes carried by hand between the two.  The test
 * makes its own CAs and certificates (ECDSA P-256) with mbedTLS's writer:
 * a handshake with a DNS name and with an address, data both ways larger
 * than every buffer, the server's close; a certificate from another CA,
 * for another name or another address; mutual TLS with and without the
 * client's certificate; the buffers' ceilings; the configuration's and the
 * name's refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "crypto_tls.h"
#include "tap.h"

#define PEM_MAX		4096
#define PIPE_MAX	(512 * 1024)
#define BIG		(200 * 1024)	/* more than every buffer */

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

/* --- certificates --- */

struct ident {
	mbedtls_pk_context	 key;
	char			 cert[PEM_MAX];
	char			 keypem[PEM_MAX];
	char			 name[64];	/* "CN=..." */
};

static void
die(const char *what, int ret)
{
	printf("Bail out! %s: -0x%04x\n", what, (unsigned int)-ret);
	exit(1);
}

static void
make_key(struct ident *id)
{
	int ret;

	mbedtls_pk_init(&id->key);
	if ((ret = mbedtls_pk_setup(&id->key,
	    mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0 ||
	    (ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
	    mbedtls_pk_ec(id->key), mbedtls_ctr_drbg_random, &drbg)) != 0 ||
	    (ret = mbedtls_pk_write_key_pem(&id->key,
	    (unsigned char *)id->keypem, sizeof(id->keypem))) != 0)
		die("key", ret);
}

/*
 * A certificate for id signed by issuer (id itself for a CA), with a
 * subjectAltName of one dNSName and one iPAddress when dns is set.
 */
static void
make_cert(struct ident *id, const char *cn, struct ident *issuer, int ca,
    const char *dns, const unsigned char ip[4], int serial)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi sn;
	unsigned char san[128];
	size_t n, dl;
	int ret;

	snprintf(id->name, sizeof(id->name), "CN=%s", cn);
	if (issuer == NULL)
		issuer = id;
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, &id->key);
	mbedtls_x509write_crt_set_issuer_key(&w, &issuer->key);
	if ((ret = mbedtls_mpi_lset(&sn, serial)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_serial(&w, &sn)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_subject_name(&w, id->name)) != 0 ||
	    (ret = mbedtls_x509write_crt_set_issuer_name(&w, issuer->name)) !=
	    0 || (ret = mbedtls_x509write_crt_set_validity(&w,
	    "20200101000000", "20991231235959")) != 0 ||
	    (ret = mbedtls_x509write_crt_set_basic_constraints(&w, ca, -1)) !=
	    0)
		die("certificate fields", ret);
	if (dns != NULL) {
		/* SEQUENCE { [2] dns, [7] ip } by hand. */
		dl = strlen(dns);
		n = 0;
		san[n++] = 0x30;
		san[n++] = (unsigned char)(2 + dl + 2 + 4);
		san[n++] = 0x82;
		san[n++] = (unsigned char)dl;
		memcpy(san + n, dns, dl);
		n += dl;
		san[n++] = 0x87;
		san[n++] = 4;
		memcpy(san + n, ip, 4);
		n += 4;
		if ((ret = mbedtls_x509write_crt_set_extension(&w,
		    MBEDTLS_OID_SUBJECT_ALT_NAME,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, n)) !=
		    0)
			die("subjectAltName", ret);
	}
	if ((ret = mbedtls_x509write_crt_pem(&w, (unsigned char *)id->cert,
	    sizeof(id->cert), mbedtls_ctr_drbg_random, &drbg)) != 0)
		die("certificate", ret);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&sn);
}

static char *tmpfiles[16];
static size_t ntmp;

static const char *
write_tmp(const char *data)
{
	char path[] = "/tmp/test_crypto_tls.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, data, strlen(data)) != (ssize_t)strlen(data) ||
	    ntmp == sizeof(tmpfiles) / sizeof(tmpfiles[0])) {
		printf("Bail out! cannot write a file\n");
		exit(1);
	}
	close(fd);
	tmpfiles[ntmp] = strdup(path);
	return tmpfiles[ntmp++];
}

/* --- the server, and the wire between the two --- */

struct pipe {
	unsigned char	buf[PIPE_MAX];
	size_t		len;
};

struct server {
	mbedtls_ssl_config	 conf;
	mbedtls_ssl_context	 ssl;
	mbedtls_x509_crt	 cert, ca;
	mbedtls_pk_context	 key;
	struct pipe		 in;	/* from the client */
	struct pipe		 out;	/* to the client */
};

static int
srv_send(void *arg, const unsigned char *buf, size_t len)
{
	struct pipe *p = &((struct server *)arg)->out;

	if (len > PIPE_MAX - p->len)
		len = PIPE_MAX - p->len;
	if (len == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return (int)len;
}

static int
srv_recv(void *arg, unsigned char *buf, size_t len)
{
	struct pipe *p = &((struct server *)arg)->in;

	if (p->len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > p->len)
		len = p->len;
	memcpy(buf, p->buf, len);
	memmove(p->buf, p->buf + len, p->len - len);
	p->len -= len;
	return (int)len;
}

/* A server with id's certificate; asking for a client's signed by ca
 * when ca is set. */
static struct server *
server_new(struct ident *id, struct ident *ca)
{
	struct server *s = calloc(1, sizeof(*s));
	int ret;

	mbedtls_ssl_config_init(&s->conf);
	mbedtls_ssl_init(&s->ssl);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_x509_crt_init(&s->ca);
	mbedtls_pk_init(&s->key);
	if ((ret = mbedtls_x509_crt_parse(&s->cert,
	    (const unsigned char *)id->cert, strlen(id->cert) + 1)) != 0 ||
	    (ret = mbedtls_pk_parse_key(&s->key,
	    (const unsigned char *)id->keypem, strlen(id->keypem) + 1, NULL,
	    0)) != 0 ||
	    (ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0 ||
	    (ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key)) !=
	    0)
		die("server", ret);
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &drbg);
	if (ca != NULL) {
		if ((ret = mbedtls_x509_crt_parse(&s->ca,
		    (const unsigned char *)ca->cert, strlen(ca->cert) + 1)) != 0)
			die("server CA", ret);
		mbedtls_ssl_conf_ca_chain(&s->conf, &s->ca, NULL);
		mbedtls_ssl_conf_authmode(&s->conf,
		    MBEDTLS_SSL_VERIFY_REQUIRED);
	} else
		mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
	if ((ret = mbedtls_ssl_setup(&s->ssl, &s->conf)) != 0)
		die("server setup", ret);
	mbedtls_ssl_set_bio(&s->ssl, s, srv_send, srv_recv, NULL);
	return s;
}

static void
server_free(struct server *s)
{
	mbedtls_ssl_free(&s->ssl);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_x509_crt_free(&s->ca);
	mbedtls_pk_free(&s->key);
	free(s);
}

/* The client's pending ciphertext onto the wire to the server; the
 * server's to the client, as much as it takes.  Returns bytes moved. */
static size_t
carry(struct crypto_tls *t, struct server *s)
{
	const void *p;
	size_t len, took, moved = 0;

	if ((p = crypto_tls_pending(t, &len)) != NULL) {
		if (len > PIPE_MAX - s->in.len)
			len = PIPE_MAX - s->in.len;
		memcpy(s->in.buf + s->in.len, p, len);
		s->in.len += len;
		crypto_tls_sent(t, len);
		moved += len;
	}
	if (s->out.len > 0) {
		took = crypto_tls_feed(t, s->out.buf, s->out.len);
		memmove(s->out.buf, s->out.buf + took, s->out.len - took);
		s->out.len -= took;
		moved += took;
	}
	return moved;
}

/* Runs both handshakes to their end: the client's status.  A server
 * that fails tells the client with an alert, as OpenSSL's (Redis's) does
 * and mbedTLS's does not always. */
static enum crypto_tls_status
handshake(struct crypto_tls *t, struct server *s, int *srv_ret)
{
	enum crypto_tls_status st = CRYPTO_TLS_WANT;
	int i, r = MBEDTLS_ERR_SSL_WANT_READ;

	for (i = 0; i < 100; i++) {
		st = crypto_tls_handshake(t);
		carry(t, s);
		if (r == MBEDTLS_ERR_SSL_WANT_READ ||
		    r == MBEDTLS_ERR_SSL_WANT_WRITE) {
			r = mbedtls_ssl_handshake(&s->ssl);
			if (r != 0 && r != MBEDTLS_ERR_SSL_WANT_READ &&
			    r != MBEDTLS_ERR_SSL_WANT_WRITE)
				(void)mbedtls_ssl_send_alert_message(&s->ssl,
				    MBEDTLS_SSL_ALERT_LEVEL_FATAL,
				    MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
		}
		carry(t, s);
		if (st != CRYPTO_TLS_WANT && r != MBEDTLS_ERR_SSL_WANT_READ &&
		    r != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (st == CRYPTO_TLS_ERROR)
			break;
	}
	*srv_ret = r;
	return st;
}

/* A fresh client configuration from PEM texts (NULL: none). */
static struct crypto_tls_conf *
client_conf(const char *ca, const char *cert, const char *key)
{
	struct crypto_tls_conf *tc;
	char *err = NULL;

	tc = crypto_tls_conf_new(write_tmp(ca), cert != NULL ?
	    write_tmp(cert) : NULL, key != NULL ? write_tmp(key) : NULL, &err);
	if (tc == NULL) {
		printf("Bail out! client configuration: %s\n", err);
		exit(1);
	}
	return tc;
}

static struct ident ca, rogue_ca, server, client, rogue;
static const unsigned char lo[4] = { 127, 0, 0, 1 };

static void
setup(void)
{
	const char pers[] = "test_crypto_tls";

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)pers, sizeof(pers) - 1) != 0)
		die("drbg", -1);
	make_key(&ca);
	make_cert(&ca, "test CA", NULL, 1, NULL, NULL, 1);
	make_key(&rogue_ca);
	make_cert(&rogue_ca, "another CA", NULL, 1, NULL, NULL, 2);
	make_key(&server);
	make_cert(&server, "redis.test", &ca, 0, "redis.test", lo, 3);
	make_key(&client);
	make_cert(&client, "lkgate", &ca, 0, NULL, NULL, 4);
	make_key(&rogue);
	make_cert(&rogue, "redis.test", &rogue_ca, 0, "redis.test", lo, 5);
}

/* --- the cases --- */

/* Connects to a server with srv's certificate as name: the status. */
static enum crypto_tls_status
try_name(struct crypto_tls_conf *tc, struct ident *srv, const char *name,
    char *why, size_t whylen)
{
	struct server *s = server_new(srv, NULL);
	struct crypto_tls *t;
	enum crypto_tls_status st;
	char *err = NULL;
	int r;

	if ((t = crypto_tls_new(tc, name, &err)) == NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	st = handshake(t, s, &r);
	snprintf(why, whylen, "%s", crypto_tls_error(t));
	crypto_tls_free(t);
	server_free(s);
	return st;
}

static void
test_names(void)
{
	struct crypto_tls_conf *tc = client_conf(ca.cert, NULL, NULL);
	char why[300];

	is_int(try_name(tc, &server, "redis.test", why, sizeof(why)),
	    CRYPTO_TLS_OK, "a DNS name in the certificate");
	is_str(why, "", "no error text");
	is_int(try_name(tc, &server, "127.0.0.1", why, sizeof(why)),
	    CRYPTO_TLS_OK, "an address in the certificate");
	is_int(try_name(tc, &server, "other.test", why, sizeof(why)),
	    CRYPTO_TLS_ERROR, "another DNS name: refused");
	ok(strstr(why, "not accepted: The certificate Common Name (CN) does "
	    "not match") != NULL, "why: %s", why);
	is_int(try_name(tc, &server, "127.0.0.2", why, sizeof(why)),
	    CRYPTO_TLS_ERROR, "another address: refused");
	ok(strstr(why, "Common Name (CN) does not match") != NULL, "why: %s",
	    why);
	is_int(try_name(tc, &server, "::1", why, sizeof(why)),
	    CRYPTO_TLS_ERROR, "an IPv6 address not in it: refused");
	is_int(try_name(tc, &rogue, "redis.test", why, sizeof(why)),
	    CRYPTO_TLS_ERROR, "a certificate of another CA: refused");
	ok(strstr(why, "not correctly signed by the trusted CA") != NULL,
	    "why: %s", why);
	crypto_tls_conf_free(tc);
}

/* Pushes n bytes of plaintext from the client to the server. */
static size_t
client_to_server(struct crypto_tls *t, struct server *s,
    const unsigned char *data, size_t n, unsigned char *got)
{
	size_t off = 0, have = 0, took;
	int r, i;

	for (i = 0; i < 10000 && have < n; i++) {
		if (off < n && crypto_tls_write(t, data + off, n - off, &took) ==
		    CRYPTO_TLS_OK)
			off += took;
		carry(t, s);
		while ((r = mbedtls_ssl_read(&s->ssl, got + have, n - have)) > 0)
			have += (size_t)r;
	}
	return have;
}

/* Pushes n bytes from the server to the client, the client's input
 * buffer filling on the way: *capped set when feed took less. */
static size_t
server_to_client(struct crypto_tls *t, struct server *s,
    const unsigned char *data, size_t n, unsigned char *got, int *capped)
{
	size_t off = 0, have = 0, g;
	int r, i, j;

	*capped = 0;
	for (i = 0; i < 10000 && have < n; i++) {
		/* Four records at once: more than the client's input. */
		for (j = 0; j < 4 && off < n; j++)
			if ((r = mbedtls_ssl_write(&s->ssl, data + off,
			    n - off)) > 0)
				off += (size_t)r;
		carry(t, s);
		if (s->out.len > 0)	/* left on the wire: feed was full */
			*capped = 1;
		while (crypto_tls_read(t, got + have, n - have, &g) ==
		    CRYPTO_TLS_OK)
			have += g;
	}
	return have;
}

static void
test_data(void)
{
	struct crypto_tls_conf *tc = client_conf(ca.cert, NULL, NULL);
	struct server *s = server_new(&server, NULL);
	unsigned char *data = malloc(BIG), *got = malloc(BIG);
	struct crypto_tls *t;
	size_t i, took, len, most = 0, maxtook = 0, g;
	char *err;
	int r, capped;

	for (i = 0; i < BIG; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	t = crypto_tls_new(tc, "redis.test", &err);
	is_int(crypto_tls_write(t, "x", 1, &took), CRYPTO_TLS_WANT,
	    "no write before the handshake");
	is_int(crypto_tls_read(t, got, 1, &g), CRYPTO_TLS_WANT,
	    "no read before the handshake");
	ok(crypto_tls_pending(t, &len) == NULL && len == 0,
	    "nothing to send before the handshake starts");
	is_int(handshake(t, s, &r), CRYPTO_TLS_OK, "handshake");
	is_int(r, 0, "the server's handshake is over too");
	ok(crypto_tls_is_open(t), "open");
	memset(got, 0, BIG);
	is_int((long long)client_to_server(t, s, data, BIG, got), BIG,
	    "client to server: every byte");
	ok(memcmp(got, data, BIG) == 0, "client to server: the same bytes");
	memset(got, 0, BIG);
	is_int((long long)server_to_client(t, s, data, BIG, got, &capped), BIG,
	    "server to client: every byte");
	ok(memcmp(got, data, BIG) == 0, "server to client: the same bytes");
	ok(capped, "the client's input buffer filled on the way (feed took "
	    "less)");
	/* Writes without sending: the output buffer has a ceiling. */
	for (i = 0; i < 100; i++) {
		if (crypto_tls_write(t, data, BIG, &took) != CRYPTO_TLS_OK)
			break;
		maxtook = took > maxtook ? took : maxtook;
		crypto_tls_pending(t, &len);
		most = len > most ? len : most;
	}
	ok(i > 0 && maxtook == 16384, "one record a write: %zu bytes",
	    maxtook);
	is_int(crypto_tls_write(t, data, BIG, &took), CRYPTO_TLS_WANT,
	    "writes wait once the ciphertext nears its ceiling");
	ok(most <= CRYPTO_TLS_OUT_MAX && most > CRYPTO_TLS_OUT_MAX / 2,
	    "ciphertext held: %zu of %d", most, CRYPTO_TLS_OUT_MAX);
	while (crypto_tls_pending(t, &len) != NULL)
		carry(t, s);
	/* The server closes: the client says so. */
	while (mbedtls_ssl_read(&s->ssl, got, BIG) > 0)
		;
	r = mbedtls_ssl_close_notify(&s->ssl);
	is_int(r, 0, "the server sends close_notify");
	carry(t, s);
	is_int(crypto_tls_read(t, got, BIG, &g), CRYPTO_TLS_CLOSED,
	    "the client reads the close");
	is_int(crypto_tls_read(t, got, BIG, &g), CRYPTO_TLS_ERROR,
	    "and nothing after it");
	crypto_tls_free(t);
	server_free(s);
	crypto_tls_conf_free(tc);
	free(data);
	free(got);
}

static void
test_mutual(void)
{
	struct crypto_tls_conf *with, *without;
	struct crypto_tls *t;
	struct server *s;
	char *err;
	int r;

	with = client_conf(ca.cert, client.cert, client.keypem);
	without = client_conf(ca.cert, NULL, NULL);
	s = server_new(&server, &ca);
	t = crypto_tls_new(with, "redis.test", &err);
	is_int(handshake(t, s, &r), CRYPTO_TLS_OK,
	    "mutual TLS with a client certificate");
	is_int(r, 0, "the server accepted it");
	crypto_tls_free(t);
	server_free(s);
	s = server_new(&server, &ca);
	t = crypto_tls_new(without, "redis.test", &err);
	is_int(handshake(t, s, &r), CRYPTO_TLS_ERROR,
	    "mutual TLS without one: refused");
	ok(strstr(crypto_tls_error(t), "the server refused the handshake "
	    "(a fatal alert); it may want a client certificate") != NULL,
	    "why: %s", crypto_tls_error(t));
	crypto_tls_free(t);
	server_free(s);
	crypto_tls_conf_free(with);
	crypto_tls_conf_free(without);
}

/* A configuration refused with a message holding want. */
static void
conf_fails(const char *ca_file, const char *cert, const char *key,
    const char *want, const char *name)
{
	struct crypto_tls_conf *tc;
	char *err = NULL;

	tc = crypto_tls_conf_new(ca_file, cert, key, &err);
	ok(tc == NULL && err != NULL && strstr(err, want) != NULL,
	    "%s: %s", name, err != NULL ? err : "(accepted)");
	crypto_tls_conf_free(tc);
	free(err);
}

static void
test_refusals(void)
{
	struct crypto_tls_conf *tc = client_conf(ca.cert, NULL, NULL);
	const char *ca_file = write_tmp(ca.cert);
	const char *cert = write_tmp(client.cert);
	const char *key = write_tmp(client.keypem);
	const char *other_key = write_tmp(rogue.keypem);
	const char *junk = write_tmp("-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n");
	const char *bad[] = { "", "bad/name", "-x.test", "a b", ".test" };
	struct crypto_tls *t;
	char *err;
	size_t i;

	conf_fails("/nonexistent/ca.pem", NULL, NULL,
	    "/nonexistent/ca.pem: No such file", "a CA file not there");
	conf_fails(junk, NULL, NULL, ": no CA certificate could be read (",
	    "a CA file of no certificate");
	conf_fails(ca_file, cert, NULL, "give both or neither",
	    "a certificate without its key");
	conf_fails(ca_file, NULL, key, "give both or neither",
	    "a key without its certificate");
	conf_fails(ca_file, cert, other_key, ": not the key of the "
	    "certificate in ", "a key of another certificate");
	conf_fails(ca_file, cert, junk, ": not a private key (",
	    "a key file of no key");
	conf_fails(ca_file, junk, key, ": not a certificate chain (",
	    "a certificate file of no certificate");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		t = crypto_tls_new(tc, bad[i], &err);
		ok(t == NULL && err != NULL && strstr(err, "is neither a host "
		    "name nor an address") != NULL, "server name \"%s\" refused",
		    bad[i]);
		crypto_tls_free(t);
		free(err);
	}
	crypto_tls_conf_free(tc);
}

int
main(void)
{
	size_t i;

	setup();
	test_names();
	test_data();
	test_mutual();
	test_refusals();
	mbedtls_pk_free(&ca.key);
	mbedtls_pk_free(&rogue_ca.key);
	mbedtls_pk_free(&server.key);
	mbedtls_pk_free(&client.key);
	mbedtls_pk_free(&rogue.key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	for (i = 0; i < ntmp; i++) {
		unlink(tmpfiles[i]);
		free(tmpfiles[i]);
	}
	return tap_done();
}
