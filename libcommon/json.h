/*
 * json.h: small cJSON helpers shared by the commands.
 * json_print_line(obj): prints obj unformatted and a newline on stdout,
 * then frees it (one object a line, the --json list format).
 */
#ifndef HM_JSON_H
#define HM_JSON_H

#include <cjson/cJSON.h>

void json_print_line(cJSON *obj);
/* Append s as a JSON string literal (quotes, escapes) to b. */
struct buf;
void json_add_string(struct buf *b, const char *s);

#endif
