/*
 * cli.h: option tables drive getopt_long, --help, usage errors and the
 * hidden --complete that the shell completions call.  One source, no drift.
 *
 * A command is a table of verbs; each verb has its own option table, and
 * the command's global options are accepted before the verb and after it.
 * An option's val is what cli_next returns; a val below 256 is also its
 * short letter.  -h/--help, --version and --complete are built in.
 *
 *   static const struct cli_verb verbs[] = {
 *	{ "add", cmd_add, "TEXT|-", "add an entry", add_opts, NULL },
 *	{ NULL } };
 *   int main(int argc, char **argv) {
 *	static const struct cli_cmd cmd = { "hermes-memory", "...",
 *	    global_opts, verbs, on_global, NULL };
 *	hm_init(argc, argv, 0);
 *	return hm_finish(cli_run(&cmd, argc, argv));
 *   }
 * A verb either calls cli_parse (options to on_opt, which returns 0 or
 * an exit code; then the operand count is checked; CLI_GO means go on,
 * anything else is the exit code to return now) or runs the loop itself:
 *   static int cmd_add(int argc, char **argv) {
 *	struct cli_state st; int c;
 *	cli_begin(&st, argc, argv);
 *	while ((c = cli_next(&st)) != -1)
 *		switch (c) { case 'x': ...; break;
 *		default: return cli_bad(&st, c); }
 *	if (cli_operands(&st, 1, 1)) return HM_EXIT_USAGE;
 *	... st.argv[0] is the first operand ...
 *   }
 *
 * Nothing here exits; every function returns an exit code or a value.
 */
#ifndef HM_CLI_H
#define HM_CLI_H

struct cli_opt {
	const char *lng;	/* long name without the dashes */
	int val;		/* returned by cli_next; < 256: also -LETTER */
	int arg;		/* 1: takes a value */
	const char *argname;	/* "N", "TEXT", shown in help */
	const char *help;
};

struct cli_verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;		/* operand synopsis */
	const char *help;		/* one line */
	const struct cli_opt *opts;	/* NULL-terminated, or NULL */
	void (*complete)(void);		/* prints live operands, or NULL */
};

struct cli_cmd {
	const char *name;
	const char *summary;
	const struct cli_opt *opts;	/* global options, or NULL */
	const struct cli_verb *verbs;
	int (*on_global)(int c, const char *arg);	/* 0 or exit code */
	const char *default_verb;	/* run when no verb is given */
	/* A command without verbs (hermes-ask): verbs is NULL, run gets
	 * the whole argv and parses opts with cli_parse; args is its
	 * operand synopsis. */
	int (*run)(int argc, char **argv);
	const char *args;
};

struct cli_state {
	int argc;		/* after cli_operands: operands only */
	char **argv;
	int ind;
	const char *arg;	/* the current option's value */
};

#define CLI_GO (-1)	/* cli_parse: go on with the verb */

int cli_run(const struct cli_cmd *cmd, int argc, char **argv);
int cli_parse(struct cli_state *st, int argc, char **argv, int min, int max,
    int (*on_opt)(int c, const char *arg));
void cli_begin(struct cli_state *st, int argc, char **argv);
int cli_next(struct cli_state *st);
int cli_bad(struct cli_state *st, int c);
int cli_operands(struct cli_state *st, int min, int max);
int cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void cli_usage(FILE *fp);
/* A TEXT operand: itself, or all of stdin when it is "-" (SPEC 6).
 * malloc'd; NULL after saying why on stderr. */
char *cli_operand_text(const char *arg);

#endif
