/*
 * validate: the contract's rules for identifiers.  Pure.
 */
#ifndef LKGATE_VALIDATE_H
#define LKGATE_VALIDATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define IDENTITY_MAX 128
#define ROOM_NAME_MAX 128
/* LiveKit's own limit on room names (max_room_name_length). */
#define ROOM_REF_MAX 256

/* 1-128 bytes of [A-Za-z0-9_.@:-]. */
int	valid_identity(const char *s);
/*
 * 1 when arr is a JSON array whose every member is a string that
 * valid_identity accepts (an empty array is); 0 for anything else, NULL
 * and non-arrays included.  Borrows arr.
 */
int	valid_identities(const cJSON *arr);
/* 1-128 bytes of [A-Za-z0-9_.-]. */
int	valid_room_name(const char *s);
/*
 * A name that only identifies an existing LiveKit room (a path parameter,
 * a paging cursor): rooms other backends made may have any name, so 1-256
 * bytes of UTF-8 without a control character (C0, DEL or C1).  Names
 * lkgate gives rooms keep valid_room_name's rule.
 */
int	valid_room_ref(const char *s);
/* A string of at most max bytes of valid UTF-8 with no control character. */
int	valid_text(const char *s, size_t max);
/*
 * 1 when url may carry credentials or keys: https, or plain http to a
 * loopback host (localhost, 127.0.0.0/8, [::1]) for development and
 * tests (OpenID Connect Discovery 3 and RFC 6749 3.1 and 3.2 ask for
 * TLS).  Only the scheme and host are judged.
 */
int	valid_secure_url(const char *url);

#endif
