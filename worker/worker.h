/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * worker.h - one retrace task, from the spool to a backtrace.
 *
 * A coredump task (types 0, 1, 3): read the core in the confined reader;
 * work out the release; resolve the exact packages (solver/); get their
 * trees from the rootfs cache (verified, extracted once); run gdb in the
 * sandbox under the gdb policy with the crash's packages as an overlay
 * stack at /sysroot (ToolRoot = host: the host's gdb over a skeleton root
 * with the host's /usr); write retrace_backtrace, results/exploitable,
 * retrace_log (what was resolved, what is missing, what was enforced, the
 * time of each step), the statistics, and finished_time last. Every
 * failure ends the task FINISHED_FAILURE with a log line naming the step
 * and the reason. The worker is the only writer of a task's results.
 */
#ifndef RETRACE_WORKER_H
#define RETRACE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/spool.h"

struct sock_fprog;

struct worker {
	const struct config *cfg;
	struct spool spool;
	char *cache_dir;     /* the rootfs cache */
	char *skeleton;      /* the host-tool root skeleton (usr, etc, lib -> usr/lib, ...) */
	/*
	 * SeccompPolicyDir's policies, compiled when the worker starts (a
	 * policy that does not compile stops it there, not at a task's gdb;
	 * an edited policy takes effect at the next start).
	 */
	struct sock_fprog *gdb_policy;    /* gdb.policy */
	struct sock_fprog *reader_policy; /* coredump.policy */
	struct sock_fprog *vmcore_policy; /* vmcore.policy */
	struct sock_fprog *crash_policy;  /* crash.policy */
	int repodir_fd;
	const char *test_pause_at; /* RETRACE_TEST_PAUSE_AT: the tests' fault-injection point */
};

int worker_init(struct worker *w, const struct config *cfg, char **ret_error);
void worker_release(struct worker *w);

/*
 * Run task id, which the caller has taken (.running/<id>). Returns 0 when
 * the task was finished (success or failure, see the task's status), <0
 * when even that failed (the spool is broken: logged).
 */
int worker_run_task(struct worker *w, uint32_t id);

/* Fail a task without running it (start-up recovery), with this reason. */
int worker_fail_task(struct worker *w, uint32_t id, const char *why);

#endif
