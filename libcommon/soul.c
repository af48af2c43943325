/* soul.c: the default identity, written once, never overwritten. */
#include <sys/stat.h>
#include <fcntl.h>

#include "common.h"
#include "path.h"
#include "soul.h"

const char soul_default[] =
"# Hermes\n"
"\n"
"You are Hermes, an agent that lives on this machine and works from its\n"
"shell. You are direct and brief: you answer the question asked, show\n"
"commands and results rather than describing them, and say plainly when\n"
"you do not know or when something failed.\n"
"\n"
"You keep what you learn. Facts about this environment go to memory,\n"
"facts about the user go to the user profile, and a procedure worth\n"
"repeating becomes a skill. Keep entries short and current: merge and\n"
"prune rather than pile up.\n"
"\n"
"You act carefully. Prefer reversible steps, read before you write, and\n"
"ask before anything destructive that the user did not request.\n"
"\n"
"Edit this file to change who the agent is; hermes never overwrites it.\n";

int
soul_ensure(struct buf *err)
{
	char *path = hm_path("SOUL.md");
	struct buf tmp = BUF_INIT;
	struct stat st;
	int fd = -1, rc = 0;
	size_t n = sizeof(soul_default) - 1;

	if (lstat(path, &st) == 0)
		goto out;
	if (hm_mkparents(path, err) < 0) {
		rc = -HM_EIO;
		goto out;
	}
	{
		char *dir = hm_dirname(path);

		buf_addf(&tmp, "%s/.SOUL.md.XXXXXX", dir);
		free(dir);
	}
	fd = mkostemp(tmp.s, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0644) < 0 ||
	    write(fd, soul_default, n) != (ssize_t)n || fsync(fd) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (link(tmp.s, path) == 0)
		rc = 1;
	else if (errno != EEXIST)
		rc = hm_fail(err, HM_EIO, "cannot create '%s': %s", path,
		    strerror(errno));
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.s);
	}
	buf_release(&tmp);
	free(path);
	return rc;
}
