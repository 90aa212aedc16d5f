/*
 * Hold memory outside the address space limit: memfds filled with write()
 * and never mapped (RLIMIT_AS does not see them; only a memory cgroup
 * would), then files in /tmp. Without a cgroup - the unprivileged worker's
 * case - the filter refuses memfd_create (ENOSYS), so what the program can
 * hold this way is the sandbox's /tmp, a tmpfs of argv[1] MiB. It tries
 * for 1 GiB.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include "probe.h"

#define CHUNK (1 << 20)
#define WANT_MIB 1024

/* Write MiB chunks to fd until it refuses or want is reached; MiB written. */
static int fill(int fd, int want, const char *chunk)
{
	int got = 0;
	while (got < want && write(fd, chunk, CHUNK) == CHUNK)
		got++;
	return got;
}

int main(int argc, char **argv)
{
	int tmp_mib = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 16, in_memfd = 0, in_tmp = 0;
	char *chunk = malloc(CHUNK);

	if (!chunk)
		return 2;
	memset(chunk, 'm', CHUNK);
	for (int i = 0; i < 64 && in_memfd < WANT_MIB; i++) {
		int fd = (int)syscall(SYS_memfd_create, "hoard", 0);
		if (fd < 0) {
			printf("contained: memfd_create: %s\n", strerror(errno));
			break;
		}
		in_memfd += fill(fd, 64, chunk); /* kept open: the memory stays held */
	}
	for (int i = 0; i < 64 && in_memfd + in_tmp < WANT_MIB; i++) {
		char name[32];
		snprintf(name, sizeof(name), "/tmp/hoard.%d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			break;
		int got = fill(fd, 64, chunk);
		in_tmp += got;
		if (got < 64)
			break; /* the tmpfs is full */
	}
	printf("held %d MiB in memfds, %d MiB in /tmp\n", in_memfd, in_tmp);
	must_hold(in_memfd == 0, "no memory held in memfds");
	must_hold(in_tmp <= tmp_mib, "no more held in /tmp than its tmpfs's size");
	return probe_done();
}
