/* Type into a terminal: TIOCSTI (also with high bits), TIOCLINUX, /dev/tty. */
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "probe.h"
int main(void)
{
	char c = 'x';
	for (int fd = 0; fd < 3; fd++) {
		must_fail(ioctl(fd, TIOCSTI, &c), "TIOCSTI");
		must_fail(syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI | (1UL << 32), &c),
			  "TIOCSTI with high bits");
	}
	must_fail(open("/dev/tty", O_RDWR), "/dev/tty");
	return probe_done();
}
