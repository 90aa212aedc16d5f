/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker/analyze.c: the release id from what clients send, and our own
 * exploitability rating from the signal and the faulting instruction. */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "../../common/macro.h"
#include "../../worker/analyze.h"
#include "../lib/tap.h"

static const char *guess(const char *os_release, const char *package, const char *arch)
{
	static char out[RELEASE_GUESS_MAX];
	const char *src = NULL;
	if (release_guess(os_release, package, arch, out, &src) < 0)
		return "ENOENT";
	return out;
}

static int rate(int sig, unsigned long long addr, const char *pc_line)
{
	struct exploitable e;
	exploitable_rate(sig, 0, addr, pc_line, NULL, &e);
	return e.rating;
}

int main(void)
{
	struct exploitable e;
	char text[512];

	is_str(guess("Fedora release 39 (Thirty Nine)", NULL, "x86_64"), "fedora-39-x86_64", "Fedora");
	is_str(guess("Fedora release 41 (Rawhide)", NULL, "aarch64"), "fedora-rawhide-aarch64", "Fedora Rawhide");
	is_str(guess("Red Hat Enterprise Linux release 8.6 (Ootpa)", NULL, "x86_64"), "rhel-8.6-x86_64", "RHEL with a minor");
	is_str(guess("CentOS Stream release 9", NULL, "x86_64"), "centos-9-x86_64", "CentOS Stream");
	is_str(guess("NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40\n", NULL, "x86_64"), "fedora-40-x86_64",
	       "os-release ID and VERSION_ID");
	is_str(guess(NULL, "coreutils-9.3-1.fc39", "i686"), "fedora-39-i386", "the dist tag, i686 as i386");
	is_str(guess("Something else", "bash-5.1.8-6.el9", "x86_64"), "rhel-9-x86_64", "unknown os_release: the dist tag");
	is_str(guess("Something else", "bash-5.1", "x86_64"), "ENOENT", "nothing names a release");
	is_str(guess("ID=../../etc\nVERSION_ID=1\n", NULL, "x86_64"), "ENOENT", "a hostile os-release ID is refused");
	is_str(guess("Fedora release 39", NULL, NULL), "ENOENT", "no architecture, no release");

	is_int(rate(SIGSEGV, 0, "=> 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)"), 1, "NULL write: 1");
	exploitable_rate(SIGSEGV, 0, 0, "=> 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)", NULL, &e);
	ok(strstr(e.reason, "NULL pointer dereference (write") != NULL, "NULL write: the reason says write");
	exploitable_rate(SIGSEGV, 0, 8, "=> 0x401000 <f>:\tmov    0x8(%rax),%eax", NULL, &e);
	ok(strstr(e.reason, "(read") != NULL, "NULL read: the reason says read");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x401000 <f>:\tmov    %eax,(%rdx)"), 6, "wild write: 6");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x401000 <f>:\tmov    (%rdx),%eax"), 3, "wild read: 3");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x41414141:\tCannot access memory at address 0x41414141"), 8,
	       "jump to a wild address: 8");
	/* the faulting thread's registers (x86_64 names as the core reader gives them) */
	{
		static const char *const names64[] = { "rax", "rdi", "rsp", "rbx" };
		static const uint64_t vals64[] = { 0x4242424242424242ULL, 0x4141414141414141ULL,
						   0x7ffc00001000ULL, 0x10 };
		struct exploitable_regs r64 = { names64, vals64, 4, true };
		static const char *const names32[] = { "eax", "esp", "edi" };
		static const uint64_t vals32[] = { 0x41414141, 0xff001000, 7 };
		struct exploitable_regs r32 = { names32, vals32, 3, false };

		/* x86_64 general protection: si_code SI_KERNEL, si_addr 0 - not NULL */
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401615 <store>:\tmov    %esi,(%rdi)", &r64, &e);
		is_int(e.rating, 6, "a store through a non-canonical pointer: 6, not NULL");
		is_str(e.reason, "Write to an invalid address (0x4141414141414141, non-canonical)", "... its address from %rdi");
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x40161f <call+4>:\tcall   *%rax", &r64, &e);
		is_int(e.rating, 8, "call *%rax to a non-canonical address: 8");
		ok(strstr(e.reason, "0x4242424242424242, non-canonical") != NULL, "... the target from %%rax: %s", e.reason);
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401000 <f>:\tmov    -0x8(%rdi,%rbx,2),%eax", &r64, &e);
		ok(e.rating == 3 && strstr(e.reason, "0x4141414141414159"), "disp(base,index,scale): %s", e.reason);
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401000 <f>:\tmov    %eax,%fs:0x28", &r64, &e);
		ok(e.rating == 6 && strstr(e.reason, "address not known"), "an %%fs: operand: the address unknown: %s", e.reason);
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401641 <smash+27>:\tret", &r64, &e);
		is_int(e.rating, 7, "ret faulting with SI_KERNEL: a smashed return address, 7");
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401000 <f>:\tlock addl $0x1,0x10(%rbx)", &r64, &e);
		ok(e.rating == 1 && strstr(e.reason, "write at 0x20"), "a prefix skipped, a NULL-page RMW: %s", e.reason);
		/* i386 (page faults: si_addr is the address) */
		static const struct {
			uint64_t addr;
			const char *line;
			int rating;
			const char *what;
		} i386[] = {
			{ 0x41414141, "=> 0x80498df <main+434>:\tmov    %edi,0x41414141", 6,
			  "mov %edi,0x41414141: an absolute address is a memory operand, a store" },
			{ 0x41414141, "=> 0x80498df <main+434>:\tmov    0x41414141,%edi", 3, "... and the load from it a read" },
			{ 0xff000ff0, "=> 0x8049710 <recurse+6>:\tmov    %al,(%esp)", 4,
			  "a fault just below the stack pointer: stack overflow" },
			{ 0x41414141, "=> 0x8049000 <f>:\tmovl   $0x1,0x41414141  # comment", 6,
			  "an immediate and a comment: still the store" },
			{ 0x43434343, "=> 0x8049000 <f>:\tcmpl   $0x0,0x43434343", 3, "cmp reads its memory operand" },
			{ 0x43434343, "=> 0x8049000 <f>:\trep stos %eax,%es:(%edi)", 6, "rep stos: a string store" },
		};
		for (size_t i = 0; i < ELEMENTSOF(i386); i++) {
			exploitable_rate(SIGSEGV, 1, i386[i].addr, i386[i].line, &r32, &e);
			is_int(e.rating, i386[i].rating, i386[i].what);
		}
		exploitable_rate(SIGSEGV, SI_KERNEL, 0, "=> 0x401000 <f>:\tmov    %eax,(%rcx)", &r64, &e);
		ok(e.rating == 6 && strstr(e.reason, "address not known"), "a register the core lacks: unknown: %s", e.reason);
	}
	is_int(rate(SIGABRT, 0, NULL), 0, "abort: 0");
	is_int(rate(SIGILL, 0, NULL), 5, "illegal instruction: 5");
	is_int(rate(SIGFPE, 0, "=> 0x401000 <f>:\tidiv   %ecx"), 0, "division by zero: 0");
	exploitable_rate(SIGSEGV, 0, 0, "=> 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)", NULL, &e);
	ok(exploitable_format(&e, text, sizeof(text)) > 0 &&
		   strstr(text, "Exploitable rating (0-9 scale): 1\n") &&
		   strstr(text, "Likely crash reason: NULL pointer dereference") &&
		   strstr(text, "Current instruction: 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)\n"),
	   "results/exploitable has the lines clients parse");
	/* the modules an oops names */
	{
		char m[8][KERNEL_MODULE_NAME_MAX];
		static const char log1[] =
			"[    1.0] Modules linked in: early_one\n"
			"[    2.5] Modules linked in: qemu_fw_cfg(E) nf_tables(OE) xfs qemu_fw_cfg bad/name "
			"a(b [last unloaded: gone]\n"
			"[    2.6] CPU: 0 PID: 1\n";
		size_t n = kernel_log_modules(log1, strlen(log1), m, 8);
		is_int((long long)n, 4, "Modules linked in: the last line, four distinct names");
		is_str(n > 0 ? m[0] : "", "qemu_fw_cfg", "taint flags dropped");
		is_str(n > 1 ? m[1] : "", "nf_tables", "(OE) dropped");
		is_str(n > 2 ? m[2] : "", "xfs", "a plain name");
		is_str(n > 3 ? m[3] : "", "a", "\"a(b\": the name before the flags");
		n = kernel_log_modules(log1, strlen(log1), m, 2);
		is_int((long long)n, 2, "at most max names");
		is_int((long long)kernel_log_modules("no oops here\n", 13, m, 8), 0, "no such line: none");
		static const char log2[] = "x Modules linked in:";
		is_int((long long)kernel_log_modules(log2, strlen(log2), m, 8), 0, "the marker at the very end: none");
		static const char log3[] =
			"Modules linked in: a12345678901234567890123456789012345678901234567890123456789012345 ok";
		n = kernel_log_modules(log3, strlen(log3), m, 8);
		is_int((long long)n, 1, "a name of 64+ characters is left out");
	}
	/* crash's `mod` listing */
	{
		char m[8][KERNEL_MODULE_NAME_MAX];
		static const char mod[] =
			"     MODULE       NAME               BASE         SIZE  OBJECT FILE\n"
			"ffffffffc03342c0  qemu_fw_cfg  ffffffffc0331000  20480  (not loaded)  [CONFIG_KALLSYMS]\n"
			"ffffffffc0400000  xfs          ffffffffc0390000  1900544  /kernel/modules/x/xfs.ko.debug\n"
			"mod: cannot find or load object file for ext4 module\n"
			"ffffffffc0500000  ../etc  ffffffffc0390000  1  -\n"
			"ffffffffc03342c0  qemu_fw_cfg  ffffffffc0331000  20480  (not loaded)\n";
		size_t n = crash_mod_names(mod, strlen(mod), m, 8);
		is_int((long long)n, 2, "mod: two modules, the header, a message, a bad name and a repeat left out");
		is_str(n > 0 ? m[0] : "", "qemu_fw_cfg", "mod: the first");
		is_str(n > 1 ? m[1] : "", "xfs", "mod: the second");
	}
	return tap_done();
}
