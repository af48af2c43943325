/*
 * sig.h: signals.  Handlers only set a flag or unlink the one registered
 * temp file and re-raise (async-signal-safe).
 *
 * sig_cleanup_on_exit(): SIGINT/SIGTERM/SIGHUP unlink the temp file that
 * atomic_write has registered, then kill us with the same signal.  Every
 * command gets this from hm_init.
 * sig_catch_interrupt(): SIGINT and SIGTERM only set sig_interrupted (and
 * SIGTERM sig_terminated); the loop checks it, saves its work and exits
 * 130 (hermes-ask, daemons).  The chat goes back to its prompt after a
 * SIGINT but leaves on SIGTERM.
 * sig_catch_hangup(): SIGHUP only sets sig_hangup, which the caller
 * clears once it has acted (the gateway re-reads its config).
 * sig_tempfile(path) registers (NULL clears) the temp file; the path is
 * copied into a static array so the handler never touches the heap.
 */
#ifndef HM_SIG_H
#define HM_SIG_H

#include <signal.h>

extern volatile sig_atomic_t sig_interrupted;
extern volatile sig_atomic_t sig_terminated;	/* SIGTERM: leave, too */
extern volatile sig_atomic_t sig_hangup;	/* SIGHUP: reload */

void sig_cleanup_on_exit(void);
void sig_catch_interrupt(void);
void sig_catch_hangup(void);
void sig_tempfile(const char *path);

#endif
