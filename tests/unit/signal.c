/*
 * signal.c: unit tests for libcommon/platform_signal.c against
 * tests/fakes/signal_api.py, which this program starts itself (python3,
 * a port file, killed by pid at the end).  What the shell test
 * (tests/0705-gateway-signal.t) cannot see: open's error lines; poll's
 * fields for odd envelopes (hidden numbers, group ids of each base64
 * padding, our own messages, edits); no request and a sleep while the
 * next receive is not due; receive's timeout; the quote of each form of
 * reply_to; the class and text of each refusal, and retry_after with
 * and without Retry-After.
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "path.h"
#include "platform.h"
#include "fake.h"
#include "tap.h"

#define ACCOUNT	"+15550001"

static char home[] = "/tmp/hermes-unit-signal.XXXXXX";
static char *fake_py;
static pid_t fake_pid = -1;
static int fake_port;
static int nfake;
static char logpath[PATH_MAX];

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fake_stop(void)
{
	fake_kill(&fake_pid);
}

/* Start the fake with script (JSON text); point the config at it. */
static int
fake_start(const char *script)
{
	char spath[PATH_MAX], ppath[PATH_MAX], pid[32], url[64];
	char *const argv[] = { "python3", "-S", fake_py, "--script", spath,
	    "--log", logpath, "--port-file", ppath, "--account", ACCOUNT,
	    "--timeout", "60", "--watch-pid", pid, NULL };
	FILE *f;

	fake_stop();
	nfake++;
	snprintf(spath, sizeof(spath), "%s/sg%d.json", home, nfake);
	snprintf(ppath, sizeof(ppath), "%s/sg%d.port", home, nfake);
	snprintf(logpath, sizeof(logpath), "%s/sg%d.log", home, nfake);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (!(f = fopen(spath, "w")))
		return -1;
	fputs(script, f);
	fclose(f);
	fake_pid = fake_spawn(argv, ppath, &fake_port);
	if (fake_port <= 0)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", fake_port);
	setenv("HERMES_GATEWAY_SIGNAL_URL", url, 1);
	return 0;
}

/* A fresh, opened signal platform; NULL when open failed, with the
 * reason in err. */
static struct platform *
sg_new(struct buf *err)
{
	return fake_platform("signal", err);
}

static void
sg_free(struct platform *p)
{
	fake_platform_free(p);
}

static const char *
str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s ? s : "";
}

/* The log lines of endpoint in the fake's log, as a JSON array (the
 * caller's to cJSON_Delete). */
static cJSON *
logged(const char *endpoint)
{
	return fake_logged(logpath, "endpoint", endpoint);
}

static int
nlogged(const char *endpoint)
{
	cJSON *a = logged(endpoint);
	int n = cJSON_GetArraySize(a);

	cJSON_Delete(a);
	return n;
}

static void
test_open(void)
{
	struct buf names = BUF_INIT, err = BUF_INIT;
	struct platform *p;

	platform_names(&names);
	ok(strstr(buf_str(&names), "signal") != NULL, "platform_names has "
	    "signal");
	p = platform_new("signal");
	ok(p && p->max_len == 2000 && !p->state, "platform_new(signal): "
	    "max_len 2000");
	free(p);

	unsetenv("HERMES_GATEWAY_SIGNAL_URL");
	p = sg_new(&err);
	ok(!p, "open without gateway.signal.url fails");
	is_str(buf_str(&err), "gateway.signal: no REST API: set "
	    "gateway.signal.url to the signal-cli REST API's URL "
	    "(hermes-config set gateway.signal.url http://127.0.0.1:8080)",
	    "and names the key");
	setenv("HERMES_GATEWAY_SIGNAL_URL", "http://127.0.0.1:9", 1);
	unsetenv("SIGNAL_ACCOUNT");
	p = sg_new(&err);
	ok(!p && strstr(buf_str(&err), "set SIGNAL_ACCOUNT"),
	    "open without SIGNAL_ACCOUNT fails, naming it");
	setenv("SIGNAL_ACCOUNT", ACCOUNT, 1);
	setenv("HERMES_GATEWAY_SIGNAL_INTERVAL", "0", 1);
	p = sg_new(&err);
	ok(!p && strstr(buf_str(&err), "gateway.signal.interval"),
	    "an interval of 0 is refused");
	unsetenv("HERMES_GATEWAY_SIGNAL_INTERVAL");
	p = sg_new(&err);
	ok(p != NULL, "open with a URL and an account");
	sg_free(p);
	buf_release(&names);
	buf_release(&err);
}

static const char script_poll[] =
    "{\"messages\": ["
    "{\"text\": \"hello\", \"from\": \"+15550002\", \"name\": \"Ann\"},"
    "{\"kind\": \"receipt\"}, {\"kind\": \"typing\"}, {\"kind\": \"sync\"},"
    "{\"kind\": \"empty\"},"
    "{\"text\": \"hidden\", \"from\": \"+15550003\", \"hide_number\": true,"
    " \"uuid\": \"0a1b2c3d-0000-4000-8000-000000000003\", \"name\": \"\"},"
    "{\"raw\": {\"source\": \"+15550004\", \"sourceNumber\": \"+15550004\","
    " \"timestamp\": 1700000000100, \"dataMessage\": {\"timestamp\":"
    " 1700000000100, \"message\": \"in a group\", \"groupInfo\":"
    " {\"groupId\": \"QUJD\", \"type\": \"DELIVER\"}}}},"
    "{\"raw\": {\"sourceNumber\": \"+15550004\", \"timestamp\": 7,"
    " \"dataMessage\": {\"message\": \"pad 1\", \"groupInfo\":"
    " {\"groupId\": \"abcde\"}}}},"
    "{\"raw\": {\"sourceNumber\": \"+15550004\", \"dataMessage\":"
    " {\"message\": \"pad 2\", \"groupInfo\": {\"groupId\": \"abcd\"}}}},"
    "{\"raw\": {\"sourceNumber\": \"" ACCOUNT "\", \"timestamp\": 8,"
    " \"dataMessage\": {\"message\": \"note to self\"}}},"
    "{\"raw\": {\"sourceNumber\": \"+15550002\", \"timestamp\": 9,"
    " \"editMessage\": {\"targetSentTimestamp\": 1, \"dataMessage\":"
    " {\"message\": \"edited\"}}}},"
    "{\"raw\": {\"timestamp\": 10, \"dataMessage\": {\"message\": \"who\"}}}"
    "]}";

static void
test_poll(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	size_t n = 0;
	cJSON *a;
	double t0;
	int rc;

	setenv("HERMES_GATEWAY_SIGNAL_INTERVAL", "60", 1);
	if (!ok(fake_start(script_poll) == 0, "the fake REST API is up"))
		return;
	p = sg_new(&err);
	if (!ok(p != NULL, "open")) {
		printf("#   %s\n", buf_str(&err));
		return;
	}
	rc = p->poll(p, 2500, &v, &n, &err);
	is_int(rc, 0, "poll");
	is_int(n, 5, "five text messages of twelve envelopes");
	if (n == 5) {
		is_str(v[0].platform, "signal", "platform");
		is_str(v[0].user, "+15550002", "user: the number");
		is_str(v[0].user_name, "Ann", "user_name: sourceName");
		is_str(v[0].chat, "+15550002", "a direct chat is the user");
		is_str(v[0].text, "hello", "text");
		is_str(v[0].message_id, "1700000000001:+15550002",
		    "message_id: timestamp and author");
		ok(!v[0].is_group && !v[0].thread, "direct, no thread");
		is_str(v[1].user, "0a1b2c3d-0000-4000-8000-000000000003",
		    "a hidden number: the uuid");
		is_str(v[1].chat, "0a1b2c3d-0000-4000-8000-000000000003",
		    "and it is the chat");
		ok(v[1].user_name == NULL, "an empty sourceName is no name");
		is_str(v[2].chat, "group.UVVKRA==", "a group: group. + "
		    "base64(groupId)");
		ok(v[2].is_group, "is_group");
		is_str(v[2].user, "+15550004", "a group's user");
		is_str(v[2].message_id, "1700000000100:+15550004",
		    "dataMessage's timestamp");
		is_str(v[3].chat, "group.YWJjZGU=", "base64, one '='");
		is_str(v[3].message_id, "7:+15550004", "the envelope's "
		    "timestamp when dataMessage has none");
		is_str(v[4].chat, "group.YWJjZA==", "base64, two '='");
		ok(v[4].message_id == NULL, "no timestamp, no message_id");
	}
	gw_msgs_free(v, n);
	a = logged("receive");
	is_str(str(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "query"),
	    "timeout"), "2", "receive?timeout= the gateway's seconds");
	is_str(str(cJSON_GetArrayItem(a, 0), "path"),
	    "/v1/receive/%2B15550001", "the account, percent-encoded");
	cJSON_Delete(a);
	is_int(p->ack(p, &err), 0, "ack: nothing to do");

	/* a batch: due again at once; an empty one: not for 60 s */
	rc = p->poll(p, 200, &v, &n, &err);
	ok(rc == 0 && n == 0, "an empty receive");
	a = logged("receive");
	is_int(cJSON_GetArraySize(a), 2, "asked at once after a batch");
	is_str(str(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "query"),
	    "timeout"), "1", "at least timeout=1 for a short poll");
	cJSON_Delete(a);
	t0 = mono();
	rc = p->poll(p, 300, &v, &n, &err);
	ok(rc == 0 && n == 0 && !v, "not due: nothing");
	is_int(nlogged("receive"), 2, "and no request");
	ok(mono() - t0 >= 0.25, "but a sleep of the poll's timeout: the "
	    "gateway's loop does not spin");
	sg_free(p);
	unsetenv("HERMES_GATEWAY_SIGNAL_INTERVAL");
	buf_release(&err);
}

static void
test_send(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	const cJSON *b, *q;
	cJSON *a;
	int i;

	if (!ok(fake_start("{}") == 0, "a fresh fake"))
		return;
	if (!ok((p = sg_new(&err)) != NULL, "open"))
		return;
	is_int(p->send(p, "+15550002", NULL, "1700000000005:+15550002",
	    "one", &err), 0, "send a reply");
	is_int(p->send(p, "+15550002", "7", "1700000000006", "two", &err), 0,
	    "a bare timestamp in a direct chat");
	is_int(p->send(p, "group.YWJjZGU=", NULL, "1700000000007", "three",
	    &err), -HM_EFAIL, "the fake refuses a group id of 5 bytes");
	is_str(buf_str(&err), "signal: send: Invalid identifier "
	    "group.YWJjZGU= (HTTP 400)", "with the API's text");
	is_int(p->send(p, "+15550002", NULL, "abc", "four", &err), 0,
	    "a reply_to that is no timestamp");
	is_int(p->send(p, "+15550002", NULL, NULL, "five", &err), 0,
	    "no reply_to");
	a = logged("send");
	is_int(cJSON_GetArraySize(a), 5, "five sends logged");
	for (i = 0; i < cJSON_GetArraySize(a); i++) {
		b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, i), "body");
		ok(!strcmp(str(b, "number"), ACCOUNT) && cJSON_GetArraySize(
		    cJSON_GetObjectItem(b, "recipients")) == 1,
		    "send %d: number and one recipient", i + 1);
	}
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "body");
	q = cJSON_GetObjectItem(b, "quote_timestamp");
	ok(cJSON_IsNumber(q) && q->valuedouble == 1700000000005.0,
	    "quote_timestamp: a number");
	is_str(str(b, "quote_author"), "+15550002", "quote_author");
	is_str(str(b, "message"), "one", "message");
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "body");
	is_str(str(b, "quote_author"), "+15550002", "a bare timestamp: the "
	    "chat is the author");
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, 2), "body");
	ok(!cJSON_GetObjectItem(b, "quote_timestamp"), "no author in a "
	    "group: no quote");
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, 3), "body");
	ok(!cJSON_GetObjectItem(b, "quote_timestamp"), "no timestamp: no "
	    "quote");
	cJSON_Delete(a);
	sg_free(p);
	buf_release(&err);
}

static const char script_fail[] =
    "{\"fail\": {\"send\": [400, 500, 429, {\"status\": 429,"
    " \"retry_after\": 2}, 408],"
    " \"receive\": [{\"status\": 400, \"error\": \"websocket: the client"
    " is not using the websocket protocol: 'upgrade' token not found in"
    " 'Connection' header\"}, 503, 400]}}";

static void
test_errors(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	size_t n = 0;

	if (!ok(fake_start(script_fail) == 0, "a failing fake"))
		return;
	if (!ok((p = sg_new(&err)) != NULL, "open"))
		return;
	is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EFAIL,
	    "400: -HM_EFAIL");
	is_str(buf_str(&err), "signal: send: fake 400 (HTTP 400)",
	    "and the API's text");
	is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EIO,
	    "500: -HM_EIO");
	is_str(buf_str(&err), "signal: send: HTTP 500: fake 500", "500's line");
	is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EIO,
	    "429: -HM_EIO");
	ok(p->retry_after == 30, "429 without Retry-After: 30 s");
	ok(strstr(buf_str(&err), "(429): retry after 30 s: Failed to send"),
	    "429's line has the API's text");
	is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EIO,
	    "429 again");
	ok(p->retry_after == 2, "Retry-After: 2 is taken");
	is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EIO,
	    "408: -HM_EIO");
	ok(p->retry_after == 0, "a later call clears retry_after");
	is_int(p->poll(p, 200, &v, &n, &err), -HM_EFAIL, "receive in "
	    "json-rpc mode: -HM_EFAIL");
	ok(strstr(buf_str(&err), "json-rpc mode") != NULL, "says to switch "
	    "the mode");
	is_int(p->poll(p, 200, &v, &n, &err), -HM_EIO, "receive 503: "
	    "-HM_EIO");
	is_int(p->poll(p, 200, &v, &n, &err), -HM_EFAIL, "receive 400: "
	    "-HM_EFAIL");
	ok(!v && !n, "no messages on errors");
	sg_free(p);
	fake_stop();

	setenv("HERMES_GATEWAY_SIGNAL_URL", "http://127.0.0.1:9", 1);
	if (ok((p = sg_new(&err)) != NULL, "open (nothing listens)")) {
		is_int(p->send(p, "+15550002", NULL, NULL, "x", &err), -HM_EIO,
		    "no server: -HM_EIO");
		ok(!strstr(buf_str(&err), "127.0.0.1"), "no URL in the line: "
		    "%s", buf_str(&err));
		is_int(p->poll(p, 200, &v, &n, &err), -HM_EIO, "poll too");
	}
	sg_free(p);
	buf_release(&err);
}

int
main(int argc, char **argv)
{
	struct buf err = BUF_INIT, py = BUF_INIT;
	char *dir;

	(void)argc;
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	dir = hm_dirname(argv[0]);
	buf_addf(&py, "%s/../fakes/signal_api.py", dir);
	free(dir);
	fake_py = py.s;
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_GATEWAY_SIGNAL_INTERVAL");
	setenv("SIGNAL_ACCOUNT", ACCOUNT, 1);
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_open();
	test_poll();
	test_send();
	test_errors();
	fake_stop();
	http_cleanup();
	fake_rmtree(home);
	buf_release(&py);
	buf_release(&err);
	return done_testing();
}
