/*
 * fault.c: an LD_PRELOAD shim for the fault tests, never linked into
 * hermes.  With HERMES_FAULT_ENOSPC=SUFFIX, write(2) to a file whose name
 * (through /proc/self/fd) contains SUFFIX fails with ENOSPC, as a full
 * disk would.  Everything else passes through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *want = getenv("HERMES_FAULT_ENOSPC");
	char link[64], path[4096];
	ssize_t k;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (want && *want && fd > 2) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		k = readlink(link, path, sizeof(path) - 1);
		if (k > 0) {
			path[k] = '\0';
			if (strstr(path, want)) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}
