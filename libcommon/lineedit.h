/*
 * lineedit.h: reading chat lines, the one module that uses libedit.
 * libedit rather than GNU readline: it is BSD-licensed (readline is GPL,
 * which an MIT program should not link), and Debian ships it as
 * libedit-dev with a readline-compatible API.
 *
 * lineedit_open loads the history from $HERMES_HOME/chat_history;
 * lineedit_read returns the next line, malloc'd and without its newline,
 * or NULL at end of input; lines are added to the history, which
 * lineedit_close writes back (mode 0600, last 1000 lines).  When stdin
 * is not a terminal, lines are read plainly with no prompt and no
 * history (hermes-ask only starts the chat on a terminal, but a caller
 * may read lines this way).
 */
#ifndef HM_LINEEDIT_H
#define HM_LINEEDIT_H

void lineedit_open(void);
char *lineedit_read(const char *prompt);
void lineedit_close(void);

#endif
