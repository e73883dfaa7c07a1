/*
 * h_auth: the web login of the Visio-Conf app under /api/auth: lkgate as
 * an OpenID Connect relying party (authorization code with PKCE) whose
 * session is a sealed cookie (websess.h), so no server keeps any state.
 *
 *   login     draws state, nonce and PKCE verifier, seals them in the
 *             login cookie and redirects to the provider;
 *   callback  opens the login cookie (and clears it: a state is good
 *             once), checks the state, exchanges the code with the
 *             verifier, checks the ID token and sets the session;
 *   status    says who is signed in;
 *   refresh   extends the session with the refresh token;
 *   logout    revokes the refresh token at the provider when it can,
 *             clears the cookies and names the provider's end-session
 *             URL.
 *
 * Without oidc_issuer every route here answers 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "crypto.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "oidc.h"
#include "oidcprov.h"
#include "util.h"
#include "validate.h"
#include "websess.h"

#define CODE_MAX	2048
#define ERROR_ECHO_MAX	64

enum auth_mode { AM_CALLBACK, AM_REFRESH, AM_LOGOUT };

/* What a login request holds while it waits for the provider. */
struct authx {
	enum auth_mode		 mode;
	struct oidcprov_wait	*wait;
	struct oidcprov_call	*call;
	struct weblogin		 login;
	struct websess		 sess;
	char			*code;
	struct oidc_tokens	 tokens;
	struct oidc_user	 user;		/* while userinfo is asked */
	int			 keys_refreshed;
	void			(*then)(struct rq *);	/* see with_provider */
	int			 then_anyway;	/* even if the provider failed */
};

static void
authx_free(void *arg)
{
	struct authx *x = arg;

	oidcprov_cancel(x->wait);
	oidcprov_call_cancel(x->call);
	if (x->code != NULL)
		explicit_bzero(x->code, strlen(x->code));
	free(x->code);
	oidc_tokens_clear(&x->tokens);
	explicit_bzero(x, sizeof(*x));
	free(x);
}

static struct authx *
authx_new(struct rq *rq, enum auth_mode mode)
{
	struct authx *x = xcalloc(1, sizeof(*x));

	x->mode = mode;
	rq_hold(rq, x, authx_free);
	return x;
}

static struct oidcprov *
prov(struct rq *rq)
{
	return rq_gate(rq)->oidc;
}

static const struct conf *
cf(struct rq *rq)
{
	return rq_gate(rq)->conf;
}

/* 404 when no login is configured. */
static int
login_configured(struct rq *rq)
{
	if (cf(rq)->oidc_issuer != NULL)
		return 1;
	rq_reply_error(rq, E_NOT_FOUND, "no OpenID Connect login is "
	    "configured");
	return 0;
}

/* Adds a Set-Cookie setting (or, max_age 0, clearing) one cookie. */
static void
set_cookie(struct rq *rq, enum websess_cookie which, const char *value,
    long long max_age)
{
	char *s;

	if ((s = websess_set_cookie(cf(rq), which, value, max_age)) == NULL)
		fatal("cookie %s does not fit in 4 KB",
		    websess_cookie_name(cf(rq), which));
	rq_set_header(rq, "Set-Cookie", s);
	free(s);
}

static void
clear_session(struct rq *rq)
{
	set_cookie(rq, WC_SESSION, "", 0);
	set_cookie(rq, WC_CSRF, "", 0);
}

static void
random_text(char out[WEBSESS_RANDOM_LEN + 1])
{
	unsigned char rnd[WEBSESS_RANDOM_BYTES];

	util_random_bytes(rnd, sizeof(rnd));
	websess_random_text(rnd, out);
	explicit_bzero(rnd, sizeof(rnd));
}

static void
redirect(struct rq *rq, const char *url)
{
	rq_set_header(rq, "Location", url);
	rq_reply_data(rq, 302, "text/plain; charset=utf-8", "", 0);
}

/* The provider failed us: 502, with its reason in the log only. */
static void
provider_failed(struct rq *rq, const char *why)
{
	log_warn("request %s: OpenID Connect: %s", rq_id(rq), why);
	rq_reply_error(rq, E_UPSTREAM_ERROR, "the login provider is "
	    "unavailable or answered badly");
}

/*
 * The status and refresh answers, with the user object the Visio-Conf app
 * reads: {"id","name","email"}, id being the provider's sub.
 */
static cJSON *
session_answer(const struct websess *s)
{
	cJSON *o, *u;

	o = json_new_object();
	json_add_bool(o, "authenticated", 1);
	u = json_new_object();
	json_add_string(u, "id", s->user.sub);
	json_add_string(u, "name", s->user.name);
	json_add_string(u, "email", s->user.email);
	json_add_item(o, "user", u);
	json_add_int(o, "expires_at", s->exp);
	json_add_string(o, "csrf_token", s->csrf);
	json_add_bool(o, "refreshable", s->refresh[0] != '\0');
	return o;
}

/* Seals s and sets the session and CSRF cookies. */
static void
set_session(struct rq *rq, const struct websess *s)
{
	unsigned char nonce[SEAL_NONCE_LEN];
	long long ttl = cf(rq)->session_ttl;
	char *v;

	util_random_bytes(nonce, sizeof(nonce));
	v = websess_seal(cf(rq), s, nonce);
	set_cookie(rq, WC_SESSION, v, ttl);
	set_cookie(rq, WC_CSRF, s->csrf, ttl);
	free(v);
}

/* --- login --- */

static void
login_go(struct rq *rq)
{
	const struct oidc_discovery *d = oidcprov_discovery(prov(rq), cf(rq));
	struct authx *x = rq_state(rq);
	unsigned char nonce[SEAL_NONCE_LEN];
	char *sealed, *challenge, *url;

	if (d == NULL) {
		provider_failed(rq, "discovery document went stale");
		return;
	}
	random_text(x->login.state);
	random_text(x->login.nonce);
	random_text(x->login.verifier);
	x->login.exp = util_wall_s() + WEBSESS_LOGIN_TTL;
	util_random_bytes(nonce, sizeof(nonce));
	sealed = weblogin_seal(cf(rq), &x->login, nonce);
	set_cookie(rq, WC_LOGIN, sealed, WEBSESS_LOGIN_TTL);
	challenge = oidc_pkce_challenge(x->login.verifier);
	url = oidc_authorize_url(cf(rq), d->authorization_endpoint,
	    x->login.state, x->login.nonce, challenge);
	redirect(rq, url);
	free(sealed);
	free(challenge);
	free(url);
}

static void
provider_ready(void *arg, const char *err)
{
	struct rq *rq = arg;
	struct authx *x = rq_state(rq);

	x->wait = NULL;
	if (err != NULL && !x->then_anyway)
		provider_failed(rq, err);
	else
		x->then(rq);
}

/*
 * Waits for what need names (the discovery document, the keys), then runs
 * then; when the provider fails, answers 502 instead, unless anyway (then
 * runs and finds the document or keys missing).
 */
static void
with_provider(struct rq *rq, enum oidcprov_need need,
    void (*then)(struct rq *), int anyway)
{
	struct authx *x = rq_state(rq);

	x->then = then;
	x->then_anyway = anyway;
	x->wait = oidcprov_load(prov(rq), cf(rq), need, provider_ready, rq);
}

void
h_auth_login(struct rq *rq)
{
	const char *ret = rq_query(rq, "return_to");
	struct authx *x;

	if (!login_configured(rq))
		return;
	if (ret != NULL && !websess_return_ok(ret)) {
		rq_reply_error(rq, E_INVALID_INPUT, "return_to must be a path "
		    "on this site, starting with a single /");
		return;
	}
	x = authx_new(rq, AM_CALLBACK);
	snprintf(x->login.return_to, sizeof(x->login.return_to), "%s",
	    ret != NULL ? ret : "/");
	if (oidcprov_discovery(prov(rq), cf(rq)) != NULL)
		login_go(rq);
	else
		with_provider(rq, OP_DISCOVERY, login_go, 0);
}

/* --- the ID token, after a code exchange or a refresh --- */

static void	verify_id_token(struct rq *);

/* The user is who the ID token says: set the session and answer. */
static void
session_established(struct rq *rq, const struct oidc_user *u)
{
	struct authx *x = rq_state(rq);
	struct websess *s = &x->sess;

	if (x->mode == AM_REFRESH && strcmp(u->sub, s->user.sub) != 0) {
		clear_session(rq);
		rq_reply_error(rq, E_UNAUTHORIZED, "the refreshed ID token "
		    "names another user; log in again");
		return;
	}
	s->user = *u;
	s->exp = util_wall_s() + cf(rq)->session_ttl;
	if (x->mode == AM_CALLBACK)
		random_text(s->csrf);
	if (x->tokens.refresh_token != NULL)
		snprintf(s->refresh, sizeof(s->refresh), "%s",
		    x->tokens.refresh_token);
	set_session(rq, s);
	if (x->mode == AM_CALLBACK) {
		log_info("request %s: user %s logged in", rq_id(rq), u->sub);
		redirect(rq, x->login.return_to[0] != '\0' ?
		    x->login.return_to : "/");
	} else
		rq_reply_json(rq, 200, session_answer(s));
}

/* The userinfo endpoint answered: what it adds is kept, and the login
 * goes on whatever it said (the ID token is what proves who it is). */
static void
userinfo_answered(void *arg, const struct oidcprov_answer *res)
{
	struct rq *rq = arg;
	struct authx *x = rq_state(rq);
	const char *why;

	x->call = NULL;
	if (!res->answered)
		log_warn("request %s: userinfo: %s", rq_id(rq),
		    res->error != NULL ? res->error : "no answer");
	else if (oidc_userinfo_merge(res->http_status, res->body,
	    res->bodylen, &x->user, &why) == -1)
		log_warn("request %s: userinfo: %s", rq_id(rq), why);
	session_established(rq, &x->user);
}

/*
 * Some providers (France Travail among them) put the name and the email
 * only at the userinfo endpoint: when the ID token lacks either, ask
 * there with the access token, then go on with u.
 */
static void
with_userinfo(struct rq *rq, const struct oidc_user *u)
{
	const struct oidc_discovery *d = oidcprov_discovery(prov(rq), cf(rq));
	struct authx *x = rq_state(rq);

	if ((u->name[0] != '\0' && u->email[0] != '\0') || d == NULL ||
	    d->userinfo_endpoint == NULL || x->tokens.access_token == NULL) {
		session_established(rq, u);
		return;
	}
	x->user = *u;
	x->call = oidcprov_userinfo(prov(rq), cf(rq), d->userinfo_endpoint,
	    x->tokens.access_token, userinfo_answered, rq);
}

static void
verify_id_token(struct rq *rq)
{
	struct authx *x = rq_state(rq);
	const struct token_keyset *keys = oidcprov_keys(prov(rq), cf(rq));
	const char *idt = x->tokens.id_token, *why = NULL;
	struct oidc_user u;

	if (keys == NULL) {
		with_provider(rq, OP_KEYS, verify_id_token, 0);
		return;
	}
	switch (oidc_check_id_token(keys, idt, strlen(idt),
	    cf(rq)->oidc_issuer, cf(rq)->oidc_client_id,
	    x->mode == AM_CALLBACK ? x->login.nonce : NULL, util_wall_s(),
	    cf(rq)->user_jwt_leeway, &u, &why)) {
	case OIDC_IDT_OK:
		with_userinfo(rq, &u);
		return;
	case OIDC_IDT_NO_KEY:
		/* The provider may have rotated its keys: look once. */
		if (!x->keys_refreshed && oidcprov_may_refresh(prov(rq))) {
			x->keys_refreshed = 1;
			with_provider(rq, OP_REFRESH_KEYS, verify_id_token, 0);
			return;
		}
		break;
	case OIDC_IDT_BAD:
		break;
	}
	log_warn("request %s: ID token refused: %s", rq_id(rq), why);
	if (x->mode == AM_REFRESH)
		clear_session(rq);
	rq_reply_error(rq, E_UNAUTHORIZED, "the ID token was refused: %s",
	    why);
}

/* The token endpoint answered a code exchange or a refresh. */
static void
token_answered(void *arg, const struct oidcprov_answer *res)
{
	struct rq *rq = arg;
	struct authx *x = rq_state(rq);
	char *why = NULL;
	int invalid_grant;

	x->call = NULL;
	if (!res->answered) {
		provider_failed(rq, res->error != NULL ? res->error :
		    "the token endpoint failed");
		return;
	}
	if (oidc_token_response_parse(res->http_status, res->body,
	    res->bodylen, &x->tokens, &invalid_grant, &why) == -1) {
		log_warn("request %s: token endpoint: %s", rq_id(rq), why);
		if (x->mode == AM_REFRESH && invalid_grant)
			clear_session(rq);
		rq_reply_error(rq, E_UNAUTHORIZED, "%s%s", why,
		    x->mode == AM_REFRESH ? "; log in again" : "");
		free(why);
		return;
	}
	if (x->tokens.id_token != NULL)
		verify_id_token(rq);
	else if (x->mode == AM_REFRESH)
		session_established(rq, &x->sess.user);
	else
		provider_failed(rq, "the token endpoint sent no id_token");
}

/* Posts form to the token endpoint (the keys are loaded by now, so a
 * code is never spent when they cannot be had). */
static void
post_token(struct rq *rq)
{
	const struct oidc_discovery *d = oidcprov_discovery(prov(rq), cf(rq));
	struct authx *x = rq_state(rq);
	char *form;

	if (d == NULL || oidcprov_keys(prov(rq), cf(rq)) == NULL) {
		provider_failed(rq, "provider metadata went stale");
		return;
	}
	form = x->mode == AM_CALLBACK ?
	    oidc_form_code(cf(rq), x->code, x->login.verifier) :
	    oidc_form_refresh(cf(rq), x->sess.refresh);
	x->call = oidcprov_post(prov(rq), cf(rq), d->token_endpoint, form,
	    token_answered, rq);
	explicit_bzero(form, strlen(form));
	free(form);
}

/* Loads the keys if needed, then posts to the token endpoint. */
static void
exchange(struct rq *rq)
{
	if (oidcprov_keys(prov(rq), cf(rq)) != NULL)
		post_token(rq);
	else
		with_provider(rq, OP_KEYS, post_token, 0);
}

/* --- callback --- */

/* Checks the callback's query against the login; answers on error. */
static int
callback_check(struct rq *rq, struct authx *x)
{
	const char *state = rq_query(rq, "state"), *code = rq_query(rq, "code");
	const char *err = rq_query(rq, "error"), *why;
	size_t n;

	if (weblogin_open(cf(rq), rq_header(rq, "Cookie"), util_wall_s(),
	    &x->login, &why) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "login failed: %s; start "
		    "again at /api/auth/login", why);
		return -1;
	}
	n = strlen(x->login.state);
	if (state == NULL || strlen(state) != n ||
	    !crypto_ct_equal(state, x->login.state, n)) {
		rq_reply_error(rq, E_INVALID_INPUT, "login failed: state does "
		    "not match the login's; start again at /api/auth/login");
		return -1;
	}
	if (err != NULL) {
		rq_reply_error(rq, E_UNAUTHORIZED, "the provider refused the "
		    "login: %.*s", ERROR_ECHO_MAX,
		    valid_identity(err) ? err : "error");
		return -1;
	}
	if (code == NULL || code[0] == '\0' || !valid_text(code, CODE_MAX)) {
		rq_reply_error(rq, E_INVALID_INPUT, "login failed: no valid "
		    "code");
		return -1;
	}
	x->code = xstrdup(code);
	return 0;
}

void
h_auth_callback(struct rq *rq)
{
	struct authx *x;

	if (!login_configured(rq))
		return;
	/* Whatever happens, the login is spent: its state is good once. */
	set_cookie(rq, WC_LOGIN, "", 0);
	x = authx_new(rq, AM_CALLBACK);
	if (callback_check(rq, x) == -1)
		return;
	exchange(rq);
}

/* --- status, refresh, logout --- */

void
h_auth_status(struct rq *rq)
{
	struct websess s;
	const char *why;
	cJSON *o;

	if (!login_configured(rq))
		return;
	if (websess_open(cf(rq), rq_header(rq, "Cookie"), util_wall_s(), &s,
	    &why) == -1) {
		o = json_new_object();
		json_add_bool(o, "authenticated", 0);
		json_add_null(o, "user");
		rq_reply_json(rq, 200, o);
		return;
	}
	o = session_answer(&s);
	explicit_bzero(&s, sizeof(s));
	rq_reply_json(rq, 200, o);
}

/* The front checked the session and the CSRF header already. */
void
h_auth_refresh(struct rq *rq)
{
	struct authx *x;
	const char *why;

	if (!login_configured(rq))
		return;
	x = authx_new(rq, AM_REFRESH);
	if (websess_open(cf(rq), rq_header(rq, "Cookie"), util_wall_s(),
	    &x->sess, &why) == -1) {
		rq_reply_error(rq, E_UNAUTHORIZED, "%s", why);
		return;
	}
	if (x->sess.refresh[0] == '\0') {
		rq_reply_error(rq, E_INVALID_INPUT, "this session has no "
		    "refresh token; log in again");
		return;
	}
	exchange(rq);
}

static void
logout_answer(struct rq *rq)
{
	const struct oidc_discovery *d = oidcprov_discovery(prov(rq), cf(rq));
	char *id, *url;
	cJSON *o;

	clear_session(rq);
	o = json_new_object();
	json_add_bool(o, "logged_out", 1);
	if (d != NULL && d->end_session_endpoint != NULL) {
		id = oidc_urlencode(cf(rq)->oidc_client_id);
		url = xasprintf("%s%cclient_id=%s", d->end_session_endpoint,
		    strchr(d->end_session_endpoint, '?') != NULL ? '&' : '?',
		    id);
		json_add_string(o, "logout_url", url);
		free(id);
		free(url);
	} else
		json_add_null(o, "logout_url");
	rq_reply_json(rq, 200, o);
}

/* The revocation endpoint answered; the logout goes on either way. */
static void
logout_revoked(void *arg, const struct oidcprov_answer *res)
{
	struct rq *rq = arg;
	struct authx *x = rq_state(rq);

	x->call = NULL;
	if (res->answered && res->http_status == 200)
		log_info("request %s: user %s logged out, refresh token "
		    "revoked", rq_id(rq), x->sess.user.sub);
	else
		log_warn("request %s: the provider did not revoke the refresh "
		    "token of %s: %s", rq_id(rq), x->sess.user.sub,
		    !res->answered ? (res->error != NULL ? res->error :
		    "no answer") : "it answered an error");
	logout_answer(rq);
}

/*
 * A session with a refresh token has it revoked (RFC 7009) when the
 * provider has a revocation endpoint: a copy of the cookie kept from
 * before the logout can then no longer be refreshed.
 */
static void
logout_revoke(struct rq *rq)
{
	const struct oidc_discovery *d = oidcprov_discovery(prov(rq), cf(rq));
	struct authx *x = rq_state(rq);
	char *form;

	if (d == NULL || d->revocation_endpoint == NULL ||
	    x->sess.refresh[0] == '\0') {
		logout_answer(rq);
		return;
	}
	form = oidc_form_revoke(cf(rq), x->sess.refresh);
	x->call = oidcprov_post(prov(rq), cf(rq), d->revocation_endpoint,
	    form, logout_revoked, rq);
	explicit_bzero(form, strlen(form));
	free(form);
}

/*
 * A signed-in caller must send the CSRF header, or any page could sign
 * the user out; without a valid session the cookies are cleared anyway.
 */
void
h_auth_logout(struct rq *rq)
{
	struct principal p;
	struct authx *x;
	const char *why;

	if (!login_configured(rq))
		return;
	if (websess_authenticate(cf(rq), rq_header(rq, "Cookie"),
	    rq_header(rq, WEBSESS_CSRF_HEADER), 1, util_wall_s(), &p,
	    &why) == AUTHN_FORBIDDEN) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "%s", why);
		return;
	}
	x = authx_new(rq, AM_LOGOUT);
	if (websess_open(cf(rq), rq_header(rq, "Cookie"), util_wall_s(),
	    &x->sess, &why) == -1)
		memset(&x->sess, 0, sizeof(x->sess));
	if (oidcprov_discovery(prov(rq), cf(rq)) != NULL)
		logout_revoke(rq);
	else
		/* Without the document: no revocation, no logout_url. */
		with_provider(rq, OP_DISCOVERY, logout_revoke, 1);
}
