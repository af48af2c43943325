/*
 * fake.h: fake peers for the C unit tests (the python programs in
 * tests/fakes/), started and stopped the same way by every test that
 * needs one.  Header-only, static inline: a test uses what it needs.
 *
 *   fake_spawn(argv, ppath, &port): fork and exec argv (stdin and stdout
 *     /dev/null, stderr kept), then wait up to 10 s for the fake to
 *     write its port to ppath; the child's pid, or -1 when it did not
 *     come up.  argv carries the fake's own --port-file ppath and
 *     --watch-pid options.
 *   fake_kill(&pid): SIGTERM and reap it; pid becomes -1.
 *   fake_rmtree(dir): remove a scratch directory and all below it.
 *   fake_logged(logpath, key, value): the JSON lines of a fake's log
 *     whose string member key is value, as a cJSON array (the caller
 *     deletes it).
 *   fake_platform(name, err): platform_new + config_load + open, as a
 *     fresh gateway process would; NULL when open failed (err says why).
 *   fake_platform_free(p): close and free; NULL is fine.
 */
#ifndef HM_TEST_FAKE_H
#define HM_TEST_FAKE_H

#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "platform.h"

static inline void
fake_nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline pid_t
fake_spawn(char *const argv[], const char *ppath, int *port)
{
	struct buf b = BUF_INIT;
	pid_t pid;
	int i, fd;

	*port = 0;
	unlink(ppath);
	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 400; i++) {
		buf_reset(&b);
		if (buf_read_file(&b, ppath) == 0 && b.len)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		fake_nap_ms(25);
	}
	*port = b.len ? (int)strtol(b.s, NULL, 10) : 0;
	buf_release(&b);
	if (pid > 0 && *port <= 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	return *port > 0 ? pid : -1;
}

static inline void
fake_kill(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

static inline int
fake_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
fake_rmtree(const char *dir)
{
	nftw(dir, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline cJSON *
fake_logged(const char *logpath, const char *key, const char *value)
{
	struct buf b = BUF_INIT;
	cJSON *out = cJSON_CreateArray(), *e;
	const char *v;
	char *line, *nl;

	if (buf_read_file(&b, logpath) == 0 && b.s) {
		for (line = b.s; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			e = cJSON_Parse(line);
			v = cJSON_GetStringValue(cJSON_GetObjectItem(e, key));
			if (v && !strcmp(v, value))
				cJSON_AddItemToArray(out, e);
			else
				cJSON_Delete(e);
		}
	}
	buf_release(&b);
	return out;
}

static inline struct platform *
fake_platform(const char *name, struct buf *err)
{
	struct config cfg = CONFIG_INIT;
	struct platform *p = platform_new(name);

	buf_reset(err);
	if (!p || config_load(&cfg, err) < 0 || p->open(p, &cfg, err) < 0) {
		free(p);
		p = NULL;
	}
	config_release(&cfg);
	return p;
}

static inline void
fake_platform_free(struct platform *p)
{
	if (!p)
		return;
	p->close(p);
	free(p);
}

#endif
