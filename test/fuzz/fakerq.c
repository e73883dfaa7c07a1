/*
 * fakerq: a stand-in for the request object (httpfront_rq.h) without
 * evhttp, so that fuzz_body can run the real handlers on a fuzzed body.
 * It is #included by fuzz_body.c; linking it replaces every function of
 * httpfront_rq.h, so httpfront_rq.o stays out of that link, while the
 * real replies (httpfront_reply.o: the error body, the LiveKit outcomes)
 * come from the archive and end the request through the fake rq_finish.
 * A handler that starts using a function of httpfront_rq.h not defined
 * here pulls httpfront_rq.o back in and the link fails with "multiple
 * definition": add the function here.
 *
 * Like the real front, the fake answers at most once, runs LiveKit
 * callbacks only after the handler has returned (from fakerq_run, with
 * answers the fuzz input supplies, reduced by the real lk_map_answer) and
 * drops a pending call when the request is answered.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "fuzz.h"
#include "httpfront.h"
#include "json.h"
#include "lkclient.h"
#include "lkgate.h"
#include "util.h"

#define FAKERQ_MAX_CALLS 4

/* One canned LiveKit answer: HTTP status and body. */
struct fake_answer {
	long		 status;
	const char	*body;
	size_t		 len;
};

struct rq {
	struct lkgate	*gate;
	const char	*param;		/* path parameter, or NULL */
	const char	*idem_key;	/* Idempotency-Key, or NULL */
	const char	*body;
	size_t		 bodylen;
	cJSON		*json;		/* owned */
	struct principal who;
	void		*state;
	void		(*state_free)(void *);
	/* the pending LiveKit call */
	int		 pending;
	enum lk_method	 method;
	char		*room;
	cJSON		*callbody;
	rq_lk_fn	 cb;
	/* the answer */
	int		 replies;
	int		 status;
	cJSON		*reply;		/* owned */
	/* the LiveKit answers left, and the calls seen */
	const struct fake_answer *answers;
	size_t		 nanswers;
	enum lk_method	 calls[FAKERQ_MAX_CALLS];
	cJSON		*callbodies[FAKERQ_MAX_CALLS];
	size_t		 ncalls;
};

struct lkgate *
rq_gate(const struct rq *rq)
{
	return rq->gate;
}

const char *
rq_id(const struct rq *rq)
{
	(void)rq;
	return "fuzz-request";
}

const char *
rq_param(const struct rq *rq, size_t i)
{
	return i == 0 ? rq->param : NULL;
}

const char *
rq_header(const struct rq *rq, const char *name)
{
	if (strcasecmp(name, "Idempotency-Key") == 0)
		return rq->idem_key;
	if (strcasecmp(name, "Content-Type") == 0)
		return "application/json";
	return NULL;
}

const char *
rq_query(const struct rq *rq, const char *name)
{
	(void)rq;
	(void)name;
	return NULL;
}

const char *
rq_body(const struct rq *rq, size_t *len)
{
	*len = rq->bodylen;
	return rq->body;
}

const cJSON *
rq_json(const struct rq *rq)
{
	return rq->json;
}

const struct principal *
rq_principal(const struct rq *rq)
{
	return &rq->who;
}

void
rq_hold(struct rq *rq, void *state, void (*free_fn)(void *))
{
	if (rq->state != NULL && rq->state_free != NULL)
		rq->state_free(rq->state);
	rq->state = state;
	rq->state_free = free_fn;
}

void *
rq_state(const struct rq *rq)
{
	return rq->state;
}

void
rq_lk_call(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_fn cb)
{
	FUZZ_CHECK(rq->replies == 0 && !rq->pending);
	FUZZ_CHECK(rq->ncalls < FAKERQ_MAX_CALLS);
	FUZZ_CHECK(body == NULL || cJSON_IsObject(body));
	rq->pending = 1;
	rq->method = method;
	rq->room = room != NULL ? xstrdup(room) : NULL;
	rq->callbody = body;
	rq->cb = cb;
}

void
rq_lk_probe(struct rq *rq, rq_lk_fn cb)
{
	rq_lk_call(rq, LK_METHOD_COUNT, NULL, NULL, cb);
}

/* No fuzzed route makes calls several at once (the users routes do): one
 * that starts to would need answers in an order the input picks. */
void
rq_lk_call_each(struct rq *rq, enum lk_method method, const char *room,
    cJSON *body, rq_lk_each_fn cb, size_t tag)
{
	(void)rq;
	(void)method;
	(void)room;
	(void)cb;
	(void)tag;
	cJSON_Delete(body);
	FUZZ_CHECK(!"rq_lk_call_each is not faked");
}

/* Ends the request: one answer, the pending call dropped. */
static void
fakerq_answer(struct rq *rq, int status, cJSON *body)
{
	FUZZ_CHECK(rq->replies == 0);
	rq->replies++;
	rq->status = status;
	rq->reply = body;
	if (rq->pending) {
		rq->pending = 0;
		free(rq->room);
		rq->room = NULL;
		cJSON_Delete(rq->callbody);
	}
	rq_hold(rq, NULL, NULL);
}

/* The real replies end here: a JSON answer (what rq_reply_json and
 * rq_reply_error print, and the token routes' text) must parse strictly,
 * and is then checked as a tree; other text is kept as a string. */
void
rq_finish(struct rq *rq, int status, const char *ctype, const char *data,
    size_t len)
{
	enum json_err err;
	cJSON *body;
	char *text;

	FUZZ_CHECK(status != 0 && ctype != NULL);
	if (strcmp(ctype, "application/json") == 0) {
		body = json_parse_strict(data, len, 0, &err);
		FUZZ_CHECK(body != NULL);
		fakerq_answer(rq, status, body);
		return;
	}
	text = xstrndup(data, len);
	fakerq_answer(rq, status, json_new_string(text));
	free(text);
}

int
rq_envelope(const struct rq *rq)
{
	(void)rq;
	return 0;
}

unsigned int
rq_retry_after(const struct rq *rq)
{
	(void)rq;
	return 0;
}

/* Runs the pending call's callback with the next canned answer: its
 * body, or for an empty one the call's body echoed back (as CreateRoom
 * answers with the room it made); a refused connection when none is
 * left. */
static void
fakerq_complete(struct rq *rq)
{
	struct lk_result res = { 0 };
	struct lk_answer ans;
	rq_lk_fn cb = rq->cb;
	char *echo = NULL;

	rq->pending = 0;
	rq->calls[rq->ncalls] = rq->method;
	rq->callbodies[rq->ncalls++] = rq->callbody;
	free(rq->room);
	rq->room = NULL;
	if (rq->nanswers > 0) {
		if (rq->answers->len == 0 && rq->callbody != NULL)
			echo = json_print(rq->callbody);
		lk_map_answer(rq->answers->status, "application/json",
		    echo != NULL ? echo : rq->answers->body,
		    echo != NULL ? strlen(echo) : rq->answers->len, &ans);
		free(echo);
		rq->answers++;
		rq->nanswers--;
	} else {
		memset(&ans, 0, sizeof(ans));
		ans.outcome = LK_REFUSED;
	}
	res.outcome = ans.outcome;
	res.twirp_code = ans.twirp_code;
	res.msg = ans.msg;
	res.body = ans.body;
	cb(rq, &res);
	lk_answer_clear(&ans);
}

/*
 * Runs handler on rq as the front would, then its LiveKit calls one at a
 * time.  The request must end with exactly one answer: a handler that
 * returns with neither an answer nor a call in flight would leave its
 * client waiting for the deadline.
 */
static void
fakerq_run(struct rq *rq, route_handler handler)
{
	handler(rq);
	while (rq->replies == 0) {
		FUZZ_CHECK(rq->pending);
		fakerq_complete(rq);
	}
	FUZZ_CHECK(rq->replies == 1 && !rq->pending);
}

static void
fakerq_free(struct rq *rq)
{
	size_t i;

	rq_hold(rq, NULL, NULL);
	for (i = 0; i < rq->ncalls; i++)
		cJSON_Delete(rq->callbodies[i]);
	cJSON_Delete(rq->reply);
	cJSON_Delete(rq->json);
}
