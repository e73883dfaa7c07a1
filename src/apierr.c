/*
 * apierr: the status and machine code of each API error, generated from
 * the one list in apierr.h.
 */
#include "apierr.h"

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
