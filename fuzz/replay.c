/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.c - run a libFuzzer target over its corpus without libFuzzer, as a
 * TAP test: one check per corpus file. Built with gcc in `make check` (and
 * with sanitizers under SANITIZE=...). The corpus is fuzz/corpus/<target>/
 * in RETRACE_SRC, or the directories given as arguments.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const char *fuzz_target_name;

static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	int files = 0;

	if (n < 0) {
		printf("# cannot read %s\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (list[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			/* A crash or sanitizer report ends the process: prove sees it. */
			ok(replay_file(path) == 0, "%s: %s", fuzz_target_name, list[i]->d_name);
			files++;
		}
		free(list[i]);
	}
	free(list);
	return files;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			total += replay_dir(argv[i]) > 0;
	} else {
		const char *src = secure_getenv("RETRACE_SRC");
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", src ? src : ".", fuzz_target_name);
		total = replay_dir(dir);
	}
	if (total <= 0)
		printf("# empty corpus: a replay that checks nothing fails\n");
	return tap_done();
}
