/* kill(-1): only the sandbox's own processes can be hit. */
#include <signal.h>
#include "probe.h"
int main(void)
{
	/* The kernel drops SIGKILL sent to a namespace's init from inside it. */
	kill(1, SIGKILL);
	usleep(100 * 1000);
	must_hold(kill(1, 0) == 0, "pid 1 of the sandbox survives SIGKILL from inside");
	kill(-1, SIGKILL); /* whatever it reaches, the host must survive (checked outside) */
	return probe_done();
}
