/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analyze.h - what the worker works out from a task's small files and its
 * gdb output, without touching anything: the release id, and the
 * exploitability rating. Pure functions (unit-tested), no logging.
 */
#ifndef RETRACE_ANALYZE_H
#define RETRACE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELEASE_GUESS_MAX 64

/*
 * The release id ("fedora-39-x86_64") from the client's os_release (or
 * release) text — "Fedora release 39 (Thirty Nine)", "Red Hat Enterprise
 * Linux release 8.6 (Ootpa)", "CentOS Stream release 9", or os-release's
 * ID=/VERSION_ID= lines — else from the dist tag of the package NVR
 * (.fc39, .el8), and the core's architecture. -ENOENT when neither says.
 * *ret_source tells which file decided.
 */
int release_guess(const char *os_release, const char *package, const char *arch,
		  char ret[RELEASE_GUESS_MAX], const char **ret_source);

/*
 * The architecture name releases use ("x86_64", "i386", "aarch64",
 * "ppc64le", "ppc64", "s390x") of an ELF file's first
 * ELF_ARCH_HEADER_BYTES bytes; NULL when they are not an ELF header of one
 * of those machines.
 */
#define ELF_ARCH_HEADER_BYTES 20
const char *elf_header_arch(const unsigned char *hdr, size_t len);

/*
 * The modules the kernel named in the last "Modules linked in:" line of
 * its log (an oops prints it): names of [A-Za-z0-9_-], taint flags such as
 * "(OE)" removed, duplicates and "[last unloaded: ...]" left out, at most
 * max of them. Returns how many were written to names.
 */
#define KERNEL_MODULE_NAME_MAX 64
size_t kernel_log_modules(const char *log, size_t len, char (*names)[KERNEL_MODULE_NAME_MAX], size_t max);

/*
 * The module names in crash's `mod` output (lines "ADDRESS NAME BASE SIZE
 * OBJECT": the address in hex), with the same rules as above.
 */
size_t crash_mod_names(const char *text, size_t len, char (*names)[KERNEL_MODULE_NAME_MAX], size_t max);

struct exploitable {
	int rating;           /* 0-9, the original's scale */
	char reason[160];     /* "Likely crash reason:" */
	char instruction[256];/* the faulting instruction as gdb printed it, or "" */
};

/* The faulting thread's registers, by the names of coredump_reg_name(). */
struct exploitable_regs {
	const char *const *names;
	const uint64_t *values;
	size_t n;
	bool is64; /* x86_64: addresses must be canonical */
};

/*
 * Our own rating from the signal, si_code, the fault address and the
 * instruction at the program counter (gdb's `x/i $pc` line, may be NULL),
 * whose access is classified as abrt's exploitable plugin does (a store's
 * destination, read-modify-write and string stores are writes; absolute
 * addresses are memory operands too): an abort or arithmetic error 0, a
 * NULL-page access 1, a read of a wild address 3, a fault on a push or call
 * 4 (stack overflow), an illegal instruction 5, a write to a wild address 6,
 * a return through a wild address 7, a jump or call to one 8. A general
 * protection fault (si_code SI_KERNEL: x86_64's non-canonical addresses)
 * reports no address; then it is the operand's, from regs (may be NULL).
 */
void exploitable_rate(int signal, int si_code, uint64_t fault_addr, const char *pc_line,
		      const struct exploitable_regs *regs, struct exploitable *ret);
/* The results/exploitable text (the lines clients parse). */
int exploitable_format(const struct exploitable *e, char *buf, size_t size);

#endif
