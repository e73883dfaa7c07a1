/*
 * handlers: the route handlers and the route table, and nothing else: no
 * handler calls into another handler's file (what two of them share lives
 * in a module below them, as roomaccess.h and partoken.h).  Each handler
 * answers through the rq_* API of httpfront.h exactly once.
 */
#ifndef LKGATE_HANDLERS_H
#define LKGATE_HANDLERS_H

#include <stddef.h>

#include "router.h"

struct rq;

/* The route table, in matching order. */
extern const struct route routes[];
extern const size_t nroutes;

/* h_docs.c */
void	h_openapi(struct rq *);
void	h_admin(struct rq *);

/* h_health.c */
void	h_health_plain(struct rq *);
void	h_health_json(struct rq *);
void	h_readyz(struct rq *);

/* h_metrics.c */
void	h_metrics(struct rq *);

/* h_metrics_json.c: the Voice Chat app's metrics views (admins) */
void	h_metrics_current(struct rq *);
void	h_metrics_summary(struct rq *);
void	h_metrics_health(struct rq *);
void	h_metrics_alerts(struct rq *);
void	h_metrics_history(struct rq *);
void	h_metrics_component(struct rq *);

/* h_rooms.c: the video-call rooms */
void	h_room_create(struct rq *);
void	h_room_list(struct rq *);
void	h_room_get(struct rq *);
void	h_room_delete(struct rq *);
void	h_room_join(struct rq *);
void	h_room_leave(struct rq *);

/* h_sessions.c */
void	h_session_create(struct rq *);
void	h_session_get(struct rq *);
void	h_session_delete(struct rq *);

/* h_tokens.c */
void	h_token(struct rq *);

/* h_channels.c: the Voice Chat app's channels (chanmeta.h), every answer
 * in that app's envelope */
void	h_channel_list(struct rq *);
void	h_channel_create(struct rq *);
void	h_channel_get(struct rq *);
void	h_channel_delete(struct rq *);
void	h_channel_join(struct rq *);
void	h_channel_leave(struct rq *);
void	h_channel_audio_stats(struct rq *);
void	h_channel_statistics(struct rq *);
void	h_channel_search(struct rq *);
void	h_audio_config(struct rq *);
void	h_audio_config_fixed(struct rq *);
void	h_ws_gone(struct rq *);

/* h_chanadmin.c: the Voice Chat app's administration (admins only) */
void	h_chan_server_stats(struct rq *);
void	h_chan_cleanup(struct rq *);
void	h_chan_reset(struct rq *);
void	h_chan_health_check(struct rq *);

/* h_users.c: the Voice Chat app's users (userobj.h): guest sign-up and
 * the users LiveKit shows in the channels the caller may see */
void	h_user_create(struct rq *);
void	h_user_get(struct rq *);
void	h_user_list(struct rq *);
void	h_user_update(struct rq *);
void	h_user_delete(struct rq *);

/* h_webhook.c */
void	h_webhook(struct rq *);

/* h_auth.c: the web login (OpenID Connect) */
void	h_auth_login(struct rq *);
void	h_auth_callback(struct rq *);
void	h_auth_status(struct rq *);
void	h_auth_refresh(struct rq *);
void	h_auth_logout(struct rq *);

/* h_video.c: the Visio-Conf app's video routes */
void	h_video_token(struct rq *);
void	h_video_join(struct rq *);
void	h_video_health(struct rq *);
void	h_config(struct rq *);

#endif
