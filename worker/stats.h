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

#endif
