/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-rpm - a package file in, a tree out: pkg_open() (librpm's header
 * reader and digests, our payload digest) and pkg_extract() (librpm's
 * archive reader, our path checks and file creation) on arbitrary bytes,
 * as rootfs-cache/ runs them on every package a repository serves. Each
 * input that passes is extracted into a fresh directory under /tmp,
 * removed after. Inputs whose lead has bit 0 of its last reserved byte
 * (offset 95, covered by no digest) set are extracted partially, as the
 * kernel tasks' vmlinux trees are (pkg_extract_only(): the second link of
 * a hard-link set and a symlink of the seed packages' layout).
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
		if (size > 95 && (data[95] & 1)) {
			/* "name-version-release.arch": the seeds keep their files under /usr/share/<name>/ */
			char name[128], a[200], b[200];
			const char *nevra = pkg_get_info(p)->nevra, *d2 = NULL, *d1 = NULL;
			for (const char *c = nevra; *c; c++)
				if (*c == '-') {
					d2 = d1;
					d1 = c;
				}
			snprintf(name, sizeof(name), "%.*s", d2 ? (int)(d2 - nevra) : 0, nevra);
			snprintf(a, sizeof(a), "/usr/share/%s/link-2", name);
			snprintf(b, sizeof(b), "/usr/share/%s/symlink", name);
			const char *only[] = { a, b, NULL };
			if (pkg_extract_only(p, rootfd, only, &limits, &files, &st, &err) == 0 &&
			    (st.bytes > limits.max_bytes || st.files + st.hardlinks + st.symlinks > 3))
				__builtin_trap(); /* the limit held; the two, and link-1 (the set's content entry) */
		} else if (pkg_extract(p, rootfd, &limits, &files, &st, &err) == 0 && st.bytes > limits.max_bytes)
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
