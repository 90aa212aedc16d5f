/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "solver/repo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <solv/chksum.h>
#include <solv/evr.h>
#include <solv/knownid.h>
#include <solv/repo_repomdxml.h>
#include <solv/repo_rpmmd.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/solv_xfopen.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "solver/pkgscan.h"

#define REPOMD_PATH "repodata/repomd.xml"
#define REPOMD_MAX (16 * 1024 * 1024)
#define SCANNED_MAX (1024 * 1024 * 1024)
#define INDEX_MAGIC "# retrace-buildid-index 2 "
#define BUILD_ID_DIR "/usr/lib/.build-id/"
#define DEBUG_BUILD_ID_DIR "/usr/lib/debug/.build-id/"

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* --- the index under construction ------------------------------------------ */

struct index_builder {
	struct lines index;   /* "HEX KIND N [PATH]" */
	struct lines scanned; /* the new scanned cache: "CHECKSUM HEX PATH" or "CHECKSUM - -" */
	char *scanned_old;    /* the previous one, sorted by checksum */
	size_t scanned_old_len;
};

static void index_builder_release(struct index_builder *b)
{
	lines_release(&b->index);
	lines_release(&b->scanned);
	free(b->scanned_old);
}

/*
 * A path under /usr/lib/.build-id/ or /usr/lib/debug/.build-id/: "xx/yyyy",
 * optionally ".debug" or ".N" (rpm's suffix for a build-id shared by two
 * files of one package). Writes the hex build-id to hex.
 */
static bool build_id_from_link(const char *rest, char *hex /* ELF_BUILD_ID_MAX*2+1 */)
{
	const char *slash = strchr(rest, '/'), *end;
	size_t n2;

	if (!slash || slash - rest != 2 || !is_hex(rest, 2))
		return false;
	end = slash + 1;
	while ((*end >= '0' && *end <= '9') || (*end >= 'a' && *end <= 'f'))
		end++;
	n2 = (size_t)(end - slash - 1);
	if (n2 < 2 || n2 + 2 > ELF_BUILD_ID_MAX * 2)
		return false;
	if (*end != '\0' && *end != '.')
		return false;
	hex[0] = rest[0];
	hex[1] = rest[1];
	memcpy(hex + 2, slash + 1, n2);
	hex[2 + n2] = '\0';
	return true;
}

static bool name_is_debug(const char *name)
{
	size_t n = strlen(name);

	return (n > 10 && strcmp(name + n - 10, "-debuginfo") == 0) ||
	       (n > 12 && strcmp(name + n - 12, "-debugsource") == 0) || strstr(name, "-debuginfo-common");
}

/* A location from the repository's metadata: relative, no "..", no oddities. */
static bool location_safe(const char *loc)
{
	if (!loc || !*loc || loc[0] == '/' || strlen(loc) > 4096)
		return false;
	for (const char *p = loc; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (const char *p = loc; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return false;
	}
	return true;
}

struct scan_ctx {
	struct index_builder *b;
	const char *checksum;
	Id n;
	int added;
};

static int scan_one(const char *path, const uint8_t *id, size_t id_len, void *userdata)
{
	struct scan_ctx *c = userdata;
	char hex[ELF_BUILD_ID_MAX * 2 + 1];
	int r;

	if (strpbrk(path, " \n\r\t"))
		return 0; /* a path our line format cannot hold; not a real binary's */
	hex_encode(id, id_len, hex);
	r = lines_addf(&c->b->scanned, "%s %s %s", c->checksum, hex, path);
	if (r < 0)
		return r;
	c->added++;
	return lines_addf(&c->b->index, "%s %c %d %s", hex, REPO_INDEX_SCANNED, (int)c->n, path);
}

/*
 * Reuse what an earlier index learned by scanning the package with this
 * checksum: its lines are carried into the new scanned cache and its
 * build-ids into the index. Returns 1 when the package was scanned before.
 */
static int scanned_replay(struct index_builder *b, const char *checksum, Id n)
{
	const char *d = b->scanned_old;
	size_t len = b->scanned_old_len, clen = strlen(checksum), lo;
	int found = 0;

	if (!d)
		return 0;
	lo = sorted_lines_find(d, len, checksum, clen);
	while (lo < len && line_field_cmp(d + lo, len - lo, checksum, clen) == 0) {
		const char *nl = memchr(d + lo, '\n', len - lo);
		const char *le = nl ? nl : d + len, *hex = d + lo + clen + 1, *path;
		size_t hlen;
		int r;

		lo = (size_t)(le - d) + 1;
		found = 1;
		r = lines_addf(&b->scanned, "%.*s", (int)(le - (hex - clen - 1)), hex - clen - 1);
		if (r < 0)
			return r;
		path = hex < le ? memchr(hex, ' ', (size_t)(le - hex)) : NULL;
		if (!path)
			continue;
		hlen = (size_t)(path - hex);
		path++;
		if (hlen < 2 || hlen > ELF_BUILD_ID_MAX * 2 || !is_hex(hex, hlen) || path >= le)
			continue; /* "-": nothing found in it; or a damaged line */
		r = lines_addf(&b->index, "%.*s %c %d %.*s", (int)hlen, hex, REPO_INDEX_SCANNED, (int)n,
			       (int)(le - path), path);
		if (r < 0)
			return r;
	}
	return found;
}

static int scan_package(struct rrepo *r, struct index_builder *b, Id p, const char *checksum,
			char **ret_error)
{
	Solvable *s = pool_id2solvable(r->pool, p);
	const char *loc = solvable_lookup_location(s, NULL);
	struct scan_ctx c = { .b = b, .checksum = checksum, .n = p - r->repo->start };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *err = NULL;
	int k;

	if (!location_safe(loc))
		return 0;
	fd = openat(r->dirfd, loc, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		r->stats.scan_unavailable++;
		return 0; /* not mirrored (yet): scanned when it is */
	}
	k = pkgscan_build_ids(fd, scan_one, &c, &err);
	if (k < 0) {
		/* A damaged package must not stop the index of all the others:
		 * it is recorded as scanned (with nothing found) and reported. */
		error_set(ret_error, 0, "%s: %s", loc, err ? err : strerror(-k));
		if (c.added > 0)
			return 0;
	}
	r->stats.scanned_now++;
	if (c.added == 0)
		return lines_addf(&b->scanned, "%s - -", checksum);
	return 0;
}

static int index_build(struct rrepo *r, unsigned flags, char **ret_error)
{
	Pool *pool = r->pool;
	Repo *repo = r->repo;
	struct index_builder b = { 0 };
	unsigned char *has_link = NULL;
	char cookie_hex[REPO_COOKIE_LEN * 2 + 1], header[160];
	_cleanup_close_ int priv = -1;
	Dataiterator di;
	Id did, p;
	Solvable *s;
	int k = 0;

	priv = openat_dir(r->dirfd, REPO_PRIVATE_DIR);
	if (priv < 0)
		return -errno;
	has_link = calloc((size_t)(repo->end - repo->start) + 1, 1);
	if (!has_link)
		return -ENOMEM;

	/* 1. /usr/lib/.build-id/ and /usr/lib/debug/.build-id/ in the file lists. */
	dataiterator_init(&di, pool, repo, 0, SOLVABLE_FILELIST, "/usr/lib/",
			  SEARCH_STRINGSTART | SEARCH_FILES | SEARCH_COMPLETE_FILELIST);
	while (dataiterator_step(&di)) {
		char hex[ELF_BUILD_ID_MAX * 2 + 1];
		const char *path = di.kv.str;
		char kind;

		if (strncmp(path, BUILD_ID_DIR, strlen(BUILD_ID_DIR)) == 0 &&
		    build_id_from_link(path + strlen(BUILD_ID_DIR), hex))
			kind = REPO_INDEX_BINARY;
		else if (strncmp(path, DEBUG_BUILD_ID_DIR, strlen(DEBUG_BUILD_ID_DIR)) == 0 &&
			 build_id_from_link(path + strlen(DEBUG_BUILD_ID_DIR), hex))
			kind = REPO_INDEX_DEBUGINFO;
		else
			continue;
		if (kind == REPO_INDEX_BINARY)
			has_link[di.solvid - repo->start] = 1;
		k = lines_addf(&b.index, "%s %c %d", hex, kind, (int)(di.solvid - repo->start));
		if (k < 0)
			break;
	}
	dataiterator_free(&di);
	if (k < 0)
		goto out;

	/* 2. debuginfo(build-id) = HEX provides (primary.xml only, rpm >= 4.14). */
	did = pool_str2id(pool, "debuginfo(build-id)", 0);
	FOR_REPO_SOLVABLES(repo, p, s) {
		if (did && s->provides) {
			for (Id *pp = repo->idarraydata + s->provides; *pp; pp++) {
				Reldep *rd;
				const char *hex;
				if (!ISRELDEP(*pp))
					continue;
				rd = GETRELDEP(pool, *pp);
				if (rd->name != did || rd->flags != REL_EQ)
					continue;
				hex = pool_id2str(pool, rd->evr);
				if (strlen(hex) < 2 || strlen(hex) > ELF_BUILD_ID_MAX * 2 || !is_hex(hex, strlen(hex)))
					continue;
				k = lines_addf(&b.index, "%s %c %d", hex, REPO_INDEX_DEBUGINFO, (int)(p - repo->start));
				if (k < 0)
					goto out;
			}
		}
	}

	/* 3. Binary packages without links: scan their ELF files, once each. */
	if (!(flags & REPO_OPEN_NO_SCAN)) {
		k = read_file_at(priv, REPO_SCANNED_FILE, SCANNED_MAX, &b.scanned_old, &b.scanned_old_len);
		if (k < 0 && k != -ENOENT)
			goto out;
		FOR_REPO_SOLVABLES(repo, p, s) {
			const char *arch = pool_id2str(pool, s->arch), *checksum;
			Id type = 0;

			if (has_link[p - repo->start] || strcmp(arch, "noarch") == 0 ||
			    strcmp(arch, "src") == 0 || strcmp(arch, "nosrc") == 0 ||
			    name_is_debug(pool_id2str(pool, s->name)))
				continue;
			checksum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);
			if (!checksum || !is_hex(checksum, strlen(checksum)))
				continue;
			k = scanned_replay(&b, checksum, p - repo->start);
			if (k == 0)
				k = scan_package(r, &b, p, checksum, ret_error);
			if (k < 0)
				goto out;
		}
		/* 4a. The scanned cache (only a cache: written first). */
		lines_sort_unique(&b.scanned);
		k = lines_write(priv, REPO_SCANNED_FILE, NULL, &b.scanned, SCANNED_MAX, false);
		if (k < 0)
			goto out;
	}

	/* 4b. The index, with what it belongs to and how many entries it has. */
	lines_sort_unique(&b.index);
	hex_encode(r->cookie, REPO_COOKIE_LEN, cookie_hex);
	snprintf(header, sizeof(header), INDEX_MAGIC "%s %d %zu\n", cookie_hex, repo->end - repo->start,
		 b.index.n);
	k = lines_write(priv, REPO_INDEX_FILE, header, &b.index, SIZE_MAX / 2, false);
out:
	free(has_link);
	index_builder_release(&b);
	return k < 0 ? k : 0;
}

/* --- repository metadata --------------------------------------------------- */

static const char *pool_arch_for(const char *arch)
{
	/* Release ids say i386 (as ABRT's client does for i586/i686). */
	if (strcmp(arch, "i386") == 0)
		return "i686";
	return arch;
}

static int sha256_buf(const void *data, size_t len, uint8_t out[REPO_COOKIE_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != REPO_COOKIE_LEN)
		return -EIO;
	return 0;
}

const char *rrepo_repomd_find(Repo *md, const char *type, const unsigned char **ret_chk, Id *ret_chktype)
{
	Pool *pool = md->pool;
	const char *loc = NULL;
	Dataiterator di;

	*ret_chk = NULL;
	*ret_chktype = 0;
	dataiterator_init(&di, pool, md, SOLVID_META, REPOSITORY_REPOMD_TYPE, type, SEARCH_STRING);
	dataiterator_prepend_keyname(&di, REPOSITORY_REPOMD);
	if (dataiterator_step(&di)) {
		dataiterator_setpos_parent(&di);
		loc = pool_lookup_str(pool, SOLVID_POS, REPOSITORY_REPOMD_LOCATION);
		*ret_chk = pool_lookup_bin_checksum(pool, SOLVID_POS, REPOSITORY_REPOMD_CHECKSUM, ret_chktype);
	}
	dataiterator_free(&di);
	return loc;
}

/* Open a metadata file named by repomd.xml and check its checksum. */
static FILE *open_metadata(struct rrepo *r, const char *loc, const unsigned char *chk, Id chktype,
			   char **ret_error)
{
	_cleanup_close_ int fd = -1;
	Chksum *h;
	const unsigned char *got;
	int gotlen = 0;
	char data[65536];
	ssize_t n;
	FILE *f;

	if (!location_safe(loc)) {
		error_set(ret_error, -EINVAL, "repomd.xml names an unsafe location");
		return NULL;
	}
	fd = openat(r->dirfd, loc, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		error_set(ret_error, -errno, "%s: %m", loc);
		return NULL;
	}
	if (!chk || !chktype) {
		error_set(ret_error, -EBADMSG, "%s: repomd.xml gives no checksum for it", loc);
		return NULL;
	}
	h = solv_chksum_create(chktype);
	if (!h) {
		error_set(ret_error, -EBADMSG, "%s: unknown checksum type", loc);
		return NULL;
	}
	while ((n = read(fd, data, sizeof(data))) > 0)
		solv_chksum_add(h, data, (int)n);
	got = solv_chksum_get(h, &gotlen);
	if (n < 0 || !got || gotlen != solv_chksum_len(chktype) || memcmp(got, chk, (size_t)gotlen) != 0) {
		solv_chksum_free(h, NULL);
		error_set(ret_error, -EBADMSG, "%s: checksum does not match repomd.xml", loc);
		return NULL;
	}
	solv_chksum_free(h, NULL);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		error_set(ret_error, -errno, "%s: %m", loc);
		return NULL;
	}
	/* solv_xfopen_fd() picks the decompressor from the name's suffix. */
	f = solv_xfopen_fd(loc, fd, "r");
	if (!f) {
		error_set(ret_error, -EBADMSG, "%s: cannot decompress (unknown suffix?)", loc);
		return NULL;
	}
	TAKE_FD(fd);
	return f;
}

static int load_xml(struct rrepo *r, const char *repomd, size_t repomd_len, char **ret_error)
{
	static const char *const types[] = { "primary", "filelists" };
	Pool *mdpool;
	Repo *md;
	FILE *f;
	int k = 0;

	/* repomd.xml goes into a pool of its own: its meta data must not end up
	 * in repo.solv. */
	mdpool = pool_create();
	if (!mdpool)
		return -ENOMEM;
	md = repo_create(mdpool, "repomd");
	f = fmemopen((void *)repomd, repomd_len, "r");
	if (!f || repo_add_repomdxml(md, f, 0) != 0) {
		k = error_set(ret_error, -EBADMSG, "repodata/repomd.xml: %s", f ? pool_errstr(mdpool) : "cannot read");
		goto out;
	}
	for (size_t i = 0; i < ELEMENTSOF(types); i++) {
		const unsigned char *chk;
		Id chktype;
		const char *loc = rrepo_repomd_find(md, types[i], &chk, &chktype);
		FILE *x;

		if (!loc) {
			k = error_set(ret_error, -EBADMSG, "repodata/repomd.xml names no %s metadata", types[i]);
			goto out;
		}
		x = open_metadata(r, loc, chk, chktype, ret_error);
		if (!x) {
			k = -EBADMSG;
			goto out;
		}
		/* Filelists extend the solvables of primary (matched by pkgid,
		 * so primary must be internalized first: REPO_NO_INTERNALIZE
		 * on either silently attaches no files) and go into primary's
		 * repodata: in a repodata of their own, repo_write() took 27 s
		 * instead of 0.7 s on 100,000 packages (bench/gen-repo.py). */
		k = repo_add_rpmmd(r->repo, x, NULL, i == 0 ? 0 : REPO_EXTEND_SOLVABLES | REPO_REUSE_REPODATA);
		fclose(x);
		if (k != 0) {
			k = error_set(ret_error, -EBADMSG, "%s: %s", loc, pool_errstr(r->pool));
			goto out;
		}
	}
	repo_internalize(r->repo);
out:
	if (f)
		fclose(f);
	pool_free(mdpool);
	return k;
}

static int write_solv(struct rrepo *r)
{
	_cleanup_close_ int priv = -1;
	const char *tmp = "." REPO_SOLV_FILE ".tmp";
	FILE *f;
	int fd, k = 0;

	priv = openat_dir(r->dirfd, REPO_PRIVATE_DIR);
	if (priv < 0)
		return -errno;
	fd = openat(priv, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	if (repo_write(r->repo, f) != 0 || fwrite(r->cookie, REPO_COOKIE_LEN, 1, f) != 1 ||
	    fflush(f) != 0 || fsync(fd) < 0)
		k = -EIO;
	if (fclose(f) != 0 && k == 0)
		k = -EIO;
	if (k == 0 && renameat(priv, tmp, priv, REPO_SOLV_FILE) < 0)
		k = -errno;
	if (k < 0)
		unlinkat(priv, tmp, 0);
	return k;
}

/* --- the caches -------------------------------------------------------------- */

static void index_unmap(struct rrepo *r)
{
	if (r->idx_map)
		munmap(r->idx_map, r->idx_map_len);
	r->idx_map = NULL;
	r->idx = NULL;
	r->idx_len = r->idx_map_len = 0;
}

/* mmap buildid.idx if it belongs to this cookie and solvable count. */
static int index_map(struct rrepo *r)
{
	_cleanup_close_ int priv = -1, fd = -1;
	char want[128], cookie_hex[REPO_COOKIE_LEN * 2 + 1];
	struct stat st;
	const char *nl;
	uint64_t entries = 0;
	void *m;
	int n;

	priv = openat_dir(r->dirfd, REPO_PRIVATE_DIR);
	if (priv < 0)
		return -errno;
	fd = openat(priv, REPO_INDEX_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 1)
		return -ESTALE;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	hex_encode(r->cookie, REPO_COOKIE_LEN, cookie_hex);
	/* "MAGIC COOKIE NSOLVABLES NENTRIES\n": the count is read, not recounted,
	 * so opening a release never touches the whole index. */
	n = snprintf(want, sizeof(want), INDEX_MAGIC "%s %d ", cookie_hex, r->repo->end - r->repo->start);
	nl = memchr(m, '\n', (size_t)st.st_size);
	if (!nl || (size_t)(nl - (const char *)m) <= (size_t)n || memcmp(m, want, (size_t)n) != 0 ||
	    parse_u64_n((const char *)m + n, (size_t)(nl - (const char *)m) - (size_t)n, UINT_MAX, &entries) < 0) {
		munmap(m, (size_t)st.st_size);
		return -ESTALE;
	}
	index_unmap(r);
	r->stats.index_entries = (unsigned)entries;
	r->idx_map = m;
	r->idx_map_len = (size_t)st.st_size;
	r->idx = nl + 1;
	r->idx_len = (size_t)st.st_size - (size_t)(nl + 1 - (const char *)m);
	return 0;
}

/* Load repo.solv if its cookie matches; -ESTALE when it does not. */
static int load_solv(struct rrepo *r)
{
	_cleanup_close_ int priv = -1, fd = -1;
	uint8_t cookie[REPO_COOKIE_LEN];
	struct stat st;
	FILE *f;
	int k;

	priv = openat_dir(r->dirfd, REPO_PRIVATE_DIR);
	if (priv < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	fd = openat(priv, REPO_SOLV_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < REPO_COOKIE_LEN)
		return -ESTALE;
	if (pread(fd, cookie, sizeof(cookie), st.st_size - REPO_COOKIE_LEN) != REPO_COOKIE_LEN ||
	    memcmp(cookie, r->cookie, REPO_COOKIE_LEN) != 0)
		return -ESTALE;
	f = fdopen(fd, "r");
	if (!f)
		return -errno;
	TAKE_FD(fd);
	/* repo_add_solv() reads one solv image and stops; the cookie follows. */
	k = repo_add_solv(r->repo, f, 0);
	fclose(f);
	if (k != 0) {
		repo_empty(r->repo, 1);
		return -ESTALE;
	}
	return 0;
}

static int lock_private(struct rrepo *r, int op, char **ret_error)
{
	_cleanup_close_ int priv = -1;
	int fd;

	if (mkdirat(r->dirfd, REPO_PRIVATE_DIR, 0755) < 0 && errno != EEXIST)
		return error_set(ret_error, -errno, "%s/%s: %m", r->release, REPO_PRIVATE_DIR);
	priv = openat_dir(r->dirfd, REPO_PRIVATE_DIR);
	if (priv < 0)
		return error_set(ret_error, -errno, "%s/%s: %m", r->release, REPO_PRIVATE_DIR);
	fd = openat(priv, REPO_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_set(ret_error, -errno, "%s/%s/%s: %m", r->release, REPO_PRIVATE_DIR, REPO_LOCK_FILE);
	while (flock(fd, op) < 0) {
		if (errno != EINTR) {
			int e = -errno;
			close(fd);
			return error_set(ret_error, e, "cannot lock %s: %s", r->release, strerror(-e));
		}
	}
	return fd;
}

static int try_caches(struct rrepo *r)
{
	double t0 = monotonic_seconds();
	int k = load_solv(r);

	if (k < 0)
		return k;
	k = index_map(r);
	if (k < 0) {
		repo_empty(r->repo, 1);
		return k;
	}
	r->stats.cache_used = true;
	r->stats.load_seconds = monotonic_seconds() - t0;
	return 0;
}

int rrepo_open(int repodir_fd, const char *release, unsigned flags, struct rrepo **ret,
	       char **ret_error)
{
	_cleanup_free_ char *repomd = NULL;
	struct rrepo *r;
	const char *dash;
	size_t repomd_len = 0;
	int k, lockfd = -1;
	double t0;

	if (!release_id_valid(release))
		return error_set(ret_error, -EINVAL, "invalid release id");
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dirfd = -1;
	r->release = strdup(release);
	dash = strrchr(release, '-');
	r->arch = strdup(dash + 1);
	if (!r->release || !r->arch) {
		k = -ENOMEM;
		goto fail;
	}
	r->dirfd = openat_dir(repodir_fd, release);
	if (r->dirfd < 0) {
		k = error_set(ret_error, -errno, "no repository for %s: %m", release);
		goto fail;
	}
	k = read_file_at(r->dirfd, REPOMD_PATH, REPOMD_MAX, &repomd, &repomd_len);
	if (k < 0) {
		error_set(ret_error, k, "%s/" REPOMD_PATH ": %s", release, strerror(-k));
		goto fail;
	}
	k = sha256_buf(repomd, repomd_len, r->cookie);
	if (k < 0)
		goto fail;

	r->pool = pool_create();
	if (!r->pool) {
		k = -ENOMEM;
		goto fail;
	}
	/* Debian's libsolv defaults to Debian version rules. */
	pool_setdisttype(r->pool, DISTTYPE_RPM);
	pool_setarch(r->pool, pool_arch_for(r->arch));
	r->repo = repo_create(r->pool, release);

	if (!(flags & REPO_OPEN_FORCE_REBUILD) && try_caches(r) == 0)
		goto done;
	if (flags & REPO_OPEN_NO_REBUILD) {
		k = error_set(ret_error, -ESTALE, "the caches of %s are missing or stale", release);
		goto fail;
	}

	/* Rebuild under the lock; whoever held it may have just done it. */
	lockfd = lock_private(r, LOCK_EX, ret_error);
	if (lockfd < 0) {
		k = lockfd;
		goto fail;
	}
	if (!(flags & REPO_OPEN_FORCE_REBUILD) && try_caches(r) == 0)
		goto done;
	t0 = monotonic_seconds();
	k = load_xml(r, repomd, repomd_len, ret_error);
	if (k < 0)
		goto fail;
	r->stats.load_seconds = monotonic_seconds() - t0;
	t0 = monotonic_seconds();
	k = write_solv(r);
	r->stats.write_seconds = monotonic_seconds() - t0;
	if (k < 0) {
		error_set(ret_error, k, "cannot write %s/%s/%s: %s", release, REPO_PRIVATE_DIR, REPO_SOLV_FILE,
		     strerror(-k));
		goto fail;
	}
	t0 = monotonic_seconds();
	k = index_build(r, flags, ret_error);
	if (k < 0) {
		error_set(ret_error, k, "cannot build the build-id index of %s: %s", release, strerror(-k));
		goto fail;
	}
	k = index_map(r);
	if (k < 0) {
		error_set(ret_error, k, "cannot map the build-id index of %s: %s", release, strerror(-k));
		goto fail;
	}
	r->stats.index_seconds = monotonic_seconds() - t0;
	r->stats.reindexed = true;
done:
	if (lockfd >= 0)
		close(lockfd);
	r->stats.packages = (unsigned)r->repo->nsolvables;
	*ret = r;
	return 0;
fail:
	if (lockfd >= 0)
		close(lockfd);
	rrepo_free(r);
	return k;
}

void rrepo_free(struct rrepo *r)
{
	if (!r)
		return;
	index_unmap(r);
	if (r->pool)
		pool_free(r->pool);
	if (r->dirfd >= 0)
		close(r->dirfd);
	free(r->release);
	free(r->arch);
	free(r);
}

/* --- lookups ------------------------------------------------------------------ */

size_t rrepo_lookup(const struct rrepo *r, const char *hex, struct repo_hit *hits, size_t max)
{
	const char *d = r->idx, *end;
	size_t klen = strlen(hex), lo, count = 0;
	int nsolv = r->repo->end - r->repo->start;

	if (!d)
		return 0;
	end = d + r->idx_len;
	lo = sorted_lines_find(d, r->idx_len, hex, klen);
	while (lo < r->idx_len && line_field_cmp(d + lo, r->idx_len - lo, hex, klen) == 0) {
		const char *line = d + lo, *nl = memchr(line, '\n', r->idx_len - lo);
		const char *le = nl ? nl : end, *p = line + klen + 1;
		uint64_t n = 0;
		char kind;

		lo = (size_t)(le - d) + 1;
		if (p + 2 >= le || p[1] != ' ')
			continue;
		kind = p[0];
		p += 2;
		while (p < le && *p >= '0' && *p <= '9' && n <= (uint64_t)nsolv)
			n = n * 10 + (uint64_t)(*p++ - '0');
		if (n >= (uint64_t)nsolv || (p < le && *p != ' '))
			continue; /* the mapping was checked; a bad line is skipped */
		if (count < max) {
			hits[count].p = r->repo->start + (Id)n;
			hits[count].kind = kind;
			hits[count].path = p < le ? p + 1 : NULL;
			hits[count].path_len = p < le ? (size_t)(le - p - 1) : 0;
		}
		count++;
	}
	return count;
}

const char *rrepo_nevra(const struct rrepo *r, Id p)
{
	return pool_solvid2str(r->pool, p);
}

static bool has_file_exact(const struct rrepo *r, Id p, const char *path)
{
	Dataiterator di;
	bool found;

	dataiterator_init(&di, r->pool, r->repo, p, SOLVABLE_FILELIST, path,
			  SEARCH_STRING | SEARCH_FILES | SEARCH_COMPLETE_FILELIST);
	found = dataiterator_step(&di) != 0;
	dataiterator_free(&di);
	return found;
}

bool rrepo_has_file(const struct rrepo *r, Id p, const char *path)
{
	static const char *const merged[] = { "/lib/", "/lib64/", "/bin/", "/sbin/" };
	char twin[4096];

	if (!path || path[0] != '/')
		return false;
	if (has_file_exact(r, p, path))
		return true;
	/* usrmerge: a core's /lib64/libc.so.6 is the package's /usr/lib64/libc.so.6
	 * and the other way round on older releases. */
	for (size_t i = 0; i < ELEMENTSOF(merged); i++) {
		if (strncmp(path, merged[i], strlen(merged[i])) == 0) {
			if ((size_t)snprintf(twin, sizeof(twin), "/usr%s", path) < sizeof(twin))
				return has_file_exact(r, p, twin);
			return false;
		}
	}
	if (strncmp(path, "/usr/", 5) == 0)
		for (size_t i = 0; i < ELEMENTSOF(merged); i++)
			if (strncmp(path + 4, merged[i], strlen(merged[i])) == 0)
				return has_file_exact(r, p, path + 4);
	return false;
}

void rrepo_find_file(const struct rrepo *r, const char *path, Queue *ret)
{
	Dataiterator di;

	queue_empty(ret);
	dataiterator_init(&di, r->pool, r->repo, 0, SOLVABLE_FILELIST, path,
			  SEARCH_STRING | SEARCH_FILES | SEARCH_COMPLETE_FILELIST);
	while (dataiterator_step(&di)) {
		queue_pushunique(ret, di.solvid);
		dataiterator_skip_solvable(&di);
	}
	dataiterator_free(&di);
}

int rrepo_files_under(const struct rrepo *r, Id p, const char *prefix,
		      int (*fn)(const char *path, void *userdata), void *userdata)
{
	Dataiterator di;
	int ret = 0;

	dataiterator_init(&di, r->pool, r->repo, p, SOLVABLE_FILELIST, prefix,
			  SEARCH_STRINGSTART | SEARCH_FILES | SEARCH_COMPLETE_FILELIST);
	while (ret == 0 && dataiterator_step(&di))
		ret = fn(di.kv.str, userdata);
	dataiterator_free(&di);
	return ret;
}

int rrepo_package_file(const struct rrepo *r, Id p, const char **ret_location,
		       const char **ret_chktype, const char **ret_checksum)
{
	Solvable *s = pool_id2solvable(r->pool, p);
	const char *loc = solvable_lookup_location(s, NULL);
	Id type = 0;
	const char *chk = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);

	if (!location_safe(loc) || !chk || !type)
		return -ENOENT;
	*ret_location = loc;
	*ret_chktype = solv_chksum_type2str(type);
	*ret_checksum = chk;
	return 0;
}

Id rrepo_find(const struct rrepo *r, const char *what)
{
	Pool *pool = r->pool;
	Solvable *s;
	Id p, best = 0;

	FOR_REPO_SOLVABLES(r->repo, p, s) {
		const char *arch = pool_id2str(pool, s->arch);
		if (strcmp(arch, "src") == 0 || strcmp(arch, "nosrc") == 0)
			continue;
		const char *name = pool_id2str(pool, s->name);
		size_t nlen = strlen(name);

		if (strncmp(name, what, nlen) != 0)
			continue; /* neither its name nor its NEVRA */
		if (what[nlen] == '-' && strcmp(rrepo_nevra(r, p), what) == 0)
			return p;
		if (what[nlen] != '\0')
			continue;
		if (!best || pool_evrcmp(pool, s->evr, pool_id2solvable(pool, best)->evr, EVRCMP_COMPARE) > 0 ||
		    (s->evr == pool_id2solvable(pool, best)->evr && strcmp(arch, r->arch) == 0))
			best = p;
	}
	return best;
}
