/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-task - the administrator's hands on tasks (never reachable over
 * HTTP). Started as root it becomes RunAsUser first, so every file it
 * writes stays the worker's.
 *
 *   retrace-task [-c CONF] list                 one line per task
 *   retrace-task [-c CONF] show ID              what the spool says of it
 *   retrace-task [-c CONF] restart ID           queue a failed task again
 *   retrace-task [-c CONF] fail ID [REASON]     fail it: a running one is terminated
 *   retrace-task [-c CONF] delete ID            delete a task that is not running
 *
 * Every change goes through worker/lifecycle.h, holding the task's owner
 * lock, so it is safe while the worker and retrace-cleanup run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/spool.h"
#include "common/user.h"
#include "common/util.h"
#include "worker/lifecycle.h"
#include "worker/worker.h"

static const char usage[] = "Usage: retrace-task [-c CONF] list | show ID | start ID | restart ID | fail ID [REASON] | delete ID\n";

static int cmd_list(struct spool *s)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n = 0;
	int r = spool_list(s, SPOOL_LIST_TASKS, &ids, &n);

	if (r < 0) {
		fprintf(stderr, "retrace-task: cannot list %s: %s\n", s->path, strerror(-r));
		return 1;
	}
	printf("%-9s  %-8s  %-10s  %-19s  %-20s  %s\n", "ID", "STATE", "STATUS", "TYPE", "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		char idstr[SPOOL_TASK_ID_DIGITS + 1], created[32], owner[16] = "-";
		struct task_info ti;

		if (lifecycle_inspect(s, ids[i], &ti) < 0)
			continue; /* deleted meanwhile */
		spool_task_id_format(ids[i], idstr);
		format_utc_time(ti.created, created, sizeof(created));
		if (ti.phase == PHASE_RUNNING && ti.owner_pid > 0)
			snprintf(owner, sizeof(owner), "%d", (int)ti.owner_pid);
		printf("%-9s  %-8s  %-10s  %-19s  %-20s  %s\n", idstr, task_phase_to_string(ti.phase),
		       task_status_to_string(ti.status), task_type_name(ti.type), created, owner);
	}
	return 0;
}

static int cmd_show(struct spool *s, uint32_t id, const char *idstr)
{
	char created[32], started[32], finished[32];
	_cleanup_free_ char *why = NULL;
	_cleanup_close_ int fd = -1;
	struct task_info ti;
	size_t len;
	int r = lifecycle_inspect(s, id, &ti);

	if (r < 0) {
		fprintf(stderr, "retrace-task: no task %s\n", idstr);
		return 1;
	}
	format_utc_time(ti.created, created, sizeof(created));
	format_utc_time(ti.started, started, sizeof(started));
	format_utc_time(ti.finished, finished, sizeof(finished));
	printf("task:       %s\n", idstr);
	printf("directory:  %s/%s\n", s->path, idstr);
	printf("state:      %s\n", task_phase_to_string(ti.phase));
	printf("status:     %s\n", task_status_to_string(ti.status));
	printf("type:       %d (%s)\n", (int)ti.type, task_type_name(ti.type));
	printf("created:    %s\n", created);
	printf("started:    %s\n", started);
	printf("finished:   %s\n", finished);
	printf("queued:     %s\n", ti.queued ? "yes" : "no");
	printf("owner:      %s", ti.owned ? "held" : "none");
	if (ti.owned && ti.owner_pid > 0)
		printf(" (process %d%s%s)", (int)ti.owner_pid, ti.owner_host[0] ? " on " : "", ti.owner_host);
	printf("\ncrash data: %s\n", ti.crash_data ? "kept" : "gone");
	if (spool_task_open(s, id, &fd) == 0) {
		printf("retried:    %s\n", file_exists_at(fd, LIFECYCLE_RETRY_MARK) ? "yes (once more fails it)" : "no");
		if (read_file_at(fd, LIFECYCLE_TERMINATED_MARK, 4096, &why, &len) == 0)
			printf("terminated: %s\n", why);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = CONFIG_DEFAULT_PATH, *cmd;
	_cleanup_free_ char *err = NULL;
	char idstr[SPOOL_TASK_ID_DIGITS + 1] = "";
	struct config cfg;
	struct worker w = { 0 };
	uint32_t id = 0;
	int c, r, rc = 1;

	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "list") == 0) {
		if (optind != argc) {
			fputs(usage, stderr);
			return 2;
		}
	} else if (strcmp(cmd, "show") == 0 || strcmp(cmd, "start") == 0 || strcmp(cmd, "restart") == 0 || strcmp(cmd, "delete") == 0 ||
		   strcmp(cmd, "fail") == 0) {
		int max = strcmp(cmd, "fail") == 0 ? 2 : 1;
		if (argc - optind < 1 || argc - optind > max) {
			fputs(usage, stderr);
			return 2;
		}
		if (spool_task_id_parse(argv[optind], strlen(argv[optind]), &id) < 0) {
			fprintf(stderr, "retrace-task: not a task id (9 digits): %s\n", argv[optind]);
			return 2;
		}
		spool_task_id_format(id, idstr);
	} else {
		fprintf(stderr, "retrace-task: unknown command '%s'\n%s", cmd, usage);
		return 2;
	}
	log_init("retrace-task", LOG_LVL_INFO);
	r = config_load(config, &cfg, &err);
	if (r < 0) {
		fprintf(stderr, "retrace-task: %s\n", err ? err : strerror(-r));
		return 1;
	}
	free(err);
	err = NULL;
	r = drop_to_user(cfg.run_as_user, &err);
	if (r < 0) {
		fprintf(stderr, "retrace-task: %s\n", err);
		config_release(&cfg);
		return 1;
	}
	/* what failing a task needs of a worker: its configuration and spool */
	w.cfg = &cfg;
	r = spool_open(cfg.save_dir, &w.spool);
	if (r < 0) {
		fprintf(stderr, "retrace-task: SaveDir %s: %s\n", cfg.save_dir, strerror(-r));
		config_release(&cfg);
		return 1;
	}

	if (strcmp(cmd, "list") == 0) {
		rc = cmd_list(&w.spool);
	} else if (strcmp(cmd, "show") == 0) {
		rc = cmd_show(&w.spool, id, idstr);
	} else if (strcmp(cmd, "start") == 0) {
		r = spool_task_start(&w.spool, id);
		if (r == -ENOENT)
			fprintf(stderr, "retrace-task: task %s is not held (not a managed task, or started already)\n",
				idstr);
		else if (r < 0)
			fprintf(stderr, "retrace-task: task %s: cannot queue it: %s\n", idstr, strerror(-r));
		else
			printf("task %s: queued\n", idstr);
		rc = r < 0;
	} else if (strcmp(cmd, "restart") == 0) {
		r = lifecycle_restart(&w.spool, id, false, &err);
		if (r < 0)
			fprintf(stderr, "retrace-task: %s\n", err);
		else
			printf("task %s: queued again\n", idstr);
		rc = r < 0;
	} else if (strcmp(cmd, "fail") == 0) {
		char why[512];
		struct task_info ti;
		snprintf(why, sizeof(why), "failed by an administrator (retrace-task fail)%s%s",
			 optind + 1 < argc ? ": " : "", optind + 1 < argc ? argv[optind + 1] : "");
		r = lifecycle_inspect(&w.spool, id, &ti);
		if (r < 0) {
			fprintf(stderr, "retrace-task: no task %s\n", idstr);
		} else if (ti.phase == PHASE_RUNNING) {
			r = lifecycle_terminate(&w.spool, id, why, &err);
			if (r < 0)
				fprintf(stderr, "retrace-task: %s\n", err);
			else if (r == LIFECYCLE_TERMINATE_MARKED)
				printf("task %s: marked; its worker on %s kills process %d and fails the task\n",
				       idstr, ti.owner_host[0] ? ti.owner_host : "?", (int)ti.owner_pid);
			else
				printf("task %s: process %d killed; the worker fails the task\n", idstr,
				       (int)ti.owner_pid);
		} else {
			r = lifecycle_fail(&w, id, why, &err);
			if (r < 0)
				fprintf(stderr, "retrace-task: %s\n", err);
			else
				printf("task %s: failed\n", idstr);
		}
		rc = r < 0;
	} else {
		r = lifecycle_delete(&w.spool, &cfg, id, &err);
		if (r < 0)
			fprintf(stderr, "retrace-task: %s\n", err);
		else
			printf("task %s: deleted\n", idstr);
		rc = r < 0;
	}
	spool_close(&w.spool);
	config_release(&cfg);
	return rc;
}
