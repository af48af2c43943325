/*
 * cli.c: getopt_long from tables.  The tables of the running command and
 * verb are kept in file statics set by cli_run, so a verb's loop needs
 * only its argc/argv.  Globals after the verb are passed to on_global.
 */
#include <getopt.h>

#include "common.h"
#include "cli.h"

#define MAXOPT 64

enum { OPT_HELP = 'h', OPT_VERSION = 0x1000, OPT_COMPLETE };

static const struct cli_cmd *cur_cmd;
static const struct cli_verb *cur_verb;

static const struct cli_opt builtin_opts[] = {
	{ "help", OPT_HELP, 0, NULL, "show this help and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

static void
build(const struct cli_opt **tabs, size_t ntabs, int stop, struct option *lo,
    char *so)
{
	size_t t, n = 0, k = 0;
	const struct cli_opt *o;

	if (stop)
		so[k++] = '+';
	so[k++] = ':';
	for (t = 0; t < ntabs; t++) {
		for (o = tabs[t]; o && o->lng; o++) {
			if (n + 1 >= MAXOPT)
				break;
			lo[n].name = o->lng;
			lo[n].has_arg = o->arg ? required_argument : no_argument;
			lo[n].flag = NULL;
			lo[n].val = o->val;
			n++;
			if (o->val > 0 && o->val < 256) {
				so[k++] = (char)o->val;
				if (o->arg)
					so[k++] = ':';
			}
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[k] = '\0';
}

static void
print_opts(FILE *fp, const struct cli_opt *t)
{
	struct buf b = BUF_INIT;

	for (; t && t->lng; t++) {
		buf_reset(&b);
		if (t->val > 0 && t->val < 256)
			buf_addf(&b, "  -%c, --%s", t->val, t->lng);
		else
			buf_addf(&b, "      --%s", t->lng);
		if (t->arg)
			buf_addf(&b, " %s", t->argname ? t->argname : "ARG");
		fprintf(fp, "%-28s %s\n", b.s, t->help ? t->help : "");
	}
	buf_release(&b);
}

static void
short_synopsis(struct buf *b, const struct cli_opt *t)
{
	for (; t && t->lng; t++) {
		if (t->val > 0 && t->val < 256)
			buf_addf(b, t->arg ? " [-%c %s]" : " [-%c]", t->val,
			    t->argname ? t->argname : "ARG");
		else
			buf_addf(b, t->arg ? " [--%s %s]" : " [--%s]", t->lng,
			    t->argname ? t->argname : "ARG");
	}
}

void
cli_usage(FILE *fp)
{
	const struct cli_cmd *c = cur_cmd;
	const struct cli_verb *v;
	struct buf b = BUF_INIT;

	if (!c)
		return;
	if (cur_verb) {
		v = cur_verb;
		buf_addf(&b, "usage: %s%s%s", c->name, *v->name ? " " : "",
		    v->name);
		short_synopsis(&b, v->opts);
		if (v->args && *v->args)
			buf_addf(&b, " %s", v->args);
		fprintf(fp, "%s\n\n%s\n", b.s, v->help ? v->help : "");
		if (v->opts && v->opts->lng) {
			fprintf(fp, "\noptions:\n");
			print_opts(fp, v->opts);
		}
		if (c->opts && c->opts->lng && !c->run) {
			fprintf(fp, "\nglobal options:\n");
			print_opts(fp, c->opts);
		}
		buf_release(&b);
		return;
	}
	buf_addf(&b, "usage: %s", c->name);
	short_synopsis(&b, c->opts);
	buf_adds(&b, c->default_verb ? " [VERB [ARGS]]" : " VERB [ARGS]");
	fprintf(fp, "%s\n\n%s\n\nverbs:\n", b.s, c->summary);
	for (v = c->verbs; v && v->name; v++) {
		buf_reset(&b);
		buf_addf(&b, "  %s %s", v->name, v->args ? v->args : "");
		fprintf(fp, "%-28s %s\n", b.s, v->help ? v->help : "");
	}
	fprintf(fp, "\noptions:\n");
	print_opts(fp, c->opts);
	fprintf(fp, "%-28s %s\n%-28s %s\n", "  -h, --help",
	    "show help (also after a verb) and exit",
	    "      --version", "print the version and exit");
	fprintf(fp, "\nSee %s(1).\n", c->name);
	buf_release(&b);
}

/* The short form for usage errors: the synopsis and where help is. */
static void
usage_short(FILE *fp)
{
	const struct cli_cmd *c = cur_cmd;
	struct buf b = BUF_INIT;

	if (!c)
		return;
	buf_addf(&b, "usage: %s", c->name);
	if (cur_verb) {
		buf_addf(&b, "%s%s", *cur_verb->name ? " " : "",
		    cur_verb->name);
		short_synopsis(&b, cur_verb->opts);
		if (cur_verb->args && *cur_verb->args)
			buf_addf(&b, " %s", cur_verb->args);
	} else {
		short_synopsis(&b, c->opts);
		buf_adds(&b, c->default_verb ? " [VERB [ARGS]]" :
		    " VERB [ARGS]");
	}
	fprintf(fp, "%s\nTry '%s%s%s --help' for more.\n", b.s, c->name,
	    cur_verb && *cur_verb->name ? " " : "",
	    cur_verb ? cur_verb->name : "");
	buf_release(&b);
}

int
cli_usage_error(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	hm_error("%s", b.s);
	buf_release(&b);
	usage_short(stderr);
	return HM_EXIT_USAGE;
}

static void
complete_opts(const struct cli_opt *t)
{
	for (; t && t->lng; t++)
		printf("--%s\n", t->lng);
}

static int
complete(const struct cli_cmd *c, const char *verb)
{
	const struct cli_verb *v;

	for (v = c->verbs; verb && v && v->name; v++) {
		if (strcmp(v->name, verb))
			continue;
		complete_opts(v->opts);
		complete_opts(c->opts);
		printf("--help\n");
		if (v->complete)
			v->complete();
		return HM_EXIT_OK;
	}
	for (v = c->verbs; v && v->name; v++)
		printf("%s\n", v->name);
	complete_opts(c->opts);
	printf("--help\n--version\n");
	return HM_EXIT_OK;
}

static int
unknown_option(char **argv, int ind, int opt)
{
	const char *a = ind > 0 ? argv[ind - 1] : "?";

	if (opt > 0 && opt < 256)
		return cli_usage_error("unknown option '-%c'", opt);
	return cli_usage_error("unknown option '%s'", a);
}

static int
missing_value(char **argv, int ind, int opt)
{
	if (opt > 0 && opt < 256)
		return cli_usage_error("option '-%c' needs a value", opt);
	return cli_usage_error("option '%s' needs a value",
	    ind > 0 ? argv[ind - 1] : "?");
}

/* A verbless command: its options are the one verb's options. */
static int
run_plain(const struct cli_cmd *cmd, int argc, char **argv)
{
	static struct cli_verb v;

	v.name = "";
	v.fn = cmd->run;
	v.args = cmd->args;
	v.help = cmd->summary;
	v.opts = cmd->opts;
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("%s %s\n", cmd->name, HM_VERSION);
		return HM_EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "--complete")) {
		complete_opts(cmd->opts);
		printf("--help\n--version\n");
		return HM_EXIT_OK;
	}
	cur_verb = &v;
	return cmd->run(argc, argv);
}

int
cli_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct cli_opt extra[] = {
		{ "help", OPT_HELP, 0, NULL, NULL },
		{ "version", OPT_VERSION, 0, NULL, NULL },
		{ "complete", OPT_COMPLETE, 0, NULL, NULL },
		{ NULL, 0, 0, NULL, NULL }
	};
	const struct cli_opt *tabs[2] = { cmd->opts, extra };
	struct option lo[MAXOPT];
	char so[2 * MAXOPT + 4];
	const struct cli_verb *v;
	const char *name;
	int c, rc;

	cur_cmd = cmd;
	cur_verb = NULL;
	if (cmd->run)
		return run_plain(cmd, argc, argv);
	build(tabs, 2, 1, lo, so);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			cli_usage(stdout);
			return HM_EXIT_OK;
		case OPT_VERSION:
			printf("%s %s\n", cmd->name, HM_VERSION);
			return HM_EXIT_OK;
		case OPT_COMPLETE:
			return complete(cmd, optind < argc ? argv[optind] :
			    NULL);
		case '?':
			return unknown_option(argv, optind, optopt);
		case ':':
			return missing_value(argv, optind, optopt);
		default:
			if (cmd->on_global &&
			    (rc = cmd->on_global(c, optarg)) != 0)
				return rc;
		}
	}
	argc -= optind;
	argv += optind;
	name = argc > 0 ? argv[0] : cmd->default_verb;
	if (!name)
		return cli_usage_error("no verb given");
	for (v = cmd->verbs; v->name; v++) {
		if (strcmp(v->name, name))
			continue;
		cur_verb = v;
		if (argc == 0) {
			static char *none[2];

			none[0] = (char *)v->name;
			return v->fn(1, none);
		}
		return v->fn(argc, argv);
	}
	return cli_usage_error("unknown verb '%s'", name);
}

void
cli_begin(struct cli_state *st, int argc, char **argv)
{
	st->argc = argc;
	st->argv = argv;
	st->ind = 0;
	st->arg = NULL;
	optind = 0;
	opterr = 0;
}

int
cli_next(struct cli_state *st)
{
	const struct cli_opt *tabs[3] = {
		cur_verb ? cur_verb->opts : NULL,
		cur_cmd ? cur_cmd->opts : NULL,
		builtin_opts
	};
	struct option lo[MAXOPT];
	char so[2 * MAXOPT + 4];
	const struct cli_opt *o;
	int c, rc;

	build(tabs, 3, 0, lo, so);
	for (;;) {
		c = getopt_long(st->argc, st->argv, so, lo, NULL);
		st->ind = optind;
		st->arg = optarg;
		if (c == -1 || c == '?' || c == ':' || c == OPT_HELP)
			return c;
		for (o = cur_verb ? cur_verb->opts : NULL; o && o->lng; o++)
			if (o->val == c)
				return c;
		if (cur_cmd && cur_cmd->on_global) {
			rc = cur_cmd->on_global(c, optarg);
			if (rc)
				return 0x2000 + rc;
		}
	}
}

int
cli_bad(struct cli_state *st, int c)
{
	if (c == OPT_HELP) {
		cli_usage(stdout);
		return HM_EXIT_OK;
	}
	if (c == '?')
		return unknown_option(st->argv, st->ind, optopt);
	if (c == ':')
		return missing_value(st->argv, st->ind, optopt);
	if (c >= 0x2000)
		return c - 0x2000;
	return cli_usage_error("unhandled option");
}

int
cli_operands(struct cli_state *st, int min, int max)
{
	int n = st->argc - st->ind;

	st->argc = n;
	st->argv += st->ind;
	st->ind = 0;
	if (n < min)
		return cli_usage_error("%s: missing operand", cur_verb ?
		    cur_verb->name : cur_cmd->name);
	if (max >= 0 && n > max)
		return cli_usage_error("%s: unexpected operand '%s'",
		    cur_verb ? cur_verb->name : cur_cmd->name, st->argv[max]);
	return 0;
}

int
cli_parse(struct cli_state *st, int argc, char **argv, int min, int max,
    int (*on_opt)(int c, const char *arg))
{
	int c, rc;

	cli_begin(st, argc, argv);
	while ((c = cli_next(st)) != -1) {
		if (c == '?' || c == ':' || c == OPT_HELP || c >= 0x2000 ||
		    !on_opt)
			return cli_bad(st, c);
		if ((rc = on_opt(c, st->arg)) != 0)
			return rc;
	}
	return cli_operands(st, min, max) ? HM_EXIT_USAGE : CLI_GO;
}

char *
cli_operand_text(const char *arg)
{
	struct buf b = BUF_INIT;

	if (strcmp(arg, "-"))
		return xstrdup(arg);
	if (buf_read_fd(&b, 0) < 0) {
		hm_error("cannot read standard input: %s", strerror(errno));
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}
