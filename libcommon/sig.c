/*
 * sig.c: signal flags and temp-file cleanup.  The temp path lives in a
 * static array written only with the signals blocked, so the handler can
 * read it without tearing.
 */
#include <signal.h>

#include "common.h"
#include "sig.h"

volatile sig_atomic_t sig_interrupted;
volatile sig_atomic_t sig_terminated;
volatile sig_atomic_t sig_hangup;

static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_set;

static void
on_fatal(int sig)
{
	if (tmp_set)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_interrupt(int sig)
{
	if (sig == SIGTERM)
		sig_terminated = 1;
	sig_interrupted = 1;
}

static void
on_hangup(int sig)
{
	(void)sig;
	sig_hangup = 1;
}

static void
install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void
sig_cleanup_on_exit(void)
{
	install(SIGINT, on_fatal);
	install(SIGTERM, on_fatal);
	install(SIGHUP, on_fatal);
}

void
sig_catch_interrupt(void)
{
	install(SIGINT, on_interrupt);
	install(SIGTERM, on_interrupt);
}

void
sig_catch_hangup(void)
{
	install(SIGHUP, on_hangup);
}

void
sig_tempfile(const char *path)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (path && strlen(path) < sizeof(tmp_path)) {
		memcpy(tmp_path, path, strlen(path) + 1);
		tmp_set = 1;
	} else {
		tmp_set = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}
