/*
 * apierr: the status and machine code of each API error, generated from
 * the one list in apierr.h, and the error bodies of both shapes.
 */
#include "apierr.h"
#include "json.h"

#define API_ERR_ROW(sym, status, code) { status, code },
static const struct {
	int		 status;
	const char	*code;
} api_errors[] = { API_ERRORS(API_ERR_ROW) };
#undef API_ERR_ROW

int
apierr_status(enum api_err e)
{
	return api_errors[e].status;
}

const char *
apierr_code(enum api_err e)
{
	return api_errors[e].code;
}

enum api_err
apierr_envelope_code(enum api_err e)
{
	switch (e) {
	case E_ROOM_NOT_FOUND:
		return E_CHANNEL_NOT_FOUND;
	case E_ROOM_FULL:
		return E_CHANNEL_FULL;
	case E_UPSTREAM_TIMEOUT:
		return E_TIMEOUT;
	default:
		return e;
	}
}

cJSON *
apierr_body(enum api_err e, int envelope, const char *msg,
    const char *request_id, int64_t now, long long retry_after)
{
	cJSON *o;

	o = json_new_object();
	if (envelope)
		json_add_bool(o, "success", 0);
	json_add_string(o, "error", msg);
	json_add_string(o, envelope ? "error_code" : "code",
	    apierr_code(envelope ? apierr_envelope_code(e) : e));
	json_add_int(o, "timestamp", now);
	json_add_string(o, "request_id", request_id);
	if (e == E_RATE_LIMITED)
		json_add_int(o, "retry_after", retry_after);
	return o;
}
