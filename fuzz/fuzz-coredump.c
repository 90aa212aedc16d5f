/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-coredump - core bytes in, module list out: coredump_read() with
 * small limits on a memfd, then the result printed both ways and sent
 * through the reader's line format and back (what the worker's parent
 * process does with the child's answer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coredump/confined.h"
#include "coredump/coredump.h"

const char *fuzz_target_name = "coredump";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coredump_limits lim;
	struct coredump *cd = NULL, *back = NULL;
	char *err = NULL, *ser = NULL;
	size_t len = 0;
	FILE *null;
	int fd;

	coredump_limits_default(&lim);
	lim.max_read_bytes = 8 << 20;
	lim.max_modules = 256;
	lim.max_threads = 256;
	lim.max_files = 4096;
	fd = memfd_create("core", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (coredump_read(fd, &lim, &cd, &err) == 0) {
		null = fopen("/dev/null", "w");
		coredump_print_unstrip(cd, null);
		coredump_print_json(cd, null);
		fclose(null);
		if (coredump_serialize(cd, &ser, &len) != 0)
			abort();
		if (coredump_deserialize(ser, len, &lim, &back, &err) != 0)
			abort(); /* our own answer must always parse */
		if (back->nmodules != cd->nmodules || back->nthreads != cd->nthreads)
			abort();
		coredump_free(back);
		free(ser);
		coredump_free(cd);
	} else if (!err || !*err) {
		abort(); /* every failure says why */
	}
	free(err);
	close(fd);
	return 0;
}
