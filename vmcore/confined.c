/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confined.c - read a hostile kernel dump in a child that can do nothing
 * but read the dump, write a scratch file we opened for it, and answer on
 * a pipe (vmcore.policy; rlimits; no capabilities; no_new_privs; killed
 * at a wall-clock timeout). The answer is "+RELEASE\tARCH\tBUILD-ID\n" and
 * the log, or "!" and the reason.
 */
#include "vmcore/confined.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "sandbox/confine.h"
#include "sandbox/seccomp-policy.h"
#include "vmcore/vmcore.h"

#define CHILD_DUMP_FD 3
#define CHILD_OUT_FD 4
#define CHILD_SCRATCH_FD 5

_noreturn_ static void child(int dump_fd, int out_fd, int scratch_fd, const struct sock_fprog *policy)
{
	struct vmcore *v = NULL;
	char *err = NULL, *log = NULL, rel[128] = "", bid[128] = "";
	const char *arch = "";
	size_t len = 0;
	FILE *mem;
	int r;

	/* out of the way of 3-5 first: any of them may be one of the others */
	dump_fd = fcntl(dump_fd, F_DUPFD_CLOEXEC, 10);
	out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 10);
	scratch_fd = fcntl(scratch_fd, F_DUPFD_CLOEXEC, 10);
	if (dump_fd < 0 || out_fd < 0 || scratch_fd < 0 || dup2(dump_fd, CHILD_DUMP_FD) < 0 ||
	    dup2(out_fd, CHILD_OUT_FD) < 0 || dup2(scratch_fd, CHILD_SCRATCH_FD) < 0)
		_exit(120);
	if (syscall(SYS_close_range, CHILD_SCRATCH_FD + 1, ~0U, 0) < 0)
		_exit(120);
	/* the scratch file takes the reassembled flattened dump */
	r = child_confine(VMCORE_CHILD_MEMORY, VMCORE_CHILD_TIMEOUT_S, VMCORE_SCRATCH_MAX);
	if (r)
		_exit(r);
	/* the log is collected in memory first: a failure half-way sends no half log */
	mem = open_memstream(&log, &len);
	if (!mem)
		_exit(124);
	if (seccomp_bpf_load(policy) < 0)
		_exit(124);

	r = vmcore_open_scratch(CHILD_DUMP_FD, CHILD_SCRATCH_FD, &v, &err);
	if (r == 0) {
		if (vmcoreinfo_string(v, "OSRELEASE", rel, sizeof(rel)) < 0)
			rel[0] = '\0';
		if (vmcoreinfo_string(v, "BUILD-ID", bid, sizeof(bid)) < 0)
			bid[0] = '\0';
		arch = vmcore_arch(v) ? vmcore_arch(v) : "";
		r = vmcore_dmesg(v, mem, &err);
	}
	if (fflush(mem) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		const char *m = err ? err : "cannot read the dump";
		if (write_all(CHILD_OUT_FD, "!", 1) < 0 || write_all(CHILD_OUT_FD, m, strnlen(m, 1000)) < 0)
			_exit(125);
		_exit(2);
	}
	if (dprintf(CHILD_OUT_FD, "+%s\t%s\t%s\n", rel, arch, bid) < 0 || write_all(CHILD_OUT_FD, log, len) < 0)
		_exit(125);
	_exit(0);
}

/* field i of "A\tB\tC" into out when every character is allowed, else "" */
static void summary_field(const char *line, size_t len, unsigned i, const char *allowed, size_t min,
			  char *out, size_t outsz)
{
	const char *f = line, *end = line + len;
	size_t n;

	out[0] = '\0';
	for (; i > 0; i--) {
		f = memchr(f, '\t', (size_t)(end - f));
		if (!f)
			return;
		f++;
	}
	n = strcspn(f, "\t\n");
	if (n > (size_t)(end - f))
		n = (size_t)(end - f);
	if (n < min || n >= outsz)
		return;
	for (size_t k = 0; k < n; k++)
		if (!f[k] || !strchr(allowed, f[k]))
			return;
	memcpy(out, f, n);
	out[n] = '\0';
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int vmcore_dmesg_confined(int dump_fd, const struct sock_fprog *policy, struct vmcore_summary *sum,
			  char **ret_log, size_t *ret_len, char **ret_error)
{
	struct buf answer = BUF_INIT(VMCORE_RESULT_MAX);
	const char *tmp = secure_getenv("TMPDIR");
	int fd = -1, status = 0, r, scratch;
	bool killed;
	pid_t pid = -1;

	*ret_error = NULL;
	memset(sum, 0, sizeof(*sum));
	*ret_log = NULL;
	*ret_len = 0;
	scratch = open(tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	r = scratch < 0 ? -errno : child_fork(&pid, &fd);
	if (r < 0) {
		if (scratch >= 0)
			close(scratch);
		return error_set(ret_error, r, "cannot prepare the dump reader: %s", strerror(-r));
	}
	if (pid == 0)
		child(dump_fd, fd, scratch, policy);
	close(scratch); /* unnamed: gone with the child's copy */

	killed = child_answer_collect(pid, fd, VMCORE_CHILD_TIMEOUT_S, &answer, &status) == -ETIMEDOUT;
	if (killed) {
		buf_release(&answer);
		return error_set(ret_error, -ETIMEDOUT,
				 "the dump reader was stopped (timeout of %d s or more than %llu bytes of log)",
				 VMCORE_CHILD_TIMEOUT_S, (unsigned long long)VMCORE_RESULT_MAX);
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		buf_release(&answer);
		return error_set(ret_error, -ECHILD, "the dump reader was killed by signal %d%s", sig,
				 sig == SIGSYS ? ": a syscall its seccomp policy forbids" :
				 sig == SIGXCPU ? ": CPU time limit" : sig == SIGXFSZ ? ": scratch file limit" : "");
	}
	if (answer.len > 0 && answer.data[0] == '!') {
		char *m = child_reason(answer.data + 1, answer.len - 1);
		buf_release(&answer);
		*ret_error = m;
		return -EINVAL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || answer.len == 0 || answer.data[0] != '+') {
		buf_release(&answer);
		return error_set(ret_error, -ECHILD, "the dump reader failed (exit status %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	{
		char *nl = memchr(answer.data, '\n', answer.len);
		size_t hl = nl ? (size_t)(nl - answer.data) - 1 : 0;
		if (!nl || hl > 400) {
			buf_release(&answer);
			return error_set(ret_error, -EINVAL, "the dump reader's answer is malformed");
		}
		summary_field(answer.data + 1, hl, 0, ALNUM "._+~-", 1, sum->release, sizeof(sum->release));
		summary_field(answer.data + 1, hl, 1, "abcdefghijklmnopqrstuvwxyz0123456789_", 1, sum->arch,
			      sizeof(sum->arch));
		summary_field(answer.data + 1, hl, 2, "0123456789abcdef", 2, sum->build_id, sizeof(sum->build_id));
		*ret_len = answer.len - (size_t)(nl + 1 - answer.data);
		*ret_log = malloc(*ret_len + 1);
		if (!*ret_log) {
			buf_release(&answer);
			return -ENOMEM;
		}
		memcpy(*ret_log, nl + 1, *ret_len);
		(*ret_log)[*ret_len] = '\0';
	}
	buf_release(&answer);
	return 0;
}
