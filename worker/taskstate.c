/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * taskstate.c - the part of the task state machine (lifecycle.h) that only
 * reads and moves spool files: what a task is, restart, expiry. Apart from
 * lifecycle.c so that retrace-httpd (the task manager) uses it without the
 * worker's code.
 */
#include "worker/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"

const char *task_phase_to_string(enum task_phase p)
{
	static const char *const names[] = {
		[PHASE_QUEUED] = "queued",     [PHASE_RUNNING] = "running",
		[PHASE_ORPHANED] = "orphaned", [PHASE_UNLISTED] = "unlisted",
		[PHASE_FINISHED] = "finished", [PHASE_HELD] = "held",
	};
	return (unsigned)p < ELEMENTSOF(names) ? names[p] : "?";
}

static bool entry_exists(struct spool *s, const char *dir, const char *idstr)
{
	char path[sizeof(".running/") + SPOOL_TASK_ID_DIGITS];

	snprintf(path, sizeof(path), "%s/%s", dir, idstr);
	return faccessat(s->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int64_t read_time_file(int dirfd, const char *name)
{
	char buf[32];
	char *end;
	long long v;

	if (read_small_file_at(dirfd, name, buf, sizeof(buf), NULL) < 0)
		return 0;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || v < 0)
		return 0;
	return (int64_t)v;
}

int lifecycle_inspect(struct spool *s, uint32_t id, struct task_info *ret)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], buf[32];
	_cleanup_close_ int fd = -1;
	struct task_info ti = { .id = id, .type = _TASK_TYPE_INVALID };
	struct stat pst;
	int r;

	spool_task_id_format(id, idstr);
	r = spool_task_open(s, id, &fd);
	if (r < 0)
		return r;
	if (spool_task_read_type(fd, &ti.type) < 0)
		ti.type = _TASK_TYPE_INVALID;
	if (spool_task_read_state(fd, &ti.state) < 0)
		ti.state = (struct task_state){ .status = TASK_STATUS_QUEUED };
	ti.status = ti.state.status;
	ti.created = fstatat(fd, "password", &pst, AT_SYMLINK_NOFOLLOW) == 0 ? (int64_t)pst.st_mtime : 0;
	ti.started = read_time_file(fd, "started_time");
	ti.finished = read_time_file(fd, "finished_time");
	if (!ti.finished && file_exists_at(fd, "finished_time"))
		ti.finished = 1; /* there, but unreadable: finished all the same */
	ti.crash_data = faccessat(fd, "crash/coredump", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
			faccessat(fd, "crash/vmcore", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	ti.queued = entry_exists(s, ".queue", idstr);
	ti.running = entry_exists(s, ".running", idstr);
	ti.held = entry_exists(s, ".held", idstr);
	ti.managed = spool_task_is_managed(fd);
	ti.owned = spool_task_owned(s, id);
	if (ti.owned && read_small_file_at(fd, SPOOL_OWNER_FILE, buf, sizeof(buf), NULL) == 0) {
		char *end;
		ti.owner_pid = (pid_t)strtol(buf, &end, 10);
		if (*end == ' ') {
			size_t n = strcspn(end + 1, " \n");
			snprintf(ti.owner_host, sizeof(ti.owner_host), "%.*s", (int)MIN(n, sizeof(ti.owner_host) - 1),
				 end + 1);
		}
	}
	if (ti.finished)
		ti.phase = PHASE_FINISHED;
	else if (ti.held) /* never run: even under a caller's owner lock */
		ti.phase = PHASE_HELD;
	else if (ti.owned)
		ti.phase = PHASE_RUNNING;
	else if (ti.running)
		ti.phase = PHASE_ORPHANED;
	else if (ti.queued)
		ti.phase = PHASE_QUEUED;
	else
		ti.phase = PHASE_UNLISTED;
	*ret = ti;
	return 0;
}

int lifecycle_restart(struct spool *s, uint32_t id, bool also_success, char **ret_error)
{
	static const char *const results[] = {
		"retrace_backtrace", "retrace_log", "started_time", "rootfs", SPOOL_PROGRESS_FILE,
		LIFECYCLE_RETRY_MARK, LIFECYCLE_TERMINATED_MARK,
	};
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	_cleanup_close_ int fd = -1, lock = -1;
	const char *queued = task_status_to_string(TASK_STATUS_QUEUED);
	struct task_info ti;
	int r;

	spool_task_id_format(id, idstr);
	r = spool_task_open(s, id, &fd);
	if (r < 0)
		return error_set(ret_error, r, "no task %s", idstr);
	r = spool_task_lock(s, id, &lock);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr,
				 r == -EBUSY ? "another process holds it (it runs)" : strerror(-r));
	r = lifecycle_inspect(s, id, &ti);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	if (ti.phase != PHASE_FINISHED || (ti.status != TASK_STATUS_FAIL && !also_success))
		return error_set(ret_error, -EINVAL, "task %s is %s (%s): only a %s task is restarted", idstr,
				 task_phase_to_string(ti.phase), task_status_to_string(ti.status),
				 also_success ? "finished" : "failed");
	if (!ti.crash_data)
		return error_set(ret_error, -ENOENT, "task %s: its crash data is gone: it cannot run again", idstr);
	for (size_t i = 0; i < ELEMENTSOF(results); i++)
		if (unlinkat(fd, results[i], 0) < 0 && errno != ENOENT)
			return error_set(ret_error, -errno, "task %s: cannot remove %s: %m", idstr, results[i]);
	r = rm_rf_at(fd, "results");
	if (r < 0 && r != -ENOENT)
		return error_set(ret_error, r, "task %s: cannot remove results/: %s", idstr, strerror(-r));
	r = write_file_at(fd, "status", queued, strlen(queued), 0640, false);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot write its status: %s", idstr, strerror(-r));
	/* finished_time last of all goes: until then the task is still finished */
	if (unlinkat(fd, "finished_time", 0) < 0 && errno != ENOENT)
		return error_set(ret_error, -errno, "task %s: cannot remove finished_time: %m", idstr);
	r = fsync_dirfd(fd);
	/* the lock goes first: a worker that sees the entry takes the task at
	 * once, and must not find it still held here */
	close(TAKE_FD(lock));
	if (r >= 0)
		r = spool_queue_entry(s, id);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot queue it: %s (the worker's rescan will)", idstr,
				 strerror(-r));
	return 0;
}

enum expiry lifecycle_expiry(const struct config *cfg, const struct task_info *ti, int64_t now)
{
	int64_t age, del;

	age = now - ti->created;
	/* a managed task nobody started: DeleteTaskAfter from its creation */
	if (ti->phase == PHASE_HELD)
		return cfg->delete_task_after > 0 && age >= cfg->delete_task_after * 3600 ? EXPIRY_DELETE
											   : EXPIRY_KEEP;
	if (ti->phase != PHASE_FINISHED || task_type_is_interactive(ti->type) || ti->type < 0)
		return EXPIRY_KEEP;
	del = ti->status == TASK_STATUS_SUCCESS ? cfg->delete_task_after : cfg->delete_failed_task_after;
	if (del > 0 && age >= del * 3600)
		return EXPIRY_DELETE;
	if (cfg->archive_task_after > 0 && age >= cfg->archive_task_after * 3600)
		return EXPIRY_ARCHIVE;
	return EXPIRY_KEEP;
}

