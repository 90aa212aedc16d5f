/* ptrace the sandbox's pid 1 and the parent; read another's memory. */
#include <sys/ptrace.h>
#include <sys/uio.h>
#include "probe.h"
int main(void)
{
	char buf[16];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)0x400000, sizeof(buf) };
	must_fail(ptrace(PTRACE_ATTACH, 1, NULL, NULL), "PTRACE_ATTACH pid 1");
	must_fail(ptrace(PTRACE_ATTACH, getppid(), NULL, NULL), "PTRACE_ATTACH the parent");
	must_fail(open("/proc/1/mem", O_RDONLY), "/proc/1/mem");
	must_fail(process_vm_readv(1, &l, 1, &r, 1, 0), "process_vm_readv of pid 1");
	return probe_done();
}
