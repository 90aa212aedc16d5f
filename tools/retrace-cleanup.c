/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-cleanup - the periodic housekeeping (design section 4 and 11.11),
 * run hourly by a timer as the worker's user, safe to run while the worker
 * and httpd run:
 *
 *  - terminates tasks running longer than MaxTaskRunTime (the worker fails
 *    them with the reason);
 *  - deletes finished tasks after DeleteTaskAfter hours, failed ones after
 *    DeleteFailedTaskAfter, and archives them into DropDir (a tar.gz each)
 *    after ArchiveTaskAfter; interactive tasks are left to retrace-task;
 *  - removes what killed processes left: half-written files in finished
 *    tasks, uploads in .incoming and commit entries in .queue untouched for
 *    longer than the upload idle timeout, .trash entries;
 *  - keeps the newest 100 package_time rows per package and release;
 *  - removes the least recently used rootfs cache trees until the cache
 *    fits in RootfsCacheSize, never one a task is using.
 *
 * One line per task it changes, and a summary; exit status 1 when some
 * step failed (the others still ran).
 *
 *   retrace-cleanup [-c CONF]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/spool.h"
#include "common/user.h"
#include "rootfs-cache/cache.h"
#include "worker/hooks.h"
#include "worker/lifecycle.h"
#include "worker/stats.h"

/* .trash entries are removed by their deleter at once; older ones were left by a killed one */
#define TRASH_STALE_S 3600

struct counts {
	unsigned terminated, deleted, archived, swept, failures;
};

static void cleanup_task(const struct config *cfg, struct spool *s, uint32_t id, int64_t now, struct counts *c)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	_cleanup_free_ char *err = NULL;
	_cleanup_close_ int lock = -1, fd = -1;
	struct task_info ti;
	enum expiry x;
	int r, n;

	spool_task_id_format(id, idstr);
	if (lifecycle_inspect(s, id, &ti) < 0)
		return; /* deleted meanwhile */
	if (ti.phase == PHASE_RUNNING) {
		int64_t ran = ti.started ? now - ti.started : 0;
		if (!cfg->max_task_run_time || !ti.started || ran <= (int64_t)cfg->max_task_run_time)
			return;
		char why[160];
		snprintf(why, sizeof(why), "the task ran longer than MaxTaskRunTime (%" PRIu64 " s): terminated",
			 cfg->max_task_run_time);
		r = lifecycle_terminate(s, id, why, &err);
		if (r == -ESRCH)
			return; /* it ended meanwhile */
		if (r < 0) {
			log_error("task %s: running for %" PRId64 " s: cannot terminate it: %s", idstr, ran, err);
			c->failures++;
			return;
		}
		if (r == LIFECYCLE_TERMINATE_MARKED)
			log_info("task %s: running for %" PRId64 " s, longer than MaxTaskRunTime (%" PRIu64
				 " s): terminated (marked: its worker on %s kills process %d)",
				 idstr, ran, cfg->max_task_run_time, ti.owner_host[0] ? ti.owner_host : "?",
				 (int)ti.owner_pid);
		else
			log_info("task %s: running for %" PRId64 " s, longer than MaxTaskRunTime (%" PRIu64
				 " s): terminated (process %d)",
				 idstr, ran, cfg->max_task_run_time, (int)ti.owner_pid);
		c->terminated++;
		return;
	}
	if (ti.phase != PHASE_FINISHED && ti.phase != PHASE_HELD)
		return; /* the worker's: queued, orphaned and unlisted tasks are its to recover */
	/* holding the owner lock: no restart (retrace-task) changes it meanwhile */
	if (spool_task_lock(s, id, &lock) < 0 || lifecycle_inspect(s, id, &ti) < 0 ||
	    (ti.phase != PHASE_FINISHED && ti.phase != PHASE_HELD))
		return;
	if (spool_task_open(s, id, &fd) == 0 && (n = spool_task_sweep_temp(fd)) > 0) {
		log_info("task %s: %d half-written file(s) of a killed process removed", idstr, n);
		c->swept += (unsigned)n;
	}
	x = lifecycle_expiry(cfg, &ti, now);
	if (x == EXPIRY_KEEP)
		return;
	if (x == EXPIRY_ARCHIVE) {
		r = lifecycle_archive(s, id, cfg->drop_dir, &err);
		if (r < 0) {
			log_error("task %s: cannot archive it: %s", idstr, err);
			c->failures++;
			return;
		}
	}
	hooks_run_logged(cfg, "pre_remove_task", s->path, idstr);
	r = spool_task_delete(s, id);
	if (r < 0) {
		log_error("task %s: cannot delete it: %s", idstr, strerror(-r));
		c->failures++;
		return;
	}
	hooks_run_logged(cfg, "post_remove_task", s->path, idstr);
	log_info("task %s: %s %s, created %" PRId64 " h ago: %s", idstr,
		 ti.phase == PHASE_HELD		    ? "managed, never started,"
		 : ti.status == TASK_STATUS_SUCCESS ? "finished"
						    : "failed",
		 ti.type == TASK_VMCORE ? "kernel task" : "task", (now - ti.created) / 3600,
		 x == EXPIRY_ARCHIVE ? "archived into DropDir and deleted" : "deleted");
	if (x == EXPIRY_ARCHIVE)
		c->archived++;
	else
		c->deleted++;
}

/* One area's leftovers; failures are logged and counted. */
static int sweep(struct spool *s, enum spool_stale which, int64_t cutoff, const char *what, struct counts *c)
{
	int err, n = spool_sweep_stale(s, which, (time_t)cutoff, &err);

	if (n < 0)
		log_error("cannot look at %s/%s: %s", s->path, what, strerror(-n));
	else if (err < 0)
		log_error("cannot remove some of %s/%s: %s", s->path, what, strerror(-err));
	if (n < 0 || err < 0)
		c->failures++;
	return MAX(n, 0);
}

static int cleanup_spool(const struct config *cfg)
{
	_cleanup_free_ uint32_t *tasks = NULL;
	struct counts c = { 0 };
	struct spool s;
	char db[PATH_MAX];
	_cleanup_free_ char *err = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t nt = 0;
	unsigned pruned = 0;
	int r, inc, ent, trash;

	r = spool_open(cfg->save_dir, &s);
	if (r < 0) {
		log_error("SaveDir %s: %s", cfg->save_dir, strerror(-r));
		return -1;
	}
	r = spool_list(&s, SPOOL_LIST_TASKS, &tasks, &nt);
	if (r < 0) {
		log_error("cannot list %s: %s", cfg->save_dir, strerror(-r));
		c.failures++;
	}
	for (size_t i = 0; i < nt; i++)
		cleanup_task(cfg, &s, tasks[i], now, &c);

	/* an upload writes at least once per idle timeout, or httpd drops it */
	inc = sweep(&s, SPOOL_STALE_INCOMING, now - HTTPD_CONNECTION_TIMEOUT_S, ".incoming", &c);
	ent = sweep(&s, SPOOL_STALE_NEW_ENTRIES, now - HTTPD_CONNECTION_TIMEOUT_S, ".queue/.new-*", &c);
	trash = sweep(&s, SPOOL_STALE_TRASH, now - TRASH_STALE_S, ".trash", &c);
	if (inc > 0)
		log_info("removed %d upload(s) untouched for %d s from %s/.incoming", inc,
			 HTTPD_CONNECTION_TIMEOUT_S, cfg->save_dir);
	if (ent > 0)
		log_info("removed %d queue entr%s of commits cut short", ent, ent == 1 ? "y" : "ies");
	if (trash > 0)
		log_info("removed %d entr%s of deletes cut short from .trash", trash, trash == 1 ? "y" : "ies");

	r = stats_db_path(cfg->save_dir, cfg->db_file, db, sizeof(db));
	if (r >= 0)
		r = stats_prune(db, STATS_KEEP_PER_PACKAGE, &pruned, &err);
	if (r < 0) {
		log_error("statistics: %s", err ? err : strerror(-r));
		c.failures++;
	}
	log_info("spool %s: %zu tasks; terminated %u, deleted %u, archived %u; %u half-written files, "
		 "%d uploads, %d queue entries and %d trash entries removed; %u statistics rows pruned",
		 cfg->save_dir, nt, c.terminated, c.deleted, c.archived, c.swept, inc, ent, trash, pruned);
	spool_close(&s);
	return c.failures ? -1 : 0;
}

static int cleanup_cache(const struct config *cfg)
{
	_cleanup_free_ char *err = NULL, *dir = NULL;
	struct rcache_gc_stats st;
	struct rcache *cache = NULL;
	int k;

	if (config_rootfs_cache_dir(cfg, &dir) < 0)
		return -1;
	k = rcache_open(dir, &cache, &err);
	if (k >= 0)
		k = rcache_gc(cache, cfg->rootfs_cache_size, &st, &err);
	rcache_free(cache);
	if (k < 0) {
		log_error("rootfs cache %s: %s", dir, err ? err : strerror(-k));
		return -1;
	}
	log_info("rootfs cache %s: %llu trees, %llu MiB; removed %llu trees, %llu MiB; kept %llu in use; "
		 "removed %llu leftovers",
		 dir, (unsigned long long)st.trees, (unsigned long long)(st.bytes >> 20),
		 (unsigned long long)st.removed, (unsigned long long)(st.removed_bytes >> 20),
		 (unsigned long long)st.in_use, (unsigned long long)st.stale_tmp);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = CONFIG_DEFAULT_PATH;
	_cleanup_free_ char *err = NULL;
	struct config cfg;
	int c, k, rc = 0;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': printf("Usage: retrace-cleanup [-c CONF]\n"); return 0;
		default: fprintf(stderr, "Usage: retrace-cleanup [-c CONF]\n"); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "Usage: retrace-cleanup [-c CONF]\n");
		return 2;
	}
	log_init("retrace-cleanup", LOG_LVL_INFO);
	k = config_load(config, &cfg, &err);
	if (k < 0) {
		log_error("%s", err ? err : strerror(-k));
		return 1;
	}
	if (cfg.warnings)
		log_warn("%s", cfg.warnings);
	free(err);
	err = NULL;
	/* started as root (a timer): what it writes (DropDir) is the worker's user's */
	k = drop_to_user(cfg.run_as_user, &err);
	if (k < 0) {
		log_error("%s", err);
		config_release(&cfg);
		return 1;
	}
	if (cleanup_spool(&cfg) < 0)
		rc = 1;
	if (cleanup_cache(&cfg) < 0)
		rc = 1;
	config_release(&cfg);
	return rc;
}
