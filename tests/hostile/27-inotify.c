/* Exhaust inotify instances: bounded by the per-user limit and the fd limit. */
#include <sys/inotify.h>
#include "probe.h"
int main(void)
{
	int n = 0;
	while (n < 100000 && inotify_init1(0) >= 0)
		n++;
	printf("%d inotify instances\n", n);
	must_hold(n < 4096, "inotify instances are limited");
	return probe_done();
}
