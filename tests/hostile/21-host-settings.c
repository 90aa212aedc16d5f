/* Change the host: hostname, clock, reboot. */
#include <sys/reboot.h>
#include <time.h>
#include "probe.h"
int main(void)
{
	struct timespec ts = { 0, 0 };
	must_fail(sethostname("pwned", 5), "sethostname");
	must_fail(clock_settime(CLOCK_REALTIME, &ts), "clock_settime");
	must_fail(reboot(RB_POWER_OFF), "reboot");
	return probe_done();
}
