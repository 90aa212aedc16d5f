/* Eat memory: stopped by the address space limit (argv[1] MiB expected max). */
#include "probe.h"
int main(int argc, char **argv)
{
	size_t limit = (size_t)(argc > 1 ? (int)strtol(argv[1], NULL, 10) : 512), got = 0;
	for (; got < 16384; got++) {
		char *p = malloc(1 << 20);
		if (!p)
			break;
		memset(p, 1, 1 << 20);
	}
	printf("got %zu MiB\n", got);
	must_hold(got <= limit, "the memory hog was stopped at the limit");
	return probe_done();
}
