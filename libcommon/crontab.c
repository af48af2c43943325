/*
 * crontab.c: add or remove hermes-cron's line through crontab(1)
 * (crontab.h).  The current table is read with `crontab -l` into a
 * temporary file, edited as lines, and handed back with `crontab FILE`,
 * which replaces the table in one step: a failure leaves it as it was.
 */
#include <sys/wait.h>
#include <fcntl.h>

#include "common.h"
#include "crontab.h"
#include "path.h"
#include "proc.h"

#define MARK	"# hermes-cron"

static void
quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

char *
crontab_line(const char *bin)
{
	struct buf b = BUF_INIT, log = BUF_INIT;

	buf_adds(&b, "* * * * * HERMES_HOME=");
	quote(&b, hm_home());
	buf_addc(&b, ' ');
	quote(&b, bin);
	buf_adds(&b, " tick >>");
	buf_addf(&log, "%s/logs/cron.log", hm_home());
	quote(&b, log.s);
	buf_adds(&b, " 2>&1 " MARK);
	buf_release(&log);
	return buf_detach(&b);
}

/* Is line ours, for this HERMES_HOME? */
static int
ours(const char *line, size_t n)
{
	struct buf home = BUF_INIT;
	int r;

	buf_adds(&home, "HERMES_HOME=");
	quote(&home, hm_home());
	buf_addc(&home, ' ');
	r = n >= sizeof(MARK) - 1 && !memcmp(line + n - (sizeof(MARK) - 1),
	    MARK, sizeof(MARK) - 1) && memmem(line, n, home.s, home.len);
	buf_release(&home);
	return r;
}

static int
run(char *const *argv, int in, int out, int *st, struct buf *err)
{
	struct proc_spec ps;
	int pid;

	memset(&ps, 0, sizeof(ps));
	ps.argv = argv;
	ps.in = in;
	ps.out = out;
	ps.errfd = out;
	if ((pid = proc_spawn(&ps, err)) < 0)
		return pid;
	proc_wait(pid, -1, st);
	return 0;
}

static int
tmp(char *path)
{
	snprintf(path, 64, "%s/hermes-crontab-XXXXXX", getenv("TMPDIR") &&
	    strlen(getenv("TMPDIR")) < 30 ? getenv("TMPDIR") : "/tmp");
	return mkostemp(path, O_CLOEXEC);
}

/* The current table into cur. */
static int
read_table(struct buf *cur, struct buf *err)
{
	char *argv[] = { "crontab", "-l", NULL }, path[64];
	int fd = tmp(path), st = 0, rc;

	if (fd < 0)
		return hm_fail(err, HM_EIO, "cannot create '%s': %s", path,
		    strerror(errno));
	unlink(path);
	rc = run(argv, -1, fd, &st, err);
	if (rc == 0) {
		lseek(fd, 0, SEEK_SET);
		buf_read_fd(cur, fd);
		if (WIFEXITED(st) && WEXITSTATUS(st) &&
		    strstr(buf_str(cur), "no crontab for")) {
			buf_reset(cur);
		} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			buf_rtrim(cur);
			rc = hm_fail(err, HM_EFAIL, "crontab -l failed: %s",
			    cur->len ? cur->s : "no message");
		}
	}
	close(fd);
	return rc;
}

static int
write_table(const struct buf *t, struct buf *err)
{
	char path[64], *argv[] = { "crontab", path, NULL };
	int fd = tmp(path), st = 0, rc;

	if (fd < 0)
		return hm_fail(err, HM_EIO, "cannot create '%s': %s", path,
		    strerror(errno));
	if (write(fd, t->s ? t->s : "", t->len) != (ssize_t)t->len) {
		close(fd);
		unlink(path);
		return hm_fail(err, HM_EIO, "cannot write '%s': %s", path,
		    strerror(errno));
	}
	close(fd);
	rc = run(argv, -1, -1, &st, err);
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st)))
		rc = hm_fail(err, HM_EFAIL, "crontab refused the new table "
		    "(exit %d); nothing changed", WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st));
	unlink(path);
	return rc;
}

static int
edit(const char *bin, int *changed, struct buf *err)
{
	struct buf cur = BUF_INIT, next = BUF_INIT;
	const char *p, *e;
	char *line;
	int rc, found = 0;

	*changed = 0;
	if ((rc = read_table(&cur, err)) < 0)
		goto out;
	for (p = buf_str(&cur); *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, '\n');
		if (ours(p, (size_t)(e - p))) {
			found = 1;
			if (!bin)
				continue;	/* uninstall: drop it */
		}
		buf_add(&next, p, (size_t)(e - p));
		buf_addc(&next, '\n');
	}
	if (bin && !found) {
		line = crontab_line(bin);
		buf_addf(&next, "%s\n", line);
		free(line);
	}
	if ((bin && found) || (!bin && !found))
		goto out;	/* nothing to do */
	if ((rc = write_table(&next, err)) == 0)
		*changed = 1;
out:
	buf_release(&cur);
	buf_release(&next);
	return rc;
}

int
crontab_install(const char *bin, int *changed, struct buf *err)
{
	return edit(bin, changed, err);
}

int
crontab_uninstall(int *changed, struct buf *err)
{
	return edit(NULL, changed, err);
}
