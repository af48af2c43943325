/*
 * pairing.c: unit tests for libcommon/pairing.c: the allowlist from the
 * config, codes (alphabet, reuse, expiry, the pending cap), approval,
 * wrong codes and the lockout, revocation, the listing and the mode of
 * gateway/pairing.json.
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <ftw.h>

#include "common.h"
#include "config.h"
#include "pairing.h"
#include "path.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-pairing.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
allowed(const char *platform, const char *user)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	int r = -1;

	if (config_load(&cfg, &err) == 0)
		r = pairing_allowed(&cfg, platform, user, &err);
	config_release(&cfg);
	buf_release(&err);
	return r;
}

static void
test_allowlist(void)
{
	char *cfgpath = hm_path("config");
	FILE *f;

	is_int(allowed("telegram", "42"), 0, "nobody is allowed by default");
	setenv("HERMES_GATEWAY_TELEGRAM_ALLOW", "7, 42,99", 1);
	is_int(allowed("telegram", "42"), 1, "a listed user is allowed");
	is_int(allowed("telegram", "4"), 0, "a prefix of one is not");
	is_int(allowed("slack", "42"), 0, "the list is per platform");
	unsetenv("HERMES_GATEWAY_TELEGRAM_ALLOW");
	f = fopen(cfgpath, "w");
	fputs("gateway.allow_all = true\n", f);
	fclose(f);
	is_int(allowed("slack", "1"), 1, "allow_all lets everyone in");
	f = fopen(cfgpath, "w");
	fclose(f);
	free(cfgpath);
}

static void
test_codes(void)
{
	struct buf err = BUF_INIT, list = BUF_INIT;
	char c1[9], c2[9], c3[9], c4[9], again[9], *user = NULL;
	time_t now = 1000000;
	char *pj = hm_path("gateway/pairing.json");
	struct stat st;
	size_t i;

	is_int(pairing_request("telegram", "u1", "ann", "c1", now, c1, &err),
	    0, "a code for a stranger");
	is_int((long)strlen(c1), 8, "8 characters");
	for (i = 0; i < 8; i++)
		if (strchr("0O1I", c1[i]) || !strchr(
		    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", c1[i]))
			break;
	is_int((long)i, 8, "from the alphabet without 0/O/1/I (%s)", c1);
	is_int(pairing_request("telegram", "u1", "ann", "c1", now + 60, again,
	    &err), 0, "asking again");
	is_str(again, c1, "gives the same code");
	pairing_request("telegram", "u2", "bob", "c2", now, c2, &err);
	pairing_request("telegram", "u3", "cy", "c3", now, c3, &err);
	is_int(pairing_request("telegram", "u4", "di", "c4", now, c4, &err),
	    -HM_EFULL, "a fourth pending code is refused");
	is_int(pairing_request("slack", "u4", "di", "c4", now, c4, &err), 0,
	    "the cap is per platform");
	ok(stat(pj, &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "pairing.json is mode 0600");
	is_int(allowed("telegram", "u2"), 0, "pending is not allowed");
	is_int(pairing_approve("telegram", c2, now + 10, &user, &err), 0,
	    "approve bob's code");
	is_str(user, "u2", "the approved user");
	free(user);
	is_int(allowed("telegram", "u2"), 1, "bob is allowed now");
	is_int(pairing_approve("telegram", c2, now + 11, &user, &err),
	    -HM_ENOTFOUND, "a code is used once");
	buf_reset(&list);
	pairing_list(now + 30, &list, &err);
	ok(strstr(buf_str(&list), "pending\ttelegram\tu3\tcy\t") != NULL,
	    "cy is pending");
	buf_reset(&list);
	is_int(pairing_approve("telegram", c1, now + PAIRING_TTL + 1, &user,
	    &err), -HM_ENOTFOUND, "an hour later ann's code has expired");
	ok(strstr(buf_str(&err), "wrong or expired") != NULL, "err: %s",
	    buf_str(&err));
	buf_reset(&err);
	is_int(pairing_list(now + 20, &list, &err), 0, "list");
	ok(strstr(buf_str(&list), "allowed\ttelegram\tu2\tbob\t") != NULL,
	    "bob is listed as allowed");
	ok(strstr(buf_str(&list), "pending\ttelegram\tu3\tcy\t") == NULL,
	    "cy's code went with the hour that passed");
	is_int(pairing_revoke("telegram", "u2", &err), 0, "revoke bob");
	is_int(allowed("telegram", "u2"), 0, "bob is out again");
	is_int(pairing_revoke("telegram", "u2", &err), -HM_ENOTFOUND,
	    "revoking twice says so");
	buf_release(&err);
	buf_release(&list);
	free(pj);
}

static void
test_lockout(void)
{
	struct buf err = BUF_INIT;
	char code[9], *user = NULL;
	time_t now = 2000000;
	int i;

	pairing_request("email", "x", "x", "x", now, code, &err);
	for (i = 0; i < PAIRING_BAD; i++)
		pairing_approve("email", "WRONGONE", now + i, &user, &err);
	buf_reset(&err);
	is_int(pairing_approve("email", code, now + 10, &user, &err),
	    -HM_ECONFLICT, "after %d wrong codes even the right one waits",
	    PAIRING_BAD);
	ok(strstr(buf_str(&err), "refused") != NULL, "err: %s",
	    buf_str(&err));
	is_int(pairing_approve("email", code, now + PAIRING_TTL + 20, &user,
	    &err), -HM_ENOTFOUND, "an hour later the lock is gone (the code "
	    "too)");
	free(user);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_GATEWAY_ALLOW_ALL");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_allowlist();
	test_codes();
	test_lockout();
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
