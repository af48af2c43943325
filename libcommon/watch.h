/*
 * watch.h: wait until something changes under a few directories
 * (inotify).  An event is a reason to rescan, never data: the directory
 * is the truth, events can be lost, and a wake-up may find nothing new.
 *
 * watch_open(&w, dirs, err): watch each directory of the NULL-terminated
 *   list and every subdirectory below it, for IN_CLOSE_WRITE,
 *   IN_MOVED_TO, IN_CREATE, IN_DELETE and IN_MOVED_FROM.  Subdirectories
 *   created or moved in later are added as their events are read.  A
 *   directory that does not exist is -HM_ENOTFOUND (create it first);
 *   other failures (the inotify watch limit, EMFILE) are -HM_EIO.
 * watch_wait(w, timeout_ms, err): block until a change (1), the timeout
 *   (0; timeout_ms < 0 waits for ever, 0 only polls) or a signal that
 *   set sig_interrupted (0 at once, also when the flag was set before
 *   the call; install the handler with sig_catch_interrupt()).  The
 *   events queued at that moment are drained, so a burst is one wake-up.
 *   A change is any watched event on a name that does not start with
 *   '.' (the caller's own renames and deletes included), or
 *   IN_Q_OVERFLOW (events were lost: rescan everything).  Events on
 *   dot-names (temp files of atomic_write, ".NAME" drop-box files)
 *   neither wake nor count, and dot-directories get no watch.  A
 *   directory given to watch_open that is removed is -HM_ENOTFOUND
 *   (close the watch); a failure to read events or to watch a new
 *   subdirectory is -HM_EIO.  Directories are resolved with realpath(3)
 *   at open, and messages name them so.
 * watch_close(w): removes every watch and frees w; NULL is ignored.
 *
 * libinotifytools keeps global state, so only one struct watch may be
 * open at a time in a process: a second watch_open fails with -HM_EFAIL
 * until the first is closed.  The inotify descriptor is close-on-exec,
 * so children do not inherit it.  Not for use from several threads.
 *
 * Signals: inside watch_wait SIGINT and SIGTERM are blocked except
 * while it sleeps (ppoll), so one that arrives at any moment ends the
 * wait; the caller's mask is restored on return.  Other signals do not
 * end the wait.
 *
 * Limits: a directory renamed out of the tree loses its watches, one
 * renamed in gains them, but events already queued for it still count;
 * each directory costs one inotify watch (fs.inotify.max_user_watches).
 */
#ifndef HM_WATCH_H
#define HM_WATCH_H

struct buf;
struct watch;

int watch_open(struct watch **w, const char *const *dirs, struct buf *err);
int watch_wait(struct watch *w, long timeout_ms, struct buf *err);
void watch_close(struct watch *w);

#endif
