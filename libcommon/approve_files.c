/*
 * approve_files.c: the policy rules about files, for approve.c.  Which
 * files a command writes (its redirections, tee, truncate, shred, dd
 * of=, sed -i, and the destinations of cp, mv, ln, install, rsync),
 * and whether one of them is a disk device or $HERMES_HOME/.env
 * (hardline) or a policy file, /etc or ~/.ssh (dangerous); recursive rm
 * and chmod/chown/chgrp, hardline when they reach /, ~ or a top-level
 * system directory.
 *
 * Paths are compared after approve_path_norm; nothing is looked up on
 * disk.
 */
#include "common.h"
#include "approve.h"
#include "approve_int.h"
#include "shlex.h"

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int
critical(const struct approve *a, const char *path)
{
	static const char *const top[] = { "bin", "boot", "dev", "etc",
		"home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
		"opt", "proc", "root", "run", "sbin", "snap", "srv", "sys",
		"usr", "var", NULL };
	char *n = approve_path_norm(a, path, 1);
	int r;

	r = !strcmp(n, "/") || !strcmp(n, "~") || (n[0] == '/' &&
	    !strchr(n + 1, '/') && (in_list(n + 1, top) ||
	    strpbrk(n + 1, "*?[")));
	free(n);
	return r;
}

/* A path inside $HERMES_HOME: its relative part, or NULL. */
static const char *
in_home(const struct approve *a, const char *n)
{
	size_t k = a->home ? strlen(a->home) : 0;

	if (k && !strncmp(n, a->home, k) && n[k] == '/')
		return n + k + 1;
	if (!strncmp(n, "~/.hermes/", 10))
		return n + 10;
	return NULL;
}

/* ---- findings ---- */

/* The files a command writes, as written in its words. */
static void
writes(const struct shlex_cmd *c, size_t s, struct approve_strv *out)
{
	struct approve_strv ops = { NULL, 0 };
	const char *name = s < c->n ? shlex_base(c->w[s]) : "", *a;
	const char *tdir = NULL;
	const char *argopts = "";
	size_t i, k;
	int dd = 0, inplace = 0, script = 0, dest = 0;

	for (i = 0; i < c->nout; i++)
		approve_strv_push(out, c->out[i]);
	if (!strcmp(name, "sed"))
		argopts = "efl";
	else if (!strcmp(name, "install"))
		argopts = "gmotS", dest = 1;
	else if (!strcmp(name, "cp") || !strcmp(name, "mv") ||
	    !strcmp(name, "ln"))
		argopts = "tS", dest = 1;
	else if (!strcmp(name, "truncate"))
		argopts = "rs";
	else if (!strcmp(name, "shred"))
		argopts = "ns";
	else if (!strcmp(name, "rsync"))
		argopts = "ef", dest = 1;
	for (i = s + 1; i < c->n; i++) {
		a = c->w[i];
		if (!strcmp(name, "dd") && !strncmp(a, "of=", 3))
			approve_strv_push(out, a + 3);
		if (!dd && !strcmp(a, "--")) {
			dd = 1;
			continue;
		}
		if (dd || a[0] != '-' || !a[1]) {
			approve_strv_push(&ops, a);
			continue;
		}
		if (a[1] == '-') {
			if (shlex_long_is(a, "in-place", 3))
				inplace = 1;
			if (shlex_long_is(a, "expression", 3) ||
			    shlex_long_is(a, "file", 3))
				script = 1;
			if (shlex_long_is(a, "target-directory", 3))
				tdir = strchr(a, '=') ? strchr(a, '=') + 1 :
				    i + 1 < c->n ? c->w[++i] : NULL;
			else if ((shlex_long_is(a, "expression", 3) ||
			    shlex_long_is(a, "file", 3)) && !strchr(a, '='))
				i++;
			continue;
		}
		for (k = 1; a[k]; k++) {
			if (!strcmp(name, "sed") && a[k] == 'i') {
				inplace = 1;
				break;
			}
			if (!strchr(argopts, a[k]))
				continue;
			if (a[k] == 'e' || a[k] == 'f')
				script = 1;
			if (a[k] == 't')
				tdir = a[k + 1] ? a + k + 1 :
				    i + 1 < c->n ? c->w[i + 1] : NULL;
			if (!a[k + 1])
				i++;
			break;
		}
	}
	if (!strcmp(name, "tee") || !strcmp(name, "truncate") ||
	    !strcmp(name, "shred"))
		for (i = 0; i < ops.n; i++)
			approve_strv_push(out, ops.v[i]);
	if (!strcmp(name, "sed") && inplace)
		for (i = !script; i < ops.n; i++)
			approve_strv_push(out, ops.v[i]);
	if (dest && (tdir || ops.n >= 2)) {
		struct buf d = BUF_INIT;
		size_t nsrc = tdir ? ops.n : ops.n - 1;

		if (!tdir) {
			tdir = ops.v[ops.n - 1];
			approve_strv_push(out, tdir);
		}
		for (i = 0; i < nsrc; i++) {
			buf_reset(&d);
			buf_addf(&d, "%s/%s", tdir, shlex_base(ops.v[i]));
			approve_strv_push(out, d.s);
		}
		buf_release(&d);
	}
	approve_strv_clear(&ops);
}

void
approve_check_writes(struct approve *a, const struct shlex_cmd *c, size_t s,
    struct approve_verdict *v)
{
	static const char *const disks[] = { "/dev/sd", "/dev/nvme",
		"/dev/vd", "/dev/mmcblk", "/dev/hd", "/dev/xvd", "/dev/disk/",
		"/dev/mapper/", NULL };
	static const char *const policy[] = { "config", "command_allowlist",
		".command_allowlist.lock", "hooks", NULL };
	struct approve_strv w = { NULL, 0 };
	const char *const *d;
	const char *rel;
	char *n;
	size_t i;

	writes(c, s, &w);
	for (i = 0; i < w.n; i++) {
		n = approve_path_norm(a, w.v[i], 0);
		rel = in_home(a, n);
		for (d = disks; *d; d++)
			if (!strncmp(n, *d, strlen(*d)))
				approve_hard(v, "writes onto the disk "
				    "device '%s'", w.v[i]);
		if (rel && !strcmp(rel, ".env"))
			approve_hard(v, "writes onto '%s', where the "
			    "secrets live", w.v[i]);
		else if (rel && (in_list(rel, policy) ||
		    !strncmp(rel, "hooks/", 6)))
			approve_danger(v, c, s, "writes hermes' own policy "
			    "file '%s'", w.v[i]);
		else if (!strcmp(n, "/etc") || !strncmp(n, "/etc/", 5))
			approve_danger(v, c, s, "writes '%s' under /etc",
			    w.v[i]);
		else if (!strncmp(n, "~/.ssh", 6) ||
		    !strncmp(n, "/root/.ssh", 10) || (!strncmp(n, "/home/", 6)
		    && strstr(n, "/.ssh") && strstr(n, "/.ssh") ==
		    strchr(n + 6, '/')))
			approve_danger(v, c, s, "writes '%s' under ~/.ssh",
			    w.v[i]);
		free(n);
	}
	approve_strv_clear(&w);
}

void
approve_check_rm(struct approve *a, const struct shlex_cmd *c, size_t s,
    struct approve_verdict *v)
{
	const char *w;
	size_t i;
	int rec = 0, dd = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if (!dd && w[0] == '-' && w[1] == '-')
			rec |= shlex_long_is(w, "recursive", 3) ||
			    shlex_long_is(w, "no-preserve-root", 4);
		else if (!dd && w[0] == '-' && w[1])
			rec |= strpbrk(w + 1, "rR") != NULL;
	}
	if (!rec)
		return;
	for (i = s + 1, dd = 0; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if ((dd || w[0] != '-' || !w[1]) && critical(a, w)) {
			approve_hard(v, "recursive rm of '%s'", w);
			return;
		}
	}
	approve_danger(v, c, s, "recursive rm");
}

/* chmod MODE lets others write: 777, 0666, a+w, o=rwx, +w. */
static int
world_writable(const char *m)
{
	const char *p;
	size_t n = strlen(m);

	if (n && strspn(m, "01234567") == n)
		return n >= 3 && ((m[n - 1] - '0') & 2);
	for (p = m; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0)) {
		size_t who = strspn(p, "ugoa"), k = strcspn(p, ",");
		int all = who == 0 || memchr(p, 'a', who) ||
		    memchr(p, 'o', who);

		if (all && (p[who] == '+' || p[who] == '=') &&
		    memchr(p + who, 'w', k - who))
			return 1;
	}
	return 0;
}

void
approve_check_chmod(struct approve *a, const struct shlex_cmd *c, size_t s,
    struct approve_verdict *v)
{
	const char *name = shlex_base(c->w[s]), *w, *mode = NULL;
	size_t i;
	int rec = 0, dd = 0, crit = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if (!dd && w[0] == '-' && w[1] == '-')
			rec |= shlex_long_is(w, "recursive", 3);
		else if (!dd && w[0] == '-' && w[1] &&
		    strspn(w + 1, "rwxXst") != strlen(w + 1))
			rec |= strchr(w + 1, 'R') != NULL;
		else if (!mode && !strcmp(name, "chmod"))
			mode = w;
		else
			crit |= critical(a, w);
	}
	if (!strcmp(name, "chmod") && rec && mode && world_writable(mode) &&
	    crit)
		approve_hard(v, "chmod -R %s of a system directory", mode);
	else if (rec)
		approve_danger(v, c, s, "%s -R", name);
	else if (mode && world_writable(mode))
		approve_danger(v, c, s, "chmod %s makes files "
		    "world-writable", mode);
}
