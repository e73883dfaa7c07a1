/*
 * fuzz_discovery: oidc_discovery_parse, the reader of an OpenID Connect
 * provider's discovery document, for the issuer "https://op.example".
 * Invariants: a document is accepted only when it names that issuer; the
 * endpoints it yields are http(s) URLs of visible ASCII within the cap,
 * https or plain http to a loopback host, the optional ones
 * (end_session, revocation, userinfo) possibly absent; a refusal says why
 * and leaves nothing allocated.
 */
#include <string.h>

#include "fuzz.h"
#include "oidc.h"
#include "util.h"
#include "validate.h"

#define ISSUER "https://op.example"

static void
check_url(const char *u, int required)
{
	size_t i;

	if (u == NULL) {
		FUZZ_CHECK(!required);
		return;
	}
	FUZZ_CHECK(strncmp(u, "http://", 7) == 0 ||
	    strncmp(u, "https://", 8) == 0);
	FUZZ_CHECK(strlen(u) <= OIDC_URL_MAX);
	FUZZ_CHECK(valid_secure_url(u));
	for (i = 0; u[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)u[i] > ' ' &&
		    (unsigned char)u[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_discovery d;
	char *why = NULL;

	if (oidc_discovery_parse((const char *)data, size, ISSUER, &d,
	    &why) == -1) {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(d.issuer == NULL && d.token_endpoint == NULL);
		free(why);
		return 0;
	}
	FUZZ_CHECK(why == NULL);
	FUZZ_CHECK(strcmp(d.issuer, ISSUER) == 0);
	check_url(d.authorization_endpoint, 1);
	check_url(d.token_endpoint, 1);
	check_url(d.jwks_uri, 1);
	check_url(d.end_session_endpoint, 0);
	check_url(d.revocation_endpoint, 0);
	check_url(d.userinfo_endpoint, 0);
	oidc_discovery_clear(&d);
	FUZZ_CHECK(d.issuer == NULL);
	return 0;
}
