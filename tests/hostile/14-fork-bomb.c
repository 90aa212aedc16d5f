/* A fork bomb: stopped by the process limit. */
#include <signal.h>
#include <sys/wait.h>
#include "probe.h"
int main(void)
{
	int n = 0;
	for (; n < 10000; n++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			sleep(2);
			_exit(0);
		}
	}
	printf("forked %d processes\n", n);
	must_hold(n < 1000, "the fork bomb was stopped");
	return probe_done();
}
