/*
 * skill.c: skills on disk; see skill.h for the roots, the rules and the
 * locking protocol.
 *
 * On disk, per root: [CATEGORY/]NAME/SKILL.md, the lock ".skills.lock"
 * beside the root, ".tmp-*" staging directories inside it (renamed into
 * place, or swept under the lock when a writer died), and in the home
 * root ".lock.json", the record of installed skills.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "frontmatter.h"
#include "http.h"
#include "lock.h"
#include "path.h"
#include "sha256.h"
#include "skill.h"
#include "utf8.h"
#include "worktree.h"

#define INSTALL_MAX_FILES 1000
#define INSTALL_MAX_BYTES (20 * 1024 * 1024)
#define SCAN_MAX_FLAGS 50
#define WALK_MAX_DEPTH 16

static const char *const known_keys[] = { "name", "description", "version",
    "license", "compatibility", "metadata", "allowed-tools", "platforms" };
static const char *const file_dirs[] = { "references", "templates",
    "scripts", "assets" };

/* ---- small helpers ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
join(const char *a, const char *b)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

static void
push_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void
free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Read a text file of at most SKILL_FILE_MAX bytes. */
static int
read_text(const char *path, struct buf *out, struct buf *err)
{
	struct stat st;
	int e;

	if (stat(path, &st) < 0) {
		e = errno;
		return hm_fail(err, e == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot read '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return hm_fail(err, HM_EINVAL, "'%s' is not a regular file",
		    path);
	if (st.st_size > SKILL_FILE_MAX)
		return hm_fail(err, HM_EFAIL, "'%s' is too large (%lld bytes, "
		    "the limit is %d)", path, (long long)st.st_size,
		    SKILL_FILE_MAX);
	if (buf_read_file(out, path) < 0)
		return hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	return 0;
}

/* Remove ".tmp-*" debris of writers that died; under the root's lock. */
static void
sweep(const char *root)
{
	struct dirent *d;
	DIR *dp = opendir(root);
	char *p;

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, ".tmp-", 5))
			continue;
		p = join(root, d->d_name);
		rm_rf(p);
		free(p);
	}
	closedir(dp);
}

static int
lock_root(const char *root, struct buf *err)
{
	char *lp = lock_sidecar(root);
	int fd;

	if (hm_mkdir_p(root, 0700, err) < 0) {
		free(lp);
		return -HM_EIO;
	}
	fd = lock_take(lp, LOCK_EX, err);
	free(lp);
	if (fd >= 0)
		sweep(root);
	return fd;
}

static char *
temp_dir(const char *root, const char *what, struct buf *err)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/.tmp-%s-XXXXXX", root, what);
	if (!mkdtemp(p.s)) {
		hm_fail(err, HM_EIO, "cannot create a directory in '%s': %s",
		    root, strerror(errno));
		buf_release(&p);
		return NULL;
	}
	return buf_detach(&p);
}

/* ---- roots ---- */

const char *
skill_source_name(enum skill_source src)
{
	return src == SKILL_HOME ? "home" : src == SKILL_PROJECT ? "project" :
	    "bundled";
}

static char *
project_root(void)
{
	char cwd[PATH_MAX], *d, *up, *p, *home, *rp, *rh;
	struct buf b = BUF_INIT;

	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	d = xstrdup(cwd);
	for (p = NULL;;) {
		buf_reset(&b);
		buf_addf(&b, "%s/.hermes/skills", strcmp(d, "/") ? d : "");
		if (is_dir(b.s)) {
			p = buf_detach(&b);
			break;
		}
		buf_reset(&b);
		buf_addf(&b, "%s/.git", strcmp(d, "/") ? d : "");
		if (access(b.s, F_OK) == 0 || !strcmp(d, "/"))
			break;
		up = hm_dirname(d);
		free(d);
		d = up;
	}
	free(d);
	buf_release(&b);
	if (!p)
		return NULL;
	home = hm_path("skills");
	rp = realpath(p, NULL);
	rh = realpath(home, NULL);
	if (rp && rh && !strcmp(rp, rh)) {
		free(p);
		p = NULL;
	}
	free(rp);
	free(rh);
	free(home);
	return p;
}

static char *
bundled_root(void)
{
	const char *env = getenv("HERMES_BUNDLED_SKILLS");
	char exe[PATH_MAX], *bindir, *p;
	struct buf b = BUF_INIT;
	ssize_t n;

	if (env)
		return *env && is_dir(env) ? xstrdup(env) : NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	bindir = hm_dirname(exe);
	buf_addf(&b, "%s/../share/hermes/skills", bindir);
	if (!is_dir(b.s)) {
		buf_reset(&b);
		buf_addf(&b, "%s/../cmd/hermes.c", bindir);
		p = is_file(b.s) ? xstrdup(b.s) : NULL;
		buf_reset(&b);
		buf_addf(&b, "%s/../skills", bindir);
		if (!p || strcmp(hm_basename(bindir), "bin") || !is_dir(b.s))
			buf_reset(&b);
		free(p);
	}
	free(bindir);
	if (!b.len)
		return NULL;
	p = realpath(b.s, NULL);
	buf_release(&b);
	return p;
}

char *
skill_root(enum skill_source src)
{
	if (src == SKILL_HOME)
		return hm_path("skills");
	if (src == SKILL_PROJECT)
		return project_root();
	return bundled_root();
}

/* ---- validation ---- */

int
skill_valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > SKILL_NAME_MAX || name[0] == '-' ||
	    name[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (name[i] == '-' && name[i + 1] == '-')
			return 0;
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return 0;
	}
	return 1;
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

int
skill_parse(const char *file, const char *text, size_t len,
    const char *dirname, struct frontmatter *fm, struct buf *err)
{
	const struct fm_entry *e, *ne;
	const char *name, *desc;
	size_t i, k;
	int ok;

	if (frontmatter_parse(fm, file, text, len, err) < 0)
		return -HM_EINVAL;
	for (i = 0; i < fm->n; i++) {
		e = &fm->v[i];
		if (e->depth)
			continue;
		for (ok = 0, k = 0; k < HM_ARRAY_SIZE(known_keys); k++)
			ok |= !strcmp(e->key, known_keys[k]);
		if (!ok) {
			hm_fail(err, HM_EINVAL, "%s:%d: unknown key '%s' "
			    "(known: name, description, version, license, "
			    "compatibility, metadata, allowed-tools, "
			    "platforms)", file, e->line, e->key);
			goto bad;
		}
		if ((!strcmp(e->key, "metadata") && e->type != FM_MAP &&
		    !(e->type == FM_SCALAR && !*e->value)) ||
		    (strcmp(e->key, "metadata") && e->type == FM_MAP) ||
		    (e->type == FM_LIST && strcmp(e->key, "allowed-tools") &&
		    strcmp(e->key, "platforms"))) {
			hm_fail(err, HM_EINVAL, "%s:%d: '%s' %s", file, e->line,
			    e->key, !strcmp(e->key, "metadata") ? "must be "
			    "a mapping" : e->type == FM_MAP ? "cannot be a "
			    "mapping" : "cannot be a list");
			goto bad;
		}
	}
	ne = frontmatter_find(fm, "name");
	name = frontmatter_get(fm, "name");
	if (!name) {
		hm_fail(err, HM_EINVAL, "%s:%d: 'name' is missing", file,
		    ne ? ne->line : 1);
		goto bad;
	}
	if (!skill_valid_name(name)) {
		hm_fail(err, HM_EINVAL, "%s:%d: invalid name '%s': use "
		    "lowercase letters, digits and single hyphens, at most %d",
		    file, ne->line, name, SKILL_NAME_MAX);
		goto bad;
	}
	if (dirname && strcmp(name, dirname)) {
		hm_fail(err, HM_EINVAL, "%s:%d: name '%s' differs from its "
		    "directory '%s'", file, ne->line, name, dirname);
		goto bad;
	}
	e = frontmatter_find(fm, "description");
	desc = frontmatter_get(fm, "description");
	if (!desc || blank(desc)) {
		hm_fail(err, HM_EINVAL, "%s:%d: 'description' is missing or "
		    "empty", file, e ? e->line : 1);
		goto bad;
	}
	if (utf8_count(desc, strlen(desc)) > SKILL_DESC_MAX) {
		hm_fail(err, HM_EINVAL, "%s:%d: 'description' is %zu "
		    "characters, the limit is %d", file, e->line,
		    utf8_count(desc, strlen(desc)), SKILL_DESC_MAX);
		goto bad;
	}
	return 0;
bad:
	frontmatter_release(fm);
	return -HM_EINVAL;
}

/* ---- loading the set ---- */

static char *
one_line(const char *s)
{
	struct buf b = BUF_INIT;
	int sp = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			buf_addc(&b, ' ');
		sp = 0;
		buf_addc(&b, *s);
	}
	buf_add(&b, "", 0);
	return buf_detach(&b);
}

static void
add_skill(struct skill_set *s, const char *dir, const char *category,
    enum skill_source src)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct buf text = BUF_INIT, err = BUF_INIT;
	const struct skill *old;
	struct skill *sk;
	char *file = join(dir, "SKILL.md");

	if (read_text(file, &text, &err) < 0 || skill_parse(file,
	    buf_str(&text), text.len, hm_basename(dir), &fm, &err) < 0) {
		push_str(&s->bad, &s->nbad, buf_detach(&err));
		goto out;
	}
	old = skill_set_find(s, frontmatter_get(&fm, "name"));
	if (old) {
		if (old->source == src) {
			buf_addf(&err, "%s: duplicate name '%s' (also in "
			    "'%s')", file, old->name, old->dir);
			push_str(&s->bad, &s->nbad, buf_detach(&err));
		}
		goto out;	/* a higher root hides it */
	}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	sk = &s->v[s->n++];
	sk->name = xstrdup(frontmatter_get(&fm, "name"));
	sk->category = xstrdup(category);
	sk->description = one_line(frontmatter_get(&fm, "description"));
	sk->dir = xstrdup(dir);
	sk->source = src;
out:
	frontmatter_release(&fm);
	buf_release(&text);
	buf_release(&err);
	free(file);
}

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Skills at dir (category "" at the root, depth 0) or in a category. */
static void
scan_dir(struct skill_set *s, const char *dir, const char *category,
    enum skill_source src, int depth)
{
	struct dirent **ents;
	char *sub, *file;
	int i, n;

	n = scandir(dir, &ents, visible, alphasort);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		sub = join(dir, ents[i]->d_name);
		file = join(sub, "SKILL.md");
		if (is_dir(sub) && access(file, F_OK) == 0)
			add_skill(s, sub, category, src);
		else if (depth == 0 && is_dir(sub))
			scan_dir(s, sub, ents[i]->d_name, src, 1);
		free(file);
		free(sub);
		free(ents[i]);
	}
	free(ents);
}

static int
by_category(const void *a, const void *b)
{
	const struct skill *x = a, *y = b;
	int c = strcmp(x->category, y->category);

	return c ? c : strcmp(x->name, y->name);
}

int
skill_set_load(struct skill_set *s, struct buf *err)
{
	enum skill_source src;
	char *root;

	(void)err;
	memset(s, 0, sizeof(*s));
	for (src = SKILL_HOME; src <= SKILL_BUNDLED; src++) {
		if (!(root = skill_root(src)))
			continue;
		scan_dir(s, root, "", src, 0);
		free(root);
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_category);
	return 0;
}

void
skill_set_release(struct skill_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].category);
		free(s->v[i].description);
		free(s->v[i].dir);
	}
	free(s->v);
	free_strs(s->bad, s->nbad);
	memset(s, 0, sizeof(*s));
}

const struct skill *
skill_set_find(const struct skill_set *s, const char *name)
{
	size_t i;

	for (i = 0; name && i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* ---- level 1 and 2 ---- */

/* A relative path without "..": 0, or -HM_EINVAL. */
static int
check_rel(const char *rel, struct buf *err)
{
	const char *p;
	size_t n;

	if (!*rel)
		return hm_fail(err, HM_EINVAL, "the file path is empty");
	if (*rel == '/')
		return hm_fail(err, HM_EINVAL, "'%s': absolute paths are not "
		    "allowed; give a path inside the skill", rel);
	for (p = rel; *p; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2))
			return hm_fail(err, HM_EINVAL, "'%s': '..' is not "
			    "allowed in a skill file path", rel);
	}
	return 0;
}

/* dir/rel for reading, into *out: it must resolve inside dir. */
static int
resolve_in(const char *dir, const char *name, const char *rel, char **out,
    struct buf *err)
{
	char *full, *rp = NULL, *rd = NULL;
	size_t n;
	int rc = 0, e;

	*out = NULL;
	if ((rc = check_rel(rel, err)) < 0)
		return rc;
	full = join(dir, rel);
	rd = realpath(dir, NULL);
	rp = rd ? realpath(full, NULL) : NULL;
	e = errno;
	n = rd ? strlen(rd) : 0;
	if (!rd || !rp)
		rc = hm_fail(err, e == ENOENT || e == ENOTDIR ? HM_ENOTFOUND :
		    HM_EIO, "no file '%s' in skill '%s'", rel, name);
	else if (strncmp(rp, rd, n) || rp[n] != '/')
		rc = hm_fail(err, HM_EINVAL, "'%s' leads outside the skill "
		    "'%s'", rel, name);
	free(rd);
	free(rp);
	if (rc == 0)
		*out = full;
	else
		free(full);
	return rc;
}

int
skill_read(const struct skill *sk, const char *file, struct buf *out,
    struct buf *err)
{
	size_t bad;
	char *p;
	int rc;

	if (!file || !strcmp(file, "SKILL.md"))
		p = join(sk->dir, "SKILL.md");
	else if ((rc = resolve_in(sk->dir, sk->name, file, &p, err)) < 0)
		return rc;
	if (is_dir(p))
		rc = hm_fail(err, HM_EINVAL, "'%s' is a directory in skill "
		    "'%s'", file, sk->name);
	else
		rc = read_text(p, out, err);
	if (rc == 0 && !utf8_valid(buf_str(out), out->len, &bad))
		rc = hm_fail(err, HM_EFAIL, "'%s' in skill '%s' is not text "
		    "(%zu bytes)", file ? file : "SKILL.md", sk->name,
		    out->len);
	free(p);
	return rc;
}

static int
walk(const char *base, const char *rel, int depth, struct buf *out)
{
	struct dirent **ents;
	struct buf sub = BUF_INIT;
	struct stat st;
	char *full;
	int i, n;

	if (depth > WALK_MAX_DEPTH)
		return 0;
	full = *rel ? join(base, rel) : xstrdup(base);
	n = scandir(full, &ents, visible, alphasort);
	free(full);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		buf_reset(&sub);
		buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "",
		    ents[i]->d_name);
		full = join(base, sub.s);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			walk(base, sub.s, depth + 1, out);
		else if (strcmp(sub.s, "SKILL.md"))
			buf_addf(out, "%s\n", sub.s);
		free(full);
		free(ents[i]);
	}
	free(ents);
	buf_release(&sub);
	return 0;
}

int
skill_files(const struct skill *sk, struct buf *out, struct buf *err)
{
	(void)err;
	return walk(sk->dir, "", 0, out);
}

int
skill_matches(const struct skill *sk, const char *query)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	int hit;

	if (strcasestr(sk->name, query) || strcasestr(sk->description, query))
		return 1;
	hit = skill_read(sk, NULL, &text, &err) == 0 &&
	    strcasestr(buf_str(&text), query);
	buf_release(&text);
	buf_release(&err);
	return hit;
}

/* ---- hashes and supply-chain checks ---- */

static int
not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/*
 * Call fn for every entry under base (sorted, dot-files included, no
 * symlink followed), with its relative path and lstat.
 */
static int
each_file(const char *base, const char *rel, int depth,
    int (*fn)(const char *base, const char *rel, const struct stat *st,
    void *ctx), void *ctx, struct buf *err)
{
	struct dirent **ents;
	struct buf sub = BUF_INIT;
	struct stat st;
	char *full;
	int i, n, rc = 0;

	if (depth > WALK_MAX_DEPTH)
		return hm_fail(err, HM_EFAIL, "'%s' nests directories too "
		    "deep", base);
	full = *rel ? join(base, rel) : xstrdup(base);
	n = scandir(full, &ents, not_dots, alphasort);
	if (n < 0)
		rc = hm_fail(err, HM_EIO, "cannot read directory '%s': %s",
		    full, strerror(errno));
	free(full);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			buf_reset(&sub);
			buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "",
			    ents[i]->d_name);
			full = join(base, sub.s);
			if (lstat(full, &st) < 0)
				rc = hm_fail(err, HM_EIO, "cannot stat '%s': "
				    "%s", full, strerror(errno));
			else
				rc = fn(base, sub.s, &st, ctx);
			if (rc == 0 && S_ISDIR(st.st_mode))
				rc = each_file(base, sub.s, depth + 1, fn, ctx,
				    err);
			free(full);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	buf_release(&sub);
	return rc;
}

static int
hash_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct sha256 *c = ctx, fc;
	struct buf data = BUF_INIT;
	char hex[65], *full;
	int rc = 0;

	if (S_ISDIR(st->st_mode)) {
		sha256_update(c, "D ", 2);
		sha256_update(c, rel, strlen(rel) + 1);
		return 0;
	}
	full = join(base, rel);
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));

		sha256_update(c, "L ", 2);
		sha256_update(c, rel, strlen(rel) + 1);
		if (n > 0)
			sha256_update(c, target, (size_t)n);
		sha256_update(c, "\n", 1);
	} else if (S_ISREG(st->st_mode)) {
		if (buf_read_file(&data, full) < 0) {
			rc = -1;
		} else {
			sha256_init(&fc);
			sha256_update(&fc, buf_str(&data), data.len);
			sha256_hex(&fc, hex);
			sha256_update(c, st->st_mode & 0111 ? "X " : "F ", 2);
			sha256_update(c, rel, strlen(rel) + 1);
			sha256_update(c, hex, 64);
			sha256_update(c, "\n", 1);
		}
	}
	free(full);
	buf_release(&data);
	return rc < 0 ? -HM_EIO : 0;
}

int
skill_hash(const char *dir, char hex[65], struct buf *err)
{
	struct sha256 c;
	int rc;

	sha256_init(&c);
	rc = each_file(dir, "", 0, hash_one, &c, err);
	if (rc == -HM_EIO && !err->len)
		hm_fail(err, HM_EIO, "cannot read the files of '%s'", dir);
	sha256_hex(&c, hex);
	return rc;
}

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
	push_str(&sc->flags, &sc->n, buf_detach(&b));
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
	full = join(base, rel);
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
	int rc = each_file(dir, "", 0, scan_one, &sc, err);

	*flags = sc.flags;
	*n = sc.n;
	return rc;
}

/* ---- .lock.json: the record of installed skills ---- */

static char *
lock_json_path(void)
{
	return hm_path("skills/.lock.json");
}

static cJSON *
lock_json_load(void)
{
	struct buf text = BUF_INIT;
	char *p = lock_json_path();
	cJSON *o = NULL;

	if (buf_read_file(&text, p) == 0)
		o = cJSON_Parse(buf_str(&text));
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	if (!cJSON_IsObject(cJSON_GetObjectItem(o, "skills"))) {
		cJSON_DeleteItemFromObject(o, "skills");
		cJSON_AddObjectToObject(o, "skills");
	}
	buf_release(&text);
	free(p);
	return o;
}

static int
lock_json_save(cJSON *o, struct buf *err)
{
	char *p = lock_json_path(), *s = cJSON_Print(o);
	struct buf text = BUF_INIT;
	int rc;

	buf_adds(&text, s);
	buf_addc(&text, '\n');
	rc = atomic_write(p, text.s, text.len, 0644, err);
	buf_release(&text);
	cJSON_free(s);
	free(p);
	return rc;
}

/* After a change through the API: re-record the hash of a home skill
 * that was installed.  Under the home root's lock. */
static int
lock_json_rehash(const char *name, const char *dir, struct buf *err)
{
	cJSON *o = lock_json_load(), *e;
	char hex[65];
	int rc = 0;

	e = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "skills"), name);
	if (e && dir && (rc = skill_hash(dir, hex, err)) == 0) {
		cJSON_DeleteItemFromObject(e, "sha256");
		cJSON_AddStringToObject(e, "sha256", hex);
		rc = lock_json_save(o, err);
	} else if (e && !dir) {
		cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "skills"),
		    name);
		rc = lock_json_save(o, err);
	}
	cJSON_Delete(o);
	return rc;
}

/* ---- changes ---- */

struct target {
	struct skill_set set;
	const struct skill *sk;
	char *root;
	int lockfd;
};

static void
target_release(struct target *t)
{
	lock_release(t->lockfd);
	skill_set_release(&t->set);
	free(t->root);
	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
}

/* Find NAME among the writable skills and lock its root. */
static int
target_open(struct target *t, const char *name, struct buf *err)
{
	char *file;
	int rc;

	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
	if (!name || !*name)
		return hm_fail(err, HM_EINVAL, "a skill name is required");
	if ((rc = skill_set_load(&t->set, err)) < 0)
		return rc;
	if (!(t->sk = skill_set_find(&t->set, name))) {
		rc = hm_fail(err, HM_ENOTFOUND, "no skill '%s'", name);
		goto bad;
	}
	if (t->sk->source == SKILL_BUNDLED) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' is bundled with "
		    "hermes and read-only; create your own skill instead",
		    name);
		goto bad;
	}
	t->root = skill_root(t->sk->source);
	if ((rc = t->lockfd = lock_root(t->root, err)) < 0)
		goto bad;
	file = join(t->sk->dir, "SKILL.md");
	rc = is_file(file) ? 0 : hm_fail(err, HM_ENOTFOUND, "skill '%s' "
	    "was removed meanwhile", name);
	free(file);
	if (rc == 0)
		return 0;
bad:
	target_release(t);
	return rc;
}

static int
target_done(struct target *t, int rc, struct buf *err)
{
	if (rc == 0 && t->sk->source == SKILL_HOME)
		rc = lock_json_rehash(t->sk->name, t->sk->dir, err);
	target_release(t);
	return rc;
}

static int
check_category(const char *category, struct buf *err)
{
	if (category && *category && !skill_valid_name(category))
		return hm_fail(err, HM_EINVAL, "invalid category '%s': use "
		    "lowercase letters, digits and single hyphens", category);
	return 0;
}

int
skill_create_text(const char *name, const char *category, const char *text,
    char **path, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct skill_set set = SKILL_SET_INIT;
	const struct skill *old;
	struct buf dest = BUF_INIT;
	char *root = NULL, *tmp = NULL, *file;
	int rc, fd = -1;

	*path = NULL;
	if ((rc = check_category(category, err)) < 0 ||
	    (rc = skill_parse("SKILL.md", text, strlen(text), NULL, &fm,
	    err)) < 0)
		return rc;
	if (name && strcmp(name, frontmatter_get(&fm, "name"))) {
		rc = hm_fail(err, HM_EINVAL, "the SKILL.md is named '%s', not "
		    "'%s'", frontmatter_get(&fm, "name"), name);
		frontmatter_release(&fm);
		return rc;
	}
	root = skill_root(SKILL_HOME);
	if ((rc = fd = lock_root(root, err)) < 0)
		goto out;
	skill_set_load(&set, err);
	old = skill_set_find(&set, frontmatter_get(&fm, "name"));
	if (old && old->source == SKILL_HOME) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' already exists at "
		    "'%s'", old->name, old->dir);
		goto out;
	}
	buf_addf(&dest, "%s/%s%s%s", root, category ? category : "",
	    category && *category ? "/" : "", frontmatter_get(&fm, "name"));
	if (!(tmp = temp_dir(root, "new", err))) {
		rc = -HM_EIO;
		goto out;
	}
	file = join(tmp, "SKILL.md");
	rc = atomic_write(file, text, strlen(text), 0644, err);
	free(file);
	if (rc == 0 && (rc = hm_mkparents(dest.s, err)) == 0 &&
	    rename(tmp, dest.s) < 0)
		rc = hm_fail(err, HM_EIO, "cannot rename '%s' to '%s': %s",
		    tmp, dest.s, strerror(errno));
	if (rc == 0) {
		chmod(dest.s, 0755);
		*path = join(dest.s, "SKILL.md");
	} else {
		rm_rf(tmp);
	}
out:
	lock_release(fd);
	skill_set_release(&set);
	frontmatter_release(&fm);
	buf_release(&dest);
	free(tmp);
	free(root);
	return rc;
}

int
skill_create(const char *name, const char *description,
    const char *category, const char *body, char **path, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc;

	*path = NULL;
	if (!skill_valid_name(name))
		return hm_fail(err, HM_EINVAL, "invalid name '%s': use "
		    "lowercase letters, digits and single hyphens, at most %d",
		    name, SKILL_NAME_MAX);
	if (!description || blank(description))
		return hm_fail(err, HM_EINVAL, "a description is required");
	buf_addf(&text, "---\nname: %s\ndescription: ", name);
	frontmatter_quote(&text, description);
	buf_adds(&text, "\n---\n\n");
	if (body && !blank(body))
		buf_adds(&text, body);
	else
		buf_addf(&text, "# %s\n\n## When to use\n\n## Procedure\n\n"
		    "1.\n\n## Pitfalls\n\n## Verification\n", name);
	if (text.s[text.len - 1] != '\n')
		buf_addc(&text, '\n');
	rc = skill_create_text(name, category, text.s, path, err);
	buf_release(&text);
	return rc;
}

/* A path for writing inside dir: relative, no "..", no symlink on the
 * way, under one of file_dirs.  Malloc'd or NULL. */
static char *
write_path(const char *dir, const char *rel, struct buf *err)
{
	struct buf p = BUF_INIT;
	struct stat st;
	const char *c;
	size_t i, n;
	int ok = 0;

	if (check_rel(rel, err) < 0)
		return NULL;
	n = strcspn(rel, "/");
	for (i = 0; i < HM_ARRAY_SIZE(file_dirs); i++)
		ok |= strlen(file_dirs[i]) == n && !strncmp(rel, file_dirs[i],
		    n) && rel[n] == '/' && rel[n + 1];
	if (!ok) {
		hm_fail(err, HM_EINVAL, "'%s': files go under references/, "
		    "templates/, scripts/ or assets/", rel);
		return NULL;
	}
	buf_adds(&p, dir);
	for (c = rel; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		buf_addf(&p, "/%.*s", (int)n, c);
		if (lstat(p.s, &st) == 0 && S_ISLNK(st.st_mode)) {
			hm_fail(err, HM_EINVAL, "'%s' goes through a symbolic "
			    "link; refused", rel);
			buf_release(&p);
			return NULL;
		}
	}
	return buf_detach(&p);
}

int
skill_write(const char *name, const char *file, const char *text,
    const char *expect, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct buf cur = BUF_INIT;
	struct target t;
	char *p = NULL, *shown;
	int rc, main_file = !file || !strcmp(file, "SKILL.md");

	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	p = main_file ? join(t.sk->dir, "SKILL.md") :
	    write_path(t.sk->dir, file, err);
	shown = main_file ? p : (char *)file;
	if (!p) {
		rc = -HM_EINVAL;
	} else if (main_file && (rc = skill_parse(p, text, strlen(text),
	    hm_basename(t.sk->dir), &fm, err)) < 0) {
		;
	} else if (expect && (buf_read_file(&cur, p) < 0 ? errno != ENOENT
	    || *expect : strcmp(buf_str(&cur), expect))) {
		rc = hm_fail(err, HM_ECONFLICT, "'%s' changed meanwhile",
		    shown);
	} else if (is_dir(p)) {
		rc = hm_fail(err, HM_EINVAL, "'%s' is a directory", shown);
	} else {
		rc = atomic_write(p, text, strlen(text), 0644, err);
	}
	frontmatter_release(&fm);
	buf_release(&cur);
	free(p);
	return target_done(&t, rc, err);
}

/* Replace old by new in text, once (unique) or everywhere. */
static int
replace_in(struct buf *out, const char *text, const char *old,
    const char *new, int all, const char *what, struct buf *err)
{
	size_t n = strlen(old), hits = 0;
	const char *p, *q;

	if (!n)
		return hm_fail(err, HM_EINVAL, "old_string is empty");
	for (p = text; (p = strstr(p, old)); p += n)
		hits++;
	if (!hits)
		return hm_fail(err, HM_ENOTFOUND, "old_string not found in "
		    "'%s'", what);
	if (hits > 1 && !all)
		return hm_fail(err, HM_EAMBIG, "old_string matches %zu places "
		    "in '%s'; give more context or replace all", hits, what);
	for (p = text; (q = strstr(p, old)); p = q + n) {
		buf_add(out, p, (size_t)(q - p));
		buf_adds(out, new);
	}
	buf_adds(out, p);
	return 0;
}

int
skill_patch(const char *name, const char *file, const char *old,
    const char *new, int all, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT;
	const struct skill *sk;
	int rc;

	if ((rc = skill_set_load(&set, err)) < 0)
		return rc;
	if (!(sk = skill_set_find(&set, name)))
		rc = hm_fail(err, HM_ENOTFOUND, "no skill '%s'", name ? name :
		    "");
	else if ((rc = skill_read(sk, file, &text, err)) == 0 &&
	    (rc = replace_in(&out, buf_str(&text), old ? old : "",
	    new ? new : "", all, file ? file : "SKILL.md", err)) == 0)
		rc = skill_write(name, file, buf_str(&out), buf_str(&text),
		    err);
	skill_set_release(&set);
	buf_release(&text);
	buf_release(&out);
	return rc;
}

int
skill_remove_file(const char *name, const char *file, struct buf *err)
{
	struct target t;
	char *p;
	int rc;

	if (!file || !strcmp(file, "SKILL.md"))
		return hm_fail(err, HM_EINVAL, "SKILL.md cannot be removed "
		    "alone; delete the skill");
	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	if (!(p = write_path(t.sk->dir, file, err)))
		rc = -HM_EINVAL;
	else if (unlink(p) < 0)
		rc = hm_fail(err, errno == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot remove '%s' from skill '%s': %s", file, name,
		    strerror(errno));
	if (p) {
		char *d = hm_dirname(p);

		while (rc == 0 && strcmp(d, t.sk->dir) && rmdir(d) == 0) {
			char *up = hm_dirname(d);

			free(d);
			d = up;
		}
		free(d);
	}
	free(p);
	return target_done(&t, rc, err);
}

/* Move dir out of the way into a ".tmp-" directory of root, then remove
 * it: readers see the skill whole or gone. */
static int
remove_dir(const char *root, const char *dir, struct buf *err)
{
	char *tmp = temp_dir(root, "del", err);
	int rc = 0;

	if (!tmp)
		return -HM_EIO;
	if (rename(dir, tmp) < 0)
		rc = hm_fail(err, HM_EIO, "cannot remove '%s': %s", dir,
		    strerror(errno));
	rm_rf(tmp);
	free(tmp);
	return rc;
}

int
skill_delete(const char *name, struct buf *err)
{
	struct target t;
	char *parent;
	int rc;

	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	rc = remove_dir(t.root, t.sk->dir, err);
	if (rc == 0 && *t.sk->category) {
		parent = hm_dirname(t.sk->dir);
		rmdir(parent);	/* only when the category is now empty */
		free(parent);
	}
	if (rc == 0 && t.sk->source == SKILL_HOME)
		rc = lock_json_rehash(t.sk->name, NULL, err);
	target_release(&t);
	return rc;
}

/* ---- install ---- */

struct copy {
	const char *dest;
	size_t files, bytes;
	struct buf *err;
};

static int
in_git(const char *rel)
{
	return !strcmp(rel, ".git") || !strncmp(rel, ".git/", 5);
}

static int
copy_file(const char *from, const char *to, mode_t mode, struct buf *err)
{
	struct buf data = BUF_INIT;
	int fd, rc = 0;

	if (buf_read_file(&data, from) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", from,
		    strerror(errno));
		goto out;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, buf_str(&data), data.len) !=
	    (ssize_t)data.len || fsync(fd) < 0 || fchmod(fd, mode) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", to,
		    strerror(errno));
	}
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", to,
		    strerror(errno));
out:
	buf_release(&data);
	return rc;
}

static int
copy_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct copy *c = ctx;
	char *from, *to;
	int rc = 0;

	if (in_git(rel))
		return 0;
	if (S_ISLNK(st->st_mode))
		return hm_fail(c->err, HM_EFAIL, "'%s' is a symbolic link: "
		    "skills are installed without links", rel);
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		return hm_fail(c->err, HM_EFAIL, "'%s' is not a regular file",
		    rel);
	if (++c->files > INSTALL_MAX_FILES ||
	    (c->bytes += (size_t)st->st_size) > INSTALL_MAX_BYTES)
		return hm_fail(c->err, HM_EFAIL, "the skill is too large "
		    "(more than %d files or %d bytes)", INSTALL_MAX_FILES,
		    INSTALL_MAX_BYTES);
	from = join(base, rel);
	to = join(c->dest, rel);
	if (S_ISDIR(st->st_mode)) {
		if (mkdir(to, 0755) < 0)
			rc = hm_fail(c->err, HM_EIO, "cannot create directory "
			    "'%s': %s", to, strerror(errno));
	} else {
		rc = copy_file(from, to, st->st_mode & 0100 ? 0755 : 0644,
		    c->err);
	}
	free(from);
	free(to);
	return rc;
}

struct found {
	char **v;
	size_t n;
};

static int
find_skill_md(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct found *f = ctx;

	(void)base;
	if (!in_git(rel) && S_ISREG(st->st_mode) &&
	    !strcmp(hm_basename(rel), "SKILL.md"))
		push_str(&f->v, &f->n, hm_dirname(rel));
	return 0;
}

/* The skill directory inside a fetched tree: src#sub, src, or the one
 * directory below holding a SKILL.md; malloc'd into *out. */
static int
pick(const char *src, const char *sub, const char *what, char **out,
    struct buf *err)
{
	struct found f = { NULL, 0 };
	struct buf names = BUF_INIT;
	char *md;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (sub) {
		if ((rc = check_rel(sub, err)) < 0)
			return rc;
		*out = join(src, sub);
		md = join(*out, "SKILL.md");
		if (!is_file(md)) {
			rc = hm_fail(err, HM_ENOTFOUND, "no SKILL.md in '%s' "
			    "of '%s'", sub, what);
			free(*out);
			*out = NULL;
		}
		free(md);
		return rc;
	}
	md = join(src, "SKILL.md");
	if (is_file(md)) {
		free(md);
		*out = xstrdup(src);
		return 0;
	}
	free(md);
	if ((rc = each_file(src, "", 0, find_skill_md, &f, err)) < 0)
		goto out;
	if (f.n == 1) {
		*out = join(src, f.v[0]);
		goto out;
	}
	for (i = 0; i < f.n && i < 10; i++)
		buf_addf(&names, "%s%s", i ? ", " : "", f.v[i]);
	if (f.n == 0)
		rc = hm_fail(err, HM_ENOTFOUND, "no SKILL.md in '%s'", what);
	else
		rc = hm_fail(err, HM_EFAIL, "%zu skills in '%s' (%s%s); name "
		    "one as %s#DIR", f.n, what, names.s, f.n > 10 ? ", ..." :
		    "", what);
out:
	free_strs(f.v, f.n);
	buf_release(&names);
	return rc;
}

static int
fetch_url(const char *url, const char *stage, struct buf *err)
{
	struct http_req req = { 0 };
	struct http_resp resp = { 0 };
	char *file;
	int rc;

	req.method = "GET";
	req.url = url;
	req.timeout = 60;
	req.max_redirs = 5;
	req.web_only = 1;
	req.max_body = SKILL_FILE_MAX + 1;
	if ((rc = http_request(&req, &resp, err)) < 0)
		goto out;
	if (resp.status != 200) {
		rc = hm_fail(err, HM_EFAIL, "cannot fetch '%s': HTTP %ld", url,
		    resp.status);
		goto out;
	}
	if (resp.truncated || resp.body.len > SKILL_FILE_MAX) {
		rc = hm_fail(err, HM_EFAIL, "'%s' is larger than %d bytes", url,
		    SKILL_FILE_MAX);
		goto out;
	}
	if (mkdir(stage, 0755) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot create directory '%s': %s",
		    stage, strerror(errno));
		goto out;
	}
	file = join(stage, "SKILL.md");
	rc = atomic_write(file, buf_str(&resp.body), resp.body.len, 0644,
	    err);
	free(file);
out:
	http_resp_release(&resp);
	return rc;
}

static int
is_url(const char *s)
{
	const char *at = strchr(s, '@'), *colon, *slash;

	if (strstr(s, "://"))
		return 1;
	/* scp-like git: user@host:path */
	if (!at || !(colon = strchr(at, ':')))
		return 0;
	slash = strchr(s, '/');
	return !slash || colon < slash;
}

static int
is_md_url(const char *s)
{
	size_t n;

	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
		return 0;
	n = strcspn(s, "?#");
	return n >= 3 && !strncmp(s + n - 3, ".md", 3);
}

/* Fill stage from the source; sets in->kind and in->commit. */
static int
fetch(struct skill_install *in, const char *tmp, const char *stage,
    struct buf *err)
{
	char *src = xstrdup(in->source), *hash = strrchr(src, '#');
	char *sub = NULL, *clone = NULL, *picked = NULL, *dotgit;
	struct copy c = { stage, 0, 0, err };
	struct stat st;
	int rc = 0;

	if (is_md_url(src)) {
		in->kind = xstrdup("url");
		rc = fetch_url(src, stage, err);
		goto out;
	}
	if (hash) {
		*hash = '\0';
		sub = hash + 1;
		if (!*sub)
			sub = NULL;
	}
	dotgit = join(src, ".git");
	if (is_url(src) || access(dotgit, F_OK) == 0) {
		in->kind = xstrdup("git");
		clone = join(tmp, "clone");
		rc = worktree_clone(src, clone, &in->commit, err);
	} else if (stat(src, &st) < 0) {
		rc = hm_fail(err, HM_ENOTFOUND, "cannot install '%s': %s", src,
		    strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		in->kind = xstrdup("file");
		rc = mkdir(stage, 0755) < 0 ? hm_fail(err, HM_EIO, "cannot "
		    "create directory '%s': %s", stage, strerror(errno)) : 0;
		free(dotgit);
		dotgit = join(stage, "SKILL.md");
		if (rc == 0 && st.st_size > SKILL_FILE_MAX)
			rc = hm_fail(err, HM_EFAIL, "'%s' is larger than %d "
			    "bytes", src, SKILL_FILE_MAX);
		else if (rc == 0)
			rc = copy_file(src, dotgit, 0644, err);
	} else {
		in->kind = xstrdup("directory");
	}
	free(dotgit);
	if (rc < 0 || !strcmp(in->kind, "file"))
		goto out;
	if ((rc = pick(clone ? clone : src, sub, in->source, &picked,
	    err)) < 0)
		goto out;
	if (mkdir(stage, 0755) < 0)
		rc = hm_fail(err, HM_EIO, "cannot create directory '%s': %s",
		    stage, strerror(errno));
	if (rc == 0)
		rc = each_file(picked, "", 0, copy_one, &c, err);
out:
	free(picked);
	free(clone);
	free(src);
	return rc;
}

static int
list_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct skill_install *in = ctx;
	struct buf b = BUF_INIT;

	(void)base;
	if (!S_ISREG(st->st_mode))
		return 0;
	buf_addf(&b, "%s\t%lld\t%s", rel, (long long)st->st_size,
	    st->st_mode & 0111 ? "0755" : "0644");
	push_str(&in->files, &in->nfiles, buf_detach(&b));
	return 0;
}

static int
record(struct skill_install *in, const char *rel, struct buf *err)
{
	cJSON *o = lock_json_load(), *skills, *e;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	skills = cJSON_GetObjectItem(o, "skills");
	cJSON_DeleteItemFromObject(skills, in->name);
	e = cJSON_AddObjectToObject(skills, in->name);
	cJSON_AddStringToObject(e, "path", rel);
	cJSON_AddStringToObject(e, "source", in->source);
	cJSON_AddStringToObject(e, "kind", in->kind);
	if (in->commit)
		cJSON_AddStringToObject(e, "commit", in->commit);
	cJSON_AddStringToObject(e, "sha256", in->sha256);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(e, "installed", stamp);
	rc = lock_json_save(o, err);
	cJSON_Delete(o);
	return rc;
}

/* Rename stage to dest, swapping with an old dest when there is one. */
static int
land(const char *stage, const char *dest, struct buf *err)
{
	int rc;

	if ((rc = hm_mkparents(dest, err)) < 0)
		return rc;
	if (access(dest, F_OK) == 0) {
		if (renameat2(AT_FDCWD, stage, AT_FDCWD, dest,
		    RENAME_EXCHANGE) < 0)
			return hm_fail(err, HM_EIO, "cannot replace '%s': %s",
			    dest, strerror(errno));
		rm_rf(stage);
		return 0;
	}
	if (rename(stage, dest) < 0)
		return hm_fail(err, HM_EIO, "cannot rename '%s' to '%s': %s",
		    stage, dest, strerror(errno));
	return 0;
}

int
skill_install(struct skill_install *in, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct skill_set set = SKILL_SET_INIT;
	struct buf text = BUF_INIT, rel = BUF_INIT;
	const struct skill *old;
	char *root, *tmp = NULL, *stage = NULL, *md = NULL;
	int rc, fd;

	if ((rc = check_category(in->category, err)) < 0)
		return rc;
	root = skill_root(SKILL_HOME);
	if ((rc = fd = lock_root(root, err)) < 0)
		goto out;
	if (!(tmp = temp_dir(root, "install", err))) {
		rc = -HM_EIO;
		goto out;
	}
	stage = join(tmp, "stage");
	if ((rc = fetch(in, tmp, stage, err)) < 0)
		goto out;
	md = join(stage, "SKILL.md");
	if ((rc = read_text(md, &text, err)) < 0 ||
	    (rc = skill_parse(in->source, buf_str(&text), text.len, NULL,
	    &fm, err)) < 0) {
		rc = rc == -HM_EINVAL ? -HM_EFAIL : rc;
		goto out;
	}
	in->name = xstrdup(frontmatter_get(&fm, "name"));
	buf_addf(&rel, "%s%s%s", in->category ? in->category : "",
	    in->category && *in->category ? "/" : "", in->name);
	in->path = join(root, rel.s);
	skill_set_load(&set, err);
	old = skill_set_find(&set, in->name);
	if (old && !in->force) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' already exists (%s: "
		    "'%s'); use --force to replace it", in->name,
		    skill_source_name(old->source), old->dir);
		goto out;
	}
	in->replaced = old != NULL;
	if ((rc = each_file(stage, "", 0, list_one, in, err)) < 0 ||
	    (rc = skill_hash(stage, in->sha256, err)) < 0 ||
	    (rc = skill_scan(stage, &in->flags, &in->nflags, err)) < 0)
		goto out;
	if (in->show)
		in->show(in, in->ctx);
	if (in->nflags && !in->force) {
		rc = hm_fail(err, HM_EFAIL, "refusing to install '%s': %zu "
		    "warning%s; review them and use --force to install anyway",
		    in->name, in->nflags, in->nflags == 1 ? "" : "s");
		goto out;
	}
	chmod(stage, 0755);
	if ((rc = land(stage, in->path, err)) < 0)
		goto out;
	if (old && old->source == SKILL_HOME && strcmp(old->dir, in->path))
		rc = remove_dir(root, old->dir, err);
	if (rc == 0)
		rc = record(in, rel.s, err);
out:
	if (tmp)
		rm_rf(tmp);
	if (fd >= 0)
		lock_release(fd);
	skill_set_release(&set);
	frontmatter_release(&fm);
	buf_release(&text);
	buf_release(&rel);
	free(md);
	free(stage);
	free(tmp);
	free(root);
	return rc;
}

void
skill_install_release(struct skill_install *in)
{
	free(in->name);
	free(in->path);
	free(in->kind);
	free(in->commit);
	free_strs(in->files, in->nfiles);
	free_strs(in->flags, in->nflags);
	in->name = in->path = in->kind = in->commit = NULL;
	in->files = in->flags = NULL;
	in->nfiles = in->nflags = 0;
}

/* ---- check and the index ---- */

int
skill_check(struct buf *report, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	cJSON *o, *e, *v;
	char hex[65], *root, *dir, *md;
	const char *want, *path;
	int rc, bad = 0;
	size_t i;

	if ((rc = skill_set_load(&set, err)) < 0)
		return rc;
	for (i = 0; i < set.nbad; i++, bad++)
		buf_addf(report, "%s\n", set.bad[i]);
	o = lock_json_load();
	root = skill_root(SKILL_HOME);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "skills")) {
		v = cJSON_GetObjectItem(e, "path");
		path = cJSON_IsString(v) ? v->valuestring : e->string;
		v = cJSON_GetObjectItem(e, "sha256");
		want = cJSON_IsString(v) ? v->valuestring : "";
		if (!path || *path == '/' || strstr(path, ".."))
			continue;
		dir = join(root, path);
		md = join(dir, "SKILL.md");
		if (!is_file(md)) {
			buf_addf(report, "%s: recorded in skills/.lock.json "
			    "but not installed\n", e->string);
			bad++;
		} else if (skill_hash(dir, hex, err) < 0 ||
		    strcmp(hex, want)) {
			buf_addf(report, "%s: files changed since it was "
			    "installed (sha256 %.12s, recorded %.12s)\n",
			    e->string, hex, want);
			bad++;
		}
		free(md);
		free(dir);
	}
	cJSON_Delete(o);
	free(root);
	skill_set_release(&set);
	return bad;
}

int
skill_index(struct buf *out, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	const char *cat = NULL;
	size_t i;
	int rc;

	if ((rc = skill_set_load(&set, err)) < 0)
		return rc;
	if (set.n)
		buf_adds(out, "## Skills\nLoad one with skill_view(name) "
		    "before using it.\n");
	for (i = 0; i < set.n; i++) {
		if (*set.v[i].category && (!cat ||
		    strcmp(cat, set.v[i].category))) {
			cat = set.v[i].category;
			buf_addf(out, "### %s\n", cat);
		}
		buf_addf(out, "- %s: %s\n", set.v[i].name,
		    set.v[i].description);
	}
	skill_set_release(&set);
	return 0;
}
