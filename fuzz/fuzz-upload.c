/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-upload - archive bytes in, accept or reject out: the whole upload
 * path (our gzip/xz decoder, libarchive's tar reader or the bare-core
 * check, our checks and the writes into a crash directory) with small
 * limits. An input of odd length is a kernel task's body, of even length
 * a coredump task's.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "httpd/upload.h"

const char *fuzz_target_name = "upload";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	struct upload_limits lim = {
		.max_packed = 1 << 20,
		.max_unpacked = 4 << 20,
		.min_storage_left = 0,
		/* both kinds of bare core: a coredump task's and a kernel task's */
		.bare_file = (size & 1) ? CRASH_FILE_VMCORE : CRASH_FILE_COREDUMP,
	};
	struct upload_result res;
	int fd;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/retrace-fuzz-upload-%d", (int)getpid());
		mkdir(dir, 0700);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	/* Feed in odd-sized pieces, as the network would. */
	if (upload_run_buffer(fd, &lim, data, size, 4099, &res) < 0)
		abort();
	if (res.http_status == 0 && res.files == 0 && size > 0) {
		/* accepted, but nothing in it: fine (an empty tar) */
	}
	if (res.http_status != 0 && res.message[0] == '\0')
		abort(); /* every refusal must say why */
	if (res.http_status == 0 && res.bare) {
		/* a bare core is its one file, of the size counted */
		struct stat st;
		if (res.files != 1U << lim.bare_file ||
		    fstatat(fd, crash_file_name(lim.bare_file), &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (uint64_t)st.st_size != res.unpacked)
			abort();
	}
	/* Empty the directory for the next input. */
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			static const char *const names[] = { "coredump", "executable", "package",
							     "packages", "os_release",
							     "os_release_in_rootdir", "rootdir",
							     "release", "vmcore" };
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				unlinkat(dfd, names[i], 0);
			close(dfd);
		}
	}
	close(fd);
	return 0;
}

__attribute__((destructor)) static void remove_fuzz_dir(void)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/retrace-fuzz-upload-%d", (int)getpid());
	rmdir(dir);
}
