/*
 * handlers: the route handlers and the route table.  Each handler answers
 * through the rq_* API of httpfront.h exactly once.
 */
#ifndef LKGATE_HANDLERS_H
#define LKGATE_HANDLERS_H

#include <stddef.h>

#include "router.h"

struct rq;

/* The route table, in matching order. */
extern const struct route routes[];
extern const size_t nroutes;

/* h_health.c */
void	h_health_plain(struct rq *);
void	h_health_json(struct rq *);
void	h_readyz(struct rq *);

/* h_sessions.c */
void	h_session_create(struct rq *);
void	h_session_get(struct rq *);
void	h_session_delete(struct rq *);

/* h_tokens.c */
void	h_token(struct rq *);

#endif
