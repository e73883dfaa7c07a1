/*
 * h_docs: the documents shipped inside the binary.  GET /api/openapi.json
 * serves the OpenAPI 3.1 document byte for byte; GET /admin serves the
 * admin page with a Content-Security-Policy that lets through exactly the
 * page's own inline <style> and <script>, named by their SHA-256 hashes,
 * and nothing else but calls to this origin.
 */
#include <stdlib.h>
#include <string.h>

#include "adminpage.h"
#include "b64url.h"
#include "crypto.h"
#include "handlers.h"
#include "httpfront.h"
#include "openapi.h"
#include "util.h"

void
h_openapi(struct rq *rq)
{
	rq_reply_data(rq, 200, "application/json", openapi_json,
	    openapi_json_len);
}

/*
 * The CSP source of the first element of the page opened by open and
 * closed by close: 'sha256-<base64 of the SHA-256 of its text>'; 'none'
 * when the page has no such element.  The caller frees it.
 */
static char *
inline_source(const char *open, const char *close)
{
	unsigned char digest[CRYPTO_SHA256_LEN];
	const char *b, *e;
	char *b64, *src;

	if ((b = strstr(admin_html, open)) == NULL)
		return xstrdup("'none'");
	b += strlen(open);
	if ((e = strstr(b, close)) == NULL)
		return xstrdup("'none'");
	crypto_sha256(b, (size_t)(e - b), digest);
	b64 = b64std_encode(digest, sizeof(digest));
	src = xasprintf("'sha256-%s'", b64);
	free(b64);
	return src;
}

void
h_admin(struct rq *rq)
{
	char *script, *style, *csp;

	script = inline_source("<script>", "</script>");
	style = inline_source("<style>", "</style>");
	csp = xasprintf("default-src 'none'; script-src %s; style-src %s; "
	    "connect-src 'self'; img-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'", script, style);
	rq_set_header(rq, "Content-Security-Policy", csp);
	rq_set_header(rq, "X-Content-Type-Options", "nosniff");
	rq_set_header(rq, "X-Frame-Options", "DENY");
	rq_set_header(rq, "Referrer-Policy", "no-referrer");
	rq_reply_data(rq, 200, "text/html; charset=utf-8", admin_html,
	    admin_html_len);
	free(csp);
	free(style);
	free(script);
}
