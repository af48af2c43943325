/*
 * json.h: small cJSON helpers shared by the commands.
 * json_print_line(obj): prints obj unformatted and a newline on stdout,
 * then frees it (one object a line, the --json list format).
 */
#ifndef HM_JSON_H
#define HM_JSON_H

#include <cjson/cJSON.h>

void json_print_line(cJSON *obj);

#endif
