/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cache.h - the rootfs cache: each package, by the checksum of its file,
 * becomes one read-only tree that every task's stack shares.
 *
 * Layout under the cache directory (RootfsCacheDir):
 *   trees/KEY/root/    the package's files (KEY: "sha256-<hex>")
 *   trees/KEY/info     what it is: NEVRA, signature, sizes (text)
 *   trees/KEY/files    its non-directories, sorted: "PATH\tf|l\tDIGEST|TARGET"
 *   locks/KEY          flock: shared while a task uses the tree, exclusive
 *                      while it is extracted or removed; mtime = last use
 *   tmp/               extractions in progress, removals in progress
 *
 * A partial tree holds some files of a package only (the vmlinux of a
 * kernel-debuginfo package, some of its modules): trees/KEY+VARIANT/, with
 * the same life as a whole one.
 *
 * A tree appears by rename() of a finished, synced extraction; one that is
 * in trees/ is complete. Concurrent users of one package wait on a single
 * extraction. rcache_gc() removes the least recently used trees above a
 * size, never one whose lock is held. Library code: no logging.
 */
#ifndef RETRACE_CACHE_H
#define RETRACE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "rootfs-cache/package.h"

#define RCACHE_VARIANT_MAX 40
#define RCACHE_KEY_MAX (PKG_KEY_MAX + 1 + RCACHE_VARIANT_MAX)

struct rcache;

struct rcache_request {
	int dirfd;                         /* file is relative to it (or AT_FDCWD) */
	const char *file;                  /* the package */
	const struct pkg_checksum *checksum; /* from the repository metadata; NULL: computed */
	const struct pkg_keyring *keyring; /* NULL: digests only (RequireGPGCheck=0) */
	const struct pkg_limits *limits;
	const char *variant;               /* NULL: the whole package; else a partial tree's name, [a-z0-9-] */
	const char *const *only;           /* with variant: its paths (NULL-terminated), all required */
};

struct rcache_tree {
	char key[RCACHE_KEY_MAX];
	char *root;     /* absolute path of the tree's root directory */
	char *files;    /* absolute path of its file list */
	char nevra[256];
	char signer[96]; /* "" when never signature-checked */
	int lockfd;     /* holds the shared lock until rcache_tree_release() */
	bool extracted; /* this call extracted it */
	bool verified;  /* this call verified the package file (extraction or a signature check) */
	struct pkg_extract_stats stats; /* when extracted */
	double seconds; /* time spent in this call */
};

int rcache_open(const char *path, struct rcache **ret, char **ret_error);
void rcache_free(struct rcache *c);
const char *rcache_path(const struct rcache *c);

/*
 * The tree of one package, extracted now if it is not in the cache yet
 * (verified first; a package that fails verification never enters the
 * cache). With a keyring, a tree extracted earlier without a signature
 * check has its package's signature checked now. The tree stays locked
 * (shared) until rcache_tree_release().
 */
int rcache_get(struct rcache *c, const struct rcache_request *rq, struct rcache_tree *ret,
	       char **ret_error);
void rcache_tree_release(struct rcache_tree *t);

struct rcache_gc_stats {
	uint64_t trees, bytes;          /* in the cache before */
	uint64_t removed, removed_bytes;
	uint64_t in_use;                /* candidates skipped: locked by a task */
	uint64_t stale_tmp;             /* leftovers of interrupted extractions removed */
};

/* Remove least recently used trees until the cache holds at most max_bytes. */
int rcache_gc(struct rcache *c, uint64_t max_bytes, struct rcache_gc_stats *st, char **ret_error);

#endif
