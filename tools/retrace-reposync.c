/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-reposync - mirror a release's package sources into
 * RepoDir/<release-id>/, keep every package ever mirrored, regenerate the
 * metadata and the solver's caches, and publish the supported releases
 * and packages into the spool for retrace-httpd (/settings, /checkpackage).
 *
 *   retrace-reposync [-c CONF] [--sources FILE] RELEASE...
 *   retrace-reposync [-c CONF] --publish-only
 *
 * Sources: RepoSourcesDir/<release-id>.sources, one base URL per line
 * (http://, https://, file://). For each source: repodata/repomd.xml,
 * then primary (its checksum checked against repomd.xml), then every
 * package not mirrored yet, downloaded to .retrace/tmp/ with its checksum
 * from primary checked while it streams, and only then renamed into
 * Packages/. A package whose checksum does not match is refused with a
 * message and never becomes visible.
 *
 * Safety: one run per release at a time (flock on .retrace/sync.lock; a
 * second run says so and exits 75); an interrupted run leaves only files in
 * .retrace/tmp/ (removed by the next run) and at worst new packages the
 * metadata does not list yet (.retrace/metadata-dirty makes the next run
 * regenerate it). createrepo_c replaces repodata/ atomically; the solver's
 * caches and the published lists are replaced with rename().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <solv/chksum.h>
#include <solv/knownid.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/repo_repomdxml.h>
#include <solv/repo_rpmmd.h>
#include <solv/solv_xfopen.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "solver/repo.h"

#define EXIT_LOCKED 75 /* EX_TEMPFAIL: another run holds the lock */
#define SOURCES_MAX (64 * 1024)
#define MAX_SOURCES 64
#define REPOMD_MAX (16 * 1024 * 1024)
#define METADATA_MAX (4ULL << 30) /* one primary.xml file */
#define PACKAGE_MAX (16ULL << 30) /* one package */
#define PUBLISHED_DIR ".published"
#define DIRTY_FILE "metadata-dirty"
#define TMP_DIR "tmp"

static const char *prog = "retrace-reposync";

struct counts {
	unsigned listed, present, added, refused, failed;
};

/* --- fetching ----------------------------------------------------------------- */

struct sink {
	int fd;
	Chksum *sum;
	uint64_t written, max;
	int err;
};

static size_t sink_write(char *data, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;

	if (len > s->max - s->written) {
		s->err = -EFBIG;
		return 0; /* aborts the transfer */
	}
	if (write_all(s->fd, data, len) < 0) {
		s->err = -errno;
		return 0;
	}
	if (s->sum)
		solv_chksum_add(s->sum, data, (int)len);
	s->written += len;
	return len;
}

/*
 * Fetch url into fd (truncated first), at most max bytes; with chktype set,
 * the content's checksum must equal chk. On failure a message in *ret_error.
 */
static int fetch(const char *url, int fd, uint64_t max, Id chktype, const unsigned char *chk,
		 char **ret_error)
{
	struct sink s = { .fd = fd, .max = max };
	char curlerr[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode cc;
	long code = 0;
	int k = 0;

	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return error_set(ret_error, -errno, "%m");
	if (chktype) {
		if (!chk)
			return error_set(ret_error, -EINVAL, "no checksum to compare with");
		s.sum = solv_chksum_create(chktype);
		if (!s.sum)
			return error_set(ret_error, -EINVAL, "unknown checksum type");
	}
	c = curl_easy_init();
	if (!c) {
		solv_chksum_free(s.sum, NULL);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* Only these schemes, also after redirects (no ftp, no scp, no dict...). */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled mirror: under 1 KiB/s for 60 s ends the transfer. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "retrace-reposync");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (s.err == -EFBIG)
		k = error_set(ret_error, -EFBIG, "larger than %llu bytes", (unsigned long long)max);
	else if (s.err < 0)
		k = error_set(ret_error, s.err, "cannot write: %s", strerror(-s.err));
	else if (cc != CURLE_OK)
		k = error_set(ret_error, -EIO, "%s", curlerr[0] ? curlerr : curl_easy_strerror(cc));
	if (k == 0 && s.sum && chk) {
		int len = 0;
		const unsigned char *got = solv_chksum_get(s.sum, &len);
		if (!got || len != solv_chksum_len(chktype) || memcmp(got, chk, (size_t)len) != 0) {
			char want_hex[2 * 64 + 1] = "", got_hex[2 * 64 + 1] = "";
			if (len > 0 && len <= 64) {
				hex_encode(chk, (size_t)len, want_hex);
				hex_encode(got, (size_t)len, got_hex);
			}
			k = error_set(ret_error, -EBADMSG, "checksum mismatch: %s %s expected, %s received",
				      solv_chksum_type2str(chktype), want_hex, got_hex);
		}
	}
	solv_chksum_free(s.sum, NULL);
	if (k == 0 && fsync(fd) < 0)
		k = error_set(ret_error, -errno, "fsync: %m");
	return k;
}

/* base + "/" + rel, without a doubled slash. */
static char *url_join(const char *base, const char *rel)
{
	char *u;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*rel == '/')
		rel++;
	if (asprintf(&u, "%.*s/%s", (int)n, base, rel) < 0)
		return NULL;
	return u;
}

/* A package's file name as stored in Packages/: its location's last part. */
static const char *package_file_name(const char *loc)
{
	const char *b = strrchr(loc, '/');
	size_t n;

	b = b ? b + 1 : loc;
	n = strlen(b);
	if (n < 5 || n > 255 || strcmp(b + n - 4, ".rpm") != 0 || b[0] == '.')
		return NULL;
	for (const char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._+-~^", *p)))
			return NULL;
	return b;
}

/* --- one source ----------------------------------------------------------------- */

struct release_ctx {
	const char *release;
	int dirfd;  /* RepoDir/<release> */
	int privfd; /* .retrace */
	int tmpfd;  /* .retrace/tmp */
	int pkgfd;  /* Packages */
	struct counts n;
};

static int mark_dirty(struct release_ctx *rc)
{
	int fd = openat(rc->privfd, DIRTY_FILE, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return fsync_dirfd(rc->privfd);
}

static int open_tmp(struct release_ctx *rc, const char *name)
{
	unlinkat(rc->tmpfd, name, 0);
	return openat(rc->tmpfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
}

static void mirror_package(struct release_ctx *rc, const char *base, Solvable *s)
{
	const char *loc = solvable_lookup_location(s, NULL), *file;
	const unsigned char *chk;
	_cleanup_free_ char *url = NULL, *part = NULL, *err = NULL;
	_cleanup_close_ int fd = -1;
	Id chktype = 0;
	int k;

	rc->n.listed++;
	file = loc ? package_file_name(loc) : NULL;
	if (!file) {
		fprintf(stderr, "%s: %s: %s: refused: unsafe package location\n", prog, rc->release,
			loc ? loc : "(none)");
		rc->n.refused++;
		return;
	}
	if (file_exists_at(rc->pkgfd, file)) {
		rc->n.present++; /* mirrored earlier: packages never change under one name */
		return;
	}
	chk = solvable_lookup_bin_checksum(s, SOLVABLE_CHECKSUM, &chktype);
	if (!chk || !chktype) {
		fprintf(stderr, "%s: %s: %s: refused: the metadata gives no checksum\n", prog, rc->release, file);
		rc->n.refused++;
		return;
	}
	url = url_join(base, loc);
	if (!url || asprintf(&part, "%s.part", file) < 0) {
		part = NULL;
		rc->n.failed++;
		return;
	}
	fd = open_tmp(rc, part);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s: cannot create .retrace/tmp/%s: %m\n", prog, rc->release, file, part);
		rc->n.failed++;
		return;
	}
	k = fetch(url, fd, PACKAGE_MAX, chktype, chk, &err);
	if (k < 0) {
		unlinkat(rc->tmpfd, part, 0);
		fprintf(stderr, "%s: %s: %s: %s: %s\n", prog, rc->release, file,
			k == -EBADMSG ? "refused" : "not mirrored", err ? err : strerror(-k));
		if (k == -EBADMSG)
			rc->n.refused++;
		else
			rc->n.failed++;
		return;
	}
	/* The metadata goes stale the moment a package appears: say so first. */
	k = mark_dirty(rc);
	if (k < 0 || renameat(rc->tmpfd, part, rc->pkgfd, file) < 0) {
		fprintf(stderr, "%s: %s: %s: cannot move into Packages/: %s\n", prog, rc->release, file,
			strerror(k < 0 ? -k : errno));
		unlinkat(rc->tmpfd, part, 0);
		rc->n.failed++;
		return;
	}
	fsync_dirfd(rc->pkgfd);
	rc->n.added++;
	printf("%s: added %s\n", rc->release, file);
}

static int sync_source(struct release_ctx *rc, const char *base)
{
	_cleanup_free_ char *url = NULL, *err = NULL, *purl = NULL, *pname = NULL;
	_cleanup_close_ int mdfd = -1, pfd = -1;
	const unsigned char *chk;
	const char *loc, *slash;
	Pool *pool = pool_create();
	Repo *md, *repo;
	Solvable *s;
	Id chktype, p;
	FILE *f = NULL;
	int k;

	pool_setdisttype(pool, DISTTYPE_RPM);
	md = repo_create(pool, "repomd");
	repo = repo_create(pool, "source");
	url = url_join(base, "repodata/repomd.xml");
	mdfd = open_tmp(rc, "repomd.xml.part");
	if (!url || mdfd < 0) {
		k = -ENOMEM;
		goto out;
	}
	k = fetch(url, mdfd, REPOMD_MAX, 0, NULL, &err);
	if (k < 0) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, rc->release, url, err ? err : strerror(-k));
		goto out;
	}
	f = fdopen(dup(mdfd), "r");
	if (!f || fseek(f, 0, SEEK_SET) != 0 || repo_add_repomdxml(md, f, 0) != 0) {
		fprintf(stderr, "%s: %s: %s: not a repomd.xml: %s\n", prog, rc->release, url, pool_errstr(pool));
		k = -EBADMSG;
		goto out;
	}
	loc = rrepo_repomd_find(md, "primary", &chk, &chktype);
	if (!loc || !chk) {
		fprintf(stderr, "%s: %s: %s: names no primary metadata with a checksum\n", prog, rc->release, url);
		k = -EBADMSG;
		goto out;
	}
	slash = strrchr(loc, '/');
	/* keep the suffix: it tells solv_xfopen_fd() the compression */
	if (asprintf(&pname, "primary.part.%s", slash ? slash + 1 : loc) < 0) {
		pname = NULL;
		k = -ENOMEM;
		goto out;
	}
	purl = url_join(base, loc);
	pfd = open_tmp(rc, pname);
	if (!purl || pfd < 0) {
		k = -EIO;
		goto out;
	}
	free(err);
	err = NULL;
	k = fetch(purl, pfd, METADATA_MAX, chktype, chk, &err);
	if (k < 0) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, rc->release, purl, err ? err : strerror(-k));
		goto out;
	}
	if (lseek(pfd, 0, SEEK_SET) < 0) {
		k = -errno;
		goto out;
	}
	{
		FILE *x = solv_xfopen_fd(pname, dup(pfd), "r");
		if (!x || repo_add_rpmmd(repo, x, NULL, 0) != 0) {
			fprintf(stderr, "%s: %s: %s: unreadable primary metadata: %s\n", prog, rc->release, purl,
				x ? pool_errstr(pool) : "cannot decompress");
			if (x)
				fclose(x);
			k = -EBADMSG;
			goto out;
		}
		fclose(x);
	}
	FOR_REPO_SOLVABLES(repo, p, s) {
		const char *arch = pool_id2str(pool, s->arch);
		if (strcmp(arch, "src") == 0 || strcmp(arch, "nosrc") == 0)
			continue; /* source packages are not needed to retrace */
		mirror_package(rc, base, s);
	}
	k = 0;
out:
	if (f)
		fclose(f);
	unlinkat(rc->tmpfd, "repomd.xml.part", 0);
	if (pname)
		unlinkat(rc->tmpfd, pname, 0);
	pool_free(pool);
	return k;
}

/* --- metadata, caches ---------------------------------------------------------- */

static int run_createrepo(const char *dir)
{
	pid_t pid;
	int status;

	/* createrepo_c writes .repodata/ and swaps it in: readers see the old
	 * or the new metadata, never a mix. --update reuses what it read before. */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *const argv[] = { (char *)"createrepo_c", (char *)"--quiet", (char *)"--update",
				       (char *)"--general-compress-type=xz", (char *)"--no-database",
				       (char *)dir, NULL };
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run createrepo_c: %m\n", prog);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int read_sources(const char *path, char **ret_text, char **urls, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	size_t n = 0;
	int k;

	k = read_file_at(AT_FDCWD, path, SOURCES_MAX, &text, NULL);
	if (k < 0)
		return k;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l = str_strip(l);
		if (!*l || *l == '#')
			continue;
		if (strncmp(l, "http://", 7) != 0 && strncmp(l, "https://", 8) != 0 &&
		    strncmp(l, "file://", 7) != 0) {
			fprintf(stderr, "%s: %s: not an http://, https:// or file:// URL: %s\n", prog, path, l);
			return -EINVAL;
		}
		if (n == MAX_SOURCES) {
			fprintf(stderr, "%s: %s: more than %d sources\n", prog, path, MAX_SOURCES);
			return -E2BIG;
		}
		urls[n++] = l;
	}
	*ret_text = TAKE_PTR(text);
	*ret_n = n;
	return 0;
}

static int sync_release(const struct config *cfg, int repofd, const char *release, const char *sources)
{
	_cleanup_free_ char *text = NULL, *spath = NULL, *dir = NULL, *err = NULL;
	_cleanup_close_ int lockfd = -1;
	struct release_ctx rc = { .release = release, .dirfd = -1, .privfd = -1, .tmpfd = -1, .pkgfd = -1 };
	char *urls[MAX_SOURCES];
	size_t nurls = 0;
	struct rrepo *r = NULL;
	bool dirty;
	int k, failures = 0;

	if (!release_id_valid(release)) {
		fprintf(stderr, "%s: invalid release id: %s\n", prog, release);
		return 2;
	}
	if (!sources) {
		if (asprintf(&spath, "%s/%s.sources", cfg->repo_sources_dir, release) < 0)
			return 1;
		sources = spath;
	}
	k = read_sources(sources, &text, urls, &nurls);
	if (k < 0) {
		if (k != -EINVAL && k != -E2BIG)
			fprintf(stderr, "%s: %s: %s\n", prog, sources, strerror(-k));
		return 1;
	}
	if (nurls == 0) {
		fprintf(stderr, "%s: %s: no source URL\n", prog, sources);
		return 1;
	}

	if ((mkdirat(repofd, release, 0755) < 0 && errno != EEXIST) ||
	    (rc.dirfd = openat_dir(repofd, release)) < 0 ||
	    (mkdirat(rc.dirfd, REPO_PRIVATE_DIR, 0755) < 0 && errno != EEXIST) ||
	    (rc.privfd = openat_dir(rc.dirfd, REPO_PRIVATE_DIR)) < 0 ||
	    (mkdirat(rc.dirfd, "Packages", 0755) < 0 && errno != EEXIST) ||
	    (rc.pkgfd = openat_dir(rc.dirfd, "Packages")) < 0) {
		fprintf(stderr, "%s: %s: cannot set up the repository directory: %m\n", prog, release);
		k = 1;
		goto out;
	}
	lockfd = openat(rc.privfd, "sync.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (lockfd >= 0 && errno == EWOULDBLOCK)
			fprintf(stderr, "%s: %s: another retrace-reposync is running for this release\n", prog,
				release);
		else
			fprintf(stderr, "%s: %s: cannot lock: %m\n", prog, release);
		k = lockfd >= 0 && errno == EWOULDBLOCK ? EXIT_LOCKED : 1;
		goto out;
	}
	/* What an interrupted run left in tmp/ is garbage now that we hold the lock. */
	rm_rf_at(rc.privfd, TMP_DIR);
	if (mkdirat(rc.privfd, TMP_DIR, 0755) < 0 || (rc.tmpfd = openat_dir(rc.privfd, TMP_DIR)) < 0) {
		fprintf(stderr, "%s: %s: cannot create .retrace/tmp: %m\n", prog, release);
		k = 1;
		goto out;
	}

	for (size_t i = 0; i < nurls; i++)
		if (sync_source(&rc, urls[i]) < 0)
			failures++;

	dirty = file_exists_at(rc.privfd, DIRTY_FILE) || !file_exists_at(rc.dirfd, "repodata/repomd.xml");
	if (dirty) {
		if (asprintf(&dir, "%s/%s", cfg->repo_dir, release) < 0) {
			k = 1;
			goto out;
		}
		/* a .repodata/ left by an interrupted createrepo_c blocks the next one */
		rm_rf_at(rc.dirfd, ".repodata");
		k = run_createrepo(dir);
		if (k < 0) {
			fprintf(stderr, "%s: %s: createrepo_c failed; the previous metadata stays\n", prog, release);
			k = 1;
			goto out;
		}
		unlinkat(rc.privfd, DIRTY_FILE, 0);
	}
	k = rrepo_open(repofd, release, 0, &r, &err);
	if (k < 0) {
		fprintf(stderr, "%s: %s: cannot index: %s\n", prog, release, err ? err : strerror(-k));
		k = 1;
		goto out;
	}
	if (err)
		fprintf(stderr, "%s: %s: warning: %s\n", prog, release, err);
	printf("%s: %u packages listed, %u new, %u already here, %u refused, %u failed; "
	       "%u in the repository, %u index entries, %u scanned\n",
	       release, rc.n.listed, rc.n.added, rc.n.present, rc.n.refused, rc.n.failed, r->stats.packages,
	       r->stats.index_entries, r->stats.scanned_now);
	k = failures || rc.n.refused || rc.n.failed ? 1 : 0;
out:
	rrepo_free(r);
	if (rc.tmpfd >= 0) {
		close(rc.tmpfd);
		rm_rf_at(rc.privfd, TMP_DIR);
	}
	if (rc.pkgfd >= 0)
		close(rc.pkgfd);
	if (rc.privfd >= 0)
		close(rc.privfd);
	if (rc.dirfd >= 0)
		close(rc.dirfd);
	return k;
}

/* --- publishing ------------------------------------------------------------------ */

/*
 * SaveDir/.published/releases: every release with a repository;
 * SaveDir/.published/packages: "NVR.ARCH RELEASE" per binary package,
 * sorted bytewise (httpd binary-searches it for /checkpackage).
 */
static int publish(const struct config *cfg, int repofd)
{
	_cleanup_close_ int spoolfd = -1, pubfd = -1;
	struct lines releases = { 0 }, packages = { 0 };
	DIR *d;
	struct dirent *de;
	int k = 0, dfd;

	spoolfd = open(cfg->save_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spoolfd < 0) {
		fprintf(stderr, "%s: %s: %m\n", prog, cfg->save_dir);
		return 1;
	}
	if ((mkdirat(spoolfd, PUBLISHED_DIR, 0755) < 0 && errno != EEXIST) ||
	    (pubfd = openat_dir(spoolfd, PUBLISHED_DIR)) < 0) {
		fprintf(stderr, "%s: %s/%s: %m\n", prog, cfg->save_dir, PUBLISHED_DIR);
		return 1;
	}
	dfd = dup(repofd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		fprintf(stderr, "%s: %s: %m\n", prog, cfg->repo_dir);
		return 1;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *err = NULL;
		struct rrepo *r = NULL;
		Solvable *s;
		Id p;

		if (!release_id_valid(de->d_name))
			continue;
		k = rrepo_open(repofd, de->d_name, 0, &r, &err);
		if (k < 0) {
			fprintf(stderr, "%s: %s: not published: %s\n", prog, de->d_name, err ? err : strerror(-k));
			k = 0;
			continue;
		}
		k = lines_addf(&releases, "%s", de->d_name);
		FOR_REPO_SOLVABLES(r->repo, p, s) {
			const char *evr = pool_id2str(r->pool, s->evr), *colon = strchr(evr, ':');
			if (k < 0)
				break;
			/* the client sends NVR without the epoch */
			k = lines_addf(&packages, "%s-%s.%s %s", pool_id2str(r->pool, s->name), colon ? colon + 1 : evr,
				       pool_id2str(r->pool, s->arch), de->d_name);
		}
		rrepo_free(r);
		if (k < 0)
			break;
	}
	closedir(d);
	lines_sort_unique(&packages);
	lines_sort_unique(&releases);
	if (k >= 0)
		k = lines_write(pubfd, "packages", NULL, &packages, SPOOL_MAX_PUBLISHED_LIST, true);
	if (k >= 0)
		k = lines_write(pubfd, "releases", NULL, &releases, SPOOL_MAX_PUBLISHED_LIST, true);
	if (k < 0)
		fprintf(stderr, "%s: cannot publish into %s/%s: %s\n", prog, cfg->save_dir, PUBLISHED_DIR,
			strerror(-k));
	else
		printf("published %zu releases, %zu packages\n", releases.n, packages.n);
	lines_release(&releases);
	lines_release(&packages);
	return k < 0 ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [-c CONF] [--sources FILE] RELEASE...\n"
		   "       %s [-c CONF] --publish-only\n"
		   "  -c, --config FILE  configuration (RepoDir, RepoSourcesDir, SaveDir)\n"
		   "  --sources FILE     source URLs for the (single) release instead of\n"
		   "                     RepoSourcesDir/RELEASE.sources\n"
		   "  --publish-only     only rewrite SaveDir/.published/ from RepoDir\n"
		   "Exit status: 0 all mirrored; 1 something was refused or failed (see the messages);\n"
		   "2 usage; 75 another run holds the release's lock.\n",
		prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sources", required_argument, NULL, 's' },
		{ "publish-only", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config = CONFIG_DEFAULT_PATH, *sources = NULL;
	_cleanup_free_ char *err = NULL;
	_cleanup_close_ int repofd = -1;
	bool publish_only = false;
	struct config cfg;
	int c, k, rc = 0;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': sources = optarg; break;
		case 'P': publish_only = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((optind == argc) != publish_only || (sources && argc - optind != 1)) {
		usage(stderr);
		return 2;
	}
	k = config_load(config, &cfg, &err);
	if (k < 0) {
		fprintf(stderr, "%s: %s\n", prog, err ? err : strerror(-k));
		return 1;
	}
	/* Files we create are readable by the worker and httpd (other users). */
	umask(022);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: cannot initialize libcurl\n", prog);
		config_release(&cfg);
		return 1;
	}
	repofd = open(cfg.repo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (repofd < 0) {
		fprintf(stderr, "%s: RepoDir %s: %m\n", prog, cfg.repo_dir);
		rc = 1;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		k = sync_release(&cfg, repofd, argv[i], sources);
		if (k != 0 && (rc == 0 || k == EXIT_LOCKED))
			rc = k;
	}
	k = publish(&cfg, repofd);
	if (k != 0 && rc == 0)
		rc = k;
out:
	curl_global_cleanup();
	config_release(&cfg);
	fflush(stdout);
	return rc;
}
