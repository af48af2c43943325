/*
 * mcp-calls: an MCP connection timed by phase, for bench/mcp.sh.
 *
 *   mcp-calls NAME TOOL JSON N
 *
 * Opens server NAME of $HERMES_HOME/mcp.json (start and initialize),
 * lists its tools, calls TOOL with JSON N times on that one connection,
 * closes it, and prints one line per phase: the open is mostly the
 * server's start-up, each call is one round trip through our client and
 * the server.
 */
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "mcp.h"
#include "path.h"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct mcp_conf conf;
	struct mcp_client *c;
	struct mcp_tool_info *v;
	struct buf err = BUF_INIT;
	const struct mcp_server *s;
	cJSON *args, *res;
	double t0, t1, *lat, sum = 0;
	long n, i;
	size_t nt;

	hm_init(argc, argv, HM_SOCKETS);
	memset(&conf, 0, sizeof(conf));
	if (argc != 5 || (n = strtol(argv[4], NULL, 10)) < 1) {
		fprintf(stderr, "usage: mcp-calls NAME TOOL JSON N\n");
		return 2;
	}
	args = cJSON_Parse(argv[3]);
	if (hm_home_init(&err) < 0 || config_load(&cfg, &err) < 0 ||
	    mcp_conf_load(&conf, &err) < 0 || !(s = mcp_conf_find(&conf,
	    argv[1])))
		hm_die("%s", err.len ? err.s : "no such server");
	t0 = now_us();
	if (mcp_open(&c, s, &cfg, &err) < 0)
		hm_die("%s", err.s);
	t1 = now_us();
	printf("open (start + initialize)  %9.1f ms\n", (t1 - t0) / 1e3);
	t0 = now_us();
	if (mcp_list_tools(c, &v, &nt, &err) < 0)
		hm_die("%s", err.s);
	printf("tools/list (%3zu tools)     %9.1f ms\n", nt,
	    (now_us() - t0) / 1e3);
	mcp_tools_free(v, nt);
	lat = xcalloc((size_t)n, sizeof(*lat));
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (mcp_call(c, argv[2], args, &res, &err) < 0)
			hm_die("%s", err.s);
		lat[i] = now_us() - t0;
		sum += lat[i];
		cJSON_Delete(res);
	}
	printf("first call                 %9.1f ms\n", lat[0] / 1e3);
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("calls: %ld, mean %.0f us, median %.0f us, p99 %.0f us\n", n,
	    sum / (double)n, lat[n / 2], lat[n * 99 / 100]);
	t0 = now_us();
	mcp_close(c);
	printf("close                      %9.1f ms\n", (now_us() - t0) / 1e3);
	free(lat);
	cJSON_Delete(args);
	mcp_conf_release(&conf);
	config_release(&cfg);
	http_cleanup();
	return 0;
}
