/*
 * Eat memory in many processes, each under the address space limit
 * (argv[1] MiB): only the sandbox's memory cgroup sees the sum. Each child
 * holds 80 MiB, says so on a pipe and waits; what the ones still alive
 * hold together must stay under the limit (the cgroup's OOM killer takes
 * the rest).
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "probe.h"

#define CHILDREN 6
#define EACH_MIB 80

int main(int argc, char **argv)
{
	int limit = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 256, held = 0, alive = 0, p[2];
	pid_t kids[CHILDREN];
	char reported[CHILDREN] = { 0 };

	if (pipe(p) < 0)
		return 2;
	for (int i = 0; i < CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char *m = malloc((size_t)EACH_MIB << 20);
			if (!m)
				_exit(3);
			memset(m, 'h', (size_t)EACH_MIB << 20);
			/* the memory escapes to the compiler: the memset cannot be optimised away */
			__asm__ volatile("" : : "r"(m) : "memory");
			char c = (char)i;
			if (write(p[1], &c, 1) != 1)
				_exit(4);
			pause();
			_exit(0);
		}
	}
	close(p[1]);
	/* every report that comes until none came for 5 s */
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		char c;
		if (poll(&pf, 1, 5000) <= 0 || read(p[0], &c, 1) != 1)
			break;
		if (c >= 0 && c < CHILDREN && !reported[(int)c]) {
			reported[(int)c] = 1;
			held++;
		}
	}
	/* the ones that reported and are still alive hold their memory together */
	for (int i = 0; i < CHILDREN; i++)
		if (reported[i] && kids[i] > 0 && waitpid(kids[i], NULL, WNOHANG) == 0)
			alive++;
	for (int i = 0; i < CHILDREN; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("%d of %d children reported %d MiB held; %d held it at once\n", held, CHILDREN, EACH_MIB,
	       alive);
	must_hold(alive * EACH_MIB <= limit, "the processes' memory together was stopped at the limit");
	return probe_done();
}
