/* Devices: mknod, and the host's /dev/mem, /dev/kmsg, /dev/fuse. */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "probe.h"
int main(void)
{
	must_fail(mknod("/tmp/mem", S_IFCHR | 0600, makedev(1, 1)), "mknod /dev/mem copy");
	must_fail(open("/dev/mem", O_RDONLY), "/dev/mem");
	must_fail(open("/dev/kmsg", O_RDONLY), "/dev/kmsg");
	must_fail(open("/dev/fuse", O_RDWR), "/dev/fuse");
	must_fail(open("/dev/sda", O_RDONLY), "/dev/sda");
	return probe_done();
}
