/*
 * validate: the contract's rules for identifiers.  Pure.
 */
#ifndef LKGATE_VALIDATE_H
#define LKGATE_VALIDATE_H

#include <stddef.h>

#define IDENTITY_MAX 128
#define ROOM_NAME_MAX 128

/* 1-128 bytes of [A-Za-z0-9_.@:-]. */
int	valid_identity(const char *s);
/* 1-128 bytes of [A-Za-z0-9_.-]. */
int	valid_room_name(const char *s);
/* A string of at most max bytes of valid UTF-8 with no control character. */
int	valid_text(const char *s, size_t max);

#endif
