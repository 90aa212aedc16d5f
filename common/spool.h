/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spool.h - the task spool (SaveDir), the only interface between httpd and
 * the worker.
 *
 * Layout (file names of the original server where it had them):
 *   SaveDir/<id>/                  a task; <id> is 9 random digits
 *   SaveDir/<id>/password          "sha256:<hex>" of the task password
 *   SaveDir/<id>/type              task type number (0-4)
 *   SaveDir/<id>/status            status keyword (see enum task_status)
 *   SaveDir/<id>/crash/            the uploaded files
 *   SaveDir/<id>/retrace_log, retrace_backtrace, results/, started_time,
 *     finished_time                written by the worker only
 *   SaveDir/.incoming/<random>/    uploads being unpacked; never a task
 *   SaveDir/.queue/<id>            task waiting for a worker slot
 *   SaveDir/.running/<id>          task a worker has taken
 *   SaveDir/.held/<id>             managed task not started yet (the task manager)
 *   SaveDir/<id>/managed           the task belongs to the task manager
 *   SaveDir/.trash/                tasks being deleted
 *
 * Invariants: a directory named <id> exists only once every check passed
 * and all of its files are written and fsync()ed (it is renamed into place
 * with RENAME_NOREPLACE). A task is finished exactly when finished_time
 * exists; the worker writes it last. Running and queued counts are the
 * entry counts of .running and .queue.
 *
 * httpd creates, reads and deletes tasks; the worker moves queue entries
 * and writes results. Functions return -errno and never log.
 */
#ifndef RETRACE_SPOOL_H
#define RETRACE_SPOOL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SPOOL_TASK_ID_DIGITS 9
#define SPOOL_PASSWORD_LEN 32
#define SPOOL_HASH_HEX_LEN 64
#define SPOOL_INCOMING_NAME_LEN 32

enum task_type {
	TASK_RETRACE = 0,
	TASK_DEBUG = 1,
	TASK_VMCORE = 2,
	TASK_RETRACE_INTERACTIVE = 3,
	TASK_VMCORE_INTERACTIVE = 4,
	_TASK_TYPE_MAX,
	_TASK_TYPE_INVALID = -EINVAL,
};

enum task_status {
	TASK_STATUS_QUEUED,
	TASK_STATUS_ANALYZE,
	TASK_STATUS_INIT,
	TASK_STATUS_BACKTRACE,
	TASK_STATUS_CLEANUP,
	TASK_STATUS_STATS,
	TASK_STATUS_FINISHING,
	TASK_STATUS_SUCCESS,
	TASK_STATUS_FAIL,
	_TASK_STATUS_MAX,
	_TASK_STATUS_INVALID = -EINVAL,
};

const char *task_status_to_string(enum task_status s);
enum task_status task_status_from_string(const char *s);
/* The human status line clients print (CLIENTS.md). */
const char *task_status_message(enum task_status s);
/* "retrace", "debug", "vmcore", "retrace-interactive", "vmcore-interactive";
 * "unknown" for anything else. */
const char *task_type_name(enum task_type t);
bool task_type_is_vmcore(enum task_type t);
bool task_type_is_interactive(enum task_type t);
/* The crash file of a task of type t, in its crash/ directory: "coredump" or "vmcore". */
const char *task_type_crash_file(enum task_type t);
/* Whether a task of type t keeps its crash data once it has ended: debug and
 * interactive tasks do (1, 3, 4); normal ones (0, 2) do not. */
bool task_type_keeps_crash_data(enum task_type t);

struct spool {
	int dirfd;
	char *path;
};

/* Open SaveDir, creating its bookkeeping directories when missing. */
int spool_open(const char *path, struct spool *ret);
void spool_close(struct spool *s);

/* Exactly 9 digits, the first not 0. */
int spool_task_id_parse(const char *s, size_t len, uint32_t *ret);
void spool_task_id_format(uint32_t id, char ret[SPOOL_TASK_ID_DIGITS + 1]);

/* 32 characters of [a-zA-Z0-9] from getrandom(), without modulo bias. */
int spool_password_new(char ret[SPOOL_PASSWORD_LEN + 1]);

/* A fresh private directory .incoming/<name> with crash/ inside. */
int spool_incoming_new(struct spool *s, char ret_name[SPOOL_INCOMING_NAME_LEN + 1],
		       int *ret_dirfd);
int spool_incoming_discard(struct spool *s, const char *name);
/* Remove every entry of .incoming: at httpd's start none can be a live
 * upload (a killed httpd's partial uploads). Returns how many it removed. */
int spool_incoming_sweep(struct spool *s);
/*
 * Remove what killed processes left, when its newest mtime (anything in
 * the tree) is older than cutoff: .incoming/ uploads, .queue/.new-* entries
 * of commits cut short, .trash/ entries of deletes cut short. Returns how
 * many it removed (at most SPOOL_SWEEP_MAX a call); *ret_error is the first
 * error of an entry it could not remove (0: none). retrace-cleanup, with the
 * upload idle timeout.
 */
enum spool_stale { SPOOL_STALE_INCOMING, SPOOL_STALE_NEW_ENTRIES, SPOOL_STALE_TRASH };
#define SPOOL_SWEEP_MAX 4096
int spool_sweep_stale(struct spool *s, enum spool_stale which, time_t cutoff, int *ret_error);
/*
 * Write password hash, type and status into the incoming directory, fsync
 * everything, give it a fresh id (renameat2 RENAME_NOREPLACE, so an existing
 * task is never touched) and queue it. SPOOL_COMMIT_MANAGED: the task
 * belongs to the task manager (a `managed` file); SPOOL_COMMIT_HELD: it is
 * managed and waits in .held until spool_task_start() queues it.
 */
#define SPOOL_MANAGED_FILE "managed"
enum {
	SPOOL_COMMIT_MANAGED = 1U << 0,
	SPOOL_COMMIT_HELD = 1U << 1,
};
int spool_incoming_commit(struct spool *s, const char *name, int incoming_dirfd,
			  enum task_type type, const char *password, unsigned flags, uint32_t *ret_id);
/* A held task into the queue (.held/<id> to .queue/<id>): -ENOENT when it
 * is not held (never was, or started or deleted meanwhile). */
int spool_task_start(struct spool *s, uint32_t id);
bool spool_task_is_managed(int task_dirfd);

int spool_task_open(struct spool *s, uint32_t id, int *ret_dirfd);
/* 0 when password matches (constant time), -EACCES otherwise. */
int spool_task_check_password(int task_dirfd, const char *password, size_t len);

#define SPOOL_STATUS_MAX 64

struct task_state {
	bool finished;      /* finished_time exists */
	bool has_backtrace; /* finished with a retrace_backtrace */
	enum task_status status;
};
/* What a status poll needs, with as few syscalls as that takes. */
int spool_task_read_state(int task_dirfd, struct task_state *ret);
/* X-Task-Status: PENDING, FINISHED_SUCCESS (a backtrace, and no
 * administrator's set-fail) or FINISHED_FAILURE. */
const char *task_state_http(const struct task_state *st);
int spool_task_read_type(int task_dirfd, enum task_type *ret);
/* NAME (started_time, finished_time) in a task directory: the time now, in
 * unix seconds, written atomically and synced. */
int spool_task_write_time(int task_dirfd, const char *name);

int spool_count(struct spool *s, unsigned *ret_running, unsigned *ret_queued);
/* Managed tasks waiting for the task manager's start (.held entries). */
int spool_count_held(struct spool *s, unsigned *ret);
/*
 * Delete a task that is queued, held or finished: -EBUSY while a worker runs it.
 * The directory is first renamed into .trash, so it vanishes atomically.
 */
int spool_task_delete(struct spool *s, uint32_t id);
/* The same for a caller that does not hold the task's owner lock (httpd):
 * taken first, so that no restart or other change of the task is half
 * done when it goes; -EBUSY while another process holds it. */
int spool_task_delete_unowned(struct spool *s, uint32_t id);

/*
 * The worker's side. Take a queued task (.queue/<id> to .running/<id>;
 * -ENOENT when it was deleted or taken meanwhile), give it back to the
 * queue, finish with it, or queue a task that has no entry (start-up
 * recovery).
 */
int spool_task_take(struct spool *s, uint32_t id);
int spool_task_requeue(struct spool *s, uint32_t id);
int spool_task_done(struct spool *s, uint32_t id);
int spool_queue_entry(struct spool *s, uint32_t id);
/* Hold a task that has no entry (recovery of a managed task never started). */
int spool_held_entry(struct spool *s, uint32_t id);

/*
 * The owner of a running task: an exclusive flock() on <id>/.owner, taken
 * by the worker before it forks the task's process and then held by that
 * process alone, so it is released when the process dies, however it dies.
 * A file, not the directory: flock on a directory is not exclusive across
 * hosts on CephFS, on a file it is. spool_task_lock() gives the locked fd
 * (close-on-exec), -EBUSY while another process holds it.
 * spool_task_owned() is true while some live process holds it.
 */
#define SPOOL_OWNER_FILE ".owner"
/* The messages of the statuses a task reached, a line each, appended by the worker. */
#define SPOOL_PROGRESS_FILE "progress"
int spool_task_lock(struct spool *s, uint32_t id, int *ret_fd);
bool spool_task_owned(struct spool *s, uint32_t id);
/* Remove what a killed writer left in a task directory: write_file_at()'s
 * ".NAME.tmpHEX" files. Returns how many were removed. */
int spool_task_sweep_temp(int task_dirfd);

/*
 * FTP tasks (the task manager, UseFTPTasks): the worker lists FTPDir into
 * SaveDir/.ftp-listing - "listed UNIXTIME", then "name NAME" lines, or an
 * "error TEXT" line - and a task started from a file there holds its name
 * in <id>/ftp_file. A name is 1-255 of [A-Za-z0-9._+~-], not starting
 * with a dot: nothing in it needs quoting in a URL, a path or a page.
 */
#define SPOOL_FTP_LISTING ".ftp-listing"
#define SPOOL_FTP_TASK_FILE "ftp_file"
#define SPOOL_FTP_NAME_MAX 255
#define SPOOL_FTP_NAMES_MAX 5000
#define SPOOL_FTP_LISTING_MAX (2 * 1024 * 1024)
bool ftp_name_valid(const char *s, size_t n);

enum spool_list {
	SPOOL_LIST_QUEUE,   /* oldest entry first */
	SPOOL_LIST_RUNNING,
	SPOOL_LIST_TASKS,   /* every task directory */
	SPOOL_LIST_HELD,    /* managed tasks not started */
};
int spool_list(struct spool *s, enum spool_list which, uint32_t **ret, size_t *ret_n);

#endif
