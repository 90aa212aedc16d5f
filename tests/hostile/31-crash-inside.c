/* Crash: no core may land anywhere (RLIMIT_CORE 0, read-only root). */
#include <signal.h>
#include "probe.h"
int main(void)
{
	raise(SIGSEGV);
	return 1;
}
