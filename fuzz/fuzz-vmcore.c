/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-vmcore - dump bytes in, info and kernel log out: vmcore_open() on a
 * memfd (ELF, kdump-compressed, flattened), every VMCOREINFO accessor the
 * tool uses, and vmcore_dmesg() into /dev/null. Every failure must say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmcore/vmcore.h"

const char *fuzz_target_name = "vmcore";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmcore *v = NULL;
	char *err = NULL, s[128];
	uint64_t u, regs[27];
	int64_t i;
	int fd = memfd_create("vmcore", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (vmcore_open(fd, &v, &err) == 0) {
		FILE *null = fopen("/dev/null", "w");
		(void)vmcore_format_text(v);
		(void)vmcore_arch(v);
		(void)vmcore_ncpus(v);
		(void)vmcore_dump_level(v);
		(void)vmcore_prstatus_regs(v, regs);
		(void)vmcoreinfo_string(v, "OSRELEASE", s, sizeof(s));
		(void)vmcoreinfo_u64(v, "PAGESIZE", 10, &u);
		(void)vmcoreinfo_i64(v, "NUMBER(phys_base)", &i);
		free(err);
		err = NULL;
		if (vmcore_dmesg(v, null, &err) < 0 && (!err || !*err))
			abort(); /* every failure says why */
		fclose(null);
		vmcore_free(v);
	} else if (!err || !*err) {
		abort();
	}
	free(err);
	close(fd);
	return 0;
}
