/*
 * hermes: the front door.  "hermes CMD ARGS" runs hermes-CMD ARGS, found
 * beside this binary first (so a build tree or a prefix is self-contained),
 * then on PATH, as git runs git-foo.  A user extends hermes by putting a
 * hermes-foo on PATH.  "hermes" alone runs hermes-ask (a prompt on stdin).
 *
 * The only state it touches: SOUL.md, written with the default identity
 * on first use and never overwritten (libcommon/soul.c).
 */
#include <sys/stat.h>
#include <dirent.h>

#include "common.h"
#include "path.h"
#include "soul.h"

static const char *const known[][2] = {
	{ "ask", "the agent: answer a prompt, with tools" },
	{ "config", "get, set and list configuration" },
	{ "cron", "scheduled agent runs" },
	{ "gateway", "messaging platforms in and out" },
	{ "kanban", "the multi-agent board" },
	{ "mcp", "MCP servers the agent uses" },
	{ "memory", "read and edit the persistent memory" },
	{ "session", "past sessions: list, search, export" },
	{ "skill", "list, view, create and install skills" },
};

static char *
self_dir(void)
{
	char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);

	if (n <= 0)
		return NULL;
	p[n] = '\0';
	return hm_dirname(p);
}

static int
executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* Full path of hermes-NAME, or NULL. */
static char *
find_cmd(const char *name)
{
	struct buf b = BUF_INIT;
	const char *path = getenv("PATH"), *p, *e;
	char *dir = self_dir();

	if (dir) {
		buf_addf(&b, "%s/hermes-%s", dir, name);
		free(dir);
		if (executable(b.s))
			return buf_detach(&b);
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = e) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		buf_reset(&b);
		buf_add(&b, p, (size_t)(e - p));
		buf_addf(&b, "%shermes-%s", e == p ? "./" : "/", name);
		if (executable(b.s))
			return buf_detach(&b);
		if (*e)
			e++;
	}
	buf_release(&b);
	return NULL;
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[64], prev, tmp;

	if (lb >= HM_ARRAY_SIZE(d))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < d[j] ?
			    (prev < d[j - 1] ? prev : d[j - 1]) :
			    (d[j] < d[j - 1] ? d[j] : d[j - 1]));
			prev = tmp;
		}
	}
	return d[lb];
}

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: hermes [--version] [--help] [CMD [ARGS]]\n\n"
	    "Runs hermes-CMD ARGS; with no CMD, runs hermes-ask "
	    "(prompt on stdin).\n\ncommands:\n");
	for (i = 0; i < HM_ARRAY_SIZE(known); i++)
		fprintf(fp, "  %-10s %s\n", known[i][0], known[i][1]);
	fprintf(fp, "\n'hermes help CMD' shows a command's help; "
	    "see hermes(1) and hermes(7).\n");
}

static int
not_found(const char *name)
{
	size_t i, best = SIZE_MAX, d;
	const char *near = NULL;

	for (i = 0; i < HM_ARRAY_SIZE(known); i++) {
		d = distance(name, known[i][0]);
		if (d < best) {
			best = d;
			near = known[i][0];
		}
	}
	for (i = 0; i < HM_ARRAY_SIZE(known); i++)
		if (!strcmp(name, known[i][0])) {
			hm_error("'%s' is a hermes command but hermes-%s is "
			    "not installed", name, name);
			return HM_EXIT_FAIL;
		}
	if (near && best <= 2)
		hm_error("'%s' is not a hermes command; did you mean '%s'?",
		    name, near);
	else
		hm_error("'%s' is not a hermes command; see 'hermes help'",
		    name);
	return HM_EXIT_USAGE;
}

static int
run(const char *name, int argc, char **argv)
{
	char *path, **args;
	struct buf b = BUF_INIT;
	int i;

	if (!*name || strchr(name, '/') || name[0] == '-')
		return not_found(name);
	path = find_cmd(name);
	if (!path)
		return not_found(name);
	buf_addf(&b, "hermes-%s", name);
	args = xcalloc((size_t)argc + 2, sizeof(*args));
	args[0] = b.s;
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(stdout);
	execv(path, args);
	hm_error("cannot run '%s': %s", path, strerror(errno));
	free(args);
	free(path);
	buf_release(&b);
	return HM_EXIT_FAIL;
}

static void
complete(void)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(known); i++)
		printf("%s\n", known[i][0]);
	printf("help\n--help\n--version\n");
}

int
main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	const char *a = argc > 1 ? argv[1] : NULL;

	hm_init(argc, argv, 0);
	if (a && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
		usage(stdout);
		return hm_finish(HM_EXIT_OK);
	}
	if (a && !strcmp(a, "--version")) {
		printf("hermes %s\n", HM_VERSION);
		return hm_finish(HM_EXIT_OK);
	}
	if (a && !strcmp(a, "--complete")) {
		complete();
		return hm_finish(HM_EXIT_OK);
	}
	if (a && a[0] == '-' && strcmp(a, "--")) {
		hm_error("unknown option '%s'", a);
		fprintf(stderr, "usage: hermes [--version] [--help] "
		    "[CMD [ARGS]]\nTry 'hermes --help' for more.\n");
		return HM_EXIT_USAGE;
	}
	if (a && !strcmp(a, "--"))
		argc--, argv++, a = argc > 1 ? argv[1] : NULL;
	if (a && !strcmp(a, "help")) {
		if (argc < 3) {
			usage(stdout);
			return hm_finish(HM_EXIT_OK);
		}
		{
			char *h[] = { "--help", NULL };

			return run(argv[2], 1, h);
		}
	}
	if (hm_home_init(&err) == 0 && soul_ensure(&err) < 0)
		hm_report(&err);
	else if (err.len)
		hm_report(&err);
	buf_release(&err);
	if (!a)
		return run("ask", 0, argv + 1);
	return run(a, argc - 2, argv + 2);
}
