/*
 * A fork bomb: stopped by the process limit. Every child waits until the
 * parent is gone (end of file on a pipe only the parent writes), so the
 * children add up however slowly they are forked (a loaded machine, an
 * emulated guest) and only the limit can stop the loop.
 */
#include <signal.h>
#include <sys/wait.h>
#include "probe.h"
int main(void)
{
	int n = 0, p[2];

	if (pipe(p) < 0)
		return 2;
	for (; n < 10000; n++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			char c;
			close(p[1]);
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	}
	printf("forked %d processes\n", n);
	must_hold(n < 1000, "the fork bomb was stopped");
	return probe_done();
}
