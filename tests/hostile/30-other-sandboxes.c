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
	for (int p = 3; p < 4096; p++)
		if (kill(p, 0) == 0)
			hit++;
	must_hold(hit == 0, "no other process can be signalled");
	return probe_done();
}
