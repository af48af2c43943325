/*
 * tool_web.c: the web toolset (tool_web.h).  Every fetch is a GET
 * through http_request with web_only (http and https, redirects too),
 * at most 5 redirects, a 2 MB body cap (a longer page is cut, and says
 * so) and a total timeout of web.timeout seconds (20).
 *
 * web_extract prints, for each URL in the order given, "== FINAL-URL"
 * and the page's text, or "== URL" and "error: REASON"; each page gets
 * an equal share of env->output_max so one long page cannot push the
 * others out.  HTML goes through html_to_text, text/plain (and the other
 * text types, JSON, XML feeds) is kept as it is, anything else is
 * refused with a note.  The call fails only when every URL failed.
 *
 * web_search sends GET web.search_url?q=QUERY&format=json (SearXNG) and
 * prints up to 10 of {"results": [{"title", "url", "content"}]} as
 * "N. title", "   url", "   snippet".
 */
#include <strings.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "html.h"
#include "http.h"
#include "num.h"
#include "tool_web.h"

#define WEB_URLS	5
#define WEB_BODY_MAX	((size_t)2 * 1024 * 1024)
#define WEB_REDIRS	5L
#define WEB_TIMEOUT	20L
#define WEB_RESULTS	10
#define WEB_SNIPPET	300

static long
web_timeout(const struct config *cfg)
{
	const char *v = config_get(cfg, "web.timeout", NULL);
	long t;

	if (!v || hm_parse_long(v, 1, 3600, &t) < 0)
		return WEB_TIMEOUT;
	return t;
}

static int
web_scheme_ok(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	    !strncasecmp(url, "https://", 8);
}

/* public: refuse private addresses (web_extract, where the model picks
 * the URL) unless web.allow_private is true; web_search goes to the
 * endpoint the user configured, which may well be local. */
static int
web_fetch(const struct config *cfg, const char *url, const char *accept,
    int public, struct http_resp *resp, struct buf *err)
{
	int allow = 0;

	const char *hdrs[] = { accept, NULL };
	struct http_req req;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.timeout = web_timeout(cfg);
	req.idle_timeout = req.timeout;
	req.max_redirs = WEB_REDIRS;
	req.web_only = 1;
	req.max_body = WEB_BODY_MAX;
	if (public)
		config_get_bool(cfg, "web.allow_private", &allow, NULL);
	req.public_only = public && !allow;
	return http_request(&req, resp, err);
}

/* Cut b to at most max bytes from start on, on a UTF-8 boundary. */
static void
web_cut(struct buf *b, size_t start, size_t max, const char *what)
{
	size_t n = b->len - start, k = max;

	if (!max || n <= max)
		return;
	while (k && ((unsigned char)b->s[start + k] & 0xC0) == 0x80)
		k--;
	buf_setlen(b, start + k);
	buf_rtrim(b);
	buf_addf(b, "\n[... cut: the %s is %zu bytes ...]", what, n);
}

static int
web_is(const char *ct, size_t n, const char *type)
{
	return strlen(type) == n && !strncasecmp(ct, type, n);
}

/* The readable text of a fetched page, or -HM_EINVAL with why. */
static int
web_text(const struct http_resp *r, const char *url, struct buf *out,
    struct buf *why)
{
	const char *ct = r->content_type ? r->content_type : "";
	const char *b = buf_str(&r->body);
	size_t n = strcspn(ct, "; \t"), i = 0;
	int html = web_is(ct, n, "text/html") ||
	    web_is(ct, n, "application/xhtml+xml");

	if (!n) {		/* no type: sniff */
		while (i < r->body.len && strchr(" \t\r\n", b[i]))
			i++;
		html = i < r->body.len && b[i] == '<';
		if (!html && memchr(b, '\0', r->body.len < 4096 ?
		    r->body.len : 4096))
			return hm_fail(why, HM_EINVAL, "binary content "
			    "(%zu bytes, no type) not shown", r->body.len);
	}
	if (html)
		return html_to_text(b, r->body.len, url, out);
	if (!n || (n > 5 && !strncasecmp(ct, "text/", 5)) ||
	    web_is(ct, n, "application/json") ||
	    web_is(ct, n, "application/xml") ||
	    web_is(ct, n, "application/rss+xml") ||
	    web_is(ct, n, "application/atom+xml")) {
		html_utf8_clean(b, r->body.len, out);
		buf_rtrim(out);
		return 0;
	}
	return hm_fail(why, HM_EINVAL, "%.*s content (%zu bytes) not shown: "
	    "only HTML and text pages are read", (int)n, ct, r->body.len);
}

/* Fetch one page and append "== URL" and its text; on failure append
 * nothing and say why.  *stop is set when the user interrupted. */
static int
web_page(struct tool_env *env, const char *url, size_t share,
    struct buf *out, struct buf *why, int *stop)
{
	struct buf txt = BUF_INIT;
	struct http_resp r;
	int rc;

	if (!web_scheme_ok(url))
		return hm_fail(why, HM_EINVAL, "only http and https URLs are "
		    "fetched");
	rc = web_fetch(env->cfg, url, "Accept: text/html,text/plain;q=0.9,"
	    "*/*;q=0.5", 1, &r, why);
	*stop = r.interrupted;
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = hm_fail(why, HM_EFAIL, "HTTP %ld", r.status);
	if (rc == 0)
		rc = web_text(&r, r.final_url ? r.final_url : url, &txt, why);
	if (rc == 0) {
		web_cut(&txt, 0, share, "page text");
		if (r.truncated)
			buf_addf(&txt, "\n[... page cut at %zu MB ...]",
			    WEB_BODY_MAX >> 20);
		buf_addf(out, "== %s\n%s\n\n", r.final_url ? r.final_url :
		    url, txt.len ? txt.s : "(no text)");
	}
	buf_release(&txt);
	http_resp_release(&r);
	return rc;
}

static int
extract(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	cJSON *u = cJSON_GetObjectItem(args, "urls"), *it;
	const char *urls[WEB_URLS];
	struct buf fails = BUF_INIT, why = BUF_INIT;
	size_t n = 0, i, share = 0;
	int nfail = 0, stop = 0, rc = 0;

	(void)t;
	if (!u)
		u = cJSON_GetObjectItem(args, "url");
	if (cJSON_IsString(u)) {
		urls[n++] = u->valuestring;
	} else if (cJSON_IsArray(u)) {
		cJSON_ArrayForEach(it, u) {
			if (!cJSON_IsString(it))
				return hm_fail(out, HM_EINVAL, "'urls' holds "
				    "strings");
			if (n == WEB_URLS)
				return hm_fail(out, HM_EINVAL, "at most %d "
				    "urls a call", WEB_URLS);
			urls[n++] = it->valuestring;
		}
	}
	if (!n)
		return hm_fail(out, HM_EINVAL, "'urls' is required: a list of "
		    "http(s) URLs");
	if (env->output_max)
		share = env->output_max / n > 600 ? env->output_max / n - 100 :
		    500;
	for (i = 0; i < n && !stop; i++) {
		buf_reset(&why);
		if (web_page(env, urls[i], share, out, &why, &stop) == 0)
			continue;
		nfail++;
		buf_addf(out, "== %s\nerror: %s\n\n", urls[i], buf_str(&why));
		buf_addf(&fails, "cannot fetch '%s': %s\n", urls[i],
		    buf_str(&why));
	}
	if (stop) {
		rc = hm_fail(out, HM_EFAIL, "interrupted");
	} else if (nfail == (int)n) {
		buf_reset(out);
		buf_add(out, buf_str(&fails), fails.len);
		rc = -HM_EFAIL;
	}
	buf_rtrim(out);
	buf_release(&fails);
	buf_release(&why);
	return rc;
}

/* One line of a search result: clean UTF-8, spaces collapsed, capped. */
static void
web_line(struct buf *out, const char *s, size_t max)
{
	struct buf t = BUF_INIT;
	size_t i, start = out->len;
	int sp = 0;

	html_utf8_clean(s ? s : "", s ? strlen(s) : 0, &t);
	for (i = 0; i < t.len; i++) {
		if (strchr(" \t\n", t.s[i])) {
			sp = out->len > start;
			continue;
		}
		if (sp)
			buf_addc(out, ' ');
		sp = 0;
		buf_addc(out, t.s[i]);
	}
	buf_release(&t);
	if (out->len - start > max) {
		i = max;
		while (i && ((unsigned char)out->s[start + i] & 0xC0) == 0x80)
			i--;
		buf_setlen(out, start + i);
		buf_adds(out, "\xe2\x80\xa6");
	}
}

static int
search(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *q = tool_arg_str(args, "query");
	const char *base = config_get(env->cfg, "web.search_url", NULL);
	struct buf url = BUF_INIT, why = BUF_INIT;
	struct http_resp r;
	cJSON *doc = NULL, *res = NULL, *it;
	const char *p, *s;
	int rc, k = 0;

	(void)t;
	if (!q || !*q)
		return hm_fail(out, HM_EINVAL, "'query' is required");
	if (!base || !*base)
		return hm_fail(out, HM_EINVAL, "web search is not configured: "
		    "set web.search_url");
	if (!web_scheme_ok(base))
		return hm_fail(out, HM_EINVAL, "web.search_url is not an "
		    "http(s) URL");
	buf_adds(&url, base);
	buf_adds(&url, strchr(base, '?') ? "&q=" : "?q=");
	for (p = q; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_addc(&url, *p);
		else
			buf_addf(&url, "%%%02X", (unsigned)(unsigned char)*p);
	}
	buf_adds(&url, "&format=json");
	rc = web_fetch(env->cfg, url.s, "Accept: application/json", 0, &r,
	    &why);
	if (rc < 0)
		rc = hm_fail(out, HM_EIO, "search failed: %s", buf_str(&why));
	else if (r.status < 200 || r.status > 299)
		rc = hm_fail(out, HM_EFAIL, "search failed: HTTP %ld",
		    r.status);
	else if (!(doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len)) ||
	    !cJSON_IsArray(res = cJSON_GetObjectItem(doc, "results")))
		rc = hm_fail(out, HM_EFAIL, "search failed: the answer holds "
		    "no results list");
	if (rc < 0)
		res = NULL;
	cJSON_ArrayForEach(it, res) {
		if (k == WEB_RESULTS)
			break;
		buf_addf(out, "%d. ", ++k);
		web_line(out, tool_arg_str(it, "title"), 200);
		buf_adds(out, "\n   ");
		web_line(out, tool_arg_str(it, "url"), 2000);
		if ((s = tool_arg_str(it, "content")) && *s) {
			buf_adds(out, "\n   ");
			web_line(out, s, WEB_SNIPPET);
		}
		buf_addc(out, '\n');
	}
	if (rc == 0 && !k)
		buf_addf(out, "no results for '%s'", q);
	buf_rtrim(out);
	cJSON_Delete(doc);
	http_resp_release(&r);
	buf_release(&url);
	buf_release(&why);
	return rc;
}

const struct tool tool_web_extract = {
	"web_extract", "web",
	"Fetch up to 5 http(s) pages as readable text: headings, lists, "
	"links as [text](url).",
	"{\"type\":\"object\",\"properties\":{"
	"\"urls\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	"\"maxItems\":5}},"
	"\"required\":[\"urls\"]}",
	extract, NULL
};

const struct tool tool_web_search = {
	"web_search", "web",
	"Search the web: titles, URLs and snippets. Read pages with "
	"web_extract.",
	"{\"type\":\"object\",\"properties\":{"
	"\"query\":{\"type\":\"string\"}},"
	"\"required\":[\"query\"]}",
	search, NULL
};
