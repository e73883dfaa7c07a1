/*
 * test_roomcfg: the token endpoint's room_config: what is read and what
 * is refused (naming the field), agents checked against the profiles, the
 * roomConfig claim byte for byte as livekit-server-sdk 2.19 writes it,
 * the dispatch bodies, ListDispatch answers, and the lk. attributes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "roomcfg.h"
#include "tap.h"

static cJSON *
parse(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	if (j == NULL)
		abort();
	return j;
}

/* roomcfg_parse on text; 0 or -1, why holds the message. */
static int
try(const char *text, struct roomcfg *rc, char *why, cJSON **keep)
{
	*keep = parse(text);
	return roomcfg_parse(*keep, rc, why);
}

/* 1 when text is refused with a message holding want. */
static int
refused(const char *text, const char *want)
{
	struct roomcfg rc;
	char why[ROOMCFG_WHY_LEN];
	cJSON *j;
	int r;

	r = try(text, &rc, why, &j) == -1 && strstr(why, want) != NULL &&
	    rc.nagents == 0;
	if (!r)
		fprintf(stderr, "# %s: %s\n", text, why);
	cJSON_Delete(j);
	return r;
}

static void
test_parse(void)
{
	struct roomcfg rc;
	char why[ROOMCFG_WHY_LEN];
	cJSON *j;

	is_int(roomcfg_parse(NULL, &rc, why), 0, "absent: fine");
	is_int((long long)rc.nagents, 0, "absent: no agents");
	is_int(try("null", &rc, why, &j), 0, "null: fine");
	cJSON_Delete(j);
	is_int(try("{}", &rc, why, &j), 0, "empty: fine");
	is_int((long long)rc.nagents, 0, "empty: no agents");
	cJSON_Delete(j);
	is_int(try("{\"agents\":[{\"agent_name\":\"bot\",\"metadata\":\"m\"},"
	    "{\"agentName\":\"coach\",\"deployment\":\"d\","
	    "\"attributes\":{\"a\":\"b\"}}]}", &rc, why, &j), 0,
	    "two agents, both spellings");
	is_int((long long)rc.nagents, 2, "two agents read");
	is_str(rc.agents[0].name, "bot", "first name");
	is_str(rc.agents[0].metadata, "m", "first metadata");
	is_str(rc.agents[0].deployment, "", "absent deployment is empty");
	ok(rc.agents[0].attributes == NULL, "absent attributes");
	is_str(rc.agents[1].name, "coach", "agentName read");
	is_str(rc.agents[1].metadata, "", "absent metadata is empty");
	is_str(rc.agents[1].deployment, "d", "deployment read");
	cJSON_Delete(j);

	ok(refused("[]", "room_config must be an object"), "not an object");
	ok(refused("{\"name\":\"r\"}", "room_config.name is not supported"),
	    "other room_config fields refused");
	ok(refused("{\"agents\":[],\"empty_timeout\":5}",
	    "room_config.empty_timeout"), "refused beside agents too");
	ok(refused("{\"agents\":{}}", "room_config.agents must be an array"),
	    "agents not an array");
	ok(refused("{\"agents\":[1]}", "room_config.agents[0] must be an "
	    "object"), "agent not an object");
	ok(refused("{\"agents\":[{}]}", "room_config.agents[0].agent_name is "
	    "required"), "name required");
	ok(refused("{\"agents\":[{\"agent_name\":\"a b\"}]}",
	    "room_config.agents[0].agent_name must be"), "bad name");
	ok(refused("{\"agents\":[{\"agent_name\":5}]}", "must be a string"),
	    "name not a string");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"agentName\":\"a\"}]}",
	    "once"), "both spellings refused");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\"},{\"agent_name\":\"b\"},"
	    "{\"agent_name\":\"a\"}]}", "room_config.agents[2].agent_name "
	    "repeats a"), "repeated name");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"metadata\":1}]}",
	    "room_config.agents[0].metadata must be a string"),
	    "metadata type");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"metadata\":\"x\\u0001\"}]}",
	    "room_config.agents[0].metadata must be text"), "control char");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"restart_policy\":1}]}",
	    "room_config.agents[0].restart_policy is not supported"),
	    "restart policy refused");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"attributes\":[]}]}",
	    "attributes must be an object"), "attributes type");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\",\"attributes\":{\"k\":1}}]}",
	    "values must be strings"), "attribute values");
	ok(refused("{\"agents\":[{\"agent_name\":\"a\"},{\"agent_name\":\"b\"},"
	    "{\"agent_name\":\"c\"},{\"agent_name\":\"d\"},{\"agent_name\":\"e\"},"
	    "{\"agent_name\":\"f\"},{\"agent_name\":\"g\"},{\"agent_name\":\"h\"},"
	    "{\"agent_name\":\"i\"}]}", "at most 8"), "too many agents");
}

static void
test_profiles(void)
{
	char *coach[] = { "coach", "helper", NULL }, *bot[] = { "bot", NULL };
	struct agent_profile profiles[] = {
		{ "default", bot, 1 }, { "coach", coach, 2 }
	};
	struct conf c;
	struct roomcfg rc;
	char why[ROOMCFG_WHY_LEN];
	cJSON *j;

	memset(&c, 0, sizeof(c));
	c.agent_profiles = profiles;
	c.nagent_profiles = 2;
	try("{\"agents\":[{\"agent_name\":\"helper\"},{\"agent_name\":\"bot\"}]}",
	    &rc, why, &j);
	ok(roomcfg_unlisted_agent(&rc, &c) == NULL, "listed agents pass");
	cJSON_Delete(j);
	try("{\"agents\":[{\"agent_name\":\"bot\"},{\"agent_name\":\"coach2\"}]}",
	    &rc, why, &j);
	is_str(roomcfg_unlisted_agent(&rc, &c), "coach2",
	    "an unlisted agent is named");
	c.nagent_profiles = 0;
	is_str(roomcfg_unlisted_agent(&rc, &c), "bot",
	    "no profiles: no agent is allowed");
	cJSON_Delete(j);
}

static void
test_claim(void)
{
	struct roomcfg rc;
	char why[ROOMCFG_WHY_LEN], *claim;
	cJSON *j;

	memset(&rc, 0, sizeof(rc));
	ok(roomcfg_claim(&rc) == NULL, "no agents: no claim");
	try("{\"agents\":[{\"agent_name\":\"bot\",\"metadata\":\"m\"}]}",
	    &rc, why, &j);
	claim = roomcfg_claim(&rc);
	/* new AccessToken(...).roomConfig = new RoomConfiguration({agents:
	 * [new RoomAgentDispatch({agentName:'bot', metadata:'m'})]}) */
	is_str(claim, "{\"name\":\"\",\"emptyTimeout\":0,\"departureTimeout\":0,"
	    "\"maxParticipants\":0,\"minPlayoutDelay\":0,\"maxPlayoutDelay\":0,"
	    "\"syncStreams\":false,\"agents\":[{\"agentName\":\"bot\","
	    "\"metadata\":\"m\",\"restartPolicy\":\"JRP_ON_FAILURE\","
	    "\"deployment\":\"\",\"attributes\":{}}],\"metadata\":\"\","
	    "\"tags\":{}}", "the claim as the SDK writes it");
	free(claim);
	cJSON_Delete(j);
	try("{\"agents\":[{\"agent_name\":\"bot\",\"deployment\":\"d\","
	    "\"attributes\":{\"x\":\"1\",\"a\":\"2\"}},{\"agent_name\":\"x\"}]}",
	    &rc, why, &j);
	claim = roomcfg_claim(&rc);
	ok(strstr(claim, "\"agents\":[{\"agentName\":\"bot\",\"metadata\":\"\","
	    "\"restartPolicy\":\"JRP_ON_FAILURE\",\"deployment\":\"d\","
	    "\"attributes\":{\"x\":\"1\",\"a\":\"2\"}},{\"agentName\":\"x\","
	    "\"metadata\":\"\",\"restartPolicy\":\"JRP_ON_FAILURE\","
	    "\"deployment\":\"\",\"attributes\":{}}]") != NULL,
	    "two agents, attributes in their order");
	free(claim);
	cJSON_Delete(j);
}

static void
test_dispatch(void)
{
	struct roomcfg rc;
	char why[ROOMCFG_WHY_LEN], *text;
	cJSON *j, *b, *ans;

	try("{\"agents\":[{\"agent_name\":\"bot\"},{\"agent_name\":\"c\","
	    "\"metadata\":\"m\",\"deployment\":\"d\",\"attributes\":{\"k\":"
	    "\"v\"}}]}", &rc, why, &j);
	b = roomcfg_dispatch_body(&rc, 0, "r1");
	text = json_print(b);
	is_str(text, "{\"agent_name\":\"bot\",\"room\":\"r1\"}",
	    "empty fields left out");
	free(text);
	cJSON_Delete(b);
	b = roomcfg_dispatch_body(&rc, 1, "r1");
	text = json_print(b);
	is_str(text, "{\"agent_name\":\"c\",\"room\":\"r1\",\"metadata\":\"m\","
	    "\"deployment\":\"d\",\"attributes\":{\"k\":\"v\"}}",
	    "every field");
	free(text);
	cJSON_Delete(b);
	cJSON_Delete(j);

	ans = parse("{\"agent_dispatches\":[{\"id\":\"AD_1\",\"agent_name\":"
	    "\"bot\",\"room\":\"r1\"}]}");
	ok(roomcfg_dispatched(ans, "bot"), "a dispatch found");
	ok(!roomcfg_dispatched(ans, "c"), "another agent is not");
	cJSON_Delete(ans);
	ans = parse("{\"agent_dispatches\":[]}");
	ok(!roomcfg_dispatched(ans, "bot"), "none");
	cJSON_Delete(ans);
}

static void
test_reserved(void)
{
	cJSON *a;

	ok(roomcfg_reserved_attribute(NULL) == NULL, "no attributes");
	a = parse("{\"x\":\"1\",\"lkx\":\"2\",\"lk.agent.state\":\"3\"}");
	is_str(roomcfg_reserved_attribute(a), "lk.agent.state",
	    "lk. keys found");
	cJSON_Delete(a);
	a = parse("{\"LK.x\":\"1\",\"lk\":\"2\"}");
	ok(roomcfg_reserved_attribute(a) == NULL, "only lowercase lk. is");
	cJSON_Delete(a);
}

int
main(void)
{
	test_parse();
	test_profiles();
	test_claim();
	test_dispatch();
	test_reserved();
	return tap_done();
}
