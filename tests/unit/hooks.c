/*
 * hooks.c: unit tests for libcommon/hooks.c.  Shell-script hooks in
 * $HERMES_HOME/hooks/ that allow (and see the JSON and their event),
 * block with exit 2 and a reason, block with a flood of stderr (capped),
 * fail with exit 1, crash (kill -SEGV themselves), hang (the timeout
 * kills the whole group, background children too), ignore a 1 MB stdin
 * (EPIPE, with SIGPIPE at its default here, so a signal would kill the
 * test), are missing, are not executable, or name a missing interpreter.
 * This process is made a child subreaper so that the hanging hook's
 * orphan comes back to us and we can see how it died (test_hang says
 * why it is an orphan before the hook hangs).
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ftw.h>
#include <signal.h>

#include "common.h"
#include "hooks.h"
#include "num.h"
#include "path.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-hooks.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
hpath(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", home, rel);
	return buf_detach(&b);
}

static void
hook(const char *event, const char *body, mode_t mode)
{
	char *p;
	struct buf rel = BUF_INIT;
	FILE *f;

	buf_addf(&rel, "hooks/%s", event);
	p = hpath(rel.s);
	unlink(p);
	f = fopen(p, "w");
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, mode);
	free(p);
	buf_release(&rel);
}

static int
run(const char *event, const char *json, long ms, struct buf *reason,
    struct buf *err)
{
	buf_reset(reason);
	buf_reset(err);
	return hooks_run(event, json, ms, reason, err);
}

static char *
slurp(const char *rel)
{
	struct buf b = BUF_INIT;
	char *p = hpath(rel);

	buf_read_file(&b, p);
	free(p);
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b);
}

/*
 * The hook's background child is started by a subshell that exits at
 * once, so before the hook hangs (in its own exec'd sleep) the child is
 * an orphan, and ours: we are the subreaper.  It used to be the hook
 * shell's own child, and then who reaped it was a race: the group's
 * SIGKILL could wake the shell in wait() with the child already dead,
 * and the kernel let the shell reap it before the shell died, so it
 * never came back to us, the test waited 5 s for ECHILD to end and then
 * sent SIGKILL to a pid that could by then be anyone's.  Now no one but
 * us can reap it, and we only ever signal it while it is our child.
 */
static void
test_hang(struct buf *reason, struct buf *err)
{
	char *s;
	long bg = 0;
	int st = 0, i, rc;
	pid_t w = 0;

	hook("turn-end", "( sleep 1000 & echo $! > \"$HERMES_HOME/bgpid\" )\n"
	    "exec sleep 1000", 0755);
	/* 1.5 s: room for the subshell to start under load */
	rc = run("turn-end", "{}", 1500, reason, err);
	ok(rc < 0, "a hanging hook is an error (%d)", rc);
	ok(strstr(buf_str(err), "timed out") != NULL, "err: %s",
	    buf_str(err));
	s = slurp("bgpid");
	s[strcspn(s, "\n")] = '\0';
	ok(hm_parse_long(s, 1, INT_MAX, &bg) == 0, "its child wrote pid %s",
	    s);
	free(s);
	/* ours already (0 while the SIGKILL is on its way), or never */
	for (i = 0; bg > 0 && i < 500; i++) {
		if ((w = waitpid((pid_t)bg, &st, WNOHANG)) != 0 || (w < 0 &&
		    errno != EINTR))
			break;
		usleep(10000);
	}
	ok(w == (pid_t)bg && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	    "the background child was killed with the group (waitpid %d, "
	    "status %#x, %s)", (int)w, st, w < 0 ? strerror(errno) : "-");
	if (w == 0) {		/* alive and still our child: safe to kill */
		kill((pid_t)bg, SIGKILL);
		while (waitpid((pid_t)bg, &st, 0) < 0 && errno == EINTR)
			;
	}
}

int
main(void)
{
	struct buf reason = BUF_INIT, err = BUF_INIT, big = BUF_INIT;
	struct rlimit nocore = { 0, 0 };
	char *s, *d;
	FILE *f;
	int rc;

	signal(SIGPIPE, SIG_DFL);
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (!mkdtemp(home))
		return 1;
	setenv("HERMES_HOME", home, 1);
	if (hm_home_init(&err) < 0)
		return 1;

	is_int(run("pre-tool", "{}", 1000, &reason, &err), 0,
	    "no hooks directory: allowed");
	d = hpath("hooks");
	mkdir(d, 0700);
	free(d);
	is_int(run("pre-tool", "{}", 1000, &reason, &err), 0,
	    "missing hook: allowed");
	is_int(run("pre-toll", "{}", 1000, &reason, &err), -HM_EINVAL,
	    "an unknown event is refused");

	hook("pre-tool", "cat > \"$HERMES_HOME/got\"\n"
	    "echo \"$1\" > \"$HERMES_HOME/event\"\nexit 0", 0755);
	is_int(run("pre-tool", "{\"tool\":\"terminal\"}", 5000, &reason,
	    &err), 0, "a hook that exits 0 allows");
	s = slurp("got");
	is_str(s, "{\"tool\":\"terminal\"}", "it read the JSON on stdin");
	free(s);
	s = slurp("event");
	is_str(s, "pre-tool\n", "its argument is the event");
	free(s);

	hook("pre-tool", "cat >/dev/null\necho '  no rm today  ' >&2\n"
	    "exit 2", 0755);
	is_int(run("pre-tool", "{}", 5000, &reason, &err), HOOKS_BLOCK,
	    "exit 2 blocks");
	is_str(buf_str(&reason), "no rm today", "reason is stderr, trimmed");

	hook("pre-tool", "exit 2", 0755);
	is_int(run("pre-tool", "{}", 5000, &reason, &err), HOOKS_BLOCK,
	    "exit 2 without a word blocks");
	is_str(buf_str(&reason), "blocked by the pre-tool hook",
	    "with a default reason");

	hook("pre-tool", "i=0; while [ $i -lt 200 ]; do\n"
	    "echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' >&2\n"
	    "i=$((i+1)); done; exit 2", 0755);
	is_int(run("pre-tool", "{}", 5000, &reason, &err), HOOKS_BLOCK,
	    "a flood of stderr still blocks");
	ok(reason.len > 0 && reason.len <= HOOKS_ERR_MAX,
	    "the reason is capped (%zu bytes)", reason.len);

	hook("post-tool", "echo 'disk full' >&2; exit 1", 0755);
	rc = run("post-tool", "{}", 5000, &reason, &err);
	ok(rc < 0 && rc != -HM_EINVAL, "exit 1 is a broken hook (%d)", rc);
	ok(strstr(buf_str(&err), "exit status 1: disk full") != NULL,
	    "err: %s", buf_str(&err));
	is_int(reason.len, 0, "and no block reason");

	hook("post-tool", "kill -SEGV $$", 0755);
	rc = run("post-tool", "{}", 5000, &reason, &err);
	ok(rc < 0, "a crashing hook is an error (%d)", rc);
	ok(strstr(buf_str(&err), "signal 11") != NULL, "err: %s",
	    buf_str(&err));

	test_hang(&reason, &err);

	while (big.len < 1024 * 1024)
		buf_adds(&big, "{\"pad\":\"0123456789abcdef0123456789\"}\n");
	hook("pre-tool", "exit 0", 0755);
	is_int(run("pre-tool", big.s, 5000, &reason, &err), 0,
	    "a hook that ignores 1 MB of stdin: allowed, and we live");
	hook("pre-tool", "echo nope >&2; exit 2", 0755);
	is_int(run("pre-tool", big.s, 5000, &reason, &err), HOOKS_BLOCK,
	    "ignoring stdin and blocking");
	is_str(buf_str(&reason), "nope", "reason survives the EPIPE");
	hook("pre-tool", "head -c 10 >/dev/null; sleep 0.2; exit 0", 0755);
	is_int(run("pre-tool", big.s, 5000, &reason, &err), 0,
	    "a hook that reads a little, then waits");

	hook("pre-tool", "exit 2", 0644);
	is_int(run("pre-tool", "{}", 5000, &reason, &err), 0,
	    "a hook that is not executable is not run");

	s = hpath("hooks/turn-end");
	f = fopen(s, "w");
	fputs("#!/nonexistent/interpreter\n", f);
	fclose(f);
	free(s);
	rc = run("turn-end", "{}", 5000, &reason, &err);
	ok(rc < 0, "a hook that cannot execute is an error (%d)", rc);
	ok(strstr(buf_str(&err), "cannot execute") != NULL, "err: %s",
	    buf_str(&err));

	hook("turn-end", "sleep 0.2; exit 0", 0755);
	is_int(run("turn-end", "{}", 0, &reason, &err), 0,
	    "timeout 0 means the default, not instant failure");

	nftw(home, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	buf_release(&reason);
	buf_release(&err);
	buf_release(&big);
	return done_testing();
}
