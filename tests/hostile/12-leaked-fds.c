/* Use a descriptor leaked from the supervisor: only 0, 1, 2 are open. */
#include "probe.h"
int main(void)
{
	int leaked = 0;
	for (int fd = 3; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0) {
			printf("fd %d is open\n", fd);
			leaked++;
		}
	must_hold(leaked == 0, "no descriptor besides 0, 1, 2");
	return probe_done();
}
