/* proc.c: fork/exec/wait without a shell of our own making. */
#include <sys/wait.h>

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
