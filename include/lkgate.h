/*
 * lkgate: the one context struct, created by main and passed down.
 */
#ifndef LKGATE_LKGATE_H
#define LKGATE_LKGATE_H

#include <stdint.h>

#define LKGATE_VERSION "0.1.0"

struct event_base;
struct conf;
struct httpfront;
struct upstream;
struct lkclient;
struct metrics;
struct oidcprov;
struct rlshared;
struct sampler;

struct lkgate {
	struct event_base	*base;
	struct conf		*conf;		/* owned; swapped on reload */
	struct httpfront	*front;
	struct upstream		*up;
	struct lkclient		*lk;
	struct metrics		*metrics;	/* owned; never NULL once running */
	struct oidcprov		*oidc;		/* the web login's provider */
	struct rlshared		*rls;		/* shared rate limits; NULL:
						   no Redis configured */
	struct sampler		*sampler;	/* the metrics JSON's history */
	uint64_t		 started_ms;	/* monotonic */
	int64_t			 conf_loaded_at; /* wall seconds of conf */
	int			 stopping;	/* set once a stop signal came */
};

#endif
