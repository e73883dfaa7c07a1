/*
 * httpfront_rq_internal: the request object as the front's own parts see
 * it: the gate (httpfront_gate.c) and the listener (httpfront.c).  Not
 * for handlers, which see httpfront.h; not for the replies, which see
 * httpfront_rq.h only.
 *
 * Who owns what.  The listener owns struct rq_front (inside its struct
 * httpfront) and the connection records; it makes each rq (rq_new) and
 * tells it when its peer is gone (rq_peer_gone).  The request object
 * owns struct rq and everything it points to: the body, the parsed JSON,
 * the held answer, the deadline timer, the LiveKit calls and the Redis
 * verdict in flight, all released by rq_finish.  The gate owns the
 * policy fields (marked "gate") and writes them; the request object only
 * frees them.  evhttp types appear only as pointers: this header needs no
 * evhttp header, and the gate includes none.
 */
#ifndef LKGATE_HTTPFRONT_RQ_INTERNAL_H
#define LKGATE_HTTPFRONT_RQ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "httpfront_rq.h"
#include "router.h"

#define REQUEST_ID_MAX 128

struct evhttp_request;
struct evhttp_connection;
struct evkeyvalq;
struct event;
struct jwtcache;
struct ratelim;
struct rlshared_op;

/*
 * What the requests of one front share.  answer_check is the gate's: it
 * is asked before an answer goes out (rq_finish) and returns 0 to let it
 * go, else nonzero when it took the answer over (answered 429 instead,
 * or held it until Redis's verdict).  The request object knows no policy.
 */
struct rq_front {
	struct lkgate		*gate;
	const struct route	*routes;
	size_t			 nroutes;
	size_t			 inflight;
	struct ratelim		*rl;		/* the gate's buckets */
	struct jwtcache		*jwtc;		/* the gate's verified JWTs */
	int			(*answer_check)(struct rq *, int status,
				    const char *ctype, const char *data,
				    size_t len);
	time_t			 date_sec;	/* date: the Date header then */
	char			 date[32];
	struct rq		*spare;		/* finished requests kept for
						   reuse (rq_front_release) */
	size_t			 nspare;
};

/* A LiveKit call of a request, in one of its slots (rq->lk). */
struct rq_lk {
	struct rq		*rq;
	struct lk_call		*call;		/* NULL: the slot is free */
	rq_lk_fn		 cb;		/* rq_lk_call's, or NULL */
	rq_lk_each_fn		 each;		/* rq_lk_call_each's, or NULL */
	size_t			 tag;		/* each's */
	int			 method;	/* enum lk_method; -1: a probe */
	uint64_t		 start_us;
};

struct rq {
	struct rq_front		*front;
	struct rq		*next_spare;	/* in front->spare */
	struct evhttp_request	*req;		/* NULL once the peer is gone */
	struct evhttp_connection *evcon;
	struct route_match	 match;		/* gate */
	struct principal	 who;		/* gate */
	const char		*method_name;
	char			 id[REQUEST_ID_MAX + 1];
	char			*body;		/* NUL-terminated copy */
	size_t			 bodylen;
	cJSON			*json;		/* gate */
	struct evkeyvalq	*query;		/* parsed on first use */
	struct rq_lk		 lk[RQ_LK_MAX];	/* its LiveKit calls out */
	size_t			 nlk;		/* slots in use */
	uint64_t		 lk_busy_us;	/* since nlk went from 0 */
	struct event		*deadline;
	void			(*deadline_fn)(struct rq *);
	void			*state;
	void			(*state_free)(void *);
	uint64_t		 t_start_ms;
	uint64_t		 upstream_ms;	/* with a LiveKit call out
						   (calls at once count once) */
	int			 finished;
	struct rq		**backref;	/* the connection's pointer to
						   it; NULL once replied or gone */
	int			 rl_done;	/* gate: the rate limit was applied */
	int			 rl_unverified;	/* gate: charged to the address
						   before verifying its credential */
	int			 who_cached;	/* gate: rq->who from the JWT cache */
	struct rlshared_op	*rl_op;		/* gate: its shared verdict, awaited */
	unsigned int		 rl_class;	/* gate */
	int			 rl_then;	/* gate: enum rl_then */
	int			 held_status;	/* gate: the reply held meanwhile */
	char			*held_ctype;
	char			*held_data;
	size_t			 held_len;
	uint32_t		 retry_after;	/* gate: seconds, of a 429 */
	char			 preflight[128];/* gate: a preflight's methods */
	int			 envelope;	/* gate: errors in the Voice Chat
						   app's envelope */
	uint64_t		 t_start_us;
};

/* A request arrived on front: its rq, counted in flight; *backref is set
 * to it and cleared when it is replied to or gone. */
struct rq	*rq_new(struct rq_front *, struct evhttp_request *,
		    struct rq **backref);
/* Frees the finished request objects front keeps for reuse (at exit). */
void		 rq_front_release(struct rq_front *);
/* The request's connection closed: the rq ends without a reply. */
void		 rq_peer_gone(struct rq *);
/* Removes every header name of the coming reply. */
void		 rq_unset_header(struct rq *, const char *name);
/* The request's path ("/" when it has none). */
const char	*rq_path(const struct rq *);
/* Copies the body into rq->body: -1 (nothing copied) when it is over
 * max bytes. */
int		 rq_take_body(struct rq *, long long max);
/* The client's address: the peer's, or what trusted proxies say; -1 when
 * unknown. */
int		 rq_client_addr(struct rq *, uint8_t addr[16]);
/* Arms the request deadline: fired(rq) runs when ms pass first. */
void		 rq_arm_deadline(struct rq *, long long ms,
		    void (*fired)(struct rq *));

#endif
