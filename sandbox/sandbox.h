/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.h - run a program (gdb, crash) over hostile input so that even
 * with code execution inside, it reaches nothing but what it was given.
 *
 * Layers, each meant to hold on its own:
 *  - namespaces: user (the program runs as uid/gid 1000 inside, mapped to
 *    the caller's own ids), mount, pid, net (only a downed loopback), ipc,
 *    uts, cgroup;
 *  - the file system: `root` bound read-only as / (or an overlay stack of
 *    package trees mounted there), a fresh /proc, a /dev of null zero full
 *    random urandom, a private size-limited tmpfs /tmp, stacks and extra
 *    binds given (read-only unless asked), the old root detached;
 *  - privileges: every capability dropped from every set and the bounding
 *    set, no_new_privs, a new session (no controlling terminal), every
 *    inherited fd closed, the environment replaced, parent-death signal;
 *  - seccomp: the compiled policy, loaded last, just before execve;
 *  - limits: rlimits always (address space, processes, CPU, files, file
 *    size, no core), a memory+pids cgroup per run (v2 when delegated,
 *    else v1 when the caller may create groups; sandbox_cgroup_setup()),
 *    a wall-clock timeout that kills the whole pid namespace, and
 *    a cap on the output bytes passed on.
 *
 * The program is pid 3 in its namespace (2 was the network namespace's
 * helper, gone before the program starts); pid 1 is a minimal reaper that
 * exits with the program's status, which takes every other process in the
 * namespace with it. Called by the worker and retrace-sandbox; forks, so
 * call it from a thread that may fork; the caller must ignore SIGPIPE.
 */
#ifndef RETRACE_SANDBOX_H
#define RETRACE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sock_fprog;
struct sandbox_prepared;

#define SANDBOX_UID 1000
#define SANDBOX_GID 1000

/* An overlayfs stack of read-only trees (rootfs-cache/), top layer first. */
struct sandbox_stack {
	const char *dst; /* where inside the sandbox ("/" for the root itself) */
	const char *const *layers; /* absolute host paths */
	size_t nlayers;
};

struct sandbox_bind {
	const char *src; /* host path */
	const char *dst; /* path inside the sandbox */
	bool writable;
};

enum {
	SANDBOX_NO_SECCOMP = 1 << 0, /* for tests that prove the other layers alone */
	SANDBOX_NO_NET_NS = 1 << 1,  /* ditto: keep the host's network namespace */
};

struct sandbox_opts {
	const char *root;
	const struct sandbox_bind *binds;
	size_t nbinds;
	/*
	 * Stacks mounted (over a private tmpfs writable layer, nosuid, nodev)
	 * before the binds; one with dst "/" is the root itself, mounted on
	 * `root` (then an empty directory), and mount points the sandbox needs
	 * (proc, dev, tmp, the binds' and stacks' destinations) are made in
	 * its writable layer. Everything is read-only in the end.
	 */
	const struct sandbox_stack *stacks;
	size_t nstacks;
	const char *const *argv; /* argv[0]: absolute path inside the sandbox */
	const char *const *envp; /* the whole environment (NULL: a minimal one) */
	/*
	 * The seccomp filter loaded just before execve: a policy compiled once
	 * by the caller (seccomp_policy_bpf_file(); a worker compiles its
	 * policies when it starts, not for every run)...
	 */
	const struct sock_fprog *bpf;
	/*
	 * ...or the policy file (policy/seccomp/README.md), compiled by
	 * sandbox_run() while the sandbox's child sets up its mounts (on a
	 * second core that is the compile's time off start-to-exit), and sent
	 * to it before it starts the program. A policy that does not compile
	 * fails the run before the program exists. One of the two is needed
	 * unless SANDBOX_NO_SECCOMP.
	 */
	const char *policy_file;
	unsigned flags;
	/*
	 * A sandbox made ahead by sandbox_prepare(): its namespaces exist, its
	 * pid 1 waits for these options. sandbox_run() takes it (it is used
	 * up and freed whatever the outcome); NULL: one is made now.
	 */
	struct sandbox_prepared *prepared;

	uint64_t timeout_ms;    /* wall clock, 0 = none */
	uint64_t memory_bytes;  /* RLIMIT_AS and cgroup memory; 0 = none */
	uint64_t max_procs;     /* RLIMIT_NPROC and cgroup pids */
	uint64_t cpu_seconds;   /* RLIMIT_CPU */
	uint64_t max_files;     /* RLIMIT_NOFILE */
	uint64_t max_file_size; /* RLIMIT_FSIZE */
	uint64_t tmp_bytes;     /* size of /tmp */
	uint64_t max_output;    /* stdout+stderr bytes passed on; the rest is dropped */

	int stdout_fd; /* where the program's stdout goes (via the supervisor) */
	int stderr_fd;
	/*
	 * What the program reads on its stdin: the supervisor copies stdin_fd
	 * into a pipe (never the descriptor itself: a terminal stays outside
	 * the sandbox). -1 (the default): end of file at once. A caller that
	 * sets it ignores SIGPIPE (the program may close its stdin).
	 */
	int stdin_fd;
};

void sandbox_opts_default(struct sandbox_opts *o);

struct sandbox_result {
	bool exited;
	int exit_status; /* when exited */
	int signal;      /* when killed */
	bool timed_out;
	bool output_truncated;
	uint64_t output_bytes;
	char enforced[512]; /* "rlimits: ...; cgroup: ..." for the task log */
	char limits_hit[256]; /* the cgroups' events: "" or "the memory limit: 1 process(es) killed; ..." */
};

int sandbox_run(const struct sandbox_opts *o, struct sandbox_result *ret, char **ret_error);

/*
 * The cgroups this process's sandboxes get, found once (sandbox_run()
 * calls it; a daemon calls it at start, before it forks, and logs the
 * line it returns). A cgroup v2 subtree with the memory and pids
 * controllers is used when this process may have one: when it is alone in
 * its group and may write there (root; systemd's Delegate=yes), it moves
 * into a child group SANDBOX_CGROUP_LEAF and enables the controllers for
 * that group's other children, one per run (v2 allows no process in a
 * group that hands controllers down). Otherwise the cgroup v1 memory and
 * pids hierarchies, when groups may be made there; otherwise rlimits only.
 */
#define SANDBOX_CGROUP_LEAF "retrace-supervisor"
const char *sandbox_cgroup_setup(void);
/* Whether runs get a memory group (v2 or v1); calls sandbox_cgroup_setup(). */
bool sandbox_cgroup_has_memory(void);
/*
 * Called as root by a daemon about to switch to uid/gid, before
 * sandbox_cgroup_setup(): hands it groups it could not make itself - the
 * cgroup v2 base (split as root; the base directory and its cgroup.procs
 * become the user's), else the group SANDBOX_CGROUP_V1_DELEGATED in each
 * cgroup v1 hierarchy (memory, pids), made if needed and given to the
 * user, under which its runs' groups are made. It stays (a user may not
 * remove it: its parent is root's); the next worker uses it again.
 */
#define SANDBOX_CGROUP_V1_DELEGATED "retrace-worker"
void sandbox_cgroup_delegate(uid_t uid, gid_t gid);

/*
 * The part of a run that does not depend on its options, done ahead: pid
 * 1 cloned with every namespace, its uid and gid maps written, the
 * network namespace made (about 1 ms of the ~2.5 a run takes here).
 * Returns when that is done; the sandbox then waits, costing a process,
 * until sandbox_run() gets it in opts.prepared (whose flags must agree on
 * SANDBOX_NO_NET_NS) or sandbox_prepared_free() kills it. A caller that
 * knows a run will come (the worker, at a task's start) hides that
 * millisecond behind its other work. Same rules as sandbox_run(): forks.
 */
int sandbox_prepare(unsigned flags, struct sandbox_prepared **ret, char **ret_error);
void sandbox_prepared_free(struct sandbox_prepared *p);

#endif
