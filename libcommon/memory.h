/*
 * memory.h: the agent's persistent memory, memories/MEMORY.md (what it
 * learned about the environment) and memories/USER.md (about the user),
 * in the original Hermes format: entries separated by a line holding only
 * "§", joined as "entry\n§\nentry".  Each file has a character cap (code
 * points of the joined entries; config memory.max_chars and
 * memory.user_max_chars).  One API serves hermes-memory and the agent's
 * memory tool.
 *
 * Files: memories/NAME (0600), its lock memories/.NAME.lock.
 * Readers take no lock: files are only replaced by atomic_write, so a
 * reader sees the old file or the new one.  Every change runs
 * lock -> reload -> change -> atomic_write -> unlock, so concurrent
 * writers never lose each other's entries.  Under the lock, temp files
 * left by a writer killed with SIGKILL are swept.
 *
 * Entries are trimmed of surrounding white space and must be non-empty,
 * valid UTF-8 without NUL, and hold no line that is only "§".
 * A stored file that is not valid UTF-8 or holds a NUL makes memory_load
 * (and so every change) fail with -HM_EFAIL, touching nothing; the text
 * given to memory_parse directly (an edit) fails with -HM_EINVAL.
 * After any call, m->entries is the state the call saw or wrote.
 */
#ifndef HM_MEMORY_H
#define HM_MEMORY_H

#include <stddef.h>

struct buf;

enum memory_target { MEMORY_NOTES, MEMORY_USER };

struct memory {
	enum memory_target target;
	char *path;
	char *lockpath;
	const char *name;	/* "MEMORY.md" or "USER.md" */
	size_t limit;		/* characters */
	char **entries;
	size_t n;
	int lockfd;
};

#define MEMORY_DUP 1	/* memory_add: already there, nothing written */

void memory_init(struct memory *m, enum memory_target t, size_t limit);
void memory_release(struct memory *m);

int memory_load(struct memory *m, struct buf *err);
int memory_add(struct memory *m, const char *text, struct buf *err);
int memory_replace(struct memory *m, const char *old, const char *text,
    struct buf *err);
int memory_remove(struct memory *m, const char *old, struct buf *err);

/* For whole-file edits: lock, load, parse new text, save, unlock. */
int memory_lock(struct memory *m, struct buf *err);
void memory_unlock(struct memory *m);
int memory_parse(struct memory *m, const char *text, struct buf *err);
int memory_save(struct memory *m, struct buf *err);

size_t memory_used(const struct memory *m);
void memory_render(const struct memory *m, struct buf *out);
int memory_check_entry(const char *text, struct buf *err);

#endif
