/*
 * common.h: what every hermes source file includes, as its last include.
 * It pulls in the system headers the base layer needs, the base layer
 * (buf, err, exit codes) and, last of all, banned.h.
 */
#ifndef HM_COMMON_H
#define HM_COMMON_H

#include <sys/types.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "buf.h"
#include "err.h"

#ifndef HM_VERSION
#define HM_VERSION "0.0.0-unknown"
#endif

#define HM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "banned.h"

#endif
