/* Write to /proc/sys, /proc/sysrq-trigger, /proc/self/exe. */
#include "probe.h"
int main(void)
{
	must_fail(open("/proc/sysrq-trigger", O_WRONLY), "/proc/sysrq-trigger");
	must_fail(open("/proc/sys/kernel/hostname", O_WRONLY), "/proc/sys/kernel/hostname");
	must_fail(open("/proc/sys/kernel/core_pattern", O_WRONLY), "/proc/sys/kernel/core_pattern");
	must_fail(open("/proc/self/exe", O_WRONLY), "/proc/self/exe for writing");
	must_fail(open("/proc/1/exe", O_WRONLY), "/proc/1/exe for writing");
	return probe_done();
}
