/*
 * path.c: HERMES_HOME and profiles.  The resolved home is kept for the
 * life of the process (hm_home returns it borrowed).
 */
#include <sys/stat.h>
#include <pwd.h>

#include <fcntl.h>

#include "common.h"
#include "path.h"

static char *home;
static char *profile;

int
hm_valid_name(const char *name, size_t max)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > max || name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static char *
resolve_home(void)
{
	const char *h = getenv("HERMES_HOME");
	struct buf b = BUF_INIT;
	struct passwd *pw;
	char cwd[PATH_MAX];

	if (h && *h) {
		if (*h != '/' && getcwd(cwd, sizeof(cwd)))
			buf_addf(&b, "%s/", cwd);
		buf_adds(&b, h);
	} else {
		h = getenv("HOME");
		if (!h || !*h) {
			pw = getpwuid(getuid());
			h = pw && pw->pw_dir ? pw->pw_dir : "/";
		}
		buf_adds(&b, h);
		if (b.len > 1 && b.s[b.len - 1] == '/')
			buf_setlen(&b, b.len - 1);
		buf_adds(&b, "/.hermes");
	}
	while (b.len > 1 && b.s[b.len - 1] == '/')
		buf_setlen(&b, b.len - 1);
	return buf_detach(&b);
}

int
hm_mkdir_p(const char *dir, mode_t mode, struct buf *err)
{
	char *p = xstrdup(dir), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = hm_fail(err, HM_EIO, "cannot create directory "
			    "'%s': %s", p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (!rc && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		rc = hm_fail(err, HM_EIO, "'%s' is not a directory", dir);
	free(p);
	return rc;
}

char *
hm_dirname(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

const char *
hm_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int
hm_mkparents(const char *path, struct buf *err)
{
	char *d = hm_dirname(path);
	struct stat st;
	int rc = 0;

	if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = hm_mkdir_p(d, 0700, err);
	free(d);
	return rc;
}

int
hm_home_init(struct buf *err)
{
	const char *p = getenv("HERMES_PROFILE");
	struct stat st;

	if (home)
		return 0;
	if (p && *p && !hm_valid_name(p, 64))
		return hm_fail(err, HM_EINVAL, "invalid HERMES_PROFILE '%s': "
		    "use letters, digits, '-', '_' and '.'", p);
	home = resolve_home();
	profile = p && *p ? xstrdup(p) : NULL;
	if (stat(home, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return hm_fail(err, HM_EIO, "HERMES_HOME '%s' is not "
			    "a directory", home);
		return 0;
	}
	if (errno != ENOENT)
		return hm_fail(err, HM_EIO, "cannot use HERMES_HOME '%s': %s",
		    home, strerror(errno));
	return hm_mkdir_p(home, 0700, err);
}

const char *
hm_home(void)
{
	if (!home)
		home = resolve_home();
	return home;
}

const char *
hm_profile(void)
{
	return profile;
}

static int
profile_scoped(const char *rel)
{
	static const char *const scoped[] = { "SOUL.md", "memories", "skills" };
	size_t i, n;

	for (i = 0; i < HM_ARRAY_SIZE(scoped); i++) {
		n = strlen(scoped[i]);
		if (!strncmp(rel, scoped[i], n) &&
		    (rel[n] == '\0' || rel[n] == '/'))
			return 1;
	}
	return 0;
}

char *
hm_path(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, hm_home());
	if (profile && profile_scoped(rel))
		buf_addf(&b, "/profiles/%s", profile);
	if (*rel)
		buf_addf(&b, "/%s", rel);
	return buf_detach(&b);
}

int
hm_open_log(const char *name, char **path)
{
	struct buf rel = BUF_INIT;
	char *p;
	int fd = -1;

	buf_addf(&rel, "logs/%s", name);
	p = hm_path(rel.s);
	buf_release(&rel);
	if (hm_mkparents(p, NULL) == 0)
		fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (path)
		*path = p;
	else
		free(p);
	return fd;
}
