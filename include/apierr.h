/*
 * apierr: the error codes of lkgate's API and their HTTP statuses, in one
 * table (the contract's list).  Pure.
 */
#ifndef LKGATE_APIERR_H
#define LKGATE_APIERR_H

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
	X(E_UPSTREAM_TIMEOUT,		504, "UPSTREAM_TIMEOUT")

#define API_ERR_ENUM(sym, status, code) sym,
enum api_err { API_ERRORS(API_ERR_ENUM) E_COUNT };
#undef API_ERR_ENUM

/* The HTTP status of e. */
int		 apierr_status(enum api_err e);
/* The machine code of e, e.g. "INVALID_INPUT". */
const char	*apierr_code(enum api_err e);

#endif
