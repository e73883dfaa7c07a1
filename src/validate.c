/*
 * validate: the contract's character sets for identities (one, or a JSON
 * list of them: the invited of a room's or a channel's metadata) and room
 * names, and a check for free text (names, goals) that will end up in tokens,
 * metadata and logs.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "validate.h"

static int
only_chars(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > max)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))
			continue;
		if (strchr(extra, *p) == NULL)
			return 0;
	}
	return 1;
}

int
valid_identity(const char *s)
{
	return only_chars(s, IDENTITY_MAX, "_.@:-");
}

int
valid_identities(const cJSON *arr)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return 0;
	cJSON_ArrayForEach(it, arr)
		if (!cJSON_IsString(it) || !valid_identity(it->valuestring))
			return 0;
	return 1;
}

int
valid_room_name(const char *s)
{
	return only_chars(s, ROOM_NAME_MAX, "_.-");
}

int
valid_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	const unsigned char *p;

	if (n > max || !json_utf8_valid(s, n))
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int
valid_room_ref(const char *s)
{
	const unsigned char *p;

	if (*s == '\0' || !valid_text(s, ROOM_REF_MAX))
		return 0;
	/* C1 controls, U+0080-U+009F, are C2 80-C2 9F in UTF-8. */
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	return 1;
}

/* 1 when the n bytes at h name a loopback host: localhost, [::1], or a
 * dotted quad 127.x.y.z. */
static int
loopback_host(const char *h, size_t n)
{
	unsigned a, b, c, d;
	char quad[16], tail;

	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(h, "[::1]", 5) == 0))
		return 1;
	if (n == 0 || n >= sizeof(quad) || strspn(h, "0123456789.") < n)
		return 0;
	memcpy(quad, h, n);
	quad[n] = '\0';
	return sscanf(quad, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4 &&
	    a == 127 && b < 256 && c < 256 && d < 256;
}

int
valid_secure_url(const char *url)
{
	const char *h;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	/* An authority with user information is never believed. */
	if (memchr(h, '@', strcspn(h, "/?#")) != NULL)
		return 0;
	/* The host ends at the port, the path, the query or the fragment. */
	if (*h == '[')
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?#");
	return loopback_host(h, n);
}
