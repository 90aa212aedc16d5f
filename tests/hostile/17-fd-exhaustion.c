/* Open descriptors until refused: stopped by RLIMIT_NOFILE. */
#include "probe.h"
int main(void)
{
	int n = 0;
	while (n < 100000 && open("/dev/null", O_RDONLY) >= 0)
		n++;
	printf("opened %d\n", n);
	must_hold(n < 4096, "descriptors are limited");
	return probe_done();
}
