/*
 * tool_web.h: the "web" toolset.  web_extract fetches up to 5 http(s)
 * pages (redirects <= 5, 2 MB, web.timeout seconds, default 20) and
 * returns their text (html.h); web_search asks the SearXNG-style JSON
 * endpoint in web.search_url.  Both go through http.c; nothing is
 * written to disk.
 */
#ifndef HM_TOOL_WEB_H
#define HM_TOOL_WEB_H

#include "toolreg.h"

extern const struct tool tool_web_extract, tool_web_search;

#endif
