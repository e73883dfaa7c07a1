/*
 * lkclient_renew: what goes into the room cache.  A look-up's answer is
 * kept by lk_keep.  The look-ups that rode on one ListRooms of many names
 * (the carrier, lkclient.c) are answered from it one by one, as if each
 * had been sent alone (lk_carrier_answer).  And the renewals of kept
 * rooms are gathered into one ListRooms:
 *
 * A room still asked for in the second half of its time in the room cache
 * is looked up again behind the kept answer (lkclient.h).  With many busy
 * rooms that was one ListRooms a room and renewal: 200 rooms asked for all
 * the time made some 300 calls a second to LiveKit from each lkgate.  The
 * rooms due are gathered for a tenth of the cache's time instead (at most
 * LK_RENEW_MAX of them), and asked for together: {"names":[...]}.  The
 * answer is split into one kept answer a room, as a one-room look-up
 * would have kept it; a room asked for that the answer does not have is
 * gone, and dropped at once.  A room that changes meanwhile (lkgate's own
 * write, a webhook) is not kept from the answer, as for a one-room
 * look-up on its way.
 *
 * lkclient.c starts the calls (lk_renew_fire takes the gathered names,
 * lk_gather_fire the held-back look-ups); this file keeps the renewals'
 * list and reads the answers.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "lkcache.h"
#include "lkclient_internal.h"
#include "log.h"
#include "util.h"

uint64_t
lk_room_ttl(const struct lkclient *lk)
{
	return lk->conf->room_cache_ms > 0 ? (uint64_t)lk->conf->room_cache_ms
	    : 0;
}

int
lk_renew_ask(struct lkclient *lk, const char *room)
{
	struct timeval tv;
	uint64_t gather = lk_room_ttl(lk) / 10;

	if (lk->nrenew == LK_RENEW_MAX)
		return -1;
	if (lk->nrenew == 0) {
		if (gather == 0)
			gather = 1;
		tv.tv_sec = (time_t)(gather / 1000);
		tv.tv_usec = (suseconds_t)(gather % 1000 * 1000);
		if (evtimer_add(lk->renew_ev, &tv) == -1)
			fatal("evtimer_add failed");
	}
	lk->renew[lk->nrenew++] = xstrdup(room);
	return 0;
}

size_t
lk_renew_take(struct lkclient *lk, char **names)
{
	size_t n = lk->nrenew;

	memcpy(names, lk->renew, n * sizeof(*names));
	lk->nrenew = 0;
	return n;
}

void
lk_renew_forget(struct lkclient *lk, const char *room)
{
	struct lk_flight *f;
	size_t i;

	for (i = 0; i < lk->nrenew; i++)
		if (strcmp(lk->renew[i], room) == 0) {
			free(lk->renew[i]);
			lk->renew[i] = lk->renew[--lk->nrenew];
			break;
		}
	TAILQ_FOREACH(f, &lk->flights, entry)
		for (i = 0; i < f->nbatch; i++)
			if (f->batch[i] != NULL &&
			    strcmp(f->batch[i], room) == 0) {
				free(f->batch[i]);
				f->batch[i] = NULL;	/* stale: not kept */
			}
}

void
lk_renew_clear(struct lkclient *lk)
{
	while (lk->nrenew > 0)
		free(lk->renew[--lk->nrenew]);
}

size_t
lk_split_rooms(cJSON *body, char *const *names, size_t n, cJSON **found)
{
	cJSON *rooms = NULL, *room;
	const char *name;
	size_t i, count = 0;
	int used;

	if (!cJSON_IsArray(rooms = cJSON_GetObjectItemCaseSensitive(body,
	    "rooms")))
		return 0;
	while ((room = rooms->child) != NULL) {
		cJSON_DetachItemViaPointer(rooms, room);
		count++;
		used = 0;
		if (json_get_string(room, "name", &name) == JG_OK)
			for (i = 0; i < n; i++)
				if (names[i] != NULL && found[i] == NULL &&
				    strcmp(names[i], name) == 0) {
					found[i] = used ? json_duplicate(room) :
					    room;
					used = 1;
				}
		if (!used)
			cJSON_Delete(room);
	}
	return count;
}

/* Keeps room (taken) as the answer to a look-up of its one name. */
static void
keep_one(struct lkclient *lk, const char *name, cJSON *room, size_t bytes,
    uint64_t now)
{
	cJSON *answer, *rooms;

	answer = json_new_object();
	rooms = json_new_array();
	json_append(rooms, room);
	json_add_item(answer, "rooms", rooms);
	lk_room_keep(lk, name, answer, bytes, 0, now);
}

void
lk_renew_keep(struct lk_flight *f, struct lk_answer *a, size_t len)
{
	struct lkclient *lk = f->lk;
	cJSON *found[LK_RENEW_MAX] = { NULL };
	uint64_t now, ttl = lk_room_ttl(lk);
	size_t i, n;

	if (ttl == 0 || f->nbatch == 0)
		return;
	n = lk_split_rooms(a->body, f->batch, f->nbatch, found);
	now = util_mono_ms();
	lkcache_expire(lk->rooms, now, ttl);
	for (i = 0; i < f->nbatch; i++) {
		if (f->batch[i] == NULL)
			continue;	/* changed meanwhile: not kept */
		if (found[i] != NULL)
			keep_one(lk, f->batch[i], found[i], len / n + 1, now);
		else	/* asked for, still unchanged, and not there: gone */
			lkcache_drop(lk->rooms, f->batch[i]);
	}
}

char *
lk_names_text(char *const *names, size_t n)
{
	cJSON *body, *list;
	char *text;
	size_t i;

	body = json_new_object();
	list = json_new_array();
	for (i = 0; i < n; i++)
		json_append(list, json_new_string(names[i]));
	json_add_item(body, "names", list);
	text = json_print(body);
	cJSON_Delete(body);
	return text;
}

/*
 * Keeps the answer a of f's look-up (its JSON text was len bytes) when it
 * found the room and nothing changed it meanwhile, taking a's body.
 * Returns it with a reference for the caller, or NULL.
 */
struct lk_room *
lk_keep(struct lk_flight *f, struct lk_answer *a, size_t len)
{
	struct lkclient *lk = f->lk;
	struct lk_room *kept;
	const cJSON *rooms = NULL;
	uint64_t now, ttl = lk_room_ttl(lk);

	if (ttl == 0 || f->stale ||
	    json_get_array(a->body, "rooms", &rooms) != JG_OK ||
	    cJSON_GetArraySize(rooms) < 1)
		return NULL;
	now = util_mono_ms();
	lkcache_expire(lk->rooms, now, ttl);
	kept = lk_room_keep(lk, f->room, a->body, len, 1, now);
	a->body = NULL;
	return kept;
}

/*
 * Answers look-up f from its carrier's answer: res, and (LK_OK) room, its
 * room in it (taken), or NULL when LiveKit does not have it; bytes, the
 * share of the answer's text that is the room's; shared, 1 when another
 * look-up on the carrier was told first (the call is counted once).  As
 * f's own answer would have been: {"rooms":[room]} or {"rooms":[]}, kept
 * when found.
 */
static void
lk_rider_answer(struct lk_flight *f, const struct lk_result *res,
    cJSON *room, size_t bytes, int shared)
{
	struct lk_answer a;
	struct lk_result own = *res;
	struct lk_room *kept = NULL;
	cJSON *rooms;

	own.shared = shared;
	memset(&a, 0, sizeof(a));
	if (res->outcome == LK_OK) {
		a.body = json_new_object();
		rooms = json_new_array();
		if (room != NULL)
			json_append(rooms, room);
		json_add_item(a.body, "rooms", rooms);
		if ((kept = lk_keep(f, &a, bytes)) != NULL) {
			own.body = kept->answer;
			own.kept = kept;
		} else
			own.body = a.body;
	}
	f->up = NULL;
	lk_flight_answer(f, &own);
	lk_room_unref(kept);
	lk_answer_clear(&a);
}

void
lk_carrier_answer(struct lk_flight *f, struct lk_answer *a,
    const struct lk_result *res, size_t len)
{
	cJSON *found[LK_GATHER_MAX] = { NULL };
	char *names[LK_GATHER_MAX];
	size_t i, n = 0;
	int told = 0;

	/* Its riders' answers may cancel other calls: not f itself. */
	f->answering = 1;
	if (res->outcome == LK_OK) {
		for (i = 0; i < f->nriders; i++)
			names[i] = f->riders[i] != NULL ?
			    f->riders[i]->room : NULL;
		n = lk_split_rooms(a->body, names, f->nriders, found);
	}
	for (i = 0; i < f->nriders; i++) {
		if (f->riders[i] == NULL)	/* its calls all gave up */
			cJSON_Delete(found[i]);
		else {
			lk_rider_answer(f->riders[i], res, found[i],
			    n > 0 ? len / n + 1 : len, told);
			told = 1;
		}
	}
}
