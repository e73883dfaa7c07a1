/*
 * test_jointoken: participant tokens from a loaded configuration (signed
 * with the signer conf_load prepares, so with the configured key and
 * secret), and the token routes' answer written as text: byte for byte
 * what json_print makes of jointoken_answer's tree, whatever the strings.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "jointoken.h"
#include "tap.h"
#include "token.h"
#include "util.h"

#define LK_KEY		"APIkey"
#define LK_SECRET	"livekit-secret-0123456789abcdef0123"
#define NOW		1700000000LL

static const char *const env[] = {
	"LIVEKIT_URL", "ws://127.0.0.1:7880",
	"LIVEKIT_API_KEY", LK_KEY,
	"LIVEKIT_API_SECRET", LK_SECRET,
	"LKGATE_TOKEN_TTL", "600",
	NULL,
};

static const char *
env_lookup(void *arg, const char *name)
{
	const char *const *e;

	(void)arg;
	for (e = env; e[0] != NULL; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

/* The configuration's signer signs as the key and secret it was given. */
static void
test_sign(const struct conf *c)
{
	static const char *const attrs[] = { "a", "b", NULL };
	struct join_request jr = { "room-1", "user-1", "User One", "{}",
	    NULL, NULL };
	struct lk_claims cl;
	cJSON *attrobj;
	int64_t exp;
	char *got, *want;

	attrobj = json_new_object();
	json_add_string(attrobj, "a", "b");
	jr.attributes = attrobj;
	got = jointoken_sign(c, &jr, NOW, &exp);
	is_int(exp, NOW + c->token_ttl, "expires_at is now + token_ttl");
	memset(&cl, 0, sizeof(cl));
	cl.identity = jr.identity;
	cl.name = jr.name;
	cl.metadata = jr.metadata;
	cl.attributes = attrs;
	cl.has_video = 1;
	cl.video.room_join = 1;
	cl.video.room = jr.room;
	cl.video.can_publish = TRI_TRUE;
	cl.video.can_subscribe = TRI_TRUE;
	cl.video.can_publish_data = TRI_TRUE;
	cl.video.can_update_own_metadata = TRI_ABSENT;
	want = token_sign_livekit(LK_KEY, LK_SECRET, strlen(LK_SECRET), &cl,
	    NOW, c->token_ttl);
	is_str(got, want, "the configuration's signer uses its key and "
	    "secret");
	free(got);
	free(want);
	cJSON_Delete(attrobj);
}

/* Answers from the tree and as text, for strings that need escaping. */
static void
check_answer(const struct conf *c, const struct join_request *jr,
    const char *token, int64_t exp, const char *name)
{
	cJSON *o;
	char *tree, *text;
	size_t len;

	o = jointoken_answer(c, jr, xstrdup(token), exp);
	tree = json_print(o);
	cJSON_Delete(o);
	text = jointoken_answer_text(c, jr, xstrdup(token), exp, &len);
	is_str(text, tree, name);
	is_int((long long)len, (long long)strlen(text), "its length");
	free(text);
	free(tree);
}

static void
test_answer(struct conf *c)
{
	char all[256], *url;
	struct join_request jr = { "room-1", "user-1", NULL, NULL, NULL, NULL };
	size_t i;

	check_answer(c, &jr, "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", NOW + 600,
	    "a plain answer");
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	jr.room = all;
	jr.identity = all + 100;
	url = c->livekit_url;
	c->livekit_url = all + 30;
	check_answer(c, &jr, all + 200, -1, "strings holding bytes 1 to 255");
	check_answer(c, &jr, "", 9007199254740991LL, "empty token, 2^53 - 1");
	c->livekit_url = url;
}

int
main(void)
{
	struct conf *c;
	char *err = NULL;

	c = conf_load(NULL, 0, 0, env_lookup, NULL, &err);
	if (c == NULL) {
		ok(0, "configuration loads: %s", err);
		free(err);
		return tap_done();
	}
	test_sign(c);
	test_answer(c);
	conf_free(c);
	return tap_done();
}
