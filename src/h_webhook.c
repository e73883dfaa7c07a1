/*
 * h_webhook: POST /api/livekit/webhook, the webhooks livekit-server sends.
 * The signature (a bare JWT whose sha256 claim covers the body) is checked
 * over the exact bytes received, before anything parses them; each
 * accepted event then becomes one "livekit_webhook" log line, which is the
 * call history: which room, who, when, how long.  The only other effect:
 * whatever the event, what the room cache keeps of its room is dropped
 * (the room started, ended, or someone came or left).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkclient.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "token.h"
#include "util.h"

/* LiveKit's own allowance for clock skew on exp and nbf. */
#define WEBHOOK_LEEWAY_S	60
/* Longest value logged per field: seven of them fit the log's 4 KB line
 * (unless mostly control characters, escaped six-fold), so a line is not
 * cut in the middle of a string. */
#define WEBHOOK_FIELD_MAX	256

/* The string fields of a log line after webhook_event and id: logged only
 * when present, so they are packed at the end of log_event's list. */
enum wh_slot {
	WH_ROOM, WH_ROOM_SID, WH_PARTICIPANT, WH_PARTICIPANT_SID,
	WH_TRACK_SID, WH_NSLOTS
};

struct wh_line {
	const char	*event;			/* NULL: absent */
	const char	*id;			/* NULL: absent */
	long long	 created_at;		/* protojson omits 0 */
	long long	 duration;		/* room_finished only */
	int		 has_duration;
	const char	*key[WH_NSLOTS];	/* packed; NULL after last */
	const char	*val[WH_NSLOTS];
	size_t		 n;
	char		 buf[WH_NSLOTS + 2][WEBHOOK_FIELD_MAX + 1];
	size_t		 nbuf;
};

/* 1 when ct's media type is application/webhook+json (what LiveKit sends)
 * or application/json, parameters allowed. */
static int
webhook_content_type_ok(const char *ct)
{
	static const char *const types[] = {
		"application/webhook+json", "application/json"
	};
	size_t i, len, n;

	if (ct == NULL)
		return 0;
	ct += strspn(ct, " \t");
	for (i = 0; i < NELEM(types); i++) {
		len = strlen(types[i]);
		if (strncasecmp(ct, types[i], len) != 0)
			continue;
		n = strspn(ct + len, " \t");
		if (ct[len + n] == '\0' || ct[len + n] == ';')
			return 1;
	}
	return 0;
}

/*
 * Returns a copy of s in the next buffer of w, cut to WEBHOOK_FIELD_MAX
 * bytes on a character boundary (the body was checked to be UTF-8), or
 * NULL when s is NULL.
 */
static const char *
wh_keep(struct wh_line *w, const char *s)
{
	char *dst;
	size_t len;

	if (s == NULL)
		return NULL;
	if (w->nbuf == NELEM(w->buf))
		fatal("h_webhook: out of field buffers");
	dst = w->buf[w->nbuf++];
	len = strlen(s);
	if (len > WEBHOOK_FIELD_MAX) {
		len = WEBHOOK_FIELD_MAX;
		/* Step back over continuation bytes (10xxxxxx). */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return dst;
}

/* A string member of obj (which may be NULL), or NULL when it is absent
 * or not a string: a field LiveKit left out is simply not logged. */
static const char *
wh_string(const cJSON *obj, const char *key)
{
	const char *s;

	if (obj == NULL || json_get_string(obj, key, &s) != JG_OK)
		return NULL;
	return s;
}

static const cJSON *
wh_object(const cJSON *obj, const char *key)
{
	const cJSON *o;

	if (json_get_object(obj, key, &o) != JG_OK)
		return NULL;
	return o;
}

/* Adds the optional field key when obj has a string member m. */
static void
wh_add(struct wh_line *w, const char *key, const cJSON *obj, const char *m)
{
	const char *s;

	if ((s = wh_string(obj, m)) == NULL)
		return;
	w->key[w->n] = key;
	w->val[w->n] = wh_keep(w, s);
	w->n++;
}

/*
 * For room_finished: how long the room lived, from its creationTime to
 * the event's createdAt (both int64 seconds, strings in protojson).  A
 * missing or later creationTime gives no duration rather than a wrong one.
 */
static void
wh_duration(struct wh_line *w, const cJSON *room, int has_created)
{
	int64_t created;

	if (!has_created || room == NULL || w->event == NULL ||
	    strcmp(w->event, "room_finished") != 0)
		return;
	if (json_get_int64_lax(room, "creationTime", &created) != JG_OK ||
	    created < 0 || created > w->created_at)
		return;
	w->duration = w->created_at - created;
	w->has_duration = 1;
}

/* Reads what the log line needs from a parsed event. */
static void
wh_summarise(const cJSON *ev, struct wh_line *w)
{
	const cJSON *room, *part, *track;
	int64_t created = 0;
	int has_created;

	memset(w, 0, sizeof(*w));
	w->event = wh_keep(w, wh_string(ev, "event"));
	w->id = wh_keep(w, wh_string(ev, "id"));
	has_created = json_get_int64_lax(ev, "createdAt", &created) == JG_OK &&
	    created >= 0;
	w->created_at = has_created ? created : 0;
	room = wh_object(ev, "room");
	part = wh_object(ev, "participant");
	track = wh_object(ev, "track");
	wh_add(w, "room", room, "name");
	wh_add(w, "room_sid", room, "sid");
	wh_add(w, "participant", part, "identity");
	wh_add(w, "participant_sid", part, "sid");
	wh_add(w, "track_sid", track, "sid");
	wh_duration(w, room, has_created);
}

#define WH_OPT(w, i)	(w)->key[i], "s", (w)->val[i]
#define WH_OPTS(w)	WH_OPT(w, 0), WH_OPT(w, 1), WH_OPT(w, 2), \
			WH_OPT(w, 3), WH_OPT(w, 4), (const char *)NULL

/*
 * One line per event, tied to its request by request_id.  The line's own
 * "event" key is its name, so the webhook's event is "webhook_event".  The
 * optional fields come last: the first NULL key among them ends
 * log_event's list.
 */
static void
wh_log(const struct wh_line *w, const char *request_id)
{
	if (w->has_duration)
		log_event(LOG_INFO, "livekit_webhook",
		    "request_id", "s", request_id,
		    "webhook_event", "s", w->event,
		    "id", "s", w->id,
		    "created_at", "i", w->created_at,
		    "duration", "i", w->duration,
		    WH_OPTS(w));
	else
		log_event(LOG_INFO, "livekit_webhook",
		    "request_id", "s", request_id,
		    "webhook_event", "s", w->event,
		    "id", "s", w->id,
		    "created_at", "i", w->created_at,
		    WH_OPTS(w));
}

/* Checks the signature over the raw body; replies 401 and returns -1 when
 * it does not hold.  The reason goes to the log, never the token. */
static int
webhook_verify(struct rq *rq, const char *body, size_t len)
{
	const struct conf *c = rq_gate(rq)->conf;
	const char *auth = rq_header(rq, "Authorization");
	enum token_err e;

	if (auth == NULL) {
		log_warn("webhook %s refused: no Authorization header",
		    rq_id(rq));
		rq_reply_error(rq, E_UNAUTHORIZED,
		    "Authorization is required");
		return -1;
	}
	e = token_verify_webhook(c->livekit_api_key, c->livekit_api_secret,
	    strlen(c->livekit_api_secret), auth, strlen(auth), body, len,
	    util_wall_s(), WEBHOOK_LEEWAY_S);
	if (e != TOKEN_OK) {
		log_warn("webhook %s refused: %s", rq_id(rq),
		    token_err_string(e));
		rq_reply_error(rq, E_UNAUTHORIZED,
		    "webhook signature is not valid");
		return -1;
	}
	return 0;
}

void
h_webhook(struct rq *rq)
{
	struct wh_line w;
	const char *body;
	size_t len;
	enum json_err err;
	cJSON *ev, *ok;

	body = rq_body(rq, &len);
	if (webhook_verify(rq, body, len) == -1)
		return;
	if (!webhook_content_type_ok(rq_header(rq, "Content-Type"))) {
		rq_reply_error(rq, E_UNSUPPORTED_MEDIA_TYPE, "Content-Type "
		    "must be application/webhook+json or application/json");
		return;
	}
	if ((ev = json_parse_strict(body, len, 1, &err)) == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", json_err_string(err));
		return;
	}
	wh_summarise(ev, &w);
	wh_log(&w, rq_id(rq));
	lkclient_forget_room(rq_gate(rq)->lk,
	    wh_string(wh_object(ev, "room"), "name"));
	metrics_webhook(rq_gate(rq)->metrics, w.event);
	cJSON_Delete(ev);
	ok = json_new_object();
	json_add_bool(ok, "received", 1);
	rq_reply_json(rq, 200, ok);
}
