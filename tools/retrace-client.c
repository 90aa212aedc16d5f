/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-client - send a crash to a retrace server and get its backtrace,
 * the way ABRT's abrt-retrace-client does (CLIENTS.md):
 *   retrace-client [-k] [--url URL] batch --dir CRASHDIR [--status-delay S]
 *   retrace-client [-k] [--url URL] create --dir CRASHDIR
 *   retrace-client [-k] [--url URL] status|backtrace|log|exploitable --task ID --password PW
 * batch: GET /settings (load, formats, release, sizes), GET /checkpackage,
 * POST /create of a tar | xz -2 made with libarchive; when /settings says
 * sync_tasks 1 (unless --no-sync), a synchronous task (X-Task-Sync: 1): the
 * server's progress and the backtrace come in the answer as the task runs;
 * otherwise (or when that stream is cut off) GET /ID every 0.1 s, then
 * twice as long each time up to --status-delay seconds, then the backtrace;
 * then the exploitability rating, or the log of a failed task.
 * Exit status: 0 a backtrace; 1 the task failed or the server refused; 2 usage.
 */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "worker/analyze.h"

#define DEFAULT_URL "https://retrace.fedoraproject.org"
#define MAX_BODY (64ULL << 20)      /* a backtrace or a log */
#define MAX_SMALL_FILE 4096         /* package, os_release, executable... */
#define MAX_POLL_DELAY 600.0        /* seconds between two status polls at most */
#define FIRST_POLL_DELAY 0.1        /* seconds before the first status poll */
#define MIB (1024ULL * 1024ULL)

struct client {
	const char *url;
	bool insecure;
	bool progress;
	bool sync; /* batch: a synchronous task when the server offers them */
	double status_delay;
};

/*
 * The body of a synchronous /create (X-Task-Sync: 1), read as it comes:
 * progress lines to stderr, keep-alive PENDING lines dropped, the final
 * X-Task-Status line remembered, then (on success) the backtrace to stdout.
 */
struct sync_sink {
	CURL *curl;
	struct buf line;      /* a line not ended yet */
	char final[32];       /* FINISHED_SUCCESS or FINISHED_FAILURE once seen */
	bool backtrace;       /* after FINISHED_SUCCESS: the rest is the backtrace */
	struct buf *other;    /* a reply that is not 201: its body, as usual */
	size_t printed;       /* bytes of backtrace written */
	bool last_newline;    /* the last of them was a newline */
};

struct reply {
	long code;
	struct buf body;
	struct buf headers;
};

static void reply_release(struct reply *r)
{
	buf_release(&r->body);
	buf_release(&r->headers);
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;
	return buf_append(b, p, size * n) < 0 ? 0 : size * n;
}

/* The value of header NAME in the reply (the last response's), or "" */
static void reply_header(const struct reply *r, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	const char *p = r->headers.data, *end = p ? p + r->headers.len : NULL;

	out[0] = '\0';
	while (p && p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
		if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (v < p + len && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(p + len - v);
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			snprintf(out, size, "%.*s", (int)vl, v);
		}
		if (len >= 2 && strncmp(p, "HTTP/", 5) == 0)
			out[0] = '\0'; /* a new response (after a redirect): forget the old */
		p = e ? e + 1 : end;
	}
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	static int last = -1;
	(void)userdata;
	(void)dltotal;
	(void)dlnow;
	if (ultotal <= 0)
		return 0;
	int pct = (int)(ulnow * 100 / ultotal);
	if (pct != last) {
		int bars = pct / 4;
		fprintf(stderr, "\rUploading [%.*s%*s] %3d%% of %.1f MiB", bars,
			"=========================", 25 - bars, "", pct, (double)ultotal / (double)MIB);
		last = pct;
		if (pct == 100)
			fputc('\n', stderr);
	}
	return 0;
}

static void sync_line(struct sync_sink *k, const char *p, size_t n)
{
	static const char st[] = "X-Task-Status: ";
	if (n >= sizeof(st) - 1 && memcmp(p, st, sizeof(st) - 1) == 0) {
		const char *v = p + sizeof(st) - 1;
		size_t vl = n - (sizeof(st) - 1);
		if (vl == 7 && memcmp(v, "PENDING", 7) == 0)
			return; /* the server says it is still at it */
		snprintf(k->final, sizeof(k->final), "%.*s", (int)vl, v);
		k->backtrace = strcmp(k->final, "FINISHED_SUCCESS") == 0;
		return;
	}
	/* the server's words, but no control characters onto the user's terminal */
	for (size_t i = 0; i < n; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?', stderr);
	fputc('\n', stderr);
}

static size_t on_sync_body(char *p, size_t size, size_t n, void *userdata)
{
	struct sync_sink *k = userdata;
	size_t len = size * n;
	long code = 0;

	curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 201)
		return buf_append(k->other, p, len) < 0 ? 0 : len;
	for (size_t i = 0; i < len;) {
		if (k->backtrace) {
			fwrite(p + i, 1, len - i, stdout);
			fflush(stdout);
			k->printed += len - i;
			k->last_newline = p[len - 1] == '\n';
			break;
		}
		const char *nl = memchr(p + i, '\n', len - i);
		size_t m = nl ? (size_t)(nl - (p + i)) : len - i;
		if (buf_append(&k->line, p + i, m) < 0)
			return 0;
		i += m;
		if (!nl)
			break;
		i++;
		sync_line(k, k->line.data ? k->line.data : "", k->line.len);
		k->line.len = 0;
	}
	return len;
}

/*
 * One request. upload_fd >= 0: POST it with Content-Length upload_size.
 * extra: NULL-terminated "Name: value" header lines. sink: a synchronous
 * /create's body goes there as it comes, not into ret->body.
 */
static int request(const struct client *cl, struct sync_sink *sink, const char *method, const char *path,
		   const char *const *extra, int upload_fd, curl_off_t upload_size, struct reply *ret)
{
	_cleanup_free_ char *url = NULL;
	struct curl_slist *hdrs = NULL;
	FILE *up = NULL;
	char err[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;

	memset(ret, 0, sizeof(*ret));
	buf_init(&ret->body, MAX_BODY);
	buf_init(&ret->headers, 64 * 1024);
	if (asprintf(&url, "%s%s", cl->url, path) < 0)
		return -ENOMEM;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (sink) {
		sink->curl = c;
		sink->other = &ret->body;
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sync_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	} else {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &ret->body);
	}
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &ret->headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "retrace-client");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cl->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	for (size_t i = 0; extra && extra[i]; i++)
		hdrs = curl_slist_append(hdrs, extra[i]);
	if (upload_fd >= 0) {
		up = fdopen(dup(upload_fd), "rb");
		if (!up) {
			curl_slist_free_all(hdrs);
			curl_easy_cleanup(c);
			return -errno;
		}
		hdrs = curl_slist_append(hdrs, "Expect:");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READDATA, up);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, upload_size);
		if (cl->progress) {
			curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		}
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	/* also when the transfer broke: a 201 whose stream was cut off made its task */
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (up)
		fclose(up);
	if (rc != CURLE_OK) {
		fprintf(stderr, "retrace-client: %s %s: %s\n", method, url, err[0] ? err : curl_easy_strerror(rc));
		return -EIO;
	}
	return 0;
}

/* A small text file of the crash directory, trailing newlines cut; NULL if absent. */
static char *crash_file(int dirfd, const char *name)
{
	char *text = NULL;
	size_t len;

	if (read_file_at(dirfd, name, MAX_SMALL_FILE, &text, &len) < 0)
		return NULL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

static const char *crash_arch(int dirfd, char *buf, size_t size)
{
	unsigned char e[ELF_ARCH_HEADER_BYTES];
	_cleanup_free_ char *a = crash_file(dirfd, "architecture");
	_cleanup_close_ int fd = -1;
	const char *arch;

	if (a && *a) {
		snprintf(buf, size, "%s", a);
		return buf;
	}
	fd = openat(dirfd, "coredump", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && pread(fd, e, sizeof(e), 0) == (ssize_t)sizeof(e) && (arch = elf_header_arch(e, sizeof(e)))) {
		snprintf(buf, size, "%s", arch);
		return buf;
	}
	return NULL;
}

/* The files the server accepts, in the order the original's client packs them. */
static const char *const coredump_files[] = { "coredump", "executable", "package", "os_release", "release",
					      "rootdir", "os_release_in_rootdir", NULL };
static const char *const vmcore_files[] = { "vmcore", NULL };

/*
 * tar | xz -2 of the crash files into an unnamed temporary file (libarchive:
 * no shell, no tar binary). *ret_unpacked: the bytes of the files.
 */
static int pack(int dirfd, bool vmcore, int *ret_fd, uint64_t *ret_unpacked, char **ret_error)
{
	const char *const *names = vmcore ? vmcore_files : coredump_files;
	const char *tmp = secure_getenv("TMPDIR");
	struct archive *a;
	struct archive_entry *e;
	uint64_t unpacked = 0;
	char block[64 * 1024];
	int fd, r = 0;

	fd = open(tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(ret_error, -errno, "cannot create a temporary file: %m");
	a = archive_write_new();
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_xz(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "xz", "compression-level", "2") != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = error_set(ret_error, -EIO, "libarchive: %s", a ? archive_error_string(a) : "out of memory");
		goto out;
	}
	for (size_t i = 0; names[i] && r == 0; i++) {
		_cleanup_close_ int f = openat(dirfd, names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;

		if (f < 0) {
			if (errno == ENOENT && i > 0)
				continue;
			r = error_set(ret_error, -errno, "%s: %m", names[i]);
			break;
		}
		if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
			r = error_set(ret_error, -EINVAL, "%s is not a regular file", names[i]);
			break;
		}
		e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0640);
		archive_entry_set_size(e, st.st_size);
		archive_entry_set_mtime(e, st.st_mtime, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			r = error_set(ret_error, -EIO, "libarchive: %s", archive_error_string(a));
			archive_entry_free(e);
			break;
		}
		archive_entry_free(e);
		for (off_t left = st.st_size; left > 0;) {
			ssize_t n = read(f, block, (size_t)MIN((off_t)sizeof(block), left));
			if (n <= 0) {
				r = error_set(ret_error, n < 0 ? -errno : -EIO, "%s: %s", names[i],
					      n < 0 ? strerror(errno) : "shorter than it was");
				break;
			}
			if (archive_write_data(a, block, (size_t)n) != n) {
				r = error_set(ret_error, -EIO, "libarchive: %s", archive_error_string(a));
				break;
			}
			left -= n;
		}
		unpacked += (uint64_t)st.st_size;
	}
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = error_set(ret_error, -EIO, "libarchive: %s", archive_error_string(a));
out:
	if (a)
		archive_write_free(a);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	*ret_unpacked = unpacked;
	return 0;
}

/* "key value" lines of /settings (CLIENTS.md: split on \n, key case-insensitive) */
static bool settings_value(const char *body, const char *key, char *out, size_t size)
{
	size_t len;
	const char *v = text_value(body, key, true, &len);

	if (v)
		snprintf(out, size, "%.*s", (int)len, v);
	return v != NULL;
}

static bool word_in(const char *list, const char *word)
{
	size_t n, wl = strlen(word);

	for (const char *p = list, *w; (w = next_word(&p, &n));)
		if (n == wl && strncmp(w, word, n) == 0)
			return true;
	return false;
}

static void sleep_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* --- commands ------------------------------------------------------------------------ */

struct created {
	char id[32], password[64];
	double est;
	bool sync;            /* the server streamed the task (X-Task-Sync) */
	bool cut;             /* ... and the stream broke before its end */
	struct sync_sink sink;
};

static int create_task(const struct client *cl, const char *dir, bool check, struct created *ret)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *package = NULL, *os_release = NULL, *err = NULL;
	_cleanup_close_ int fd = -1;
	char arch[32] = "", release[RELEASE_GUESS_MAX] = "", v[8192], est[32];
	const char *source = NULL;
	bool vmcore;
	uint64_t unpacked = 0;
	struct stat st;
	struct reply r;

	if (dirfd < 0) {
		fprintf(stderr, "retrace-client: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	vmcore = file_exists_at(dirfd, "vmcore") && !file_exists_at(dirfd, "coredump");
	if (!vmcore) {
		package = crash_file(dirfd, "package");
		os_release = crash_file(dirfd, "os_release");
		if (!os_release)
			os_release = crash_file(dirfd, "release");
		if (!package || !file_exists_at(dirfd, "coredump") || !file_exists_at(dirfd, "executable")) {
			fprintf(stderr, "retrace-client: %s is not a crash directory: it needs coredump, executable "
					"and package (or vmcore)\n", dir);
			return 1;
		}
		if (!crash_arch(dirfd, arch, sizeof(arch)) ||
		    release_guess(os_release, package, arch, release, &source) < 0) {
			fprintf(stderr, "retrace-client: cannot tell the crash's release from os_release (%s), "
					"package (%s) and architecture (%s)\n",
				os_release ? os_release : "none", package, arch[0] ? arch : "unknown");
			return 1;
		}
	}

	if (check) {
		/* 1. /settings: the server's load, formats and releases */
		if (request(cl, NULL, "GET", "/settings", NULL, -1, 0, &r) < 0)
			return 1;
		if (r.code != 200) {
			fprintf(stderr, "retrace-client: /settings answered %ld\n", r.code);
			reply_release(&r);
			return 1;
		}
		buf_append(&r.body, "", 1);
		uint64_t running = 0, maxrun = 0;
		if (settings_value(r.body.data, "running_tasks", v, sizeof(v)))
			parse_u64(v, UINT64_MAX, &running);
		if (settings_value(r.body.data, "max_running_tasks", v, sizeof(v)))
			parse_u64(v, UINT64_MAX, &maxrun);
		if (maxrun && running >= maxrun) {
			fprintf(stderr, "retrace-client: the server is fully loaded (%llu of %llu tasks); try again "
					"later\n", (unsigned long long)running, (unsigned long long)maxrun);
			reply_release(&r);
			return 1;
		}
		if (!settings_value(r.body.data, "supported_formats", v, sizeof(v)) ||
		    !word_in(v, "application/x-xz-compressed-tar")) {
			fprintf(stderr, "retrace-client: the server does not take xz-compressed tar archives\n");
			reply_release(&r);
			return 1;
		}
		if (!vmcore && (!settings_value(r.body.data, "supported_releases", v, sizeof(v)) ||
				!word_in(v, release))) {
			fprintf(stderr, "retrace-client: the server does not support %s (from %s); it supports: %s\n",
				release, source, v);
			reply_release(&r);
			return 1;
		}
		char maxp[32] = "", maxu[32] = "";
		ret->sync = cl->sync && settings_value(r.body.data, "sync_tasks", v, sizeof(v)) && strcmp(v, "1") == 0;
		settings_value(r.body.data, "max_packed_size", maxp, sizeof(maxp));
		settings_value(r.body.data, "max_unpacked_size", maxu, sizeof(maxu));
		reply_release(&r);

		/* 2. /checkpackage */
		if (!vmcore) {
			_cleanup_free_ char *h1 = NULL, *h2 = NULL, *h3 = NULL;
			if (asprintf(&h1, "X-Package-NVR: %s", package) < 0 ||
			    asprintf(&h2, "X-Package-Arch: %s", arch) < 0 ||
			    asprintf(&h3, "X-OS-Release: %s", release) < 0)
				return 1;
			const char *hh[] = { h1, h2, h3, NULL };
			if (request(cl, NULL, "GET", "/checkpackage", hh, -1, 0, &r) < 0)
				return 1;
			long code = r.code;
			reply_release(&r);
			if (code == 404) {
				fprintf(stderr, "retrace-client: the server cannot process package %s.%s: it is not "
						"in the repositories of %s it has\n", package, arch, release);
				return 1;
			}
			if (code != 302 && code != 200) {
				fprintf(stderr, "retrace-client: /checkpackage answered %ld\n", code);
				return 1;
			}
		}

		/* 3. pack, and check the sizes before sending */
		fprintf(stderr, "Preparing an archive to upload...\n");
		if (pack(dirfd, vmcore, &fd, &unpacked, &err) < 0) {
			fprintf(stderr, "retrace-client: %s\n", err);
			return 1;
		}
		uint64_t lim;
		if (fstat(fd, &st) < 0)
			return 1;
		if (maxp[0] && parse_u64(maxp, UINT64_MAX / MIB, &lim) == 0 && (uint64_t)st.st_size > lim * MIB) {
			fprintf(stderr, "retrace-client: the archive is %.1f MiB, over the server's limit of %llu MiB\n",
				(double)st.st_size / (double)MIB, (unsigned long long)lim);
			return 1;
		}
		if (maxu[0] && parse_u64(maxu, UINT64_MAX / MIB, &lim) == 0 && unpacked > lim * MIB) {
			fprintf(stderr, "retrace-client: the crash is %.1f MiB unpacked, over the server's limit of "
					"%llu MiB\n", (double)unpacked / (double)MIB, (unsigned long long)lim);
			return 1;
		}
	} else {
		if (pack(dirfd, vmcore, &fd, &unpacked, &err) < 0) {
			fprintf(stderr, "retrace-client: %s\n", err);
			return 1;
		}
		if (fstat(fd, &st) < 0)
			return 1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return 1;

	/* 4. POST /create */
	const char *hh[] = { "Content-Type: application/x-xz-compressed-tar",
			     vmcore ? "X-Task-Type: 2" : "X-Task-Type: 0", ret->sync ? "X-Task-Sync: 1" : NULL, NULL };
	buf_init(&ret->sink.line, 64 * 1024);
	r.code = 0;
	int rr = request(cl, ret->sync ? &ret->sink : NULL, "POST", "/create", hh, fd, st.st_size, &r);
	buf_release(&ret->sink.line);
	/* a stream cut off after its task was made is polled like any task */
	if (rr < 0 && (!ret->sync || r.code != 201)) {
		reply_release(&r);
		return 1;
	}
	ret->cut = rr < 0;
	if (r.code != 201) {
		buf_append(&r.body, "", 1);
		if (r.code == 403)
			fprintf(stderr, "retrace-client: the server refused the archive (403): %s\n", r.body.data);
		else
			fprintf(stderr, "retrace-client: /create answered %ld: %s\n", r.code, r.body.data);
		reply_release(&r);
		return 1;
	}
	reply_header(&r, "X-Task-Id", ret->id, sizeof(ret->id));
	reply_header(&r, "X-Task-Password", ret->password, sizeof(ret->password));
	reply_header(&r, "X-Task-Est-Time", est, sizeof(est));
	reply_release(&r);
	uint64_t e = 0;
	ret->est = est[0] && parse_u64(est, 86400, &e) == 0 ? (double)e : -1.0;
	if (!ret->id[0] || !ret->password[0]) {
		fprintf(stderr, "retrace-client: /create answered 201 without X-Task-Id and X-Task-Password\n");
		return 1;
	}
	return 0;
}

/* GET /ID: 0 and the X-Task-Status, or 1 */
static int task_status(const struct client *cl, const char *id, const char *pw, char *status, size_t ssize,
		       char *msg, size_t msize)
{
	_cleanup_free_ char *path = NULL, *h = NULL;
	struct reply r;

	if (asprintf(&path, "/%s", id) < 0 || asprintf(&h, "X-Task-Password: %s", pw) < 0)
		return 1;
	const char *hh[] = { h, NULL };
	if (request(cl, NULL, "GET", path, hh, -1, 0, &r) < 0)
		return 1;
	buf_append(&r.body, "", 1);
	if (r.code != 200) {
		fprintf(stderr, "retrace-client: task %s: %ld %s\n", id, r.code, r.body.data);
		reply_release(&r);
		return 1;
	}
	reply_header(&r, "X-Task-Status", status, ssize);
	snprintf(msg, msize, "%s", r.body.data);
	reply_release(&r);
	if (!status[0]) {
		fprintf(stderr, "retrace-client: task %s: the reply has no X-Task-Status\n", id);
		return 1;
	}
	return 0;
}

/* GET /ID/WHAT to stdout: 0, 1 on an error, 3 on a 404 */
static int task_get(const struct client *cl, const char *id, const char *pw, const char *what)
{
	_cleanup_free_ char *path = NULL, *h = NULL;
	struct reply r;

	if (asprintf(&path, "/%s/%s", id, what) < 0 || asprintf(&h, "X-Task-Password: %s", pw) < 0)
		return 1;
	const char *hh[] = { h, NULL };
	if (request(cl, NULL, "GET", path, hh, -1, 0, &r) < 0)
		return 1;
	if (r.code != 200) {
		buf_append(&r.body, "", 1);
		int ret = r.code == 404 ? 3 : 1;
		if (r.code != 404 || strcmp(what, "exploitable") != 0)
			fprintf(stderr, "retrace-client: task %s: %s: %ld %s\n", id, what, r.code, r.body.data);
		reply_release(&r);
		return ret;
	}
	fwrite(r.body.data, 1, r.body.len, stdout);
	if (r.body.len && r.body.data[r.body.len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	reply_release(&r);
	return 0;
}

static int batch(const struct client *cl, const char *dir)
{
	struct created t;
	char status[64], msg[512], last[512] = "";
	double delay;
	int r;

	memset(&t, 0, sizeof(t));
	r = create_task(cl, dir, true, &t);
	if (r)
		return r;
	fprintf(stderr, "Task Id: %s\nTask Password: %s\n", t.id, t.password);
	if (t.sync && strcmp(t.sink.final, "FINISHED_SUCCESS") == 0) {
		/* the backtrace came with the answer */
		if (t.cut && t.sink.printed > 0) {
			fprintf(stderr, "\nretrace-client: the answer broke off in the backtrace; the whole of it: "
					"retrace-client backtrace --task %s --password %s\n", t.id, t.password);
			return 1;
		}
		if (t.sink.printed == 0 && task_get(cl, t.id, t.password, "backtrace") != 0)
			return 1;
		if (t.sink.printed > 0 && !t.sink.last_newline)
			putchar('\n');
		return task_get(cl, t.id, t.password, "exploitable") == 1 ? 1 : 0;
	}
	if (t.sync && strcmp(t.sink.final, "FINISHED_FAILURE") == 0) {
		fprintf(stderr, "Retrace failed. The server's log of task %s:\n", t.id);
		task_get(cl, t.id, t.password, "log");
		return 1;
	}
	/* the first poll soon, then twice as long each time, up to --status-delay:
	 * a task the server finishes in 0.2 s reaches the user then, not after
	 * the whole estimate (which only says how long it may take) */
	delay = MIN(FIRST_POLL_DELAY, cl->status_delay);
	if (t.est > 0)
		fprintf(stderr, "The server estimates %.0f s for this task\n", t.est);
	for (;;) {
		sleep_seconds(delay);
		delay = MIN(delay * 2, cl->status_delay);
		if (task_status(cl, t.id, t.password, status, sizeof(status), msg, sizeof(msg)))
			return 1;
		if (strcmp(msg, last) != 0) {
			fprintf(stderr, "%s\n", msg);
			snprintf(last, sizeof(last), "%s", msg);
		}
		if (strcmp(status, "PENDING") != 0)
			break;
	}
	if (strcmp(status, "FINISHED_SUCCESS") == 0) {
		r = task_get(cl, t.id, t.password, "backtrace");
		if (r == 0 && task_get(cl, t.id, t.password, "exploitable") == 1)
			r = 1;
		return r ? 1 : 0;
	}
	fprintf(stderr, "Retrace failed. The server's log of task %s:\n", t.id);
	task_get(cl, t.id, t.password, "log");
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-client [-k] [--url URL] batch --dir CRASHDIR [--status-delay S]\n"
		   "       retrace-client [-k] [--url URL] create --dir CRASHDIR\n"
		   "       retrace-client [-k] [--url URL] status|backtrace|log|exploitable --task ID "
		   "--password PW\n"
		   "  -k, --insecure   accept a self-signed certificate\n"
		   "  --no-sync        poll the task even where the server streams it\n"
		   "  --url URL        the server (default " DEFAULT_URL ")\n");
}

struct args {
	struct client cl;
	const char *dir, *task, *pw;
};

/* getopt over argv from optind: -1 to go on, else the exit status */
static int parse_options(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "dir", required_argument, NULL, 'd' },
		{ "task", required_argument, NULL, 't' },
		{ "password", required_argument, NULL, 'p' },
		{ "status-delay", required_argument, NULL, 's' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "no-sync", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+ku:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'u': a->cl.url = optarg; break;
		case 'k': a->cl.insecure = true; break;
		case 'd': a->dir = optarg; break;
		case 't': a->task = optarg; break;
		case 'p': a->pw = optarg; break;
		case 'P': a->cl.progress = false; break;
		case 'S': a->cl.sync = false; break;
		case 's': {
			char *end;
			errno = 0;
			a->cl.status_delay = strtod(optarg, &end);
			if (errno || *end || !(a->cl.status_delay >= 0.01 && a->cl.status_delay <= MAX_POLL_DELAY)) {
				fprintf(stderr, "retrace-client: --status-delay: 0.01 to %.0f seconds\n",
					MAX_POLL_DELAY);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct args a = { .cl = { .url = DEFAULT_URL, .status_delay = 10.0, .progress = isatty(2), .sync = true } };
	const struct client *cl = &a.cl;
	const char *cmd;
	int r;

	/* options before and after the command */
	r = parse_options(argc, argv, &a);
	if (r >= 0)
		return r;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	r = parse_options(argc, argv, &a);
	if (r >= 0)
		return r;
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if (strcmp(cmd, "batch") == 0 || strcmp(cmd, "create") == 0) {
		if (!a.dir) {
			usage(stderr);
			r = 2;
		} else if (cmd[0] == 'b') {
			r = batch(cl, a.dir);
		} else {
			struct created t;
			memset(&t, 0, sizeof(t));
			r = create_task(cl, a.dir, false, &t);
			if (r == 0)
				printf("Task Id: %s\nTask Password: %s\n", t.id, t.password);
		}
	} else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "backtrace") == 0 || strcmp(cmd, "log") == 0 ||
		   strcmp(cmd, "exploitable") == 0) {
		if (!a.task || !a.pw) {
			usage(stderr);
			r = 2;
		} else if (cmd[0] == 's') {
			char status[64], msg[512];
			r = task_status(cl, a.task, a.pw, status, sizeof(status), msg, sizeof(msg));
			if (r == 0)
				printf("%s\n%s\n", status, msg);
		} else {
			r = task_get(cl, a.task, a.pw, cmd);
			if (r == 3) {
				if (cmd[0] == 'e')
					fprintf(stderr, "retrace-client: task %s has no exploitability rating\n", a.task);
				r = 1;
			}
		}
	} else {
		fprintf(stderr, "retrace-client: unknown command '%s'\n", cmd);
		usage(stderr);
		r = 2;
	}
	curl_global_cleanup();
	return r;
}
