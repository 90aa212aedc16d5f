/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-cleanup - the periodic housekeeping (a timer runs it as the
 * worker's user): for now the rootfs cache's garbage collection, which
 * removes the least recently used package trees until the cache fits in
 * RootfsCacheSize, never one a task is using. Expiring old tasks
 * (DeleteTaskAfter, ...) comes with the worker.
 *
 *   retrace-cleanup [-c CONF]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/macro.h"
#include "rootfs-cache/cache.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = CONFIG_DEFAULT_PATH;
	_cleanup_free_ char *err = NULL, *dir = NULL;
	struct rcache_gc_stats st;
	struct rcache *cache = NULL;
	struct config cfg;
	int c, k, rc = 1;

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
	k = config_load(config, &cfg, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-cleanup: %s\n", err ? err : strerror(-k));
		return 1;
	}
	if (config_rootfs_cache_dir(&cfg, &dir) < 0)
		goto out;
	k = rcache_open(dir, &cache, &err);
	if (k >= 0)
		k = rcache_gc(cache, cfg.rootfs_cache_size, &st, &err);
	if (k < 0) {
		fprintf(stderr, "retrace-cleanup: rootfs cache %s: %s\n", dir, err ? err : strerror(-k));
		goto out;
	}
	printf("rootfs cache %s: %llu trees, %llu MiB; removed %llu trees, %llu MiB; kept %llu in use; "
	       "removed %llu leftovers\n",
	       dir, (unsigned long long)st.trees, (unsigned long long)(st.bytes >> 20),
	       (unsigned long long)st.removed, (unsigned long long)(st.removed_bytes >> 20),
	       (unsigned long long)st.in_use, (unsigned long long)st.stale_tmp);
	rc = 0;
out:
	rcache_free(cache);
	config_release(&cfg);
	return rc;
}
