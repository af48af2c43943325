/*
 * approve.c: the command policy; see approve.h for the rules.  This file
 * holds the verdict, the modes, the allowlist, session approvals and the
 * question on /dev/tty; the rules are in approve_rules.c and
 * approve_files.c (approve_int.h), the shell lexing in shlex.c.
 *
 * Two passes.  shlex_parse turns the text into simple commands: words
 * with quotes removed, the files its redirections write, its
 * here-document text, its pipeline and whether it is backgrounded, and
 * the function whose body holds it.  Command substitutions are lexed on
 * the spot (their commands come first in the list).  Then every command
 * is checked in order; a check that finds a script inside (sh -c, eval,
 * find -exec, a here-document fed to a shell) lexes it onto the end of
 * the same list, so the loop reaches it too.  Nesting stops at
 * SHLEX_DEPTH, which is itself dangerous.
 *
 * Paths are compared after lexical normalisation: ~, $HOME and ${HOME}
 * become "~", $HERMES_HOME becomes the real home, "." and ".." and
 * repeated slashes are folded.  Nothing is resolved on disk: the command
 * has not run yet, and the words are all we have.
 *
 * The allowlist file is read once, at approve_init; approve_remember
 * rewrites it under flock(.command_allowlist.lock) with atomic_write.
 */
#include <sys/file.h>
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>

#include "common.h"
#include "approve.h"
#include "approve_int.h"
#include "atomic.h"
#include "config.h"
#include "lock.h"
#include "path.h"
#include "shlex.h"

/* Why a command that needs approval did not get it, after "needs
 * approval, and ": one sentence, the reason said once. */
#define NOBODY "nobody is there to give it (see approvals.mode and " \
	"command_allowlist)"

void
approve_strv_push(struct approve_strv *v, const char *s)
{
	v->v = xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = xstrdup(s);
}

void
approve_strv_clear(struct approve_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int
approve_strv_has(const struct approve_strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

static int
prefix_var(const char **in, const char *name)
{
	size_t n = strlen(name);
	const char *s = *in;

	if (s[0] != '$')
		return 0;
	if (s[1] == '{' && !strncmp(s + 2, name, n) && s[2 + n] == '}') {
		s += n + 3;
	} else if (!strncmp(s + 1, name, n)) {
		s += n + 1;
		if (isalnum((unsigned char)*s) || *s == '_')
			return 0;
	} else
		return 0;
	if (*s && *s != '/')
		return 0;
	*in = s;
	return 1;
}

/*
 * Fold a path as words show it: "~/a/../b/" is "~/b".  With star, a
 * trailing "*" component goes too (the contents of /x stand for /x).
 * The result is the caller's.
 */
char *
approve_path_norm(const struct approve *a, const char *in, int star)
{
	struct buf t = BUF_INIT, out = BUF_INIT;
	const char *comp[128];
	size_t len[128], n = 0, i, k;
	const char *p;
	int root;

	if (in[0] == '~' && (in[1] == '\0' || in[1] == '/')) {
		buf_adds(&t, "~");
		in++;
	} else if (prefix_var(&in, "HOME"))
		buf_adds(&t, "~");
	else if (prefix_var(&in, "HERMES_HOME"))
		buf_adds(&t, a->home ? a->home : hm_home());
	buf_adds(&t, in);
	p = buf_str(&t);
	root = *p == '/' ? '/' : *p == '~' ? '~' : 0;
	if (root)
		p++;
	while (*p) {
		k = strcspn(p, "/");
		if ((k == 1 && *p == '.') || k == 0)
			;
		else if (k == 2 && !strncmp(p, "..", 2) && n &&
		    !(len[n - 1] == 2 && !strncmp(comp[n - 1], "..", 2)))
			n--;
		else if (k == 2 && !strncmp(p, "..", 2) && root)
			;
		else if (n < HM_ARRAY_SIZE(comp)) {
			comp[n] = p;
			len[n++] = k;
		}
		p += k + (p[k] == '/');
	}
	while (star && n && len[n - 1] == 1 && *comp[n - 1] == '*')
		n--;
	if (root)
		buf_addc(&out, root);
	for (i = 0; i < n; i++) {
		if (i > 0 || root == '~')
			buf_addc(&out, '/');
		buf_add(&out, comp[i], len[i]);
	}
	if (!out.len)
		buf_adds(&out, ".");
	buf_release(&t);
	return buf_detach(&out);
}



/*
 * words matches an entry; prefix entries only when prefixes is set
 * (never on a whole command line: "git push *" must not pass
 * "git push; rm -rf x").
 */
static int
allowed_by(const struct approve *a, const char *words, int prefixes,
    const char **by)
{
	size_t i, n;

	for (i = 0; i < a->nallow; i++) {
		n = strlen(a->allow[i]);
		if (n >= 2 && !strcmp(a->allow[i] + n - 2, " *")) {
			if (!prefixes)
				continue;
			n -= 2;
			if (strncmp(words, a->allow[i], n) ||
			    (words[n] != '\0' && words[n] != ' '))
				continue;
		} else if (strcmp(words, a->allow[i]))
			continue;
		*by = a->allow[i];
		return 1;
	}
	return 0;
}

static char *
trimmed(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

int
approve_command(struct approve *a, const char *cmd, struct buf *why)
{
	struct shlex p;
	struct approve_verdict v;
	struct approve_strv session = { a->session, a->nsession };
	const char *by = NULL;
	char *t = trimmed(cmd);
	size_t i;
	int rc = APPROVE_ALLOW;

	memset(&p, 0, sizeof(p));
	memset(&v, 0, sizeof(v));
	shlex_parse(&p, cmd, 0);
	for (i = 0; i < p.n && !v.hard.len; i++)
		approve_check(a, &p, i, &v);
	if (p.toodeep && !v.hard.len) {
		struct shlex_cmd none;

		memset(&none, 0, sizeof(none));
		approve_danger(&v, &none, 0, "nested too deeply to check");
	}
	if (v.hard.len) {
		buf_addf(why, "%s; nothing can allow it", v.hard.s);
		rc = APPROVE_DENY;
	} else if (!v.reason.n)
		buf_adds(why, "no dangerous pattern");
	else if (a->mode == APPROVE_MODE_OFF)
		buf_addf(why, "approvals.mode is off: %s", v.reason.v[0]);
	else if (approve_strv_has(&session, t))
		buf_addf(why, "approved for this session: %s", v.reason.v[0]);
	else if (allowed_by(a, t, 0, &by))
		buf_addf(why, "allowlisted as '%s'", by);
	else {
		for (i = 0; i < v.reason.n; i++)
			if (!allowed_by(a, v.words.v[i], 1, &by))
				break;
		if (i == v.reason.n)
			buf_addf(why, "allowlisted as '%s'", by);
		else if (a->mode == APPROVE_MODE_ASK && a->interactive) {
			buf_adds(why, v.reason.v[i]);
			rc = APPROVE_ASK;
		} else {
			buf_addf(why, "%s needs approval, and %s",
			    v.reason.v[i], a->mode == APPROVE_MODE_DENY ?
			    "approvals.mode is deny" : NOBODY);
			rc = APPROVE_DENY;
		}
	}
	buf_release(&v.hard);
	approve_strv_clear(&v.reason);
	approve_strv_clear(&v.words);
	shlex_release(&p);
	free(t);
	return rc;
}

static int
load_list(struct approve *a, struct buf *err)
{
	struct buf b = BUF_INIT;
	struct approve_strv v = { NULL, 0 };
	char *line, *next, *t;

	if (buf_read_file(&b, a->listpath) < 0 && errno != ENOENT) {
		buf_release(&b);
		return hm_fail(err, HM_EIO, "cannot read '%s': %s",
		    a->listpath, strerror(errno));
	}
	for (line = b.s; line && *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		t = trimmed(line);
		if (*t && *t != '#' && !approve_strv_has(&v, t))
			approve_strv_push(&v, t);
		free(t);
	}
	a->allow = v.v;
	a->nallow = v.n;
	buf_release(&b);
	return 0;
}

int
approve_init(struct approve *a, const struct config *cfg, int interactive,
    struct buf *err)
{
	static const char *const modes[] = { "ask", "deny", "off" };
	const char *m = cfg ? config_get(cfg, "approvals.mode", NULL) : NULL;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->interactive = interactive;
	if (!m || !*m)	/* no config at all: the key table's default */
		m = config_key_find("approvals.mode")->def;
	for (i = 0; i < HM_ARRAY_SIZE(modes); i++)
		if (!strcmp(m, modes[i]))
			break;
	if (i == HM_ARRAY_SIZE(modes))
		return hm_fail(err, HM_EINVAL, "invalid approvals.mode '%s': "
		    "use ask, deny or off", m);
	a->mode = (int)i;
	a->home = approve_path_norm(a, hm_home(), 0);
	a->listpath = hm_path("command_allowlist");
	if (load_list(a, err) < 0) {
		approve_release(a);
		return -HM_EIO;
	}
	return 0;
}

int
approve_remember(struct approve *a, const char *cmd, int always,
    struct buf *err)
{
	struct approve_strv s = { a->session, a->nsession };
	struct approve_strv l = { a->allow, a->nallow };
	struct buf b = BUF_INIT;
	char *t = trimmed(cmd), *lock;
	int fd, rc = 0;

	if (!approve_strv_has(&s, t))
		approve_strv_push(&s, t);
	a->session = s.v;
	a->nsession = s.n;
	if (!always)
		goto out;
	if (strchr(t, '\n')) {
		rc = hm_fail(err, HM_EINVAL, "cannot keep a command of "
		    "several lines in '%s'", a->listpath);
		goto out;
	}
	lock = lock_sidecar(a->listpath);
	fd = lock_take(lock, LOCK_EX, err);
	free(lock);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	if (buf_read_file(&b, a->listpath) < 0 && errno != ENOENT)
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s",
		    a->listpath, strerror(errno));
	if (!rc) {
		if (b.len && b.s[b.len - 1] != '\n')
			buf_addc(&b, '\n');
		buf_addf(&b, "%s\n", t);
		rc = atomic_write(a->listpath, b.s, b.len, 0600, err);
	}
	lock_release(fd);
	if (!rc && !approve_strv_has(&l, t))
		approve_strv_push(&l, t);
	a->allow = l.v;
	a->nallow = l.n;
out:
	buf_release(&b);
	free(t);
	return rc;
}

static void
tty_put(int fd, const char *s)
{
	ssize_t w;
	size_t n = strlen(s);

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Control characters could redraw the terminal: show them as '?'. */
static void
add_visible(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, (iscntrl((unsigned char)*s) && *s != '\n' &&
		    *s != '\t') ? '?' : *s);
}

int
approve_ask(struct approve *a, const char *cmd, const char *why,
    struct buf *err)
{
	struct pollfd pfd;
	struct buf b = BUF_INIT;
	char ans[64];
	ssize_t n;
	int fd, tries, rc = APPROVE_DENY, ch;

	if (!a->interactive) {
		hm_fail(err, HM_EFAIL, NOBODY);
		return APPROVE_DENY;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		hm_fail(err, HM_EFAIL, "it could not be asked on '/dev/tty': "
		    "%s", strerror(errno));
		return APPROVE_DENY;
	}
	buf_adds(&b, "\nhermes wants to run:\n  ");
	add_visible(&b, cmd);
	buf_adds(&b, "\n");
	if (why && *why) {
		buf_adds(&b, "because: ");
		add_visible(&b, why);
		buf_adds(&b, "\n");
	}
	tty_put(fd, b.s);
	for (tries = 0; tries < 3; tries++) {
		tcflush(fd, TCIFLUSH);
		tty_put(fd, "allow? [o]nce, [s]ession, [a]lways, [d]eny: ");
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 300 * 1000) <= 0) {
			tty_put(fd, "\n");
			hm_fail(err, HM_EFAIL, "no answer came in 300 s");
			break;
		}
		n = read(fd, ans, sizeof(ans) - 1);
		if (n <= 0) {
			hm_fail(err, HM_EFAIL, "the terminal closed "
			    "unanswered");
			break;
		}
		ans[n] = '\0';
		ch = tolower((unsigned char)ans[strspn(ans, " \t")]);
		if (ch == 'd' || ch == 'n') {
			hm_fail(err, HM_EFAIL, "the user denied it");
			break;
		}
		if (ch != 'o' && ch != 'y' && ch != 's' && ch != 'a')
			continue;
		rc = APPROVE_ALLOW;
		buf_reset(&b);
		if ((ch == 's' || ch == 'a') &&
		    approve_remember(a, cmd, ch == 'a', &b) < 0) {
			tty_put(fd, "hermes: ");
			tty_put(fd, b.s);
			tty_put(fd, "; approved for this session only\n");
		}
		break;
	}
	close(fd);
	buf_release(&b);
	return rc;
}

int
approve_decide(struct approve *a, const char *cmd, struct buf *why)
{
	struct buf err = BUF_INIT;
	char *reason;
	int v;

	buf_reset(why);
	v = approve_command(a, cmd, why);
	if (v != APPROVE_ASK)
		return v;
	v = approve_ask(a, cmd, buf_str(why), &err);
	if (v != APPROVE_ALLOW) {
		reason = buf_detach(why);
		buf_addf(why, "%s needs approval, and %s", reason,
		    err.len ? err.s : "the user denied it");
		free(reason);
	}
	buf_release(&err);
	return v;
}

void
approve_release(struct approve *a)
{
	size_t i;

	for (i = 0; i < a->nallow; i++)
		free(a->allow[i]);
	for (i = 0; i < a->nsession; i++)
		free(a->session[i]);
	free(a->allow);
	free(a->session);
	free(a->listpath);
	free(a->home);
	memset(a, 0, sizeof(*a));
}
