/*
 * hermes-config: get, set and list configuration.
 *
 * Lowercase dotted keys live in $HERMES_HOME/config; UPPER_CASE keys are
 * environment variables and live in $HERMES_HOME/.env (mode 0600), and so
 * does every secret (a name ending in _KEY, _TOKEN, _SECRET, _PASSWORD).
 * Secrets are masked wherever this command prints them.  Formats, the
 * precedence and the locking are in libcommon/config.h.
 *
 * get, list and model show effective values (config_effective): what
 * hermes-ask would use, defaults that follow other keys included, so
 * "model" unset shows the provider's model with origin default.
 */
#include "common.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "path.h"

enum { OPT_JSON = 0x100, OPT_ALL, OPT_ORIGIN };

static int jflag, aflag, oflag;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL, "get, list: JSON, one object a line" },
	{ "show-origin", OPT_ORIGIN, 0, NULL,
	    "get, list: also say where each value comes from" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt list_opts[] = {
	{ "all", OPT_ALL, 0, NULL, "also list defaults and unset keys" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_opt(int c, const char *arg)
{
	(void)arg;
	if (c == OPT_JSON)
		jflag = 1;
	else if (c == OPT_ALL)
		aflag = 1;
	else if (c == OPT_ORIGIN)
		oflag = 1;
	return 0;
}

static int
load(struct config *cfg)
{
	struct buf err = BUF_INIT;
	int rc;

	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_load(cfg, &err);
	if (rc < 0) {
		config_release(cfg);
		return hm_exit_status(rc, &err);
	}
	return 0;
}

/* 0 when KEY is one hermes knows (or an environment name), else the
 * usage error's exit code. */
static int
known(const char *key)
{
	if (config_is_env_name(key) || config_key_find(key))
		return 0;
	return cli_usage_error("unknown key '%s' (see 'hermes-config list "
	    "--all')", key);
}

/*
 * One key: "KEY TAB VALUE TAB ORIGIN" (list), "VALUE" (get), with
 * --show-origin the origin in full ("config /h/config:3"), as get's
 * second field; with --json one object, "where" saying the same.
 */
static void
print_item(const char *key, const struct config_value *v, int with_key)
{
	char *shown = config_is_secret(key) && v->val ? config_mask(v->val) :
	    NULL;
	const char *val = shown ? shown : v->val;
	struct buf where = BUF_INIT;
	cJSON *j;

	if (jflag) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "key", key);
		if (val)
			cJSON_AddStringToObject(j, "value", val);
		else
			cJSON_AddNullToObject(j, "value");
		cJSON_AddStringToObject(j, "origin",
		    config_origin_name(v->origin));
		config_describe(key, v, 0, &where);
		if (where.len)
			cJSON_AddStringToObject(j, "where", where.s);
		cJSON_AddBoolToObject(j, "secret", shown != NULL);
		json_print_line(j);
	} else {
		if (oflag)
			config_describe(key, v, 1, &where);
		else
			buf_adds(&where, config_origin_name(v->origin));
		if (with_key)
			printf("%s\t%s\t%s\n", key, val ? val : "", where.s);
		else if (oflag)
			printf("%s\t%s\n", val ? val : "", where.s);
		else if (val)
			printf("%s\n", val);
	}
	buf_release(&where);
	free(shown);
}

static int
cmd_get(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct config_value v;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, on_opt)) != CLI_GO)
		return rc;
	if ((rc = load(&cfg)))
		return rc;
	config_effective(&cfg, st.argv[0], &v);
	if (!v.val && (rc = known(st.argv[0]))) {
		config_value_release(&v);
		config_release(&cfg);
		return rc;
	}
	if (v.val || jflag)
		print_item(st.argv[0], &v, 0);
	rc = v.val ? HM_EXIT_OK : HM_EXIT_FAIL;
	config_value_release(&v);
	config_release(&cfg);
	return rc;
}

static int
cmd_set(int argc, char **argv)
{
	struct buf err = BUF_INIT, in = BUF_INIT;
	struct cli_state st;
	const char *val;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 2, 2, on_opt)) != CLI_GO)
		return rc;
	if ((rc = known(st.argv[0])))
		return rc;
	val = st.argv[1];
	if (!strcmp(val, "-")) {
		if (buf_read_fd(&in, 0) < 0) {
			hm_error("cannot read standard input: %s",
			    strerror(errno));
			buf_release(&in);
			return HM_EXIT_FAIL;
		}
		if (in.len && in.s[in.len - 1] == '\n')
			buf_setlen(&in, in.len - 1);
		val = buf_str(&in);
	}
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_write(st.argv[0], val, &err);
	buf_release(&in);
	if (rc < 0)
		return hm_exit_status(rc, &err);
	buf_release(&err);
	return HM_EXIT_OK;
}

static int
cmd_unset(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, on_opt)) != CLI_GO)
		return rc;
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_write(st.argv[0], NULL, &err);
	if (rc < 0)
		return hm_exit_status(rc, &err);
	buf_release(&err);
	return HM_EXIT_OK;
}

static int
seen(const char **keys, size_t n, const char *k)
{
	while (n-- > 0)
		if (!strcmp(keys[n], k))
			return 1;
	return 0;
}

/* Print key unless it was printed; all: even when only a default. */
static void
list_one(const struct config *cfg, const char *key, const char **done,
    size_t *nd, int all)
{
	struct config_value v;

	if (seen(done, *nd, key))
		return;
	done[(*nd)++] = key;
	config_effective(cfg, key, &v);
	if (all || (v.origin != CONFIG_DEFAULT && v.origin != CONFIG_NONE))
		print_item(key, &v, 1);
	config_value_release(&v);
}

static int
cmd_list(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	const struct config_key *tab;
	struct cli_state st;
	const char **done;
	size_t i, nk, nd = 0;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, on_opt)) != CLI_GO)
		return rc;
	if ((rc = load(&cfg)))
		return rc;
	tab = config_keys(&nk);
	done = xcalloc(nk + cfg.nfile + cfg.ndotenv + 1, sizeof(*done));
	for (i = 0; i < nk; i++)
		if (!strchr(tab[i].key, '*'))
			list_one(&cfg, tab[i].key, done, &nd, aflag);
	for (i = 0; i < cfg.nfile; i++)
		list_one(&cfg, cfg.file[i].key, done, &nd, 1);
	for (i = 0; i < cfg.ndotenv; i++)
		list_one(&cfg, cfg.dotenv[i].key, done, &nd, 1);
	free(done);
	config_release(&cfg);
	return HM_EXIT_OK;
}

static int
cmd_path(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	char *p;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 1, on_opt)) != CLI_GO)
		return rc;
	if ((rc = hm_home_init(&err)) < 0)
		return hm_exit_status(rc, &err);
	p = hm_path(st.argc ? st.argv[0] : "");
	printf("%s\n", p);
	free(p);
	return HM_EXIT_OK;
}

static int
cmd_model(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct config_value val, prov;
	struct buf err = BUF_INIT;
	struct cli_state st;
	const char *v;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 1, on_opt)) != CLI_GO)
		return rc;
	if (st.argc == 1) {
		rc = hm_home_init(&err);
		if (rc == 0)
			rc = config_write("model", st.argv[0], &err);
		if (rc < 0)
			return hm_exit_status(rc, &err);
		buf_release(&err);
		return HM_EXIT_OK;
	}
	if ((rc = load(&cfg)))
		return rc;
	v = config_effective(&cfg, "model", &val);
	config_effective(&cfg, "provider", &prov);
	if (v)
		print_item("model", &val, 0);
	else
		hm_error("no model set and provider '%s' has no default; set "
		    "one with 'hermes-config model ID' or HERMES_MODEL",
		    prov.val ? prov.val : "");
	config_value_release(&val);
	config_value_release(&prov);
	config_release(&cfg);
	return v ? HM_EXIT_OK : HM_EXIT_FAIL;
}

static void
complete_keys(void)
{
	const struct config_key *tab;
	size_t i, n;

	tab = config_keys(&n);
	for (i = 0; i < n; i++)
		if (!strchr(tab[i].key, '*'))
			printf("%s\n", tab[i].key);
}

static const struct cli_verb verbs[] = {
	{ "get", cmd_get, "KEY", "print the value in effect (secrets masked)",
	    NULL, complete_keys },
	{ "set", cmd_set, "KEY VALUE|-", "store a value (secrets to .env)",
	    NULL, complete_keys },
	{ "unset", cmd_unset, "KEY", "remove a stored value", NULL,
	    complete_keys },
	{ "list", cmd_list, "", "print key, value and origin of what is set",
	    list_opts, NULL },
	{ "path", cmd_path, "[FILE]", "print the state directory, or FILE in it",
	    NULL, NULL },
	{ "model", cmd_model, "[ID]", "print the model, or set it to ID", NULL,
	    NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-config",
		"Get, set and list hermes configuration.",
		global_opts, verbs, on_opt, NULL, NULL, NULL
	};

	hm_init(argc, argv, 0);
	return hm_finish(cli_run(&cmd, argc, argv));
}
