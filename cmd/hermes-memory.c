/*
 * hermes-memory: read and edit the agent's persistent memory,
 * memories/MEMORY.md (default) or memories/USER.md (-u).
 *
 * All logic is in libcommon/memory.c, which the agent's memory tool uses
 * too; this file parses, calls and prints.  Changes are locked
 * read-modify-writes with atomic replacement (see memory.h).
 */
#include <sys/stat.h>
#include <fcntl.h>

#include "common.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "memory.h"
#include "path.h"
#include "proc.h"

enum { OPT_JSON = 0x100 };

static int uflag;
static int jflag;

static const struct cli_opt global_opts[] = {
	{ "user", 'u', 0, NULL, "work on USER.md instead of MEMORY.md" },
	{ "json", OPT_JSON, 0, NULL, "list, usage: JSON, one object a line" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_global(int c, const char *arg)
{
	(void)arg;
	if (c == 'u')
		uflag = 1;
	if (c == OPT_JSON)
		jflag = 1;
	return 0;
}

/* Parse a verb's options (only the global ones exist); leave the
 * operands in st. */
static int
parse(struct cli_state *st, int argc, char **argv, int min, int max)
{
	return cli_parse(st, argc, argv, min, max, NULL);
}

/* Set up the home and the memory file; 0 or an exit code. */
static int
open_memory(struct memory *m)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	long limit = 0;
	int rc;

	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_load(&cfg, &err);
	if (rc == 0)
		rc = config_get_long(&cfg, uflag ? "memory.user_max_chars" :
		    "memory.max_chars", &limit, &err);
	if (rc < 0) {
		hm_report(&err);
		rc = hm_exit_code(rc);
	} else {
		memory_init(m, uflag ? MEMORY_USER : MEMORY_NOTES,
		    (size_t)limit);
	}
	config_release(&cfg);
	buf_release(&err);
	return rc;
}

/* Finish a change: report, map to an exit code, release. */
static int
done(struct memory *m, int rc, struct buf *err)
{
	if (rc < 0)
		hm_report(err);
	memory_release(m);
	buf_release(err);
	return hm_exit_code(rc);
}

static int
cmd_add(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct memory m;
	char *text;
	int rc;

	if ((rc = parse(&st, argc, argv, 1, 1)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	if (!(text = cli_operand_text(st.argv[0]))) {
		memory_release(&m);
		return HM_EXIT_FAIL;
	}
	rc = memory_add(&m, text, &err);
	if (rc == MEMORY_DUP)
		fprintf(stderr, "%s: already in %s\n", hm_prog, m.name);
	free(text);
	return done(&m, rc, &err);
}

static int
cmd_replace(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct memory m;
	char *text;
	int rc;

	if ((rc = parse(&st, argc, argv, 2, 2)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	if (!(text = cli_operand_text(st.argv[1]))) {
		memory_release(&m);
		return HM_EXIT_FAIL;
	}
	rc = memory_replace(&m, st.argv[0], text, &err);
	free(text);
	return done(&m, rc, &err);
}

static int
cmd_remove(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct memory m;
	int rc;

	if ((rc = parse(&st, argc, argv, 1, 1)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	rc = memory_remove(&m, st.argv[0], &err);
	return done(&m, rc, &err);
}

static void
print_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s != '\r')
			putchar(*s);
	}
	putchar('\n');
}

static int
cmd_list(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct memory m;
	cJSON *o;
	size_t i;
	int rc;

	if ((rc = parse(&st, argc, argv, 0, 0)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	rc = memory_load(&m, &err);
	for (i = 0; rc == 0 && i < m.n; i++) {
		if (!jflag) {
			print_escaped(m.entries[i]);
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "index", (double)i + 1);
		cJSON_AddStringToObject(o, "text", m.entries[i]);
		json_print_line(o);
	}
	return done(&m, rc, &err);
}

static int
cmd_show(int argc, char **argv)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct cli_state st;
	struct memory m;
	int rc;

	if ((rc = parse(&st, argc, argv, 0, 0)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	rc = memory_load(&m, &err);
	if (rc == 0) {
		memory_render(&m, &out);
		fwrite(buf_str(&out), 1, out.len, stdout);
	}
	buf_release(&out);
	return done(&m, rc, &err);
}

static int
cmd_usage(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct memory m;
	cJSON *o;
	int rc;

	if ((rc = parse(&st, argc, argv, 0, 0)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	rc = memory_load(&m, &err);
	if (rc == 0 && jflag) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", m.name);
		cJSON_AddNumberToObject(o, "used", (double)memory_used(&m));
		cJSON_AddNumberToObject(o, "limit", (double)m.limit);
		cJSON_AddNumberToObject(o, "entries", (double)m.n);
		json_print_line(o);
	} else if (rc == 0) {
		printf("%zu/%zu\n", memory_used(&m), m.limit);
	}
	return done(&m, rc, &err);
}

/*
 * edit: hold the lock for the whole edit so no add is lost, give the
 * editor a private copy, and replace the file only if the result parses.
 */
static int
cmd_edit(int argc, char **argv)
{
	struct buf err = BUF_INIT, old = BUF_INIT, text = BUF_INIT;
	struct cli_state st;
	struct memory m;
	char *tmp = NULL;
	int rc;

	if ((rc = parse(&st, argc, argv, 0, 0)) != CLI_GO)
		return rc;
	if ((rc = open_memory(&m)))
		return rc;
	if ((rc = memory_lock(&m, &err)) < 0 ||
	    (rc = memory_load(&m, &err)) < 0)
		goto out;
	memory_render(&m, &old);
	if ((rc = proc_edit_text(buf_str(&old), old.len, "hermes-memory",
	    &text, &tmp, &err)) < 0)
		goto out;
	if ((rc = memory_parse(&m, buf_str(&text), &err)) < 0 ||
	    (rc = memory_save(&m, &err)) < 0) {
		hm_warn("your edit is kept in '%s'", tmp);
		goto out;
	}
	unlink(tmp);
	if (memory_used(&m) > m.limit)
		hm_warn("%s is over its cap (%zu/%zu chars): adds will fail "
		    "until it is consolidated", m.name, memory_used(&m),
		    m.limit);
out:
	free(tmp);
	buf_release(&old);
	buf_release(&text);
	return done(&m, rc, &err);
}

static const struct cli_verb verbs[] = {
	{ "add", cmd_add, "TEXT|-", "add an entry (a duplicate is not added)",
	    NULL, NULL },
	{ "replace", cmd_replace, "OLD NEW|-",
	    "replace the one entry containing OLD with NEW", NULL, NULL },
	{ "remove", cmd_remove, "OLD", "remove the one entry containing OLD",
	    NULL, NULL },
	{ "list", cmd_list, "", "print one entry a line (newlines as \\n)",
	    NULL, NULL },
	{ "show", cmd_show, "", "print the file as the agent reads it", NULL,
	    NULL },
	{ "usage", cmd_usage, "", "print USED/LIMIT characters", NULL,
	    NULL },
	{ "edit", cmd_edit, "", "edit the file in $VISUAL or $EDITOR", NULL,
	    NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-memory",
		"Read and edit the agent's memory: MEMORY.md, or USER.md "
		    "with -u.",
		global_opts, verbs, on_global, NULL, NULL, NULL
	};

	hm_init(argc, argv, 0);
	return hm_finish(cli_run(&cmd, argc, argv));
}
