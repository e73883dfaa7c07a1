/*
 * chan: the Voice Chat routes' envelope and caller check, shared by its
 * two handler files.
 */
#include "chan.h"
#include "httpfront.h"
#include "json.h"

void
chan_reply(struct rq *rq, int status, cJSON *data)
{
	cJSON *o;

	o = json_new_object();
	json_add_bool(o, "success", 1);
	json_add_item(o, "data", data);
	rq_reply_json(rq, status, o);
}

int
chan_caller_ok(struct rq *rq)
{
	const struct principal *p = rq_principal(rq);

	if (p->kind != P_API_KEY || p->admin)
		return 1;
	rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only mint "
	    "tokens; the channel routes need a user or an admin key");
	return 0;
}
