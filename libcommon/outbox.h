/*
 * outbox.h: the gateway's drop box, $HERMES_HOME/gateway/outbox/ (a
 * Maildir).  Any process may drop a message (hermes-cron --deliver,
 * hermes-gateway send, a script); the gateway delivers it.
 *
 * Files.  One message per file, one JSON object, UTF-8:
 *   {"target": "telegram:12345:678", "text": "the message",
 *    "source": "cron:c_1a2b3c4d", "created": "2026-11-24T08:00:00Z",
 *    "attempts": 2, "error": "telegram: 502 Bad Gateway"}
 *   target    required; "PLATFORM:CHAT[:THREAD]": PLATFORM is lowercase
 *             letters a-z (at most 32), CHAT is non-empty and holds no
 *             ':', THREAD (optional) is the non-empty rest; no control
 *             characters anywhere.
 *   text      required, non-empty; sent as it is (the platform splits
 *             it to its size limit).
 *   source    optional: who dropped it ("cron:JOBID", "cli", ...).
 *   created   optional: when, ISO 8601 in UTC.
 *   attempts  optional, default 0: failed deliveries so far.
 *   error     optional: why the last delivery failed.
 * Other keys are kept when the file is rewritten.  A file is at most
 * OUTBOX_MAX_BYTES.
 *
 * Names.  "STAMP.PID.RANDOM.json": STAMP is the UTC time with
 * nanoseconds, fixed width, "YYYYMMDDTHHMMSS_NNNNNNNNN" (strictly
 * increasing within a process), PID the writer's process id, RANDOM 8
 * hex digits.  Names sort by creation time and outbox_scan lists them
 * in that order.  Otherwise names are opaque: a person or script may
 * drop a file under any name that does not start with '.' (write it as
 * outbox/.NAME first, then rename it to outbox/NAME).
 *
 * Life of a message (each step one rename(2), so at every instant the
 * message is in exactly one place; directories are created mode 0700,
 * files are mode 0600):
 *   outbox/.NAME.XXXXXX   written and fsync'd by atomic_write, then
 *   outbox/NAME           renamed into place: now deliverable; the
 *                         gateway's inotify watch sees IN_MOVED_TO
 *   outbox/cur/NAME       claimed by one consumer (rename: if two try,
 *                         one gets ENOENT and leaves it)
 *   outbox/sent/NAME      delivered; kept as a record, unchanged (no
 *                         one prunes it yet)
 *   outbox/failed/NAME    given up, "error" and "attempts" recorded
 *   outbox/NAME           back for a retry, "error" and "attempts"
 *                         recorded (rewritten in cur/ first, then
 *                         renamed back, so it is never in two places)
 * Dot-names and subdirectories of outbox/ are never messages.  Nothing
 * is locked: rename is the claim.  A consumer that watches outbox/ with
 * watch.h (recursive) is woken by its own moves into cur/, sent/ and
 * failed/ as well; the rescan that follows finds nothing new.
 *
 * outbox_put(target, text, source, &name, err): validates target (a bad
 *   one is -HM_EINVAL naming it) and text (non-empty UTF-8, else
 *   -HM_EINVAL), writes a new file; *name (malloc'd, the caller frees;
 *   name may be NULL) is its file name.  source may be NULL (omitted).
 * outbox_scan(&names, &n, err): the messages waiting in outbox/, sorted
 *   by name (a missing outbox/ is none).  The caller frees each name and
 *   the array (outbox_names_free).
 * outbox_claim(name, &path, err): rename outbox/NAME to outbox/cur/NAME;
 *   *path (malloc'd) is the new path.  -HM_ENOTFOUND when it is gone
 *   (another consumer claimed it first: skip it, not an error), -HM_EINVAL
 *   for a name with '/', a leading '.', or "cur", "sent", "failed".
 * outbox_read(path, &m, err): parse a claimed file into m (release with
 *   outbox_msg_release; after a failure m is empty and releasing it is
 *   harmless).  A malformed file (not a JSON object, no valid target, no
 *   text, a key of the wrong type, a symlink, over OUTBOX_MAX_BYTES) is
 *   -HM_EINVAL naming it: hand it to outbox_fail(path, err.s, 0, ...) to
 *   move it aside (outbox_fail never retries such a file anyway).
 * outbox_done(path, err): delivered: cur/NAME -> sent/NAME.
 * outbox_fail(path, error, retry, err): a delivery failed: attempts + 1
 *   and error (NULL: "unknown error") are written into the file, which
 *   then goes back to outbox/ (retry) or to failed/ (!retry).  A file
 *   that outbox_read refuses is never retried; one that is not a JSON
 *   object is wrapped as {"raw": "the old contents", "attempts": 1,
 *   "error": ...}; one that cannot be rewritten (a symlink, too large)
 *   is moved as it is.  A retry is deliverable at once and wakes the
 *   watcher at once: the caller decides how often to retry (m.attempts)
 *   and how long to wait first.
 * outbox_recover(&n, err): move everything in cur/ back to outbox/ (n:
 *   how many).  Only for a sole consumer at start-up (the gateway, under
 *   its single-instance lock), after a crash left claims behind: delivery
 *   is at least once, so such a message may be sent twice.
 * outbox_parse_target(target, &m, err): validation as in outbox_put;
 *   zeroes m, then fills m->target, m->platform, m->chat and m->thread
 *   (NULL when none); release with outbox_msg_release.  For callers that
 *   check a target before they use it (cron add --deliver, send).
 * outbox_mkdirs(err): create outbox/ and its cur/ sent/ failed/ (0700)
 *   if missing; a consumer calls it before watch_open(outbox_dir(NULL)),
 *   which needs the directory to exist.
 * outbox_dir(sub): the path of outbox/ (sub NULL) or of outbox/SUB,
 *   malloc'd.
 *
 * Every int function returns 0, or a negative -HM_E* with one line in
 * err.
 * All strings in struct outbox_msg are malloc'd and owned by it.
 */
#ifndef HM_OUTBOX_H
#define HM_OUTBOX_H

#include <stddef.h>

#define OUTBOX_MAX_BYTES	(1024 * 1024)

struct buf;

struct outbox_msg {
	char *target;		/* "PLATFORM:CHAT[:THREAD]" */
	char *platform;		/* "telegram" */
	char *chat;		/* "12345" */
	char *thread;		/* NULL when none */
	char *text;
	char *source;		/* NULL when absent */
	char *created;		/* NULL when absent */
	char *error;		/* NULL when absent */
	long attempts;		/* 0 when absent */
};

int outbox_put(const char *target, const char *text, const char *source,
    char **name, struct buf *err);
int outbox_scan(char ***names, size_t *n, struct buf *err);
void outbox_names_free(char **names, size_t n);
int outbox_claim(const char *name, char **path, struct buf *err);
int outbox_read(const char *path, struct outbox_msg *m, struct buf *err);
void outbox_msg_release(struct outbox_msg *m);
int outbox_done(const char *path, struct buf *err);
int outbox_fail(const char *path, const char *error, int retry,
    struct buf *err);
int outbox_recover(size_t *n, struct buf *err);
int outbox_parse_target(const char *target, struct outbox_msg *m,
    struct buf *err);
int outbox_mkdirs(struct buf *err);
char *outbox_dir(const char *sub);

#endif
