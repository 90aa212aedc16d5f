/*
 * Eat memory in many processes, each under the address space limit
 * (argv[1] MiB): only the sandbox's memory cgroup sees the sum. Each child
 * holds 80 MiB, says so on a pipe and waits; what the ones still alive
 * hold together must stay under the limit (the cgroup's OOM killer takes
 * the rest). The count is taken once every child has filled its memory or
 * died, however slowly (up to SETTLE_SECONDS; past that the probe says so
 * and exits 3: it proved nothing).
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include "probe.h"

#define CHILDREN 6
#define EACH_MIB 80

/* The longest the children may take to fill their memory or be killed: far
 * past what an emulated guest on a loaded machine needs, inside the
 * sandbox's own timeout. */
#define SETTLE_SECONDS 50

int main(int argc, char **argv)
{
	int limit = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 256, held = 0, alive = 0, p[2];
	bool settled_all = false;
	pid_t kids[CHILDREN];
	char reported[CHILDREN] = { 0 }, dead[CHILDREN] = { 0 };
	time_t start = time(NULL);

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
		if (kids[i] < 0)
			dead[i] = 1;
	}
	close(p[1]);
	/* until every child has either filled its memory and said so, or died
	 * (killed by the group's OOM killer): no idle timeout, which a slow
	 * machine would hit before the limit is ever reached */
	for (;;) {
		int settled = 0;
		struct pollfd pf = { p[0], POLLIN, 0 };
		char c;

		if (poll(&pf, 1, 200) > 0 && read(p[0], &c, 1) == 1 && c >= 0 && c < CHILDREN &&
		    !reported[(int)c]) {
			reported[(int)c] = 1;
			held++;
		}
		for (int i = 0; i < CHILDREN; i++) {
			if (!dead[i] && waitpid(kids[i], NULL, WNOHANG) == kids[i])
				dead[i] = 1;
			settled += reported[i] || dead[i];
		}
		if (settled == CHILDREN) {
			settled_all = true;
			break;
		}
		if (time(NULL) - start > SETTLE_SECONDS) {
			printf("children still filling their memory after %d s\n", SETTLE_SECONDS);
			break;
		}
	}
	/* the ones that reported and are still alive hold their memory together */
	for (int i = 0; i < CHILDREN; i++)
		if (reported[i] && !dead[i] && waitpid(kids[i], NULL, WNOHANG) == 0)
			alive++;
	for (int i = 0; i < CHILDREN; i++)
		if (kids[i] > 0 && !dead[i])
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("%d of %d children reported %d MiB held; %d held it at once\n", held, CHILDREN, EACH_MIB,
	       alive);
	if (!settled_all)
		return 3;
	must_hold(alive * EACH_MIB <= limit, "the processes' memory together was stopped at the limit");
	return probe_done();
}
