/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.h - the statistics database (DBFile in SaveDir), written by the
 * worker only: the original server's `tasks` table and `package_time`
 * (design document 11.10), which /stats, /metrics and the estimate of
 * /create (X-Task-Est-Time) read.
 */
#ifndef RETRACE_STATS_H
#define RETRACE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stats_task {
	const char *taskid;
	const char *package; /* the client's N-V-R, or NULL */
	const char *arch;
	const char *release;
	int64_t start_time;  /* unix seconds */
	double duration;     /* seconds */
	uint64_t core_size;
	bool success;
};

/*
 * SQLite's own locks are byte-range fcntl locks, which ceph-fuse does not
 * make exclusive across hosts (two hosts inserting 150 rows each into one
 * database on CephFS kept 150: docs/SCALE-OUT.md). Every writer of the
 * database (exclusive) and every reader (shared) also holds a whole-file
 * flock of DBFILE-flock, which does hold across CephFS clients, waiting
 * at most wait_ms. The lock's fd, or -ETIMEDOUT; a reader gets -ENOENT
 * while no writer ever made the file.
 */
#define STATS_WRITE_WAIT_MS 10000
#define STATS_READ_WAIT_MS 500
int stats_lock(const char *db_path, bool exclusive, unsigned wait_ms);

/*
 * Record one finished task (creating the tables when missing): its tasks
 * row replaces an earlier one of the same task id, so a task run again
 * after a lost end still has one row.
 */
int stats_record(const char *db_path, const struct stats_task *t, char **ret_error);

/* Design 11.11: keep the newest `keep` package_time rows of each package and
 * release, delete the rest. A missing database is not an error. */
#define STATS_KEEP_PER_PACKAGE 100
int stats_prune(const char *db_path, unsigned keep, unsigned *ret_removed, char **ret_error);
/* DBFile as a path: relative names are inside SaveDir (PATH_MAX bytes at most). */
int stats_db_path(const char *save_dir, const char *db_file, char *buf, size_t size);

/* The name of an N-V-R ("rtprog" of "rtprog-1.0-1.fc39"). */
void stats_package_name(const char *nvr, char *name, size_t size);

struct sqlite3;
/*
 * X-Task-Est-Time: the mean time of the successful tasks of this package
 * name on this release, in whole seconds (at least 1); -ENOENT when there
 * is no such task yet. db is open (read-only is enough).
 */
int stats_estimate(struct sqlite3 *db, const char *nvr, const char *release, unsigned *ret_seconds);

#endif
