/*
 * exitcode.h: the exit codes of every hermes command, named once.
 * They are an API: scripts branch on them (SPEC section 1).
 */
#ifndef HM_EXITCODE_H
#define HM_EXITCODE_H

#define HM_EXIT_OK		0	/* success */
#define HM_EXIT_FAIL		1	/* the work failed: not found, I/O, full */
#define HM_EXIT_USAGE		2	/* bad flag, operand or input value */
#define HM_EXIT_BUDGET		3	/* turns or time exhausted */
#define HM_EXIT_CONFLICT	4	/* a retry may clear it: claimed, locked */
#define HM_EXIT_PIPE		141	/* stdout closed under us (128 + SIGPIPE) */
#define HM_EXIT_INTERRUPTED	130	/* SIGINT, after saving what we had */

#endif
