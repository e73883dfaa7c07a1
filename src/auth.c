/*
 * auth: turns request credentials into a principal.  API keys are looked
 * up through conf_api_key_match, which compares against every key in
 * constant time, so response timing says nothing about how close a guess
 * was.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

/* Longest key we even look at; longer values cannot match any key. */
#define API_KEY_MAX 512

int
auth_api_key(const struct conf *conf, const char *header,
    struct principal *p, const char **why)
{
	const struct api_key *k;
	size_t len;

	memset(p, 0, sizeof(*p));
	p->kind = P_ANONYMOUS;
	if (header == NULL || *header == '\0') {
		*why = "missing X-API-Key header";
		return -1;
	}
	len = strnlen(header, API_KEY_MAX + 1);
	if (len > API_KEY_MAX ||
	    (k = conf_api_key_match(conf, header, len)) == NULL) {
		*why = "invalid API key";
		return -1;
	}
	p->kind = P_API_KEY;
	p->admin = k->role == ROLE_ADMIN;
	snprintf(p->name, sizeof(p->name), "%s", k->name);
	return 0;
}
