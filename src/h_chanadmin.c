/*
 * h_chanadmin: the Voice Chat app's administration under /api/advanced:
 * server statistics, cleanup of old empty channels, reset (every channel
 * deleted) and the health check.  Admins only (admin keys, users with
 * the admin role).  Channels and their users come from LiveKit's
 * ListRooms; the rest is lkgate's own (uptime, memory, CPU, connections).
 * Deletions go one DeleteRoom at a time, each answered before the next,
 * within the request's deadline.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chanmeta.h"
#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "procstat.h"
#include "rlshared.h"
#include "util.h"

#define MIN_AGE_DEFAULT	300
#define MIN_AGE_MAX	31536000	/* a year */

/* 1 for admins; answers 403 to others and returns 0. */
static int
caller_is_admin(struct rq *rq)
{
	if (rq_principal(rq)->admin)
		return 1;
	rq_reply_error(rq, E_PERMISSION_DENIED, "this route is for admins");
	return 0;
}

static cJSON *
add_number(cJSON *o, const char *key, double v)
{
	cJSON *n;

	if ((n = cJSON_AddNumberToObject(o, key, v)) == NULL)
		fatal("cJSON_AddNumberToObject failed");
	return n;
}

static int64_t
uptime_s(const struct rq *rq)
{
	return (int64_t)((util_mono_ms() - rq_gate(rq)->started_ms) / 1000);
}

/* Every channel, for an admin. */
static void
all_channels(struct rq *rq, const cJSON *rooms, struct chanlist *out)
{
	struct chanlist_query q = { 0 };

	q.who = rq_principal(rq);
	q.prefix = rq_gate(rq)->conf->channel_prefix;
	q.scope = CL_VISIBLE;
	q.min_users = q.max_users = -1;
	chanlist_collect(rooms, &q, out);
}

/* --- GET /api/advanced/statistics/server --- */

/* lkgate's own figures; the network throughput is not measured. */
static cJSON *
system_stats(struct rq *rq)
{
	struct procstat ps;
	uint64_t up_ms = util_mono_ms() - rq_gate(rq)->started_ms;
	cJSON *o;

	procstat_read(&ps);
	o = json_new_object();
	/* The average since start: one CPU fully used is 100. */
	if (ps.cpu_seconds >= 0 && up_ms > 0)
		add_number(o, "cpu_usage_percent",
		    ps.cpu_seconds * 100000.0 / (double)up_ms);
	else
		json_add_null(o, "cpu_usage_percent");
	if (ps.rss_bytes >= 0)
		json_add_int(o, "memory_usage_mb", ps.rss_bytes / 1048576);
	else
		json_add_null(o, "memory_usage_mb");
	json_add_null(o, "network_throughput_mbps");
	json_add_int(o, "active_connections", metrics_gauge_value(
	    rq_gate(rq)->metrics, MG_OPEN_CONNECTIONS));
	return o;
}

static void
stats_rooms(struct rq *rq, const struct lk_result *res)
{
	const cJSON *rooms = NULL;
	struct chanlist cl;
	long long users = 0, publishers, active_users = 0, active = 0;
	size_t i;
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	all_channels(rq, rooms, &cl);
	for (i = 0; i < cl.n; i++) {
		publishers = 0;
		json_get_int(cl.v[i].room, "num_publishers", 0, INT32_MAX,
		    &publishers);
		users += cl.v[i].users;
		active_users += publishers;
		if (cl.v[i].users > 0)
			active++;
	}
	o = json_new_object();
	json_add_int(o, "total_users", users);
	json_add_int(o, "active_users", active_users);
	json_add_int(o, "total_channels", (long long)cl.n);
	json_add_int(o, "active_channels", active);
	json_add_int(o, "uptime_seconds", uptime_s(rq));
	json_add_null(o, "total_audio_packets");
	json_add_null(o, "total_data_transferred_mb");
	json_add_item(o, "system_stats", system_stats(rq));
	chanlist_free(&cl);
	chan_reply(rq, 200, o);
}

void
h_chan_server_stats(struct rq *rq)
{
	if (!caller_is_admin(rq))
		return;
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), stats_rooms);
}

/* --- cleanup and reset: channels deleted one after the other --- */

struct sweep {
	long long	 min_age;	/* -1: every channel (reset) */
	char		*prefix;	/* of the rooms */
	char		**ids;		/* to delete */
	size_t		 n, next;
	cJSON		*deleted;	/* ids deleted */
};

static void
sweep_free(void *arg)
{
	struct sweep *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->ids[i]);
	free(s->ids);
	free(s->prefix);
	cJSON_Delete(s->deleted);
	free(s);
}

static void	sweep_next(struct rq *);

static void
sweep_deleted(struct rq *rq, const struct lk_result *res)
{
	struct sweep *s = rq_state(rq);

	/* Gone already (by LiveKit's own timeout, another admin): fine. */
	if (res->outcome == LK_OK) {
		json_append(s->deleted, json_new_string(s->ids[s->next]));
		metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_ENDED);
	} else if (res->outcome != LK_NOT_FOUND) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	s->next++;
	sweep_next(rq);
}

static void
sweep_next(struct rq *rq)
{
	struct sweep *s = rq_state(rq);
	cJSON *o, *req;
	char *room;

	if (s->next == s->n) {
		o = json_new_object();
		json_add_int(o, "deleted", cJSON_GetArraySize(s->deleted));
		json_add_item(o, "channels", s->deleted);
		s->deleted = NULL;
		if (s->min_age >= 0)
			json_add_int(o, "min_age_s", s->min_age);
		chan_reply(rq, 200, o);
		return;
	}
	room = xasprintf("%s%s", s->prefix, s->ids[s->next]);
	req = json_new_object();
	json_add_string(req, "room", room);
	rq_lk_call(rq, LK_DELETE_ROOM, room, req, sweep_deleted);
	free(room);
}

static void
sweep_rooms(struct rq *rq, const struct lk_result *res)
{
	struct sweep *s = rq_state(rq);
	const cJSON *rooms = NULL;
	struct chanlist cl;
	int64_t now = util_wall_s();
	size_t i;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	all_channels(rq, rooms, &cl);
	s->ids = xcalloc(cl.n + 1, sizeof(*s->ids));
	for (i = 0; i < cl.n; i++)
		if (s->min_age < 0 || (cl.v[i].users == 0 &&
		    now - cl.v[i].meta.created_at >= s->min_age))
			s->ids[s->n++] = xstrdup(cl.v[i].id);
	chanlist_free(&cl);
	sweep_next(rq);
}

static void
sweep_start(struct rq *rq, long long min_age)
{
	struct sweep *s;

	s = xcalloc(1, sizeof(*s));
	s->min_age = min_age;
	s->prefix = xstrdup(rq_gate(rq)->conf->channel_prefix);
	s->deleted = json_new_array();
	rq_hold(rq, s, sweep_free);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), sweep_rooms);
}

void
h_chan_cleanup(struct rq *rq)
{
	long long min_age = MIN_AGE_DEFAULT;

	if (!caller_is_admin(rq) || field_int(rq, rq_json(rq), "min_age_s", 0,
	    MIN_AGE_MAX, &min_age) == -1)
		return;
	sweep_start(rq, min_age);
}

void
h_chan_reset(struct rq *rq)
{
	const char *confirm = NULL;

	if (!caller_is_admin(rq) || field_string(rq, rq_json(rq), "confirm",
	    0, FR_TEXT, 16, &confirm) == -1)
		return;
	if (confirm == NULL || strcmp(confirm, "reset") != 0) {
		rq_reply_error(rq, E_INVALID_INPUT, "confirm must be \"reset\": "
		    "this deletes every channel and disconnects its users");
		return;
	}
	sweep_start(rq, -1);
}

/* --- GET /api/advanced/admin/health-check --- */

static void
health_probed(struct rq *rq, const struct lk_result *res)
{
	struct lkgate *g = rq_gate(rq);
	int up = res->outcome == LK_OK;
	const char *state;
	cJSON *o, *lk, *redis;

	lk = json_new_object();
	json_add_bool(lk, "reachable", up);
	json_add_int(lk, "latency_ms", (long long)res->elapsed_ms);
	json_add_string(lk, "url", g->conf->livekit_api_url);
	redis = json_new_object();
	state = rlshared_state(g->rls);
	json_add_bool(redis, "configured", state != NULL);
	if (state != NULL)	/* shared now, or per instance meanwhile */
		json_add_bool(redis, "reachable", strcmp(state, "ok") == 0);
	o = json_new_object();
	json_add_string(o, "status", up ? "healthy" : "unhealthy");
	json_add_string(o, "version", LKGATE_VERSION);
	json_add_int(o, "timestamp", util_wall_s());
	json_add_int(o, "uptime_seconds", uptime_s(rq));
	json_add_int(o, "config_loaded_at", g->conf_loaded_at);
	json_add_item(o, "livekit", lk);
	json_add_item(o, "redis", redis);
	chan_reply(rq, 200, o);
}

void
h_chan_health_check(struct rq *rq)
{
	if (!caller_is_admin(rq))
		return;
	rq_lk_probe(rq, health_probed);
}
