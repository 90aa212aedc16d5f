/* Read the host's files: nothing but the sandbox root is there. */
#include "probe.h"
int main(void)
{
	const char *paths[] = { "/etc/passwd", "/etc/shadow", "/root", "/home", "/work",
				"/var/spool/retrace-server", "/proc/1/root/etc/passwd",
				"/proc/self/root/etc/shadow", "/sys/kernel", NULL };
	for (int i = 0; paths[i]; i++)
		must_fail(open(paths[i], O_RDONLY), paths[i]);
	return probe_done();
}
