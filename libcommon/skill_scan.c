/*
 * skill_scan.c: skill_scan, the supply-chain heuristics a skill is put
 * through before it is installed: downloads piped into a shell, .env and
 * SOUL.md, base64 payloads and long base64-like blobs, names of secrets,
 * scripts, executables, symbolic links and binary files.  Each finding
 * is one "FILE[:LINE]: why" string, at most SCAN_MAX_FLAGS of them.
 *
 * It only reads: files are walked with skill_each_file (no link
 * followed) and files over SKILL_FILE_MAX bytes are not opened.
 */
#include <sys/stat.h>
#include <ctype.h>

#include "common.h"
#include "skill.h"
#include "skill_int.h"
#include "utf8.h"

#define SCAN_MAX_FLAGS 50


struct scan {
	char **flags;
	size_t n;
};

static void
flag(struct scan *sc, const char *rel, size_t line, const char *why,
    const char *what, int whatlen)
{
	struct buf b = BUF_INIT;

	if (sc->n >= SCAN_MAX_FLAGS)
		return;
	if (line)
		buf_addf(&b, "%s:%zu: %s", rel, line, why);
	else
		buf_addf(&b, "%s: %s", rel, why);
	if (what)
		buf_addf(&b, " '%.*s'", whatlen, what);
	skill_push_str(&sc->flags, &sc->n, buf_detach(&b));
}

static int
word_char(int c)
{
	return isalnum(c) || c == '_';
}

/* "curl ... | sh", "$(curl", "<(wget": a download run by a shell. */
static int
pipe_to_shell(const char *low)
{
	static const char *const shells[] = { "sh", "bash", "zsh", "dash",
	    "ksh", "fish", "python", "python3", "perl", "ruby", "node" };
	const char *p, *q;
	size_t i, n;

	if (strstr(low, "$(curl") || strstr(low, "$(wget") ||
	    strstr(low, "<(curl") || strstr(low, "<(wget") ||
	    strstr(low, "`curl") || strstr(low, "`wget"))
		return 1;
	p = strstr(low, "curl");
	q = strstr(low, "wget");
	if (!p || (q && q < p))
		p = q;
	for (; p && (p = strchr(p, '|')); p++) {
		if (p[1] == '|')
			continue;
		for (q = p + 1; *q == ' ' || *q == '\t'; q++)
			;
		if (!strncmp(q, "sudo ", 5))
			for (q += 5; *q == ' '; q++)
				;
		for (i = 0; i < HM_ARRAY_SIZE(shells); i++) {
			n = strlen(shells[i]);
			if (!strncmp(q, shells[i], n) && !word_char(
			    (unsigned char)q[n]) && q[n] != '.')
				return 1;
		}
	}
	return 0;
}

static void
scan_line(struct scan *sc, const char *rel, size_t ln, const char *s,
    size_t n)
{
	static const char *const secrets[] = { "_API_KEY", "_TOKEN",
	    "_SECRET" };
	static const char *const b64[] = { "base64 -d", "base64 --decode",
	    "b64decode", "atob(", "frombase64string",
	    "base64.decode" };
	char *low = xstrndup(s, n), *p;
	size_t i, k, run;
	const char *q, *st;

	for (p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (pipe_to_shell(low))
		flag(sc, rel, ln, "pipes a download into a shell", NULL, 0);
	for (q = low; (q = strstr(q, ".env")); q += 4)
		if ((q == low || !isalnum((unsigned char)q[-1])) &&
		    !word_char((unsigned char)q[4])) {
			flag(sc, rel, ln, "touches .env, where secrets live",
			    NULL, 0);
			break;
		}
	if (strstr(low, "soul.md"))
		flag(sc, rel, ln, "touches SOUL.md, the agent's identity",
		    NULL, 0);
	for (i = 0; i < HM_ARRAY_SIZE(b64); i++)
		if (strstr(low, b64[i])) {
			flag(sc, rel, ln, "decodes a base64 payload", NULL, 0);
			break;
		}
	for (i = 0; i < HM_ARRAY_SIZE(secrets); i++) {
		for (q = s; (q = memmem(q, n - (size_t)(q - s), secrets[i],
		    strlen(secrets[i]))); q++) {
			k = strlen(secrets[i]);
			if ((size_t)(q - s) + k < n && word_char(
			    (unsigned char)q[k]))
				continue;
			for (st = q; st > s && (isupper((unsigned char)st[-1])
			    || isdigit((unsigned char)st[-1]) ||
			    st[-1] == '_'); st--)
				;
			if (st == q)
				continue;
			flag(sc, rel, ln, "names a secret", st,
			    (int)(q + k - st));
			break;
		}
	}
	for (run = 0, k = 0; k <= n; k++) {
		if (k < n && (isalnum((unsigned char)s[k]) || s[k] == '+' ||
		    s[k] == '/' || s[k] == '=')) {
			run++;
			continue;
		}
		if (run >= 200) {
			flag(sc, rel, ln, "holds a long base64-like blob",
			    NULL, 0);
			break;
		}
		run = 0;
	}
	free(low);
}

static int
scan_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct scan *sc = ctx;
	struct buf data = BUF_INIT;
	const char *p, *nl;
	size_t ln, bad;
	char *full;

	if (S_ISDIR(st->st_mode))
		return 0;
	if (S_ISLNK(st->st_mode)) {
		flag(sc, rel, 0, "is a symbolic link", NULL, 0);
		return 0;
	}
	if (!strncmp(rel, "scripts/", 8))
		flag(sc, rel, 0, "is a script the agent may run", NULL, 0);
	else if (st->st_mode & 0111)
		flag(sc, rel, 0, "is executable", NULL, 0);
	if (!S_ISREG(st->st_mode) || st->st_size > SKILL_FILE_MAX)
		return 0;
	full = skill_join(base, rel);
	if (buf_read_file(&data, full) == 0 &&
	    utf8_valid(buf_str(&data), data.len, &bad)) {
		for (p = buf_str(&data), ln = 1; *p; p = nl + 1, ln++) {
			nl = strchr(p, '\n');
			scan_line(sc, rel, ln, p, nl ? (size_t)(nl - p) :
			    strlen(p));
			if (!nl)
				break;
		}
	} else if (data.len) {
		flag(sc, rel, 0, "is a binary file", NULL, 0);
	}
	buf_release(&data);
	free(full);
	return 0;
}

int
skill_scan(const char *dir, char ***flags, size_t *n, struct buf *err)
{
	struct scan sc = { *flags, *n };
	int rc = skill_each_file(dir, "", 0, scan_one, &sc, err);

	*flags = sc.flags;
	*n = sc.n;
	return rc;
}
