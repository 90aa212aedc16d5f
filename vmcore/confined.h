/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confined.h - the kernel log of a hostile dump, read in a confined child
 * (policy/seccomp/vmcore.policy; see confined.c). Used by the worker and
 * by retrace-vmcore --policy. Not thread-safe (fork).
 */
#ifndef RETRACE_VMCORE_CONFINED_H
#define RETRACE_VMCORE_CONFINED_H

#include <stddef.h>

#define VMCORE_CHILD_TIMEOUT_S 120
#define VMCORE_CHILD_MEMORY (1536ULL << 20)      /* RLIMIT_AS: rings up to 256 MiB, twice */
#define VMCORE_RESULT_MAX (64ULL << 20)          /* bytes of log the child may send */
#define VMCORE_SCRATCH_MAX (64ULL << 30)         /* a reassembled flattened dump */

/*
 * What the worker needs to know of a dump besides its log, as the child
 * said it and then filtered here: each field is "" when the dump lacks it
 * or when it holds anything but the characters allowed (they name files
 * and cache keys later).
 */
struct vmcore_summary {
	char release[128]; /* OSRELEASE: [A-Za-z0-9._+~-] */
	char arch[16];     /* vmcore_arch(): [a-z0-9_] */
	char build_id[81]; /* VMCOREINFO BUILD-ID: lowercase hex, 2-80 digits */
};

/* *ret_log: the log, NUL-terminated. */
struct sock_fprog;
/* policy: vmcore.policy compiled (seccomp_policy_bpf_file()) */
int vmcore_dmesg_confined(int dump_fd, const struct sock_fprog *policy, struct vmcore_summary *ret_summary,
			  char **ret_log, size_t *ret_len, char **ret_error);

#endif
