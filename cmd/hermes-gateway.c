/*
 * hermes-gateway: the agent on messaging platforms.  The core (inbox,
 * turns, answers, outbox) is libcommon/gateway.c, the platforms
 * platform_*.c, who may talk pairing.c.  This file parses, calls and
 * prints.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "cli.h"
#include "config.h"
#include "gateway.h"
#include "gateway_mcp.h"
#include "outbox.h"
#include "lock.h"
#include "pairing.h"
#include "path.h"
#include "proc.h"
#include "service.h"
#include "sig.h"
#include "timeutil.h"

enum { OPT_PLATFORM = 0x100 };

static const char **platforms;
static size_t nplatforms;

static const struct cli_opt run_opts[] = {
	{ "platform", OPT_PLATFORM, 1, "NAME", "serve this platform (repeat; "
	    "default gateway.platforms)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_run(int c, const char *arg)
{
	if (c == OPT_PLATFORM) {
		platforms = xrealloc(platforms, (nplatforms + 2) *
		    sizeof(*platforms));
		platforms[nplatforms++] = arg;
		platforms[nplatforms] = NULL;
	}
	return 0;
}

static int
open_cfg(struct config *cfg)
{
	struct buf err = BUF_INIT;
	int rc = hm_home_init(&err);

	if (rc == 0)
		rc = config_load(cfg, &err);
	if (rc < 0)	/* the callers return at once: leave nothing */
		config_release(cfg);
	return hm_exit_status(rc, &err);
}

static int
cmd_run(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, on_run)) != CLI_GO ||
	    (rc = open_cfg(&cfg)))
		return rc;
	sig_catch_interrupt();
	rc = gateway_run(&cfg, platforms, &err);
	free(platforms);
	config_release(&cfg);
	return hm_exit_status(rc, &err);
}

static int
cmd_send(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	char *text;
	int rc, queued = 0;

	if ((rc = cli_parse(&st, argc, argv, 1, 2, NULL)) != CLI_GO ||
	    (rc = open_cfg(&cfg)))
		return rc;
	text = cli_operand_text(st.argc == 2 ? st.argv[1] : "-");
	if (!text) {
		config_release(&cfg);
		return HM_EXIT_FAIL;
	}
	if (!*text) {
		free(text);
		config_release(&cfg);
		return cli_usage_error("nothing to send");
	}
	rc = gateway_send(&cfg, st.argv[0], text, &queued, &err);
	if (rc == 0 && queued)
		fprintf(stderr, "%s: %s cannot be reached now; queued in the "
		    "outbox for the gateway\n", hm_prog, st.argv[0]);
	free(text);
	config_release(&cfg);
	return hm_exit_status(rc, &err);
}

static int
cmd_pair(int argc, char **argv)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct cli_state st;
	char *user = NULL;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 3, NULL)) != CLI_GO)
		return rc;
	if ((rc = hm_home_init(&err)) < 0)
		return hm_exit_status(rc, &err);
	if (!strcmp(st.argv[0], "list") && st.argc == 1) {
		rc = pairing_list(tu_now(), &out, &err);
		if (rc == 0 && out.len)
			fputs(out.s, stdout);
	} else if (!strcmp(st.argv[0], "approve") && st.argc == 3) {
		rc = pairing_approve(st.argv[1], st.argv[2], tu_now(), &user,
		    &err);
		if (rc == 0)
			printf("%s\n", user);
	} else if (!strcmp(st.argv[0], "revoke") && st.argc == 3) {
		rc = pairing_revoke(st.argv[1], st.argv[2], &err);
	} else {
		return cli_usage_error("pair list | pair approve PLATFORM CODE "
		    "| pair revoke PLATFORM USER");
	}
	free(user);
	buf_release(&out);
	if (rc == -HM_ENOTFOUND || rc == -HM_ECONFLICT)
		rc = -HM_EFAIL;
	return hm_exit_status(rc, &err);
}

static size_t
count(const char *sub)
{
	char **names = NULL, *dir = outbox_dir(sub);
	struct buf err = BUF_INIT;
	size_t n = 0;

	(void)dir;
	if (!sub && outbox_scan(&names, &n, &err) == 0)
		outbox_names_free(names, n);
	free(dir);
	buf_release(&err);
	return n;
}

static int
cmd_status(int argc, char **argv)
{
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct cli_state st;
	char *path, *lp;
	const cJSON *p;
	cJSON *o = NULL;
	int rc, running;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO)
		return rc;
	if ((rc = hm_home_init(&err)) < 0)
		return hm_exit_status(rc, &err);
	lp = hm_path("gateway/.run.lock");
	running = lock_held(lp) == 1;
	free(lp);
	path = hm_path("gateway/status.json");
	if (buf_read_file(&text, path) == 0)
		o = cJSON_Parse(text.s);
	printf("gateway\t%s\n", running ? "running" : "stopped");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "platforms"))
		printf("%s\t%s\t%s\n", cJSON_GetStringValue(
		    cJSON_GetObjectItem(p, "name")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(p, "last_contact")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "error")) ?
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "error")) :
		    "ok");
	printf("outbox\t%zu waiting\n", count(NULL));
	cJSON_Delete(o);
	free(path);
	buf_release(&text);
	buf_release(&err);
	return HM_EXIT_OK;
}

static int
cmd_install(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	char *bin, *path, *unit;
	int rc, running = 0;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO)
		return rc;
	if ((rc = hm_home_init(&err)) < 0)
		return hm_exit_status(rc, &err);
	bin = proc_sibling("hermes-gateway");
	path = service_unit_path();
	rc = service_install(bin, &running, &err);
	if (rc == 0 && running) {
		printf("%s\n", path);
		fprintf(stderr, "%s: enabled and started; `systemctl --user "
		    "status hermes-gateway` shows it, `systemctl --user "
		    "reload hermes-gateway` re-reads the config\n", hm_prog);
	} else if (rc == 0) {
		unit = service_unit(bin);
		fputs(unit, stdout);
		fprintf(stderr, "%s: no systemd user manager answers here; the "
		    "unit above is in %s for when there is one.  Start the "
		    "gateway by hand with:\n  nohup %s run >/dev/null 2>&1 &\n"
		    "or from cron: @reboot %s run\n", hm_prog, path, bin, bin);
		free(unit);
	}
	free(bin);
	free(path);
	return hm_exit_status(rc, &err);
}

static int
cmd_uninstall(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc, running = 0, changed = 0;
	char *path;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO)
		return rc;
	path = service_unit_path();
	rc = service_uninstall(&running, &changed, &err);
	if (rc == 0)
		fprintf(stderr, "%s: %s %s\n", hm_prog, changed ? (running ?
		    "stopped, disabled and removed" : "removed") :
		    "nothing to remove at", path);
	free(path);
	return hm_exit_status(rc, &err);
}

/* An MCP server on stdin/stdout: only protocol on stdout. */
static int
cmd_mcp(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO ||
	    (rc = open_cfg(&cfg)))
		return rc;
	rc = gateway_mcp_run(&cfg, STDIN_FILENO, STDOUT_FILENO, &err);
	config_release(&cfg);
	return hm_exit_status(rc, &err);
}

static const struct cli_verb verbs[] = {
	{ "run", cmd_run, "", "serve the platforms until SIGINT or SIGTERM",
	    run_opts, NULL },
	{ "send", cmd_send, "TARGET [TEXT|-]", "send TEXT (default: stdin) to "
	    "PLATFORM:CHAT[:THREAD]", NULL, NULL },
	{ "pair", cmd_pair, "list | approve PLATFORM CODE | revoke PLATFORM "
	    "USER", "who may talk to the agent", NULL, NULL },
	{ "status", cmd_status, "", "print whether it runs, each platform's "
	    "last contact, the outbox", NULL, NULL },
	{ "mcp", cmd_mcp, "", "serve the conversations to an MCP client on "
	    "stdin and stdout", NULL, NULL },
	{ "install", cmd_install, "", "write a systemd user unit and enable "
	    "it (or print it where systemd does not run)", NULL, NULL },
	{ "uninstall", cmd_uninstall, "", "stop, disable and remove that "
	    "unit", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-gateway",
		"The agent on messaging platforms: run, send, pair, status, "
		"mcp.",
		NULL, verbs, NULL, NULL, NULL, NULL
	};

	hm_init(argc, argv, HM_SOCKETS);
	return hm_finish(cli_run(&cmd, argc, argv));
}
