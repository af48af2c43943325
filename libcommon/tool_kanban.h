/*
 * tool_kanban.h: the board tools of a kanban worker (kanban_show,
 * kanban_complete, kanban_block, kanban_heartbeat, kanban_comment,
 * kanban_create, kanban_link), toolset "kanban".  They are offered only
 * when HERMES_KANBAN_TASK is set (tool_kanban_active): a worker started
 * by the dispatcher; see tool_kanban.c.
 */
#ifndef HM_TOOL_KANBAN_H
#define HM_TOOL_KANBAN_H

#include "toolreg.h"

int tool_kanban_active(void);

extern const struct tool tool_kanban_show;
extern const struct tool tool_kanban_complete;
extern const struct tool tool_kanban_block;
extern const struct tool tool_kanban_heartbeat;
extern const struct tool tool_kanban_comment;
extern const struct tool tool_kanban_create;
extern const struct tool tool_kanban_link;

#endif
