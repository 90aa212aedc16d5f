/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rate-core CORE PC-LINE: the results/exploitable text the worker writes
 * for CORE, with PC-LINE the `x/i $pc` line gdb printed for it - the
 * worker's own exploitable_rate_core() over our core reader, for t0830's
 * real cores of each class without a package repository around them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "coredump/coredump.h"
#include "worker/task.h"

int main(int argc, char **argv)
{
	struct coredump_limits lim;
	struct coredump *cd = NULL;
	struct exploitable e;
	char *err = NULL, text[1024];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: rate-core CORE PC-LINE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	coredump_limits_default(&lim);
	if (fd < 0 || coredump_read(fd, &lim, &cd, &err) < 0) {
		fprintf(stderr, "rate-core: %s: %s\n", argv[1], err ? err : "cannot open");
		return 1;
	}
	exploitable_rate_core(cd, argv[2][0] ? argv[2] : NULL, &e);
	if (exploitable_format(&e, text, sizeof(text)) < 0)
		return 1;
	fputs(text, stdout);
	coredump_free(cd);
	free(err);
	close(fd);
	return 0;
}
