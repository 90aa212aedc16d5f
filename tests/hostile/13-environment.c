/* Learn the supervisor's secrets from the environment or pid 1. */
#include "probe.h"
extern char **environ;
int main(void)
{
	char buf[4096];
	int fd = open("/proc/1/environ", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	must_hold(n <= 0, "pid 1's environment is not readable or empty");
	for (char **e = environ; *e; e++)
		must_hold(!strncmp(*e, "PATH=", 5) || !strncmp(*e, "HOME=", 5) || !strncmp(*e, "LC_ALL=", 7) ||
				  !strncmp(*e, "TERM=", 5),
			  *e);
	return probe_done();
}
