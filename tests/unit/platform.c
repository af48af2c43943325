/*
 * platform.c: unit tests for libcommon/platform.c and
 * platform_telegram.c against tests/fakes/telegram.py, which this
 * program starts itself (python3, a port file, killed by pid at the end).
 * Checked: the table; open without a token; poll's fields (ids, thread,
 * names, groups) and the skipping of other updates; the offset: polled
 * again after a restart without ack, never after one; sendMessage's JSON
 * (in the fake's log); 429 (retry_after, -HM_EIO), 401 (-HM_EFAIL, the
 * token nowhere in err), 409 (the webhook line), 5xx, 400, no server.
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

#define TOKEN	"4242:SECRET-token-xyz"

static char home[] = "/tmp/hermes-unit-platform.XXXXXX";
static char *fake_py;
static pid_t fake_pid = -1;
static int fake_port;
static int nfake;
static char logpath[PATH_MAX];

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
	    "--log", logpath, "--port-file", ppath, "--token", TOKEN,
	    "--timeout", "60", "--watch-pid", pid, NULL };
	FILE *f;

	fake_stop();
	nfake++;
	snprintf(spath, sizeof(spath), "%s/tg%d.json", home, nfake);
	snprintf(ppath, sizeof(ppath), "%s/tg%d.port", home, nfake);
	snprintf(logpath, sizeof(logpath), "%s/tg%d.log", home, nfake);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (!(f = fopen(spath, "w")))
		return -1;
	fputs(script, f);
	fclose(f);
	fake_pid = fake_spawn(argv, ppath, &fake_port);
	if (fake_port <= 0)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_port);
	setenv("HERMES_GATEWAY_TELEGRAM_API", url, 1);
	return 0;
}

/* A fresh, opened telegram platform (a new process, as far as it
 * knows); NULL when open failed, with the reason in err. */
static struct platform *
tg_new(struct buf *err)
{
	return fake_platform("telegram", err);
}

static void
tg_free(struct platform *p)
{
	fake_platform_free(p);
}

/* o's string member key, or "" */
static const char *
str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s ? s : "";
}

/* The bodies of the requests for method in the fake's log, as a JSON
 * array (the caller's to cJSON_Delete). */
static cJSON *
logged(const char *method)
{
	cJSON *lines = fake_logged(logpath, "method", method), *out, *e;

	out = cJSON_CreateArray();
	cJSON_ArrayForEach(e, lines)
		cJSON_AddItemToArray(out, cJSON_DetachItemFromObject(e, "body"));
	cJSON_Delete(lines);
	return out;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void
push(const char *update)
{
	struct http_req req;
	struct http_resp resp;
	struct buf url = BUF_INIT, err = BUF_INIT;

	buf_addf(&url, "http://127.0.0.1:%d/control/push", fake_port);
	memset(&req, 0, sizeof(req));
	req.url = url.s;
	req.body = update;
	req.len = strlen(update);
	req.timeout = 5;
	ok(http_request(&req, &resp, &err) == 0 && resp.status == 200,
	    "the fake takes a pushed update");
	http_resp_release(&resp);
	buf_release(&url);
	buf_release(&err);
}

static void
test_table(void)
{
	struct buf names = BUF_INIT, err = BUF_INIT;
	struct platform *p;

	ok(platform_new("myspace") == NULL, "no platform 'myspace'");
	platform_names(&names);
	ok(!strncmp(buf_str(&names), "telegram", 8),
	    "platform_names: telegram first");
	p = platform_new("telegram");
	ok(p && !strcmp(p->name, "telegram") && p->max_len == 4096 &&
	    !p->state, "platform_new(telegram): a fresh copy, max_len 4096");
	free(p);

	unsetenv("TELEGRAM_BOT_TOKEN");
	p = tg_new(&err);
	ok(!p, "open without a token fails");
	is_str(buf_str(&err), "gateway.telegram: no bot token: set "
	    "TELEGRAM_BOT_TOKEN (hermes-config set TELEGRAM_BOT_TOKEN ...)",
	    "and says how to set it");
	tg_free(p);
	buf_release(&names);
	buf_release(&err);
}

static const char script_main[] =
    "{\"updates\": ["
    "{\"text\": \"hello\", \"chat\": 111, \"user\": 222, \"name\": \"ann\"},"
    "{\"chat\": 111, \"user\": 222},"
    "{\"text\": \"in a topic\", \"chat\": -1001234567890, \"user\": 333,"
    " \"type\": \"supergroup\", \"thread\": 7},"
    "{\"raw\": {\"edited_message\": {\"message_id\": 101, \"text\": \"x\","
    " \"chat\": {\"id\": 111, \"type\": \"private\"},"
    " \"from\": {\"id\": 222, \"first_name\": \"ann\"}}}},"
    "{\"raw\": {\"message\": {\"message_id\": 105, \"text\": \"no name\","
    " \"chat\": {\"id\": 5, \"type\": \"group\"},"
    " \"from\": {\"id\": 6, \"first_name\": \"Bo\"}}}}"
    "]}";

static void
test_poll_ack(void)
{
	struct buf err = BUF_INIT, off = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	struct stat st;
	size_t n = 0;
	char *opath = hm_path("gateway/telegram.offset");
	cJSON *bodies, *b;
	int rc;

	setenv("TELEGRAM_BOT_TOKEN", TOKEN, 1);
	if (!ok(fake_start(script_main) == 0, "the fake Bot API is up"))
		return;
	p = tg_new(&err);
	if (!ok(p != NULL, "open with a token")) {
		printf("#   %s\n", buf_str(&err));
		return;
	}
	rc = p->poll(p, 1000, &v, &n, &err);
	is_int(rc, 0, "poll");
	is_int(n, 3, "three text messages; the sticker and the edit skipped");
	if (n == 3) {
		is_str(v[0].platform, "telegram", "platform");
		is_str(v[0].chat, "111", "chat id");
		ok(v[0].thread == NULL, "no thread in a direct chat");
		is_str(v[0].user, "222", "user id");
		is_str(v[0].user_name, "ann", "user name (username)");
		is_str(v[0].text, "hello", "text");
		is_str(v[0].message_id, "101", "message id");
		is_int(v[0].is_group, 0, "a private chat is not a group");
		is_str(v[1].chat, "-1001234567890", "a supergroup's long id");
		is_str(v[1].thread, "7", "a forum topic's thread id");
		is_str(v[1].user, "333", "its user");
		is_str(v[1].text, "in a topic", "its text");
		is_int(v[1].is_group, 1, "a supergroup is a group");
		is_str(v[2].user_name, "Bo", "first_name without username");
		ok(v[2].thread == NULL && v[2].is_group == 1,
		    "a group without topics: no thread");
	}
	gw_msgs_free(v, n);
	ok(stat(opath, &st) < 0 && errno == ENOENT,
	    "poll persists no offset");
	bodies = logged("getUpdates");
	b = cJSON_GetArrayItem(bodies, 0);
	ok(num(b, "offset") == 0 && num(b, "timeout") == 1,
	    "getUpdates: offset 0, timeout 1 s");
	ok(!strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(b, "allowed_updates"), 0)) ?
	    cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(b,
	    "allowed_updates"), 0)) : "", "message") &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(b, "allowed_updates")) == 1,
	    "getUpdates: allowed_updates [\"message\"]");
	cJSON_Delete(bodies);
	tg_free(p);

	/* A restart before ack: the same messages again. */
	p = tg_new(&err);
	v = NULL;
	n = 0;
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	ok(rc == 0 && n == 3 && !strcmp(v[0].text, "hello"),
	    "without ack a restart polls the same messages again");
	gw_msgs_free(v, n);
	is_int(p ? p->ack(p, &err) : -1, 0, "ack");
	ok(buf_read_file(&off, opath) == 0 && !strcmp(buf_str(&off), "6\n"),
	    "ack persists the highest update_id + 1");
	ok(stat(opath, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the offset file is mode 0600");
	is_int(p ? p->ack(p, &err) : -1, 0, "a second ack is harmless");
	tg_free(p);

	/* A restart after ack: nothing old comes back. */
	p = tg_new(&err);
	v = NULL;
	n = 0;
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	ok(rc == 0 && n == 0, "after ack a restart polls nothing old");
	gw_msgs_free(v, n);
	bodies = logged("getUpdates");
	b = cJSON_GetArrayItem(bodies, cJSON_GetArraySize(bodies) - 1);
	ok(num(b, "offset") == 6 && num(b, "timeout") == 0,
	    "it asks from offset 6, timeout 0");
	cJSON_Delete(bodies);

	push("{\"text\": \"later\", \"chat\": 111, \"user\": 222}");
	v = NULL;
	n = 0;
	rc = p ? p->poll(p, 2000, &v, &n, &err) : -1;
	ok(rc == 0 && n == 1 && !strcmp(v[0].text, "later") &&
	    !strcmp(v[0].message_id, "106"), "a message pushed later");
	gw_msgs_free(v, n);
	v = NULL;
	n = 0;
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	ok(rc == 0 && n == 0,
	    "the next poll in the same process moves past it, ack or not");
	if (p)
		p->ack(p, &err);
	buf_reset(&off);
	ok(buf_read_file(&off, opath) == 0 && !strcmp(buf_str(&off), "7\n"),
	    "the offset moves on with ack");
	tg_free(p);
	buf_release(&off);
	buf_release(&err);
	free(opath);
}

static void
test_send(void)
{
	struct buf err = BUF_INIT;
	struct platform *p = tg_new(&err);
	cJSON *bodies, *b;

	if (!ok(p != NULL, "open for send"))
		return;
	is_int(p->send(p, "111", NULL, "101", "hi there", &err), 0,
	    "send a reply");
	is_int(p->send(p, "-1001234567890", "7", NULL, "to the topic", &err),
	    0, "send to a topic");
	is_int(p->send(p, "@somechannel", NULL, NULL, "ü ✓", &err), 0,
	    "send to a channel name");
	bodies = logged("sendMessage");
	is_int(cJSON_GetArraySize(bodies), 3, "three sendMessage calls");
	b = cJSON_GetArrayItem(bodies, 0);
	ok(num(b, "chat_id") == 111 &&
	    !strcmp(str(b, "text"), "hi there") &&
	    num(b, "reply_to_message_id") == 101 &&
	    !cJSON_GetObjectItem(b, "message_thread_id"),
	    "a reply: chat_id a number, text, reply_to_message_id");
	b = cJSON_GetArrayItem(bodies, 1);
	ok(num(b, "chat_id") == -1001234567890.0 &&
	    num(b, "message_thread_id") == 7 &&
	    !cJSON_GetObjectItem(b, "reply_to_message_id"),
	    "to a topic: message_thread_id, no reply");
	b = cJSON_GetArrayItem(bodies, 2);
	ok(!strcmp(str(b, "chat_id"), "@somechannel") &&
	    !strcmp(str(b, "text"), "ü ✓"),
	    "a chat name goes as a string; UTF-8 intact");
	cJSON_Delete(bodies);
	ok(p->send(p, "111", NULL, NULL, "", &err) == -HM_EFAIL &&
	    strstr(buf_str(&err), "message text is empty"),
	    "a 400 is -HM_EFAIL with the description");
	ok(!strstr(buf_str(&err), TOKEN), "and no token in it");
	tg_free(p);
	buf_release(&err);
}

static void
test_errors(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	size_t n = 0;
	FILE *f;
	char *opath;
	int rc;

	if (!ok(fake_start("{\"updates\": [{\"text\": \"x\", \"chat\": 1,"
	    " \"user\": 2}], \"fail\": {\"getUpdates\": ["
	    "{\"status\": 429, \"retry_after\": 3}, 409, 500, 429],"
	    " \"sendMessage\": [429]}}") == 0, "a failing fake is up"))
		return;
	opath = hm_path("gateway/telegram.offset");
	unlink(opath);		/* a new bot: its update_ids start at 1 */
	if (!(p = tg_new(&err))) {
		free(opath);
		return;
	}
	rc = p->poll(p, 0, &v, &n, &err);
	ok(rc == -HM_EIO && p->retry_after == 3 && n == 0 && !v,
	    "429: -HM_EIO, retry_after 3");
	printf("# %s\n", buf_str(&err));
	ok(strstr(buf_str(&err), "429") && !strstr(buf_str(&err), TOKEN),
	    "429: says so, no token");
	buf_reset(&err);
	rc = p->poll(p, 0, &v, &n, &err);
	is_int(rc, -HM_EFAIL, "409: -HM_EFAIL");
	is_str(buf_str(&err), "telegram: getUpdates conflicts with a webhook "
	    "set for this bot (409): delete it with deleteWebhook, or stop the "
	    "other poller", "409: the webhook line");
	ok(p->retry_after == 0, "409: retry_after cleared");
	buf_reset(&err);
	rc = p->poll(p, 0, &v, &n, &err);
	ok(rc == -HM_EIO && strstr(buf_str(&err), "telegram: getUpdates: HTTP "
	    "500"), "500: -HM_EIO");
	printf("# %s\n", buf_str(&err));
	buf_reset(&err);
	rc = p->poll(p, 0, &v, &n, &err);
	ok(rc == -HM_EIO && p->retry_after == 1,
	    "429 with the fake's default retry_after 1");
	rc = p->poll(p, 0, &v, &n, &err);
	ok(rc == 0 && n == 1, "then the message comes");
	gw_msgs_free(v, n);
	buf_reset(&err);
	rc = p->send(p, "1", NULL, NULL, "hi", &err);
	ok(rc == -HM_EIO && p->retry_after == 1, "send: 429 too");
	tg_free(p);

	/* The wrong token. */
	setenv("TELEGRAM_BOT_TOKEN", "4242:WRONG-token", 1);
	p = tg_new(&err);
	v = NULL;
	n = 0;
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	is_int(rc, -HM_EFAIL, "401: -HM_EFAIL");
	is_str(buf_str(&err), "telegram: the bot token was refused (401 "
	    "Unauthorized)", "401: the line");
	ok(!strstr(buf_str(&err), "WRONG") && !strstr(buf_str(&err), "/bot"),
	    "401: no token, no URL");
	buf_reset(&err);
	ok(p && p->send(p, "1", NULL, NULL, "hi", &err) == -HM_EFAIL &&
	    strstr(buf_str(&err), "401"), "send: 401 too");
	tg_free(p);
	setenv("TELEGRAM_BOT_TOKEN", TOKEN, 1);

	/* Nobody listening. */
	fake_stop();
	p = tg_new(&err);
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	ok(rc == -HM_EIO && !strncmp(buf_str(&err), "telegram: getUpdates: ",
	    22) && !strstr(buf_str(&err), TOKEN),
	    "no server: -HM_EIO, no token");
	printf("# %s\n", buf_str(&err));
	tg_free(p);

	/* A torn offset file. */
	if ((f = fopen(opath, "w"))) {
		fputs("12x\n", f);
		fclose(f);
	}
	p = tg_new(&err);
	ok(!p && strstr(buf_str(&err), "does not hold an update offset"),
	    "open refuses a torn offset file");
	tg_free(p);
	unlink(opath);
	free(opath);
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
	buf_addf(&py, "%s/../fakes/telegram.py", dir);
	free(dir);
	fake_py = py.s;
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_GATEWAY_TELEGRAM_API");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_table();
	test_poll_ack();
	test_send();
	test_errors();
	fake_stop();
	http_cleanup();
	fake_rmtree(home);
	buf_release(&py);
	buf_release(&err);
	return done_testing();
}
