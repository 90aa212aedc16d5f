/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "debuginfod/lookup.h"

#include <dirent.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "rootfs-cache/cache.h"
#include "solver/repo.h"

#define DBGD_MAX_RELEASES 256
#define DBGD_HITS 16

struct dbgd_release {
	char *name;
	struct rrepo *repo;
	struct timespec repomd_mtime; /* of the repomd.xml the repo was opened from */
	ino_t repomd_ino;
	struct pkg_keyring *keyring;
	bool keyring_loaded;
};

int dbgd_init(struct dbgd *d, const struct config *cfg, char **ret_error)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	pthread_mutex_init(&d->lock, NULL);
	d->repodir_fd = open(cfg->repo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->repodir_fd < 0)
		return error_set(ret_error, -errno, "RepoDir %s: %m", cfg->repo_dir);
	r = config_rootfs_cache_dir(cfg, &d->cache_dir);
	if (r < 0)
		return error_set(ret_error, r, "RootfsCacheDir: %s", strerror(-r));
	return 0;
}

static void release_free(struct dbgd_release *rel)
{
	rrepo_free(rel->repo);
	pkg_keyring_free(rel->keyring);
	free(rel->name);
	memset(rel, 0, sizeof(*rel));
}

void dbgd_release(struct dbgd *d)
{
	for (size_t i = 0; i < d->nreleases; i++)
		release_free(&d->releases[i]);
	free(d->releases);
	d->releases = NULL;
	d->nreleases = 0;
	if (d->repodir_fd >= 0)
		close(d->repodir_fd);
	d->repodir_fd = -1;
	free(d->cache_dir);
	d->cache_dir = NULL;
	pthread_mutex_destroy(&d->lock);
}

/* The releases of RepoDir now: new ones added, changed ones reopened when used. */
static void scan_releases(struct dbgd *d)
{
	int fd = dup(d->repodir_fd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) && d->nreleases < DBGD_MAX_RELEASES) {
		bool known = false;
		char path[NAME_MAX + 32];
		struct dbgd_release *n;

		if (de->d_name[0] == '.' || !release_id_valid(de->d_name))
			continue;
		for (size_t i = 0; i < d->nreleases && !known; i++)
			known = strcmp(d->releases[i].name, de->d_name) == 0;
		snprintf(path, sizeof(path), "%s/repodata/repomd.xml", de->d_name);
		if (known || !file_exists_at(d->repodir_fd, path))
			continue;
		n = reallocarray(d->releases, d->nreleases + 1, sizeof(*n));
		if (!n)
			break;
		d->releases = n;
		memset(&n[d->nreleases], 0, sizeof(*n));
		n[d->nreleases].name = strdup(de->d_name);
		if (n[d->nreleases].name)
			d->nreleases++;
	}
	closedir(dir);
}

/* rel's repository, (re)opened when its repomd.xml is not the one it was opened from. */
static struct rrepo *release_repo(struct dbgd *d, struct dbgd_release *rel)
{
	char path[NAME_MAX + 32];
	struct stat st;
	_cleanup_free_ char *err = NULL;

	snprintf(path, sizeof(path), "%s/repodata/repomd.xml", rel->name);
	if (fstatat(d->repodir_fd, path, &st, 0) < 0)
		return NULL;
	if (rel->repo && (st.st_ino != rel->repomd_ino || st.st_mtim.tv_sec != rel->repomd_mtime.tv_sec ||
			  st.st_mtim.tv_nsec != rel->repomd_mtime.tv_nsec)) {
		rrepo_free(rel->repo);
		rel->repo = NULL;
	}
	if (!rel->repo) {
		/* never a rebuild here: retrace-reposync (or the worker) indexes a release */
		if (rrepo_open(d->repodir_fd, rel->name, REPO_OPEN_NO_REBUILD, &rel->repo, &err) < 0)
			return NULL;
		rel->repomd_ino = st.st_ino;
		rel->repomd_mtime = st.st_mtim;
	}
	return rel->repo;
}

static int release_keyring(struct dbgd *d, struct dbgd_release *rel, struct pkg_keyring **ret, char **ret_error)
{
	_cleanup_free_ char *warnings = NULL, *err = NULL;
	int r;

	*ret = NULL;
	if (!d->cfg->require_gpg_check)
		return 0;
	if (!rel->keyring_loaded) {
		r = pkg_keyring_load(d->cfg->gpg_key_dir, rel->name, &rel->keyring, &warnings, &err);
		if (r < 0)
			return error_set(ret_error, r, "RequireGPGCheck = 1: %s: %s", rel->name, err ? err : strerror(-r));
		rel->keyring_loaded = true;
	}
	*ret = rel->keyring;
	return 0;
}

/* What the lookup found, copied out of the pool before the lock goes. */
struct found {
	char release[128];
	char nevra[256];
	char location[PATH_MAX];
	char sumtype[16];
	char sumhex[160]; /* sha512 hex and more */
	char path[DBGD_PATH_MAX + 1]; /* in the package, absolute */
	int dirfd;                    /* the release's directory (a dup) */
	struct pkg_keyring *keyring;  /* the release's (owned by it) */
};

static bool take(struct dbgd_release *rel, Id p, const char *path, struct found *f)
{
	const char *loc, *type, *hex;

	if (rrepo_package_file(rel->repo, p, &loc, &type, &hex) < 0 || strlen(loc) >= sizeof(f->location) ||
	    strlen(type) >= sizeof(f->sumtype) || strlen(hex) >= sizeof(f->sumhex))
		return false;
	snprintf(f->release, sizeof(f->release), "%s", rel->name);
	snprintf(f->nevra, sizeof(f->nevra), "%s", rrepo_nevra(rel->repo, p));
	snprintf(f->location, sizeof(f->location), "%s", loc);
	snprintf(f->sumtype, sizeof(f->sumtype), "%s", type);
	snprintf(f->sumhex, sizeof(f->sumhex), "%s", hex);
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->dirfd = dup(rel->repo->dirfd);
	return f->dirfd >= 0;
}

/* In the releases, under d->lock: the package and path rq asks for. */
static int find(struct dbgd *d, const struct dbgd_request *rq, struct found *f, char **ret_error)
{
	scan_releases(d);
	for (size_t i = 0; i < d->nreleases; i++) {
		struct dbgd_release *rel = &d->releases[i];
		struct rrepo *repo = release_repo(d, rel);
		struct repo_hit hits[DBGD_HITS];
		size_t nh;
		char path[DBGD_PATH_MAX + 1];

		if (!repo)
			continue;
		nh = MIN(rrepo_lookup(repo, rq->hex, hits, ELEMENTSOF(hits)), ELEMENTSOF(hits));
		for (size_t h = 0; h < nh; h++) {
			const struct repo_hit *hit = &hits[h];
			bool ok = false;

			switch (rq->kind) {
			case DBGD_DEBUGINFO:
				if (hit->kind != REPO_INDEX_DEBUGINFO)
					continue;
				snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", rq->hex, rq->hex + 2);
				ok = take(rel, hit->p, path, f);
				break;
			case DBGD_EXECUTABLE:
				if (hit->kind == REPO_INDEX_BINARY) {
					snprintf(path, sizeof(path), "/usr/lib/.build-id/%.2s/%s", rq->hex, rq->hex + 2);
				} else if (hit->kind == REPO_INDEX_SCANNED && hit->path && hit->path_len < sizeof(path)) {
					memcpy(path, hit->path, hit->path_len);
					path[hit->path_len] = '\0';
				} else {
					continue;
				}
				ok = take(rel, hit->p, path, f);
				break;
			case DBGD_SOURCE: {
				/* a package of this release whose payload holds the path:
				 * the build-id says which release, the file list which package */
				Queue q;
				queue_init(&q);
				rrepo_find_file(repo, rq->arg, &q);
				ok = q.count > 0 && take(rel, q.elements[0], rq->arg, f);
				queue_free(&q);
				break;
			}
			default: return error_set(ret_error, -EINVAL, "%s is not served", dbgd_kind_name(rq->kind));
			}
			if (ok) {
				int r = release_keyring(d, rel, &f->keyring, ret_error);
				if (r < 0) {
					close(f->dirfd);
					f->dirfd = -1;
					return r;
				}
				return 0;
			}
		}
	}
	return -ENOENT;
}

/*
 * Open path inside the tree at root as if root were "/": every component
 * opened with O_NOFOLLOW; a symlink is read and its target walked in its
 * place, an absolute one from root, ".." never above root, at most 40 of
 * them. What openat2(RESOLVE_IN_ROOT) does - done here because a seccomp
 * filter (systemd's, a container's) may answer openat2 with ENOSYS. The
 * last component must be a regular file. -ENOENT for anything else.
 */
#define WALK_MAX_DEPTH 64
#define WALK_MAX_LINKS 40
static int open_in_root(int root, const char *path)
{
	int stack[WALK_MAX_DEPTH];
	size_t depth = 0;
	char todo[DBGD_PATH_MAX * 2 + 2];
	size_t pos = 0;
	unsigned links = 0;
	int r = -ENOENT;

	if (strlen(path) >= sizeof(todo))
		return -ENAMETOOLONG;
	snprintf(todo, sizeof(todo), "%s", path);
	stack[depth++] = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (stack[0] < 0)
		return -errno;
	for (;;) {
		char comp[NAME_MAX + 1], target[PATH_MAX];
		size_t n;
		struct stat st;
		int cur = stack[depth - 1], fd;
		bool last;

		while (todo[pos] == '/')
			pos++;
		n = strcspn(todo + pos, "/");
		if (n == 0 || n > NAME_MAX)
			break; /* a path ending in a directory, or a name too long */
		memcpy(comp, todo + pos, n);
		comp[n] = '\0';
		pos += n;
		last = todo[pos + strspn(todo + pos, "/")] == '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth > 1)
				close(stack[--depth]);
			continue;
		}
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlinkat(cur, comp, target, sizeof(target) - 1);
			size_t rest = strlen(todo + pos);
			if (k <= 0 || ++links > WALK_MAX_LINKS || (size_t)k + 1 + rest >= sizeof(todo))
				break;
			target[k] = '\0';
			if (target[0] == '/')
				while (depth > 1)
					close(stack[--depth]);
			/* the target, then what was left after the link */
			memmove(todo + k + 1, todo + pos, rest + 1);
			memcpy(todo, target, (size_t)k);
			todo[k] = '/';
			pos = 0;
			continue;
		}
		if (last) {
			if (!S_ISREG(st.st_mode))
				break;
			fd = openat(cur, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			r = fd < 0 ? -errno : fd;
			break;
		}
		if (!S_ISDIR(st.st_mode) || depth == WALK_MAX_DEPTH)
			break;
		fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break;
		stack[depth++] = fd;
	}
	while (depth > 0)
		close(stack[--depth]);
	return r;
}

static int lookup_file(struct dbgd *d, const struct dbgd_request *rq, struct dbgd_file *ret, char **ret_error)
{
	struct pkg_limits limits = { ROOTFS_MAX_PACKAGE_BYTES, ROOTFS_MAX_PACKAGE_FILES };
	struct found f = { .dirfd = -1 };
	struct rcache *cache = NULL;
	struct rcache_tree tree = { .lockfd = -1 };
	struct pkg_checksum sum;
	struct rcache_request crq;
	_cleanup_free_ char *err = NULL;
	_cleanup_close_ int root = -1;
	double t0 = monotonic_seconds();
	struct stat st;
	int r, fd;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	pthread_mutex_lock(&d->lock);
	r = find(d, rq, &f, ret_error);
	pthread_mutex_unlock(&d->lock);
	if (r < 0)
		return r;
	if (pkg_checksum_set(&sum, f.sumtype, f.sumhex) < 0) {
		close(f.dirfd);
		return error_set(ret_error, -EINVAL, "%s: the repository's checksum is unusable", f.nevra);
	}
	crq = (struct rcache_request){ .dirfd = f.dirfd, .file = f.location, .checksum = &sum,
				       .keyring = f.keyring, .limits = &limits };
	r = rcache_open(d->cache_dir, &cache, ret_error);
	if (r >= 0) {
		r = rcache_get(cache, &crq, &tree, &err);
		if (r < 0)
			error_set(ret_error, r, "package %s: %s", f.nevra, err ? err : strerror(-r));
	}
	close(f.dirfd);
	if (r < 0) {
		rcache_free(cache);
		return r;
	}
	root = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = root < 0 ? -errno : open_in_root(root, f.path);
	r = fd < 0 ? fd : 0;
	ret->extracted = tree.extracted;
	rcache_tree_release(&tree);
	rcache_free(cache);
	if (r == -ENOENT || r == -ELOOP || r == -EXDEV || r == -ENOTDIR)
		return -ENOENT; /* the index said so; the payload does not (or leads out of itself) */
	if (r < 0)
		return error_set(ret_error, r, "%s in %s: %s", f.path, f.nevra, strerror(-r));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	ret->fd = fd;
	ret->size = (uint64_t)st.st_size;
	snprintf(ret->file, sizeof(ret->file), "%s", f.path);
	{
		const char *base = strrchr(f.location, '/') ? strrchr(f.location, '/') + 1 : f.location;
		snprintf(ret->archive, sizeof(ret->archive), "%.255s", base);
	}
	snprintf(ret->nevra, sizeof(ret->nevra), "%s", f.nevra);
	snprintf(ret->release, sizeof(ret->release), "%s", f.release);
	ret->seconds = monotonic_seconds() - t0;
	return 0;
}

/*
 * The section called name of the ELF file f (regular, from a verified
 * package): its place in the file, when it has bytes there (not NOBITS,
 * not empty, inside the file). -ENOENT otherwise.
 */
static int find_section(const struct dbgd_file *f, const char *name, uint64_t *ret_off, uint64_t *ret_size)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int r = -ENOENT;

	elf_version(EV_CURRENT);
	e = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -ENOENT;
	if (elf_kind(e) == ELF_K_ELF && elf_getshdrstrndx(e, &shstrndx) == 0) {
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			const char *n;
			if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(e, shstrndx, sh.sh_name)) || strcmp(n, name) != 0)
				continue;
			if (sh.sh_type != SHT_NOBITS && sh.sh_size > 0 && sh.sh_offset <= f->size &&
			    sh.sh_size <= f->size - sh.sh_offset) {
				*ret_off = sh.sh_offset;
				*ret_size = sh.sh_size;
				r = 0;
			}
			break;
		}
	}
	elf_end(e);
	return r;
}

int dbgd_lookup(struct dbgd *d, const struct dbgd_request *rq, struct dbgd_file *ret, char **ret_error)
{
	/* a section: of the debuginfo file when it has the bytes, else of the
	 * executable (as elfutils' server answers) */
	static const enum dbgd_kind from[] = { DBGD_DEBUGINFO, DBGD_EXECUTABLE };
	struct dbgd_request sub;
	int r = -ENOENT;

	if (rq->kind != DBGD_SECTION)
		return lookup_file(d, rq, ret, ret_error);
	for (size_t i = 0; i < ELEMENTSOF(from); i++) {
		uint64_t off = 0, size = 0;
		sub = *rq;
		sub.kind = from[i];
		r = lookup_file(d, &sub, ret, ret_error);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (find_section(ret, rq->arg, &off, &size) == 0) {
			ret->offset = off;
			ret->size = size;
			return 0;
		}
		close(ret->fd);
		ret->fd = -1;
		r = -ENOENT;
	}
	return r;
}
