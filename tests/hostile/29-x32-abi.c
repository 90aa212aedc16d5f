/* The x32 syscall ABI: open /etc/passwd through it. */
#include <sys/syscall.h>
#include "probe.h"
int main(void)
{
#if defined(__x86_64__)
	long r = syscall(0x40000000 | SYS_open, "/etc/passwd", O_RDONLY);
#else
	long r = -1;
#endif
	must_fail(r, "open(/etc/passwd) through the x32 ABI");
	return probe_done();
}
