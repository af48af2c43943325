/*
 * tool_agent.h: todo and delegate_task, the tools about the agent's own
 * work; see tool_agent.c.  HERMES_DELEGATE_DEPTH carries the nesting
 * level into a child (tool_env.depth); delegate.max_depth stops it.
 */
#ifndef HM_TOOL_AGENT_H
#define HM_TOOL_AGENT_H

#include "toolreg.h"

extern const struct tool tool_todo;
extern const struct tool tool_delegate_task;

#endif
