/*
 * shlex.h: split a shell command line into simple commands the way sh(1)
 * would read it, without expanding or running anything.  No policy here:
 * approve.c decides what the commands mean.
 *
 * shlex_parse(p, text, depth) appends to p->c one struct shlex_cmd for
 * each simple command of text, in the order sh would start them:
 *   words: blanks (space, tab, CR) separate them; '...', "..." and \x
 *     quote, and the quotes are removed; a word with a quoted part has
 *     SHLEX_QUOTED; "\<newline>" joins lines; '#' at the start of a word
 *     begins a comment.
 *   separators: ; ;; ;& && || & | |& newline ( and ) end a command.
 *     Commands joined by | or |& share a pipeline id and have pipe_out
 *     (left side) and pipe_in (right side) set; a command ended by & has
 *     bg.  Every other separator starts a new pipeline id.
 *   redirections: the targets of > >> >| <> &> &>> and >&FILE (not >&N
 *     or >&-) are kept in out; a leading fd number (2>file) is dropped;
 *     < and <& targets are dropped.  <<WORD and <<-WORD here-documents
 *     (bodies read after the next newline, tabs stripped for <<-) and
 *     <<<WORD here-strings give the command's input, joined by '\n'.
 *   expansions stay in the word as written: $x ${...} $((...)) ((...)).
 *     $(...), `...`, <(...) and >(...) are also lexed on the spot, one
 *     level deeper (depth + 1); their commands are appended before the
 *     command whose word holds them, and that word's wi[i].sub and
 *     wi[i].nsub name them (indexes into p->c).
 *   groups and functions: { } and ( ) nest; "NAME ()" and "function NAME"
 *     name the next group, and each command inside records the innermost
 *     function it belongs to in func.  Reserved words other than { } and
 *     function are kept as words (shlex_cmd_start skips them).
 * Text at a depth greater than SHLEX_DEPTH is not lexed; p->toodeep is
 * set instead.
 *
 * shlex_push_words(p, from, i, j): append words i..j-1 of from (with
 * their wi) as a command of its own, one level deeper (find -exec).
 *
 * shlex_cmd_start(c, &split, &rest): the index of the word that names
 * the program, past VAR=value assignments, reserved words (! if then
 * elif else fi do done while until { }) and wrappers with their options
 * (sudo doas env nice nohup timeout xargs stdbuf ionice setsid time
 * command exec builtin chroot taskset busybox unbuffer); c->n when there
 * is none (also for "for", "case", "select", "in", "esac").  When env -S
 * or --split-string carries a command line, split points at it (borrowed
 * from c) and rest is the index of the words that follow it, and c->n is
 * returned; else split is NULL.
 *
 * shlex_base: the part of a word after its last '/' (the word if it ends
 * with '/').  shlex_is_assign: w is NAME=... or NAME+=....
 * shlex_long_is: a is "--NAME[=V]" where NAME is an abbreviation of full
 * at least min characters long, as getopt_long accepts.
 *
 * Memory: p owns every command and string in it; start from a zeroed
 * struct shlex and free it with shlex_release.  Nothing fails except
 * allocation, which aborts (xmalloc).  Returned pointers are borrowed.
 */
#ifndef HM_SHLEX_H
#define HM_SHLEX_H

#include <stddef.h>

#define SHLEX_DEPTH	8
#define SHLEX_QUOTED	1	/* some of the word was quoted */

struct shlex_word {
	int flags;		/* SHLEX_* */
	size_t sub, nsub;	/* commands of its substitutions in p->c */
};

struct shlex_cmd {
	char **w;		/* the words, quotes removed */
	struct shlex_word *wi;	/* one for each word */
	size_t n;
	char **out;		/* files written by redirections */
	size_t nout;
	char *input;		/* here-document or here-string text */
	char *func;		/* innermost function being defined */
	int pipeline;		/* pipeline id, unique within a struct shlex */
	int pipe_in, pipe_out, bg;
	int depth;		/* the depth its text was lexed at */
};

struct shlex {
	struct shlex_cmd *c;
	size_t n, cap;
	int ids;		/* pipeline ids handed out */
	int toodeep;		/* some text nested past SHLEX_DEPTH */
};

void shlex_parse(struct shlex *p, const char *s, int depth);
void shlex_push_words(struct shlex *p, const struct shlex_cmd *from,
    size_t i, size_t j);
void shlex_release(struct shlex *p);
size_t shlex_cmd_start(const struct shlex_cmd *c, const char **split,
    size_t *rest);
const char *shlex_base(const char *w);
int shlex_is_assign(const char *w);
int shlex_long_is(const char *a, const char *full, size_t min);

#endif
