/*
 * httpd_int.h: between httpd.c (sockets) and httpd_parse.c (requests);
 * not for other modules.
 */
#ifndef HM_HTTPD_INT_H
#define HM_HTTPD_INT_H

#include <stddef.h>

struct httpd_req;

/* Where the body starts in the len bytes at s (just past the blank
 * line that ends the head), or 0 while the head is not whole;
 * *head_len is the head's length without that blank line. */
size_t httpd_head_end(const char *s, size_t len, size_t *head_len);
/* Parse the head (n bytes) into r (zeroed by the caller, fd -1) and
 * find the body's length (*want); 0, or the status to refuse with: 400,
 * 411, 413 (past max_body), 431, 505. */
int httpd_parse_head(const char *head, size_t n, size_t max_body,
    struct httpd_req *r, size_t *want);

#endif
