/* num.c: strict number parsing. */
#include <ctype.h>

#include "common.h"
#include "num.h"

int
hm_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -HM_EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -HM_EINVAL;
	*out = v;
	return 0;
}
