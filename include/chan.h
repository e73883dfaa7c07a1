/*
 * chan: what the Voice Chat app's routes (h_channels.c, h_chanadmin.c)
 * share below the handlers: the app's envelope for successes (its errors
 * get theirs from the routes' ENVELOPE_VOICE_CHAT) and who may use its
 * routes.  Answers through the rq_* API of httpfront.h.
 */
#ifndef LKGATE_CHAN_H
#define LKGATE_CHAN_H

#include <cjson/cJSON.h>

struct rq;

/* Answers {"success":true,"data":data} with status (ownership of data
 * taken). */
void	chan_reply(struct rq *, int status, cJSON *data);
/* 1 for persons and admin keys; answers 403 PERMISSION_DENIED to app keys
 * and returns 0. */
int	chan_caller_ok(struct rq *);

#endif
