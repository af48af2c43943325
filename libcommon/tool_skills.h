/*
 * tool_skills.h: the agent's skill tools, toolset "skills", over
 * libcommon/skill.c (the code hermes-skill runs, the same validation):
 *   skills_list{category}    level 0 again, as JSON, optionally one category
 *   skill_view{name, file_path}   level 1 (SKILL.md and its file list) or
 *                            level 2 (one file inside the skill)
 *   skill_manage{action, name, content, old_string, new_string,
 *     file_path, category, replace_all}   create, patch, edit, delete,
 *                            write_file, remove_file; locked and atomic
 * Argument names are the original Hermes ones.
 */
#ifndef HM_TOOL_SKILLS_H
#define HM_TOOL_SKILLS_H

#include "toolreg.h"

extern const struct tool tool_skills_list;
extern const struct tool tool_skill_view;
extern const struct tool tool_skill_manage;

#endif
