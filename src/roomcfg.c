/*
 * roomcfg: reads the token endpoint's room_config and writes what follows
 * from it (see roomcfg.h).  The claim mirrors what livekit-server-sdk
 * signs when given a RoomConfiguration: protobuf-es' toJSON, that is
 * every field of RoomConfiguration and RoomAgentDispatch in proto order,
 * camelCase, zero values included, the restart policy by enum name, and
 * no `egress` (an unset message).  Integration tests compare it with the
 * SDK's own token claim by claim.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "roomcfg.h"
#include "util.h"
#include "validate.h"

static int fail(char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the message into why and returns -1. */
static int
fail(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, ROOMCFG_WHY_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* An optional string member of at most max bytes of text; absent: "". */
static int
agent_text(const cJSON *o, const char *key, size_t i, size_t max,
    const char **out, char *why)
{
	*out = "";
	switch (json_get_string(o, key, out)) {
	case JG_ABSENT:
		*out = "";
		return 0;
	case JG_WRONG_TYPE:
		return fail(why, "room_config.agents[%zu].%s must be a "
		    "string", i, key);
	case JG_OK:
		break;
	}
	if (!valid_text(*out, max))
		return fail(why, "room_config.agents[%zu].%s must be text of "
		    "at most %zu bytes without control characters", i, key,
		    max);
	return 0;
}

/* agent_name, or its protojson spelling agentName (not both). */
static int
agent_name(const cJSON *o, size_t i, const char **out, char *why)
{
	const char *a = NULL, *b = NULL;

	if (json_get_string(o, "agent_name", &a) == JG_WRONG_TYPE ||
	    json_get_string(o, "agentName", &b) == JG_WRONG_TYPE)
		return fail(why, "room_config.agents[%zu].agent_name must be a "
		    "string", i);
	if (a != NULL && b != NULL)
		return fail(why, "room_config.agents[%zu] must give agent_name "
		    "once, not also as agentName", i);
	*out = a != NULL ? a : b;
	if (*out == NULL)
		return fail(why, "room_config.agents[%zu].agent_name is "
		    "required", i);
	if (!valid_identity(*out))
		return fail(why, "room_config.agents[%zu].agent_name must be "
		    "1-128 characters of [A-Za-z0-9_.@:-]", i);
	return 0;
}

static int
agent_attributes(const cJSON *o, size_t i, const cJSON **out, char *why)
{
	const cJSON *m, *it;
	size_t pairs = 0, bytes = 0;

	*out = NULL;
	switch (json_get_object(o, "attributes", &m)) {
	case JG_ABSENT:
		return 0;
	case JG_WRONG_TYPE:
		return fail(why, "room_config.agents[%zu].attributes must be "
		    "an object", i);
	case JG_OK:
		break;
	}
	cJSON_ArrayForEach(it, m) {
		if (!cJSON_IsString(it))
			return fail(why, "room_config.agents[%zu].attributes "
			    "values must be strings", i);
		pairs++;
		bytes += strlen(it->string) + strlen(it->valuestring);
	}
	if (pairs > ROOMCFG_ATTR_MAX_PAIRS || bytes > ROOMCFG_ATTR_MAX_BYTES)
		return fail(why, "room_config.agents[%zu].attributes must have "
		    "at most %d entries and %d bytes", i,
		    ROOMCFG_ATTR_MAX_PAIRS, ROOMCFG_ATTR_MAX_BYTES);
	*out = m;
	return 0;
}

static int
known_agent_key(const char *k)
{
	static const char *const keys[] = {
		"agent_name", "agentName", "metadata", "deployment",
		"attributes"
	};
	size_t i;

	for (i = 0; i < NELEM(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

static int
parse_agent(const cJSON *o, size_t i, struct roomcfg_agent *a, char *why)
{
	const cJSON *it;

	if (!cJSON_IsObject(o))
		return fail(why, "room_config.agents[%zu] must be an object",
		    i);
	cJSON_ArrayForEach(it, o)
		if (!known_agent_key(it->string))
			return fail(why, "room_config.agents[%zu].%s is not "
			    "supported (agent_name, metadata, deployment and "
			    "attributes are)", i, it->string);
	if (agent_name(o, i, &a->name, why) == -1 ||
	    agent_text(o, "metadata", i, ROOMCFG_METADATA_MAX, &a->metadata,
	    why) == -1 ||
	    agent_text(o, "deployment", i, ROOMCFG_DEPLOYMENT_MAX,
	    &a->deployment, why) == -1 ||
	    agent_attributes(o, i, &a->attributes, why) == -1)
		return -1;
	return 0;
}

static int
parse_agents(const cJSON *list, struct roomcfg *out, char *why)
{
	const cJSON *it;
	size_t i, j;

	if (!cJSON_IsArray(list))
		return fail(why, "room_config.agents must be an array");
	if (cJSON_GetArraySize(list) > ROOMCFG_MAX_AGENTS)
		return fail(why, "room_config.agents must have at most %d "
		    "entries", ROOMCFG_MAX_AGENTS);
	i = 0;
	cJSON_ArrayForEach(it, list) {
		if (parse_agent(it, i, &out->agents[i], why) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(out->agents[j].name,
			    out->agents[i].name) == 0)
				return fail(why, "room_config.agents[%zu]."
				    "agent_name repeats %s", i,
				    out->agents[i].name);
		out->nagents = ++i;
	}
	return 0;
}

int
roomcfg_parse(const cJSON *rc, struct roomcfg *out, char *why)
{
	const cJSON *it;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (rc == NULL || cJSON_IsNull(rc))
		return 0;
	if (!cJSON_IsObject(rc))
		return fail(why, "room_config must be an object");
	cJSON_ArrayForEach(it, rc) {
		if (strcmp(it->string, "agents") == 0)
			continue;
		return fail(why, "room_config.%s is not supported: lkgate "
		    "honours only room_config.agents", it->string);
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(rc, "agents")) == NULL ||
	    cJSON_IsNull(it))
		return 0;
	if (parse_agents(it, out, why) == -1) {
		out->nagents = 0;
		return -1;
	}
	return 0;
}

const char *
roomcfg_unlisted_agent(const struct roomcfg *cfg, const struct conf *c)
{
	size_t i, p, k;
	int found;

	for (i = 0; i < cfg->nagents; i++) {
		found = 0;
		for (p = 0; p < c->nagent_profiles && !found; p++)
			for (k = 0; k < c->agent_profiles[p].nagents; k++)
				if (strcmp(c->agent_profiles[p].agents[k],
				    cfg->agents[i].name) == 0) {
					found = 1;
					break;
				}
		if (!found)
			return cfg->agents[i].name;
	}
	return NULL;
}

/* A copy of attributes (an object of strings, or NULL: empty). */
static cJSON *
attributes_copy(const cJSON *attrs)
{
	const cJSON *it;
	cJSON *o;

	o = json_new_object();
	if (attrs != NULL)
		cJSON_ArrayForEach(it, attrs)
			json_add_string(o, it->string, it->valuestring);
	return o;
}

/* RoomAgentDispatch: agentName, metadata, restartPolicy, deployment,
 * attributes (livekit_agent_dispatch.proto fields 1-5). */
static cJSON *
agent_claim(const struct roomcfg_agent *a)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "agentName", a->name);
	json_add_string(o, "metadata", a->metadata);
	json_add_string(o, "restartPolicy", "JRP_ON_FAILURE");
	json_add_string(o, "deployment", a->deployment);
	json_add_item(o, "attributes", attributes_copy(a->attributes));
	return o;
}

char *
roomcfg_claim(const struct roomcfg *cfg)
{
	cJSON *o, *agents;
	char *text;
	size_t i;

	if (cfg->nagents == 0)
		return NULL;
	/* RoomConfiguration in proto order; egress, a message, is unset. */
	o = json_new_object();
	json_add_string(o, "name", "");
	json_add_int(o, "emptyTimeout", 0);
	json_add_int(o, "departureTimeout", 0);
	json_add_int(o, "maxParticipants", 0);
	json_add_int(o, "minPlayoutDelay", 0);
	json_add_int(o, "maxPlayoutDelay", 0);
	json_add_bool(o, "syncStreams", 0);
	agents = json_new_array();
	for (i = 0; i < cfg->nagents; i++)
		json_append(agents, agent_claim(&cfg->agents[i]));
	json_add_item(o, "agents", agents);
	json_add_string(o, "metadata", "");
	json_add_item(o, "tags", json_new_object());
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

cJSON *
roomcfg_dispatch_body(const struct roomcfg *cfg, size_t i, const char *room)
{
	const struct roomcfg_agent *a = &cfg->agents[i];
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "agent_name", a->name);
	json_add_string(o, "room", room);
	if (a->metadata[0] != '\0')
		json_add_string(o, "metadata", a->metadata);
	if (a->deployment[0] != '\0')
		json_add_string(o, "deployment", a->deployment);
	if (a->attributes != NULL && a->attributes->child != NULL)
		json_add_item(o, "attributes", attributes_copy(a->attributes));
	return o;
}

int
roomcfg_dispatched(const cJSON *answer, const char *name)
{
	const cJSON *list = NULL, *it;
	const char *n;

	if (json_get_array(answer, "agent_dispatches", &list) != JG_OK)
		return 0;
	cJSON_ArrayForEach(it, list)
		if (json_get_string(it, "agent_name", &n) == JG_OK &&
		    strcmp(n, name) == 0)
			return 1;
	return 0;
}

const char *
roomcfg_reserved_attribute(const cJSON *attributes)
{
	const cJSON *it;

	if (attributes == NULL)
		return NULL;
	cJSON_ArrayForEach(it, attributes)
		if (strncmp(it->string, "lk.", 3) == 0)
			return it->string;
	return NULL;
}
