/*
 * session.c: sessions and their messages in $HERMES_HOME/state.db; see
 * session.h for the contract.
 *
 * Schema (version 3, PRAGMA user_version; later versions are new entries
 * in steps[], never edits of old ones):
 *   sessions(id TEXT PRIMARY KEY, source, model, title, cwd, profile,
 *	parent_id, started_at REAL, last_activity_at REAL, message_count,
 *	tool_call_count, input_tokens, output_tokens, cached_tokens)
 *   messages(id INTEGER PRIMARY KEY AUTOINCREMENT, session_id REFERENCES
 *	sessions ON DELETE CASCADE, role, content, tool_calls (the JSON array
 *	of conv_calls_to_json), tool_call_id, tool_name, finish,
 *	input_tokens, output_tokens, cached_tokens, ts REAL)
 *	and body, generated (VIRTUAL, version 3): content without the
 *	context line of a user message (BODY below)
 *   messages_fts: FTS5 over messages.body, external content, kept in
 *	step by the triggers messages_ai, messages_ad and messages_au, with
 *	prefix indexes for 1, 2 and 3 characters (version 3).
 * Times are unix seconds (REAL).  Message ids only grow (AUTOINCREMENT),
 * so a search hit's id never names a different message later.
 *
 * Every write is one IMMEDIATE transaction: session_append updates the
 * session's counters first (which also proves the session exists) and
 * then inserts the message, so the counters always equal the sum of the
 * messages.  Readers take no lock; WAL gives them a consistent snapshot
 * while a writer works.  Ids are made from the UTC time and 3 bytes of
 * getrandom(2); a clash is retried with new random bytes.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <math.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "conv.h"
#include "db.h"
#include "path.h"
#include "session.h"
#include "timeutil.h"

#define TITLE_MAX 80	/* characters */
#define AMBIG_SHOW 5	/* candidates named in an ambiguity error */

struct session_db {
	struct db *db;
};

/*
 * messages.body, the text the index reads: content, except that a user
 * message ending in a context line ("\n\n[Context: ...]", no newline in
 * the line, the last character ']', prompt.h) loses the line and the
 * blank line before it, and one that is only the line becomes ''.  This
 * is prompt_with_context's test, in built-in SQL functions only, so the
 * sqlite3 shell can read, write and rebuild state.db too.  SQL has no
 * "last occurrence", so the common case goes first: AT, the first
 * "\n\n[Context: ", with no newline after it, is the last line (a few
 * scans of the text, some 2 us a message).  Only a text that quotes an
 * earlier context line gets to HEAD, content up to and including its
 * last newline: rtrim drops the trailing characters found in the set,
 * here the last 1000 characters without their newlines, which holds
 * every character of a last line up to that long (some 20 us; a longer
 * line with a character found only further back leaves the message
 * indexed whole).  The expression is kept in the schema: a change here
 * reaches only new databases, so a new shape of the line needs a new
 * step (the triggers must delete with the value they indexed, so the
 * index is rebuilt with it).
 */
#define MARK "char(10, 10) || '[Context: '"
#define AT "instr(content, " MARK ")"
#define HEAD "rtrim(content, replace(substr(content, -1000), char(10), ''))"
#define BODY \
	"CASE WHEN role <> 'user' OR substr(content, -1) <> ']' THEN content" \
	"  WHEN " AT " = 0 AND substr(content, 1, 10) = '[Context: '" \
	"    AND instr(content, char(10)) = 0 THEN ''" \
	"  WHEN " AT " = 0 THEN content" \
	"  WHEN instr(substr(content, " AT " + 2), char(10)) = 0" \
	"    THEN substr(content, 1, " AT " - 1)" \
	"  WHEN substr(content, length(" HEAD ") - 1, 12) = " MARK \
	"    THEN substr(content, 1, length(" HEAD ") - 2)" \
	"  ELSE content END"

static const char *const steps[] = {
	/* 0 -> 1: sessions, messages, the full-text index */
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  source TEXT NOT NULL DEFAULT 'cli',"
	"  model TEXT,"
	"  title TEXT,"
	"  cwd TEXT,"
	"  profile TEXT,"
	"  parent_id TEXT,"
	"  started_at REAL NOT NULL,"
	"  last_activity_at REAL NOT NULL,"
	"  message_count INTEGER NOT NULL DEFAULT 0,"
	"  tool_call_count INTEGER NOT NULL DEFAULT 0,"
	"  input_tokens INTEGER NOT NULL DEFAULT 0,"
	"  output_tokens INTEGER NOT NULL DEFAULT 0,"
	"  cached_tokens INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX sessions_last ON sessions(last_activity_at);"
	"CREATE INDEX sessions_source ON sessions(source, last_activity_at);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  session_id TEXT NOT NULL"
	"    REFERENCES sessions(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"
	"  content TEXT,"
	"  tool_calls TEXT,"
	"  tool_call_id TEXT,"
	"  tool_name TEXT,"
	"  finish TEXT,"
	"  input_tokens INTEGER NOT NULL DEFAULT 0,"
	"  output_tokens INTEGER NOT NULL DEFAULT 0,"
	"  cached_tokens INTEGER NOT NULL DEFAULT 0,"
	"  ts REAL NOT NULL);"
	"CREATE INDEX messages_session ON messages(session_id, id);"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(content,"
	"  content = 'messages', content_rowid = 'id',"
	"  tokenize = 'unicode61 remove_diacritics 2');"
	"CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
	"  INSERT INTO messages_fts(rowid, content)"
	"    VALUES (new.id, new.content);"
	"END;"
	"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, content)"
	"    VALUES ('delete', old.id, old.content);"
	"END;"
	"CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, content)"
	"    VALUES ('delete', old.id, old.content);"
	"  INSERT INTO messages_fts(rowid, content)"
	"    VALUES (new.id, new.content);"
	"END;",
	/* 1 -> 2: per-session state (personality, goal) as a JSON object */
	"ALTER TABLE sessions ADD COLUMN meta TEXT;",
	/*
	 * 2 -> 3: prefix indexes.  Without them FTS5 answers "k*" by
	 * reading and merging the doclist of every word that begins with
	 * k before the first row, however few rows are wanted; a prefix of
	 * one to three characters now reads one doclist like a word does.
	 * The index grows to about three times its size.
	 *
	 * And the index reads messages.body, not content: a user message
	 * without the context line hermes-ask ends it with (prompt.h), so
	 * "cron" or a weekday does not find every message of every cron
	 * session, and snippets do not show the line.  The stored content
	 * is untouched (it is what was sent, and is sent again).  The FTS5
	 * column is named body, as external content reads the column of the
	 * same name, and the triggers are made again to name it.  The index
	 * is rebuilt from messages, about a second per 100,000, once.
	 */
	"ALTER TABLE messages ADD COLUMN body TEXT"
	"  GENERATED ALWAYS AS (" BODY ") VIRTUAL;"
	"DROP TRIGGER messages_ai;"
	"DROP TRIGGER messages_ad;"
	"DROP TRIGGER messages_au;"
	"DROP TABLE messages_fts;"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(body,"
	"  content = 'messages', content_rowid = 'id',"
	"  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');"
	"CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
	"  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	"END;"
	"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, body)"
	"    VALUES ('delete', old.id, old.body);"
	"END;"
	"CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, body)"
	"    VALUES ('delete', old.id, old.body);"
	"  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	"END;"
	"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');"
};

#define INFO_COLS "id, source, model, title, cwd, profile, parent_id, " \
	"started_at, last_activity_at, message_count, tool_call_count, " \
	"input_tokens, output_tokens, cached_tokens"

static double
now(void)
{
	struct timespec ts;

	tu_now_ts(&ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A failed prepare has filled err; give its code. */
static struct db_stmt *
prep(struct session_db *sdb, const char *sql, int *rc, struct buf *err)
{
	struct db_stmt *st = db_prepare(sdb->db, sql, err);

	*rc = st ? 0 : -HM_EFAIL;
	return st;
}

static char *
db_file(void)
{
	return hm_path("state.db");
}

int
session_db_open(struct session_db **sdb, struct buf *err)
{
	struct db *db;
	char *path;
	int rc;

	*sdb = NULL;
	if ((rc = hm_home_init(err)) < 0)
		return rc;
	path = db_file();
	db = db_open(path, err);
	free(path);
	if (!db)
		return -HM_EIO;
	rc = db_migrate(db, steps, (int)HM_ARRAY_SIZE(steps), err);
	if (rc < 0) {
		db_close(db);
		return rc;
	}
	*sdb = xcalloc(1, sizeof(**sdb));
	(*sdb)->db = db;
	return 0;
}

int
session_db_open_ro(struct session_db **sdb, struct buf *err)
{
	char *path = db_file();
	struct db_stmt *st;
	struct stat sb;
	struct db *db;
	int rc, v = -1;

	*sdb = NULL;
	if (stat(path, &sb) < 0) {
		rc = hm_fail(err, errno == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return rc;
	}
	db = db_open_ro(path, err);
	free(path);
	if (!db)
		return -HM_EIO;
	rc = -HM_EFAIL;
	if ((st = db_prepare(db, "PRAGMA user_version", err)) &&
	    (rc = db_step(st, err)) == 1)
		v = (int)db_column_int64(st, 0);
	db_finalize(st);
	if (rc >= 0 && v != (int)HM_ARRAY_SIZE(steps))
		rc = hm_fail(err, HM_EFAIL, "database '%s' has schema "
		    "version %d, not %d", db_path(db), v,
		    (int)HM_ARRAY_SIZE(steps));
	if (rc < 0) {
		db_close(db);
		return rc;
	}
	*sdb = xcalloc(1, sizeof(**sdb));
	(*sdb)->db = db;
	return 0;
}

void
session_db_close(struct session_db *sdb)
{
	if (!sdb)
		return;
	db_close(sdb->db);
	free(sdb);
}

/*
 * Resolve ID to a full session id: an exact match, else the one id it is
 * a prefix of.  *full is malloc'd.
 */
static int
resolve(struct session_db *sdb, const char *id, char **full,
    struct buf *err)
{
	struct db_stmt *st;
	struct buf names = BUF_INIT;
	char *first = NULL;
	int rc, n = 0;

	*full = NULL;
	st = prep(sdb, "SELECT id FROM sessions WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	rc = db_step(st, err);
	if (rc == 1)
		*full = db_column_dup(st, 0);
	db_finalize(st);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (!*id)
		return hm_fail(err, HM_ENOTFOUND, "no session ''");
	st = prep(sdb, "SELECT id FROM sessions WHERE id > ?1 AND "
	    "id < ?1 || char(1114111) ORDER BY id LIMIT ?2", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, AMBIG_SHOW + 1);
	while ((rc = db_step(st, err)) == 1) {
		if (n++ == 0)
			first = db_column_dup(st, 0);
		if (n <= AMBIG_SHOW)
			buf_addf(&names, "%s%s", n > 1 ? ", " : "",
			    db_column_text(st, 0));
		else
			buf_adds(&names, ", ...");
	}
	db_finalize(st);
	if (rc == 0 && n == 0)
		rc = hm_fail(err, HM_ENOTFOUND, "no session '%s'", id);
	else if (rc == 0 && n > 1)
		rc = hm_fail(err, HM_EAMBIG, "session id '%s' is ambiguous: "
		    "%s", id, names.s);
	if (rc == 0)
		*full = first;
	else
		free(first);
	buf_release(&names);
	return rc;
}

static void
make_id(char *id, size_t size, double t)
{
	unsigned char r[3];
	time_t secs = (time_t)t;
	struct tm tm;
	size_t k;
	int fd;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
			/* last resort: not secret, only needs to differ */
			r[0] = (unsigned char)getpid();
			r[1] = (unsigned char)(getpid() >> 8);
			r[2] = (unsigned char)((t - (double)secs) * 256);
		}
		if (fd >= 0)
			close(fd);
	}
	gmtime_r(&secs, &tm);
	k = strftime(id, size, "%Y%m%d_%H%M%S", &tm);
	snprintf(id + k, size - k, "_%02x%02x%02x", r[0], r[1], r[2]);
}

int
session_new(struct session_db *sdb, const struct session_info *info,
    char **id, struct buf *err)
{
	struct db_stmt *st;
	char buf[32];
	double t = now();
	int rc, tries;

	*id = NULL;
	st = prep(sdb, "INSERT OR IGNORE INTO sessions (id, source, model, "
	    "title, cwd, profile, parent_id, started_at, last_activity_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)", &rc, err);
	if (!st)
		return rc;
	for (tries = 0; tries < 8; tries++) {
		make_id(buf, sizeof(buf), t);
		db_reset(st);
		db_bind_text(st, 1, buf);
		db_bind_text(st, 2, info && info->source && *info->source ?
		    info->source : "cli");
		db_bind_text(st, 3, info ? info->model : NULL);
		db_bind_text(st, 4, info ? info->title : NULL);
		db_bind_text(st, 5, info ? info->cwd : NULL);
		db_bind_text(st, 6, info ? info->profile : NULL);
		db_bind_text(st, 7, info ? info->parent : NULL);
		db_bind_double(st, 8, t);
		if ((rc = db_step(st, err)) < 0)
			break;
		if (db_changes(sdb->db) == 1) {
			*id = xstrdup(buf);
			break;
		}
	}
	db_finalize(st);
	if (rc >= 0 && !*id)
		rc = hm_fail(err, HM_EFAIL, "database '%s': cannot make a "
		    "unique session id", db_path(sdb->db));
	return rc < 0 ? rc : 0;
}

int
session_latest(struct session_db *sdb, const char *source, char **id,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	*id = NULL;
	st = prep(sdb, "SELECT id FROM sessions WHERE ?1 IS NULL OR "
	    "source = ?1 ORDER BY last_activity_at DESC, id DESC LIMIT 1",
	    &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, source);
	rc = db_step(st, err);
	if (rc == 1)
		*id = db_column_dup(st, 0);
	db_finalize(st);
	if (rc == 0 && source)
		return hm_fail(err, HM_ENOTFOUND, "no session from '%s'",
		    source);
	if (rc == 0)
		return hm_fail(err, HM_ENOTFOUND, "no sessions");
	return rc < 0 ? rc : 0;
}

static void
fill_info(struct db_stmt *st, struct session_info *info)
{
	info->id = db_column_dup(st, 0);
	info->source = db_column_dup(st, 1);
	info->model = db_column_dup(st, 2);
	info->title = db_column_dup(st, 3);
	info->cwd = db_column_dup(st, 4);
	info->profile = db_column_dup(st, 5);
	info->parent = db_column_dup(st, 6);
	info->started = db_column_double(st, 7);
	info->last = db_column_double(st, 8);
	info->messages = (long)db_column_int64(st, 9);
	info->tool_calls = (long)db_column_int64(st, 10);
	info->usage.input = (long)db_column_int64(st, 11);
	info->usage.output = (long)db_column_int64(st, 12);
	info->usage.cached = (long)db_column_int64(st, 13);
}

int
session_get(struct session_db *sdb, const char *id,
    struct session_info *info, struct buf *err)
{
	struct db_stmt *st;
	char *full;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = resolve(sdb, id, &full, err)) < 0)
		return rc;
	st = prep(sdb, "SELECT " INFO_COLS " FROM sessions WHERE id = ?1",
	    &rc, err);
	if (st) {
		db_bind_text(st, 1, full);
		rc = db_step(st, err);
		if (rc == 1)
			fill_info(st, info);
		else if (rc == 0)	/* removed meanwhile */
			rc = hm_fail(err, HM_ENOTFOUND, "no session '%s'",
			    id);
	}
	db_finalize(st);
	free(full);
	return rc < 0 ? rc : 0;
}

void
session_info_release(struct session_info *info)
{
	free(info->id);
	free(info->source);
	free(info->model);
	free(info->title);
	free(info->cwd);
	free(info->profile);
	free(info->parent);
	memset(info, 0, sizeof(*info));
}

/* One row of messages into a new message at the end of c. */
static int
add_row(struct db_stmt *st, struct conv *c, struct buf *err)
{
	const char *role = db_column_text(st, 0), *calls;
	struct message *m;
	enum msg_role r;

	if (!role || msg_role_parse(role, &r) < 0)
		return hm_fail(err, HM_EFAIL, "message %lld has an unknown "
		    "role '%s'", (long long)db_column_int64(st, 10),
		    role ? role : "");
	m = conv_add(c, r, db_column_text(st, 1));
	if ((calls = db_column_text(st, 2)))
		(void)conv_calls_from_json(m, calls);
	m->tool_call_id = db_column_dup(st, 3);
	m->tool_name = db_column_dup(st, 4);
	m->finish = db_column_dup(st, 5);
	m->usage.input = (long)db_column_int64(st, 6);
	m->usage.output = (long)db_column_int64(st, 7);
	m->usage.cached = (long)db_column_int64(st, 8);
	m->ts = db_column_double(st, 9);
	return 0;
}

int
session_load(struct session_db *sdb, const char *id, struct conv *c,
    struct buf *err)
{
	struct db_stmt *st;
	size_t had = c->n;
	char *full;
	int rc;

	if ((rc = resolve(sdb, id, &full, err)) < 0)
		return rc;
	st = prep(sdb, "SELECT role, content, tool_calls, tool_call_id, "
	    "tool_name, finish, input_tokens, output_tokens, cached_tokens, "
	    "ts, id FROM messages WHERE session_id = ?1 ORDER BY id", &rc,
	    err);
	if (st) {
		db_bind_text(st, 1, full);
		while ((rc = db_step(st, err)) == 1)
			if ((rc = add_row(st, c, err)) < 0)
				break;
	}
	db_finalize(st);
	free(full);
	if (rc < 0)
		while (c->n > had)
			conv_drop_last(c);
	return rc < 0 ? rc : 0;
}

/*
 * The first non-blank line of s, trimmed, tabs as spaces, cut to
 * TITLE_MAX characters; NULL when s has no such line.  Malloc'd.
 */
static char *
title_of(const char *s)
{
	struct buf b = BUF_INIT;
	size_t chars = 0;
	const char *e;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strcspn(s, "\r\n");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (; s < e; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && chars++ == TITLE_MAX)
			break;
		buf_addc(&b, *s == '\t' ? ' ' : *s);
	}
	return b.len ? buf_detach(&b) : NULL;
}

int
session_append(struct session_db *sdb, const char *id,
    const struct message *m, struct buf *err)
{
	struct db_stmt *up = NULL, *ins = NULL;
	char *calls = m->ncalls ? conv_calls_to_json(m) : NULL;
	char *title = m->role == MSG_USER ? title_of(m->content) : NULL;
	double ts = m->ts > 0 ? m->ts : now();
	int rc;

	if ((rc = db_begin(sdb->db, err)) < 0)
		goto out;
	up = prep(sdb, "UPDATE sessions SET message_count = message_count + 1,"
	    " tool_call_count = tool_call_count + ?2,"
	    " input_tokens = input_tokens + ?3,"
	    " output_tokens = output_tokens + ?4,"
	    " cached_tokens = cached_tokens + ?5,"
	    " last_activity_at = max(last_activity_at, ?6),"
	    " title = coalesce(title, ?7) WHERE id = ?1", &rc, err);
	if (!up)
		goto out;
	db_bind_text(up, 1, id);
	db_bind_int64(up, 2, (int64_t)m->ncalls);
	db_bind_int64(up, 3, m->usage.input);
	db_bind_int64(up, 4, m->usage.output);
	db_bind_int64(up, 5, m->usage.cached);
	db_bind_double(up, 6, ts);
	db_bind_text(up, 7, title);
	if ((rc = db_step(up, err)) < 0)
		goto out;
	if (db_changes(sdb->db) != 1) {
		rc = hm_fail(err, HM_ENOTFOUND, "no session '%s'", id);
		goto out;
	}
	ins = prep(sdb, "INSERT INTO messages (session_id, role, content, "
	    "tool_calls, tool_call_id, tool_name, finish, input_tokens, "
	    "output_tokens, cached_tokens, ts) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11)", &rc, err);
	if (!ins)
		goto out;
	db_bind_text(ins, 1, id);
	db_bind_text(ins, 2, msg_role_name(m->role));
	db_bind_text(ins, 3, m->content);
	db_bind_text(ins, 4, calls);
	db_bind_text(ins, 5, m->tool_call_id);
	db_bind_text(ins, 6, m->tool_name);
	db_bind_text(ins, 7, m->finish);
	db_bind_int64(ins, 8, m->usage.input);
	db_bind_int64(ins, 9, m->usage.output);
	db_bind_int64(ins, 10, m->usage.cached);
	db_bind_double(ins, 11, ts);
	if ((rc = db_step(ins, err)) < 0)
		goto out;
	rc = db_commit(sdb->db, err);
out:
	db_finalize(up);
	db_finalize(ins);
	if (rc < 0)
		db_rollback(sdb->db);
	free(calls);
	free(title);
	return rc < 0 ? rc : 0;
}

int
session_set_title(struct session_db *sdb, const char *id,
    const char *title, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = prep(sdb, "UPDATE sessions SET title = ?2 WHERE id = ?1", &rc,
	    err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, title);
	rc = db_step(st, err);
	if (rc == 0 && db_changes(sdb->db) != 1)
		rc = hm_fail(err, HM_ENOTFOUND, "no session '%s'", id);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

char *
session_meta_get(struct session_db *sdb, const char *id, const char *key)
{
	struct buf path = BUF_INIT;
	struct db_stmt *st;
	char *v = NULL;
	int rc;

	buf_addf(&path, "$.%s", key);
	st = prep(sdb, "SELECT json_extract(meta, ?2) FROM sessions "
	    "WHERE id = ?1", &rc, NULL);
	if (st) {
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, path.s);
		if (db_step(st, NULL) == 1)
			v = db_column_dup(st, 0);
		db_finalize(st);
	}
	buf_release(&path);
	return v;
}

int
session_meta_set(struct session_db *sdb, const char *id, const char *key,
    const char *value, struct buf *err)
{
	struct buf path = BUF_INIT;
	struct db_stmt *st;
	int rc;

	buf_addf(&path, "$.%s", key);
	st = prep(sdb, value ? "UPDATE sessions SET meta = json_set("
	    "COALESCE(meta, '{}'), ?2, ?3) WHERE id = ?1" :
	    "UPDATE sessions SET meta = json_remove(COALESCE(meta, '{}'), ?2) "
	    "WHERE id = ?1", &rc, err);
	if (!st) {
		buf_release(&path);
		return rc;
	}
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, path.s);
	if (value)
		db_bind_text(st, 3, value);
	rc = db_step(st, err);
	if (rc == 0 && db_changes(sdb->db) != 1)
		rc = hm_fail(err, HM_ENOTFOUND, "no session '%s'", id);
	db_finalize(st);
	buf_release(&path);
	return rc < 0 ? rc : 0;
}

int
session_list(struct session_db *sdb, const char *source, long limit,
    struct session_info **rows, size_t *n, struct buf *err)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	st = prep(sdb, "SELECT " INFO_COLS " FROM sessions WHERE ?1 IS NULL "
	    "OR source = ?1 ORDER BY last_activity_at DESC, id DESC "
	    "LIMIT ?2", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, source);
	db_bind_int64(st, 2, limit > 0 ? limit : -1);
	while ((rc = db_step(st, err)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = xrealloc(*rows, cap * sizeof(**rows));
		}
		fill_info(st, &(*rows)[(*n)++]);
	}
	db_finalize(st);
	if (rc < 0) {
		session_list_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

void
session_list_free(struct session_info *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		session_info_release(&rows[i]);
	free(rows);
}

/*
 * The user's words as an FTS5 expression that cannot be a syntax error:
 * each word becomes a "quoted" string (quotes doubled), all must match;
 * a word ending in * keeps the star outside the quotes, a prefix query.
 */
static void
fts_query(struct buf *q, const char *s)
{
	const char *w, *e;
	int star;

	for (;;) {
		while (*s && strchr(" \t\r\n\f\v", *s))
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && !strchr(" \t\r\n\f\v", *s))
			s++;
		for (e = s; e > w && e[-1] == '*'; e--)
			;
		star = e < s && e > w;
		if (q->len)
			buf_addc(q, ' ');
		buf_addc(q, '"');
		for (; w < e; w++) {
			if (*w == '"')
				buf_addc(q, '"');
			buf_addc(q, *w);
		}
		buf_adds(q, star ? "\"*" : "\"");
	}
}

/*
 * Search in two passes, so the cost follows the hits asked for and not
 * the messages that match.  Pass one reads the newest `window' matches
 * (SESSION_SEARCH_WINDOW, or limit when larger) with their bm25 score:
 * FTS5 walks the doclists backwards from the newest rowid and stops
 * there, instead of scoring and sorting every match.  A query matching
 * fewer messages than that is ranked exactly as a full sort would; a
 * more common one is ranked among its newest matches.  What still grows
 * with the history is bm25's IDF: it counts each word's messages once
 * per query, a doclist walk of some 20 ns a message (10 ms for a word in
 * 500,000).  The candidates are sorted here, best first, and the best
 * `limit' kept.
 *
 * Pass two reads the kept rows only: one more walk of the query between
 * the lowest and the highest kept id, where the IN test (a + keeps it
 * from FTS5, which would run the query once a value) comes before the
 * snippet and the join, so snippet() tokenizes only messages shown.  A
 * row deleted between the passes is dropped.
 */
struct cand {
	int64_t id;
	double score;
	size_t rank;		/* place in the ranked list */
};

static int
cand_by_score(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;	/* newest first */
}

static int
cand_by_id(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Pass one: the newest window matches of q, best first, in *c. */
static int
rank(struct session_db *sdb, const char *q, long window, struct cand **c,
    size_t *n, struct buf *err)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*c = NULL;
	*n = 0;
	st = prep(sdb, "SELECT rowid, bm25(messages_fts) FROM messages_fts "
	    "WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2", &rc,
	    err);
	if (!st)
		return rc;
	db_bind_text(st, 1, q);
	db_bind_int64(st, 2, window);
	while ((rc = db_step(st, err)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*c = xrealloc(*c, cap * sizeof(**c));
		}
		(*c)[*n].id = db_column_int64(st, 0);
		(*c)[(*n)++].score = db_column_double(st, 1);
	}
	db_finalize(st);
	if (rc < 0) {
		free(*c);
		*c = NULL;
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(*c, *n, sizeof(**c), cand_by_score);
	return 0;
}

/* Pass two: the n kept candidates c (sorted by id) into hits by rank. */
static int
fetch(struct session_db *sdb, const char *q, struct cand *c, size_t n,
    struct session_hit *hits, struct buf *err)
{
	struct buf ids = BUF_INIT;
	struct session_hit *h;
	struct cand key, *k;
	struct db_stmt *st;
	size_t i;
	int rc;

	buf_addc(&ids, '[');
	for (i = 0; i < n; i++)
		buf_addf(&ids, "%s%lld", i ? "," : "", (long long)c[i].id);
	buf_addc(&ids, ']');
	st = prep(sdb, "SELECT m.session_id, m.id, m.role, "
	    "snippet(messages_fts, 0, '[', ']', '...', 12), m.ts "
	    "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
	    "WHERE messages_fts MATCH ?1 "
	    "AND messages_fts.rowid BETWEEN ?2 AND ?3 "
	    "AND +messages_fts.rowid IN (SELECT value FROM json_each(?4))",
	    &rc, err);
	if (!st) {
		buf_release(&ids);
		return rc;
	}
	db_bind_text(st, 1, q);
	db_bind_int64(st, 2, c[0].id);
	db_bind_int64(st, 3, c[n - 1].id);
	db_bind_text(st, 4, ids.s);
	while ((rc = db_step(st, err)) == 1) {
		key.id = db_column_int64(st, 1);
		if (!(k = bsearch(&key, c, n, sizeof(*c), cand_by_id)))
			continue;
		h = &hits[k->rank];
		if (h->session)		/* cannot happen: ids are unique */
			continue;
		h->session = db_column_dup(st, 0);
		h->message = (long)key.id;
		h->role = db_column_dup(st, 2);
		h->snippet = db_column_dup(st, 3);
		if (!h->snippet)
			h->snippet = xstrdup("");
		h->ts = db_column_double(st, 4);
	}
	db_finalize(st);
	buf_release(&ids);
	return rc;
}

int
session_search(struct session_db *sdb, const char *query, long limit,
    struct session_hit **hits, size_t *n, struct buf *err)
{
	long window = limit > SESSION_SEARCH_WINDOW ? limit :
	    SESSION_SEARCH_WINDOW;
	struct buf q = BUF_INIT;
	struct cand *c;
	size_t nc, keep, i;
	int rc;

	*hits = NULL;
	*n = 0;
	fts_query(&q, query ? query : "");
	if (!q.len)
		return hm_fail(err, HM_EINVAL, "nothing to search for");
	if ((rc = rank(sdb, q.s, window, &c, &nc, err)) < 0)
		goto out;
	keep = limit > 0 && (size_t)limit < nc ? (size_t)limit : nc;
	if (keep) {
		for (i = 0; i < keep; i++)
			c[i].rank = i;
		qsort(c, keep, sizeof(*c), cand_by_id);
		*hits = xcalloc(keep, sizeof(**hits));
		rc = fetch(sdb, q.s, c, keep, *hits, err);
	}
	for (i = 0; rc == 0 && i < keep; i++)	/* close up deleted rows */
		if ((*hits)[i].session)
			(*hits)[(*n)++] = (*hits)[i];
	if (rc < 0) {
		session_hits_free(*hits, keep);
		*hits = NULL;
	}
	free(c);
out:
	buf_release(&q);
	return rc < 0 ? rc : 0;
}

void
session_hits_free(struct session_hit *hits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(hits[i].session);
		free(hits[i].role);
		free(hits[i].snippet);
	}
	free(hits);
}

/* Run sql with ?1 bound to the text a, or the double t when a is NULL. */
static int
run(struct session_db *sdb, const char *sql, const char *a, double t,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	if (!(st = prep(sdb, sql, &rc, err)))
		return rc;
	if (a)
		db_bind_text(st, 1, a);
	else
		db_bind_double(st, 1, t);
	rc = db_step(st, err);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

int
session_rm(struct session_db *sdb, const char *id, struct buf *err)
{
	char *full;
	int rc;

	if ((rc = db_begin(sdb->db, err)) < 0)
		return rc;
	if ((rc = resolve(sdb, id, &full, err)) < 0)
		goto out;
	if ((rc = run(sdb, "DELETE FROM messages WHERE session_id = ?1",
	    full, 0, err)) == 0 &&
	    (rc = run(sdb, "DELETE FROM sessions WHERE id = ?1", full, 0,
	    err)) == 0)
		rc = db_commit(sdb->db, err);
	free(full);
out:
	if (rc < 0)
		db_rollback(sdb->db);
	return rc;
}

int
session_prune(struct session_db *sdb, double days, long *removed,
    struct buf *err)
{
	double cutoff = now() - days * 86400.0;
	int rc;

	*removed = 0;
	if (!(days >= 0) || !isfinite(days))
		return hm_fail(err, HM_EINVAL, "invalid age '%g' days", days);
	if ((rc = db_begin(sdb->db, err)) < 0)
		return rc;
	if ((rc = run(sdb, "DELETE FROM messages WHERE session_id IN "
	    "(SELECT id FROM sessions WHERE last_activity_at < ?1)", NULL,
	    cutoff, err)) == 0 &&
	    (rc = run(sdb, "DELETE FROM sessions WHERE last_activity_at < ?1",
	    NULL, cutoff, err)) == 0) {
		*removed = db_changes(sdb->db);
		rc = db_commit(sdb->db, err);
	}
	if (rc < 0) {
		*removed = 0;
		db_rollback(sdb->db);
		return rc;
	}
	return *removed > INT_MAX ? INT_MAX : (int)*removed;
}

static void
iso(char *s, size_t size, double t)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(s, size, "%Y-%m-%dT%H:%M:%SZ",
	    &tm))
		snprintf(s, size, "?");
}

static void
json_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *
json_usage(const struct usage *u)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "input", (double)u->input);
	cJSON_AddNumberToObject(o, "output", (double)u->output);
	cJSON_AddNumberToObject(o, "cached", (double)u->cached);
	return o;
}

cJSON *
session_info_json(const struct session_info *s)
{
	cJSON *o = cJSON_CreateObject();
	char t[32];

	cJSON_AddStringToObject(o, "id", s->id);
	iso(t, sizeof(t), s->started);
	cJSON_AddStringToObject(o, "started", t);
	iso(t, sizeof(t), s->last);
	cJSON_AddStringToObject(o, "last", t);
	json_str(o, "source", s->source);
	json_str(o, "model", s->model);
	json_str(o, "title", s->title);
	json_str(o, "cwd", s->cwd);
	json_str(o, "profile", s->profile);
	json_str(o, "parent", s->parent);
	cJSON_AddNumberToObject(o, "messages", (double)s->messages);
	cJSON_AddNumberToObject(o, "tool_calls", (double)s->tool_calls);
	cJSON_AddItemToObject(o, "usage", json_usage(&s->usage));
	return o;
}

cJSON *
session_message_json(const struct message *m)
{
	cJSON *o = cJSON_CreateObject(), *calls;
	char *s = conv_calls_to_json(m);

	cJSON_AddStringToObject(o, "role", msg_role_name(m->role));
	json_str(o, "content", m->content);
	if (!(calls = cJSON_Parse(s)))
		calls = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "tool_calls", calls);
	json_str(o, "tool_call_id", m->tool_call_id);
	json_str(o, "tool_name", m->tool_name);
	json_str(o, "finish", m->finish);
	cJSON_AddItemToObject(o, "usage", json_usage(&m->usage));
	cJSON_AddNumberToObject(o, "ts", m->ts);
	free(s);
	return o;
}
