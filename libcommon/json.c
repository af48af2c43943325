/* json.c: cJSON helpers. */
#include <cjson/cJSON.h>

#include "common.h"
#include "json.h"

void
json_print_line(cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (!s)
		hm_oom();
	fputs(s, stdout);
	putchar('\n');
	cJSON_free(s);
	cJSON_Delete(obj);
}
