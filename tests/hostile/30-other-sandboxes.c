/* See or signal another sandbox (or any host process): only our own pids exist. */
#include <dirent.h>
#include <signal.h>
#include "probe.h"
int main(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pids = 0, hit = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			pids++;
	printf("%d processes visible\n", pids);
	must_hold(pids <= 3, "only the sandbox's own processes are visible");
	/* 1 is the reaper; 2 was the network namespace's helper, gone by now */
	for (int p = 2; p < 4096; p++)
		if (p != getpid() && kill(p, 0) == 0)
			hit++;
	must_hold(hit == 0, "no other process can be signalled");
	return probe_done();
}
