/*
 * skill.h: skills in the Agent Skills format, one directory each with a
 * SKILL.md (YAML front matter, frontmatter.h, then Markdown) and optional
 * references/ templates/ scripts/ assets/.  One API serves hermes-skill
 * and the agent's skill tools (tool_skills.c).
 *
 * Roots, in precedence order (a name found in an earlier root hides the
 * same name in a later one):
 *   home     hm_path("skills"): $HERMES_HOME[/profiles/P]/skills
 *   project  the nearest .hermes/skills from the current directory up to
 *            the git root (not the home root again)
 *   bundled  read-only, shipped with hermes: $HERMES_BUNDLED_SKILLS when
 *            set ("" for none), else BINDIR/../share/hermes/skills, else
 *            the source tree's skills/ when the binary runs from its bin/
 * A root holds NAME/SKILL.md or CATEGORY/NAME/SKILL.md; dot-names are
 * skipped.  A SKILL.md is valid when its front matter parses, uses only
 * the known keys (name description version license compatibility
 * metadata allowed-tools platforms), its name is lowercase letters,
 * digits and single hyphens, at most 64, and equal to its directory's
 * name, and its description is non-empty and at most 1024 characters.
 * Invalid skills are left out of lists and the index, and reported by
 * skill_check ("FILE:LINE: why").
 *
 * Changes (create, replace, patch, write or remove a file, delete,
 * install) go to home or project skills, never bundled ones; each holds
 * flock on the root's sidecar ".skills.lock" for its whole
 * read-modify-write, sweeps the ".tmp-*" debris a killed writer left in
 * the root, writes files with atomic_write and lands whole directories
 * by rename(2) from a ".tmp-*" directory in the same root.  Readers take
 * no lock.  A SKILL.md is validated before it replaces the old one.
 *
 * Installed skills are recorded in the home root's .lock.json:
 *   {"skills": {"NAME": {"path": "[CAT/]NAME", "source": "...",
 *    "sha256": "HEX", "commit": "...", "installed": "ISO-8601"}}}
 * The hash covers every file's relative path, executable bit and
 * contents (skill_hash).  Changes through this API re-record it; a
 * change behind its back is what skill_check reports.
 *
 * Level-2 paths (a file inside a skill) are relative, without "..", and
 * must resolve inside the skill's directory: a symlink leading out is
 * refused when reading, and any symlink on the way when writing.
 *
 * Errors: -HM_EINVAL bad name, text or path; -HM_ENOTFOUND no such skill
 * or file; -HM_EAMBIG a patch that matches several places; -HM_EFAIL a
 * clash, a bad stored file, a refused install; -HM_EIO the file system.
 * Everything returned as char * is the caller's to free.
 */
#ifndef HM_SKILL_H
#define HM_SKILL_H

#include <stddef.h>

struct buf;
struct frontmatter;

enum skill_source { SKILL_HOME, SKILL_PROJECT, SKILL_BUNDLED };

struct skill {
	char *name;
	char *category;		/* "" when the skill sits at the root */
	char *description;
	char *dir;		/* absolute */
	enum skill_source source;
};

struct skill_set {
	struct skill *v;	/* sorted by category, then name */
	size_t n;
	char **bad;		/* "FILE:LINE: why", one a bad SKILL.md */
	size_t nbad;
};

#define SKILL_SET_INIT { NULL, 0, NULL, 0 }
#define SKILL_NAME_MAX 64
#define SKILL_DESC_MAX 1024
#define SKILL_FILE_MAX (1024 * 1024)	/* bytes a SKILL.md or file read */

const char *skill_source_name(enum skill_source src);
/* The root directory of src, malloc'd, or NULL when it has none. */
char *skill_root(enum skill_source src);

int skill_set_load(struct skill_set *s, struct buf *err);
void skill_set_release(struct skill_set *s);
const struct skill *skill_set_find(const struct skill_set *s,
    const char *name);

int skill_valid_name(const char *name);
/* Parse and validate a SKILL.md text; dirname (or NULL) must equal the
 * name.  On success fm holds the front matter (release it). */
int skill_parse(const char *file, const char *text, size_t len,
    const char *dirname, struct frontmatter *fm, struct buf *err);

/* Level 1 (file NULL: SKILL.md) and level 2 (a relative path). */
int skill_read(const struct skill *sk, const char *file, struct buf *out,
    struct buf *err);
/* The skill's files other than SKILL.md, relative, one a line. */
int skill_files(const struct skill *sk, struct buf *out, struct buf *err);
/* Does QUERY occur (ignoring case) in the name, description or text? */
int skill_matches(const struct skill *sk, const char *query);

/* Create from parts (an empty body gets a skeleton) or from a whole
 * SKILL.md text (whose name must be name, unless name is NULL), in home;
 * *path gets the SKILL.md path.  A name taken in home is -HM_EFAIL; one
 * in a project or bundled skill is shadowed. */
int skill_create(const char *name, const char *description,
    const char *category, const char *body, char **path, struct buf *err);
int skill_create_text(const char *name, const char *category,
    const char *text, char **path, struct buf *err);
/* Replace SKILL.md (file NULL) or write a file under references/,
 * templates/, scripts/ or assets/.  expect, when not NULL, is the text
 * the caller started from: if the file changed since, -HM_ECONFLICT. */
int skill_write(const char *name, const char *file, const char *text,
    const char *expect, struct buf *err);
int skill_patch(const char *name, const char *file, const char *old,
    const char *new, int all, struct buf *err);
int skill_remove_file(const char *name, const char *file, struct buf *err);
int skill_delete(const char *name, struct buf *err);

struct skill_install {
	const char *source;	/* PATH, URL of a .md, or git REPO[#DIR] */
	const char *category;	/* NULL or "" for none */
	int force;		/* replace a clash, accept flags */
	/* called once the skill is staged and checked, before it lands */
	void (*show)(const struct skill_install *in, void *ctx);
	void *ctx;
	/* filled in */
	char *name;
	char *path;		/* the installed directory */
	char *kind;		/* "directory", "url" or "git" */
	char *commit;		/* git: the commit, else NULL */
	char sha256[65];
	char **files;		/* "PATH\tBYTES\tMODE", relative */
	size_t nfiles;
	char **flags;		/* "FILE:LINE: why" */
	size_t nflags;
	int replaced;		/* a skill of that name was replaced */
};

int skill_install(struct skill_install *in, struct buf *err);
void skill_install_release(struct skill_install *in);

/* Supply-chain checks over a directory: scripts, executables and
 * suspicious instructions, appended to *flags as "FILE:LINE: why". */
int skill_scan(const char *dir, char ***flags, size_t *n, struct buf *err);
int skill_hash(const char *dir, char hex[65], struct buf *err);

/* Validate every SKILL.md and re-verify recorded hashes: one line a
 * problem in report; returns the number of problems or -HM_E*. */
int skill_check(struct buf *report, struct buf *err);

/* The level-0 index for the system prompt; nothing when no skills. */
int skill_index(struct buf *out, struct buf *err);

#endif
