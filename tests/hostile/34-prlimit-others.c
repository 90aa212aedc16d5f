/*
 * Change another process's limits with prlimit64: the sandbox's pid 1 and
 * the program's parent. Only seccomp stops it (the processes share a uid,
 * and lowering a limit needs no privilege), so the filter allows prlimit64
 * on the caller alone (pid 0): that must still work, gdb and glibc use it.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include "probe.h"

static long prlimit_raw(pid_t pid, int resource, const struct rlimit *new, struct rlimit *old)
{
	return syscall(SYS_prlimit64, pid, resource, new, old);
}

int main(void)
{
	struct rlimit own, low = { 1, 1 };

	must_hold(prlimit_raw(0, RLIMIT_NOFILE, NULL, &own) == 0,
		  "prlimit64 of the program itself works (pid 0)");
	must_hold(getrlimit(RLIMIT_AS, &own) == 0, "getrlimit works");
	printf("trying prlimit64 on pid 1\n");
	fflush(stdout);
	must_fail(prlimit_raw(1, RLIMIT_NOFILE, &low, NULL), "prlimit64 lowering pid 1's RLIMIT_NOFILE");
	if (getppid() > 1)
		must_fail(prlimit_raw(getppid(), RLIMIT_NOFILE, &low, NULL),
			  "prlimit64 lowering the parent's RLIMIT_NOFILE");
	return probe_done();
}
