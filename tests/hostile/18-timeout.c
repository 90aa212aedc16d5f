/* Run forever, ignoring SIGTERM, in a new session, with a child: killed at the timeout. */
#include <signal.h>
#include "probe.h"
int main(void)
{
	signal(SIGTERM, SIG_IGN);
	setsid();
	if (fork() == 0)
		for (;;)
			;
	for (;;)
		;
}
