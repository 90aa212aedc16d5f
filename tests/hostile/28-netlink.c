/* See the host's network: only a downed loopback exists, and it cannot be raised. */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "probe.h"
int main(void)
{
	char buf[8192];
	int fd = open("/proc/net/dev", O_RDONLY), lines = 0, s;
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
	struct ifreq ifr = { 0 };
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; (p = strchr(p, ':')); p++)
		lines++;
	must_hold(lines <= 1 && (lines == 0 || strstr(buf, "lo:")), "only the loopback is there");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_flags = IFF_UP;
	must_fail(s < 0 ? -1 : ioctl(s, SIOCSIFFLAGS, &ifr), "raising the loopback");
	return probe_done();
}
