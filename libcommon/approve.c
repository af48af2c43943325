/*
 * approve.c: the command policy; see approve.h for the rules.
 *
 * Two passes.  The lexer turns the text into simple commands (struct
 * scmd): words with quotes removed, the files its redirections write,
 * its here-document text, its pipeline and whether it is backgrounded,
 * and the function whose body holds it.  Command substitutions are lexed
 * on the spot (their commands come first in the list) and a word that
 * holds one running curl or wget is marked WF_DL.  Then every command is
 * checked in order; a check that finds a script inside (sh -c, eval,
 * find -exec, a here-document fed to a shell) lexes it onto the end of
 * the same list, so the loop reaches it too.  Nesting stops at
 * APPROVE_DEPTH, which is itself dangerous.
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
#include "atomic.h"
#include "config.h"
#include "lock.h"
#include "path.h"

#define APPROVE_DEPTH	8
#define WF_QUOTED	1	/* some of the word was quoted */
#define WF_DL		2	/* holds a substitution that downloads */

enum { R_NONE, R_WRITE, R_READ, R_DUP, R_HEREDOC, R_HERESTR };
enum { END_SEP, END_PIPE, END_BG };

struct strv {
	char **v;
	size_t n;
};

struct scmd {
	char **w;
	int *wf;
	size_t n;
	struct strv out;	/* files written by redirections */
	char *input;		/* here-document or here-string text */
	char *func;		/* innermost function being defined */
	int pipeline, pipe_in, pipe_out, bg, depth;
};

struct parse {
	struct scmd *c;
	size_t n, cap;
	int ids;		/* pipeline ids handed out */
	int toodeep;
};

struct heredoc {
	char *delim;
	int strip;
	long owner;		/* index in parse, -1 until pushed */
};

struct lex {
	struct parse *p;
	const char *s;
	size_t i;
	int depth, pipeline, pipe_next;
	struct scmd c;
	struct buf w;
	int inword, wflags, redir, hdstrip, after_function;
	struct heredoc hd[8];
	size_t nhd;
	char *groups[32];	/* function name of each open group */
	size_t ngroups, lost;	/* lost: groups past the array */
	char *pending_func;
};

struct verdict {
	struct buf hard;	/* first hardline reason */
	struct strv reason;	/* dangerous: why, and the command's words */
	struct strv words;
};

static void parse_text(struct parse *p, const char *s, int depth);

static void
strv_push(struct strv *v, const char *s)
{
	v->v = xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = xstrdup(s);
}

static void
strv_clear(struct strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static int
strv_has(const struct strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static const char *
approve_base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b && b[1] ? b + 1 : s;
}

static void
scmd_free(struct scmd *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->w[i]);
	free(c->w);
	free(c->wf);
	strv_clear(&c->out);
	free(c->input);
	free(c->func);
	memset(c, 0, sizeof(*c));
}

static void
parse_free(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		scmd_free(&p->c[i]);
	free(p->c);
}

static size_t
parse_push(struct parse *p, struct scmd *c)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->c = xrealloc(p->c, p->cap * sizeof(*p->c));
	}
	p->c[p->n] = *c;
	memset(c, 0, sizeof(*c));
	return p->n++;
}

static void
scmd_add(struct scmd *c, const char *s, int flags)
{
	c->w = xrealloc(c->w, (c->n + 1) * sizeof(*c->w));
	c->wf = xrealloc(c->wf, (c->n + 1) * sizeof(*c->wf));
	c->w[c->n] = xstrdup(s);
	c->wf[c->n++] = flags;
}

static void
append_input(char **dst, const char *s)
{
	struct buf b = BUF_INIT;

	if (*dst)
		buf_addf(&b, "%s\n", *dst);
	buf_adds(&b, s);
	free(*dst);
	*dst = buf_detach(&b);
	if (!*dst)
		*dst = xstrdup("");
}

/* ---- the lexer ---- */

static const char *
lex_func(const struct lex *l)
{
	size_t i = l->ngroups;

	while (i > 0)
		if (l->groups[--i])
			return l->groups[i];
	return NULL;
}

static void
group_push(struct lex *l)
{
	if (l->ngroups < HM_ARRAY_SIZE(l->groups))
		l->groups[l->ngroups++] = l->pending_func;
	else {
		free(l->pending_func);
		l->lost++;
	}
	l->pending_func = NULL;
}

static void
group_pop(struct lex *l)
{
	if (l->lost)
		l->lost--;
	else if (l->ngroups)
		free(l->groups[--l->ngroups]);
}

static void
end_word(struct lex *l)
{
	const char *t = buf_str(&l->w);
	int bare = !(l->wflags & WF_QUOTED);

	if (!l->inword)
		return;
	if (l->redir == R_WRITE || (l->redir == R_DUP &&
	    strspn(t, "0123456789-") != strlen(t)))
		strv_push(&l->c.out, t);
	else if (l->redir == R_HERESTR)
		append_input(&l->c.input, t);
	else if (l->redir == R_HEREDOC && l->nhd < HM_ARRAY_SIZE(l->hd)) {
		l->hd[l->nhd].delim = xstrdup(t);
		l->hd[l->nhd].strip = l->hdstrip;
		l->hd[l->nhd++].owner = -1;
	} else if (l->redir != R_NONE)
		;
	else if (l->after_function) {
		free(l->pending_func);
		l->pending_func = xstrdup(t);
		l->after_function = 0;
	} else if (l->c.n == 0 && bare && !strcmp(t, "{"))
		group_push(l);
	else if (l->c.n == 0 && bare && !strcmp(t, "}"))
		group_pop(l);
	else if (l->c.n == 0 && bare && !strcmp(t, "function"))
		l->after_function = 1;
	else
		scmd_add(&l->c, t, l->wflags);
	l->redir = R_NONE;
	l->inword = 0;
	l->wflags = 0;
	buf_reset(&l->w);
}

static void
end_cmd(struct lex *l, int how)
{
	const char *f;
	size_t i, k;

	end_word(l);
	if (l->c.n || l->c.out.n || l->c.input) {
		l->c.pipe_in = l->pipe_next;
		l->c.pipe_out = how == END_PIPE;
		l->c.bg = how == END_BG;
		l->c.pipeline = l->pipeline;
		l->c.depth = l->depth;
		if ((f = lex_func(l)))
			l->c.func = xstrdup(f);
		k = parse_push(l->p, &l->c);
		for (i = 0; i < l->nhd; i++)
			if (l->hd[i].owner < 0)
				l->hd[i].owner = (long)k;
	} else
		scmd_free(&l->c);
	l->pipe_next = how == END_PIPE;
	if (how != END_PIPE)
		l->pipeline = ++l->p->ids;
}

/* After a newline: read the bodies of the pending here-documents. */
static void
heredocs(struct lex *l)
{
	struct heredoc *h;
	struct buf body = BUF_INIT;
	const char *line, *nl;
	size_t i, n;

	for (i = 0; i < l->nhd; i++) {
		h = &l->hd[i];
		buf_reset(&body);
		while (l->s[l->i]) {
			line = l->s + l->i;
			nl = strchr(line, '\n');
			n = nl ? (size_t)(nl - line) : strlen(line);
			l->i += n + (nl != NULL);
			if (h->strip)
				while (n && *line == '\t')
					line++, n--;
			if (n == strlen(h->delim) && !strncmp(line, h->delim, n))
				break;
			buf_add(&body, line, n);
			buf_addc(&body, '\n');
		}
		if (h->owner >= 0 && (size_t)h->owner < l->p->n)
			append_input(&l->p->c[h->owner].input, buf_str(&body));
		free(h->delim);
	}
	l->nhd = 0;
	buf_release(&body);
}

/* s[open] is '(': the index of its ')', or of the end of s. */
static size_t
find_close(const char *s, size_t open)
{
	size_t i = open + 1;
	int depth = 1;
	char q;

	while (s[i]) {
		if (s[i] == '\\' && s[i + 1]) {
			i += 2;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
			q = s[i++];
			while (s[i] && s[i] != q) {
				if (q != '\'' && s[i] == '\\' && s[i + 1])
					i++;
				i++;
			}
			if (s[i])
				i++;
			continue;
		}
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
		i++;
	}
	return i;
}

static int
is_downloader(const char *name)
{
	static const char *const dl[] = { "curl", "wget", "fetch", "aria2c",
		"http", "https", NULL };

	return in_list(name, dl);
}

static size_t cmd_start(const struct scmd *c, const char **split,
    size_t *rest);

/* Lex inner as commands of their own; mark the word when one downloads. */
static void
lex_subst(struct lex *l, const char *inner)
{
	const char *split;
	size_t n0 = l->p->n, i, s, rest;

	parse_text(l->p, inner, l->depth + 1);
	for (i = n0; i < l->p->n; i++) {
		s = cmd_start(&l->p->c[i], &split, &rest);
		if (s < l->p->c[i].n &&
		    is_downloader(approve_base(l->p->c[i].w[s])))
			l->wflags |= WF_DL;
	}
}

/* At s[i] == '(' of "$(", "<(" or ">(": lex the inside, keep the text. */
static void
lex_paren_subst(struct lex *l, size_t from)
{
	size_t j = find_close(l->s, l->i);
	char *inner = xstrndup(l->s + l->i + 1, j - l->i - 1);

	lex_subst(l, inner);
	free(inner);
	if (l->s[j])
		j++;
	buf_add(&l->w, l->s + from, j - from);
	l->i = j;
	l->inword = 1;
}

static void
lex_backtick(struct lex *l)
{
	struct buf in = BUF_INIT;
	size_t from = l->i, j = l->i + 1;

	while (l->s[j] && l->s[j] != '`') {
		if (l->s[j] == '\\' && l->s[j + 1] &&
		    strchr("`\\$", l->s[j + 1]))
			j++;
		buf_addc(&in, l->s[j++]);
	}
	lex_subst(l, buf_str(&in));
	buf_release(&in);
	if (l->s[j])
		j++;
	buf_add(&l->w, l->s + from, j - from);
	l->i = j;
	l->inword = 1;
}

static void
lex_dollar(struct lex *l)
{
	const char *s = l->s;
	size_t from = l->i, j;
	int depth = 0;

	l->inword = 1;
	if (s[l->i + 1] == '(' && s[l->i + 2] != '(') {
		l->i++;
		lex_paren_subst(l, from);
		return;
	}
	if (s[l->i + 1] == '(') {
		j = find_close(s, l->i + 1);
		l->i = s[j] ? j + 1 : j;
		buf_add(&l->w, s + from, l->i - from);
		return;
	}
	if (s[l->i + 1] == '{') {
		for (j = l->i + 1; s[j]; j++)
			if (s[j] == '{')
				depth++;
			else if (s[j] == '}' && --depth == 0)
				break;
		l->i = s[j] ? j + 1 : j;
		buf_add(&l->w, s + from, l->i - from);
		return;
	}
	buf_addc(&l->w, '$');
	l->i++;
}

static void
lex_dquote(struct lex *l)
{
	const char *s = l->s;

	l->inword = 1;
	l->wflags |= WF_QUOTED;
	l->i++;
	while (s[l->i] && s[l->i] != '"') {
		if (s[l->i] == '\\' && s[l->i + 1] &&
		    strchr("$`\"\\\n", s[l->i + 1])) {
			if (s[l->i + 1] != '\n')
				buf_addc(&l->w, s[l->i + 1]);
			l->i += 2;
		} else if (s[l->i] == '$')
			lex_dollar(l);
		else if (s[l->i] == '`')
			lex_backtick(l);
		else
			buf_addc(&l->w, s[l->i++]);
	}
	if (s[l->i])
		l->i++;
}

static void
lex_redirect(struct lex *l)
{
	const char *s = l->s, *t = buf_str(&l->w);

	if (l->inword && !(l->wflags & WF_QUOTED) && *t &&
	    strspn(t, "0123456789") == strlen(t)) {
		buf_reset(&l->w);	/* an fd number: 2>file */
		l->inword = 0;
	} else
		end_word(l);
	if (s[l->i++] == '>') {
		l->redir = R_WRITE;
		if (s[l->i] == '>' || s[l->i] == '|')
			l->i++;
		else if (s[l->i] == '&') {
			l->i++;
			l->redir = R_DUP;
		}
		return;
	}
	l->redir = R_READ;
	if (s[l->i] == '<' && s[l->i + 1] == '<') {
		l->i += 2;
		l->redir = R_HERESTR;
	} else if (s[l->i] == '<') {
		l->i++;
		l->redir = R_HEREDOC;
		l->hdstrip = s[l->i] == '-';
		if (l->hdstrip)
			l->i++;
	} else if (s[l->i] == '>') {
		l->i++;
		l->redir = R_WRITE;
	} else if (s[l->i] == '&')
		l->i++;
}

static void
lex_paren(struct lex *l)
{
	const char *s = l->s;
	size_t j = l->i + 1;

	end_word(l);
	while (s[j] == ' ' || s[j] == '\t')
		j++;
	if (s[j] == ')') {		/* NAME() starts a function */
		if (l->c.n == 1) {
			free(l->pending_func);
			l->pending_func = l->c.w[0];
			l->c.n = 0;
		}
		l->i = j + 1;
		return;
	}
	if (s[l->i + 1] == '(') {	/* (( arithmetic )) */
		j = find_close(s, l->i);
		l->i = s[j] ? j + 1 : j;
		return;
	}
	end_cmd(l, END_SEP);
	group_push(l);
	l->i++;
}

static void
lex_run(struct lex *l)
{
	const char *s = l->s;
	char ch;

	while ((ch = s[l->i])) {
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			end_word(l);
			l->i++;
		} else if (ch == '\n') {
			end_cmd(l, END_SEP);
			l->i++;
			heredocs(l);
		} else if (ch == '#' && !l->inword) {
			while (s[l->i] && s[l->i] != '\n')
				l->i++;
		} else if (ch == '\'') {
			l->inword = 1;
			l->wflags |= WF_QUOTED;
			while (s[++l->i] && s[l->i] != '\'')
				buf_addc(&l->w, s[l->i]);
			if (s[l->i])
				l->i++;
		} else if (ch == '"')
			lex_dquote(l);
		else if (ch == '\\') {
			l->i++;
			if (s[l->i] && s[l->i] != '\n') {
				buf_addc(&l->w, s[l->i]);
				l->inword = 1;
				l->wflags |= WF_QUOTED;
			}
			if (s[l->i])
				l->i++;
		} else if (ch == '$')
			lex_dollar(l);
		else if (ch == '`')
			lex_backtick(l);
		else if ((ch == '<' || ch == '>') && s[l->i + 1] == '(') {
			l->i++;
			lex_paren_subst(l, l->i - 1);
		} else if (ch == '<' || ch == '>')
			lex_redirect(l);
		else if (ch == ';') {
			end_cmd(l, END_SEP);
			l->i += 1 + (s[l->i + 1] == ';' || s[l->i + 1] == '&');
		} else if (ch == '&' && s[l->i + 1] == '&') {
			end_cmd(l, END_SEP);
			l->i += 2;
		} else if (ch == '&' && s[l->i + 1] == '>') {
			end_word(l);
			l->i += 2 + (s[l->i + 2] == '>');
			l->redir = R_WRITE;
		} else if (ch == '&') {
			end_cmd(l, END_BG);
			l->i++;
		} else if (ch == '|' && s[l->i + 1] == '|') {
			end_cmd(l, END_SEP);
			l->i += 2;
		} else if (ch == '|') {
			end_cmd(l, END_PIPE);
			l->i += 1 + (s[l->i + 1] == '&');
		} else if (ch == '(')
			lex_paren(l);
		else if (ch == ')') {
			end_cmd(l, END_SEP);
			group_pop(l);
			l->i++;
		} else {
			buf_addc(&l->w, ch);
			l->inword = 1;
			l->i++;
		}
	}
	end_cmd(l, END_SEP);
	heredocs(l);
}

static void
parse_text(struct parse *p, const char *s, int depth)
{
	struct lex l;

	if (depth > APPROVE_DEPTH) {
		p->toodeep = 1;
		return;
	}
	memset(&l, 0, sizeof(l));
	l.p = p;
	l.s = s;
	l.depth = depth;
	l.pipeline = ++p->ids;
	lex_run(&l);
	while (l.ngroups)
		free(l.groups[--l.ngroups]);
	free(l.pending_func);
	scmd_free(&l.c);
	buf_release(&l.w);
}

/* ---- where the command word is ---- */

struct wrapper {
	const char *name;
	const char *argopts;	/* short options that take a value */
	const char *longargs;	/* "|long|" options that take a value */
	int npos;		/* operands before the command */
};

static const struct wrapper wrappers[] = {
	{ "sudo", "CDghpRrTtUu", "|chdir|close-from|group|host|prompt|role|"
	    "type|user|other-user|command-timeout|", 0 },
	{ "doas", "Cu", "", 0 },
	{ "env", "Cu", "|chdir|unset|", 0 },
	{ "nice", "n", "|adjustment|", 0 },
	{ "nohup", "", "", 0 },
	{ "timeout", "ks", "|kill-after|signal|", 1 },
	{ "xargs", "EILPadns", "|arg-file|delimiter|max-args|max-chars|"
	    "max-lines|max-procs|process-slot-var|", 0 },
	{ "stdbuf", "eio", "|error|input|output|", 0 },
	{ "ionice", "cnp", "|class|classdata|pid|", 0 },
	{ "setsid", "", "", 0 },
	{ "time", "fo", "|format|output|", 0 },
	{ "command", "", "", 0 },
	{ "exec", "a", "", 0 },
	{ "builtin", "", "", 0 },
	{ "chroot", "", "|userspec|groups|", 1 },
	{ "taskset", "", "", 1 },
	{ "busybox", "", "", 0 },
	{ "unbuffer", "", "", 0 },
};

static int
is_assign(const char *w)
{
	if (!(isalpha((unsigned char)*w) || *w == '_'))
		return 0;
	while (isalnum((unsigned char)*w) || *w == '_')
		w++;
	return *w == '=' || (w[0] == '+' && w[1] == '=');
}

static int
is_reserved(const char *w)
{
	static const char *const r[] = { "!", "if", "then", "elif", "else",
		"fi", "do", "done", "while", "until", "{", "}", NULL };

	return in_list(w, r);
}

/* a, an option word "--NAME[=V]", names an option that starts with
 * at least min characters of full (getopt_long takes abbreviations). */
static int
long_is(const char *a, const char *full, size_t min)
{
	size_t n;

	if (strncmp(a, "--", 2))
		return 0;
	a += 2;
	n = strcspn(a, "=");
	return n >= min && n <= strlen(full) && !strncmp(a, full, n);
}

static size_t
skip_wrapper(const struct scmd *c, size_t i, const struct wrapper *wr,
    const char **split, size_t *rest)
{
	const char *a;
	struct buf key = BUF_INIT;
	size_t k;
	int npos = wr->npos, env = !strcmp(wr->name, "env");

	for (i++; i < c->n; i++) {
		a = c->w[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (a[1] == '-') {
			if (env && long_is(a, "split-string", 3)) {
				*split = strchr(a, '=') ? strchr(a, '=') + 1 :
				    i + 1 < c->n ? c->w[i + 1] : "";
				*rest = i + 1 + !strchr(a, '=');
				break;
			}
			buf_reset(&key);
			buf_addf(&key, "|%.*s|", (int)strcspn(a + 2, "="),
			    a + 2);
			if (!strchr(a, '=') && strstr(wr->longargs, key.s))
				i++;
			continue;
		}
		for (k = 1; a[k]; k++) {
			if (env && a[k] == 'S') {
				*split = a[k + 1] ? a + k + 1 :
				    i + 1 < c->n ? c->w[i + 1] : "";
				*rest = i + 1 + !a[k + 1];
				buf_release(&key);
				return c->n;
			}
			if (strchr(wr->argopts, a[k])) {
				if (!a[k + 1])
					i++;
				break;
			}
		}
	}
	buf_release(&key);
	if (*split)
		return c->n;
	for (; npos > 0 && i < c->n; npos--)
		i++;
	return i;
}

/* The index of the word that names the program, past assignments,
 * reserved words and wrappers; c->n when there is none.  env -S hands
 * its string back in split (with the words from rest). */
static size_t
cmd_start(const struct scmd *c, const char **split, size_t *rest)
{
	static const char *const loops[] = { "for", "case", "select", "in",
		"esac", NULL };
	const char *b;
	size_t i = 0, k;

	*split = NULL;
	*rest = 0;
	while (i < c->n) {
		if (is_assign(c->w[i]) || is_reserved(c->w[i])) {
			i++;
			continue;
		}
		if (in_list(c->w[i], loops))
			return c->n;
		b = approve_base(c->w[i]);
		for (k = 0; k < HM_ARRAY_SIZE(wrappers); k++)
			if (!strcmp(b, wrappers[k].name))
				break;
		if (k == HM_ARRAY_SIZE(wrappers))
			break;
		i = skip_wrapper(c, i, &wrappers[k], split, rest);
	}
	return i;
}

/* ---- paths ---- */

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

/* Fold a path as words show it: "~/a/../b/" is "~/b".  With star, a
 * trailing "*" component goes too (the contents of /x stand for /x).
 * The result is the caller's. */
static char *
path_norm(const struct approve *a, const char *in, int star)
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

/* rm -rf of this would wreck the machine or the home directory. */
static int
critical(const struct approve *a, const char *path)
{
	static const char *const top[] = { "bin", "boot", "dev", "etc",
		"home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
		"opt", "proc", "root", "run", "sbin", "snap", "srv", "sys",
		"usr", "var", NULL };
	char *n = path_norm(a, path, 1);
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

static char *
join_words(const struct scmd *c, size_t from)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = from; i < c->n; i++)
		buf_addf(&b, "%s%s", i > from ? " " : "", c->w[i]);
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b);
}

static void __attribute__((format(printf, 2, 3)))
hard(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->hard.len)
		return;
	va_start(ap, fmt);
	buf_vaddf(&v->hard, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
danger(struct verdict *v, const struct scmd *c, size_t s,
    const char *fmt, ...)
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
	strv_push(&v->reason, b.s);
	strv_push(&v->words, full);
	buf_release(&b);
	free(full);
}

/* ---- the rules ---- */

static void
push_words(struct parse *p, const struct scmd *from, size_t i, size_t j)
{
	struct scmd c;

	memset(&c, 0, sizeof(c));
	for (; i < j; i++)
		scmd_add(&c, from->w[i], from->wf[i]);
	c.pipeline = ++p->ids;
	c.depth = from->depth + 1;
	if (c.depth > APPROVE_DEPTH) {
		p->toodeep = 1;
		scmd_free(&c);
		return;
	}
	parse_push(p, &c);
}

static void
parse_join(struct parse *p, const char *first, const struct scmd *c,
    size_t from, int depth)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (first)
		buf_adds(&b, first);
	for (i = from; i < c->n; i++)
		buf_addf(&b, "%s%s", b.len ? " " : "", c->w[i]);
	parse_text(p, buf_str(&b), depth + 1);
	buf_release(&b);
}

/* The files a command writes, as written in its words. */
static void
writes(const struct scmd *c, size_t s, struct strv *out)
{
	struct strv ops = { NULL, 0 };
	const char *name = s < c->n ? approve_base(c->w[s]) : "", *a;
	const char *tdir = NULL;
	const char *argopts = "";
	size_t i, k;
	int dd = 0, inplace = 0, script = 0, dest = 0;

	for (i = 0; i < c->out.n; i++)
		strv_push(out, c->out.v[i]);
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
			strv_push(out, a + 3);
		if (!dd && !strcmp(a, "--")) {
			dd = 1;
			continue;
		}
		if (dd || a[0] != '-' || !a[1]) {
			strv_push(&ops, a);
			continue;
		}
		if (a[1] == '-') {
			if (long_is(a, "in-place", 3))
				inplace = 1;
			if (long_is(a, "expression", 3) ||
			    long_is(a, "file", 3))
				script = 1;
			if (long_is(a, "target-directory", 3))
				tdir = strchr(a, '=') ? strchr(a, '=') + 1 :
				    i + 1 < c->n ? c->w[++i] : NULL;
			else if ((long_is(a, "expression", 3) ||
			    long_is(a, "file", 3)) && !strchr(a, '='))
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
			strv_push(out, ops.v[i]);
	if (!strcmp(name, "sed") && inplace)
		for (i = !script; i < ops.n; i++)
			strv_push(out, ops.v[i]);
	if (dest && (tdir || ops.n >= 2)) {
		struct buf d = BUF_INIT;
		size_t nsrc = tdir ? ops.n : ops.n - 1;

		if (!tdir) {
			tdir = ops.v[ops.n - 1];
			strv_push(out, tdir);
		}
		for (i = 0; i < nsrc; i++) {
			buf_reset(&d);
			buf_addf(&d, "%s/%s", tdir, approve_base(ops.v[i]));
			strv_push(out, d.s);
		}
		buf_release(&d);
	}
	strv_clear(&ops);
}

static void
check_writes(struct approve *a, const struct scmd *c, size_t s,
    struct verdict *v)
{
	static const char *const disks[] = { "/dev/sd", "/dev/nvme",
		"/dev/vd", "/dev/mmcblk", "/dev/hd", "/dev/xvd", "/dev/disk/",
		"/dev/mapper/", NULL };
	static const char *const policy[] = { "config", "command_allowlist",
		".command_allowlist.lock", "hooks", NULL };
	struct strv w = { NULL, 0 };
	const char *const *d;
	const char *rel;
	char *n;
	size_t i;

	writes(c, s, &w);
	for (i = 0; i < w.n; i++) {
		n = path_norm(a, w.v[i], 0);
		rel = in_home(a, n);
		for (d = disks; *d; d++)
			if (!strncmp(n, *d, strlen(*d)))
				hard(v, "writes onto the disk device '%s'",
				    w.v[i]);
		if (rel && !strcmp(rel, ".env"))
			hard(v, "writes onto '%s', where the secrets live",
			    w.v[i]);
		else if (rel && (in_list(rel, policy) ||
		    !strncmp(rel, "hooks/", 6)))
			danger(v, c, s, "writes hermes' own policy file '%s'",
			    w.v[i]);
		else if (!strcmp(n, "/etc") || !strncmp(n, "/etc/", 5))
			danger(v, c, s, "writes '%s' under /etc", w.v[i]);
		else if (!strncmp(n, "~/.ssh", 6) ||
		    !strncmp(n, "/root/.ssh", 10) || (!strncmp(n, "/home/", 6)
		    && strstr(n, "/.ssh") && strstr(n, "/.ssh") ==
		    strchr(n + 6, '/')))
			danger(v, c, s, "writes '%s' under ~/.ssh", w.v[i]);
		free(n);
	}
	strv_clear(&w);
}

static void
check_rm(struct approve *a, const struct scmd *c, size_t s,
    struct verdict *v)
{
	const char *w;
	size_t i;
	int rec = 0, dd = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if (!dd && w[0] == '-' && w[1] == '-')
			rec |= long_is(w, "recursive", 3) ||
			    long_is(w, "no-preserve-root", 4);
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
			hard(v, "recursive rm of '%s'", w);
			return;
		}
	}
	danger(v, c, s, "recursive rm");
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
		int all = who == 0 || memchr(p, 'a', who) || memchr(p, 'o', who);

		if (all && (p[who] == '+' || p[who] == '=') &&
		    memchr(p + who, 'w', k - who))
			return 1;
	}
	return 0;
}

static void
check_chmod(struct approve *a, const struct scmd *c, size_t s,
    struct verdict *v)
{
	const char *name = approve_base(c->w[s]), *w, *mode = NULL;
	size_t i;
	int rec = 0, dd = 0, crit = 0;

	for (i = s + 1; i < c->n; i++) {
		w = c->w[i];
		if (!dd && !strcmp(w, "--"))
			dd = 1;
		else if (!dd && w[0] == '-' && w[1] == '-')
			rec |= long_is(w, "recursive", 3);
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
		hard(v, "chmod -R %s of a system directory", mode);
	else if (rec)
		danger(v, c, s, "%s -R", name);
	else if (mode && world_writable(mode))
		danger(v, c, s, "chmod %s makes files world-writable", mode);
}

static void
check_git(const struct scmd *c, size_t s, struct verdict *v)
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
		if (!strcmp(sub, "push") && (long_is(w, "force", 2) ||
		    !strncmp(w, "--force", 7) || *w == '+' ||
		    (w[0] == '-' && w[1] != '-' && strchr(w, 'f')))) {
			danger(v, c, s, "git push --force");
			return;
		}
		if (!strcmp(sub, "reset") && long_is(w, "hard", 2)) {
			danger(v, c, s, "git reset --hard");
			return;
		}
		if (!strcmp(sub, "clean") && (long_is(w, "force", 2) ||
		    (w[0] == '-' && w[1] != '-' && strchr(w, 'f')))) {
			danger(v, c, s, "git clean -f");
			return;
		}
	}
}

static void
check_kill(const struct scmd *c, size_t s, struct verdict *v)
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
			danger(v, c, s, "kill -1 signals every process");
			return;
		}
	}
}

/* SQL that destroys: DROP TABLE/DATABASE/SCHEMA, TRUNCATE, DELETE FROM
 * without WHERE.  String literals are skipped.  Returns the rule. */
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
static const struct scmd *
feeder(const struct parse *p, size_t i, size_t *k)
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
check_sql(const struct parse *p, size_t ci, size_t s, struct verdict *v)
{
	const struct scmd *c = &p->c[ci], *f;
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
		danger(v, c, s, "%s in a SQL client", what);
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
check_shell(struct parse *p, size_t ci, size_t s, struct verdict *v)
{
	const struct scmd *c = &p->c[ci], *f;
	const char *name = approve_base(c->w[s]), *w;
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
		dl |= c->wf[i] & WF_DL;
	if (dl && (is_shell(name) || !strcmp(name, "source") ||
	    !strcmp(name, ".") || !strcmp(name, "eval")))
		danger(v, c, s, "runs code it downloads");
	for (k = ci; c->pipe_in && (f = feeder(p, ci, &k));) {
		const char *split;
		size_t rest, fs = cmd_start(f, &split, &rest);

		if (fs < f->n && is_downloader(approve_base(f->w[fs])) &&
		    (is_shell(name) || (is_interp(name) && !code &&
		    ops >= c->n))) {
			danger(v, c, s, "download piped to %s", name);
			break;
		}
	}
	if (!is_shell(name))
		return;
	if (dashc && ops < c->n) {
		parse_text(p, c->w[ops], depth + 1);
		return;
	}
	if (ops < c->n && !dashc)
		return;			/* a script file: opaque */
	if (c->input) {
		w = xstrdup(c->input);
		parse_text(p, w, depth + 1);
		free((char *)w);
	}
	for (k = ci; (c = &p->c[ci])->pipe_in && (f = feeder(p, ci, &k));) {
		const char *split;
		size_t rest, fs = cmd_start(f, &split, &rest);

		if (fs < f->n && (!strcmp(approve_base(f->w[fs]), "echo") ||
		    !strcmp(approve_base(f->w[fs]), "printf"))) {
			struct scmd tmp = *f;

			parse_join(p, NULL, &tmp, fs + 1, depth);
			break;
		}
		if (f->input) {
			w = xstrdup(f->input);
			parse_text(p, w, depth + 1);
			free((char *)w);
			break;
		}
	}
}

static void
check_find(struct parse *p, size_t ci, size_t s, struct verdict *v)
{
	static const char *const ex[] = { "-exec", "-execdir", "-ok",
		"-okdir", NULL };
	size_t i, j;

	for (i = s + 1; i < p->c[ci].n; i++) {
		if (!strcmp(p->c[ci].w[i], "-delete"))
			danger(v, &p->c[ci], s, "find -delete");
		if (!in_list(p->c[ci].w[i], ex))
			continue;
		for (j = i + 1; j < p->c[ci].n; j++)
			if (!strcmp(p->c[ci].w[j], ";") ||
			    !strcmp(p->c[ci].w[j], "+"))
				break;
		push_words(p, &p->c[ci], i + 1, j);
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
	return !is_assign(w + 1) && strspn(w + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n - 1;
}

static void
check_one(struct approve *a, struct parse *p, size_t ci, struct verdict *v)
{
	static const char *const off[] = { "shutdown", "reboot", "halt",
		"poweroff", "kexec", NULL };
	static const char *const sql[] = { "psql", "mysql", "mariadb",
		"sqlite3", "sqlcmd", "duckdb", "clickhouse-client", NULL };
	const struct scmd *c = &p->c[ci];
	const char *name, *split, *w;
	size_t s, rest, i;

	s = cmd_start(c, &split, &rest);
	if (split) {
		parse_join(p, split, c, rest, c->depth);
		return;
	}
	if (s >= c->n) {
		if (c->out.n)
			check_writes(a, c, s, v);
		return;
	}
	name = approve_base(c->w[s]);
	if (c->func && !strcmp(c->w[s], c->func) &&
	    (c->pipe_in || c->pipe_out || c->bg))
		hard(v, "fork bomb ('%s' starts copies of itself)", c->func);
	if (c->wf[s] & WF_DL)
		danger(v, c, s, "runs code it downloads");
	else if (expansion(c->w[s]))
		danger(v, c, s, "the program is only known when it runs");
	if (!strncmp(name, "mkfs", 4) || !strcmp(name, "mke2fs"))
		hard(v, "%s formats a file system", name);
	if (in_list(name, off))
		hard(v, "%s stops the machine", name);
	if (!strcmp(name, "systemctl") || !strcmp(name, "init") ||
	    !strcmp(name, "telinit"))
		for (i = s + 1; i < c->n; i++)
			if (in_list(c->w[i], off) || (strcmp(name, "systemctl")
			    && (!strcmp(c->w[i], "0") || !strcmp(c->w[i], "6"))))
				hard(v, "%s %s stops the machine", name,
				    c->w[i]);
	check_writes(a, c, s, v);
	if (!strcmp(name, "rm"))
		check_rm(a, c, s, v);
	else if (!strcmp(name, "chmod") || !strcmp(name, "chown") ||
	    !strcmp(name, "chgrp"))
		check_chmod(a, c, s, v);
	else if (!strcmp(name, "git"))
		check_git(c, s, v);
	else if (!strcmp(name, "kill"))
		check_kill(c, s, v);
	else if (!strcmp(name, "killall") || !strcmp(name, "killall5"))
		danger(v, c, s, "%s kills processes by name", name);
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
				danger(v, c, s, "crontab -r removes every job");
			else if (strchr(w, 'u') && !w[strcspn(w, "u") + 1])
				i++;
		}
	} else if (!strncmp(name, "iptables", 8) ||
	    !strncmp(name, "ip6tables", 9)) {
		for (i = s + 1; i < c->n; i++)
			if (!strcmp(c->w[i], "-F") ||
			    long_is(c->w[i], "flush", 3))
				danger(v, c, s, "%s -F drops the firewall "
				    "rules", name);
	} else if (!strcmp(name, "nft")) {
		for (i = s + 1; i + 1 < c->n; i++)
			if (!strcmp(c->w[i], "flush") &&
			    !strcmp(c->w[i + 1], "ruleset"))
				danger(v, c, s, "nft flush ruleset");
	} else if (!strcmp(name, "su") || !strcmp(name, "runuser")) {
		for (i = s + 1; i < c->n; i++)
			if ((!strcmp(c->w[i], "-c") ||
			    !strcmp(c->w[i], "--command")) && i + 1 < c->n) {
				parse_text(p, p->c[ci].w[i + 1],
				    p->c[ci].depth + 1);
				break;
			} else if (!strncmp(c->w[i], "--command=", 10)) {
				parse_text(p, c->w[i] + 10, c->depth + 1);
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

/* ---- the policy ---- */

/* words matches an entry; prefix entries only when prefixes is set
 * (never on a whole command line: "git push *" must not pass
 * "git push; rm -rf x"). */
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
	struct parse p;
	struct verdict v;
	const char *by = NULL;
	char *t = trimmed(cmd);
	size_t i;
	int rc = APPROVE_ALLOW;

	memset(&p, 0, sizeof(p));
	memset(&v, 0, sizeof(v));
	parse_text(&p, cmd, 0);
	for (i = 0; i < p.n && !v.hard.len; i++)
		check_one(a, &p, i, &v);
	if (p.toodeep && !v.hard.len) {
		struct scmd none;

		memset(&none, 0, sizeof(none));
		danger(&v, &none, 0, "nested too deeply to check");
	}
	if (v.hard.len) {
		buf_addf(why, "blocked: %s", v.hard.s);
		rc = APPROVE_DENY;
	} else if (!v.reason.n)
		buf_adds(why, "no dangerous pattern");
	else if (a->mode == APPROVE_MODE_OFF)
		buf_addf(why, "approvals.mode is off: %s", v.reason.v[0]);
	else if (strv_has(&(struct strv){ a->session, a->nsession }, t))
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
			buf_addf(why, "dangerous: %s", v.reason.v[i]);
			rc = APPROVE_ASK;
		} else {
			buf_addf(why, "dangerous: %s; %s", v.reason.v[i],
			    a->mode == APPROVE_MODE_DENY ?
			    "approvals.mode is deny" :
			    "nobody is there to approve it");
			rc = APPROVE_DENY;
		}
	}
	buf_release(&v.hard);
	strv_clear(&v.reason);
	strv_clear(&v.words);
	parse_free(&p);
	free(t);
	return rc;
}

static int
load_list(struct approve *a, struct buf *err)
{
	struct buf b = BUF_INIT;
	struct strv v = { NULL, 0 };
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
		if (*t && *t != '#' && !strv_has(&v, t))
			strv_push(&v, t);
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
	if (!m || !*m)
		m = "ask";
	for (i = 0; i < HM_ARRAY_SIZE(modes); i++)
		if (!strcmp(m, modes[i]))
			break;
	if (i == HM_ARRAY_SIZE(modes))
		return hm_fail(err, HM_EINVAL, "invalid approvals.mode '%s': "
		    "use ask, deny or off", m);
	a->mode = (int)i;
	a->home = path_norm(a, hm_home(), 0);
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
	struct strv s = { a->session, a->nsession };
	struct strv l = { a->allow, a->nallow };
	struct buf b = BUF_INIT;
	char *t = trimmed(cmd), *lock;
	int fd, rc = 0;

	if (!strv_has(&s, t))
		strv_push(&s, t);
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
	if (!rc && !strv_has(&l, t))
		strv_push(&l, t);
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
		hm_fail(err, HM_EFAIL, "nobody is there to approve it");
		return APPROVE_DENY;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		hm_fail(err, HM_EFAIL, "cannot ask on '/dev/tty': %s",
		    strerror(errno));
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
			hm_fail(err, HM_EFAIL, "no answer; denied");
			break;
		}
		n = read(fd, ans, sizeof(ans) - 1);
		if (n <= 0) {
			hm_fail(err, HM_EFAIL, "no answer; denied");
			break;
		}
		ans[n] = '\0';
		ch = tolower((unsigned char)ans[strspn(ans, " \t")]);
		if (ch == 'd' || ch == 'n')
			break;
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
