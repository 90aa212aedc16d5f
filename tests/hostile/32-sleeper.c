/* Not a probe: a sandboxed program that waits, for probe 30 to look for. */
#include "probe.h"
int main(void)
{
	sleep(30);
	return 0;
}
