/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * repo.h - one release's local package repository, loaded into libsolv,
 * and its build-id index.
 *
 * RepoDir/<release-id>/ holds an rpm-md repository (repodata/repomd.xml,
 * primary and filelists in gz, xz, zstd or bz2, and the packages at the
 * locations primary names). Our own files live in RepoDir/<release-id>/
 * .retrace/, written only under an exclusive flock on .retrace/lock and
 * always through a temporary file and rename():
 *
 *   repo.solv    the repository in libsolv's format, followed by a 32-byte
 *                cookie: the SHA-256 of the repomd.xml it was made from.
 *   buildid.idx  "# retrace-buildid-index 2 COOKIE NSOLVABLES NENTRIES", then
 *                lines "HEX KIND N [PATH]" sorted bytewise (LC_ALL=C):
 *                HEX the build-id, N the solvable's position in repo.solv,
 *                KIND b (a /usr/lib/.build-id link in a binary package),
 *                d (/usr/lib/debug/.build-id/ or a debuginfo(build-id)
 *                provide in a debuginfo package), s (found by scanning the
 *                ELF files of a package without links; PATH is the file).
 *   scanned      "CHECKSUM HEX PATH" or "CHECKSUM - -" per package scanned,
 *                sorted bytewise, so that each package is scanned once
 *                (incremental) and found by binary search.
 *
 * Both caches are valid when their cookie equals the SHA-256 of the
 * current repomd.xml; otherwise repo_open() rebuilds them (taking the lock,
 * so concurrent openers wait and reuse). Loading repo.solv is what makes
 * opening a release fast; the index is mmap()ed and binary-searched.
 *
 * Who calls it: the worker, retrace-resolve and retrace-reposync — never
 * httpd. Functions return -errno and, where they say so, a message in
 * *ret_error (the caller frees and logs it).
 */
#ifndef RETRACE_SOLVER_REPO_H
#define RETRACE_SOLVER_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "solver/elfnote.h"

#define REPO_PRIVATE_DIR ".retrace"
#define REPO_SOLV_FILE "repo.solv"
#define REPO_INDEX_FILE "buildid.idx"
#define REPO_SCANNED_FILE "scanned"
#define REPO_LOCK_FILE "lock"
#define REPO_COOKIE_LEN 32

/* Limits on what one scanned ELF file contributes (read from its head). */
#define REPO_SCAN_HEAD_BYTES (64 * 1024)

enum repo_index_kind {
	REPO_INDEX_BINARY = 'b',
	REPO_INDEX_DEBUGINFO = 'd',
	REPO_INDEX_SCANNED = 's',
};

struct repo_stats {
	bool cache_used;          /* repo.solv was fresh */
	bool reindexed;           /* this open rebuilt the caches */
	double load_seconds;      /* XML or .solv */
	double write_seconds;     /* writing repo.solv (when rebuilt) */
	double index_seconds;     /* building the index (when rebuilt) */
	unsigned packages;
	unsigned index_entries;
	unsigned scanned_now;     /* packages scanned by this open */
	unsigned scan_unavailable; /* packages that needed a scan but are not local */
};

struct rrepo {
	char *release;  /* fedora-39-x86_64 */
	char *arch;     /* x86_64 (i386 ids use i686 in the pool) */
	int dirfd;      /* RepoDir/<release> */
	Pool *pool;
	Repo *repo;
	uint8_t cookie[REPO_COOKIE_LEN];
	const char *idx;  /* mmap()ed buildid.idx, after its header line */
	size_t idx_len;
	void *idx_map;
	size_t idx_map_len;
	struct repo_stats stats;
};

struct repo_hit {
	Id p;  /* solvable */
	char kind; /* enum repo_index_kind */
	const char *path; /* in the index (not NUL-terminated: path_len), may be NULL */
	size_t path_len;
};

enum {
	REPO_OPEN_NO_REBUILD = 1 << 0, /* fail with -ESTALE instead of rebuilding */
	REPO_OPEN_FORCE_REBUILD = 1 << 1,
	REPO_OPEN_NO_SCAN = 1 << 2, /* index without scanning packages */
};

int rrepo_open(int repodir_fd, const char *release, unsigned flags, struct rrepo **ret,
	       char **ret_error);
void rrepo_free(struct rrepo *r);

/*
 * Every index entry for a build-id (hex, lowercase). Fills hits[0..max)
 * and returns how many entries there are in all (may exceed max).
 */
size_t rrepo_lookup(const struct rrepo *r, const char *hex, struct repo_hit *hits, size_t max);

/* "name-[epoch:]version-release.arch" of a solvable (pool-owned string). */
const char *rrepo_nevra(const struct rrepo *r, Id p);
/* Does the package's file list hold path (or its /usr-merged twin)? */
bool rrepo_has_file(const struct rrepo *r, Id p, const char *path);

/* Every package whose file list holds exactly path, into ret (emptied first). */
void rrepo_find_file(const struct rrepo *r, const char *path, Queue *ret);
/*
 * Call fn for each file of package p whose path starts with prefix, until
 * fn returns nonzero (which is returned). With SEARCH_FILES, libsolv gives
 * the whole path in each call.
 */
int rrepo_files_under(const struct rrepo *r, Id p, const char *prefix,
		      int (*fn)(const char *path, void *userdata), void *userdata);
/*
 * In a repo holding only a parsed repomd.xml: the location and checksum of
 * a data type ("primary", "filelists"); NULL when it is not there.
 */
const char *rrepo_repomd_find(Repo *md, const char *type, const unsigned char **ret_chk, Id *ret_chktype);

/*
 * The file of package p: its location relative to r->dirfd (relative, no
 * "..", checked) and the checksum the metadata gives for it (type name as
 * libsolv spells it: "sha256"). -ENOENT when the metadata lacks either.
 */
int rrepo_package_file(const struct rrepo *r, Id p, const char **ret_location,
		       const char **ret_chktype, const char **ret_checksum);
/* A binary package by "name-[epoch:]version-release.arch", or by name (the
 * newest, the release's arch on a tie); 0 when there is none. */
Id rrepo_find(const struct rrepo *r, const char *what);

#endif
