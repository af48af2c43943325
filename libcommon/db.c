/*
 * db.c: SQLite behind a small interface; see db.h.
 *
 * On disk: one database file, and while it is open in WAL mode its -wal
 * and -shm companions.  SQLite does the locking (POSIX advisory locks on
 * the file and the shared-memory index); we only ask for WAL, a busy
 * timeout and BEGIN IMMEDIATE, which together let many processes read
 * while one writes, and make a second writer wait its turn instead of
 * failing.  The file is pre-created with mode 0600 because SQLite would
 * make it 0644, and it copies the database's mode to -wal and -shm.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <sqlite3.h>

#include "common.h"
#include "db.h"

#define DB_BUSY_MS 5000

#define DB_CACHE 24	/* prepared statements kept per connection */

struct db_cached {
	char *sql;
	sqlite3_stmt *st;
	int busy;	/* handed out and not yet finalized */
};

struct db {
	sqlite3 *h;
	char *path;
	struct db_cached cache[DB_CACHE];
	int ncache;
};

struct db_stmt {
	struct db *db;
	sqlite3_stmt *st;
	struct db_cached *cached;	/* NULL: finalize for real */
	int bind_rc;	/* first failed bind, SQLITE_OK when none */
	int bind_idx;
};

static int
code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return HM_ECONFLICT;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return HM_EIO;
	default:
		return HM_EFAIL;
	}
}

/* Fail with the path and SQLite's message for rc. */
static int
fail(struct db *db, int rc, struct buf *err)
{
	const char *msg = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

	return hm_fail(err, code_of(rc), "database '%s': %s", db->path,
	    msg && *msg ? msg : sqlite3_errstr(rc));
}

/* Create path mode 0600 unless it exists; SQLite then opens it. */
static int
precreate(const char *path, struct buf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 && errno != EEXIST)
		return hm_fail(err, HM_EIO, "cannot create '%s': %s", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Open name (a path or a URI) for the database at path. */
static struct db *
open_flags(const char *name, const char *path, int flags, struct buf *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int rc;

	db->path = xstrdup(path);
	rc = sqlite3_open_v2(name, &db->h, flags, NULL);
	if (rc != SQLITE_OK) {
		fail(db, rc, err);
		db_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	return db;
}

struct db *
db_open(const char *path, struct buf *err)
{
	struct db *db;

	if (precreate(path, err) < 0)
		return NULL;
	db = open_flags(path, path, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, err);
	if (!db)
		return NULL;
	if (db_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;", err) < 0) {
		db_close(db);
		return NULL;
	}
	/* Short-lived commands (a claim, a tick) would otherwise checkpoint
	 * and fsync the whole WAL at every close; SQLite's automatic
	 * checkpoint (every 1000 pages) still keeps the WAL small. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	return db;
}

/* "file:PATH?immutable=1", PATH percent-encoded as a URI wants. */
static char *
immutable_uri(const char *path)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;

	buf_adds(&b, "file:");
	for (p = (const unsigned char *)path; *p; p++) {
		if (strchr("/._~-", *p) || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			buf_addc(&b, *p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	buf_adds(&b, "?immutable=1");
	return buf_detach(&b);
}

/*
 * Read-only.  With no -wal file no connection has the database open and
 * all of it is in the main file, so read it as immutable: SQLite then
 * makes no -wal or -shm (a plain read-only open of a WAL database would
 * create both and, unable to check-point, leave them behind).  With a
 * -wal file, read through it as any WAL reader does.
 */
struct db *
db_open_ro(const char *path, struct buf *err)
{
	struct buf wal = BUF_INIT;
	struct stat st;
	struct db *db;
	char *uri;

	if (stat(path, &st) < 0) {
		hm_fail(err, errno == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf_addf(&wal, "%s-wal", path);
	if (stat(wal.s, &st) < 0 && errno == ENOENT) {
		uri = immutable_uri(path);
		db = open_flags(uri, path, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI, err);
		free(uri);
	} else {
		db = open_flags(path, path, SQLITE_OPEN_READONLY, err);
	}
	buf_release(&wal);
	return db;
}

void
db_close(struct db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i].st);
		free(db->cache[i].sql);
	}
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

const char *
db_path(const struct db *db)
{
	return db->path;
}

int
db_exec(struct db *db, const char *sql, struct buf *err)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(db, rc, err);
}

struct db_stmt *
db_prepare(struct db *db, const char *sql, struct buf *err)
{
	struct db_cached *c = NULL;
	struct db_stmt *st;
	sqlite3_stmt *s = NULL;
	int rc, i;

	/* Preparing costs more than most of our statements take to run:
	 * keep them, keyed by their text, and reset them on finalize. */
	for (i = 0; i < db->ncache; i++) {
		if (!db->cache[i].busy && !strcmp(db->cache[i].sql, sql)) {
			c = &db->cache[i];
			s = c->st;
			break;
		}
	}
	if (!c) {
		rc = sqlite3_prepare_v2(db->h, sql, -1, &s, NULL);
		if (rc != SQLITE_OK) {
			fail(db, rc, err);
			sqlite3_finalize(s);
			return NULL;
		}
		if (db->ncache < DB_CACHE) {
			c = &db->cache[db->ncache++];
			c->sql = xstrdup(sql);
			c->st = s;
		}
	}
	if (c)
		c->busy = 1;
	st = xcalloc(1, sizeof(*st));
	st->db = db;
	st->st = s;
	st->cached = c;
	st->bind_rc = SQLITE_OK;
	return st;
}

static void
bound(struct db_stmt *st, int idx, int rc)
{
	if (rc != SQLITE_OK && st->bind_rc == SQLITE_OK) {
		st->bind_rc = rc;
		st->bind_idx = idx;
	}
}

void
db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (!s)
		bound(st, idx, sqlite3_bind_null(st->st, idx));
	else
		bound(st, idx, sqlite3_bind_text(st->st, idx, s, -1,
		    SQLITE_TRANSIENT));
}

void
db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	bound(st, idx, sqlite3_bind_int64(st->st, idx, (sqlite3_int64)v));
}

void
db_bind_double(struct db_stmt *st, int idx, double v)
{
	bound(st, idx, sqlite3_bind_double(st->st, idx, v));
}

void
db_bind_null(struct db_stmt *st, int idx)
{
	bound(st, idx, sqlite3_bind_null(st->st, idx));
}

int
db_step(struct db_stmt *st, struct buf *err)
{
	int rc;

	if (st->bind_rc != SQLITE_OK)
		return hm_fail(err, HM_EFAIL, "database '%s': cannot bind "
		    "parameter %d: %s", st->db->path, st->bind_idx,
		    sqlite3_errstr(st->bind_rc));
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail(st->db, rc, err);
}

void
db_reset(struct db_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	st->bind_rc = SQLITE_OK;
}

const char *
db_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

char *
db_column_dup(struct db_stmt *st, int col)
{
	const char *s = db_column_text(st, col);

	return s ? xstrdup(s) : NULL;
}

int64_t
db_column_int64(struct db_stmt *st, int col)
{
	return (int64_t)sqlite3_column_int64(st->st, col);
}

double
db_column_double(struct db_stmt *st, int col)
{
	return sqlite3_column_double(st->st, col);
}

int
db_column_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

void
db_finalize(struct db_stmt *st)
{
	if (!st)
		return;
	if (st->cached) {
		sqlite3_reset(st->st);
		sqlite3_clear_bindings(st->st);
		st->cached->busy = 0;
	} else {
		sqlite3_finalize(st->st);
	}
	free(st);
}

/* A statement without rows, through the cache. */
static int
run_cached(struct db *db, const char *sql, struct buf *err)
{
	struct db_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (!st)
		return -HM_EFAIL;
	rc = db_step(st, err);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

int
db_begin(struct db *db, struct buf *err)
{
	return run_cached(db, "BEGIN IMMEDIATE", err);
}

int
db_commit(struct db *db, struct buf *err)
{
	int rc = run_cached(db, "COMMIT", err);

	if (rc < 0)
		db_rollback(db);
	return rc;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

long
db_changes(struct db *db)
{
	return (long)sqlite3_changes(db->h);
}

int64_t
db_last_id(struct db *db)
{
	return (int64_t)sqlite3_last_insert_rowid(db->h);
}

static int
user_version(struct db *db, int *v, struct buf *err)
{
	struct db_stmt *st = db_prepare(db, "PRAGMA user_version", err);
	int rc;

	if (!st)
		return -HM_EFAIL;
	rc = db_step(st, err);
	*v = rc == 1 ? (int)db_column_int64(st, 0) : 0;
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Apply step i (version i -> i + 1) unless another process already did. */
static int
migrate_one(struct db *db, const char *sql, int i, struct buf *err)
{
	char bump[64];
	int rc, v;

	if ((rc = db_begin(db, err)) < 0)
		return rc;
	if ((rc = user_version(db, &v, err)) < 0)
		goto fail;
	if (v > i) {
		db_rollback(db);
		return 0;
	}
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", i + 1);
	if ((rc = db_exec(db, sql, err)) < 0 ||
	    (rc = db_exec(db, bump, err)) < 0)
		goto fail;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return rc;
}

int
db_migrate(struct db *db, const char *const *steps, int n,
    struct buf *err)
{
	int rc, v, i;

	if ((rc = user_version(db, &v, err)) < 0)
		return rc;
	if (v > n)
		return hm_fail(err, HM_EFAIL, "database '%s' has schema "
		    "version %d; this hermes knows up to %d", db->path, v, n);
	for (i = v; i < n; i++)
		if ((rc = migrate_one(db, steps[i], i, err)) < 0)
			return rc;
	return 0;
}
