/*
 * apierr: the error codes of lkgate's API and their HTTP statuses, in one
 * table (the contract's list), and the two shapes of an error body.  Pure.
 */
#ifndef LKGATE_APIERR_H
#define LKGATE_APIERR_H

#include <stdint.h>

#include <cjson/cJSON.h>

#define API_ERRORS(X) \
	X(E_INVALID_INPUT,		400, "INVALID_INPUT") \
	X(E_UNAUTHORIZED,		401, "UNAUTHORIZED") \
	X(E_PERMISSION_DENIED,		403, "PERMISSION_DENIED") \
	X(E_NOT_FOUND,			404, "NOT_FOUND") \
	X(E_SESSION_NOT_FOUND,		404, "SESSION_NOT_FOUND") \
	X(E_ROOM_NOT_FOUND,		404, "ROOM_NOT_FOUND") \
	X(E_METHOD_NOT_ALLOWED,		405, "METHOD_NOT_ALLOWED") \
	X(E_CONFLICT,			409, "CONFLICT") \
	X(E_ROOM_FULL,			409, "ROOM_FULL") \
	X(E_PAYLOAD_TOO_LARGE,		413, "PAYLOAD_TOO_LARGE") \
	X(E_UNSUPPORTED_MEDIA_TYPE,	415, "UNSUPPORTED_MEDIA_TYPE") \
	X(E_RATE_LIMITED,		429, "RATE_LIMITED") \
	X(E_INTERNAL,			500, "INTERNAL_ERROR") \
	X(E_UPSTREAM_ERROR,		502, "UPSTREAM_ERROR") \
	X(E_UPSTREAM_UNAVAILABLE,	503, "UPSTREAM_UNAVAILABLE") \
	X(E_OVERLOADED,			503, "OVERLOADED") \
	X(E_UPSTREAM_TIMEOUT,		504, "UPSTREAM_TIMEOUT") \
	X(E_CHANNEL_NOT_FOUND,		404, "CHANNEL_NOT_FOUND") \
	X(E_CHANNEL_FULL,		409, "CHANNEL_FULL") \
	X(E_USER_NOT_FOUND,		404, "USER_NOT_FOUND") \
	X(E_GONE,			410, "GONE") \
	X(E_TIMEOUT,			504, "TIMEOUT")

#define API_ERR_ENUM(sym, status, code) sym,
enum api_err { API_ERRORS(API_ERR_ENUM) E_COUNT };
#undef API_ERR_ENUM

/* The HTTP status of e. */
int		 apierr_status(enum api_err e);
/* The machine code of e, e.g. "INVALID_INPUT". */
const char	*apierr_code(enum api_err e);

/*
 * The code e becomes in the Voice Chat app's envelope: a room is a
 * channel there (E_ROOM_NOT_FOUND -> E_CHANNEL_NOT_FOUND, E_ROOM_FULL ->
 * E_CHANNEL_FULL) and a timeout is the seed's TIMEOUT; others stay.
 */
enum api_err	 apierr_envelope_code(enum api_err e);

/*
 * The error body (caller frees): the contract's
 * {"error","code","timestamp","request_id"}, or with envelope the Voice
 * Chat app's {"success":false,"error","error_code","timestamp",
 * "request_id"} under apierr_envelope_code(e); both with "retry_after"
 * on E_RATE_LIMITED.
 */
cJSON		*apierr_body(enum api_err e, int envelope, const char *msg,
		    const char *request_id, int64_t now, long long retry_after);

#endif
