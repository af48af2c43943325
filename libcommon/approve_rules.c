/*
 * approve_rules.c: the rule tables and matchers of the command policy,
 * for approve.c.  approve_check() finds the program word of one simple
 * command (shlex_cmd_start) and applies the rules for it: fork bombs,
 * mkfs, shutdown and friends (hardline); downloads run by a shell, git
 * push --force / reset --hard / clean -f, kill -1, killall, destructive
 * SQL, crontab -r, iptables -F, nft flush ruleset, find -delete
 * (dangerous); the file rules are in approve_files.c.  Scripts inside a
 * command (sh -c, su -c, eval, watch, env -S, find -exec, a here-document
 * or an echo piped to a shell) are lexed onto the end of the list, one
 * level deeper, for the caller's loop to reach.
 */
#include <ctype.h>

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
is_downloader(const char *name)
{
	static const char *const dl[] = { "curl", "wget", "fetch", "aria2c",
		"http", "https", NULL };

	return in_list(name, dl);
}

/* Word i of c holds a substitution whose command downloads. */
static int
downloads(const struct shlex *p, const struct shlex_cmd *c, size_t i)
{
	const struct shlex_cmd *d;
	const char *split;
	size_t k, s, rest;

	for (k = c->wi[i].sub; k < c->wi[i].sub + c->wi[i].nsub; k++) {
		d = &p->c[k];
		s = shlex_cmd_start(d, &split, &rest);
		if (s < d->n && is_downloader(shlex_base(d->w[s])))
			return 1;
	}
	return 0;
}

static char *
join_words(const struct shlex_cmd *c, size_t from)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = from; i < c->n; i++)
		buf_addf(&b, "%s%s", i > from ? " " : "", c->w[i]);
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b);
}

void
approve_hard(struct approve_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->hard.len)
		return;
	va_start(ap, fmt);
	buf_vaddf(&v->hard, fmt, ap);
	va_end(ap);
}

void
approve_danger(struct approve_verdict *v, const struct shlex_cmd *c,
    size_t s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char *full = join_words(c, 0);
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (*full)
		buf_addf(&b, " ('%s')", full);
	approve_strv_push(&v->reason, b.s);
	approve_strv_push(&v->words, full);
	buf_release(&b);
	free(full);
}

/* ---- the rules ---- */

static void
parse_join(struct shlex *p, const char *first, const struct shlex_cmd *c,
    size_t from, int depth)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (first)
		buf_adds(&b, first);
	for (i = from; i < c->n; i++)
		buf_addf(&b, "%s%s", b.len ? " " : "", c->w[i]);
	shlex_parse(p, buf_str(&b), depth + 1);
	buf_release(&b);
}

static void
check_git(const struct shlex_cmd *c, size_t s, struct approve_verdict *v)
{
	static const char *const takes[] = { "-C", "-c", "--git-dir",
		"--work-tree", "--namespace", "--super-prefix", NULL };
	const char *sub, *w;
	size_t i = s + 1;

	while (i < c->n && c->w[i][0] == '-')
		i += in_list(c->w[i], takes) ? 2 : 1;
	if (i >= c->n)
		return;
	sub = c->w[i];
	for (i++; i < c->n; i++) {
		w = c->w[i];
		if (!strcmp(sub, "push") && (shlex_long_is(w, "force", 2) ||
		    !strncmp(w, "--force", 7) || *w == '+' ||
		    (w[0] == '-' && w[1] != '-' && strchr(w, 'f')))) {
			approve_danger(v, c, s, "git push --force");
			return;
		}
		if (!strcmp(sub, "reset") && shlex_long_is(w, "hard", 2)) {
			approve_danger(v, c, s, "git reset --hard");
			return;
		}
		if (!strcmp(sub, "clean") && (shlex_long_is(w, "force", 2) ||
		    (w[0] == '-' && w[1] != '-' && strchr(w, 'f')))) {
			approve_danger(v, c, s, "git clean -f");
			return;
		}
	}
}

static void
check_kill(const struct shlex_cmd *c, size_t s, struct approve_verdict *v)
{
	const char *w;
	size_t i;
	int sig = 0, dd = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if (!dd && !sig && w[0] == '-') {
			sig = 1;
			if (!strcmp(w, "-s") || !strcmp(w, "-n"))
				i++;
		} else if (!strcmp(w, "-1")) {
			approve_danger(v, c, s, "kill -1 signals every "
			    "process");
			return;
		}
	}
}

/*
 * SQL that destroys: DROP TABLE/DATABASE/SCHEMA, TRUNCATE, DELETE FROM
 * without WHERE.  String literals are skipped.  Returns the rule.
 */
static const char *
sql_bad(const char *q)
{
	char tok[16], prev[16] = "";
	size_t n;
	int del = 0, where = 0;

	for (;;) {
		if (*q == '\'') {
			q = strchr(q + 1, '\'');
			if (!q)
				break;
			q++;
			continue;
		}
		if (*q == ';' || !*q) {
			if (del && !where)
				return "DELETE without WHERE";
			del = where = 0;
			prev[0] = '\0';
			if (!*q++)
				break;
			continue;
		}
		if (!isalpha((unsigned char)*q) && *q != '_') {
			q++;
			continue;
		}
		for (n = 0; isalnum((unsigned char)*q) || *q == '_'; q++)
			if (n < sizeof(tok) - 1)
				tok[n++] = toupper((unsigned char)*q);
		tok[n] = '\0';
		if (!strcmp(prev, "DROP") && (!strcmp(tok, "TABLE") ||
		    !strcmp(tok, "DATABASE") || !strcmp(tok, "SCHEMA")))
			return "DROP TABLE/DATABASE";
		if (!strcmp(tok, "TRUNCATE"))
			return "TRUNCATE";
		if (!strcmp(prev, "DELETE") && !strcmp(tok, "FROM"))
			del = 1;
		if (!strcmp(tok, "WHERE"))
			where = 1;
		memcpy(prev, tok, n + 1);
	}
	return NULL;
}

/* The earlier commands of c's pipeline, i.e. what feeds its stdin. */
static const struct shlex_cmd *
feeder(const struct shlex *p, size_t i, size_t *k)
{
	while (*k > 0) {
		(*k)--;
		if (p->c[*k].pipeline == p->c[i].pipeline &&
		    p->c[*k].pipe_out)
			return &p->c[*k];
	}
	return NULL;
}

static void
check_sql(const struct shlex *p, size_t ci, size_t s, struct approve_verdict *v)
{
	const struct shlex_cmd *f, *c = &p->c[ci];
	const char *what = NULL, *x;
	size_t i, k = ci;

	for (i = s + 1; i < c->n && !what; i++)
		what = sql_bad(c->w[i]);
	if (!what && c->input)
		what = sql_bad(c->input);
	while (!what && c->pipe_in && (f = feeder(p, ci, &k))) {
		for (i = 0; i < f->n && !what; i++)
			what = sql_bad(f->w[i]);
		if (!what && f->input && (x = sql_bad(f->input)))
			what = x;
	}
	if (what)
		approve_danger(v, c, s, "%s in a SQL client", what);
}

static int
is_shell(const char *n)
{
	static const char *const sh[] = { "sh", "bash", "dash", "zsh", "ksh",
		"mksh", "ash", "yash", "fish", "rbash", NULL };

	return in_list(n, sh);
}

static int
is_interp(const char *n)
{
	static const char *const in[] = { "perl", "ruby", "node", "php",
		NULL };

	return !strncmp(n, "python", 6) || in_list(n, in);
}

static void
check_shell(struct shlex *p, size_t ci, size_t s, struct approve_verdict *v)
{
	const struct shlex_cmd *c = &p->c[ci], *f;
	const char *name = shlex_base(c->w[s]), *w;
	size_t i, k = ci, ops;
	int dashc = 0, depth = c->depth, code = 0, dl = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!strcmp(w, "--")) {
			i++;
			break;
		}
		if ((w[0] != '-' && w[0] != '+') || !w[1])
			break;
		if (!strcmp(w, "--rcfile") || !strcmp(w, "--init-file"))
			i++;
		else if (w[1] != '-' && strchr(w, 'c'))
			dashc = 1;
		else if (w[1] != '-' && strpbrk(w + 1, "oO") &&
		    !w[strcspn(w + 1, "oO") + 2])
			i++;
		code |= w[1] == 'e' || w[1] == 'm' || w[1] == 'E';
	}
	ops = i;
	for (i = s + 1; i < c->n; i++)
		dl |= downloads(p, c, i);
	if (dl && (is_shell(name) || !strcmp(name, "source") ||
	    !strcmp(name, ".") || !strcmp(name, "eval")))
		approve_danger(v, c, s, "runs code it downloads");
	for (k = ci; c->pipe_in && (f = feeder(p, ci, &k));) {
		const char *split;
		size_t rest, fs = shlex_cmd_start(f, &split, &rest);

		if (fs < f->n && is_downloader(shlex_base(f->w[fs])) &&
		    (is_shell(name) || (is_interp(name) && !code &&
		    ops >= c->n))) {
			approve_danger(v, c, s, "download piped to %s", name);
			break;
		}
	}
	if (!is_shell(name))
		return;
	if (dashc && ops < c->n) {
		shlex_parse(p, c->w[ops], depth + 1);
		return;
	}
	if (ops < c->n && !dashc)
		return;			/* a script file: opaque */
	if (c->input) {
		w = xstrdup(c->input);
		shlex_parse(p, w, depth + 1);
		free((char *)w);
	}
	for (k = ci; (c = &p->c[ci])->pipe_in && (f = feeder(p, ci, &k));) {
		const char *split;
		size_t rest, fs = shlex_cmd_start(f, &split, &rest);

		if (fs < f->n && (!strcmp(shlex_base(f->w[fs]), "echo") ||
		    !strcmp(shlex_base(f->w[fs]), "printf"))) {
			struct shlex_cmd tmp = *f;

			parse_join(p, NULL, &tmp, fs + 1, depth);
			break;
		}
		if (f->input) {
			w = xstrdup(f->input);
			shlex_parse(p, w, depth + 1);
			free((char *)w);
			break;
		}
	}
}

static void
check_find(struct shlex *p, size_t ci, size_t s, struct approve_verdict *v)
{
	static const char *const ex[] = { "-exec", "-execdir", "-ok",
		"-okdir", NULL };
	size_t i, j;

	for (i = s + 1; i < p->c[ci].n; i++) {
		if (!strcmp(p->c[ci].w[i], "-delete"))
			approve_danger(v, &p->c[ci], s, "find -delete");
		if (!in_list(p->c[ci].w[i], ex))
			continue;
		for (j = i + 1; j < p->c[ci].n; j++)
			if (!strcmp(p->c[ci].w[j], ";") ||
			    !strcmp(p->c[ci].w[j], "+"))
				break;
		shlex_push_words(p, &p->c[ci], i + 1, j);
		i = j;
	}
}

/* The word is one expansion, $x ${x} $(...) `...`: no name to check. */
static int
expansion(const char *w)
{
	size_t n = strlen(w);

	if (n >= 2 && w[0] == '`' && w[n - 1] == '`')
		return 1;
	if (w[0] != '$' || n < 2)
		return 0;
	if ((w[1] == '{' && w[n - 1] == '}') || (w[1] == '(' &&
	    w[n - 1] == ')'))
		return 1;
	return !shlex_is_assign(w + 1) && strspn(w + 1,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n - 1;
}

void
approve_check(struct approve *a, struct shlex *p, size_t ci,
    struct approve_verdict *v)
{
	static const char *const off[] = { "shutdown", "reboot", "halt",
		"poweroff", "kexec", NULL };
	static const char *const sql[] = { "psql", "mysql", "mariadb",
		"sqlite3", "sqlcmd", "duckdb", "clickhouse-client", NULL };
	const struct shlex_cmd *c = &p->c[ci];
	const char *name, *split, *w;
	size_t s, rest, i;

	s = shlex_cmd_start(c, &split, &rest);
	if (split) {
		parse_join(p, split, c, rest, c->depth);
		return;
	}
	if (s >= c->n) {
		if (c->nout)
			approve_check_writes(a, c, s, v);
		return;
	}
	name = shlex_base(c->w[s]);
	if (c->func && !strcmp(c->w[s], c->func) &&
	    (c->pipe_in || c->pipe_out || c->bg))
		approve_hard(v, "fork bomb ('%s' starts copies of itself)",
		    c->func);
	if (downloads(p, c, s))
		approve_danger(v, c, s, "runs code it downloads");
	else if (expansion(c->w[s]))
		approve_danger(v, c, s, "the program is only known when it "
		    "runs");
	if (!strncmp(name, "mkfs", 4) || !strcmp(name, "mke2fs"))
		approve_hard(v, "%s formats a file system", name);
	if (in_list(name, off))
		approve_hard(v, "%s stops the machine", name);
	if (!strcmp(name, "systemctl") || !strcmp(name, "init") ||
	    !strcmp(name, "telinit"))
		for (i = s + 1; i < c->n; i++)
			if (in_list(c->w[i], off) ||
			    (strcmp(name, "systemctl") &&
			    (!strcmp(c->w[i], "0") || !strcmp(c->w[i], "6"))))
				approve_hard(v, "%s %s stops the machine", name,
				    c->w[i]);
	approve_check_writes(a, c, s, v);
	if (!strcmp(name, "rm"))
		approve_check_rm(a, c, s, v);
	else if (!strcmp(name, "chmod") || !strcmp(name, "chown") ||
	    !strcmp(name, "chgrp"))
		approve_check_chmod(a, c, s, v);
	else if (!strcmp(name, "git"))
		check_git(c, s, v);
	else if (!strcmp(name, "kill"))
		check_kill(c, s, v);
	else if (!strcmp(name, "killall") || !strcmp(name, "killall5"))
		approve_danger(v, c, s, "%s kills processes by name", name);
	else if (in_list(name, sql))
		check_sql(p, ci, s, v);
	else if (!strcmp(name, "find"))
		check_find(p, ci, s, v);
	else if (!strcmp(name, "eval"))
		parse_join(p, NULL, c, s + 1, c->depth);
	else if (!strcmp(name, "crontab")) {
		for (i = s + 1; i < c->n; i++) {
			w = c->w[i];
			if (w[0] != '-' || w[1] == '-')
				continue;
			if (strcspn(w, "r") < strcspn(w, "u") && strchr(w, 'r'))
				approve_danger(v, c, s, "crontab -r removes "
				    "every job");
			else if (strchr(w, 'u') && !w[strcspn(w, "u") + 1])
				i++;
		}
	} else if (!strncmp(name, "iptables", 8) ||
	    !strncmp(name, "ip6tables", 9)) {
		for (i = s + 1; i < c->n; i++)
			if (!strcmp(c->w[i], "-F") ||
			    shlex_long_is(c->w[i], "flush", 3))
				approve_danger(v, c, s, "%s -F drops the "
				    "firewall rules", name);
	} else if (!strcmp(name, "nft")) {
		for (i = s + 1; i + 1 < c->n; i++)
			if (!strcmp(c->w[i], "flush") &&
			    !strcmp(c->w[i + 1], "ruleset"))
				approve_danger(v, c, s, "nft flush ruleset");
	} else if (!strcmp(name, "su") || !strcmp(name, "runuser")) {
		for (i = s + 1; i < c->n; i++)
			if ((!strcmp(c->w[i], "-c") ||
			    !strcmp(c->w[i], "--command")) && i + 1 < c->n) {
				shlex_parse(p, p->c[ci].w[i + 1],
				    p->c[ci].depth + 1);
				break;
			} else if (!strncmp(c->w[i], "--command=", 10)) {
				shlex_parse(p, c->w[i] + 10, c->depth + 1);
				break;
			}
	} else if (!strcmp(name, "watch")) {
		for (i = s + 1; i < c->n && c->w[i][0] == '-'; i++)
			if (!strcmp(c->w[i], "-n"))
				i++;
		parse_join(p, NULL, c, i, c->depth);
	} else
		check_shell(p, ci, s, v);
}

