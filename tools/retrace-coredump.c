/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-coredump - list what a coredump says: modules and build-ids (in
 * eu-unstrip -n --core's format), or everything as JSON. The core is
 * parsed in a child process that can only read it and write the result.
 *   retrace-coredump [--json] [--policy FILE] [--no-confine] CORE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/macro.h"
#include "coredump/confined.h"
#include "coredump/coredump.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-coredump [--json] [--policy FILE] [--no-confine] CORE\n"
		   "  --json         everything the core says, as JSON\n"
		   "  --policy FILE  seccomp policy of the reader (default %s/coredump.policy)\n"
		   "  --no-confine   parse in this process (debugging only)\n",
		config_default_policy_dir());
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "policy", required_argument, NULL, 'p' },
		{ "no-confine", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ char *policy_buf = NULL;
	const char *policy = NULL;
	bool json = false, confine = true;
	_cleanup_free_ char *err = NULL;
	struct coredump *cd = NULL;
	int c, fd, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		switch (c) {
		case 'j': json = true; break;
		case 'p': policy = optarg; break;
		case 'n': confine = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "retrace-coredump: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (confine && !policy) {
		if (asprintf(&policy_buf, "%s/coredump.policy", config_default_policy_dir()) < 0) {
			close(fd);
			fprintf(stderr, "retrace-coredump: %s\n", strerror(ENOMEM));
			return 1;
		}
		policy = policy_buf;
	}
	if (confine)
		r = coredump_read_confined_file(fd, policy, NULL, &cd, &err);
	else
		r = coredump_read(fd, NULL, &cd, &err);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "retrace-coredump: %s: %s\n", argv[optind], err ? err : strerror(-r));
		return 1;
	}
	r = json ? coredump_print_json(cd, stdout) : coredump_print_unstrip(cd, stdout);
	coredump_free(cd);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}
