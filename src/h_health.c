/*
 * h_health: liveness (/health), a JSON health summary with LiveKit's state
 * and Redis's when configured (/api/health) and readiness (/readyz: 200
 * only when LiveKit's own health endpoint answers 200).
 */
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "rlshared.h"
#include "util.h"

void
h_health_plain(struct rq *rq)
{
	rq_reply_text(rq, 200, "OK");
}

static void
health_json_done(struct rq *rq, const struct lk_result *res)
{
	const char *redis;
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "status", "healthy");
	json_add_string(o, "service", "lkgate");
	json_add_string(o, "version", LKGATE_VERSION);
	json_add_int(o, "timestamp", util_wall_s());
	json_add_string(o, "livekit",
	    res->outcome == LK_OK ? "ok" : "unreachable");
	if ((redis = rlshared_state(rq_gate(rq)->rls)) != NULL)
		json_add_string(o, "redis", redis);
	rq_reply_json(rq, 200, o);
}

void
h_health_json(struct rq *rq)
{
	rq_lk_probe(rq, health_json_done);
}

static void
readyz_done(struct rq *rq, const struct lk_result *res)
{
	if (res->outcome == LK_OK)
		rq_reply_text(rq, 200, "ready");
	else
		rq_reply_text(rq, 503, "LiveKit is not ready");
}

void
h_readyz(struct rq *rq)
{
	rq_lk_probe(rq, readyz_done);
}
