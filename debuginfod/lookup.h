/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lookup.h - retrace-debuginfod's answers: a build-id's debuginfo,
 * executable or source file, found in the build-id index of every release
 * in RepoDir (solver/repo.h) and read from the package's tree in the
 * rootfs cache (rootfs-cache/cache.h), which verifies a package (digests;
 * its signature with RequireGPGCheck) before it extracts it, the worker's
 * way. A file is opened inside its package's tree only (openat2
 * RESOLVE_IN_ROOT: a symlink in the payload cannot lead out of it), and
 * must be a regular file.
 */
#ifndef RETRACE_DEBUGINFOD_LOOKUP_H
#define RETRACE_DEBUGINFOD_LOOKUP_H

#include <pthread.h>
#include <stdint.h>

#include "common/config.h"
#include "debuginfod/request.h"

struct dbgd_release;

struct dbgd {
	const struct config *cfg;
	int repodir_fd;
	char *cache_dir;
	pthread_mutex_t lock;          /* the releases below and their libsolv pools */
	struct dbgd_release *releases; /* opened as they are found in RepoDir */
	size_t nreleases;
};

struct dbgd_file {
	int fd;                /* the caller's to close */
	uint64_t offset;       /* of what is served in the file (a section's) */
	uint64_t size;         /* of what is served */
	char file[DBGD_PATH_MAX + 1]; /* its path in the package */
	char archive[256];     /* the package's file name */
	char nevra[256];
	char release[128];
	double seconds;        /* the lookup's time, extraction included */
	bool extracted;        /* the package was extracted for this answer */
};

int dbgd_init(struct dbgd *d, const struct config *cfg, char **ret_error);
void dbgd_release(struct dbgd *d);
/* The file (or section: a part of one) rq asks for: 0 and *ret, -ENOENT
 * when no release has it, or -errno with *ret_error. */
int dbgd_lookup(struct dbgd *d, const struct dbgd_request *rq, struct dbgd_file *ret, char **ret_error);

#endif
