/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confine.h - shut a daemon into one directory before it serves anything.
 *
 * confine_daemon() gives the calling process a mount namespace whose root is
 * an empty read-only tmpfs holding nothing but `dir` (bound at its own path,
 * nosuid, nodev, noexec), then drops every privilege: when started as root
 * it switches to `user`; otherwise it does the mounting in a user namespace
 * of its own and keeps its uid. Afterwards: no capabilities in any set,
 * bounding set empty, no_new_privs, not dumpable.
 *
 * Must be called while the process has a single thread (unshare of the user
 * and mount namespaces requires it), after everything outside `dir` it needs
 * was opened (config, TLS key, log file, policy) and before the seccomp
 * filter is loaded. Errors come back as a message in *ret_error; the caller
 * logs it and exits.
 */
#ifndef RETRACE_CONFINE_H
#define RETRACE_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int confine_daemon(const char *dir, const char *user, char **ret_error);
/* The same with several directories, each read-only unless writable, bound
 * in order (a later one may lie inside an earlier one); the first is the
 * working directory. */
#define CONFINE_BINDS_MAX 4
struct confine_bind {
	const char *path;
	bool writable;
};
int confine_daemon_binds(const struct confine_bind *binds, size_t nbinds, const char *user, char **ret_error);

/*
 * The flags of the mount holding path that a bind remount must repeat: in a
 * user namespace the kernel refuses to clear them (read-only, atime,
 * nodev, nosuid, noexec).
 */
unsigned long mount_locked_flags(const char *path);

/*
 * Map one id each way into the user namespace of pid (0: our own): the
 * only mapping an unprivileged process may write. setgroups is denied.
 */
int userns_map_ids(pid_t pid, uid_t uid_inside, uid_t uid_outside, gid_t gid_inside,
		   gid_t gid_outside);

/* Drop all capabilities (effective, permitted, inheritable, ambient, bounding). */
int caps_drop_all(void);
/* Empty the bounding set only (needs CAP_SETPCAP unless it is empty already). */
int caps_bounding_drop_all(void);

/*
 * The start of a confined reader (coredump/, vmcore/): a pipe and a fork.
 * In the child (*ret_pid == 0) *ret_fd is the pipe's write end, in the
 * parent its read end; the other end is closed in each.
 */
int child_fork(pid_t *ret_pid, int *ret_fd);

/*
 * The limits and privileges of a confined reader's child, before it loads
 * its seccomp filter: SIGKILL when its parent dies; RLIMIT_AS `memory` (not
 * under AddressSanitizer, which reserves terabytes of address space),
 * RLIMIT_CPU `cpu_s`, no core, no new process, files of at most `fsize`
 * bytes, 8 descriptors; no capability, no_new_privs. 0, or the status the
 * child exits with: 121 (parent-death signal), 122 (a limit), 123
 * (no_new_privs).
 */
int child_confine(uint64_t memory, uint64_t cpu_s, uint64_t fsize);

struct buf;
/*
 * The parent's half of a confined reader (coredump/, vmcore/): read the
 * child's answer from fd (closed here) into `answer` (its max is the
 * limit), kill the child at the timeout or when the answer is too long,
 * reap it. 0, or -ETIMEDOUT when it had to be killed; *ret_status is
 * waitpid()'s status either way.
 */
int child_answer_collect(pid_t pid, int fd, unsigned timeout_s, struct buf *answer, int *ret_status);

/* A child's "!reason" answer as a printable string of at most 1000 bytes. */
char *child_reason(const char *data, size_t len);

#endif
