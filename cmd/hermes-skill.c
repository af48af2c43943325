/*
 * hermes-skill: list, view, create, edit, remove, install, search and
 * check skills: $HERMES_HOME/skills/[CATEGORY/]NAME/SKILL.md, project
 * skills in .hermes/skills and the bundled ones.
 *
 * All logic is in libcommon/skill.c, which the agent's skill tools use
 * too; this file parses, calls and prints.  Changes hold flock on
 * skills' sidecar lock and land atomically (see skill.h); install also
 * records what it installed in skills/.lock.json.
 */
#include <sys/stat.h>
#include <fcntl.h>

#include "common.h"
#include "cli.h"
#include "http.h"
#include "json.h"
#include "path.h"
#include "proc.h"
#include "skill.h"

enum { OPT_JSON = 0x100, OPT_FORCE };

static int jflag, force;
static const char *description, *category;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL, "list, search: JSON, one object a line" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt create_opts[] = {
	{ "description", 'd', 1, "TEXT", "what the skill does and when to "
	    "use it (required)" },
	{ "category", 'c', 1, "CATEGORY", "put it in skills/CATEGORY/" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt install_opts[] = {
	{ "force", OPT_FORCE, 0, NULL, "replace a skill of the same name and "
	    "install despite warnings" },
	{ "category", 'c', 1, "CATEGORY", "put it in skills/CATEGORY/" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_opt(int c, const char *arg)
{
	switch (c) {
	case OPT_JSON:
		jflag = 1;
		break;
	case OPT_FORCE:
		force = 1;
		break;
	case 'd':
		description = arg;
		break;
	case 'c':
		category = arg;
		break;
	}
	return 0;
}

static int
done(int rc, struct buf *err)
{
	if (rc < 0)
		hm_report(err);
	buf_release(err);
	return hm_exit_code(rc);
}

/* Parse a verb, set up the home; CLI_GO or an exit code. */
static int
start(struct cli_state *st, int argc, char **argv, int min, int max)
{
	struct buf err = BUF_INIT;
	int rc;

	if ((rc = cli_parse(st, argc, argv, min, max, on_opt)) != CLI_GO)
		return rc;
	rc = hm_home_init(&err);
	return rc < 0 ? done(rc, &err) : CLI_GO;
}

/* Load the skills; warn once about invalid ones. */
static int
load(struct skill_set *set)
{
	struct buf err = BUF_INIT;
	int rc = skill_set_load(set, &err);

	if (rc == 0 && set->nbad)
		hm_warn("%zu invalid skill%s left out; 'hermes-skill check' "
		    "names them", set->nbad, set->nbad == 1 ? "" : "s");
	return done(rc, &err);
}

static void
field(const char *s, int last)
{
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
	putchar(last ? '\n' : '\t');
}

static void
print_skill(const struct skill *sk)
{
	cJSON *o;

	if (!jflag) {
		field(sk->name, 0);
		field(sk->category, 0);
		field(sk->description, 1);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", sk->name);
	cJSON_AddStringToObject(o, "category", sk->category);
	cJSON_AddStringToObject(o, "description", sk->description);
	cJSON_AddStringToObject(o, "source", skill_source_name(sk->source));
	cJSON_AddStringToObject(o, "path", sk->dir);
	json_print_line(o);
}

static int
list_or_search(int argc, char **argv, int search)
{
	struct skill_set set = SKILL_SET_INIT;
	struct cli_state st;
	size_t i;
	int rc;

	if ((rc = start(&st, argc, argv, search, search)) != CLI_GO)
		return rc;
	if ((rc = load(&set)))
		return rc;
	for (i = 0; i < set.n; i++)
		if (!search || skill_matches(&set.v[i], st.argv[0]))
			print_skill(&set.v[i]);
	skill_set_release(&set);
	return HM_EXIT_OK;
}

static int
cmd_list(int argc, char **argv)
{
	return list_or_search(argc, argv, 0);
}

static int
cmd_search(int argc, char **argv)
{
	return list_or_search(argc, argv, 1);
}

static int
cmd_view(int argc, char **argv)
{
	struct skill_set set = SKILL_SET_INIT;
	struct buf err = BUF_INIT, text = BUF_INIT;
	const struct skill *sk;
	struct cli_state st;
	int rc;

	if ((rc = start(&st, argc, argv, 1, 2)) != CLI_GO)
		return rc;
	if ((rc = load(&set)))
		return rc;
	if (!(sk = skill_set_find(&set, st.argv[0])))
		rc = hm_fail(&err, HM_ENOTFOUND, "no skill '%s'", st.argv[0]);
	else
		rc = skill_read(sk, st.argc > 1 ? st.argv[1] : NULL, &text,
		    &err);
	if (rc == 0)
		fwrite(buf_str(&text), 1, text.len, stdout);
	buf_release(&text);
	skill_set_release(&set);
	return done(rc, &err);
}

static int
cmd_create(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	char *body = NULL, *path = NULL;
	int rc;

	if ((rc = start(&st, argc, argv, 1, 2)) != CLI_GO)
		return rc;
	if (!description)
		return cli_usage_error("create needs -d DESCRIPTION");
	if (st.argc > 1 && !(body = cli_operand_text(st.argv[1])))
		return HM_EXIT_FAIL;
	rc = skill_create(st.argv[0], description, category, body, &path,
	    &err);
	if (rc == 0)
		printf("%s\n", path);
	free(body);
	free(path);
	return done(rc, &err);
}

/*
 * edit: the editor gets a private copy; the result must validate, and
 * replaces SKILL.md only if nobody changed it meanwhile.  On failure the
 * copy is kept and named.
 */
static int
cmd_edit(int argc, char **argv)
{
	struct skill_set set = SKILL_SET_INIT;
	struct buf err = BUF_INIT, old = BUF_INIT, text = BUF_INIT;
	const struct skill *sk;
	struct cli_state st;
	char *tmp = NULL;
	int rc, made = 0;

	if ((rc = start(&st, argc, argv, 1, 1)) != CLI_GO)
		return rc;
	if ((rc = load(&set)))
		return rc;
	if (!(sk = skill_set_find(&set, st.argv[0]))) {
		rc = hm_fail(&err, HM_ENOTFOUND, "no skill '%s'", st.argv[0]);
		goto out;
	}
	if ((rc = skill_read(sk, NULL, &old, &err)) < 0)
		goto out;
	if ((rc = proc_edit_text(buf_str(&old), old.len, "hermes-skill",
	    &text, &tmp, &err)) < 0)
		goto out;
	made = 1;
	if (strcmp(buf_str(&text), buf_str(&old)) &&
	    (rc = skill_write(sk->name, NULL, buf_str(&text), buf_str(&old),
	    &err)) < 0) {
		rc = rc == -HM_EINVAL ? -HM_EFAIL : rc;
		hm_report(&err);
		buf_reset(&err);
		hm_fail(&err, HM_EFAIL, "your edit is kept in '%s'", tmp);
		made = 0;
	}
out:
	if (made)
		unlink(tmp);
	free(tmp);
	buf_release(&old);
	buf_release(&text);
	skill_set_release(&set);
	return done(rc, &err);
}

static int
cmd_rm(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = start(&st, argc, argv, 1, 1)) != CLI_GO)
		return rc;
	return done(skill_delete(st.argv[0], &err), &err);
}

/* Show what install is about to add, before it lands. */
static void
show(const struct skill_install *in, void *ctx)
{
	size_t i;

	(void)ctx;
	fprintf(stderr, "%s: %s '%s' from %s (%s%s%.12s), %zu file%s, "
	    "sha256 %.16s\n", hm_prog, in->replaced ? "replacing" :
	    "installing", in->name, in->source, in->kind, in->commit ?
	    " " : "", in->commit ? in->commit : "", in->nfiles,
	    in->nfiles == 1 ? "" : "s", in->sha256);
	for (i = 0; i < in->nfiles; i++)
		fprintf(stderr, "  %s\n", in->files[i]);
	for (i = 0; i < in->nflags; i++)
		hm_warn("%s", in->flags[i]);
}

static int
cmd_install(int argc, char **argv)
{
	struct skill_install in = { 0 };
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = start(&st, argc, argv, 1, 1)) != CLI_GO)
		return rc;
	in.source = st.argv[0];
	in.category = category;
	in.force = force;
	in.show = show;
	rc = skill_install(&in, &err);
	http_cleanup();
	if (rc == 0)
		printf("%s\n", in.path);
	skill_install_release(&in);
	return done(rc, &err);
}

static int
cmd_check(int argc, char **argv)
{
	struct buf err = BUF_INIT, report = BUF_INIT;
	struct cli_state st;
	const char *p, *nl;
	int rc;

	if ((rc = start(&st, argc, argv, 0, 0)) != CLI_GO)
		return rc;
	if ((rc = skill_check(&report, &err)) < 0)
		return done(rc, &err);
	for (p = buf_str(&report); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		fprintf(stderr, "%s: %.*s\n", hm_prog, (int)(nl - p), p);
	}
	buf_release(&report);
	buf_release(&err);
	return rc > 0 ? HM_EXIT_FAIL : HM_EXIT_OK;
}

static void
complete_names(void)
{
	struct skill_set set = SKILL_SET_INIT;
	struct buf err = BUF_INIT;
	size_t i;

	if (hm_home_init(&err) == 0 && skill_set_load(&set, &err) == 0)
		for (i = 0; i < set.n; i++)
			printf("%s\n", set.v[i].name);
	skill_set_release(&set);
	buf_release(&err);
}

static const struct cli_verb verbs[] = {
	{ "list", cmd_list, "", "print name, category and description a line",
	    NULL, NULL },
	{ "view", cmd_view, "NAME [FILE]", "print a skill's SKILL.md, or one "
	    "file in it", NULL, complete_names },
	{ "create", cmd_create, "NAME [BODY|-]", "create a skill; print its "
	    "path", create_opts, NULL },
	{ "edit", cmd_edit, "NAME", "edit SKILL.md in $VISUAL or $EDITOR",
	    NULL, complete_names },
	{ "rm", cmd_rm, "NAME", "remove a skill", NULL, complete_names },
	{ "install", cmd_install, "PATH|URL|GITREPO[#DIR]", "check and "
	    "install a skill; print its path", install_opts, NULL },
	{ "search", cmd_search, "QUERY", "list skills whose name, "
	    "description or text holds QUERY", NULL, NULL },
	{ "check", cmd_check, "", "validate every SKILL.md and re-verify "
	    "installed skills' hashes", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "hermes-skill",
		.summary = "List, view, create, edit, install, search and "
		    "check skills.",
		.opts = global_opts,
		.verbs = verbs,
		.on_global = on_opt,
		.default_verb = "list",
	};

	/* install talks to the network, libgit2's transports included: a
	 * peer that hangs up must be an error, not a silent SIGPIPE death */
	hm_init(argc, argv, HM_SOCKETS);
	return hm_finish(cli_run(&cmd, argc, argv));
}
