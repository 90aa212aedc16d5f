/* The big kernel surfaces: keyctl, bpf, perf_event_open, userfaultfd, io_uring, modules, kexec. */
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include "probe.h"
int main(void)
{
	struct perf_event_attr pe = { .type = PERF_TYPE_HARDWARE, .size = sizeof(pe),
				      .config = PERF_COUNT_HW_INSTRUCTIONS };
	unsigned char params[120] = { 0 };
	must_fail(syscall(SYS_bpf, 0, NULL, 0), "bpf");
	must_fail(syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0), "perf_event_open");
	must_fail(syscall(SYS_userfaultfd, 0), "userfaultfd");
	must_fail(syscall(SYS_io_uring_setup, 1, params), "io_uring_setup");
	must_fail(syscall(SYS_init_module, NULL, 0, ""), "init_module");
	must_fail(syscall(SYS_kexec_load, 0, 0, NULL, 0), "kexec_load");
	return probe_done();
}
