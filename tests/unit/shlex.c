/*
 * shlex.c: unit tests for libcommon/shlex.c, the shell lexer under the
 * command policy.  Each case lexes one line and compares a rendering of
 * the simple commands: words joined by one space (quotes removed),
 * " >FILE" for each file a redirection writes, " <<TEXT" for here-text
 * (newlines shown as "\n"), " |" when the command feeds a pipe, " &" when
 * it runs in the background, " @FUNC" inside a function; commands are
 * separated by "; ".  Then the word flags, substitution ranges, pipeline
 * ids, depth limit, shlex_push_words and shlex_cmd_start.
 * Files: none.
 */
#include "common.h"
#include "shlex.h"
#include "tap.h"

static char *
render(const struct shlex *p)
{
	struct buf b = BUF_INIT;
	const struct shlex_cmd *c;
	const char *t;
	size_t i, k;

	for (i = 0; i < p->n; i++) {
		c = &p->c[i];
		if (i)
			buf_adds(&b, "; ");
		for (k = 0; k < c->n; k++)
			buf_addf(&b, "%s%s", k ? " " : "", c->w[k]);
		for (k = 0; k < c->nout; k++)
			buf_addf(&b, " >%s", c->out[k]);
		if (c->input) {
			buf_adds(&b, " <<");
			for (t = c->input; *t; t++)
				if (*t == '\n')
					buf_adds(&b, "\\n");
				else
					buf_addc(&b, *t);
		}
		if (c->pipe_out)
			buf_adds(&b, " |");
		if (c->bg)
			buf_adds(&b, " &");
		if (c->func)
			buf_addf(&b, " @%s", c->func);
	}
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b);
}

/* in as one TAP-safe line: newline, tab and '#' escaped. */
static char *
shown(const char *in)
{
	struct buf b = BUF_INIT;

	for (buf_adds(&b, ""); *in; in++)
		if (*in == '\n')
			buf_adds(&b, "\\n");
		else if (*in == '\t')
			buf_adds(&b, "\\t");
		else if (*in == '#')
			buf_adds(&b, "\\#");
		else
			buf_addc(&b, *in);
	return buf_detach(&b);
}

static void
lex_is(const char *in, const char *want)
{
	struct shlex p;
	char *got, *name = shown(in);

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, in, 0);
	got = render(&p);
	is_str(got, want, "lex: %s", name);
	free(got);
	free(name);
	shlex_release(&p);
}

static const char *const cases[][2] = {
	/* words and quotes */
	{ "", "" },
	{ "   \t ", "" },
	{ "ls -l /tmp", "ls -l /tmp" },
	{ "  echo   a\tb  ", "echo a b" },
	{ "echo 'a b' \"c d\"", "echo a b c d" },
	{ "echo 'it''s'", "echo its" },
	{ "echo \"a \\\"q\\\" \\$x \\\\ \\n\"", "echo a \"q\" $x \\ \\n" },
	{ "echo a\\ b \\'c", "echo a b 'c" },
	{ "echo 'a\\b'", "echo a\\b" },
	{ "echo ''", "echo " },
	{ "echo a\\\nb", "echo ab" },
	{ "echo a # comment ; rm x", "echo a" },
	{ "echo a#b", "echo a#b" },
	{ "echo \"unterminated", "echo unterminated" },
	/* separators and pipelines */
	{ "a; b && c || d", "a; b; c; d" },
	{ "a\nb\r\n", "a; b" },
	{ "a | b |& c", "a |; b |; c" },
	{ "a & b", "a &; b" },
	{ "a;;b;&c", "a; b; c" },
	{ "(a; b) && { c; }", "a; b; c" },
	/* redirections */
	{ "echo x > out 2>err >>app", "echo x >out >err >app" },
	{ "cmd >| f <> g &> h &>> i", "cmd >f >g >h >i" },
	{ "cmd 2>&1 >&- >&file", "cmd >file" },
	{ "cmd < in <&3 2 x", "cmd 2 x" },
	{ "cmd '2'>f", "cmd 2 >f" },
	{ "cmd >\"a b\"", "cmd >a b" },
	/* here-documents and here-strings */
	{ "cat <<EOF\nline 1\nline 2\nEOF\necho after",
	    "cat <<line 1\\nline 2\\n; echo after" },
	{ "cat <<-END\n\tx\n\tEND\n", "cat <<x\\n" },
	{ "cat <<'Q'\n$HOME\nQ", "cat <<$HOME\\n" },
	{ "a <<X; b <<Y\n1\nX\n2\nY\n", "a <<1\\n; b <<2\\n" },
	{ "cat <<<'hello world'", "cat <<hello world" },
	{ "sh <<<a <<<b", "sh <<a\\nb" },
	/* expansions and substitutions */
	{ "echo $HOME ${x:-a b} $((1 + 2))",
	    "echo $HOME ${x:-a b} $((1 + 2))" },
	{ "echo $(date +%s)", "date +%s; echo $(date +%s)" },
	{ "echo \"$(id -u) x\"", "id -u; echo $(id -u) x" },
	{ "echo `uname -r`", "uname -r; echo `uname -r`" },
	{ "echo `echo \\`x\\``", "x; echo `x`; echo `echo \\`x\\``" },
	{ "diff <(ls a) >(wc -l)", "ls a; wc -l; diff <(ls a) >(wc -l)" },
	{ "echo $(a $(b))", "b; a $(b); echo $(a $(b))" },
	{ "echo $(echo ')')", "echo ); echo $(echo ')')" },
	{ "(( i++ )); x", "x" },
	/* functions and groups */
	{ "f() { g; }; h", "g @f; h" },
	{ "function f { g | h; }", "g | @f; h @f" },
	{ ":(){ :|:& };:", ": | @:; : & @:; :" },
	{ "f () ( x )", "x @f" },
	{ "if true; then rm x; fi", "if true; then rm x; fi" },
};

static void
test_words(void)
{
	struct shlex p;
	const struct shlex_cmd *c;

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, "echo plain 'q'x a\\b $(curl u)y `id` z", 0);
	is_int(p.n, 3, "two substitutions, one command");
	c = &p.c[2];
	is_int(c->n, 7, "seven words");
	is_int(c->wi[1].flags & SHLEX_QUOTED, 0, "plain word is bare");
	ok(c->wi[2].flags & SHLEX_QUOTED, "partly quoted word is quoted");
	ok(c->wi[3].flags & SHLEX_QUOTED, "escaped word is quoted");
	is_int(c->wi[1].nsub, 0, "plain word has no substitution");
	is_int(c->wi[4].sub, 0, "$(curl u)y: its command is first");
	is_int(c->wi[4].nsub, 1, "$(curl u)y: one command");
	is_str(p.c[c->wi[4].sub].w[0], "curl", "the substitution is curl");
	is_int(c->wi[5].sub, 1, "`id`: second command");
	is_int(p.c[0].depth, 1, "substitution lexed one level deeper");
	is_int(c->depth, 0, "outer command at depth 0");
	shlex_release(&p);

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, "x \"$(a $(b); c)\"", 0);
	is_int(p.n, 4, "nested substitution: four commands");
	is_int(p.c[3].wi[1].sub, 0, "range starts at the innermost");
	is_int(p.c[3].wi[1].nsub, 3, "range covers every nested command");
	is_int(p.c[0].depth, 2, "inner substitution at depth 2");
	shlex_release(&p);
}

static void
test_pipes(void)
{
	struct shlex p;

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, "a | b; c | d", 0);
	is_int(p.n, 4, "four commands");
	is_int(p.c[0].pipeline, p.c[1].pipeline, "a and b share a pipeline");
	ok(p.c[1].pipeline != p.c[2].pipeline, "; starts a new pipeline");
	ok(!p.c[0].pipe_in && p.c[0].pipe_out, "a feeds the pipe");
	ok(p.c[1].pipe_in && !p.c[1].pipe_out, "b reads the pipe");
	ok(!p.c[2].pipe_in, "c reads no pipe");
	shlex_release(&p);
}

static void
test_depth(void)
{
	struct shlex p;
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < SHLEX_DEPTH; i++)
		buf_adds(&b, "$(");
	buf_adds(&b, "x");
	for (i = 0; i < SHLEX_DEPTH; i++)
		buf_adds(&b, ")");
	memset(&p, 0, sizeof(p));
	shlex_parse(&p, b.s, 0);
	ok(!p.toodeep, "%d levels of $(...) are lexed", SHLEX_DEPTH);
	is_str(p.c[0].w[0], "x", "the innermost command comes first");
	shlex_release(&p);
	buf_reset(&b);
	buf_adds(&b, "echo $($($($($($($($($(x)))))))))");
	memset(&p, 0, sizeof(p));
	shlex_parse(&p, b.s, 0);
	ok(p.toodeep, "%d levels are too deep", SHLEX_DEPTH + 1);
	shlex_release(&p);
	buf_release(&b);

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, "find . -exec rm -rf {} ;", 0);
	shlex_push_words(&p, &p.c[0], 3, 6);
	is_int(p.n, 2, "shlex_push_words appends a command");
	is_int(p.c[1].n, 3, "with the words asked for");
	is_str(p.c[1].w[0], "rm", "starting at i");
	is_int(p.c[1].depth, 1, "one level deeper");
	ok(p.c[1].pipeline != p.c[0].pipeline, "in a pipeline of its own");
	p.c[1].depth = SHLEX_DEPTH;
	shlex_push_words(&p, &p.c[1], 0, 1);
	ok(p.toodeep && p.n == 2, "past SHLEX_DEPTH it sets toodeep");
	shlex_release(&p);
}

static void
start_is(const char *in, const char *want, const char *split)
{
	struct shlex p;
	const char *sp;
	size_t s, rest;

	memset(&p, 0, sizeof(p));
	shlex_parse(&p, in, 0);
	s = shlex_cmd_start(&p.c[p.n - 1], &sp, &rest);
	if (want)
		is_str(s < p.c[p.n - 1].n ? p.c[p.n - 1].w[s] : NULL, want,
		    "program of: %s", in);
	else
		is_int(s, p.c[p.n - 1].n, "no program in: %s", in);
	if (split)
		is_str(sp, split, "env -S string of: %s", in);
	else
		ok(!sp, "no env -S string in: %s", in);
	shlex_release(&p);
}

static void
test_start(void)
{
	start_is("ls", "ls", NULL);
	start_is("A=1 B+=2 make", "make", NULL);
	start_is("! grep x", "grep", NULL);
	start_is("sudo -u root env X=1 nice -n 5 rm x", "rm", NULL);
	start_is("/usr/bin/sudo --user=root rm", "rm", NULL);
	start_is("timeout -s KILL 5 curl u", "curl", NULL);
	start_is("xargs -n 1 -I{} rm", "rm", NULL);
	start_is("command -- git", "git", NULL);
	start_is("chroot /mnt sh", "sh", NULL);
	start_is("env -S 'rm -rf x' y", NULL, "rm -rf x");
	start_is("env --split-string=ls", NULL, "ls");
	start_is("for i in a b", NULL, NULL);
	start_is("A=1", NULL, NULL);
	start_is("sudo", NULL, NULL);
}

static void
test_helpers(void)
{
	is_str(shlex_base("/usr/bin/rm"), "rm", "base of a path");
	is_str(shlex_base("rm"), "rm", "base of a name");
	is_str(shlex_base("dir/"), "dir/", "base of a trailing slash");
	ok(shlex_is_assign("A_1=x"), "A_1=x assigns");
	ok(shlex_is_assign("PATH+=:/x"), "PATH+=:/x assigns");
	ok(!shlex_is_assign("1A=x"), "1A=x does not");
	ok(!shlex_is_assign("a-b=x"), "a-b=x does not");
	ok(shlex_long_is("--rec", "recursive", 3), "--rec abbreviates");
	ok(shlex_long_is("--recursive=1", "recursive", 3), "--NAME=V");
	ok(!shlex_long_is("--re", "recursive", 3), "too short");
	ok(!shlex_long_is("--recursivex", "recursive", 3), "too long");
	ok(!shlex_long_is("-r", "recursive", 1), "not a long option");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++)
		lex_is(cases[i][0], cases[i][1]);
	test_words();
	test_pipes();
	test_depth();
	test_start();
	test_helpers();
	return done_testing();
}
