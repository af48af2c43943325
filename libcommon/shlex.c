/*
 * shlex.c: the shell lexer behind approve.c; see shlex.h for what it
 * understands.
 *
 * One pass over the text with a small state (struct shlex_lex): the word
 * being built, the pending redirection, the here-documents waiting for
 * the next newline, and the stack of open groups with the function each
 * one defines.  end_word() files the finished word (as a word, a
 * redirection target, a here-document delimiter or a function name);
 * end_cmd() pushes the simple command.  A substitution is lexed at once
 * by a recursive shlex_parse(), so its commands land in the list before
 * the command that uses them; the word remembers their range.
 *
 * Nothing touches the disk or the environment.
 */
#include <ctype.h>

#include "common.h"
#include "shlex.h"

enum { R_NONE, R_WRITE, R_READ, R_DUP, R_HEREDOC, R_HERESTR };
enum { END_SEP, END_PIPE, END_BG };

struct heredoc {
	char *delim;
	int strip;
	long owner;		/* index in p->c, -1 until pushed */
};

struct shlex_lex {
	struct shlex *p;
	const char *s;
	size_t i;
	int depth, pipeline, pipe_next;
	struct shlex_cmd c;
	struct buf w;
	int inword, wflags, redir, hdstrip, after_function;
	int hassub;		/* the word holds a substitution ... */
	size_t subfrom;		/* ... whose commands start here */
	struct heredoc hd[8];
	size_t nhd;
	char *groups[32];	/* function name of each open group */
	size_t ngroups, lost;	/* lost: groups past the array */
	char *pending_func;
};

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

const char *
shlex_base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b && b[1] ? b + 1 : s;
}

static void
cmd_free(struct shlex_cmd *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->w[i]);
	free(c->w);
	free(c->wi);
	for (i = 0; i < c->nout; i++)
		free(c->out[i]);
	free(c->out);
	free(c->input);
	free(c->func);
	memset(c, 0, sizeof(*c));
}

void
shlex_release(struct shlex *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		cmd_free(&p->c[i]);
	free(p->c);
	memset(p, 0, sizeof(*p));
}

static size_t
cmd_push(struct shlex *p, struct shlex_cmd *c)
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
cmd_add(struct shlex_cmd *c, const char *s, const struct shlex_word *wi)
{
	c->w = xrealloc(c->w, (c->n + 1) * sizeof(*c->w));
	c->wi = xrealloc(c->wi, (c->n + 1) * sizeof(*c->wi));
	c->w[c->n] = xstrdup(s);
	c->wi[c->n++] = *wi;
}

static void
cmd_add_out(struct shlex_cmd *c, const char *s)
{
	c->out = xrealloc(c->out, (c->nout + 1) * sizeof(*c->out));
	c->out[c->nout++] = xstrdup(s);
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
lex_func(const struct shlex_lex *l)
{
	size_t i = l->ngroups;

	while (i > 0)
		if (l->groups[--i])
			return l->groups[i];
	return NULL;
}

static void
group_push(struct shlex_lex *l)
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
group_pop(struct shlex_lex *l)
{
	if (l->lost)
		l->lost--;
	else if (l->ngroups)
		free(l->groups[--l->ngroups]);
}

static void
end_word(struct shlex_lex *l)
{
	const char *t = buf_str(&l->w);
	struct shlex_word wi;
	int bare = !(l->wflags & SHLEX_QUOTED);

	if (!l->inword)
		return;
	if (l->redir == R_WRITE || (l->redir == R_DUP &&
	    strspn(t, "0123456789-") != strlen(t)))
		cmd_add_out(&l->c, t);
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
	else {
		wi.flags = l->wflags;
		wi.sub = l->hassub ? l->subfrom : 0;
		wi.nsub = l->hassub ? l->p->n - l->subfrom : 0;
		cmd_add(&l->c, t, &wi);
	}
	l->redir = R_NONE;
	l->inword = 0;
	l->wflags = 0;
	l->hassub = 0;
	buf_reset(&l->w);
}

static void
end_cmd(struct shlex_lex *l, int how)
{
	const char *f;
	size_t i, k;

	end_word(l);
	if (l->c.n || l->c.nout || l->c.input) {
		l->c.pipe_in = l->pipe_next;
		l->c.pipe_out = how == END_PIPE;
		l->c.bg = how == END_BG;
		l->c.pipeline = l->pipeline;
		l->c.depth = l->depth;
		if ((f = lex_func(l)))
			l->c.func = xstrdup(f);
		k = cmd_push(l->p, &l->c);
		for (i = 0; i < l->nhd; i++)
			if (l->hd[i].owner < 0)
				l->hd[i].owner = (long)k;
	} else
		cmd_free(&l->c);
	l->pipe_next = how == END_PIPE;
	if (how != END_PIPE)
		l->pipeline = ++l->p->ids;
}

/* After a newline: read the bodies of the pending here-documents. */
static void
heredocs(struct shlex_lex *l)
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
			if (n == strlen(h->delim) &&
			    !strncmp(line, h->delim, n))
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

/* Lex inner as commands of their own; the word remembers where. */
static void
lex_subst(struct shlex_lex *l, const char *inner)
{
	if (!l->hassub) {
		l->hassub = 1;
		l->subfrom = l->p->n;
	}
	shlex_parse(l->p, inner, l->depth + 1);
}

/* At s[i] == '(' of "$(", "<(" or ">(": lex the inside, keep the text. */
static void
lex_paren_subst(struct shlex_lex *l, size_t from)
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
lex_backtick(struct shlex_lex *l)
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
lex_dollar(struct shlex_lex *l)
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
lex_dquote(struct shlex_lex *l)
{
	const char *s = l->s;

	l->inword = 1;
	l->wflags |= SHLEX_QUOTED;
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
lex_redirect(struct shlex_lex *l)
{
	const char *s = l->s, *t = buf_str(&l->w);

	if (l->inword && !(l->wflags & SHLEX_QUOTED) && *t &&
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
lex_paren(struct shlex_lex *l)
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
lex_run(struct shlex_lex *l)
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
			l->wflags |= SHLEX_QUOTED;
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
				l->wflags |= SHLEX_QUOTED;
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

void
shlex_parse(struct shlex *p, const char *s, int depth)
{
	struct shlex_lex l;

	if (depth > SHLEX_DEPTH) {
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
	cmd_free(&l.c);
	buf_release(&l.w);
}

void
shlex_push_words(struct shlex *p, const struct shlex_cmd *from, size_t i,
    size_t j)
{
	struct shlex_cmd c;

	memset(&c, 0, sizeof(c));
	for (; i < j; i++)
		cmd_add(&c, from->w[i], &from->wi[i]);
	c.pipeline = ++p->ids;
	c.depth = from->depth + 1;
	if (c.depth > SHLEX_DEPTH) {
		p->toodeep = 1;
		cmd_free(&c);
		return;
	}
	cmd_push(p, &c);
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

int
shlex_is_assign(const char *w)
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

/*
 * a, an option word "--NAME[=V]", names an option that starts with
 * at least min characters of full (getopt_long takes abbreviations).
 */
int
shlex_long_is(const char *a, const char *full, size_t min)
{
	size_t n;

	if (strncmp(a, "--", 2))
		return 0;
	a += 2;
	n = strcspn(a, "=");
	return n >= min && n <= strlen(full) && !strncmp(a, full, n);
}

static size_t
skip_wrapper(const struct shlex_cmd *c, size_t i, const struct wrapper *wr,
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
			if (env && shlex_long_is(a, "split-string", 3)) {
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

/*
 * The index of the word that names the program, past assignments,
 * reserved words and wrappers; c->n when there is none.  env -S hands
 * its string back in split (with the words from rest).
 */
size_t
shlex_cmd_start(const struct shlex_cmd *c, const char **split, size_t *rest)
{
	static const char *const loops[] = { "for", "case", "select", "in",
		"esac", NULL };
	const char *b;
	size_t i = 0, k;

	*split = NULL;
	*rest = 0;
	while (i < c->n) {
		if (shlex_is_assign(c->w[i]) || is_reserved(c->w[i])) {
			i++;
			continue;
		}
		if (in_list(c->w[i], loops))
			return c->n;
		b = shlex_base(c->w[i]);
		for (k = 0; k < HM_ARRAY_SIZE(wrappers); k++)
			if (!strcmp(b, wrappers[k].name))
				break;
		if (k == HM_ARRAY_SIZE(wrappers))
			break;
		i = skip_wrapper(c, i, &wrappers[k], split, rest);
	}
	return i;
}
