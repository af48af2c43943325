/*
 * tool_terminal.h: the terminal and process tools.
 *
 * terminal{command, timeout, workdir, background} runs one shell command
 * through the backend of config terminal.backend: local (/bin/sh -c),
 * docker (docker exec into one long-lived container per session, started
 * on first use with terminal.docker_image and the CPU and memory limits)
 * or ssh (the system ssh client to terminal.ssh.host with a control
 * master under $HERMES_HOME/ssh/).  Every command first passes the
 * approval policy (approve.h) when env->approve is set.
 *
 * A child runs in its own process group with stdin from /dev/null and
 * stdout+stderr merged into a pipe that is read as it comes: only the
 * head and a tail ring are kept, so a 1 GB output costs output_max bytes.
 * On timeout (default 180 s, at most 600) or SIGINT the group gets
 * SIGTERM, then SIGKILL after 2 s, and is reaped.
 *
 * background: true starts the command with its output in a log file and
 * returns a handle (bg_N); process{action, id, timeout} lists, polls,
 * reads, waits for or kills it.  terminal_cleanup() kills and reaps every
 * background group; hermes-ask calls it on the way out.
 */
#ifndef HM_TOOL_TERMINAL_H
#define HM_TOOL_TERMINAL_H

#include "toolreg.h"

extern const struct tool tool_terminal;
extern const struct tool tool_process;

void terminal_cleanup(void);

#endif
