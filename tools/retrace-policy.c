/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-policy - read, check and compare seccomp policy files.
 *   retrace-policy check FILE...   validate (unknown syscalls are errors)
 *   retrace-policy dump FILE       resolved rules, then libseccomp's PFC form
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/seccomp-policy.h"

static int load(const char *path, struct seccomp_policy **ret)
{
	_cleanup_free_ char *err = NULL;
	int r = seccomp_policy_load_file(path, ret, &err);
	if (r < 0)
		fprintf(stderr, "%s\n", err ? err : strerror(-r));
	return r;
}

static int cmd_check(int argc, char **argv)
{
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		struct seccomp_policy *p = NULL;
		_cleanup_free_ char *err = NULL;
		scmp_filter_ctx ctx;

		if (load(argv[i], &p) < 0) {
			bad = 1;
			continue;
		}
		/* Compiling finds what parsing cannot (libseccomp's own refusals). */
		if (seccomp_policy_compile(p, 0, &ctx, &err) < 0) {
			fprintf(stderr, "%s\n", err ? err : "compile failed");
			bad = 1;
		} else {
			seccomp_release(ctx);
			printf("%s: ok\n", argv[i]);
		}
		seccomp_policy_free(p);
	}
	return bad;
}

static int cmd_dump(const char *path)
{
	struct seccomp_policy *p = NULL;
	_cleanup_free_ char *err = NULL;
	scmp_filter_ctx ctx;

	if (load(path, &p) < 0)
		return 1;
	printf("# resolved rules of %s\n", path);
	seccomp_policy_dump(p, stdout);
	if (seccomp_policy_compile(p, 0, &ctx, &err) < 0) {
		fprintf(stderr, "%s\n", err ? err : "compile failed");
		seccomp_policy_free(p);
		return 1;
	}
	printf("\n# the filter, in libseccomp's pseudo filter code\n");
	fflush(stdout);
	seccomp_export_pfc(ctx, STDOUT_FILENO);
	seccomp_release(ctx);
	seccomp_policy_free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argv[2]);
	fprintf(stderr, "Usage: retrace-policy check FILE...\n"
			"       retrace-policy dump FILE\n");
	return 2;
}
