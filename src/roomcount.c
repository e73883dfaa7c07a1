/*
 * roomcount: a ListRooms answer counted as it arrives (see roomcount.h).
 *
 * A byte-at-a-time JSON recognizer: one state per place in the grammar,
 * one bit per open container saying whether it is an array, and, for the
 * two keys that matter (the answer's "rooms", a room's
 * "num_participants"), a running comparison of the decoded key with the
 * wanted one.  Runs of plain bytes inside a string that is not such a key
 * are skipped in a tight loop: they are the bulk of an answer (metadata,
 * names, codecs).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roomcount.h"

enum rc_state {
	RC_VALUE,	/* a value is next */
	RC_KEY,		/* a key is next (or '}' when first) */
	RC_COLON,	/* the ':' after a key */
	RC_AFTER,	/* ',' or the container's end is next */
	RC_DONE,	/* the answer ended: only whitespace may follow */
	RC_ERROR,
	RC_STR,		/* in a string */
	RC_ESC,		/* after a backslash */
	RC_HEX,		/* in the digits of a \u escape */
	RC_LOW_BS,	/* after a high surrogate: its pair's backslash */
	RC_LOW_U,	/* and its 'u' */
	RC_LOW_HEX,	/* and its digits */
	RC_NUM_MINUS,	/* after '-': a digit is next */
	RC_NUM_ZERO,	/* after a leading 0 */
	RC_NUM_INT,	/* in the integer digits */
	RC_NUM_DOT,	/* after '.': a digit is next */
	RC_NUM_FRAC,	/* in the fraction digits */
	RC_NUM_E,	/* after 'e': a sign or a digit is next */
	RC_NUM_ESIGN,	/* after the exponent's sign: a digit is next */
	RC_NUM_EXP,	/* in the exponent digits */
	RC_LIT		/* in true, false or null */
};

/* What the value after a matched key is. */
enum rc_pending { P_NONE, P_ROOMS, P_NP };

static const char *const literals[] = { "true", "false", "null" };

#define NP_MAX		((uint64_t)UINT32_MAX)

/* Results of one step: the byte was read, or must be read again in the
 * new state (it ended a number); errors are -1. */
#define STEP_READ	0
#define STEP_AGAIN	1

static int
rc_fail(struct roomcount *rc, const char *why)
{
	rc->error = why;
	rc->state = RC_ERROR;
	return -1;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The value of hex digit c, or -1. */
static int
hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 when the innermost open container is an array. */
static int
in_array(const struct roomcount *rc)
{
	return rc->depth > 0 && (rc->arrays >> (rc->depth - 1) & 1) != 0;
}

/* A value ended: the rest of its container, or of the answer. */
static void
rc_value_done(struct roomcount *rc)
{
	rc->state = rc->depth == 0 ? RC_DONE : RC_AFTER;
}

static int
rc_open(struct roomcount *rc, int array)
{
	uint64_t bit;

	if (rc->depth == ROOMCOUNT_MAX_DEPTH)
		return rc_fail(rc, "nested too deep");
	bit = (uint64_t)1 << rc->depth;
	rc->arrays = array ? rc->arrays | bit : rc->arrays & ~bit;
	rc->depth++;
	rc->first = 1;
	rc->state = array ? RC_VALUE : RC_KEY;
	return STEP_READ;
}

static int
rc_close(struct roomcount *rc, int array)
{
	if (rc->depth == 0 || in_array(rc) != array)
		return rc_fail(rc, array ? "unexpected ']'" : "unexpected '}'");
	if (rc->rooms_open && rc->depth == 2)
		rc->rooms_open = 0;	/* the rooms' array ends */
	rc->depth--;
	rc_value_done(rc);
	return STEP_READ;
}

/* A string starts; a key is compared with the one wanted where it is. */
static void
rc_string(struct roomcount *rc, int key)
{
	rc->is_key = (uint8_t)key;
	rc->want = NULL;
	if (key && rc->depth == 1 && !rc->rooms_seen)
		rc->want = "rooms";
	else if (key && rc->depth == 3 && rc->rooms_open && !rc->np_seen)
		rc->want = "num_participants";
	rc->kpos = 0;
	rc->kmatch = rc->want != NULL;
	rc->state = RC_STR;
}

/* One decoded byte of the string: compared when it may be a wanted key. */
static void
rc_key_byte(struct roomcount *rc, unsigned char c)
{
	if (!rc->kmatch)
		return;
	if (rc->want[rc->kpos] == '\0' ||
	    (unsigned char)rc->want[rc->kpos] != c)
		rc->kmatch = 0;
	else
		rc->kpos++;
}

static void
rc_string_end(struct roomcount *rc)
{
	if (!rc->is_key) {
		rc_value_done(rc);
		return;
	}
	rc->pending = P_NONE;
	if (rc->kmatch && rc->want[rc->kpos] == '\0') {
		if (rc->depth == 1) {
			rc->rooms_seen = 1;
			rc->pending = P_ROOMS;
		} else {
			rc->np_seen = 1;
			rc->pending = P_NP;
		}
	}
	rc->state = RC_COLON;
}

/* A number starts with c (a digit or '-'). */
static void
rc_number_start(struct roomcount *rc, unsigned char c, int pending)
{
	rc->countable = pending == P_NP && c != '-';
	rc->num = c == '-' ? 0 : (uint64_t)(c - '0');
	rc->state = c == '-' ? RC_NUM_MINUS : c == '0' ? RC_NUM_ZERO :
	    RC_NUM_INT;
}

/* The first byte of a value. */
static int
rc_value(struct roomcount *rc, unsigned char c)
{
	int pending = rc->pending;

	rc->pending = P_NONE;
	if (rc->depth == 0 && c != '{')
		return rc_fail(rc, "not a JSON object");
	if (rc->rooms_open && rc->depth == 2) {
		if (c != '{')
			return rc_fail(rc, "a room is not an object");
		rc->rooms++;
		rc->np_seen = 0;
	}
	if (c == '{')
		return rc_open(rc, 0);
	if (c == '[') {
		if (rc_open(rc, 1) == -1)
			return -1;
		if (pending == P_ROOMS)
			rc->rooms_open = 1;
		return STEP_READ;
	}
	if (c == '"')
		rc_string(rc, 0);
	else if (c == '-' || is_digit(c))
		rc_number_start(rc, c, pending);
	else if (c == 't' || c == 'f' || c == 'n') {
		rc->lit = c == 't' ? 0 : c == 'f' ? 1 : 2;
		rc->litpos = 1;
		rc->state = RC_LIT;
	} else
		return rc_fail(rc, "a value was expected");
	return STEP_READ;
}

/* The number ended (c is not part of it): counted; c is read again. */
static int
rc_number_end(struct roomcount *rc)
{
	if (rc->countable && rc->num <= NP_MAX)
		rc->participants += rc->num;
	rc_value_done(rc);
	return STEP_AGAIN;
}

/* A byte in a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
rc_number(struct roomcount *rc, unsigned char c)
{
	int digit = is_digit(c);

	switch (rc->state) {
	case RC_NUM_MINUS:
		if (!digit)
			return rc_fail(rc, "invalid number");
		rc->state = c == '0' ? RC_NUM_ZERO : RC_NUM_INT;
		return STEP_READ;
	case RC_NUM_INT:
		if (digit) {
			if (rc->num <= NP_MAX)	/* saturates above */
				rc->num = rc->num * 10 + (uint64_t)(c - '0');
			return STEP_READ;
		}
		break;
	case RC_NUM_DOT:
	case RC_NUM_ESIGN:
		if (!digit)
			return rc_fail(rc, "invalid number");
		rc->state = rc->state == RC_NUM_DOT ? RC_NUM_FRAC : RC_NUM_EXP;
		return STEP_READ;
	case RC_NUM_E:
		if (!digit && c != '+' && c != '-')
			return rc_fail(rc, "invalid number");
		rc->state = digit ? RC_NUM_EXP : RC_NUM_ESIGN;
		return STEP_READ;
	case RC_NUM_FRAC:
	case RC_NUM_EXP:
		if (digit)
			return STEP_READ;
		break;
	default:	/* RC_NUM_ZERO: a digit after it ends it */
		break;
	}
	if (c == '.' && (rc->state == RC_NUM_ZERO ||
	    rc->state == RC_NUM_INT)) {
		rc->countable = 0;
		rc->state = RC_NUM_DOT;
		return STEP_READ;
	}
	if ((c == 'e' || c == 'E') && rc->state != RC_NUM_EXP) {
		rc->countable = 0;
		rc->state = RC_NUM_E;
		return STEP_READ;
	}
	return rc_number_end(rc);
}

/* The four digits of a \u escape are read (cp). */
static int
rc_escape_done(struct roomcount *rc)
{
	int low = rc->cp >= 0xdc00 && rc->cp <= 0xdfff;

	if (rc->state == RC_LOW_HEX) {
		if (!low)
			return rc_fail(rc, "lone surrogate in a \\u escape");
		rc->state = RC_STR;
		return STEP_READ;
	}
	if (low)
		return rc_fail(rc, "lone surrogate in a \\u escape");
	if (rc->cp >= 0xd800 && rc->cp <= 0xdbff) {
		rc->kmatch = 0;		/* no wanted key is outside ASCII */
		rc->state = RC_LOW_BS;
		return STEP_READ;
	}
	if (rc->cp < 0x80)
		rc_key_byte(rc, (unsigned char)rc->cp);
	else
		rc->kmatch = 0;
	rc->state = RC_STR;
	return STEP_READ;
}

/* A byte in a string, its escapes included. */
static int
rc_str(struct roomcount *rc, unsigned char c)
{
	static const char esc_in[] = "\"\\/bfnrt";
	static const char esc_out[] = "\"\\/\b\f\n\r\t";
	const char *e;
	int v;

	switch (rc->state) {
	case RC_STR:
		if (c == '"')
			rc_string_end(rc);
		else if (c == '\\')
			rc->state = RC_ESC;
		else if (c < 0x20)
			return rc_fail(rc, "control character in a string");
		else
			rc_key_byte(rc, c);
		return STEP_READ;
	case RC_ESC:
		if (c == 'u') {
			rc->cp = 0;
			rc->nhex = 0;
			rc->state = RC_HEX;
			return STEP_READ;
		}
		if (c == '\0' || (e = strchr(esc_in, c)) == NULL)
			return rc_fail(rc, "invalid escape in a string");
		rc_key_byte(rc, (unsigned char)esc_out[e - esc_in]);
		rc->state = RC_STR;
		return STEP_READ;
	case RC_LOW_BS:
	case RC_LOW_U:
		if (c != (rc->state == RC_LOW_BS ? '\\' : 'u'))
			return rc_fail(rc, "lone surrogate in a \\u escape");
		if (rc->state == RC_LOW_U) {
			rc->cp = 0;
			rc->nhex = 0;
		}
		rc->state = rc->state == RC_LOW_BS ? RC_LOW_U : RC_LOW_HEX;
		return STEP_READ;
	default:	/* RC_HEX, RC_LOW_HEX */
		if ((v = hex_value(c)) == -1)
			return rc_fail(rc, "invalid \\u escape");
		rc->cp = rc->cp << 4 | (uint32_t)v;
		if (++rc->nhex < 4)
			return STEP_READ;
		return rc_escape_done(rc);
	}
}

/* A byte outside strings and numbers. */
static int
rc_structure(struct roomcount *rc, unsigned char c)
{
	if (is_ws(c))
		return STEP_READ;
	switch (rc->state) {
	case RC_VALUE:
		if (c == ']' && rc->first && in_array(rc))
			return rc_close(rc, 1);
		return rc_value(rc, c);
	case RC_KEY:
		if (c == '}' && rc->first)
			return rc_close(rc, 0);
		if (c != '"')
			return rc_fail(rc, "a key was expected");
		rc_string(rc, 1);
		return STEP_READ;
	case RC_COLON:
		if (c != ':')
			return rc_fail(rc, "':' was expected");
		rc->first = 0;
		rc->state = RC_VALUE;
		return STEP_READ;
	case RC_AFTER:
		if (c == '}' || c == ']')
			return rc_close(rc, c == ']');
		if (c != ',')
			return rc_fail(rc, "',' or the end was expected");
		rc->first = 0;
		rc->state = in_array(rc) ? RC_VALUE : RC_KEY;
		return STEP_READ;
	default:	/* RC_DONE */
		return rc_fail(rc, "text after the answer's object");
	}
}

/* One byte: STEP_READ, STEP_AGAIN or -1. */
static int
rc_step(struct roomcount *rc, unsigned char c)
{
	switch (rc->state) {
	case RC_VALUE:
	case RC_KEY:
	case RC_COLON:
	case RC_AFTER:
	case RC_DONE:
		return rc_structure(rc, c);
	case RC_STR:
	case RC_ESC:
	case RC_HEX:
	case RC_LOW_BS:
	case RC_LOW_U:
	case RC_LOW_HEX:
		return rc_str(rc, c);
	case RC_LIT:
		if (c != (unsigned char)literals[rc->lit][rc->litpos])
			return rc_fail(rc, "invalid literal");
		if (literals[rc->lit][++rc->litpos] == '\0')
			rc_value_done(rc);
		return STEP_READ;
	case RC_ERROR:
		return -1;
	default:
		return rc_number(rc, c);
	}
}

void
roomcount_init(struct roomcount *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->state = RC_VALUE;
}

int
roomcount_feed(struct roomcount *rc, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0;
	int r;

	if (rc->state == RC_ERROR)
		return -1;
	while (i < len) {
		if (rc->state == RC_STR && !rc->kmatch) {
			/* The bulk: a string's plain bytes, compared with
			 * nothing. */
			while (i < len && p[i] != '"' && p[i] != '\\' &&
			    p[i] >= 0x20)
				i++;
			if (i == len)
				break;
		}
		if ((r = rc_step(rc, p[i])) == -1) {
			rc->offset += i;
			return -1;
		}
		if (r == STEP_READ)
			i++;
	}
	rc->offset += len;
	return 0;
}

int
roomcount_end(struct roomcount *rc)
{
	if (rc->state == RC_ERROR)
		return -1;
	if (rc->state == RC_DONE)
		return 0;
	return rc_fail(rc, rc->depth == 0 && rc->state == RC_VALUE ?
	    "no answer" : "the answer ends early");
}
