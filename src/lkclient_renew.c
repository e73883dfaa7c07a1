/*
 * lkclient_renew: the renewals of kept rooms, gathered into one ListRooms.
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
 * lkclient.c starts the call (lk_renew_fire takes the gathered names); this
 * file keeps the list and reads the answer.
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
