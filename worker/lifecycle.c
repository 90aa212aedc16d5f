/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/lifecycle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "worker/hooks.h"
#include "worker/worker.h"

void lifecycle_owner_set_pid(int owner_fd)
{
	char text[24 + CLUSTER_HOST_MAX], host[CLUSTER_HOST_MAX];
	int n;

	cluster_host_name(host, sizeof(host));
	n = snprintf(text, sizeof(text), "%d %s\n", (int)getpid(), host);

	/* best effort: without it the task can still be recovered, only not terminated */
	if (ftruncate(owner_fd, 0) == 0)
		(void)!pwrite(owner_fd, text, (size_t)n, 0);
}

int lifecycle_take(struct worker *w, uint32_t id, int *ret_lockfd)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	struct task_info ti;
	int lockfd = -1, r;

	spool_task_id_format(id, idstr);
	/*
	 * The owner lock first, then the entry: only the lock's holder moves
	 * it, so no two workers both take one task (on a spool without
	 * rename2, CephFS, the move is a link and an unlink, which a second
	 * mover would "finish" as its own), and a .running entry always has
	 * a live owner for another host's recovery to see.
	 */
	r = spool_task_lock(&w->spool, id, &lockfd);
	if (r == -ENOENT) {
		/* deleted while a restart queued it: nothing to run, nothing to keep */
		if (spool_task_take(&w->spool, id) == 0) {
			log_warn("task %s: its directory is gone (deleted meanwhile): its entry is dropped", idstr);
			spool_task_done(&w->spool, id);
		}
		return r;
	}
	if (r == -EBUSY)
		return r; /* another worker is taking it, or a tool holds it: left queued */
	if (r < 0) {
		log_warn("task %s: cannot take its owner lock (%s): left queued", idstr, strerror(-r));
		return r;
	}
	r = spool_task_take(&w->spool, id);
	if (r < 0) {
		close(lockfd);
		return r; /* -ENOENT: deleted or taken meanwhile */
	}
	/* an entry left over beside a task that has finished (a lost race of a
	 * recovery with a commit): nothing to run */
	if (lifecycle_inspect(&w->spool, id, &ti) == 0 && ti.phase == PHASE_FINISHED) {
		close(lockfd);
		spool_task_done(&w->spool, id);
		return -EALREADY;
	}
	*ret_lockfd = lockfd;
	return 0;
}

pid_t lifecycle_start(struct worker *w, uint32_t id, int lockfd)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0) {
		int e = errno;
		log_error("fork: %s", strerror(e));
		close(lockfd);
		spool_task_requeue(&w->spool, id);
		return -e;
	}
	if (pid == 0) {
		sigset_t none;
		/* dies with the daemon, so no task outlives it to run twice; a
		 * daemon already gone before the signal was set is seen here */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(1);
		lifecycle_owner_set_pid(lockfd);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(worker_run_task(w, id) < 0 ? 1 : 0);
	}
	close(lockfd); /* the child's copy is the lock now */
	return pid;
}

#define REASON_MAX 512

/* The reason a terminated task fails with, in why; false when it was not terminated. */
static bool terminated_reason(int dirfd, char why[REASON_MAX])
{
	int r = read_small_file_at(dirfd, LIFECYCLE_TERMINATED_MARK, why, REASON_MAX, NULL);

	if (r == -EFBIG) { /* too long to be ours: a bare "terminated" */
		why[0] = '\0';
		r = 0;
	}
	if (r < 0)
		return false;
	why[strcspn(why, "\n")] = '\0';
	if (!why[0])
		snprintf(why, REASON_MAX, "terminated");
	return true;
}

/*
 * Its process was killed after writing its log and its final status
 * (success or fail), before finished_time: its run is over, only that
 * last file is missing. True when so, and finished_time was written.
 */
static bool complete_ended(struct worker *w, uint32_t id, int fd)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], name[32];
	struct task_state st;
	enum task_type type;
	int r;

	if (spool_task_read_state(fd, &st) < 0 || (st.status != TASK_STATUS_SUCCESS && st.status != TASK_STATUS_FAIL))
		return false;
	spool_task_id_format(id, idstr);
	/* what the successful end would have removed: a normal task keeps no crash data */
	if (st.status == TASK_STATUS_SUCCESS && spool_task_read_type(fd, &type) == 0 &&
	    !task_type_keeps_crash_data(type)) {
		snprintf(name, sizeof(name), "crash/%s", task_type_crash_file(type));
		if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
			log_warn("task %s: cannot remove %s: %m", idstr, name);
	}
	r = spool_task_write_time(fd, "finished_time");
	if (r < 0) {
		log_error("task %s: cannot write finished_time: %s", idstr, strerror(-r));
		return false;
	}
	log_warn("task %s: its process died after its end (%s) was written: finished", idstr,
		 task_status_to_string(st.status));
	spool_task_done(&w->spool, id);
	return true;
}

/*
 * ORPHANED: no live process owns it. Finished after all (its process died
 * after the end), terminated (fail with why), interrupted once (queue it
 * again, marked), or twice (fail).
 */
static void recover_orphan(struct worker *w, uint32_t id)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	char why[REASON_MAX];
	_cleanup_close_ int fd = -1, lock = -1;
	struct task_info ti;
	int n;

	spool_task_id_format(id, idstr);
	if (spool_task_open(&w->spool, id, &fd) < 0) {
		spool_task_done(&w->spool, id); /* an entry of a deleted task */
		return;
	}
	/* the lock, so that no retrace-task or second worker changes it meanwhile */
	if (spool_task_lock(&w->spool, id, &lock) < 0)
		return;
	/* and still orphaned under it: another worker (another host) may have
	 * recovered it between our look at .running and our lock - queued it
	 * again, marked as retried, which is no second interruption */
	if (lifecycle_inspect(&w->spool, id, &ti) < 0 || !ti.running || ti.queued)
		return;
	n = spool_task_sweep_temp(fd);
	if (n > 0)
		log_info("task %s: %d half-written file(s) of the interrupted run removed", idstr, n);
	if (file_exists_at(fd, "finished_time")) {
		spool_task_done(&w->spool, id); /* killed after the end */
	} else if (complete_ended(w, id, fd)) {
		/* killed between its end and finished_time */
	} else if (terminated_reason(fd, why)) {
		log_warn("task %s: %s: failing it", idstr, why);
		worker_fail_task(w, id, why);
	} else if (file_exists_at(fd, LIFECYCLE_RETRY_MARK)) {
		log_warn("task %s: interrupted twice: failing it", idstr);
		worker_fail_task(w, id,
				 "the worker stopped twice while running this task (killed, or the "
				 "machine went down); not retried again");
	} else {
		log_warn("task %s: interrupted by a stopped worker: queued again", idstr);
		create_file_at(fd, LIFECYCLE_RETRY_MARK, "", 0, 0640);
		spool_task_requeue(&w->spool, id);
	}
}

/*
 * UNLISTED: unfinished, in no list, owned by nobody. Its final writes
 * failed (the disk was full) or a commit or requeue was cut short. Old
 * enough that no commit is still making it: queued again, so it is run
 * (and finished) now that the spool can take writes. A terminated task
 * whose failure could not be written is failed.
 */
static void recover_unlisted(struct worker *w, uint32_t id, int64_t now)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	char why[REASON_MAX];
	_cleanup_close_ int fd = -1, lock = -1;
	struct task_info ti;

	if (lifecycle_inspect(&w->spool, id, &ti) < 0 || ti.phase != PHASE_UNLISTED)
		return;
	if (ti.created && now - ti.created < LIFECYCLE_UNLISTED_GRACE_S)
		return;
	if (spool_task_open(&w->spool, id, &fd) < 0 || spool_task_lock(&w->spool, id, &lock) < 0)
		return;
	/* looked at again under the lock (which makes it "owned": ours): a restart
	 * or a requeue may have been quicker */
	if (lifecycle_inspect(&w->spool, id, &ti) < 0 || ti.finished || ti.queued || ti.running || ti.held)
		return;
	spool_task_id_format(id, idstr);
	spool_task_sweep_temp(fd);
	if (complete_ended(w, id, fd))
		return;
	if (terminated_reason(fd, why)) {
		log_warn("task %s: %s, and its failure was not written: failing it", idstr, why);
		worker_fail_task(w, id, why);
		return;
	}
	if (ti.managed && !ti.started) {
		/* a managed task's commit cut short before its entry reached .held:
		 * it waits for its start, as it would have */
		log_warn("task %s: a managed task never started, in no list: held again", idstr);
		spool_held_entry(&w->spool, id);
		return;
	}
	log_warn("task %s: unfinished and in no queue: queued", idstr);
	spool_queue_entry(&w->spool, id);
}

void lifecycle_recover(struct worker *w, const uint32_t *ours, size_t nours)
{
	_cleanup_free_ uint32_t *running = NULL, *queued = NULL, *tasks = NULL;
	size_t nr = 0, nq = 0, nt = 0;
	int64_t now = (int64_t)time(NULL);

	if (spool_list(&w->spool, SPOOL_LIST_RUNNING, &running, &nr) < 0) {
		log_error("cannot list %s/.running", w->spool.path);
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		bool mine = false;
		for (size_t j = 0; j < nours && !mine; j++)
			mine = ours[j] == running[i];
		if (!mine && !spool_task_owned(&w->spool, running[i]))
			recover_orphan(w, running[i]);
	}
	free(running);
	running = NULL;
	if (spool_list(&w->spool, SPOOL_LIST_RUNNING, &running, &nr) < 0 ||
	    spool_list(&w->spool, SPOOL_LIST_QUEUE, &queued, &nq) < 0 ||
	    spool_list(&w->spool, SPOOL_LIST_TASKS, &tasks, &nt) < 0) {
		log_error("cannot list the spool %s for recovery", w->spool.path);
		return;
	}
	for (size_t i = 0; i < nt; i++) {
		bool listed = false;
		_cleanup_close_ int fd = -1;

		for (size_t j = 0; j < nq && !listed; j++)
			listed = queued[j] == tasks[i];
		for (size_t j = 0; j < nr && !listed; j++)
			listed = running[j] == tasks[i];
		for (size_t j = 0; j < nours && !listed; j++)
			listed = ours[j] == tasks[i];
		/* the cheap test first: most tasks are finished */
		if (listed || spool_task_open(&w->spool, tasks[i], &fd) < 0 || file_exists_at(fd, "finished_time"))
			continue;
		recover_unlisted(w, tasks[i], now);
	}
}

void lifecycle_process_ended(struct worker *w, uint32_t id, int wstatus, bool requeue)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], why[REASON_MAX];
	bool terminated;
	_cleanup_close_ int fd = -1;

	spool_task_id_format(id, idstr);
	if (spool_task_open(&w->spool, id, &fd) < 0) {
		spool_task_done(&w->spool, id);
		return;
	}
	if (file_exists_at(fd, "finished_time")) {
		spool_task_done(&w->spool, id);
		return;
	}
	spool_task_sweep_temp(fd);
	if (complete_ended(w, id, fd))
		return;
	terminated = terminated_reason(fd, why);
	if (requeue && !terminated) {
		log_warn("task %s: stopped with the worker: queued again", idstr);
		spool_task_requeue(&w->spool, id);
		return;
	}
	if (!terminated && WIFSIGNALED(wstatus))
		snprintf(why, sizeof(why), "the worker process died of signal %d", WTERMSIG(wstatus));
	else if (!terminated)
		snprintf(why, sizeof(why), "the worker process exited with status %d", WEXITSTATUS(wstatus));
	log_error("task %s: %s", idstr, why);
	/* the process is gone: nobody owns the task; failing it needs its lock */
	{
		_cleanup_close_ int lock = -1;
		if (spool_task_lock(&w->spool, id, &lock) == 0)
			worker_fail_task(w, id, why);
	}
	if (!file_exists_at(fd, "finished_time"))
		log_error("task %s: its failure could not be written: it is recovered later", idstr);
	spool_task_done(&w->spool, id);
}

/* Does process pid hold the file (dev, ino) open? Read through /proc. */
static bool process_has_file_open(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == dev && st.st_ino == ino)
			found = true;
	}
	closedir(d);
	return found;
}

int lifecycle_terminate(struct spool *s, uint32_t id, const char *why, char **ret_error)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], host[CLUSTER_HOST_MAX];
	_cleanup_close_ int fd = -1, pidfd = -1;
	struct task_info ti;
	struct stat ost;
	int r;

	spool_task_id_format(id, idstr);
	r = lifecycle_inspect(s, id, &ti);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	if (ti.phase != PHASE_RUNNING || ti.owner_pid <= 0)
		return error_set(ret_error, -ESRCH, "task %s is %s: no live process runs it", idstr,
				 task_phase_to_string(ti.phase));
	r = spool_task_open(s, id, &fd);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	if (fstatat(fd, SPOOL_OWNER_FILE, &ost, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(ret_error, -errno, "task %s: %s: %m", idstr, SPOOL_OWNER_FILE);
	cluster_host_name(host, sizeof(host));
	/*
	 * The pid is only a hint: a pidfd pins the process, and it is the one
	 * to stop only if it holds the owner file open and the lock is still
	 * held (a recycled pid has neither). A process of another host (or of
	 * a pid namespace we cannot see) is its worker's to kill: the mark.
	 */
	if (!ti.owner_host[0] || strcmp(ti.owner_host, host) == 0) {
		pidfd = (int)syscall(SYS_pidfd_open, ti.owner_pid, 0);
		if (pidfd >= 0 && !process_has_file_open(ti.owner_pid, ost.st_dev, ost.st_ino))
			closep(&pidfd);
	}
	if (!spool_task_owned(s, id))
		return error_set(ret_error, -ESRCH, "task %s: process %d does not own it (any more)", idstr,
				 (int)ti.owner_pid);
	r = write_file_at(fd, LIFECYCLE_TERMINATED_MARK, why, strlen(why), 0640, true);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot write %s: %s", idstr, LIFECYCLE_TERMINATED_MARK,
				 strerror(-r));
	if (pidfd < 0) {
		/* still owned after the mark: its worker sees the mark; else it ended meanwhile */
		if (!spool_task_owned(s, id)) {
			unlinkat(fd, LIFECYCLE_TERMINATED_MARK, 0);
			return error_set(ret_error, -ESRCH, "task %s: it ended meanwhile", idstr);
		}
		return LIFECYCLE_TERMINATE_MARKED;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return error_set(ret_error, -errno, "task %s: cannot kill process %d: %m", idstr,
				 (int)ti.owner_pid);
	return 0;
}

int lifecycle_fail(struct worker *w, uint32_t id, const char *why, char **ret_error)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	_cleanup_close_ int lock = -1;
	struct task_info ti;
	int r;

	spool_task_id_format(id, idstr);
	r = spool_task_lock(&w->spool, id, &lock);
	if (r == -EBUSY)
		return error_set(ret_error, r, "task %s is running: terminate it instead", idstr);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	r = lifecycle_inspect(&w->spool, id, &ti);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	if (ti.phase == PHASE_FINISHED)
		return error_set(ret_error, -EALREADY, "task %s is finished already", idstr);
	/* out of the queue first: a worker that takes it now cannot get its lock */
	if (ti.queued && spool_task_take(&w->spool, id) < 0 && !ti.running)
		return error_set(ret_error, -EAGAIN, "task %s: cannot take it from the queue", idstr);
	r = worker_fail_task(w, id, why);
	spool_task_done(&w->spool, id);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot fail it: %s", idstr, strerror(-r));
	return 0;
}

/* --- archiving (ArchiveTaskAfter) -------------------------------------------- */

#define ARCHIVE_MAX_DEPTH 8

static int archive_tree(struct archive *a, int parent, const char *rel, unsigned depth, char **ret_error);

/* One member: a directory (then its contents) or a regular file; nothing else is kept. */
static int archive_member(struct archive *a, int dirfd, const char *name, const char *rel, unsigned depth,
			  char **ret_error)
{
	_cleanup_close_ int fd = -1;
	struct archive_entry *e;
	struct stat st;
	char buf[65536];
	ssize_t n;
	int r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENXIO)
			return 0; /* a symlink or a socket: not task data */
		return error_set(ret_error, -errno, "%s: %m", rel);
	}
	if (fstat(fd, &st) < 0)
		return error_set(ret_error, -errno, "%s: %m", rel);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	e = archive_entry_new();
	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, rel);
	archive_entry_copy_stat(e, &st);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = error_set(ret_error, -EIO, "%s: %s", rel, archive_error_string(a));
	archive_entry_free(e);
	if (r < 0)
		return r;
	if (S_ISDIR(st.st_mode))
		return depth ? archive_tree(a, fd, rel, depth - 1, ret_error) : 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n)
			return error_set(ret_error, -EIO, "%s: %s", rel, archive_error_string(a));
	if (n < 0)
		return error_set(ret_error, -errno, "%s: %m", rel);
	return 0;
}

static int archive_tree(struct archive *a, int parent, const char *rel, unsigned depth, char **ret_error)
{
	int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return error_set(ret_error, -errno, "%s: %m", rel);
	d = fdopendir(fd);
	if (!d) {
		r = error_set(ret_error, -errno, "%s: %m", rel);
		close(fd);
		return r;
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		/* the bookkeeping of a live task is not part of it */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, SPOOL_OWNER_FILE) == 0)
			continue;
		if (asprintf(&sub, "%s/%s", rel, de->d_name) < 0)
			r = -ENOMEM;
		else
			r = archive_member(a, dirfd(d), de->d_name, sub, depth, ret_error);
	}
	closedir(d);
	return r;
}

int lifecycle_archive(struct spool *s, uint32_t id, const char *drop_dir, char **ret_error)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], name[64], tmp[96], rnd[8], hex[17];
	_cleanup_close_ int task = -1, drop = -1, out = -1;
	struct archive *a = NULL;
	int r;

	spool_task_id_format(id, idstr);
	snprintf(name, sizeof(name), "%s.tar.gz", idstr);
	r = spool_task_open(s, id, &task);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr, strerror(-r));
	drop = open(drop_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (drop < 0)
		return error_set(ret_error, -errno, "DropDir %s: %m", drop_dir);
	if (faccessat(drop, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(ret_error, -EEXIST, "%s/%s exists already: the task is kept", drop_dir, name);
	r = random_bytes(rnd, sizeof(rnd));
	if (r < 0)
		return error_set(ret_error, r, "getrandom: %s", strerror(-r));
	hex_encode(rnd, sizeof(rnd), hex);
	/* a temporary name, then link: O_TMPFILE and RENAME_NOREPLACE are not on every file system */
	snprintf(tmp, sizeof(tmp), ".%s.tmp%s", name, hex);
	out = openat(drop, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (out < 0)
		return error_set(ret_error, -errno, "%s/%s: %m", drop_dir, tmp);
	a = archive_write_new();
	if (!a || archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, out) != ARCHIVE_OK) {
		r = error_set(ret_error, -EIO, "cannot start the archive: %s", a ? archive_error_string(a) : "out of memory");
		goto fail;
	}
	r = archive_member(a, s->dirfd, idstr, idstr, ARCHIVE_MAX_DEPTH, ret_error);
	if (r < 0)
		goto fail;
	if (archive_write_close(a) != ARCHIVE_OK) {
		r = error_set(ret_error, -EIO, "%s/%s: %s", drop_dir, tmp, archive_error_string(a));
		goto fail;
	}
	archive_write_free(a);
	a = NULL;
	/* link(2), not rename: an archive of the same id that appeared meanwhile stays */
	if (fsync(out) < 0 || linkat(drop, tmp, drop, name, 0) < 0) {
		r = error_set(ret_error, -errno, "%s/%s: %m", drop_dir, name);
		goto fail;
	}
	unlinkat(drop, tmp, 0);
	r = fsync_dirfd(drop);
	if (r < 0)
		return error_set(ret_error, r, "%s: %s", drop_dir, strerror(-r));
	return 0;
fail:
	if (a)
		archive_write_free(a);
	unlinkat(drop, tmp, 0);
	return r;
}

int lifecycle_delete(struct spool *s, const struct config *cfg, uint32_t id, char **ret_error)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	struct task_info ti;
	int r;

	spool_task_id_format(id, idstr);
	if (lifecycle_inspect(s, id, &ti) < 0)
		return error_set(ret_error, -ENOENT, "no task %s", idstr);
	if (ti.phase == PHASE_RUNNING || ti.phase == PHASE_ORPHANED)
		return error_set(ret_error, -EBUSY, "task %s is %s: fail it first", idstr,
				 task_phase_to_string(ti.phase));
	if (cfg)
		hooks_run_logged(cfg, "pre_remove_task", s->path, idstr);
	r = spool_task_delete(s, id);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot delete it: %s", idstr,
				 r == -EBUSY ? "a worker has just taken it" : strerror(-r));
	if (cfg)
		hooks_run_logged(cfg, "post_remove_task", s->path, idstr);
	return 0;
}

int lifecycle_set_result(struct spool *s, uint32_t id, bool success, char **ret_error)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	_cleanup_close_ int lockfd = -1, dirfd = -1;
	const char *status = task_status_to_string(success ? TASK_STATUS_SUCCESS : TASK_STATUS_FAIL);
	struct task_info ti;
	int r;

	spool_task_id_format(id, idstr);
	if (lifecycle_inspect(s, id, &ti) < 0)
		return error_set(ret_error, -ENOENT, "no task %s", idstr);
	if (ti.phase != PHASE_FINISHED)
		return error_set(ret_error, -EBUSY, "task %s is %s: only a finished task's result can be set",
				 idstr, task_phase_to_string(ti.phase));
	r = spool_task_lock(s, id, &lockfd);
	if (r < 0)
		return error_set(ret_error, r, "task %s: %s", idstr,
				 r == -EBUSY ? "another process holds it" : strerror(-r));
	/* again under the lock: a restart may have come between */
	if (lifecycle_inspect(s, id, &ti) < 0 || ti.phase != PHASE_FINISHED)
		return error_set(ret_error, -EBUSY, "task %s is no longer finished", idstr);
	r = spool_task_open(s, id, &dirfd);
	/* FINISHED_SUCCESS is a backtrace to serve (httpd's /ID) */
	if (r == 0 && success && !file_exists_at(dirfd, "retrace_backtrace"))
		return error_set(ret_error, -ENOENT, "task %s has no backtrace: it cannot succeed", idstr);
	if (r == 0)
		r = write_file_at(dirfd, "status", status, strlen(status), 0640, false);
	if (r < 0)
		return error_set(ret_error, r, "task %s: cannot write its status: %s", idstr, strerror(-r));
	return 0;
}
