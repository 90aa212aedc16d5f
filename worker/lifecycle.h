/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lifecycle.h - the task state machine, in one place: what a task is, read
 * off the spool, and every transition that is not the task's own run
 * (recovery, the end of a task process, termination, restart, expiry).
 * retrace-worker, retrace-cleanup and retrace-task call these; docs/DESIGN.md
 * ("Task states") draws the machine.
 *
 * A task's state is never stored in one place: it is what the spool shows.
 *
 *   QUEUED    <id>/ and .queue/<id>
 *   RUNNING   <id>/ and .running/<id>, its owner lock (<id>/.owner) held by
 *             the task process
 *   ORPHANED  .running/<id> and no owner: the process died with its worker
 *   UNLISTED  no entry, no owner, no finished_time: its final writes failed,
 *             or a commit or a requeue was cut short
 *   FINISHED  <id>/finished_time (status success or fail)
 *   HELD      <id>/ and .held/<id>: a managed task (X-Task-Managed) that
 *             waits for the task manager's start
 *
 * Transitions: httpd commits QUEUED, or HELD, which the task manager (httpd)
 * takes to QUEUED when asked; the worker takes QUEUED to RUNNING and
 * the task process ends it FINISHED (writing finished_time last, retrying
 * those last writes until space is back). Recovery takes ORPHANED to
 * FINISHED (it had finished), to QUEUED once (.retried marks it) or to
 * FINISHED failed the second time or when it was terminated (.terminated
 * says why); UNLISTED to QUEUED once it is older than a commit can take.
 * retrace-cleanup terminates RUNNING tasks past MaxTaskRunTime and deletes
 * or archives FINISHED ones; retrace-task restarts a failed one (FINISHED to
 * QUEUED) and fails or deletes one by hand. Every transition of a task that
 * may have a live process is made holding its owner lock, so no task runs
 * twice and no two tools change one task at once.
 */
#ifndef RETRACE_WORKER_LIFECYCLE_H
#define RETRACE_WORKER_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cluster.h"
#include "common/config.h"
#include "common/spool.h"

struct worker;

#define LIFECYCLE_RETRY_MARK ".retried"
#define LIFECYCLE_TERMINATED_MARK ".terminated"
/* An unlisted task younger than this may be a commit in progress. */
#define LIFECYCLE_UNLISTED_GRACE_S 60

enum task_phase {
	PHASE_QUEUED,
	PHASE_RUNNING,
	PHASE_ORPHANED,
	PHASE_UNLISTED,
	PHASE_FINISHED,
	PHASE_HELD,
};

struct task_info {
	uint32_t id;
	enum task_phase phase;
	enum task_type type;     /* -EINVAL when unreadable */
	enum task_status status; /* QUEUED when unreadable */
	struct task_state state; /* as spool_task_read_state() read it (status QUEUED when unreadable) */
	bool queued, running, owned, held;
	bool managed;            /* belongs to the task manager (a `managed` file) */
	bool crash_data;         /* crash/coredump or crash/vmcore is still there */
	int64_t created;         /* unix seconds: the password file's mtime */
	int64_t started;         /* started_time, 0 when none */
	int64_t finished;        /* finished_time, 0 when none */
	pid_t owner_pid;         /* the pid the owner wrote, 0 when none */
	char owner_host[CLUSTER_HOST_MAX]; /* the host it wrote ("" when none): pids are per host */
};

const char *task_phase_to_string(enum task_phase p);
/* What task id is now (-ENOENT when it does not exist). A caller that holds
 * the task's owner lock sees it owned (RUNNING, unless finished). */
int lifecycle_inspect(struct spool *s, uint32_t id, struct task_info *ret);

/*
 * The task process, owner of id, records its pid and host in the owner
 * file (fd is the locked .owner): "PID HOST", so that retrace-cleanup and
 * retrace-task can stop it.
 */
void lifecycle_owner_set_pid(int owner_fd);

/*
 * QUEUED -> RUNNING, the first half: id's owner lock taken (*ret_lockfd),
 * then its queue entry moved to .running. -ENOENT: not queued (deleted,
 * or taken by another worker); -EBUSY: another process owns it (left
 * queued); -EALREADY: it had finished (the stale entry is removed).
 */
int lifecycle_take(struct worker *w, uint32_t id, int *ret_lockfd);

/*
 * The second half: a task process forked to run id (worker_run_task()),
 * holding lockfd (closed here in the daemon), dying with the daemon
 * (PR_SET_PDEATHSIG, checked after it is set), its pid in the owner file.
 * Returns its pid, or -errno when fork failed (the task is queued again).
 */
pid_t lifecycle_start(struct worker *w, uint32_t id, int lockfd);

/*
 * Recovery (the worker daemon, at start-up and at every rescan): ORPHANED
 * and UNLISTED tasks, skipping the tasks in ours (the daemon's own slots).
 * Logs one line per task it changes.
 */
void lifecycle_recover(struct worker *w, const uint32_t *ours, size_t nours);

/*
 * The task process of id ended (wait status). Finished: its .running entry
 * goes. Otherwise, requeue (a stopping worker killed it) queues it again,
 * unless it was terminated; everything else fails it with why.
 */
void lifecycle_process_ended(struct worker *w, uint32_t id, int wstatus, bool requeue);

/*
 * Stop a RUNNING task: write why into .terminated and SIGKILL its owner
 * process (the one that holds the owner file open, checked through a pidfd
 * so a recycled pid is never signalled). The worker then fails it with why.
 * A task owned on another host of a shared spool (or by a process this
 * host cannot see) is only marked: its worker kills it at its next
 * WorkerPollInterval (LIFECYCLE_TERMINATE_MARKED). -ESRCH when no live
 * process owns it.
 */
#define LIFECYCLE_TERMINATE_MARKED 1
int lifecycle_terminate(struct spool *s, uint32_t id, const char *why, char **ret_error);

/*
 * Fail a task that is not running (QUEUED or UNLISTED), holding its lock:
 * it ends FINISHED failed with why. -EBUSY while it runs.
 */
int lifecycle_fail(struct worker *w, uint32_t id, const char *why, char **ret_error);

/*
 * Queue a FINISHED failed task again (also_success: any FINISHED task, the
 * task manager's restart), when its crash data is still there: its
 * results, log and marks go, its status is QUEUED. -EBUSY while some other
 * process holds it, -EINVAL when not failed (finished), -ENOENT without
 * crash data.
 */
int lifecycle_restart(struct spool *s, uint32_t id, bool also_success, char **ret_error);

/*
 * Delete a task that is not running (an administrator's delete), between
 * cfg's pre_remove_task and post_remove_task hooks (cfg NULL: none): -ENOENT
 * when there is none, -EBUSY while it runs (or is orphaned: fail it first,
 * or a worker has just taken it).
 */
int lifecycle_delete(struct spool *s, const struct config *cfg, uint32_t id, char **ret_error);

/*
 * Set a FINISHED task's status to success or failure (the original's
 * retrace-server-interact set-success / set-fail: an administrator's
 * verdict after debugging it), holding its owner lock.
 */
int lifecycle_set_result(struct spool *s, uint32_t id, bool success, char **ret_error);

enum expiry { EXPIRY_KEEP, EXPIRY_DELETE, EXPIRY_ARCHIVE };
/*
 * What retrace-cleanup does with a task at time now (design section 4):
 * only FINISHED, non-interactive tasks expire; DeleteTaskAfter (failed:
 * DeleteFailedTaskAfter) deletes, ArchiveTaskAfter archives; the age is
 * since creation, and when both match, delete wins. A HELD task (managed,
 * never started) is deleted DeleteTaskAfter after its creation.
 */
enum expiry lifecycle_expiry(const struct config *cfg, const struct task_info *ti, int64_t now);

/*
 * DropDir/<id>.tar.gz of the task's directory (its regular files and
 * directories), written under a temporary name, fsync()ed and renamed into
 * place; an existing archive of that id is never replaced (-EEXIST).
 */
int lifecycle_archive(struct spool *s, uint32_t id, const char *drop_dir, char **ret_error);

#endif
