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

/* Insert one finished task (creating the tables when missing). */
int stats_record(const char *db_path, const struct stats_task *t, char **ret_error);

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
