/*
 * fuzz_tokenresp: oidc_token_response_parse, the reader of a token
 * endpoint's answer.
 *
 * Input: one byte choosing the HTTP status (200, 400, 401 or 503), then
 * the body.  Invariants: only a 200 is accepted; an accepted answer has
 * token_type "Bearer", and its id_token and refresh_token, when kept, are
 * non-empty visible ASCII within their caps; invalid_grant is reported
 * only for a refusal; a refusal says why and keeps nothing.
 */
#include <string.h>

#include "fuzz.h"
#include "oidc.h"
#include "token.h"
#include "util.h"

static void
check_token(const char *t, size_t max)
{
	size_t i;

	if (t == NULL)
		return;
	FUZZ_CHECK(t[0] != '\0' && strlen(t) <= max);
	for (i = 0; t[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)t[i] > ' ' &&
		    (unsigned char)t[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 503 };
	struct oidc_tokens t;
	char *why = NULL;
	int grant = -1;
	long status;

	if (size == 0)
		return 0;
	status = statuses[data[0] & 3];
	if (oidc_token_response_parse(status, (const char *)data + 1, size - 1,
	    &t, &grant, &why) == -1) {
		FUZZ_CHECK(why != NULL && grant != -1);
		FUZZ_CHECK(t.id_token == NULL && t.refresh_token == NULL);
		free(why);
		return 0;
	}
	FUZZ_CHECK(status == 200 && why == NULL && grant == 0);
	FUZZ_CHECK(t.token_type != NULL && strcmp(t.token_type, "Bearer") == 0);
	check_token(t.id_token, TOKEN_MAX_LEN);
	check_token(t.refresh_token, OIDC_REFRESH_MAX);
	oidc_tokens_clear(&t);
	return 0;
}
