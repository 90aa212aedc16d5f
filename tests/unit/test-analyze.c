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
	return tap_done();
}
