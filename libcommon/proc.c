/* proc.c: fork/exec/wait without a shell of our own making. */
#include <sys/wait.h>
#include <fcntl.h>

#include "common.h"
#include "proc.h"

int
proc_run(char *const argv[], int *status)
{
	pid_t pid, w;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return w < 0 ? -1 : 0;
}

int
proc_editor(const char *path, struct buf *err)
{
	const char *ed = getenv("VISUAL");
	struct buf cmd = BUF_INIT;
	char *argv[6];
	int st, rc;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	buf_addf(&cmd, "%s \"$@\"", ed);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd.s;
	argv[3] = "sh";
	argv[4] = (char *)path;
	argv[5] = NULL;
	rc = proc_run(argv, &st);
	if (rc < 0)
		rc = hm_fail(err, HM_EFAIL, "cannot run editor '%s': %s", ed,
		    strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = hm_fail(err, HM_EFAIL, "editor '%s' failed; nothing "
		    "changed", ed);
	buf_release(&cmd);
	return rc;
}

int
proc_edit_text(const char *text, size_t len, const char *prefix,
    struct buf *out, char **path, struct buf *err)
{
	const char *td = getenv("TMPDIR");
	struct buf tmp = BUF_INIT;
	int fd, rc = 0;

	*path = NULL;
	buf_addf(&tmp, "%s/%s-XXXXXX.md", td && *td ? td : "/tmp", prefix);
	fd = mkostemps(tmp.s, 3, O_CLOEXEC);
	if (fd < 0) {
		rc = hm_fail(err, HM_EIO, "cannot create '%s': %s", tmp.s,
		    strerror(errno));
		buf_release(&tmp);
		return rc;
	}
	if (write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", tmp.s,
		    strerror(errno));
	if (rc == 0)
		rc = proc_editor(tmp.s, err);
	if (rc == 0 && buf_read_file(out, tmp.s) < 0)
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", tmp.s,
		    strerror(errno));
	if (rc < 0) {
		unlink(tmp.s);
		buf_release(&tmp);
		return rc;
	}
	*path = buf_detach(&tmp);
	return 0;
}
