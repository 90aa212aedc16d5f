/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-vmcore - what a kernel crash dump says, without debuginfo:
 *   retrace-vmcore info VMCORE    format, kernel release, architecture, page
 *                                 size, dump level, CPUs, the crashing CPU's
 *                                 registers where the dump has them
 *   retrace-vmcore dmesg VMCORE   the kernel log, as makedumpfile --dump-dmesg
 *   retrace-vmcore --policy vmcore.policy dmesg VMCORE
 *                                 the same, read in a confined child (what the
 *                                 worker does with uploaded dumps)
 * Reads ELF64, kdump-compressed (zlib, LZO, snappy, zstd) and makedumpfile's
 * flattened format. Exit status: 0; 1 the dump is unreadable (the message
 * says why); 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/seccomp-policy.h"
#include "vmcore/confined.h"
#include "vmcore/vmcore.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-vmcore [--policy FILE] info|dmesg VMCORE\n");
}

static void info(struct vmcore *v)
{
	static const char *const regs[] = { "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
					    "r8",  "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
					    "eflags", "rsp", "ss" };
	char s[256];
	uint64_t u, r[27];

	printf("format: %s\n", vmcore_format_text(v));
	printf("release: %s\n", vmcoreinfo_string(v, "OSRELEASE", s, sizeof(s)) == 0 ? s : "unknown (no VMCOREINFO)");
	printf("architecture: %s\n", vmcore_arch(v));
	if (vmcoreinfo_string(v, "BUILD-ID", s, sizeof(s)) == 0)
		printf("build-id: %s\n", s);
	if (vmcoreinfo_u64(v, "PAGESIZE", 10, &u) == 0)
		printf("page size: %llu\n", (unsigned long long)u);
	if (vmcore_dump_level(v) >= 0)
		printf("dump level: %d\n", vmcore_dump_level(v));
	printf("cpus: %u\n", vmcore_ncpus(v));
	if (vmcoreinfo_u64(v, "CRASHTIME", 10, &u) == 0)
		printf("crash time: %llu\n", (unsigned long long)u);
	if (vmcoreinfo_string(v, "KERNELOFFSET", s, sizeof(s)) == 0)
		printf("kernel offset: 0x%s\n", s);
	if (vmcore_prstatus_regs(v, r)) {
		printf("registers of the first CPU note:");
		for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
			printf("%s %s 0x%llx", i % 4 ? "" : "\n ", regs[i], (unsigned long long)r[i]);
		printf("\n");
	}
}

static int dmesg_confined(int fd, const char *path, const char *policy)
{
	struct vmcore_summary sum;
	char *log = NULL, *err = NULL;
	size_t len = 0;
	struct sock_fprog *bpf = NULL;
	int r = seccomp_policy_bpf_file(policy, 0, &bpf, &err);

	if (r == 0)
		r = vmcore_dmesg_confined(fd, bpf, &sum, &log, &len, &err);
	free(bpf);

	if (r < 0) {
		fprintf(stderr, "retrace-vmcore: %s: %s\n", path, err ? err : strerror(-r));
		free(err);
		return 1;
	}
	fwrite(log, 1, len, stdout);
	free(log);
	return fflush(stdout) != 0;
}

int main(int argc, char **argv)
{
	struct vmcore *v = NULL;
	const char *policy = NULL;
	char *err = NULL;
	int fd, r;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--policy") == 0) {
		policy = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 || (strcmp(argv[1], "info") != 0 && strcmp(argv[1], "dmesg") != 0) ||
	    (policy && argv[1][0] == 'i')) {
		usage(stderr);
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "retrace-vmcore: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (policy) {
		r = dmesg_confined(fd, argv[2], policy);
		close(fd);
		return r;
	}
	r = vmcore_open(fd, &v, &err);
	if (r < 0) {
		fprintf(stderr, "retrace-vmcore: %s: %s\n", argv[2], err ? err : strerror(-r));
		free(err);
		close(fd);
		return 1;
	}
	if (argv[1][0] == 'i') {
		info(v);
	} else {
		r = vmcore_dmesg(v, stdout, &err);
		if (r < 0)
			fprintf(stderr, "retrace-vmcore: %s: %s\n", argv[2], err ? err : strerror(-r));
		free(err);
	}
	vmcore_free(v);
	close(fd);
	if (fflush(stdout) != 0)
		return 1;
	return r < 0 ? 1 : 0;
}
