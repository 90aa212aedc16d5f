/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp-policy.h - seccomp policies in a text syntax an admin can read,
 * review and diff (policy/seccomp/README.md documents it), compiled with
 * libseccomp for the native architecture.
 *
 * Syntax, one statement per line ('#' starts a comment, a trailing '\'
 * continues a line):
 *   default ACTION                 action for syscalls no rule names
 *   foreign ACTION                 action for other ABIs (i386, x32); kill if unset
 *   group NAME = ITEM...           a named set of syscalls (or other @groups)
 *   ACTION ITEM... [if COND [and COND]...]
 * ACTION is allow, kill, kill-thread, trap, log, or errno NAME (errno EPERM).
 * ITEM is a syscall name or @group. COND is argN OP VALUE with OP one of
 * == != < <= > >=, or argN & MASK == VALUE; VALUE is a number or a known
 * constant name (AF_UNIX, FIONREAD, CLONE_THREAD, ...), '|' combines them.
 * Unknown syscall names are errors. A syscall may get one unconditional
 * action, or several conditional rules of one action.
 *
 * Parsing and compiling allocate and return -errno; messages come back as
 * "NAME:LINE: what". Who calls: every program that confines itself (before
 * it drops privileges) and retrace-policy.
 */
#ifndef RETRACE_SECCOMP_POLICY_H
#define RETRACE_SECCOMP_POLICY_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct seccomp_policy;

int seccomp_policy_parse(const char *text, size_t len, const char *name,
			 struct seccomp_policy **ret, char **ret_error);
int seccomp_policy_load_file(const char *path, struct seccomp_policy **ret, char **ret_error);
void seccomp_policy_free(struct seccomp_policy *p);

enum {
	/* Debug switch: every kill becomes log, so a denied syscall shows in
	 * the audit log instead of ending the program. Never in production. */
	SECCOMP_POLICY_LOG_KILLS = 1 << 0,
};
int seccomp_policy_compile(const struct seccomp_policy *p, unsigned flags, scmp_filter_ctx *ret,
			   char **ret_error);

/* Load and compile in one step (the policy itself is not kept). */
int seccomp_policy_compile_file(const char *path, unsigned flags, scmp_filter_ctx *ret, char **ret_error);
/*
 * A daemon's policy DIR/NAME.policy compiled, its errors logged (and, with
 * SECCOMP_POLICY_LOG_KILLS, the warning that it only logs): 0 or -errno.
 */
int seccomp_policy_compile_daemon(const char *dir, const char *name, unsigned flags, scmp_filter_ctx *ret);

struct sock_fprog;
/*
 * The filter as classic BPF, one allocation (free() it): what
 * seccomp(SECCOMP_SET_MODE_FILTER) loads with no library call and no
 * allocation, and what a caller that starts many sandboxes compiles once.
 */
int seccomp_policy_export_bpf(scmp_filter_ctx ctx, struct sock_fprog **ret);
int seccomp_policy_bpf_file(const char *path, unsigned flags, struct sock_fprog **ret, char **ret_error);
/* Load it on the calling thread (no_new_privs must be set): one syscall. */
int seccomp_bpf_load(const struct sock_fprog *prog);

/* Print the resolved rules, one per line, sorted by syscall name. */
void seccomp_policy_dump(const struct seccomp_policy *p, FILE *out);
/* True if the policy allows sysname unconditionally or under some condition. */
bool seccomp_policy_allows(const struct seccomp_policy *p, const char *sysname);

#endif
