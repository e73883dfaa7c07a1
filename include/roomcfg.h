/*
 * roomcfg: the `room_config` of LiveKit's standard token endpoint (what
 * livekit-client's TokenSource sends: {"agents":[{"agent_name",
 * "metadata"?}]}), read, checked against the configured agent profiles,
 * and turned into the token's `roomConfig` claim and the Twirp bodies of
 * the agent dispatch calls.  Also the check of participant attributes
 * that only LiveKit may set.  Pure: no I/O, no clock.
 *
 * Only `agents` is honoured: lkgate cannot promise the other room
 * settings (LiveKit applies a token's roomConfig only when that join
 * creates the room, and lkgate's own rooms have their own), so any other
 * room_config field is refused rather than silently dropped.
 */
#ifndef LKGATE_ROOMCFG_H
#define LKGATE_ROOMCFG_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct conf;

#define ROOMCFG_MAX_AGENTS	8
#define ROOMCFG_METADATA_MAX	65536
#define ROOMCFG_DEPLOYMENT_MAX	128
#define ROOMCFG_ATTR_MAX_PAIRS	64
#define ROOMCFG_ATTR_MAX_BYTES	65536
#define ROOMCFG_WHY_LEN		256

struct roomcfg_agent {
	const char	*name;		/* borrowed from the request body */
	const char	*metadata;	/* "" when absent */
	const char	*deployment;	/* "" when absent */
	const cJSON	*attributes;	/* object of strings, or NULL */
};

struct roomcfg {
	size_t			 nagents;
	struct roomcfg_agent	 agents[ROOMCFG_MAX_AGENTS];
};

/*
 * Reads rc, the body's room_config (NULL or JSON null: no agents), into
 * *out, which borrows from rc.  Agents are objects with agent_name (or
 * its protojson spelling agentName; an identity, at most once in the
 * list), metadata, deployment and attributes (strings; attributes an
 * object of strings).  Returns 0, or -1 with a message naming the field
 * in why (ROOMCFG_WHY_LEN bytes).
 */
int	 roomcfg_parse(const cJSON *rc, struct roomcfg *out, char *why);

/* The first agent name of cfg that no agent profile of conf names, or
 * NULL when all are listed. */
const char *roomcfg_unlisted_agent(const struct roomcfg *,
	    const struct conf *);

/*
 * The `roomConfig` claim as livekit-server-sdk's AccessToken writes a
 * RoomConfiguration (protobuf-es toJSON: every field, camelCase, in
 * proto order, enums by name), as JSON text the caller frees; NULL when
 * cfg has no agents.
 */
char	*roomcfg_claim(const struct roomcfg *);

/* The CreateDispatch body for agent i in room (caller frees). */
cJSON	*roomcfg_dispatch_body(const struct roomcfg *, size_t i,
	    const char *room);

/* 1 when a ListDispatch answer holds a dispatch of agent name. */
int	 roomcfg_dispatched(const cJSON *list_answer, const char *name);

/* The first key of attributes (an object, or NULL) that begins with
 * "lk." (LiveKit's and its agents' own), or NULL. */
const char *roomcfg_reserved_attribute(const cJSON *attributes);

#endif
