/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker/analyze.c: the release id from what clients send, and our own
 * exploitability rating from the signal and the faulting instruction. */
#include <signal.h>
#include <string.h>

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
	exploitable_rate(sig, 0, addr, pc_line, &e);
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
	exploitable_rate(SIGSEGV, 0, 0, "=> 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)", &e);
	ok(strstr(e.reason, "NULL pointer dereference (write") != NULL, "NULL write: the reason says write");
	exploitable_rate(SIGSEGV, 0, 8, "=> 0x401000 <f>:\tmov    0x8(%rax),%eax", &e);
	ok(strstr(e.reason, "(read") != NULL, "NULL read: the reason says read");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x401000 <f>:\tmov    %eax,(%rdx)"), 6, "wild write: 6");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x401000 <f>:\tmov    (%rdx),%eax"), 3, "wild read: 3");
	is_int(rate(SIGSEGV, 0x41414141ULL, "=> 0x41414141:\tCannot access memory at address 0x41414141"), 8,
	       "jump to a wild address: 8");
	is_int(rate(SIGABRT, 0, NULL), 0, "abort: 0");
	is_int(rate(SIGILL, 0, NULL), 5, "illegal instruction: 5");
	is_int(rate(SIGFPE, 0, "=> 0x401000 <f>:\tidiv   %ecx"), 0, "division by zero: 0");
	exploitable_rate(SIGSEGV, 0, 0, "=> 0x7fd919ec10fb <rtlib_store+2>:\tmov    %esi,(%rdi)", &e);
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
