/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-rpm - a package file in, a tree out: pkg_open() (librpm's header
 * reader and digests, our payload digest) and pkg_extract() (librpm's
 * archive reader, our path checks and file creation) on arbitrary bytes,
 * as rootfs-cache/ runs them on every package a repository serves. Each
 * input that passes is extracted into a fresh directory under /tmp,
 * removed after.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/util.h"
#include "rootfs-cache/package.h"

const char *fuzz_target_name = "rpm";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pkg_limits limits = { .max_bytes = 64 << 20, .max_files = 4096 };
	struct pkg_extract_stats st;
	struct lines files = { 0 };
	struct pkg *p = NULL;
	char *err = NULL;
	int fd, rootfd;

	fd = memfd_create("package", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data, size) < 0)
		abort();
	if (pkg_open(fd, NULL, NULL, &p, &err) == 0) {
		char base[] = "/tmp/fuzz-rpm.XXXXXX";
		if (!mkdtemp(base) || (rootfd = openat_dir(AT_FDCWD, base)) < 0)
			abort();
		if (pkg_extract(p, rootfd, &limits, &files, &st, &err) == 0 && st.bytes > limits.max_bytes)
			__builtin_trap(); /* the limit held */
		close(rootfd);
		if (rm_rf_at_depth(AT_FDCWD, base, 200) < 0)
			abort();
		pkg_free(p);
	}
	lines_release(&files);
	free(err);
	close(fd);
	return 0;
}
