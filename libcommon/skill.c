/*
 * skill.c: skills on disk, the reading side; see skill.h for the roots,
 * the rules and the locking protocol.  Changes are in skill_edit.c,
 * installs and checks in skill_install.c, the install-time scan in
 * skill_scan.c; skill_int.h lists what they share.
 *
 * On disk, per root: [CATEGORY/]NAME/SKILL.md, the lock ".skills.lock"
 * beside the root, ".tmp-*" staging directories inside it (renamed into
 * place, or swept under the lock when a writer died), and in the home
 * root ".lock.json", the record of installed skills.  Readers take no
 * lock and skip dot-names, so staging directories are never seen.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>

#include "common.h"
#include "frontmatter.h"
#include "path.h"
#include "skill.h"
#include "skill_int.h"
#include "utf8.h"

static const char *const known_keys[] = { "name", "description", "version",
    "license", "compatibility", "metadata", "allowed-tools", "platforms" };

/* ---- small helpers ---- */

int
skill_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
skill_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
skill_join(const char *a, const char *b)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

void
skill_push_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

void
skill_free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Read a text file of at most SKILL_FILE_MAX bytes. */
int
skill_read_text(const char *path, struct buf *out, struct buf *err)
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
		if (skill_is_dir(b.s)) {
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
		return *env && skill_is_dir(env) ? xstrdup(env) : NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	bindir = hm_dirname(exe);
	buf_addf(&b, "%s/../share/hermes/skills", bindir);
	if (!skill_is_dir(b.s)) {
		buf_reset(&b);
		buf_addf(&b, "%s/../cmd/hermes.c", bindir);
		p = skill_is_file(b.s) ? xstrdup(b.s) : NULL;
		buf_reset(&b);
		buf_addf(&b, "%s/../skills", bindir);
		if (!p || strcmp(hm_basename(bindir), "bin") || !skill_is_dir(b.s))
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

int
skill_blank(const char *s)
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
	if (!desc || skill_blank(desc)) {
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
	char *file = skill_join(dir, "SKILL.md");

	if (skill_read_text(file, &text, &err) < 0 || skill_parse(file,
	    buf_str(&text), text.len, hm_basename(dir), &fm, &err) < 0) {
		skill_push_str(&s->bad, &s->nbad, buf_detach(&err));
		goto out;
	}
	old = skill_set_find(s, frontmatter_get(&fm, "name"));
	if (old) {
		if (old->source == src) {
			buf_addf(&err, "%s: duplicate name '%s' (also in "
			    "'%s')", file, old->name, old->dir);
			skill_push_str(&s->bad, &s->nbad, buf_detach(&err));
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
		sub = skill_join(dir, ents[i]->d_name);
		file = skill_join(sub, "SKILL.md");
		if (skill_is_dir(sub) && access(file, F_OK) == 0)
			add_skill(s, sub, category, src);
		else if (depth == 0 && skill_is_dir(sub))
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
	skill_free_strs(s->bad, s->nbad);
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
int
skill_check_rel(const char *rel, struct buf *err)
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
	if ((rc = skill_check_rel(rel, err)) < 0)
		return rc;
	full = skill_join(dir, rel);
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
		p = skill_join(sk->dir, "SKILL.md");
	else if ((rc = resolve_in(sk->dir, sk->name, file, &p, err)) < 0)
		return rc;
	if (skill_is_dir(p))
		rc = hm_fail(err, HM_EINVAL, "'%s' is a directory in skill "
		    "'%s'", file, sk->name);
	else
		rc = skill_read_text(p, out, err);
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
	full = *rel ? skill_join(base, rel) : xstrdup(base);
	n = scandir(full, &ents, visible, alphasort);
	free(full);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		buf_reset(&sub);
		buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "",
		    ents[i]->d_name);
		full = skill_join(base, sub.s);
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

/* ---- the index ---- */

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
