/*
 * platform_discord.c: unit tests for libcommon/platform_discord.c against
 * tests/fakes/discord.py, which this program starts itself (python3, a
 * port file, killed by pid at the end).
 * Checked: the table row; open without a token; poll's connect (GET
 * /gateway/bot, identify) and the fields of the messages it takes (ids,
 * names, DMs and servers, mentions cut), the ones it skips (servers
 * without a mention, bots, its own, joins, only a mention); send's JSON
 * (a reply, mentions off), a bad channel id; 429 (retry_after from the
 * body, else the Retry-After header), 401/403/404 (-HM_EFAIL, no token),
 * 500 and no server (-HM_EIO); closes 4007 (a new identify), 4014
 * (fatal, and no new connection) and a refused token at /gateway/bot.
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

#define TOKEN	"DC.SECRET-token-xyz"

static char home[] = "/tmp/hermes-unit-discord.XXXXXX";
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
	char spath[PATH_MAX], ppath[PATH_MAX], pid[32], url[80];
	char *const argv[] = { "python3", "-S", fake_py, "--script", spath,
	    "--log", logpath, "--port-file", ppath, "--token", TOKEN,
	    "--timeout", "60", "--watch-pid", pid, NULL };
	FILE *f;

	fake_stop();
	nfake++;
	snprintf(spath, sizeof(spath), "%s/dc%d.json", home, nfake);
	snprintf(ppath, sizeof(ppath), "%s/dc%d.port", home, nfake);
	snprintf(logpath, sizeof(logpath), "%s/dc%d.log", home, nfake);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (!(f = fopen(spath, "w")))
		return -1;
	fputs(script, f);
	fclose(f);
	fake_pid = fake_spawn(argv, ppath, &fake_port);
	if (fake_port <= 0)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v10", fake_port);
	setenv("HERMES_GATEWAY_DISCORD_API", url, 1);
	return 0;
}

/* A fresh, opened discord platform; NULL when open failed. */
static struct platform *
dc_new(struct buf *err)
{
	return fake_platform("discord", err);
}

static void
dc_free(struct platform *p)
{
	fake_platform_free(p);
}

static const char *
str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s ? s : "";
}

/* The fake's log entries of kind, as a JSON array (the caller's). */
static cJSON *
logged(const char *kind)
{
	return fake_logged(logpath, "kind", kind);
}

static int
count(const char *kind)
{
	cJSON *a = logged(kind);
	int n = cJSON_GetArraySize(a);

	cJSON_Delete(a);
	return n;
}

/* POST /_what body to the fake. */
static int
ctl(const char *what, const char *body)
{
	struct http_req req;
	struct http_resp resp;
	struct buf url = BUF_INIT, err = BUF_INIT;
	int rc;

	buf_addf(&url, "http://127.0.0.1:%d/_%s", fake_port, what);
	memset(&req, 0, sizeof(req));
	req.url = url.s;
	req.body = body;
	req.len = strlen(body);
	req.timeout = 5;
	rc = http_request(&req, &resp, &err) == 0 && resp.status == 200 ?
	    0 : -1;
	http_resp_release(&resp);
	buf_release(&url);
	buf_release(&err);
	return rc;
}

/* Poll until want messages came (at most 20 polls of 250 ms); *v, *n
 * hold them all. */
static int
poll_for(struct platform *p, size_t want, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct gw_msg *got;
	size_t k, i;
	int rc = 0, tries;

	*v = NULL;
	*n = 0;
	for (tries = 0; tries < 20 && (*n < want || tries < 2); tries++) {
		if ((rc = p->poll(p, 250, &got, &k, err)) < 0)
			return rc;
		*v = xrealloc(*v, (*n + k + 1) * sizeof(**v));
		for (i = 0; i < k; i++)
			(*v)[(*n)++] = got[i];
		free(got);
	}
	return rc;
}

static void
test_table(void)
{
	struct buf err = BUF_INIT;
	struct platform *p = platform_new("discord");

	ok(p && !strcmp(p->name, "discord") && p->max_len == 2000 &&
	    !p->state, "platform_new(discord): max_len 2000");
	free(p);
	unsetenv("DISCORD_BOT_TOKEN");
	p = dc_new(&err);
	ok(!p && strstr(buf_str(&err), "set DISCORD_BOT_TOKEN"),
	    "open without a token fails and says how to set it");
	dc_free(p);
	buf_release(&err);
}

static void
test_poll(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	size_t n = 0;
	cJSON *a;
	int rc;

	setenv("DISCORD_BOT_TOKEN", TOKEN, 1);
	if (!ok(fake_start("{}") == 0, "the fake Discord is up"))
		return;
	if (!ok((p = dc_new(&err)) != NULL, "open with a token"))
		return;
	ok(count("rest") == 0 && count("connect") == 0,
	    "open touches no network");
	rc = poll_for(p, 0, &v, &n, &err);
	ok(rc == 0 && n == 0, "the first poll connects");
	gw_msgs_free(v, n);
	ok(count("connect") == 1 && count("identify") == 1,
	    "GET /gateway/bot, one connection, one identify");
	a = logged("connect");
	is_str(str(cJSON_GetArrayItem(a, 0), "path"), "/?v=10&encoding=json",
	    "the Gateway URL gets ?v=10&encoding=json");
	cJSON_Delete(a);

	ctl("push", "{\"content\": \"hello\", \"user\": \"222\","
	    " \"global_name\": \"Ann\"}");
	ctl("push", "{\"content\": \"x\", \"user\": \"222\", \"guild\": \"7\","
	    " \"channel\": \"C1\"}");
	ctl("push", "{\"content\": \"x\", \"user\": \"223\", \"bot\": true}");
	ctl("push", "{\"content\": \"x\", \"user\": \"900\"}");
	ctl("push", "{\"content\": \"x\", \"user\": \"222\", \"type\": 7}");
	ctl("push", "{\"content\": \"<@900>\", \"user\": \"222\","
	    " \"guild\": \"7\", \"channel\": \"C1\", \"mention\": true}");
	ctl("push", "{\"content\": \" <@!900>  hi <@900> there \","
	    " \"user\": \"333\", \"name\": \"bob\", \"guild\": \"7\","
	    " \"channel\": \"C1\", \"mention\": true}");
	ctl("push", "{\"content\": \"last\", \"user\": \"222\","
	    " \"type\": 19}");
	rc = poll_for(p, 3, &v, &n, &err);
	ok(rc == 0 && n == 3, "three messages taken of eight");
	if (n == 3) {
		is_str(v[0].platform, "discord", "platform");
		is_str(v[0].chat, "D222", "chat: the channel id");
		ok(!v[0].thread, "no thread");
		is_str(v[0].user, "222", "user: author.id");
		is_str(v[0].user_name, "Ann", "user_name: global_name");
		is_str(v[0].text, "hello", "text");
		is_str(v[0].message_id, "5001", "message_id");
		is_int(v[0].is_group, 0, "a DM is not a group");
		is_str(v[1].chat, "C1", "a server's channel");
		is_str(v[1].user_name, "bob", "username without global_name");
		is_str(v[1].text, "hi  there", "both mention forms cut, trimmed");
		is_int(v[1].is_group, 1, "guild_id: a group");
		is_str(v[2].text, "last", "a reply (type 19) is a message");
	}
	gw_msgs_free(v, n);
	dc_free(p);
	ok(count("client_close") == 1, "close says goodbye with a close "
	    "frame");
	buf_release(&err);
}

static void
test_send(void)
{
	struct buf err = BUF_INIT;
	struct platform *p = dc_new(&err);
	int k = count("rest");	/* GET /gateway/bot before */
	cJSON *a, *b;

	if (!ok(p != NULL, "open for send"))
		return;
	is_int(p->send(p, "D222", NULL, "5001", "hi there", &err), 0,
	    "send a reply");
	is_int(p->send(p, "C1", "ignored", NULL, "ü ✓", &err), 0,
	    "send without a reply");
	a = logged("rest");
	is_int(cJSON_GetArraySize(a), k + 2, "two requests");
	b = cJSON_GetArrayItem(a, k);
	is_str(str(b, "path"), "/api/v10/channels/D222/messages", "the path");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(b, "auth_ok")),
	    "Authorization: Bot TOKEN");
	b = cJSON_GetObjectItem(b, "body");
	is_str(str(b, "content"), "hi there", "content");
	is_str(str(cJSON_GetObjectItem(b, "message_reference"), "message_id"),
	    "5001", "message_reference.message_id");
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(b,
	    "allowed_mentions"), "parse")) == 0 && cJSON_IsArray(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "allowed_mentions"),
	    "parse")), "allowed_mentions.parse is []");
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, k + 1), "body");
	ok(!cJSON_GetObjectItem(b, "message_reference") &&
	    !strcmp(str(b, "content"), "ü ✓"), "no reply: no reference; UTF-8");
	cJSON_Delete(a);
	ok(p->send(p, "../x", NULL, NULL, "hi", &err) == -HM_EFAIL &&
	    count("rest") == k + 2, "a channel id with a slash: refused, unsent");

	ctl("set", "{\"fail\": {\"send\": [{\"status\": 429, \"retry_after\":"
	    " 2.5}, {\"status\": 429, \"retry_after\": null, \"header\": 4},"
	    " 401, 403, 404, 500]}}");
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EIO &&
	    p->retry_after == 2.5, "429: -HM_EIO, retry_after from the body");
	printf("# %s\n", buf_str(&err));
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EIO &&
	    p->retry_after == 4, "429: else from Retry-After");
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EFAIL &&
	    strstr(buf_str(&err), "401") && !strstr(buf_str(&err), TOKEN),
	    "401: -HM_EFAIL, no token");
	printf("# %s\n", buf_str(&err));
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EFAIL &&
	    strstr(buf_str(&err), "Missing Access"), "403: -HM_EFAIL");
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EFAIL &&
	    strstr(buf_str(&err), "Unknown Channel"), "404: -HM_EFAIL");
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EIO &&
	    strstr(buf_str(&err), "HTTP 500"), "500: -HM_EIO");
	ok(p->send(p, "C1", NULL, NULL, "x", &err) == 0, "then it works");
	dc_free(p);

	setenv("HERMES_GATEWAY_DISCORD_API", "http://127.0.0.1:9/api", 1);
	p = dc_new(&err);
	ok(p && p->send(p, "C1", NULL, NULL, "x", &err) == -HM_EIO &&
	    !strstr(buf_str(&err), TOKEN), "no server: -HM_EIO");
	printf("# %s\n", buf_str(&err));
	dc_free(p);
	buf_release(&err);
}

static void
test_closes(void)
{
	struct buf err = BUF_INIT;
	struct platform *p;
	struct gw_msg *v = NULL;
	size_t n = 0;
	int rc;

	if (!ok(fake_start("{}") == 0, "a fresh fake"))
		return;
	p = dc_new(&err);
	rc = p ? poll_for(p, 0, &v, &n, &err) : -1;
	ok(rc == 0 && count("identify") == 1, "connected");
	gw_msgs_free(v, n);
	ctl("close", "{\"code\": 4007}");
	fake_nap_ms(200);
	rc = p ? poll_for(p, 0, &v, &n, &err) : -1;
	ok(rc == 0 && count("identify") == 2 && count("resume") == 0,
	    "close 4007: a new session, not a resume");
	gw_msgs_free(v, n);
	ctl("close", "{\"code\": 4014}");
	fake_nap_ms(200);
	rc = p ? p->poll(p, 500, &v, &n, &err) : -1;
	ok(rc == -HM_EFAIL && strstr(buf_str(&err), "disallowed intents"),
	    "close 4014: -HM_EFAIL, the intents named");
	printf("# %s\n", buf_str(&err));
	rc = p ? p->poll(p, 0, &v, &n, &err) : -1;
	ok(rc == -HM_EFAIL && count("connect") == 2,
	    "and it stays down, without connecting again");
	dc_free(p);

	setenv("DISCORD_BOT_TOKEN", "WRONG-token", 1);
	p = dc_new(&err);
	rc = p ? p->poll(p, 500, &v, &n, &err) : -1;
	ok(rc == -HM_EFAIL && strstr(buf_str(&err), "token was refused") &&
	    !strstr(buf_str(&err), "WRONG"), "GET /gateway/bot 401: -HM_EFAIL");
	printf("# %s\n", buf_str(&err));
	dc_free(p);
	setenv("DISCORD_BOT_TOKEN", TOKEN, 1);
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
	buf_addf(&py, "%s/../fakes/discord.py", dir);
	free(dir);
	fake_py = py.s;
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_GATEWAY_DISCORD_API");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_table();
	test_poll();
	test_send();
	test_closes();
	fake_stop();
	http_cleanup();
	fake_rmtree(home);
	buf_release(&py);
	buf_release(&err);
	return done_testing();
}
