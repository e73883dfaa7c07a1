/*
 * lkclient_map: LiveKit's answers reduced to an lk_outcome, with the
 * Twirp error code and a message fit for logs and clients.  Understands
 * Twirp's JSON errors, the plain-text 401s of LiveKit's auth middleware,
 * a proxy's pages, the probe's answer, a count's answer (judged by the
 * counter it was fed to, roomcount.h), and upstream's transport results
 * (refused, timed out, too large).  Pure: no state, no I/O, so that
 * test_lkclient_map covers it whole.
 *
 * Calls nothing else of lkclient (see lkclient_internal.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "lkclient.h"
#include "lkclient_internal.h"
#include "roomcount.h"
#include "upstream.h"
#include "util.h"

#define LK_MSG_MAX		200

/*
 * Returns the first line of buf (len bytes, stops at a NUL), trimmed, cut
 * to LK_MSG_MAX bytes on a UTF-8 boundary, with control bytes (and every
 * non-ASCII byte when the text is not UTF-8) made '?'; NULL when empty.
 * The text comes from the network and goes to logs and clients.
 */
static char *
lk_text_line(const char *buf, size_t len)
{
	const char *e;
	size_t n, i;
	char *s;

	while (len > 0 && isspace((unsigned char)*buf)) {
		buf++;
		len--;
	}
	n = (e = memchr(buf, '\n', len)) != NULL ? (size_t)(e - buf) : len;
	if ((e = memchr(buf, '\0', n)) != NULL)
		n = (size_t)(e - buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	if (n > LK_MSG_MAX) {
		n = LK_MSG_MAX;
		while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;
	}
	if (n == 0)
		return NULL;
	s = xstrndup(buf, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	if (!json_utf8_valid(s, n))
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] >= 0x80)
				s[i] = '?';
	return s;
}

static char *
lk_text(const char *s)
{
	return s != NULL ? lk_text_line(s, strlen(s)) : NULL;
}

static enum lk_outcome
lk_twirp_outcome(const char *code)
{
	if (strcmp(code, "not_found") == 0)
		return LK_NOT_FOUND;
	if (strcmp(code, "unavailable") == 0)
		return LK_UNAVAILABLE;
	if (strcmp(code, "unauthenticated") == 0 ||
	    strcmp(code, "permission_denied") == 0)
		return LK_REJECTED;
	return LK_FAILED;
}

/* Fills out from a Twirp error object; -1 when j is not one. */
static int
lk_map_twirp(const cJSON *j, struct lk_answer *out)
{
	const cJSON *code, *msg;

	if (!cJSON_IsObject(j))
		return -1;
	code = cJSON_GetObjectItemCaseSensitive(j, "code");
	if (!cJSON_IsString(code) || code->valuestring == NULL)
		return -1;
	out->outcome = lk_twirp_outcome(code->valuestring);
	if ((out->twirp_code = lk_text(code->valuestring)) == NULL)
		out->twirp_code = xstrdup("");
	msg = cJSON_GetObjectItemCaseSensitive(j, "msg");
	if (cJSON_IsString(msg))
		out->msg = lk_text(msg->valuestring);
	return 0;
}

/* A non-2xx answer that is not Twirp's: LiveKit's middleware or a proxy. */
static void
lk_map_plain(long status, const char *ctype, const char *body, size_t len,
    struct lk_answer *out)
{
	if (status == 401 || status == 403)
		out->outcome = LK_REJECTED;
	else if (status == 503)
		out->outcome = LK_UNAVAILABLE;
	else
		out->outcome = LK_FAILED;	/* 404 here is a wrong URL */
	/* Go sniffs text/plain; an HTML page from a proxy says nothing. */
	if (ctype == NULL || strncasecmp(ctype, "text/plain", 10) == 0)
		out->msg = lk_text_line(body, len);
}

void
lk_map_answer(long status, const char *ctype, const char *body,
    size_t len, struct lk_answer *out)
{
	cJSON *j = NULL;
	int utf8;

	memset(out, 0, sizeof(*out));
	/* Only UTF-8 is read: what lkgate passes on from an answer (names,
	 * kinds, metadata) goes into its own JSON, which must stay valid. */
	utf8 = body == NULL || json_utf8_valid(body, len);
	if (body != NULL && len > 0 && utf8)
		j = cJSON_ParseWithLength(body, len);
	if (status >= 200 && status < 300) {
		if (cJSON_IsObject(j)) {
			out->outcome = LK_OK;
			out->body = j;
			return;
		}
		out->outcome = LK_FAILED;
		out->msg = xstrdup(utf8 ? "LiveKit's answer is not a JSON object" :
		    "LiveKit's answer is not UTF-8");
	} else if (lk_map_twirp(j, out) == -1)
		lk_map_plain(status, ctype, body != NULL ? body : "",
		    body != NULL ? len : 0, out);
	cJSON_Delete(j);
}

void
lk_answer_clear(struct lk_answer *a)
{
	cJSON_Delete(a->body);
	free(a->twirp_code);
	free(a->msg);
	memset(a, 0, sizeof(*a));
}

/* A probe answer: 200 is health whatever the body, else unavailable. */
void
lk_map_probe(long status, const char *body, size_t len,
    struct lk_answer *out)
{
	memset(out, 0, sizeof(*out));
	if (status == 200) {
		out->outcome = LK_OK;
		return;
	}
	out->outcome = LK_UNAVAILABLE;
	out->msg = lk_text_line(body, len);
}

/* A transport result that is not an HTTP answer. */
void
lk_map_transport(const struct up_result *r, struct lk_answer *out)
{
	memset(out, 0, sizeof(*out));
	switch (r->status) {
	case UP_REFUSED:
		out->outcome = LK_REFUSED;
		break;
	case UP_TIMEOUT:
		out->outcome = LK_TIMEOUT;
		break;
	case UP_TOO_LARGE:
		out->outcome = LK_FAILED;
		/* The log line must lead the operator to the option. */
		out->msg = xstrdup("LiveKit's answer is larger than "
		    "upstream_max_response_bytes");
		return;
	default:
		out->outcome = LK_FAILED;
		break;
	}
	out->msg = lk_text(r->error);
}

/*
 * A count's answer (lk_count_rooms): a 2xx body is judged by rc, which was
 * fed it as it came (r->streamed) or is fed it here (upstream kept it);
 * other answers as lk_map_answer, transport results as lk_map_transport,
 * but for a transfer stopped because rc found the answer malformed.
 */
void
lk_map_count(const struct up_result *r, struct roomcount *rc,
    struct lk_answer *out)
{
	if (r->status != UP_OK && rc->error == NULL) {
		lk_map_transport(r, out);
		return;
	}
	if (r->status == UP_OK && (r->http_status < 200 ||
	    r->http_status >= 300)) {
		lk_map_answer(r->http_status, r->content_type, r->body,
		    r->bodylen, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	if (r->status == UP_OK && !r->streamed) {
		roomcount_init(rc);
		(void)roomcount_feed(rc, r->body, r->bodylen);
	}
	if (r->status == UP_OK && roomcount_end(rc) == 0) {
		out->outcome = LK_OK;
		return;
	}
	out->outcome = LK_FAILED;
	out->msg = xasprintf("LiveKit's answer is not a room list: %s at "
	    "byte %llu", rc->error, (unsigned long long)rc->offset);
}
