/* Learn how the supervisor was started from pid 1's command line. */
#include "probe.h"
int main(void)
{
	char buf[4096];
	int fd = open("/proc/1/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf));
	int visible = 0;
	for (ssize_t i = 0; i < n; i++)
		visible |= buf[i] != 0;
	must_hold(!visible, "pid 1's command line is empty");
	return probe_done();
}
