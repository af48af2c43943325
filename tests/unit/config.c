/*
 * config.c: unit tests for libcommon/config.c.  The two parsers (config
 * "key = value" and the .env subset of python-dotenv) with their error
 * lines "NAME:LINE: ...", key names, secrets and masking, the key table
 * with its '*' component, value checks, and an end-to-end round trip
 * through config_write and config_load, with the precedence
 * flag > environment > .env > config > default.
 * Files: HERMES_HOME is a mkdtemp directory (config, .env and their
 * locks), removed at the end.
 */
#include <sys/stat.h>
#include <ftw.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "path.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-config.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
free_items(struct config_item **items, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free((*items)[i].key);
		free((*items)[i].val);
	}
	free(*items);
	*items = NULL;
	*n = 0;
}

/* Value of the i-th item if its key is key, else NULL. */
static const char *
item(const struct config_item *items, size_t n, size_t i, const char *key)
{
	if (i >= n || strcmp(items[i].key, key))
		return NULL;
	return items[i].val;
}

static int
has(const struct buf *b, const char *s)
{
	return strstr(buf_str(b), s) != NULL;
}

/* ---- config_parse ---- */

static void
test_config_parse(void)
{
	struct config_item *it = NULL;
	struct buf err = BUF_INIT;
	size_t n = 0;
	int rc;

	rc = config_parse("# a comment\n"
	    "\n"
	    "   \t\n"
	    "   # an indented comment\n"
	    "model = gpt-x\n"
	    "  agent.max_turns=5  \n"
	    "base_url\t=\t  http://h/v1 \t\n"
	    "quoted = \"  a \\\"b\\\" \\\\ \\n\\t\\r end \"\n"
	    "other = \"x\\qy\"\n"
	    "empty =\n"
	    "hash = b # not a comment\n"
	    "last = 1\n"
	    "last = 2", "test.conf", &it, &n, &err);
	is_int(rc, 0, "config_parse of a good file");
	if (rc < 0)
		printf("# %s\n", buf_str(&err));
	is_int(n, 9, "nine items; comments and blank lines skipped");
	is_str(item(it, n, 0, "model"), "gpt-x", "plain key = value");
	is_str(item(it, n, 1, "agent.max_turns"), "5",
	    "no spaces around '=', edge spaces trimmed");
	is_str(item(it, n, 2, "base_url"), "http://h/v1",
	    "tabs around '=' and at the end trimmed");
	is_str(item(it, n, 3, "quoted"), "  a \"b\" \\ \n\t\r end ",
	    "double quotes keep edge spaces; \\\" \\\\ \\n \\t \\r escapes");
	is_str(item(it, n, 4, "other"), "x\\qy",
	    "an unknown escape is kept as written");
	is_str(item(it, n, 5, "empty"), "", "empty value");
	is_str(item(it, n, 6, "hash"), "b # not a comment",
	    "'#' after a value is part of it (comments are whole lines)");
	is_str(item(it, n, 7, "last"), "1", "a repeated key: first line");
	is_str(item(it, n, 8, "last"), "2", "a repeated key: last line");
	free_items(&it, &n);

	rc = config_parse("model = gpt\r\nbase_url = \"q\"\r\n\r\n", "crlf",
	    &it, &n, &err);
	is_int(rc, 0, "config_parse of a CRLF file with a quoted value");
	if (rc < 0)
		printf("# %s\n", buf_str(&err));
	is_str(item(it, n, 0, "model"), "gpt", "CRLF: plain value");
	is_str(item(it, n, 1, "base_url"), "q", "CRLF: quoted value");
	free_items(&it, &n);

	rc = config_parse("a = 1\n\nb = \"abc\n", "test.conf", &it, &n,
	    &err);
	is_int(rc, -HM_EINVAL, "unterminated quote is -HM_EINVAL");
	ok(has(&err, "test.conf:3:"), "err names NAME:LINE: %s", err.s);
	ok(has(&err, "unterminated"), "err says unterminated");
	free_items(&it, &n);

	rc = config_parse("b = \"abc\\\"\n", "t", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a quote closed only by \\\" is unterminated");
	ok(has(&err, "t:1:"), "err names t:1: %s", err.s);
	free_items(&it, &n);

	rc = config_parse("b = \"abc\\", "t", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a backslash at the very end is unterminated");
	free_items(&it, &n);

	rc = config_parse("b = \"abc\" junk\n", "t", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "text after the closing quote is an error");
	free_items(&it, &n);

	rc = config_parse("a = 1\n# c\n\nno equals sign here\n", "cfg", &it,
	    &n, &err);
	is_int(rc, -HM_EINVAL, "a line without '=' is -HM_EINVAL");
	ok(has(&err, "cfg:4:"), "err has the line number: %s", err.s);
	free_items(&it, &n);

	rc = config_parse("Model = x\n", "cfg", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "an upper-case key is invalid in config");
	ok(has(&err, "cfg:1:") && has(&err, "invalid key 'Model'"),
	    "err names the line and the key: %s", err.s);
	free_items(&it, &n);

	rc = config_parse("ok = 1\n = x\n", "cfg", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "an empty key is invalid");
	ok(has(&err, "cfg:2:"), "err: %s", err.s);
	free_items(&it, &n);

	rc = config_parse("a b = c\n", "cfg", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a key with a space is invalid");
	free_items(&it, &n);

	rc = config_parse("_x = c\n", "cfg", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a key starting with '_' is invalid");
	free_items(&it, &n);

	rc = config_parse("a = \xff\n", "cfg", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "invalid UTF-8 is -HM_EINVAL");
	ok(has(&err, "cfg:1:"), "err: %s", err.s);
	free_items(&it, &n);

	rc = config_parse("", "cfg", &it, &n, &err);
	ok(rc == 0 && n == 0, "an empty file has no items");
	free_items(&it, &n);
	buf_release(&err);
}

/* ---- dotenv_parse ---- */

static void
test_dotenv_parse(void)
{
	struct config_item *it = NULL;
	struct buf err = BUF_INIT;
	size_t n = 0;
	int rc;

	rc = dotenv_parse("# secrets\n"
	    "\n"
	    "export FOO=bar\n"
	    "export   SPACED_EXPORT=1\n"
	    "SINGLE='a \\n $x \"q\" # not'\n"
	    "DOUBLE=\"a\\nb \\\"q\\\" \\\\ # not\"\n"
	    "PLAIN=value # comment\n"
	    "TABBED=value\t# comment\n"
	    "HASH=a#b\n"
	    "SPACES = v w  \n"
	    "EMPTY=\n"
	    "QCOMMENT='v' # c\n"
	    "DQCOMMENT=\"v\"   # c\n"
	    "lower.case-ok=1\n"
	    "CR=x\r\n", ".env", &it, &n, &err);
	is_int(rc, 0, "dotenv_parse of a good file");
	if (rc < 0)
		printf("# %s\n", buf_str(&err));
	is_int(n, 13, "thirteen items");
	is_str(item(it, n, 0, "FOO"), "bar", "export prefix");
	is_str(item(it, n, 1, "SPACED_EXPORT"), "1", "export and spaces");
	is_str(item(it, n, 2, "SINGLE"), "a \\n $x \"q\" # not",
	    "single quotes are literal");
	is_str(item(it, n, 3, "DOUBLE"), "a\nb \"q\" \\ # not",
	    "double quotes take escapes");
	is_str(item(it, n, 4, "PLAIN"), "value",
	    "unquoted value ends at \" #\"");
	is_str(item(it, n, 5, "TABBED"), "value",
	    "unquoted value ends at TAB #");
	is_str(item(it, n, 6, "HASH"), "a#b",
	    "'#' with no space before it is kept");
	is_str(item(it, n, 7, "SPACES"), "v w",
	    "spaces around '=' and at the end trimmed");
	is_str(item(it, n, 8, "EMPTY"), "", "empty value");
	is_str(item(it, n, 9, "QCOMMENT"), "v", "comment after 'quote'");
	is_str(item(it, n, 10, "DQCOMMENT"), "v", "comment after \"quote\"");
	is_str(item(it, n, 11, "lower.case-ok"), "1", "lower-case key");
	is_str(item(it, n, 12, "CR"), "x", "CRLF line");
	free_items(&it, &n);

	rc = dotenv_parse("A=1\nJUSTKEY\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a line without '=' is -HM_EINVAL");
	ok(has(&err, "f.env:2:"), "err has NAME:LINE: %s", err.s);
	free_items(&it, &n);

	rc = dotenv_parse("=v\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "an empty key is -HM_EINVAL");
	free_items(&it, &n);

	rc = dotenv_parse("BAD KEY=v\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "a key with a space is -HM_EINVAL");
	free_items(&it, &n);

	rc = dotenv_parse("A=1\nB=2\nK='open\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "unterminated 'quote' is -HM_EINVAL");
	ok(has(&err, "f.env:3:") && has(&err, "unterminated"),
	    "err: %s", err.s);
	free_items(&it, &n);

	rc = dotenv_parse("K=\"open\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "unterminated \"quote\" is -HM_EINVAL");
	free_items(&it, &n);

	rc = dotenv_parse("K='v'junk\n", "f.env", &it, &n, &err);
	is_int(rc, -HM_EINVAL, "text after the closing quote is an error");
	free_items(&it, &n);
	buf_release(&err);
}

/* ---- names, secrets, masks, the key table ---- */

static void
test_names(void)
{
	const struct config_key *k;
	char *s;

	ok(config_is_secret("OPENAI_API_KEY"), "OPENAI_API_KEY is secret");
	ok(config_is_secret("TELEGRAM_BOT_TOKEN"), "_TOKEN is secret");
	ok(config_is_secret("APP_SECRET"), "_SECRET is secret");
	ok(config_is_secret("DB_PASSWORD"), "_PASSWORD is secret");
	ok(config_is_secret("foo.api_key"), "foo.api_key is secret");
	ok(!config_is_secret("model"), "model is not secret");
	ok(!config_is_secret("base_url"), "base_url is not secret");
	ok(!config_is_secret("MONKEY"), "MONKEY is not secret");
	ok(!config_is_secret("KEYS_DIR"), "KEYS_DIR is not secret");
	ok(!config_is_secret("API_KEY_FILE"), "API_KEY_FILE is not secret");

	ok(config_is_env_name("OPENAI_API_KEY"), "upper case is an env name");
	ok(!config_is_env_name("model"), "lower case is not");
	ok(!config_is_env_name("_X"), "'_X' is not");
	ok(!config_is_env_name("A.B"), "'A.B' is not");

	s = config_env_name("base_url");
	is_str(s, "HERMES_BASE_URL", "env name of base_url");
	free(s);
	s = config_env_name("gateway.telegram.api");
	is_str(s, "HERMES_GATEWAY_TELEGRAM_API",
	    "env name of gateway.telegram.api");
	free(s);
	s = config_env_name("agent.max_turns");
	is_str(s, "HERMES_AGENT_MAX_TURNS", "env name of agent.max_turns");
	free(s);
	s = config_env_name("OPENAI_API_KEY");
	is_str(s, "OPENAI_API_KEY", "an env name is its own env name");
	free(s);

	s = config_mask("");
	is_str(s, "****", "mask of \"\"");
	free(s);
	s = config_mask("short");
	is_str(s, "****", "mask of a short value shows nothing");
	free(s);
	s = config_mask("12345678901");
	is_str(s, "****", "mask of 11 characters shows nothing");
	free(s);
	s = config_mask("sk-abcdef1234");
	is_str(s, "****1234", "mask of 13 characters shows the last 4");
	free(s);
	s = config_mask("abcdefgh5678");
	is_str(s, "****5678", "mask of 12 characters shows the last 4");
	free(s);

	k = config_key_find("gateway.telegram.allow");
	ok(k && !strcmp(k->key, "gateway.*.allow"),
	    "gateway.telegram.allow matches gateway.*.allow");
	ok(config_key_find("gateway.a.b.allow") == NULL,
	    "gateway.a.b.allow does not ('*' is one component)");
	ok(config_key_find("gateway..allow") == NULL,
	    "gateway..allow does not ('*' is non-empty)");
	ok(config_key_find("gateway.allow") == NULL, "gateway.allow does not");
	ok(config_key_find("gateway.telegram") == NULL,
	    "gateway.telegram does not");
	k = config_key_find("gateway.telegram.api");
	ok(k && !strcmp(k->key, "gateway.telegram.api"),
	    "gateway.telegram.api finds its own row");
	k = config_key_find("model");
	ok(k && !strcmp(k->key, "model"), "model is known");
	ok(config_key_find("mode") == NULL, "a prefix is not a match");
	ok(config_key_find("models") == NULL, "a longer key is not a match");
	ok(config_key_find("no.such.key") == NULL, "unknown key");

	is_str(config_origin_name(CONFIG_NONE), "unset", "origin unset");
	is_str(config_origin_name(CONFIG_DOTENV), ".env", "origin .env");
}

static void
test_check_value(void)
{
	struct buf err = BUF_INIT;

	is_int(config_check_value("agent.max_turns", "20", &err), 0,
	    "int in range");
	is_int(config_check_value("agent.max_turns", "1", &err), 0,
	    "int at min");
	is_int(config_check_value("agent.max_turns", "100000", &err), 0,
	    "int at max");
	is_int(config_check_value("agent.max_turns", "0", &err), -HM_EINVAL,
	    "int below min");
	ok(has(&err, "agent.max_turns") && has(&err, "1 to 100000"),
	    "err names the key and the range: %s", err.s);
	is_int(config_check_value("agent.max_turns", "100001", &err),
	    -HM_EINVAL, "int above max");
	is_int(config_check_value("agent.max_turns", "abc", &err),
	    -HM_EINVAL, "int not a number");
	is_int(config_check_value("agent.max_turns", " 5", &err),
	    -HM_EINVAL, "int with a space");
	is_int(config_check_value("agent.max_turns", "", &err), -HM_EINVAL,
	    "int empty");

	is_int(config_check_value("provider", "openai", &err), 0,
	    "enum choice");
	is_int(config_check_value("provider", "openrouter", &err), 0,
	    "enum first choice");
	is_int(config_check_value("provider", "custom", &err), 0,
	    "enum last choice");
	is_int(config_check_value("provider", "open", &err), -HM_EINVAL,
	    "enum: a prefix of a choice");
	ok(has(&err, "openrouter|openai"), "err lists the choices: %s",
	    err.s);
	is_int(config_check_value("provider", "openaix", &err), -HM_EINVAL,
	    "enum: a choice plus more");
	is_int(config_check_value("provider", "", &err), -HM_EINVAL,
	    "enum: empty");
	is_int(config_check_value("provider", "openai|anthropic", &err),
	    -HM_EINVAL, "enum: two choices");

	is_int(config_check_value("model", "anything at all", &err), 0,
	    "string key takes anything");
	is_int(config_check_value("future.knob", "x", &err), 0,
	    "unknown key takes anything");
	is_int(config_check_value("gateway.slack.allow", "U1,U2", &err), 0,
	    "wildcard key is checked as its row");
	is_int(config_check_value("model", "\xc3", &err), -HM_EINVAL,
	    "invalid UTF-8 is rejected");
	buf_release(&err);
}

/* ---- end to end ---- */

static char *
home_file(const char *rel)
{
	return hm_path(rel);
}

static int
put_file(const char *rel, const char *data, size_t len)
{
	char *p = home_file(rel);
	int rc = atomic_write(p, data, len, 0600, NULL);

	free(p);
	return rc;
}

/* The file's content (caller frees), or NULL. */
static char *
get_file(const char *rel)
{
	struct buf b = BUF_INIT;
	char *p = home_file(rel);
	int rc = buf_read_file(&b, p);

	free(p);
	if (rc < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
file_mode(const char *rel)
{
	char *p = home_file(rel);
	struct stat st;
	int rc = stat(p, &st);

	free(p);
	return rc < 0 ? -1 : (int)(st.st_mode & 07777);
}

static int
reload(struct config *c, struct buf *err)
{
	int rc;

	config_release(c);
	rc = config_load(c, err);
	if (rc < 0)
		printf("# config_load: %s\n", buf_str(err));
	return rc;
}

/* config_get(key) is want, from origin o. */
static void
expect(struct config *c, const char *key, const char *want,
    enum config_origin o, const char *what)
{
	enum config_origin got = CONFIG_FLAG + 1;
	const char *v = config_get(c, key, &got);

	if (want)
		is_str(v, want, "%s: value of %s", what, key);
	else
		ok(v == NULL, "%s: %s is unset", what, key);
	is_str(config_origin_name(got), config_origin_name(o),
	    "%s: origin of %s", what, key);
}

static void
test_round_trip(void)
{
	static const char *const vals[] = {
		"plain", "two words", "  lead and trail  ", "tab\there",
		"line1\nline2", "say \"hi\"", "\"starts quoted", "it's",
		"back\\slash", "#not a comment", "a # b", "x=y",
		"\xc3\xa9t\xc3\xa9", " ' \" \\ \n \t mixed \r", "", " ",
		"trailing\\", "ctrl\001char",
	};
	struct config c = CONFIG_INIT;
	struct buf err = BUF_INIT, k = BUF_INIT;
	const char *v;
	enum config_origin o;
	size_t i, j;
	int rc, good;

	rc = config_load(&c, &err);
	is_int(rc, 0, "config_load of an empty HERMES_HOME");
	expect(&c, "provider", "openrouter", CONFIG_DEFAULT, "empty home");
	expect(&c, "model", NULL, CONFIG_NONE, "empty home");
	expect(&c, "no.such", NULL, CONFIG_NONE, "empty home");

	rc = config_write("model", "gpt-x", &err);
	is_int(rc, 0, "config_write model");
	rc = config_write("base_url", "   lead \"q\"\nsecond line ", &err);
	is_int(rc, 0, "config_write a value with spaces, newline, quote");
	rc = config_write("agent.max_turns", "7", &err);
	is_int(rc, 0, "config_write agent.max_turns");
	rc = config_write("OPENAI_API_KEY", "sk-abc 'x' #1\nz", &err);
	is_int(rc, 0, "config_write a secret");
	is_int(file_mode(".env"), 0600, ".env is mode 0600");
	ok(file_mode("config") >= 0, "config exists");
	{
		char *cf = get_file("config");

		ok(cf && !strstr(cf, "sk-abc"), "the secret is not in config");
		free(cf);
	}

	rc = reload(&c, &err);
	is_int(rc, 0, "config_load after writes");
	expect(&c, "model", "gpt-x", CONFIG_FILE, "written");
	expect(&c, "base_url", "   lead \"q\"\nsecond line ", CONFIG_FILE,
	    "written");
	expect(&c, "agent.max_turns", "7", CONFIG_FILE, "written");
	expect(&c, "OPENAI_API_KEY", "sk-abc 'x' #1\nz", CONFIG_DOTENV,
	    "written");
	{
		long l = 0;

		rc = config_get_long(&c, "agent.max_turns", &l, &err);
		ok(rc == 0 && l == 7, "config_get_long gives 7");
	}

	rc = config_write("agent.max_turns", "0", &err);
	is_int(rc, -HM_EINVAL, "config_write of an out-of-range int");
	rc = config_write("provider", "nope", &err);
	is_int(rc, -HM_EINVAL, "config_write of a bad enum value");
	rc = config_write("Bad.Key", "x", &err);
	is_int(rc, -HM_EINVAL, "config_write of an invalid key");

	/* Many awkward values through both files. */
	for (i = 0; i < HM_ARRAY_SIZE(vals); i++) {
		buf_reset(&k);
		buf_addf(&k, "rt.v%zu", i);
		if (config_write(k.s, vals[i], &err) < 0)
			printf("# %s: %s\n", k.s, buf_str(&err));
		buf_reset(&k);
		buf_addf(&k, "RT_V%zu", i);
		if (config_write(k.s, vals[i], &err) < 0)
			printf("# %s: %s\n", k.s, buf_str(&err));
	}
	rc = reload(&c, &err);
	is_int(rc, 0, "config_load after the awkward values");
	for (i = 0; i < HM_ARRAY_SIZE(vals); i++) {
		buf_reset(&k);
		buf_addf(&k, "rt.v%zu", i);
		v = config_get(&c, k.s, &o);
		good = v && !strcmp(v, vals[i]) && o == CONFIG_FILE;
		ok(good, "config round trip of value %zu", i);
		buf_reset(&k);
		buf_addf(&k, "RT_V%zu", i);
		if (!*vals[i]) {
			/* an empty .env value falls through to the default */
			v = NULL;
			for (j = 0; j < c.ndotenv; j++)
				if (!strcmp(c.dotenv[j].key, k.s))
					v = c.dotenv[j].val;
			ok(v && !*v, ".env round trip of value %zu", i);
			continue;
		}
		v = config_get(&c, k.s, &o);
		good = v && !strcmp(v, vals[i]) && o == CONFIG_DOTENV;
		ok(good, ".env round trip of value %zu", i);
	}

	/* Precedence: flag > env > .env > config > default. */
	unsetenv("HERMES_MODEL");
	rc = config_write("HERMES_MODEL", "from-dotenv", &err);
	is_int(rc, 0, "config_write HERMES_MODEL to .env");
	rc = reload(&c, &err);
	expect(&c, "model", "from-dotenv", CONFIG_DOTENV, ".env > config");
	setenv("HERMES_MODEL", "from-env", 1);
	expect(&c, "model", "from-env", CONFIG_ENV, "env > .env");
	config_set_flag(&c, "model", "from-flag");
	expect(&c, "model", "from-flag", CONFIG_FLAG, "flag > env");
	rc = reload(&c, &err);
	expect(&c, "model", "from-env", CONFIG_ENV, "no flag");
	setenv("HERMES_MODEL", "", 1);
	expect(&c, "model", "from-dotenv", CONFIG_DOTENV,
	    "an empty env var does not count");
	unsetenv("HERMES_MODEL");
	expect(&c, "model", "from-dotenv", CONFIG_DOTENV, "env unset");
	rc = config_write("HERMES_MODEL", NULL, &err);
	is_int(rc, 0, "unset HERMES_MODEL in .env");
	rc = reload(&c, &err);
	expect(&c, "model", "gpt-x", CONFIG_FILE, ".env entry removed");
	setenv("HERMES_MODEL", "from-env", 1);
	expect(&c, "model", "from-env", CONFIG_ENV, "env > config");
	unsetenv("HERMES_MODEL");

	rc = config_write("provider", "openai", &err);
	rc = reload(&c, &err);
	expect(&c, "provider", "openai", CONFIG_FILE, "config > default");
	setenv("HERMES_PROVIDER", "anthropic", 1);
	expect(&c, "provider", "anthropic", CONFIG_ENV, "env > config");
	unsetenv("HERMES_PROVIDER");
	rc = config_write("provider", NULL, &err);
	is_int(rc, 0, "config_write(provider, NULL) unsets");
	rc = reload(&c, &err);
	expect(&c, "provider", "openrouter", CONFIG_DEFAULT, "unset");
	rc = config_write("provider", NULL, &err);
	is_int(rc, -HM_ENOTFOUND, "a second unset is -HM_ENOTFOUND");
	ok(has(&err, "provider"), "err names the key: %s", err.s);

	rc = config_write("model", NULL, &err);
	is_int(rc, 0, "unset model");
	rc = reload(&c, &err);
	expect(&c, "model", NULL, CONFIG_NONE, "model unset, no default");
	rc = config_write("OPENAI_API_KEY", NULL, &err);
	is_int(rc, 0, "unset a secret in .env");
	rc = config_write("OPENAI_API_KEY", NULL, &err);
	is_int(rc, -HM_ENOTFOUND, "second unset of a secret");

	config_release(&c);
	buf_release(&k);
	buf_release(&err);
}

static void
test_preserve(void)
{
	static const char conf[] = "# top comment\n"
	    "future.knob = 1\n"
	    "\n"
	    "  # indented comment\n"
	    "model = old\n"
	    "zeta = \"z\"\n";
	static const char env[] = "# secrets\n"
	    "export A_TOKEN=abc\n"
	    "\n"
	    "B=1 # why\n";
	struct config c = CONFIG_INIT;
	struct buf err = BUF_INIT;
	char *s;
	int rc;

	put_file("config", conf, strlen(conf));
	rc = config_write("model", "new", &err);
	is_int(rc, 0, "config_write into a file with comments");
	s = get_file("config");
	is_str(s, "# top comment\nfuture.knob = 1\n\n  # indented comment\n"
	    "model = new\nzeta = \"z\"\n",
	    "comments, blank lines, unknown keys and order survive");
	free(s);

	rc = config_write("added.key", "v", &err);
	s = get_file("config");
	ok(rc == 0 && s && strstr(s, "zeta = \"z\"\nadded.key = v\n"),
	    "a new key is appended at the end");
	free(s);

	rc = config_write("future.knob", NULL, &err);
	s = get_file("config");
	is_str(s, "# top comment\n\n  # indented comment\n"
	    "model = new\nzeta = \"z\"\nadded.key = v\n",
	    "unset removes just that line");
	free(s);

	put_file("config", "model = a\nx = 1\nmodel = b\n", 26);
	rc = config_write("model", "c", &err);
	s = get_file("config");
	is_str(s, "model = c\nx = 1\n",
	    "a repeated key becomes one line with the new value");
	free(s);

	put_file(".env", env, strlen(env));
	rc = config_write("B", "2", &err);
	is_int(rc, 0, "config_write into .env with comments");
	s = get_file(".env");
	is_str(s, "# secrets\nexport A_TOKEN=abc\n\nB=2\n",
	    ".env comments and other lines survive");
	free(s);
	is_int(file_mode(".env"), 0600, ".env is still 0600");
	rc = config_write("A_TOKEN", "new", &err);
	rc = reload(&c, &err);
	expect(&c, "A_TOKEN", "new", CONFIG_DOTENV, "export line replaced");

	/* A lower-case secret must still land only in .env. */
	rc = config_write("foo.api_key", "s3cr3t-value-xyz", &err);
	is_int(rc, 0, "config_write of a dotted secret key");
	s = get_file("config");
	ok(!s || !strstr(s, "s3cr3t-value-xyz"),
	    "the dotted secret (foo.api_key) is kept out of config");
	free(s);
	s = get_file(".env");
	ok(s && strstr(s, "HERMES_FOO_API_KEY=s3cr3t-value-xyz\n"),
	    "it is in .env under its environment name");
	free(s);
	rc = reload(&c, &err);
	expect(&c, "foo.api_key", "s3cr3t-value-xyz", CONFIG_DOTENV,
	    "dotted secret");
	rc = config_write("foo.api_key", NULL, &err);
	is_int(rc, 0, "unset of a dotted secret");
	rc = config_write("foo.api_key", NULL, &err);
	is_int(rc, -HM_ENOTFOUND, "second unset of a dotted secret");

	/* A secret key is still a key: no spaces, '=' or newlines. */
	rc = config_write("bad key.api_key", "v", &err);
	is_int(rc, -HM_EINVAL, "config_write('bad key.api_key') is invalid");
	rc = config_write("x=y.api_key", "v", &err);
	is_int(rc, -HM_EINVAL, "config_write('x=y.api_key') is invalid");
	rc = config_write("x\nINJECTED.api_token", "v", &err);
	is_int(rc, -HM_EINVAL, "config_write of a key holding a newline");
	rc = reload(&c, &err);
	is_int(rc, 0, ".env still loads after those writes");
	ok(config_get(&c, "HERMES_X", NULL) == NULL,
	    "no HERMES_X line was injected into .env");
	put_file(".env", "", 0);	/* whatever happened, start clean */

	/* A broken file is a failure of the work, not a usage error. */
	put_file("config", "model = x\nbroken\n", 17);
	config_release(&c);
	rc = config_load(&c, &err);
	is_int(rc, -HM_EFAIL, "config_load of a broken config is -HM_EFAIL");
	ok(has(&err, "/config:2:"), "err names PATH:LINE: %s", err.s);

	/* Bytes after a NUL are not silently dropped by a write. */
	put_file("config", "a = 1\n\0b = 2\n", 13);
	rc = config_write("c", "3", &err);
	s = get_file("config");
	{
		char *p = home_file("config");
		struct buf raw = BUF_INIT;

		buf_read_file(&raw, p);
		ok(rc < 0 || memmem(raw.s, raw.len, "b = 2", 5),
		    "config_write into a file holding NUL either fails or "
		    "keeps the rest (rc %d)", rc);
		buf_release(&raw);
		free(p);
	}
	free(s);

	config_release(&c);
	buf_release(&err);
}

/* ---- effective values ---- */

/* config_effective(key) is want from origin o, described as desc. */
static void
expect_eff(const struct config *c, const char *key, const char *want,
    enum config_origin o, const char *desc)
{
	struct config_value v;
	struct buf d = BUF_INIT;

	config_effective(c, key, &v);
	if (want)
		is_str(v.val, want, "effective %s", key);
	else
		ok(v.val == NULL, "effective %s: none (%s)", key,
		    v.val ? v.val : "");
	is_int(v.origin, o, "origin of %s", key);
	config_describe(key, &v, 1, &d);
	is_str(d.s ? d.s : "", desc, "description of %s", key);
	buf_release(&d);
	config_value_release(&v);
}

static void
test_effective(void)
{
	static const char *const names[] = { "openrouter", "openai",
		"anthropic", "nous", "custom" };
	static const char conf[] = "# c\n\nprovider = openai\nmodel =\n";
	static const char env[] = "X=1\nHERMES_MODEL_CONTEXT=5000\n";
	const struct config_provider *p;
	struct config c = CONFIG_INIT;
	struct config_value v;
	struct buf err = BUF_INIT, d = BUF_INIT, want = BUF_INIT;
	struct buf line3 = BUF_INIT;
	char *path;
	size_t i;

	put_file("config", "", 0);
	put_file(".env", "", 0);
	reload(&c, &err);
	expect_eff(&c, "provider", "openrouter", CONFIG_DEFAULT, "default");
	expect_eff(&c, "model", "anthropic/claude-sonnet-4.5",
	    CONFIG_DEFAULT, "default (provider openrouter)");
	expect_eff(&c, "base_url", "https://openrouter.ai/api/v1",
	    CONFIG_DEFAULT, "default (provider openrouter)");
	expect_eff(&c, "model.context", "200000", CONFIG_DEFAULT,
	    "default (model anthropic/claude-sonnet-4.5)");
	expect_eff(&c, "goals.judge_model", "anthropic/claude-sonnet-4.5",
	    CONFIG_DEFAULT, "default (the model)");
	expect_eff(&c, "approvals.mode", "ask", CONFIG_DEFAULT, "default");
	expect_eff(&c, "agent.max_turns", "20", CONFIG_DEFAULT, "default");
	expect_eff(&c, "terminal.ssh.host", NULL, CONFIG_NONE, "unset");

	/* Every provider's defaults come from the one table. */
	for (i = 0; i < HM_ARRAY_SIZE(names); i++) {
		p = config_provider_find(names[i]);
		ok(p != NULL, "provider %s is in the table", names[i]);
		if (!p)
			continue;
		setenv("HERMES_PROVIDER", names[i], 1);
		config_effective(&c, "model", &v);
		ok(p->model ? v.val && !strcmp(v.val, p->model) : !v.val,
		    "%s: the model is its default (%s)", names[i],
		    v.val ? v.val : "none");
		config_value_release(&v);
		config_effective(&c, "base_url", &v);
		ok(p->url ? v.val && !strcmp(v.val, p->url) : !v.val,
		    "%s: the base URL is its default", names[i]);
		config_value_release(&v);
	}
	unsetenv("HERMES_PROVIDER");
	ok(config_provider_find("acme") == NULL, "no provider acme");
	is_int(config_context_for("gpt-5-mini"), 400000, "gpt-5 context");
	is_int(config_context_for("google/gemini-2.5-pro"), 1000000,
	    "gemini context");
	is_int(config_context_for("llama"), 128000, "other context");

	/* A base URL alone: custom, no model. */
	config_set_flag(&c, "base_url", "http://127.0.0.1:9/v1");
	expect_eff(&c, "provider", "custom", CONFIG_DEFAULT,
	    "default (base_url is set)");
	expect_eff(&c, "model", NULL, CONFIG_NONE, "unset");
	expect_eff(&c, "model.context", NULL, CONFIG_NONE, "unset");
	expect_eff(&c, "base_url", "http://127.0.0.1:9/v1", CONFIG_FLAG,
	    "flag");
	config_set_flag(&c, "model", "local-7b");
	expect_eff(&c, "model.context", "128000", CONFIG_DEFAULT,
	    "default (model local-7b)");

	/* Lines, files and variables; empty counts as unset. */
	put_file("config", conf, strlen(conf));
	put_file(".env", env, strlen(env));
	reload(&c, &err);
	path = hm_path("config");
	buf_addf(&line3, "config %s:3", path);
	expect_eff(&c, "provider", "openai", CONFIG_FILE, line3.s);
	free(path);
	expect_eff(&c, "model", "gpt-4.1", CONFIG_DEFAULT,
	    "default (provider openai)");
	path = hm_path(".env");
	buf_reset(&want);
	buf_addf(&want, ".env %s:2", path);
	expect_eff(&c, "model.context", "5000", CONFIG_DOTENV, want.s);
	config_effective(&c, "model.context", &v);
	config_describe("model.context", &v, 0, &d);
	buf_reset(&want);
	buf_addf(&want, "%s:2", path);
	is_str(d.s, want.s, "without the name: PATH:LINE");
	config_value_release(&v);
	free(path);
	setenv("HERMES_MODEL", "o3", 1);
	expect_eff(&c, "model", "o3", CONFIG_ENV, "env HERMES_MODEL");
	expect_eff(&c, "goals.judge_model", "o3", CONFIG_DEFAULT,
	    "default (the model)");
	unsetenv("HERMES_MODEL");
	setenv("HERMES_PROVIDER", "", 1);
	expect_eff(&c, "provider", "openai", CONFIG_FILE, line3.s);
	unsetenv("HERMES_PROVIDER");
	put_file("config", "provider =\n", strlen("provider =\n"));
	reload(&c, &err);
	expect_eff(&c, "provider", "openrouter", CONFIG_DEFAULT, "default");

	put_file("config", "", 0);
	put_file(".env", "", 0);
	config_release(&c);
	buf_release(&want);
	buf_release(&line3);
	buf_release(&d);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	test_config_parse();
	test_dotenv_parse();
	test_names();
	test_check_value();

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_MODEL");
	unsetenv("HERMES_PROVIDER");
	unsetenv("HERMES_BASE_URL");
	unsetenv("HERMES_AGENT_MAX_TURNS");
	unsetenv("OPENAI_API_KEY");
	unsetenv("A_TOKEN");
	unsetenv("B");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	is_str(hm_home(), home, "hm_home is HERMES_HOME");
	test_round_trip();
	test_preserve();
	test_effective();
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
