/*
 * validate: the contract's character sets for identities and room names,
 * and a check for free text (names, goals) that will end up in tokens,
 * metadata and logs.
 */
#include <string.h>

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
