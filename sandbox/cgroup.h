/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RETRACE_SANDBOX_CGROUP_H
#define RETRACE_SANDBOX_CGROUP_H

/*
 * The sandbox's cgroups (internal to sandbox/): one group per run, with
 * the memory and pids controllers from a cgroup v2 subtree when this
 * process may use one, else from the cgroup v1 hierarchies when it may
 * create groups there; neither: rlimits only, and the run's note says so.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sandbox_cgroups {
	char v2[320];   /* the run's cgroup v2 group ("" none) */
	char mem[256];  /* the run's cgroup v1 memory group */
	char pids[256]; /* the run's cgroup v1 pids group */
};

/* Make the run's groups; what they enforce is appended to note. */
void sandbox_cgroups_make(uint64_t memory_bytes, uint64_t max_procs, struct sandbox_cgroups *cg,
			  char *note, size_t size);
/* Move pid (the sandbox's pid 1, before it starts the program) into them. */
int sandbox_cgroups_join(const struct sandbox_cgroups *cg, pid_t pid);
/* Once the namespace is gone: which limits were hit ("" none), for the log. */
void sandbox_cgroups_events(const struct sandbox_cgroups *cg, char *hit, size_t size);
void sandbox_cgroups_remove(struct sandbox_cgroups *cg);

#endif
