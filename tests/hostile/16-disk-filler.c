/* Fill /tmp and make a huge sparse file: stopped by the tmpfs size and RLIMIT_FSIZE. */
#include <signal.h>
#include "probe.h"
int main(int argc, char **argv)
{
	static char block[1 << 20];
	size_t limit = (size_t)(argc > 1 ? (int)strtol(argv[1], NULL, 10) : 64), mib = 0;
	int fd = open("/tmp/fill", O_WRONLY | O_CREAT, 0644);
	signal(SIGXFSZ, SIG_IGN);
	while (mib < 100000 && write(fd, block, sizeof(block)) == (ssize_t)sizeof(block))
		mib++;
	printf("wrote %zu MiB\n", mib);
	must_hold(mib <= limit, "/tmp filled only up to its size");
	must_fail(pwrite(fd, "x", 1, (off_t)1 << 40), "a 1 TiB sparse file");
	return probe_done();
}
