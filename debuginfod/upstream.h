/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upstream.h - federation: a build-id's file that no release in RepoDir
 * has, asked of the debuginfod servers in DebuginfodUpstreamURLs in turn
 * (as elfutils' client does with DEBUGINFOD_URLS) and kept in the rootfs
 * cache's upstream/ directory:
 *
 *   upstream/root/usr/lib/debug/.build-id/XX/REST.debug   debuginfo (a tree
 *                                         gdb's sandbox can stack as a layer)
 *   upstream/other/XX/HEX-KIND[-HASH]     executable, source, section
 *   upstream/other/XX/HEX-KIND[-HASH].meta  the server, X-DEBUGINFOD-FILE and
 *                                         -ARCHIVE it answered with
 *   upstream/missing/XX/HEX-KIND[-HASH]   no server had it, or none answered:
 *                                         not asked again for
 *                                         DebuginfodUpstreamNegativeTTL (a
 *                                         failure of the cache itself is not
 *                                         remembered); swept hourly
 *   upstream/locks/XX                     one fetch per bucket at a time,
 *                                         across processes
 *
 * Each server has DebuginfodUpstreamTimeout seconds per file and
 * DebuginfodUpstreamMaxSize bytes; http and https only, certificates
 * verified, at most 3 redirects and only to the server's own scheme, host
 * and port. A debuginfo or executable file must be
 * an ELF file with the build-id asked for, else it is thrown away. Files
 * are written under a temporary name and renamed into place: a reader
 * sees a whole file or none.
 *
 * retrace-debuginfod asks through its fetcher process (the server itself
 * has no network); the worker asks directly for the debuginfo a release
 * lacks (worker/coretask.c).
 */
#ifndef RETRACE_DEBUGINFOD_UPSTREAM_H
#define RETRACE_DEBUGINFOD_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "debuginfod/request.h"

/* Caps on what a configuration may say (the keys' ranges are wider). */
#define UPSTREAM_MAX_URLS 8
#define UPSTREAM_MAX_REDIRECTS 3
/* How often remembered misses past their TTL and stale temporary files are removed. */
#define UPSTREAM_SWEEP_S 3600
/* A task's layer older than this was left by a killed worker: swept. */
#define UPSTREAM_LAYER_MAX_AGE_S (2 * 86400)

struct upstream {
	const struct config *cfg;
	int fd; /* RootfsCacheDir/upstream */
	char *dir;
};

struct upstream_file {
	int fd;            /* the caller's to close */
	uint64_t size;
	bool cached;       /* from the cache, not fetched now */
	double seconds;
	char from[512];    /* the server that had it */
	char file[DBGD_PATH_MAX + 1]; /* its X-DEBUGINFOD-FILE, "" when it sent none */
	char archive[256]; /* its X-DEBUGINFOD-ARCHIVE */
	char skipped[512]; /* why the servers before it did not answer, "" when none */
};

/* Whether the configuration names upstream servers. */
bool upstream_enabled(const struct config *cfg);
/* RootfsCacheDir/upstream and its directories made (as the cache's owner) and opened. */
int upstream_open(struct upstream *u, const struct config *cfg, char **ret_error);
void upstream_close(struct upstream *u);
/*
 * The file rq asks for (not DBGD_METRICS): from the cache, else from the
 * first server that has it. 0 and *ret; -ENOENT when no server has it or
 * it is remembered as missing (*ret_error says which); another -errno,
 * with *ret_error, when no server could answer (remembered as missing too).
 */
int upstream_fetch(struct upstream *u, const struct dbgd_request *rq, struct upstream_file *ret, char **ret_error);
struct buf;
/* base (a server's URL, "" for the path alone) and rq's path, a source path
 * escaped but for its slashes, appended to b. */
int upstream_url(const char *base, const struct dbgd_request *rq, struct buf *b);
/* The path of a debuginfo file in upstream/root, relative to it ("usr/lib/debug/.build-id/XX/REST.debug"). */
int upstream_debuginfo_path(const char *hex, char *buf, size_t size);

/*
 * A task's layer: upstream/layers/NAME, a tree holding hard links to the
 * debuginfo files of its build-ids only (gdb's sandbox stacks it; the
 * shared root/ is never a layer: it changes while sandboxes run).
 * upstream_layer_add links hex's debuginfo (fetched already) into it.
 */
int upstream_layer_add(struct upstream *u, const char *name, const char *hex);
/* Its absolute path (the caller frees it). */
char *upstream_layer_path(const struct upstream *u, const char *name);
void upstream_layer_remove(struct upstream *u, const char *name);

#endif
