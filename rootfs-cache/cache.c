/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rootfs-cache/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"

#define INFO_MAX 4096
#define GET_RETRIES 8
#define LRU_GRANULARITY_S 60
#define RM_DEPTH (ROOTFS_MAX_PATH_DEPTH + 4)

struct rcache {
	char *path;
	int dirfd, trees_fd, locks_fd, tmp_fd;
};

static int open_sub(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -1;
	return openat_dir(dirfd, name);
}

int rcache_open(const char *path, struct rcache **ret, char **ret_error)
{
	struct rcache *c = calloc(1, sizeof(*c));

	*ret = NULL;
	if (!c)
		return -ENOMEM;
	c->trees_fd = c->locks_fd = c->tmp_fd = -1;
	c->path = strdup(path);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int r = error_set(ret_error, -errno, "cannot create the cache directory %s: %m", path);
		rcache_free(c);
		return r;
	}
	c->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!c->path || c->dirfd < 0 || (c->trees_fd = open_sub(c->dirfd, "trees")) < 0 ||
	    (c->locks_fd = open_sub(c->dirfd, "locks")) < 0 ||
	    (c->tmp_fd = open_sub(c->dirfd, "tmp")) < 0) {
		int r = error_set(ret_error, -errno, "cannot open the cache directory %s: %m", path);
		rcache_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void rcache_free(struct rcache *c)
{
	if (!c)
		return;
	closep(&c->dirfd);
	closep(&c->trees_fd);
	closep(&c->locks_fd);
	closep(&c->tmp_fd);
	free(c->path);
	free(c);
}

const char *rcache_path(const struct rcache *c)
{
	return c->path;
}

/* --- locks ------------------------------------------------------------------ */

/* Is fd still the file locks/KEY (and not one a removal unlinked)? */
static bool lock_current(struct rcache *c, int fd, const char *key)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && fstatat(c->locks_fd, key, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* flock(op) on locks/KEY; -EWOULDBLOCK with LOCK_NB, -ENOENT without create. */
static int lock_key(struct rcache *c, const char *key, int op, bool create, int *ret_fd)
{
	for (;;) {
		int fd = openat(c->locks_fd, key, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
				0644);
		if (fd < 0)
			return -errno;
		if (flock(fd, op) < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (lock_current(c, fd, key)) {
			*ret_fd = fd;
			return 0;
		}
		close(fd); /* removed while we waited: the next one is the real one */
		if (!create)
			return -ENOENT;
	}
}

/* --- the info file ------------------------------------------------------------ */

struct tree_info {
	char nevra[256];
	char signer[96];
	uint64_t disk;
};

static void info_value(const char *text, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);
	const char *p = text;

	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			const char *e = strchr(p + n + 1, '\n');
			size_t len = e ? (size_t)(e - p - n - 1) : strlen(p + n + 1);
			snprintf(out, outsz, "%.*s", (int)MIN(len, outsz - 1), p + n + 1);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

/* 0 when trees/KEY is there and complete, -ENOENT when not */
static int read_info(struct rcache *c, const char *key, struct tree_info *ti)
{
	char path[RCACHE_KEY_MAX + 16], text[INFO_MAX], disk[32];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/info", key);
	r = read_small_file_at(c->trees_fd, path, text, sizeof(text), &len);
	if (r < 0)
		return r;
	info_value(text, "nevra", ti->nevra, sizeof(ti->nevra));
	info_value(text, "signature", ti->signer, sizeof(ti->signer));
	if (strcmp(ti->signer, "none") == 0)
		ti->signer[0] = '\0';
	info_value(text, "disk", disk, sizeof(disk));
	ti->disk = strtoull(disk, NULL, 10);
	return 0;
}

static int write_info(int dirfd, const struct pkg_info *pi, const struct pkg_extract_stats *st,
		      const char *signer)
{
	char text[INFO_MAX];
	int n = snprintf(text, sizeof(text),
			 "nevra %s\nchecksum %s-%s\nsignature %s\npayload-digest %s\nfiles %llu\n"
			 "hardlinks %llu\nsymlinks %llu\ndirs %llu\nbytes %llu\ndisk %llu\n"
			 "skipped-special %llu\nstripped-setid %llu\nextracted %lld\n",
			 pi->nevra, pi->checksum.type, pi->checksum.hex, *signer ? signer : "none",
			 pi->payload_checked ? "checked" : "absent",
			 (unsigned long long)st->files, (unsigned long long)st->hardlinks,
			 (unsigned long long)st->symlinks, (unsigned long long)st->dirs,
			 (unsigned long long)st->bytes, (unsigned long long)st->disk_bytes,
			 (unsigned long long)st->skipped_special, (unsigned long long)st->stripped_setid,
			 (long long)time(NULL));
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	return write_file_at(dirfd, "info", text, (size_t)n, 0644, false);
}

/* Replace the signature line of an existing tree's info. */
static int update_signer(struct rcache *c, const char *key, const char *signer)
{
	_cleanup_close_ int tfd = openat_dir(c->trees_fd, key);
	char text[INFO_MAX], out[INFO_MAX + 128];
	size_t len, o = 0;
	const char *p;
	int r;

	if (tfd < 0)
		return -errno;
	r = read_small_file_at(tfd, "info", text, sizeof(text), &len);
	if (r < 0)
		return r;
	for (p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) + 1 : strlen(p);
		int k;
		if (strncmp(p, "signature ", 10) == 0)
			k = snprintf(out + o, sizeof(out) - o, "signature %s\n", signer);
		else
			k = snprintf(out + o, sizeof(out) - o, "%.*s", (int)l, p);
		if (k < 0 || (size_t)k >= sizeof(out) - o)
			return -ENAMETOOLONG;
		o += (size_t)k;
		p += l;
	}
	return write_file_at(tfd, "info", out, o, 0644, true);
}

/* A DIR over a duplicate of dirfd (which stays open); NULL on error. */
static DIR *dir_of(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

/* --- extraction --------------------------------------------------------------- */

static void remove_stale_tmp(struct rcache *c, const char *key)
{
	size_t n = strlen(key);
	DIR *d = dir_of(c->tmp_fd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, key, n) == 0 && de->d_name[n] == '.')
			rm_rf_at_depth(dirfd(d), de->d_name, RM_DEPTH);
	closedir(d);
}

static int open_package(const struct rcache_request *rq, char **ret_error)
{
	int fd = openat(rq->dirfd, rq->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set(ret_error, -errno, "cannot open %s: %m", rq->file);
	return fd;
}

/* Verify and extract into tmp/, then rename into trees/KEY. Under the exclusive lock. */
static int extract_tree(struct rcache *c, const struct rcache_request *rq, const char *key,
			struct rcache_tree *t, char **ret_error)
{
	_cleanup_close_ int pkgfd = -1, tdfd = -1, rootfd = -1;
	struct lines files = { 0 };
	struct pkg *p = NULL;
	char name[RCACHE_KEY_MAX + 32], rnd[8], hex[17];
	int r;

	remove_stale_tmp(c, key);
	pkgfd = open_package(rq, ret_error);
	if (pkgfd < 0)
		return pkgfd;
	r = random_bytes(rnd, sizeof(rnd));
	if (r < 0)
		return error_set(ret_error, r, "no random bytes");
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(name, sizeof(name), "%s.%s", key, hex);
	if (mkdirat(c->tmp_fd, name, 0755) < 0 || (tdfd = openat_dir(c->tmp_fd, name)) < 0 ||
	    mkdirat(tdfd, "root", 0755) < 0 || (rootfd = openat_dir(tdfd, "root")) < 0) {
		r = error_set(ret_error, -errno, "cannot create %s/tmp/%s: %m", c->path, name);
		goto fail;
	}

	r = pkg_open(pkgfd, rq->keyring, rq->checksum, &p, ret_error);
	if (r < 0)
		goto fail;
	r = pkg_extract_only(p, rootfd, rq->variant ? rq->only : NULL, rq->limits, &files, &t->stats,
			     ret_error);
	if (r < 0)
		goto fail;
	lines_sort_unique(&files);
	r = lines_write(tdfd, "files", NULL, &files, ROOTFS_MAX_FILE_LIST, false);
	if (r < 0) {
		r = error_set(ret_error, r, "cannot write the file list: %s", strerror(-r));
		goto fail;
	}
	snprintf(t->signer, sizeof(t->signer), "%s", pkg_get_info(p)->signer);
	snprintf(t->nevra, sizeof(t->nevra), "%s", pkg_get_info(p)->nevra);
	r = write_info(tdfd, pkg_get_info(p), &t->stats, t->signer);
	if (r < 0) {
		r = error_set(ret_error, r, "cannot write the tree's info: %s", strerror(-r));
		goto fail;
	}
	/* on disk before it has its name: a tree in trees/ is always whole */
	if (syncfs(tdfd) < 0) {
		r = error_set(ret_error, -errno, "syncfs: %m");
		goto fail;
	}
	if (renameat(c->tmp_fd, name, c->trees_fd, key) < 0) {
		r = error_set(ret_error, -errno, "cannot rename the tree into place: %m");
		goto fail;
	}
	fsync_dirfd(c->trees_fd);
	t->extracted = t->verified = true;
	pkg_free(p);
	lines_release(&files);
	return 0;
fail:
	pkg_free(p);
	lines_release(&files);
	rm_rf_at_depth(c->tmp_fd, name, RM_DEPTH);
	return r;
}

/* A tree extracted without a signature check, needed now with one. */
static int check_signature(struct rcache *c, const struct rcache_request *rq, const char *key,
			   struct rcache_tree *t, char **ret_error)
{
	_cleanup_close_ int pkgfd = open_package(rq, ret_error);
	struct pkg *p = NULL;
	char want[PKG_KEY_MAX];
	int r;

	if (pkgfd < 0)
		return pkgfd;
	r = pkg_open(pkgfd, rq->keyring, rq->checksum, &p, ret_error);
	if (r < 0)
		return r;
	pkg_checksum_key(&pkg_get_info(p)->checksum, want);
	if (strncmp(want, key, strlen(want)) != 0 || (key[strlen(want)] && key[strlen(want)] != '+')) {
		pkg_free(p);
		return error_set(ret_error, -EBADMSG, "%s is not the package of tree %s", rq->file, key);
	}
	snprintf(t->signer, sizeof(t->signer), "%s", pkg_get_info(p)->signer);
	pkg_free(p);
	t->verified = true;
	r = update_signer(c, key, t->signer);
	if (r < 0)
		return error_set(ret_error, r, "cannot update the tree's info: %s", strerror(-r));
	return 0;
}

/* --- get ------------------------------------------------------------------------ */

static int tree_paths(struct rcache *c, struct rcache_tree *t)
{
	free(t->root);
	free(t->files);
	t->files = NULL;
	if (asprintf(&t->root, "%s/trees/%s/root", c->path, t->key) < 0) {
		t->root = NULL;
		return -ENOMEM;
	}
	if (asprintf(&t->files, "%s/trees/%s/files", c->path, t->key) < 0) {
		t->files = NULL;
		return -ENOMEM;
	}
	return 0;
}

int rcache_get(struct rcache *c, const struct rcache_request *rq, struct rcache_tree *t,
	       char **ret_error)
{
	struct pkg_checksum computed;
	const struct pkg_checksum *sum = rq->checksum;
	double t0 = monotonic_seconds();
	int r;

	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
	if (!sum) {
		_cleanup_close_ int fd = open_package(rq, ret_error);
		if (fd < 0)
			return fd;
		r = pkg_file_checksum(fd, "sha256", &computed, ret_error);
		if (r < 0)
			return r;
		sum = &computed;
	}
	pkg_checksum_key(sum, t->key);
	if (rq->variant) {
		size_t n = strlen(rq->variant);
		if (n == 0 || n > RCACHE_VARIANT_MAX ||
		    strspn(rq->variant, "abcdefghijklmnopqrstuvwxyz0123456789-") != n || !rq->only ||
		    !rq->only[0])
			return error_set(ret_error, -EINVAL, "a partial tree needs a name of [a-z0-9-] and its paths");
		snprintf(t->key + strlen(t->key), sizeof(t->key) - strlen(t->key), "+%s", rq->variant);
	}

	for (int attempt = 0; attempt < GET_RETRIES; attempt++) {
		struct tree_info ti = { 0 };
		int fd;

		r = lock_key(c, t->key, LOCK_SH, true, &fd);
		if (r < 0)
			return error_set(ret_error, r, "cannot lock %s/locks/%s: %s", c->path, t->key,
					 strerror(-r));
		if (read_info(c, t->key, &ti) == 0 && (!rq->keyring || ti.signer[0]))
			goto ready;

		/* extract, or check the signature, under the exclusive lock */
		if (flock(fd, LOCK_EX) < 0 || !lock_current(c, fd, t->key)) {
			close(fd);
			continue;
		}
		if (read_info(c, t->key, &ti) != 0)
			r = extract_tree(c, rq, t->key, t, ret_error);
		else if (rq->keyring && !ti.signer[0])
			r = check_signature(c, rq, t->key, t, ret_error);
		else
			r = 0; /* another user did it while we waited */
		if (r < 0) {
			/* no tree: its lock file goes too (we hold it; others re-check) */
			if (!file_exists_at(c->trees_fd, t->key))
				unlinkat(c->locks_fd, t->key, 0);
			close(fd);
			return r;
		}
		/* back to shared; a removal may slip in between, so look again */
		if (flock(fd, LOCK_SH) < 0 || !lock_current(c, fd, t->key) ||
		    read_info(c, t->key, &ti) != 0) {
			close(fd);
			continue;
		}
ready:
		/* last use, for rcache_gc(): to the minute is enough, so mostly no write */
		{
			struct stat st;
			struct timespec now;
			if (fstat(fd, &st) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0 &&
			    (st.st_mtim.tv_sec > now.tv_sec || now.tv_sec - st.st_mtim.tv_sec >= LRU_GRANULARITY_S))
				(void)futimens(fd, NULL);
		}
		t->lockfd = fd;
		if (!t->extracted)
			snprintf(t->nevra, sizeof(t->nevra), "%s", ti.nevra);
		if (!t->verified)
			snprintf(t->signer, sizeof(t->signer), "%s", ti.signer);
		r = tree_paths(c, t);
		if (r < 0) {
			rcache_tree_release(t);
			return r;
		}
		t->seconds = monotonic_seconds() - t0;
		return 0;
	}
	return error_set(ret_error, -EAGAIN, "%s: the tree kept disappearing (cache removals racing)",
			 t->key);
}

void rcache_tree_release(struct rcache_tree *t)
{
	closep(&t->lockfd);
	t->lockfd = -1;
	free(t->root);
	free(t->files);
	t->root = t->files = NULL;
}

/* --- garbage collection ------------------------------------------------------------ */

struct gc_entry {
	char key[RCACHE_KEY_MAX];
	uint64_t disk;
	struct timespec used;
};

static int gc_cmp(const void *a, const void *b)
{
	const struct gc_entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* tmp/ leftovers of extractions or removals that were killed */
static void gc_tmp(struct rcache *c, struct rcache_gc_stats *st)
{
	DIR *d = dir_of(c->tmp_fd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char key[RCACHE_KEY_MAX];
		const char *dot = strrchr(de->d_name, '.');
		int lfd = -1;

		if (de->d_name[0] == '.' || !dot || (size_t)(dot - de->d_name) >= sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(dot - de->d_name), de->d_name);
		/* an extraction in progress holds the key's lock */
		int r = lock_key(c, key, LOCK_EX | LOCK_NB, false, &lfd);
		if (r == -EWOULDBLOCK)
			continue;
		if (rm_rf_at_depth(dirfd(d), de->d_name, RM_DEPTH) == 0)
			st->stale_tmp++;
		if (lfd >= 0)
			close(lfd);
	}
	closedir(d);
}

/* lock files of trees that do not exist (refused packages, killed extractions) */
static void gc_orphan_locks(struct rcache *c)
{
	DIR *d = dir_of(c->locks_fd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		int lfd = -1;
		if (de->d_name[0] == '.' || file_exists_at(c->trees_fd, de->d_name))
			continue;
		if (lock_key(c, de->d_name, LOCK_EX | LOCK_NB, false, &lfd) < 0)
			continue;
		if (!file_exists_at(c->trees_fd, de->d_name))
			unlinkat(c->locks_fd, de->d_name, 0);
		close(lfd);
	}
	closedir(d);
}

int rcache_gc(struct rcache *c, uint64_t max_bytes, struct rcache_gc_stats *st, char **ret_error)
{
	_cleanup_free_ struct gc_entry *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	uint64_t total = 0;

	memset(st, 0, sizeof(*st));
	gc_tmp(c, st);
	d = dir_of(c->trees_fd);
	if (!d)
		return error_set(ret_error, -errno, "cannot list %s/trees: %m", c->path);
	while ((de = readdir(d))) {
		struct tree_info ti;
		struct stat lst;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= RCACHE_KEY_MAX)
			continue;
		if (read_info(c, de->d_name, &ti) < 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct gc_entry *nv = reallocarray(v, ncap, sizeof(*v));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		snprintf(v[n].key, sizeof(v[n].key), "%s", de->d_name);
		v[n].disk = ti.disk;
		if (fstatat(c->locks_fd, de->d_name, &lst, AT_SYMLINK_NOFOLLOW) == 0)
			v[n].used = lst.st_mtim;
		else
			v[n].used = (struct timespec){ 0 };
		total += ti.disk;
		n++;
	}
	closedir(d);
	gc_orphan_locks(c);
	st->trees = n;
	st->bytes = total;
	if (n)
		qsort(v, n, sizeof(*v), gc_cmp);

	for (size_t i = 0; i < n && total > max_bytes; i++) {
		char tmpname[RCACHE_KEY_MAX + 32], rnd[8], hex[17];
		int lfd = -1;
		int r = lock_key(c, v[i].key, LOCK_EX | LOCK_NB, true, &lfd);

		if (r == -EWOULDBLOCK) {
			st->in_use++;
			continue;
		}
		if (r < 0)
			return error_set(ret_error, r, "cannot lock %s: %s", v[i].key, strerror(-r));
		if (random_bytes(rnd, sizeof(rnd)) < 0) {
			close(lfd);
			return -EIO;
		}
		hex_encode(rnd, sizeof(rnd), hex);
		snprintf(tmpname, sizeof(tmpname), "%s.gc-%s", v[i].key, hex);
		/* gone from trees/ at once; the slow removal happens in tmp/ */
		if (renameat(c->trees_fd, v[i].key, c->tmp_fd, tmpname) < 0) {
			r = -errno;
			close(lfd);
			if (r == -ENOENT)
				continue;
			return error_set(ret_error, r, "cannot move %s out: %s", v[i].key, strerror(-r));
		}
		unlinkat(c->locks_fd, v[i].key, 0);
		close(lfd);
		rm_rf_at_depth(c->tmp_fd, tmpname, RM_DEPTH);
		st->removed++;
		st->removed_bytes += v[i].disk;
		total -= v[i].disk;
	}
	return 0;
}
