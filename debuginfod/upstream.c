/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "upstream.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "solver/elfnote.h"

#define BUILD_ID_DIR "root/usr/lib/debug/.build-id"
#define META_MAX 4096
#define ELF_HEAD 65536

bool upstream_enabled(const struct config *cfg)
{
	return cfg->debuginfod_upstream_urls && *cfg->debuginfod_upstream_urls;
}

/* Remove the entries of dir (under upstream/) older than max_age seconds whose name starts with prefix. */
/* upstream/dir for reading its entries, or NULL. */
static DIR *open_sub(struct upstream *u, const char *dir)
{
	int dfd = openat_dir(u->fd, dir);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	if (!d && dfd >= 0)
		close(dfd);
	return d;
}

static void sweep_dir(struct upstream *u, const char *dir, const char *prefix, time_t max_age, time_t now)
{
	DIR *d = open_sub(u, dir);
	struct dirent *e;
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime >= max_age)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/*
 * The layers of tasks a killed worker left (a task's layer is removed when
 * it ends; none lives two days: ProcessCommunicateTimeout is at most one).
 */
static void sweep_layers(struct upstream *u, time_t now)
{
	DIR *d = open_sub(u, "layers");
	struct dirent *e;
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "task-", 5) == 0 &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    now - st.st_mtime >= UPSTREAM_LAYER_MAX_AGE_S)
			(void)rm_rf_at(dirfd(d), e->d_name);
	closedir(d);
}

/*
 * At most once an hour (missing/.swept's time), on a fetch, whoever makes it:
 * remembered misses past the negative TTL (a client asking for random ids
 * leaves one each), and temporary files of fetches a killed process left.
 */
static void sweep_maybe(struct upstream *u)
{
	time_t now = time(NULL);
	struct stat st;
	int fd;

	if (fstatat(u->fd, "missing/.swept", &st, 0) == 0 && now - st.st_mtime < UPSTREAM_SWEEP_S && st.st_mtime <= now)
		return;
	fd = openat(u->fd, "missing/.swept", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
	for (unsigned i = 0; i < 256; i++) {
		char dir[16];
		snprintf(dir, sizeof(dir), "missing/%02x", i);
		sweep_dir(u, dir, "", (time_t)u->cfg->debuginfod_upstream_negative_ttl, now);
	}
	sweep_dir(u, "other", ".tmp-", UPSTREAM_SWEEP_S, now);
	sweep_layers(u, now);
}

int upstream_open(struct upstream *u, const struct config *cfg, char **ret_error)
{
	static const char *const dirs[] = { BUILD_ID_DIR, "other", "missing", "layers", "locks" };
	_cleanup_free_ char *cache = NULL;
	int r;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->cfg = cfg;
	r = config_rootfs_cache_dir(cfg, &cache);
	if (r < 0)
		return error_set(ret_error, r, "the rootfs cache directory: %s", strerror(-r));
	if (asprintf(&u->dir, "%s/upstream", cache) < 0) {
		u->dir = NULL;
		return error_set(ret_error, -ENOMEM, "out of memory");
	}
	if (mkdir(u->dir, 0755) < 0 && errno != EEXIST)
		r = error_set(ret_error, -errno, "cannot make %s: %m", u->dir);
	else if ((u->fd = openat_dir(AT_FDCWD, u->dir)) < 0)
		r = error_set(ret_error, -errno, "cannot open %s: %m", u->dir);
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(dirs); i++)
		if ((r = mkdir_p_at(u->fd, dirs[i], 0755)) < 0)
			r = error_set(ret_error, r, "cannot make %s/%s: %s", u->dir, dirs[i], strerror(-r));
	if (r < 0) {
		upstream_close(u);
		return r;
	}
	return 0;
}

void upstream_close(struct upstream *u)
{
	if (u->fd >= 0)
		close(u->fd);
	free(u->dir);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

int upstream_debuginfo_path(const char *hex, char *buf, size_t size)
{
	int n = snprintf(buf, size, "usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* "HEX-KIND", and for a source or a section "-" and 32 hex digits of the SHA-256 of its argument. */
static int name_of(const struct dbgd_request *rq, char *buf, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hash[33];
	int n;

	if (rq->kind == DBGD_SOURCE || rq->kind == DBGD_SECTION) {
		if (EVP_Digest(rq->arg, strlen(rq->arg), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 16)
			return -EIO;
		hex_encode(md, 16, hash);
		n = snprintf(buf, size, "%s-%s-%s", rq->hex, dbgd_kind_name(rq->kind), hash);
	} else {
		n = snprintf(buf, size, "%s-%s", rq->hex, dbgd_kind_name(rq->kind));
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Where the file rq asks for is kept, relative to upstream/. */
static int cached_path(const struct dbgd_request *rq, const char *name, char *buf, size_t size)
{
	char rel[PATH_MAX];
	int n;

	if (rq->kind == DBGD_DEBUGINFO) {
		if (upstream_debuginfo_path(rq->hex, rel, sizeof(rel)) < 0)
			return -ENAMETOOLONG;
		n = snprintf(buf, size, "root/%s", rel);
	} else {
		n = snprintf(buf, size, "other/%.2s/%s", rq->hex, name);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int upstream_url(const char *base, const struct dbgd_request *rq, struct buf *b)
{
	size_t bl = strlen(base);

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	buf_appendf(b, "%.*s/buildid/%s/%s", (int)bl, base, rq->hex, dbgd_kind_name(rq->kind));
	if (rq->kind == DBGD_SECTION)
		buf_appendf(b, "/%s", rq->arg);
	if (rq->kind == DBGD_SOURCE)
		for (const unsigned char *p = (const unsigned char *)rq->arg; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("/._~-", *p))
				buf_append(b, p, 1);
			else
				buf_appendf(b, "%%%02X", *p);
		}
	return b->failed ? -ENOMEM : 0;
}

/* Write dir/name (dir: "other/XX" or "missing/XX", made here) atomically. */
static int write_in(struct upstream *u, const char *dir, const char *name, const char *text)
{
	int dfd, r;

	if ((r = mkdir_p_at(u->fd, dir, 0755)) < 0)
		return r;
	dfd = openat_dir(u->fd, dir);
	if (dfd < 0)
		return -errno;
	r = write_file_at(dfd, name, text, strlen(text), 0644, false);
	close(dfd);
	return r;
}

static void meta_fill(struct upstream_file *f, char *meta)
{
	char *cur = meta, *line;

	if ((line = text_next_line(&cur, "\n")))
		snprintf(f->from, sizeof(f->from), "%s", line);
	if ((line = text_next_line(&cur, "\n")))
		snprintf(f->file, sizeof(f->file), "%s", line);
	if ((line = text_next_line(&cur, "\n")))
		snprintf(f->archive, sizeof(f->archive), "%s", line);
}

static int open_cached(struct upstream *u, const char *path, const char *name, struct upstream_file *f)
{
	char metapath[PATH_MAX];
	_cleanup_free_ char *meta = NULL;
	struct stat st;
	int fd = openat(u->fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->cached = true;
	snprintf(metapath, sizeof(metapath), "other/%.2s/%s.meta", name, name);
	if (read_file_at(u->fd, metapath, META_MAX, &meta, NULL) == 0)
		meta_fill(f, meta);
	return 0;
}

/* A remembered miss younger than the negative TTL: -ENOENT with why. */
static int remembered_missing(struct upstream *u, const char *name, char **ret_error)
{
	char path[PATH_MAX], why[4096];
	struct stat st;
	time_t now = time(NULL);
	size_t n = 0;

	snprintf(path, sizeof(path), "missing/%.2s/%s", name, name);
	if (fstatat(u->fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (now - st.st_mtime >= (time_t)u->cfg->debuginfod_upstream_negative_ttl || st.st_mtime > now) {
		(void)unlinkat(u->fd, path, 0);
		return 0;
	}
	if (read_small_file_at(u->fd, path, why, sizeof(why), &n) < 0)
		snprintf(why, sizeof(why), "?");
	str_strip(why);
	return error_set(ret_error, -ENOENT, "remembered as missing for %lld s more (%s)",
			 (long long)((time_t)u->cfg->debuginfod_upstream_negative_ttl - (now - st.st_mtime)), why);
}

static void remember_missing(struct upstream *u, const char *name, const char *why)
{
	char dir[16], text[2048];

	snprintf(dir, sizeof(dir), "missing/%.2s", name);
	snprintf(text, sizeof(text), "%s", *why ? why : "?");
	if (u->cfg->debuginfod_upstream_negative_ttl > 0)
		(void)write_in(u, dir, name, text);
}

struct transfer {
	int fd;
	uint64_t size, max;
	bool too_big, write_failed;
	int write_errno;
	bool local; /* the failure is ours (the cache), not the server's: not remembered */
	char file[DBGD_PATH_MAX + 1];
	char archive[256];
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct transfer *x = userdata;
	size_t len = size * n;

	if (x->size + len > x->max) {
		x->too_big = true;
		return 0;
	}
	int r = write_all(x->fd, p, len);
	if (r < 0) {
		x->write_failed = true;
		x->write_errno = -r;
		return 0;
	}
	x->size += len;
	return len;
}

/* Keep a header's value when it is printable and fits; a redirect's headers are replaced by the next answer's. */
static void keep_header(const char *line, size_t len, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	const char *v;

	if (len <= kl || strncasecmp(line, key, kl) != 0)
		return;
	v = line + kl;
	len -= kl;
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (len < size && mem_is_printable_ascii(v, len)) {
		memcpy(out, v, len);
		out[len] = '\0';
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct transfer *x = userdata;
	size_t len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->file[0] = x->archive[0] = '\0';
	keep_header(p, len, "X-DEBUGINFOD-FILE:", x->file, sizeof(x->file));
	keep_header(p, len, "X-DEBUGINFOD-ARCHIVE:", x->archive, sizeof(x->archive));
	return len;
}

/* An ELF file whose GNU build-id is hex. */
static bool build_id_matches(int fd, const char *hex)
{
	_cleanup_free_ uint8_t *head = malloc(ELF_HEAD);
	uint8_t id[ELF_BUILD_ID_MAX];
	char idhex[2 * ELF_BUILD_ID_MAX + 1];
	ssize_t n;
	int len;

	if (!head)
		return false;
	n = pread(fd, head, ELF_HEAD, 0);
	if (n <= 0)
		return false;
	len = elf_build_id(head, (size_t)n, id);
	if (len <= 0)
		return false;
	hex_encode(id, (size_t)len, idhex);
	return strcmp(idhex, hex) == 0;
}

/* scheme://host[:port] of a URL, for comparing a redirect's target with its server. */
static int url_origin(const char *url, char *buf, size_t size)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int r = -EINVAL;

	if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		int n = snprintf(buf, size, "%s://%s:%s", scheme, host, port);
		r = n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
	return r;
}

/*
 * One GET of url into x (the file truncated first): the curl result and
 * the HTTP status; a redirect is returned (not followed) with its target.
 */
static CURLcode get_once(const struct config *cfg, const char *url, struct transfer *x, long *code, char **location,
			 char *errbuf)
{
	CURL *c = curl_easy_init();
	char *loc = NULL;
	CURLcode cr;

	*code = 0;
	*location = NULL;
	if (!c)
		return CURLE_OUT_OF_MEMORY;
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0) {
		curl_easy_cleanup(c);
		x->write_failed = true;
		x->write_errno = errno;
		return CURLE_WRITE_ERROR;
	}
	x->size = 0;
	x->too_big = x->write_failed = false;
	x->file[0] = x->archive[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->debuginfod_upstream_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)MIN(cfg->debuginfod_upstream_timeout, 10));
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "retrace-server/debuginfod-upstream");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (cr == CURLE_OK && *code >= 300 && *code < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		*location = strdup(loc);
	curl_easy_cleanup(c);
	return cr;
}

/*
 * One server: 0 with the file renamed to path, -ENOENT for its 404, or
 * -errno and a line in *why (x->local when the failure is the cache's).
 * Redirects are followed (UPSTREAM_MAX_REDIRECTS) only to the server's own
 * scheme, host and port: an upstream cannot send the fetcher elsewhere.
 */
static int fetch_from(struct upstream *u, const char *base, const struct dbgd_request *rq, const char *path,
		      struct transfer *x, char *why, size_t whysize)
{
	const struct config *cfg = u->cfg;
	struct buf url = BUF_INIT(DBGD_PATH_MAX * 3 + 1024);
	char tmp[64], rnd[8], rndhex[17], errbuf[CURL_ERROR_SIZE] = "", origin[512], target[512];
	char *next = NULL;
	const char *cur;
	CURLcode cr = CURLE_OK;
	long code = 0;
	int r;

	why[0] = '\0';
	x->local = false;
	x->max = cfg->debuginfod_upstream_max_size;
	if (random_bytes(rnd, sizeof(rnd)) < 0 || upstream_url(base, rq, &url) < 0 ||
	    url_origin(base, origin, sizeof(origin)) < 0) {
		buf_release(&url);
		x->local = true;
		snprintf(why, whysize, "%s: cannot make its URL", base);
		return -ENOMEM;
	}
	hex_encode(rnd, sizeof(rnd), rndhex);
	snprintf(tmp, sizeof(tmp), "other/.tmp-%s", rndhex);
	x->fd = openat(u->fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (x->fd < 0) {
		r = -errno;
		x->local = true;
		snprintf(why, whysize, "cannot make a file in %s/other: %s", u->dir, strerror(-r));
		buf_release(&url);
		return r;
	}
	cur = url.data;
	for (int hop = 0;; hop++) {
		char *location = NULL;
		cr = get_once(cfg, cur, x, &code, &location, errbuf);
		free(next);
		next = location;
		if (!next)
			break;
		if (hop >= UPSTREAM_MAX_REDIRECTS) {
			r = -EIO;
			snprintf(why, whysize, "%s: more than %d redirects", base, UPSTREAM_MAX_REDIRECTS);
			goto out;
		}
		if (url_origin(next, target, sizeof(target)) < 0 || strcmp(target, origin) != 0) {
			r = -EIO;
			snprintf(why, whysize, "%s: redirected to another server (%.200s): not followed", base, next);
			goto out;
		}
		cur = next;
	}
	if (cr == CURLE_OK && code == 404) {
		r = -ENOENT;
		snprintf(why, whysize, "%s: 404", base);
		goto out;
	}
	if (x->too_big || cr == CURLE_FILESIZE_EXCEEDED) {
		r = -EFBIG;
		snprintf(why, whysize, "%s: larger than DebuginfodUpstreamMaxSize (%llu bytes)", base,
			 (unsigned long long)x->max);
		goto out;
	}
	if (x->write_failed) {
		r = -EIO;
		x->local = true;
		snprintf(why, whysize, "%s: cannot write to %s: %s", base, u->dir, strerror(x->write_errno));
		goto out;
	}
	if (cr != CURLE_OK) {
		r = -EIO;
		snprintf(why, whysize, "%s: %s", base, *errbuf ? errbuf : curl_easy_strerror(cr));
		goto out;
	}
	if (code != 200) {
		r = -EIO;
		snprintf(why, whysize, "%s: HTTP %ld", base, code);
		goto out;
	}
	if ((rq->kind == DBGD_DEBUGINFO || rq->kind == DBGD_EXECUTABLE) && !build_id_matches(x->fd, rq->hex)) {
		r = -EBADMSG;
		snprintf(why, whysize, "%s: its answer (%llu bytes) is not an ELF file with build-id %s; thrown away",
			 base, (unsigned long long)x->size, rq->hex);
		goto out;
	}
	if (fdatasync(x->fd) < 0 || renameat(u->fd, tmp, u->fd, path) < 0) {
		r = -errno;
		x->local = true;
		snprintf(why, whysize, "cannot keep the file in %s: %s", u->dir, strerror(-r));
		goto out;
	}
	tmp[0] = '\0';
	r = 0;
out:
	free(next);
	close(x->fd);
	x->fd = -1;
	if (*tmp)
		(void)unlinkat(u->fd, tmp, 0);
	buf_release(&url);
	return r;
}

int upstream_fetch(struct upstream *u, const struct dbgd_request *rq, struct upstream_file *ret, char **ret_error)
{
	const char *urls = u->cfg->debuginfod_upstream_urls;
	char name[DBGD_HEX_MAX + 64], path[PATH_MAX], dir[PATH_MAX], why[1024];
	struct buf whys = BUF_INIT(8192);
	struct transfer x = { .fd = -1 };
	double t0 = monotonic_seconds();
	const char *w;
	size_t wl, asked = 0;
	bool error_seen = false, local = false;
	_cleanup_close_ int lockfd = -1;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	if (rq->kind == DBGD_METRICS || rq->kind == DBGD_INVALID)
		return error_set(ret_error, -EINVAL, "not a file");
	sweep_maybe(u);
	if ((r = name_of(rq, name, sizeof(name))) < 0 || (r = cached_path(rq, name, path, sizeof(path))) < 0)
		return error_set(ret_error, r, "%s", strerror(-r));
	if (open_cached(u, path, name, ret) == 0)
		goto done;
	r = remembered_missing(u, name, ret_error);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if ((r = mkdir_p_at(u->fd, dir, 0755)) < 0)
		return error_set(ret_error, r, "cannot make %s/%s: %s", u->dir, dir, strerror(-r));
	/*
	 * One fetch per bucket (the id's first two hex digits) at a time,
	 * across processes (the server's fetcher, the worker's tasks): the
	 * same file asked twice at once is fetched once, the second finds it.
	 */
	{
		char lockname[32];
		snprintf(lockname, sizeof(lockname), "locks/%.2s", name);
		lockfd = openat(u->fd, lockname, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
			return error_set(ret_error, -errno, "cannot lock %s/%s: %m", u->dir, lockname);
	}
	if (open_cached(u, path, name, ret) == 0)
		goto done;
	r = remembered_missing(u, name, ret_error);
	if (r < 0)
		return r;

	for (const char *p = urls; (w = next_word(&p, &wl)) && asked < UPSTREAM_MAX_URLS; asked++) {
		char base[512];
		if (wl >= sizeof(base))
			continue;
		memcpy(base, w, wl);
		base[wl] = '\0';
		r = fetch_from(u, base, rq, path, &x, why, sizeof(why));
		if (r == 0) {
			char meta[META_MAX], metaname[DBGD_HEX_MAX + 80];
			int n = snprintf(meta, sizeof(meta), "%s\n%s\n%s\n", base, x.file, x.archive);
			snprintf(metaname, sizeof(metaname), "%s.meta", name);
			snprintf(dir, sizeof(dir), "other/%.2s", name);
			if (n > 0 && (size_t)n < sizeof(meta))
				(void)write_in(u, dir, metaname, meta);
			r = open_cached(u, path, name, ret);
			if (r < 0) {
				buf_release(&whys);
				return error_set(ret_error, r, "the file fetched from %s is gone from %s: %s", base,
						 u->dir, strerror(-r));
			}
			ret->cached = false;
			snprintf(ret->skipped, sizeof(ret->skipped), "%s", whys.data ? whys.data : "");
			goto done;
		}
		if (r != -ENOENT)
			error_seen = true;
		if (x.local)
			local = true;
		buf_appendf(&whys, "%s%s", whys.len ? "; " : "", why);
	}
	if (asked == 0)
		buf_appendf(&whys, "no usable URL in DebuginfodUpstreamURLs");
	/* the servers' answers are remembered; a failure of our own (a full disk) is not */
	if (!local)
		remember_missing(u, name, whys.data ? whys.data : "");
	r = error_set(ret_error, error_seen ? -EIO : -ENOENT, "%s", whys.data ? whys.data : "no server has it");
	buf_release(&whys);
	return r;
done:
	buf_release(&whys);
	ret->seconds = monotonic_seconds() - t0;
	return 0;
}

int upstream_layer_add(struct upstream *u, const char *name, const char *hex)
{
	char rel[512], from[PATH_MAX], to[PATH_MAX], dir[PATH_MAX];
	int r;

	if (!safe_name_valid(name, strlen(name), 64, "-_.") ||
	    upstream_debuginfo_path(hex, rel, sizeof(rel)) < 0)
		return -EINVAL;
	snprintf(from, sizeof(from), "root/%s", rel);
	snprintf(to, sizeof(to), "layers/%s/%s", name, rel);
	snprintf(dir, sizeof(dir), "%s", to);
	*strrchr(dir, '/') = '\0';
	if ((r = mkdir_p_at(u->fd, dir, 0755)) < 0)
		return r;
	if (linkat(u->fd, from, u->fd, to, 0) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

char *upstream_layer_path(const struct upstream *u, const char *name)
{
	char *p = NULL;
	return asprintf(&p, "%s/layers/%s", u->dir, name) < 0 ? NULL : p;
}

void upstream_layer_remove(struct upstream *u, const char *name)
{
	char rel[PATH_MAX];

	if (u->fd < 0 || !safe_name_valid(name, strlen(name), 64, "-_."))
		return;
	snprintf(rel, sizeof(rel), "layers/%s", name);
	(void)rm_rf_at(u->fd, rel);
}
