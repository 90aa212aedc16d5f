/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-policy - read, check and compare seccomp policy files.
 *   retrace-policy check FILE...   validate (unknown syscalls are errors)
 *   retrace-policy dump FILE       resolved rules, then libseccomp's PFC form
 *   retrace-policy diff A B        what B allows that A does not, and back
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
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

/* One line per resolved rule, without line numbers: comparable text. */
static char **rule_lines(const struct seccomp_policy *p, size_t *ret_n)
{
	char *text = NULL, **lines = NULL, *save = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	seccomp_policy_dump(p, f);
	fclose(f);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hash = strstr(l, "   # line");
		char **nl;
		if (hash)
			*hash = '\0';
		nl = realloc(lines, (n + 1) * sizeof(*lines));
		if (!nl)
			break;
		lines = nl;
		lines[n++] = strdup(l);
	}
	free(text);
	*ret_n = n;
	return lines;
}

static bool has_line(char **lines, size_t n, const char *l)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(lines[i], l) == 0)
			return true;
	return false;
}

static int cmd_diff(const char *a, const char *b)
{
	struct seccomp_policy *pa = NULL, *pb = NULL;
	char **la, **lb;
	size_t na = 0, nb = 0;
	int differ = 0;

	if (load(a, &pa) < 0 || load(b, &pb) < 0)
		return 2;
	la = rule_lines(pa, &na);
	lb = rule_lines(pb, &nb);
	for (size_t i = 0; i < na; i++)
		if (!has_line(lb, nb, la[i])) {
			printf("- %s\n", la[i]);
			differ = 1;
		}
	for (size_t i = 0; i < nb; i++)
		if (!has_line(la, na, lb[i])) {
			printf("+ %s\n", lb[i]);
			differ = 1;
		}
	for (size_t i = 0; i < na; i++)
		free(la[i]);
	for (size_t i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
	seccomp_policy_free(pa);
	seccomp_policy_free(pb);
	return differ;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argv[2]);
	if (argc == 4 && strcmp(argv[1], "diff") == 0)
		return cmd_diff(argv[2], argv[3]);
	fprintf(stderr, "Usage: retrace-policy check FILE...\n"
			"       retrace-policy dump FILE\n"
			"       retrace-policy diff A B   (- only in A, + only in B; exit 1 when they differ)\n");
	return 2;
}
