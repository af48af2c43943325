/*
 * service.c: the gateway's systemd user unit (service.h).  systemctl is
 * run as a child (proc_capture), found on PATH, so a test puts its own
 * systemctl first on PATH.
 */
#include <sys/wait.h>

#include "common.h"
#include "atomic.h"
#include "path.h"
#include "proc.h"
#include "service.h"

#define UNIT_NAME	"hermes-gateway.service"

char *
service_unit_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct buf b = BUF_INIT;

	if (xdg && *xdg == '/')
		buf_addf(&b, "%s/systemd/user/" UNIT_NAME, xdg);
	else
		buf_addf(&b, "%s/.config/systemd/user/" UNIT_NAME,
		    home && *home ? home : "/");
	return buf_detach(&b);
}

/* s as one quoted word of a unit file: % doubled, " and \ escaped. */
static void
add_quoted(struct buf *b, const char *s)
{
	buf_adds(b, "\"");
	for (; *s; s++) {
		if (*s == '%')
			buf_adds(b, "%%");
		else if (*s == '"' || *s == '\\')
			buf_addf(b, "\\%c", *s);
		else
			buf_add(b, s, 1);
	}
	buf_adds(b, "\"");
}

static char *
absolute(const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : xstrdup(path);
}

char *
service_unit(const char *bin)
{
	char *home = absolute(hm_home()), *exe = absolute(bin);
	struct buf b = BUF_INIT, env = BUF_INIT;
	const char *s;

	buf_adds(&b, "# Written by hermes-gateway install; "
	    "hermes-gateway uninstall removes it.\n"
	    "[Unit]\n"
	    "Description=Hermes gateway: the agent on messaging platforms\n"
	    "Wants=network-online.target\n"
	    "After=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=simple\n"
	    "ExecStart=");
	add_quoted(&b, exe);
	buf_adds(&b, " run\nExecReload=/bin/kill -HUP $MAINPID\n"
	    "Environment=");
	buf_addf(&env, "HERMES_HOME=%s", home);
	add_quoted(&b, env.s);
	buf_adds(&b, "\nEnvironmentFile=-");
	for (s = home; *s; s++) {
		if (*s == '%')
			buf_adds(&b, "%%");
		else
			buf_add(&b, s, 1);
	}
	buf_adds(&b, "/.env\n"
	    "Restart=on-failure\n"
	    "RestartSec=5\n"
	    "KillMode=mixed\n"
	    "TimeoutStopSec=30\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=default.target\n");
	free(home);
	free(exe);
	buf_release(&env);
	return buf_detach(&b);
}

/* systemctl --user ARGS...: 0 with its exit status in *code, or -HM_E*
 * when it cannot be run (no systemctl: *code 127). */
static int
systemctl(const char *a1, const char *a2, const char *a3, int *code,
    struct buf *last, struct buf *err)
{
	char *argv[] = { "systemctl", "--user", (char *)a1, (char *)a2,
	    (char *)a3, NULL };
	struct buf out = BUF_INIT;
	int rc, st = 0;

	buf_reset(last);
	rc = proc_capture(argv, NULL, NULL, 60, NULL, &out, last, &st, err);
	*code = rc < 0 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
	    WTERMSIG(st);
	buf_release(&out);
	return rc;
}

/* Does a systemd user manager answer here? */
static int
systemd_running(void)
{
	struct buf last = BUF_INIT, err = BUF_INIT;
	int code = 127;

	systemctl("show-environment", NULL, NULL, &code, &last, &err);
	buf_release(&last);
	buf_release(&err);
	return code == 0;
}

static int
must(const char *a1, const char *a2, const char *a3, struct buf *err)
{
	struct buf last = BUF_INIT;
	int rc, code = 0;

	rc = systemctl(a1, a2, a3, &code, &last, err);
	if (rc == 0 && code != 0)
		rc = hm_fail(err, HM_EFAIL, "systemctl --user %s%s%s failed "
		    "(exit %d): %s", a1, a2 ? " " : "", a2 ? a2 : "", code,
		    last.len ? last.s : "no message");
	buf_release(&last);
	return rc;
}

int
service_install(const char *bin, int *running, struct buf *err)
{
	char *path = service_unit_path(), *unit = service_unit(bin);
	int rc;

	*running = 0;
	rc = hm_mkparents(path, err);
	if (rc == 0)
		rc = atomic_write(path, unit, strlen(unit), 0644, err);
	if (rc == 0 && (*running = systemd_running())) {
		rc = must("daemon-reload", NULL, NULL, err);
		if (rc == 0)
			rc = must("enable", "--now", UNIT_NAME, err);
	}
	free(path);
	free(unit);
	return rc;
}

int
service_uninstall(int *running, int *changed, struct buf *err)
{
	char *path = service_unit_path();
	int rc = 0;

	*changed = access(path, F_OK) == 0;
	*running = systemd_running();
	if (*changed && *running)
		rc = must("disable", "--now", UNIT_NAME, err);
	if (rc == 0 && *changed && unlink(path) < 0 && errno != ENOENT)
		rc = hm_fail(err, HM_EIO, "cannot remove '%s': %s", path,
		    strerror(errno));
	if (rc == 0 && *changed && *running)
		rc = must("daemon-reload", NULL, NULL, err);
	free(path);
	return rc;
}
