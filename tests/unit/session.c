/*
 * session.c: unit tests for libcommon/session.c and libcommon/db.c.
 * A read-only open of a missing state.db fails and creates nothing; the
 * schema is made once (user_version 3, mode 0600, WAL); ids have the
 * documented shape; a conversation with tool calls, tool results, a
 * tools-only reply, malformed arguments and usage round-trips field by
 * field; the session's counters and usage sums follow; the title is the
 * first user line cut to 80 characters unless set; latest and list order
 * by last activity; search finds words, prefixes and accented text,
 * marks matches with [ ], and takes hostile input without error; over a
 * long history a rare word is still found first, a common word is ranked
 * over its newest matches and the limit is kept; unknown and ambiguous
 * ids and unique prefixes; rm and prune keep the FTS index in step; a
 * second handle sees committed writes; appends from forked children all
 * land; the context line at the end of a user message is stored and
 * loaded but neither indexed nor in snippets; a database from a newer
 * hermes is refused.
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <ftw.h>
#include <time.h>

#include "common.h"
#include "conv.h"
#include "db.h"
#include "path.h"
#include "prompt.h"
#include "session.h"
#include "timeutil.h"
#include "tap.h"

#define KIDS 8
#define PER_KID 25

static char home[] = "/tmp/hermes-unit-session.XXXXXX";
static char *dbpath;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* One integer from sql on a raw handle; -1 on error. */
static long
scalar(const char *sql)
{
	struct buf err = BUF_INIT;
	struct db_stmt *st;
	struct db *db;
	long v = -1;

	if ((db = db_open(dbpath, &err)) && (st = db_prepare(db, sql, &err))) {
		if (db_step(st, &err) == 1)
			v = (long)db_column_int64(st, 0);
		db_finalize(st);
	}
	if (err.len)
		printf("# %s\n", err.s);
	db_close(db);
	buf_release(&err);
	return v;
}

static int
raw_exec(const char *sql)
{
	struct buf err = BUF_INIT;
	struct db *db;
	int rc = -1;

	if ((db = db_open(dbpath, &err)))
		rc = db_exec(db, sql, &err);
	if (rc < 0)
		printf("# %s\n", buf_str(&err));
	db_close(db);
	buf_release(&err);
	return rc;
}

static int
fts_ok(void)
{
	return raw_exec("INSERT INTO messages_fts(messages_fts) "
	    "VALUES ('integrity-check')") == 0;
}

static int
id_shape(const char *id)
{
	size_t i;

	if (!id || strlen(id) != 22 || id[8] != '_' || id[15] != '_')
		return 0;
	for (i = 0; i < 22; i++) {
		if (i == 8 || i == 15)
			continue;
		if (i < 15 && (id[i] < '0' || id[i] > '9'))
			return 0;
		if (i > 15 && !strchr("0123456789abcdef", id[i]))
			return 0;
	}
	return 1;
}

static char *
new_session(struct session_db *sdb, const char *source, const char *model)
{
	struct session_info info;
	struct buf err = BUF_INIT;
	char *id = NULL;

	memset(&info, 0, sizeof(info));
	info.source = (char *)source;
	info.model = (char *)model;
	info.cwd = "/work";
	if (session_new(sdb, &info, &id, &err) < 0)
		printf("# session_new: %s\n", buf_str(&err));
	buf_release(&err);
	return id;
}

static int
append(struct session_db *sdb, const char *id, struct message *m)
{
	struct buf err = BUF_INIT;
	int rc = session_append(sdb, id, m, &err);

	if (rc < 0)
		printf("# append: %s\n", buf_str(&err));
	buf_release(&err);
	return rc;
}

static void
test_fresh(void)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb = NULL;
	struct stat st;
	int rc;

	rc = session_db_open_ro(&sdb, &err);
	is_int(rc, -HM_ENOTFOUND, "read-only open of a missing state.db");
	ok(stat(dbpath, &st) < 0 && errno == ENOENT, "...creates nothing");
	rc = session_db_open(&sdb, &err);
	is_int(rc, 0, "session_db_open creates state.db");
	ok(stat(dbpath, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "state.db is mode 0600");
	session_db_close(sdb);
	rc = session_db_open(&sdb, &err);
	is_int(rc, 0, "a second open migrates nothing and works");
	session_db_close(sdb);
	is_int(scalar("PRAGMA user_version"), 3, "schema version 3");
	is_int(scalar("SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('sessions', 'messages', 'messages_fts', 'messages_ai', "
	    "'messages_ad', 'messages_au')"), 6, "tables and triggers exist");
	rc = session_db_open_ro(&sdb, &err);
	is_int(rc, 0, "read-only open of an existing state.db");
	session_db_close(sdb);
	buf_release(&err);
}

/* The conversation of the round trip. */
static void
build(struct conv *c)
{
	struct message *m;

	conv_add(c, MSG_SYSTEM, "you are a test");
	conv_add(c, MSG_USER, "  \n  What is in\tthe repo?  \nsecond line");
	m = conv_add(c, MSG_ASSISTANT, "Let me look.");
	conv_add_call(m, "call_1", "terminal", "{\"command\":\"ls\"}");
	conv_add_call(m, "call_2", "read_file", "{\"path\": \"README");
	m->finish = xstrdup("tool_calls");
	m->usage.input = 1000;
	m->usage.output = 50;
	m->usage.cached = 800;
	conv_add_tool(c, "call_1", "terminal", "Makefile\nREADME.md\n");
	conv_add_tool(c, "call_2", "read_file",
	    "error: arguments are not valid JSON");
	m = conv_add(c, MSG_ASSISTANT, NULL);
	conv_add_call(m, "call_3", "memory", "{}");
	m->usage.input = 1200;
	m->usage.output = 10;
	conv_add_tool(c, "call_3", "memory", "ok");
	m = conv_add(c, MSG_ASSISTANT, "A Makefile and a README.");
	m->finish = xstrdup("stop");
	m->usage.input = 1300;
	m->usage.output = 20;
	m->usage.cached = 1200;
}

static int
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int
same_message(const struct message *a, const struct message *b)
{
	size_t k;

	if (a->role != b->role || !same_str(a->content, b->content) ||
	    !same_str(a->tool_call_id, b->tool_call_id) ||
	    !same_str(a->tool_name, b->tool_name) ||
	    !same_str(a->finish, b->finish) || a->ncalls != b->ncalls ||
	    a->usage.input != b->usage.input ||
	    a->usage.output != b->usage.output ||
	    a->usage.cached != b->usage.cached || a->ts != b->ts)
		return 0;
	for (k = 0; k < a->ncalls; k++)
		if (strcmp(a->calls[k].id, b->calls[k].id) ||
		    strcmp(a->calls[k].name, b->calls[k].name) ||
		    strcmp(a->calls[k].args, b->calls[k].args))
			return 0;
	return 1;
}

static char *
test_round_trip(struct session_db *sdb)
{
	struct conv c = CONV_INIT, back = CONV_INIT;
	struct buf err = BUF_INIT;
	struct session_info info;
	char *id, today[16];
	time_t t = tu_now();
	struct tm tm;
	size_t i;
	int all = 1, rc;

	id = new_session(sdb, "cli", "test/model");
	if (!id)
		id = xstrdup("(none)");
	ok(id_shape(id), "the id looks like YYYYMMDD_HHMMSS_xxxxxx");
	gmtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y%m%d", &tm);
	ok(!strncmp(id, today, 8), "the id starts with today (UTC)");
	build(&c);
	for (i = 0; i < c.n; i++) {
		c.m[i].ts = 1700000000.0 + (double)i * 1.5;
		if (append(sdb, id, &c.m[i]) < 0)
			all = 0;
	}
	ok(all, "8 messages appended");
	rc = session_load(sdb, id, &back, &err);
	is_int(rc, 0, "session_load");
	is_int(back.n, c.n, "as many messages back");
	for (i = 0; i < c.n && i < back.n; i++)
		ok(same_message(&c.m[i], &back.m[i]), "message %zu round-trips "
		    "(%s)", i, msg_role_name(c.m[i].role));
	ok(back.n > 5 && back.m[5].content == NULL,
	    "a tools-only reply keeps NULL content");
	rc = session_get(sdb, id, &info, &err);
	is_int(rc, 0, "session_get");
	is_int(info.messages, 8, "message_count");
	is_int(info.tool_calls, 3, "tool_call_count");
	is_int(info.usage.input, 3500, "input tokens summed");
	is_int(info.usage.output, 80, "output tokens summed");
	is_int(info.usage.cached, 2000, "cached tokens summed");
	is_str(info.title, "What is in the repo?", "title from the first "
	    "user line, trimmed, tab as space");
	is_str(info.source, "cli", "source");
	is_str(info.model, "test/model", "model");
	is_str(info.cwd, "/work", "cwd");
	ok(info.profile == NULL && info.parent == NULL, "unset fields NULL");
	ok(info.last >= 1700000000.0 + 10.5, "last activity is the newest "
	    "message (%f)", info.last);
	session_info_release(&info);
	conv_release(&c);
	conv_release(&back);
	buf_release(&err);
	return id;
}

static void
test_titles(struct session_db *sdb)
{
	struct conv c = CONV_INIT;
	struct buf err = BUF_INIT, want = BUF_INIT, text = BUF_INIT;
	struct session_info info;
	char *id = new_session(sdb, "cli", NULL);
	int i;

	for (i = 0; i < 100; i++)
		buf_adds(&text, "\303\251");	/* e acute */
	for (i = 0; i < 80; i++)
		buf_adds(&want, "\303\251");
	conv_add(&c, MSG_ASSISTANT, "an assistant line is no title");
	conv_add(&c, MSG_USER, text.s);
	conv_add(&c, MSG_USER, "a later user line");
	for (i = 0; i < 3; i++)
		append(sdb, id, &c.m[i]);
	session_get(sdb, id, &info, &err);
	is_str(info.title, want.s, "title cut to 80 characters, not bytes");
	session_info_release(&info);
	is_int(session_set_title(sdb, id, "Named", &err), 0, "set_title");
	session_get(sdb, id, &info, &err);
	is_str(info.title, "Named", "a set title wins");
	session_info_release(&info);
	is_int(session_set_title(sdb, "20000101_000000_ffffff", "x", &err),
	    -HM_ENOTFOUND, "set_title of an unknown id");
	is_int(session_rm(sdb, id, &err), 0, "rm the title session");
	conv_release(&c);
	buf_release(&err);
	buf_release(&want);
	buf_release(&text);
	free(id);
}

static void
test_latest_list(struct session_db *sdb, const char *s1, char **s2p)
{
	struct buf err = BUF_INIT;
	struct session_info *rows;
	struct conv c = CONV_INIT;
	char *s2, *id = NULL;
	size_t n;
	int rc;

	s2 = *s2p = new_session(sdb, "cron", NULL);
	conv_add(&c, MSG_USER, "Ünïcode café résumé, from cron");
	c.m[0].ts = 1800000000.0;
	append(sdb, s2, &c.m[0]);
	rc = session_latest(sdb, NULL, &id, &err);
	ok(rc == 0 && same_str(id, s2), "latest is the one active last");
	free(id);
	id = NULL;
	rc = session_latest(sdb, "cli", &id, &err);
	ok(rc == 0 && same_str(id, s1), "latest of source cli");
	free(id);
	id = NULL;
	rc = session_latest(sdb, "gateway", &id, &err);
	ok(rc == -HM_ENOTFOUND && strstr(buf_str(&err), "gateway"),
	    "latest of an unused source: not found, named");
	free(id);
	rc = session_list(sdb, NULL, 0, &rows, &n, &err);
	ok(rc == 0 && n == 2 && !strcmp(rows[0].id, s2) &&
	    !strcmp(rows[1].id, s1), "list: newest activity first");
	if (rc == 0)
		session_list_free(rows, n);
	rc = session_list(sdb, "cli", 0, &rows, &n, &err);
	ok(rc == 0 && n == 1 && !strcmp(rows[0].id, s1), "list --source");
	if (rc == 0)
		session_list_free(rows, n);
	rc = session_list(sdb, NULL, 1, &rows, &n, &err);
	ok(rc == 0 && n == 1 && !strcmp(rows[0].id, s2), "list limit 1");
	if (rc == 0)
		session_list_free(rows, n);
	conv_release(&c);
	buf_release(&err);
}

static size_t
hits_for(struct session_db *sdb, const char *q, struct session_hit **h,
    int *rc)
{
	struct buf err = BUF_INIT;
	size_t n = 0;

	*rc = session_search(sdb, q, 0, h, &n, &err);
	if (*rc < 0)
		printf("# search '%s': %s\n", q, buf_str(&err));
	buf_release(&err);
	return n;
}

static void
test_search(struct session_db *sdb, const char *s1, const char *s2)
{
	static const char *const hostile[] = { "\"", "AND (", "NEAR(a b)",
	    "*", "a:b", "-x", "^foo", "OR", "\"unbalanced", "x\" OR \"y",
	    "((((", "content:secret", "'", "\\", "foo**" };
	struct session_hit *h;
	struct buf err = BUF_INIT;
	size_t n, i;
	int rc, fine = 1;

	n = hits_for(sdb, "makefile", &h, &rc);
	ok(rc == 0 && n == 2, "a word: %zu hits", n);
	ok(n && !strcmp(h[0].session, s1) && strstr(h[0].snippet,
	    "[Makefile]"), "the snippet marks the match with [ ]");
	session_hits_free(h, n);
	n = hits_for(sdb, "makefile readme", &h, &rc);
	ok(rc == 0 && n == 2, "all words must match");
	session_hits_free(h, n);
	n = hits_for(sdb, "makefile nosuchword", &h, &rc);
	ok(rc == 0 && n == 0, "a missing word: no hits");
	session_hits_free(h, n);
	n = hits_for(sdb, "Make*", &h, &rc);
	ok(rc == 0 && n == 2, "a trailing * is a prefix query");
	session_hits_free(h, n);
	n = hits_for(sdb, "make", &h, &rc);
	ok(rc == 0 && n == 0, "without * no prefix");
	session_hits_free(h, n);
	n = hits_for(sdb, "\303\274n\303\257code", &h, &rc);
	ok(rc == 0 && n == 1 && !strcmp(h[0].session, s2) &&
	    !strcmp(h[0].role, "user"), "accented query finds accented text");
	session_hits_free(h, n);
	n = hits_for(sdb, "unicode cafe", &h, &rc);
	ok(rc == 0 && n == 1, "diacritics are folded");
	session_hits_free(h, n);
	for (i = 0; i < HM_ARRAY_SIZE(hostile); i++) {
		n = hits_for(sdb, hostile[i], &h, &rc);
		if (rc < 0)
			fine = 0;
		session_hits_free(h, n);
	}
	ok(fine, "hostile queries are not errors");
	n = hits_for(sdb, "\"Makefile\"", &h, &rc);
	ok(rc == 0 && n == 2, "quotes in a word are just characters");
	session_hits_free(h, n);
	rc = session_search(sdb, "  \t ", 0, &h, &n, &err);
	is_int(rc, -HM_EINVAL, "an empty query is a usage error");
	rc = session_search(sdb, "makefile", 1, &h, &n, &err);
	ok(rc == 0 && n == 1, "search limit");
	if (rc == 0)
		session_hits_free(h, n);
	buf_release(&err);
}

/*
 * A long history: an old message with a rare word and the best score for
 * a common one, under 1,200 newer messages with the common word.  The
 * rare word is found first; the common word is ranked over its newest
 * SESSION_SEARCH_WINDOW matches; the limit is kept; a larger limit ranks
 * that many matches.
 */
static void
test_window(struct session_db *sdb)
{
	struct buf sql = BUF_INIT, err = BUF_INIT;
	char *id = new_session(sdb, "cron", NULL);
	struct session_hit *h;
	struct message m;
	long old, oldest;
	size_t n, i;
	int rc;

	memset(&m, 0, sizeof(m));
	m.role = MSG_USER;
	m.content = "rollout rollout: a wombat";
	append(sdb, id, &m);
	old = scalar("SELECT max(id) FROM messages");
	buf_addf(&sql, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM k WHERE i < 1200) INSERT INTO messages "
	    "(session_id, role, content, ts) SELECT '%s', 'assistant', "
	    "'the rollout of step ' || i || ' went as planned', i FROM k", id);
	ok(raw_exec(sql.s) == 0, "1,200 newer messages with the common word");
	oldest = scalar("SELECT max(id) FROM messages") -
	    SESSION_SEARCH_WINDOW + 1;
	n = hits_for(sdb, "wombat", &h, &rc);
	ok(rc == 0 && n == 1 && h[0].message == old, "the rare word is found");
	session_hits_free(h, n);
	n = hits_for(sdb, "rollout wombat", &h, &rc);
	ok(rc == 0 && n == 1 && h[0].message == old,
	    "with the common word too");
	session_hits_free(h, n);
	n = hits_for(sdb, "rollout", &h, &rc);
	ok(rc == 0 && n == SESSION_SEARCH_WINDOW, "the common word: the "
	    "newest %d matches (%zu)", SESSION_SEARCH_WINDOW, n);
	for (i = 0; i < n && h[i].message >= oldest; i++)
		;
	ok(n && i == n, "...and no older one");
	session_hits_free(h, n);
	rc = session_search(sdb, "rollout", 10, &h, &n, &err);
	ok(rc == 0 && n == 10 && h[0].message >= oldest, "limit 10: 10 hits");
	if (rc == 0)
		session_hits_free(h, n);
	rc = session_search(sdb, "rollout", 5000, &h, &n, &err);
	ok(rc == 0 && n == 1201 && h[0].message == old, "a limit above the "
	    "window ranks that many: the old best comes first");
	if (rc == 0)
		session_hits_free(h, n);
	free(id);
	buf_release(&sql);
	buf_release(&err);
}

/* The shortest prefix of id that no other of ids starts with. */
static char *
short_id(const char *id, char **ids, size_t n)
{
	size_t len, i;
	int clash;

	for (len = 1; len < strlen(id); len++) {
		for (clash = 0, i = 0; i < n; i++)
			if (strcmp(ids[i], id) && !strncmp(ids[i], id, len))
				clash = 1;
		if (!clash)
			break;
	}
	return xstrndup(id, len);
}

static void
test_ids(struct session_db *sdb, char *s1, char *s2)
{
	struct buf err = BUF_INIT;
	struct session_info info;
	struct conv c = CONV_INIT;
	struct message m;
	char *ids[2] = { s1, s2 }, *p;
	int rc;

	rc = session_get(sdb, "20000101_000000_abcdef", &info, &err);
	ok(rc == -HM_ENOTFOUND && strstr(buf_str(&err),
	    "20000101_000000_abcdef"), "unknown id: not found, named");
	rc = session_load(sdb, "nope", &c, &err);
	ok(rc == -HM_ENOTFOUND && c.n == 0, "load of an unknown id");
	rc = session_rm(sdb, "nope", &err);
	is_int(rc, -HM_ENOTFOUND, "rm of an unknown id");
	memset(&m, 0, sizeof(m));
	m.role = MSG_USER;
	m.content = "lost";
	rc = session_append(sdb, "20000101_000000_abcdef", &m, &err);
	is_int(rc, -HM_ENOTFOUND, "append to an unknown id");
	is_int(scalar("SELECT count(*) FROM messages WHERE content = 'lost'"),
	    0, "...stores nothing");
	rc = session_get(sdb, "", &info, &err);
	is_int(rc, -HM_ENOTFOUND, "the empty id is no prefix");
	p = short_id(s1, ids, 2);
	rc = session_get(sdb, p, &info, &err);
	ok(rc == 0 && !strcmp(info.id, s1), "unique prefix '%s' resolves", p);
	if (rc == 0)
		session_info_release(&info);
	rc = session_load(sdb, p, &c, &err);
	ok(rc == 0 && c.n == 8, "load by prefix");
	conv_release(&c);
	free(p);
	rc = session_get(sdb, "2", &info, &err);
	ok(rc == -HM_EAMBIG && strstr(buf_str(&err), s1) &&
	    strstr(buf_str(&err), s2), "ambiguous prefix names candidates");
	buf_release(&err);
}

/* The hits of q in session id only. */
static size_t
hits_in(struct session_db *sdb, const char *q, const char *id)
{
	struct session_hit *h;
	size_t n, i, k = 0;
	int rc;

	n = hits_for(sdb, q, &h, &rc);
	for (i = 0; i < n; i++)
		k += !strcmp(h[i].session, id);
	session_hits_free(h, n);
	return rc < 0 ? (size_t)-1 : k;
}

/*
 * User messages as hermes-ask stores them (prompt_with_context): the
 * text, a blank line and the context line.  The line's words find
 * nothing, the text's words do, snippets hold no "[Context:", and the
 * stored content is loaded back whole.  An earlier context line quoted
 * in the text is text; an assistant message is indexed whole; a user
 * message that is only the line indexes nothing.  The triggers delete
 * what they indexed.
 */
static void
test_context(struct session_db *sdb)
{
	static const char *const line_only[] = { "tuesday", "cron", "source",
	    "scheduled", "nobody", "reads", "2026", "utc", "tue*", "sch*" };
	char *id = new_session(sdb, "cron", NULL);
	char *u1, *u2, *u3;
	struct buf err = BUF_INIT;
	struct session_hit *h;
	struct conv c = CONV_INIT;
	struct message m;
	size_t n, i;
	int rc, fine = 1;

	setenv("TZ", "UTC", 1);
	u1 = prompt_with_context("check the nightly backup", "cron",
	    1795518360);
	u2 = prompt_with_context("", "cron", 1795518360);
	u3 = prompt_with_context("quoted:\n\n[Context: Monday]\nzebra",
	    "cron", 1795518360);
	memset(&m, 0, sizeof(m));
	m.role = MSG_USER;
	m.content = u1;
	append(sdb, id, &m);
	m.content = u2;
	append(sdb, id, &m);
	m.content = u3;
	append(sdb, id, &m);
	m.role = MSG_ASSISTANT;
	m.content = "done\n\n[Context: Thursday]";
	append(sdb, id, &m);
	ok(strstr(u1, "\n\n[Context: Tuesday 2026-11-24 11:06 UTC; source: "
	    "cron, a scheduled job: nobody reads along]") != NULL,
	    "the shape prompt.h makes");
	for (i = 0; i < HM_ARRAY_SIZE(line_only); i++)
		if (hits_in(sdb, line_only[i], id) != 0) {
			printf("# '%s' found\n", line_only[i]);
			fine = 0;
		}
	ok(fine, "no word of the context line finds the messages");
	n = hits_for(sdb, "nightly backup", &h, &rc);
	ok(rc == 0 && n == 1 && !strcmp(h[0].session, id) &&
	    same_str(h[0].snippet, "check the [nightly] [backup]"),
	    "the text is found; the snippet has no context line: %s",
	    n ? h[0].snippet : "");
	session_hits_free(h, n);
	ok(hits_in(sdb, "monday zebra", id) == 1 &&
	    hits_in(sdb, "context monday", id) == 1,
	    "a quoted context line is text");
	ok(hits_in(sdb, "thursday", id) == 1, "an assistant message is whole");
	is_int(scalar("SELECT count(*) FROM messages WHERE body = '' AND "
	    "content LIKE '[Context: %'"), 1, "only the line: body ''");
	rc = session_load(sdb, id, &c, &err);
	ok(rc == 0 && c.n == 4 && same_str(c.m[0].content, u1) &&
	    same_str(c.m[1].content, u2) && same_str(c.m[2].content, u3),
	    "the stored content keeps the line");
	conv_release(&c);
	ok(fts_ok(), "the index is consistent");
	ok(raw_exec("UPDATE messages SET content = replace(content, "
	    "'backup', 'restore') WHERE role = 'user'") == 0 &&
	    hits_in(sdb, "backup", id) == 0 && hits_in(sdb, "restore", id) == 1
	    && hits_in(sdb, "cron", id) == 0, "an update re-indexes the text");
	ok(raw_exec("DELETE FROM messages WHERE role = 'user' AND "
	    "content LIKE 'check%'") == 0 && fts_ok() &&
	    hits_in(sdb, "restore", id) == 0, "a delete removes what was "
	    "indexed");
	ok(raw_exec("INSERT INTO messages_fts(messages_fts) "
	    "VALUES ('rebuild')") == 0 && fts_ok() &&
	    hits_in(sdb, "monday", id) == 1 && hits_in(sdb, "tuesday", id) == 0,
	    "a rebuild reads the same text");
	unsetenv("TZ");
	free(u1);
	free(u2);
	free(u3);
	free(id);
	buf_release(&err);
}

static void
test_second_handle(struct session_db *sdb, const char *s1)
{
	struct buf err = BUF_INIT;
	struct session_db *other;
	struct session_info info;
	struct message m;

	if (session_db_open(&other, &err) < 0) {
		ok(0, "second handle: %s", buf_str(&err));
		return;
	}
	session_get(other, s1, &info, &err);
	is_int(info.messages, 8, "a second handle sees the session");
	session_info_release(&info);
	memset(&m, 0, sizeof(m));
	m.role = MSG_USER;
	m.content = "from the first handle";
	append(sdb, s1, &m);
	session_get(other, s1, &info, &err);
	is_int(info.messages, 9, "...and a write committed by the first");
	session_info_release(&info);
	session_db_close(other);
	buf_release(&err);
}

static void
test_concurrent(void)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb;
	struct session_info info;
	pid_t pids[KIDS];
	char *id;
	int i, st, good = 0;

	if (session_db_open(&sdb, &err) < 0)
		return;
	id = new_session(sdb, "kanban", NULL);
	session_db_close(sdb);
	fflush(stdout);
	for (i = 0; i < KIDS; i++) {
		if ((pids[i] = fork()) == 0) {
			struct message m;
			int k, bad = 0;

			if (session_db_open(&sdb, NULL) < 0)
				_exit(2);
			memset(&m, 0, sizeof(m));
			m.role = MSG_ASSISTANT;
			m.content = "parallel";
			m.usage.input = 2;
			m.usage.output = 1;
			for (k = 0; k < PER_KID; k++)
				if (session_append(sdb, id, &m, NULL) < 0)
					bad = 1;
			session_db_close(sdb);
			_exit(bad);
		}
	}
	for (i = 0; i < KIDS; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			good++;
	is_int(good, KIDS, "every child appended without error");
	session_db_open(&sdb, &err);
	session_get(sdb, id, &info, &err);
	is_int(info.messages, KIDS * PER_KID, "all concurrent appends landed");
	is_int(info.usage.input, 2 * KIDS * PER_KID, "...with their usage");
	session_info_release(&info);
	is_int(session_rm(sdb, id, &err), 0, "rm the concurrent session");
	session_db_close(sdb);
	free(id);
	buf_release(&err);
}

static void
test_rm_prune(struct session_db *sdb, const char *s1, const char *s2)
{
	struct buf err = BUF_INIT;
	struct session_hit *h;
	struct session_info info;
	char *s3, sql[160];
	long removed = -1;
	size_t n;
	int rc;

	is_int(session_rm(sdb, s1, &err), 0, "rm");
	is_int(session_get(sdb, s1, &info, &err), -HM_ENOTFOUND,
	    "rm'd session is gone");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM messages WHERE "
	    "session_id = '%s'", s1);
	is_int(scalar(sql), 0, "...with its messages");
	n = hits_for(sdb, "makefile", &h, &rc);
	ok(rc == 0 && n == 0, "...and its index entries");
	session_hits_free(h, n);
	ok(fts_ok(), "FTS index passes its integrity check after rm");
	s3 = new_session(sdb, "cli", NULL);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET last_activity_at = "
	    "%f WHERE id = '%s'", (double)tu_now() - 40 * 86400.0, s2);
	raw_exec(sql);
	rc = session_prune(sdb, 30, &removed, &err);
	ok(rc == 1 && removed == 1, "prune removes the session idle 40 days");
	is_int(session_get(sdb, s2, &info, &err), -HM_ENOTFOUND,
	    "...which is gone");
	rc = session_get(sdb, s3, &info, &err);
	is_int(rc, 0, "...and keeps the fresh one");
	if (rc == 0)
		session_info_release(&info);
	is_int(scalar("SELECT count(*) FROM messages"), 0, "no orphans");
	ok(fts_ok(), "FTS index passes its integrity check after prune");
	is_int(session_prune(sdb, -1, &removed, &err), -HM_EINVAL,
	    "a negative age is invalid");
	free(s3);
	buf_release(&err);
}

static void
test_db(void)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb;
	struct db_stmt *st;
	struct db *db;
	int rc;

	db = db_open(dbpath, &err);
	st = db ? db_prepare(db, "SELECT nosuchcolumn FROM sessions", &err) :
	    NULL;
	ok(!st && strstr(buf_str(&err), dbpath) &&
	    strstr(buf_str(&err), "nosuchcolumn"),
	    "a bad statement names the path and the reason: %s", err.s);
	st = db ? db_prepare(db, "SELECT ?1", &err) : NULL;
	if (st) {
		db_bind_text(st, 3, "x");
		rc = db_step(st, &err);
		ok(rc < 0 && strstr(buf_str(&err), "parameter 3"),
		    "a failed bind is reported by db_step");
		db_finalize(st);
	}
	rc = db ? db_exec(db, "PRAGMA user_version = 99", &err) : -1;
	db_close(db);
	rc = session_db_open(&sdb, &err);
	ok(rc < 0 && strstr(buf_str(&err), "version 99"),
	    "a newer schema is refused: %s", err.s);
	raw_exec("PRAGMA user_version = 3");
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb;
	char *s1, *s2 = NULL;

	if (!mkdtemp(home))
		return 1;
	setenv("HERMES_HOME", home, 1);
	unsetenv("HERMES_PROFILE");
	if (hm_home_init(&err) < 0)
		return 1;
	dbpath = hm_path("state.db");
	test_fresh();
	if (session_db_open(&sdb, &err) < 0) {
		printf("# %s\n", buf_str(&err));
		return 1;
	}
	s1 = test_round_trip(sdb);
	test_titles(sdb);
	test_latest_list(sdb, s1, &s2);
	test_search(sdb, s1, s2);
	test_ids(sdb, s1, s2);
	test_second_handle(sdb, s1);
	session_db_close(sdb);
	test_concurrent();
	session_db_open(&sdb, &err);
	test_rm_prune(sdb, s1, s2);
	test_window(sdb);
	test_context(sdb);
	session_db_close(sdb);
	test_db();
	free(s1);
	free(s2);
	free(dbpath);
	buf_release(&err);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
