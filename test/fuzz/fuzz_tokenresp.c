/*
 * fuzz_tokenresp: oidc_token_response_parse, the reader of a token
 * endpoint's answer, and oidc_userinfo_merge, the reader of a userinfo
 * endpoint's, on the same bytes.
 *
 * Input: one byte choosing the HTTP status (200, 400, 401 or 503), then
 * the body.  Invariants: only a 200 is accepted; an accepted answer has
 * token_type "Bearer", and its id_token, refresh_token and access_token,
 * when kept, are non-empty visible ASCII within their caps; invalid_grant
 * is reported only for a refusal; a refusal says why and keeps nothing.
 * A userinfo answer is used only with a 200 and the user's own sub, and
 * then only fills a name or an email that was empty, with valid text.
 */
#include <string.h>

#include "fuzz.h"
#include "oidc.h"
#include "token.h"
#include "util.h"
#include "validate.h"

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

static void
check_userinfo(long status, const char *body, size_t len)
{
	struct oidc_user u, before;
	const char *why = NULL;

	memset(&u, 0, sizeof(u));
	strcpy(u.sub, "lea");
	strcpy(u.email, "lea@x.test");	/* known: must stay */
	before = u;
	if (oidc_userinfo_merge(status, body, len, &u, &why) == -1) {
		FUZZ_CHECK(why != NULL && memcmp(&u, &before, sizeof(u)) == 0);
		return;
	}
	FUZZ_CHECK(status == 200);
	FUZZ_CHECK(strcmp(u.sub, "lea") == 0 &&
	    strcmp(u.email, "lea@x.test") == 0);
	FUZZ_CHECK(valid_text(u.name, OIDC_NAME_MAX));
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
	check_userinfo(status, (const char *)data + 1, size - 1);
	if (oidc_token_response_parse(status, (const char *)data + 1, size - 1,
	    &t, &grant, &why) == -1) {
		FUZZ_CHECK(why != NULL && grant != -1);
		FUZZ_CHECK(t.id_token == NULL && t.refresh_token == NULL &&
		    t.access_token == NULL);
		free(why);
		return 0;
	}
	FUZZ_CHECK(status == 200 && why == NULL && grant == 0);
	FUZZ_CHECK(t.token_type != NULL && strcmp(t.token_type, "Bearer") == 0);
	check_token(t.id_token, TOKEN_MAX_LEN);
	check_token(t.refresh_token, OIDC_REFRESH_MAX);
	check_token(t.access_token, OIDC_ACCESS_MAX);
	oidc_tokens_clear(&t);
	return 0;
}
