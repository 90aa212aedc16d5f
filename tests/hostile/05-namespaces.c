/* New namespaces or another's: unshare, setns. */
#define _GNU_SOURCE
#include <sched.h>
#include "probe.h"
int main(void)
{
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	must_fail(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
	must_fail(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");
	must_fail(fd < 0 ? -1 : setns(fd, CLONE_NEWNS), "setns into pid 1's mount namespace");
	return probe_done();
}
