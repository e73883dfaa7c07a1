/*
 * roomaccess: one ListRooms call for one name, then the rule, then the
 * caller's next step.  The state of a look-up is held on the request, so
 * a cancelled request (client gone, deadline) frees it, and the caller's
 * arg with it, without any callback running.
 */
#include <stdlib.h>

#include "httpfront.h"
#include "json.h"
#include "log.h"
#include "roomaccess.h"
#include "util.h"

/* Bound of the participant count we read (LiveKit's is a uint32). */
#define NUM_PARTICIPANTS_MAX 1000000

/*
 * A room's gateway metadata as read from one answer.  When the answer is
 * the room cache's, it is kept with it (lk_memo), so that the requests
 * the cache serves do not each parse the same metadata again; each
 * look-up that uses it holds a reference, as the cache may let the
 * answer go while a request still needs it.
 */
struct meta_read {
	int		 refs;
	int		 has_meta;
	struct roommeta	 meta;
};

struct lookup {
	struct room_found f;		/* first: found and lookup convert */
	const struct room_rule *rule;
	roomaccess_next_fn next;
	roomaccess_ok_fn ok;		/* roomaccess_check's */
	void		(*arg_free)(void *);
	cJSON		*kept;		/* roomaccess_keep's copy; owned */
	struct meta_read *meta;		/* NULL until read; a reference */
};

static int	join_allow(struct rq *, struct room_found *);

static void
meta_unref(void *arg)
{
	struct meta_read *m = arg;

	if (m != NULL && --m->refs == 0) {
		roommeta_clear(&m->meta);
		free(m);
	}
}

const struct room_rule roomaccess_any = {
	.notfound = E_ROOM_NOT_FOUND,
	.noun = "room",
};

const struct room_rule roomaccess_joinable = {
	.notfound = E_ROOM_NOT_FOUND,
	.noun = "room",
	.allow = join_allow,
};

static void
lookup_free(void *arg)
{
	struct lookup *l = arg;

	if (l->arg_free != NULL)
		l->arg_free(l->f.arg);
	cJSON_Delete(l->kept);
	meta_unref(l->meta);
	free(l);
}

static void
answer_absent(struct rq *rq, const struct lookup *l)
{
	if (l->rule->absent != NULL)
		l->rule->absent(rq, &l->f);
	else
		rq_reply_error(rq, l->rule->notfound, "%s %s not found",
		    l->rule->noun, l->f.name);
}

static void
room_listed(struct rq *rq, const struct lk_result *res)
{
	struct lookup *l = rq_state(rq);
	const cJSON *rooms = NULL;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, l->rule->notfound);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	if ((l->f.room = cJSON_GetArrayItem(rooms, 0)) == NULL) {
		answer_absent(rq, l);
		return;
	}
	if ((l->meta = lk_memo(res)) != NULL)
		l->meta->refs++;	/* read for an earlier request */
	else if (res->kept != NULL) {
		/* The cache's answer: read now, and kept with it. */
		(void)roomaccess_meta(&l->f);
		if (lk_memo_keep(res, l->meta, meta_unref) == 0)
			l->meta->refs++;
	}
	json_get_int(l->f.room, "num_participants", 0, NUM_PARTICIPANTS_MAX,
	    &l->f.num_participants);
	/* allow and next may answer, which frees l: nothing touches l after
	 * either answers. */
	if (l->rule->allow != NULL && l->rule->allow(rq, &l->f) == -1)
		return;
	l->next(rq, &l->f);
}

/* Holds the state of a look-up, then asks LiveKit: nothing is set after
 * the call starts. */
static void
lookup_start(struct rq *rq, const char *name, const struct room_rule *rule,
    struct lookup *l)
{
	cJSON *req, *names;

	l->f.name = name;
	l->rule = rule;
	rq_hold(rq, l, lookup_free);
	req = json_new_object();
	names = json_new_array();
	json_append(names, json_new_string(name));
	json_add_item(req, "names", names);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, req, room_listed);
}

void
roomaccess_lookup(struct rq *rq, const char *name,
    const struct room_rule *rule, roomaccess_next_fn next, void *arg,
    void (*arg_free)(void *))
{
	struct lookup *l;

	l = xcalloc(1, sizeof(*l));
	l->next = next;
	l->f.arg = arg;
	l->arg_free = arg_free;
	lookup_start(rq, name, rule, l);
}

static void
check_next(struct rq *rq, struct room_found *f)
{
	struct lookup *l = (struct lookup *)f;

	l->ok(rq, f->arg);
}

void
roomaccess_check(struct rq *rq, const char *name,
    const struct room_rule *rule, roomaccess_ok_fn ok, void *arg)
{
	struct lookup *l;

	l = xcalloc(1, sizeof(*l));
	l->next = check_next;
	l->ok = ok;
	l->f.arg = arg;
	l->arg_free = free;
	lookup_start(rq, name, rule, l);
}

struct room_found *
roomaccess_found(const struct rq *rq)
{
	struct lookup *l = rq_state(rq);

	return &l->f;
}

void
roomaccess_keep(struct room_found *f)
{
	struct lookup *l = (struct lookup *)f;

	if (l->kept != NULL)
		return;
	if ((l->kept = cJSON_Duplicate(f->room, 1)) == NULL)
		fatal("cJSON_Duplicate failed");
	f->room = l->kept;
}

const struct roommeta *
roomaccess_meta(struct room_found *f)
{
	struct lookup *l = (struct lookup *)f;
	const char *text = NULL;

	if (l->meta == NULL) {
		l->meta = xcalloc(1, sizeof(*l->meta));
		l->meta->refs = 1;
		json_get_string(f->room, "metadata", &text);
		l->meta->has_meta = roommeta_parse(text, &l->meta->meta) == 0;
	}
	return l->meta->has_meta ? &l->meta->meta : NULL;
}

/* --- the join rule --- */

static int
join_allow(struct rq *rq, struct room_found *f)
{
	if (!roommeta_may_join(roomaccess_meta(f), rq_principal(rq))) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "you are neither the "
		    "creator of room %s nor invited to it", f->name);
		return -1;
	}
	if (roommeta_room_is_full(f->room)) {
		rq_reply_error(rq, E_ROOM_FULL, "room %s is full", f->name);
		return -1;
	}
	return 0;
}
