/* json.c: cJSON helpers. */
#include <cjson/cJSON.h>

#include "common.h"
#include "json.h"

void
json_add_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(b, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (*p < 0x20)
				buf_addf(b, "\\u%04x", *p);
			else
				buf_addc(b, (char)*p);
		}
	}
	buf_addc(b, '"');
}

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
