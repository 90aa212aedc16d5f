/* Swap a bound file for a symlink, or write through it (/tmp/crash/core is bound read-only). */
#include <stdio.h>
#include "probe.h"
int main(void)
{
	must_fail(unlink("/tmp/crash/core"), "unlinking the bound core");
	must_fail(rename("/tmp/crash", "/tmp/moved"), "renaming the bound directory");
	must_fail(symlink("/proc/1/root", "/tmp/crash/link"), "a symlink in the bound directory");
	must_fail(open("/tmp/crash/core", O_WRONLY), "writing the bound core");
	must_fail(open("/tmp/crash/core", O_RDWR), "opening the bound core read-write");
	return probe_done();
}
