/*
 * approve.h: the command policy the terminal tool consults before it runs
 * anything.
 *
 * approve_command() splits the command as sh(1) would (quotes, escapes,
 * ; && || | & and newlines, $(...), `...` and <(...) recursed into,
 * sh -c / bash -c / su -c / eval / env -S / find -exec / here-documents
 * and echo ... | sh recursed into, leading VAR=x and reserved words
 * skipped, sudo env nice nohup timeout xargs and other wrappers skipped)
 * and matches rules on the words, never on substrings: `echo "rm -rf /"`
 * and `grep mkfs notes.txt` are harmless.  Three outcomes:
 *   hardline: nothing overrides it, not the allowlist, not the session,
 *     not approvals.mode = off: recursive rm of /, ~, $HOME or a
 *     top-level system directory; fork bombs; mkfs; writes onto disk
 *     devices (/dev/sd* nvme* vd* mmcblk* hd* xvd* disk/ mapper/);
 *     shutdown, reboot, halt, poweroff; writes onto $HERMES_HOME/.env;
 *     chmod -R 777 of / or a top-level directory.  APPROVE_DENY.
 *   dangerous: recursive rm, find -delete, chmod -R or world-writable,
 *     chown/chgrp -R, a download piped to or run by a shell, writes under
 *     /etc or ~/.ssh or onto hermes' own policy files (config,
 *     command_allowlist, hooks/), git push --force / reset --hard /
 *     clean -f, kill -1, killall, DROP/TRUNCATE or DELETE without WHERE
 *     in a SQL client, crontab -r, iptables -F, nesting too deep to
 *     check.  Allowed when approvals.mode = off, when every dangerous
 *     part is allowlisted, or when this exact command was approved for
 *     the session; else APPROVE_ASK when interactive and mode = ask,
 *     else APPROVE_DENY.
 *   anything else: APPROVE_ALLOW.
 * why receives one line naming the rule that decided: for APPROVE_ASK
 * the bare reason ("recursive rm ('rm -rf build')"); for APPROVE_DENY one
 * sentence that says it once, "REASON; nothing can allow it" (hardline)
 * or "REASON needs approval, and approvals.mode is deny" / "..., and
 * nobody is there to give it (see approvals.mode and command_allowlist)".
 *
 * $HERMES_HOME/command_allowlist: one entry a line, an exact command or
 * a prefix ending in " *" ("git push *" matches "git push" and
 * "git push -f origin"); blank lines and '#' lines are ignored.  Prefixes
 * are matched against each dangerous simple command (its words joined by
 * one space, wrappers included), so "git push *" does not
 * let "git push; rm -rf build" through.  Appends hold
 * flock(.command_allowlist.lock) and replace the file with atomic_write.
 *
 * approve_ask() asks on /dev/tty, never stdin: "[o]nce, [s]ession,
 * [a]lways, [d]eny", 300 s, then deny.  Returns APPROVE_ALLOW or
 * APPROVE_DENY; on deny err says why as the end of a sentence ("the user
 * denied it", "no answer came in 300 s", "nobody is there to give it
 * ...", "it could not be asked on '/dev/tty': ...").
 * approve_decide() is both steps, what the terminal tool calls: ALLOW or
 * DENY, and for DENY why holds the one sentence the model is shown after
 * "blocked by the safety policy: ", e.g. "recursive rm ('rm -rf x') needs
 * approval, and the user denied it".
 * approve_remember(a, cmd, always, err): what [s] and [a] do.
 *
 * The struct owns every string in it; approve_release() frees them.
 */
#ifndef HM_APPROVE_H
#define HM_APPROVE_H

#include <stddef.h>

struct buf;
struct config;

enum { APPROVE_ALLOW, APPROVE_DENY, APPROVE_ASK };
enum { APPROVE_MODE_ASK, APPROVE_MODE_DENY, APPROVE_MODE_OFF };

struct approve {
	int mode;		/* APPROVE_MODE_* */
	int interactive;	/* a person can answer on /dev/tty */
	char *listpath;		/* $HERMES_HOME/command_allowlist */
	char *home;		/* $HERMES_HOME, normalised */
	char **allow;		/* allowlist entries */
	size_t nallow;
	char **session;		/* exact commands approved for the session */
	size_t nsession;
};

int approve_init(struct approve *a, const struct config *cfg,
    int interactive, struct buf *err);
int approve_command(struct approve *a, const char *cmd, struct buf *why);
int approve_ask(struct approve *a, const char *cmd, const char *why,
    struct buf *err);
int approve_decide(struct approve *a, const char *cmd, struct buf *why);
int approve_remember(struct approve *a, const char *cmd, int always,
    struct buf *err);
void approve_release(struct approve *a);

#endif
