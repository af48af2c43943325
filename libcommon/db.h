/*
 * db.h: the one door to SQLite.  No other file includes <sqlite3.h>.
 *
 * db_open(path, err) opens or creates a database the way every hermes
 * store wants it, or returns NULL with the reason in err.  A new file is
 * created mode 0600 (its -wal and -shm files inherit the mode); then
 * journal_mode WAL, synchronous NORMAL, foreign_keys on and a busy
 * timeout of 5000 ms, so writers queue instead of failing with
 * "database is locked".  db_open_ro(path, err) opens an existing file
 * read-only and creates or migrates nothing: when no -wal file exists
 * (nobody has it open) it is read as immutable, so not even -shm is
 * made; a missing file is NULL with "No such file or directory" in err.
 *
 * Statements: db_prepare (NULL on error), then bind by 1-based index; a
 * failed bind is kept in the statement and reported by the next db_step.
 * db_step returns 1 for a row, 0 when done, < 0 on error.  Columns are
 * 0-based, as in SQLite.  The const char * of db_column_text is borrowed
 * until the next db_step, db_reset or db_finalize of that statement;
 * db_column_dup returns a malloc'd copy (NULL for SQL NULL).
 * db_finalize(NULL) and db_close(NULL) do nothing.  Prepared statements
 * are cached per connection by their SQL text (up to 24): db_finalize of
 * a cached one resets it for the next db_prepare of the same text, so an
 * agent step does not pay SQLite's parser every time.
 *
 * Transactions: db_begin takes the write lock at once (BEGIN IMMEDIATE),
 * so a read-then-write cannot deadlock; one transaction per action.
 * db_rollback is safe when no transaction is open.
 *
 * db_migrate(db, steps, n, err): steps[i] is the SQL that takes the
 * schema from version i to i + 1 (PRAGMA user_version).  Each step runs
 * in its own IMMEDIATE transaction that re-reads the version first, so
 * two processes opening a fresh database at once apply each step once.
 * A database newer than n steps is an error: its schema is unknown here.
 *
 * Errors name the database path and SQLite's message:
 *	database '/h/state.db': UNIQUE constraint failed: sessions.id
 * Functions returning int give -HM_ECONFLICT (still busy or locked after
 * the timeout), -HM_EIO (the disk or the file said no) or -HM_EFAIL.
 * Nothing here exits.
 */
#ifndef HM_DB_H
#define HM_DB_H

#include <stdint.h>

struct buf;
struct db;
struct db_stmt;

struct db *db_open(const char *path, struct buf *err);
struct db *db_open_ro(const char *path, struct buf *err);
void db_close(struct db *db);
const char *db_path(const struct db *db);

int db_exec(struct db *db, const char *sql, struct buf *err);

struct db_stmt *db_prepare(struct db *db, const char *sql, struct buf *err);
void db_bind_text(struct db_stmt *st, int idx, const char *s);
void db_bind_int64(struct db_stmt *st, int idx, int64_t v);
void db_bind_double(struct db_stmt *st, int idx, double v);
void db_bind_null(struct db_stmt *st, int idx);
int db_step(struct db_stmt *st, struct buf *err);
void db_reset(struct db_stmt *st);
const char *db_column_text(struct db_stmt *st, int col);
char *db_column_dup(struct db_stmt *st, int col);
int64_t db_column_int64(struct db_stmt *st, int col);
double db_column_double(struct db_stmt *st, int col);
int db_column_is_null(struct db_stmt *st, int col);
void db_finalize(struct db_stmt *st);

int db_begin(struct db *db, struct buf *err);
int db_commit(struct db *db, struct buf *err);
void db_rollback(struct db *db);
long db_changes(struct db *db);
int64_t db_last_id(struct db *db);

int db_migrate(struct db *db, const char *const *steps, int n,
    struct buf *err);

#endif
