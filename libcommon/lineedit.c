/* lineedit.c: libedit's readline API behind three calls; see lineedit.h. */
#include <sys/stat.h>
#include <stdio.h>
#include <readline.h>
#include <history.h>

#include "common.h"
#include "lineedit.h"
#include "path.h"

static char *histfile;
static int tty;

void
lineedit_open(void)
{
	tty = isatty(0);
	if (!tty)
		return;
	histfile = hm_path("chat_history");
	using_history();
	stifle_history(1000);
	read_history(histfile);
}

char *
lineedit_read(const char *prompt)
{
	struct buf b = BUF_INIT;
	char *line;
	int c;

	if (tty) {
		line = readline(prompt);
		if (line && *line)
			add_history(line);
		return line;
	}
	while ((c = getchar()) != EOF && c != '\n')
		buf_addc(&b, c);
	if (c == EOF && !b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

void
lineedit_close(void)
{
	if (!histfile)
		return;
	if (write_history(histfile) == 0)
		chmod(histfile, 0600);
	free(histfile);
	histfile = NULL;
}
