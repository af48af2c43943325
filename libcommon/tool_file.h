/*
 * tool_file.h: the file tools, toolset "file" (tool_file.c: read_file,
 * write_file; tool_patch.c: patch; tool_search.c: search_files).
 *
 * read_file{path, offset, limit}: numbered lines ("   12\ttext"), 500 by
 *   default, binary files refused, a note telling the next offset.
 * write_file{path, content}: atomic_write; parents made 0755; an existing
 *   file keeps its mode, a new one gets 0644.
 * patch{path, old_string, new_string, replace_all} or {path, patch}: an
 *   exact replacement that must match once (or replace_all), or a unified
 *   diff applied whole or not at all; atomic_write either way.
 * search_files{pattern, target, path}: content (POSIX ERE, file:line:text,
 *   through rg when it is on PATH) or files (fnmatch on names); .git,
 *   binary files and files over 1 MB skipped; 100 results at most.
 * Every path goes through roots_resolve when env->roots is set.
 */
#ifndef HM_TOOL_FILE_H
#define HM_TOOL_FILE_H

#include "toolreg.h"

extern const struct tool tool_read_file;
extern const struct tool tool_write_file;
extern const struct tool tool_patch;
extern const struct tool tool_search_files;

#endif
