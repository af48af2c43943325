/*
 * approve_int.h: private to the command policy (approve.c,
 * approve_files.c, approve_rules.c); nothing else includes it.
 *
 * approve.c: the approve_strv helpers (a growable list of strings the
 * list owns; approve_strv_clear frees them) and approve_path_norm, which
 * folds a path as the words show it ("~/a/../b/" is "~/b"; ~, $HOME and
 * ${HOME} become "~", $HERMES_HOME the real home; with star a trailing
 * "*" component goes too).  Its result is the caller's.
 *
 * approve_rules.c: approve_check(a, p, ci, v) applies every rule to
 * command ci of p, adding findings to v; it may append commands to p
 * (sh -c, eval, find -exec, ...), so pointers into p->c do not survive
 * it.  approve_hard records the first hardline reason only;
 * approve_danger records a dangerous reason together with the words of
 * c (what the allowlist is matched against).
 *
 * approve_files.c: the rules on files: what a command writes (disk
 * devices, $HERMES_HOME/.env, policy files, /etc, ~/.ssh), recursive rm
 * and chmod/chown/chgrp.  s is the index of the program word in c.
 */
#ifndef HM_APPROVE_INT_H
#define HM_APPROVE_INT_H

#include <stddef.h>

#include "buf.h"
#include "shlex.h"

struct approve;

struct approve_strv {
	char **v;
	size_t n;
};

struct approve_verdict {
	struct buf hard;		/* first hardline reason */
	struct approve_strv reason;	/* dangerous: why ... */
	struct approve_strv words;	/* ... and the command's words */
};

void approve_strv_push(struct approve_strv *v, const char *s);
void approve_strv_clear(struct approve_strv *v);
int approve_strv_has(const struct approve_strv *v, const char *s);
char *approve_path_norm(const struct approve *a, const char *in, int star);

void approve_check(struct approve *a, struct shlex *p, size_t ci,
    struct approve_verdict *v);
void approve_hard(struct approve_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void approve_danger(struct approve_verdict *v, const struct shlex_cmd *c,
    size_t s, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void approve_check_writes(struct approve *a, const struct shlex_cmd *c,
    size_t s, struct approve_verdict *v);
void approve_check_rm(struct approve *a, const struct shlex_cmd *c,
    size_t s, struct approve_verdict *v);
void approve_check_chmod(struct approve *a, const struct shlex_cmd *c,
    size_t s, struct approve_verdict *v);

#endif
