/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confined.h - read a hostile core in a child process that can do nothing
 * but read the core and write its findings to a pipe.
 *
 * The child gets the core's fd and the pipe, nothing else (every other fd
 * is closed); rlimits on memory, CPU time, files and processes; no
 * capabilities; no_new_privs; and the seccomp policy (coredump.policy:
 * no open, no exec, no sockets). It serializes struct coredump into a small
 * line format; the parent parses that as untrusted too (it came from a
 * process an attacker may control), with the same limits, and kills the
 * child after a wall-clock timeout.
 *
 * Called by the worker and retrace-coredump. Not thread-safe (fork).
 */
#ifndef RETRACE_COREDUMP_CONFINED_H
#define RETRACE_COREDUMP_CONFINED_H

#include "coredump/coredump.h"

#define COREDUMP_CHILD_TIMEOUT_S 60
#define COREDUMP_CHILD_MEMORY (1024ULL << 20) /* RLIMIT_AS of the reader */
#define COREDUMP_RESULT_MAX (64ULL << 20)      /* bytes the child may send back */

struct sock_fprog;
/* policy: coredump.policy compiled (seccomp_policy_bpf_file()) */
int coredump_read_confined(int core_fd, const struct sock_fprog *policy,
			   const struct coredump_limits *lim, struct coredump **ret,
			   char **ret_error);
/* The same, the policy compiled from its file first (the command-line tools). */
int coredump_read_confined_file(int core_fd, const char *policy_path,
				const struct coredump_limits *lim, struct coredump **ret,
				char **ret_error);

/* The line format, exposed for the fuzz target and the tests. */
int coredump_serialize(const struct coredump *cd, char **ret, size_t *ret_len);
int coredump_deserialize(const char *data, size_t len, const struct coredump_limits *lim,
			 struct coredump **ret, char **ret_error);

#endif
