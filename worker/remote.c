/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * remote.c - a task's remote resources (design section 3): the `remote`
 * file the client sent lists URLs, one a line; the worker (never httpd)
 * fetches each with libcurl when it starts with one of
 * RemoteResourcePrefixes, best effort, every result in the task's log.
 *
 * A resource is read as an uploaded body is (httpd/upload.h): a tar,
 * tar.gz or tar.xz of crash files, or a bare core (raw, gzip or xz) that
 * becomes the task's coredump or vmcore, with the same limits
 * (MaxPackedSize received, MaxUnpackedSize, MaxUnpackRatio, free space).
 * It is unpacked into a directory of its own under crash/, and only the
 * files it completed move into crash/, never over one that is there: a
 * refused or broken resource leaves nothing. No redirect is followed (the
 * prefix check would be bypassed), only http, https and ftp are spoken,
 * and each resource has RemoteResourceTimeout seconds.
 *
 * FTP tasks (design 9.2, UseFTPTasks): the daemon lists FTPDir on FTPHost
 * into SaveDir/.ftp-listing (ftp_list_write(), in a child of its own, at
 * start-up and every RescanInterval) for the task manager to show; a task
 * the manager started from a file there names it in <id>/ftp_file (outside
 * crash/: a client cannot send it), fetched here like a remote resource,
 * with FTPUser/FTPPass and, with FTPSSL, over TLS.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "common/log.h"
#include "common/spool.h"
#include "httpd/upload.h"
#include "worker/task.h"

#define REMOTE_MAX_URLS 16
#define REMOTE_TMP ".remote"

static bool allowed(const char *prefixes, const char *url)
{
	size_t n;

	for (const char *p = prefixes, *w; (w = next_word(&p, &n));)
		if (strncmp(url, w, n) == 0)
			return true;
	return false;
}

struct fetch {
	struct upload_blocking *ub;
	bool refused;
};

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;

	if (upload_blocking_feed(f->ub, p, size * n) < 0) {
		f->refused = true;
		return 0; /* stops the transfer: the rest is not wanted */
	}
	return size * n;
}

/* The files a finished resource completed, moved into crash/ (never over one). */
static void adopt(struct task *t, int tmpfd, uint32_t files, const char *url)
{
	for (unsigned i = 0; i < _CRASH_FILE_MAX; i++) {
		const char *name = crash_file_name((enum crash_file)i);
		if (!(files & (1U << i)))
			continue;
		if (i == CRASH_FILE_REMOTE) {
			tlog(t, "remote: %s: its own 'remote' file is not followed", url);
			continue;
		}
		if (rename_noreplace_at(tmpfd, name, t->crashfd, name) < 0)
			tlog(t, "remote: %s: %s is not taken: %s", url, name,
			     errno == EEXIST ? "the task has one already" : strerror(errno));
		else
			tlog(t, "remote: %s: %s", url, name);
	}
}

/* FTPHost's login and TLS on an easy handle (FTP tasks). */
static void ftp_login(CURL *c, const struct config *cfg)
{
	if (*cfg->ftp_user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->ftp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->ftp_pass);
	}
	if (cfg->ftp_ssl)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
}

/* ftp://FTPHost/FTPDir/ and name, or NULL (out of memory). */
static char *ftp_url(const struct config *cfg, const char *name)
{
	const char *d = cfg->ftp_dir;
	size_t dl = strlen(d);
	char *url = NULL;

	if (asprintf(&url, "ftp://%s%s%s%s", cfg->ftp_host, d, dl && d[dl - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return url;
}

static void fetch_one(struct task *t, const char *url, bool ftp_task)
{
	const struct config *cfg = t->w->cfg;
	struct upload_limits lim = {
		.max_packed = cfg->max_packed_size,
		.max_unpacked = cfg->max_unpacked_size,
		.min_storage_left = cfg->min_storage_left,
		.max_ratio = cfg->max_unpack_ratio,
		.bare_file = task_type_is_vmcore(t->type) ? CRASH_FILE_VMCORE : CRASH_FILE_COREDUMP,
	};
	struct fetch f = { 0 };
	struct upload_result res;
	char err[CURL_ERROR_SIZE] = "";
	_cleanup_close_ int tmpfd = -1;
	double t0 = monotonic_seconds();
	long code = 0;
	CURLcode rc;
	CURL *c;

	rm_rf_at(t->crashfd, REMOTE_TMP);
	if (mkdirat(t->crashfd, REMOTE_TMP, 0750) < 0 || (tmpfd = openat_dir(t->crashfd, REMOTE_TMP)) < 0) {
		tlog(t, "remote: %s: cannot make crash/%s: %s", url, REMOTE_TMP, strerror(errno));
		return;
	}
	if (upload_blocking_new(tmpfd, &lim, &f.ub) < 0 || !(c = curl_easy_init())) {
		tlog(t, "remote: %s: out of memory", url);
		if (f.ub)
			upload_blocking_end(f.ub, &res);
		rm_rf_at(t->crashfd, REMOTE_TMP);
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->remote_timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_packed_size);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "retrace-worker");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	if (ftp_task)
		ftp_login(c, cfg);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	upload_blocking_end(f.ub, &res);
	if (rc != CURLE_OK && !f.refused) {
		tlog(t, "remote: %s: %s%s", url, err[0] ? err : curl_easy_strerror(rc),
		     rc == CURLE_OPERATION_TIMEDOUT ? " (RemoteResourceTimeout)" : "");
	} else if (res.http_status != 0) {
		tlog(t, "remote: %s: refused: %s", url, res.message);
	} else {
		tlog(t, "remote: %s: %llu bytes in %.3f s, %s", url, (unsigned long long)res.received,
		     monotonic_seconds() - t0, res.bare ? "a bare core" : "a tar");
		adopt(t, tmpfd, res.files, url);
	}
	rm_rf_at(t->crashfd, REMOTE_TMP);
}

/* The file of FTPDir the task manager started this task from, if it did. */
static void fetch_ftp_task(struct task *t)
{
	const struct config *cfg = t->w->cfg;
	char name[SPOOL_FTP_NAME_MAX + 2];
	_cleanup_free_ char *url = NULL;
	size_t len = 0;

	if (read_small_file_at(t->dirfd, SPOOL_FTP_TASK_FILE, name, sizeof(name), &len) < 0)
		return;
	name[strcspn(name, "\n")] = '\0';
	if (!ftp_name_valid(name, strlen(name))) {
		tlog(t, "ftp: the task's %s does not name a file", SPOOL_FTP_TASK_FILE);
		return;
	}
	if (!cfg->allow_task_manager || !cfg->use_ftp_tasks) {
		tlog(t, "ftp: %s: UseFTPTasks (with AllowTaskManager) is off: not fetched", name);
		return;
	}
	url = ftp_url(cfg, name);
	if (!url) {
		tlog(t, "ftp: %s: out of memory", name);
		return;
	}
	tlog(t, "ftp: the task manager's file %s, from %s%s", name, url, cfg->ftp_ssl ? " (TLS)" : "");
	fetch_one(t, url, true);
}

void task_fetch_remote(struct task *t)
{
	_cleanup_free_ char *text = NULL;
	unsigned n = 0;

	if (t->dirfd >= 0 && t->crashfd >= 0)
		fetch_ftp_task(t);
	if (t->crashfd < 0 || read_file_at(t->crashfd, crash_file_name(CRASH_FILE_REMOTE),
					   crash_file_max_size(CRASH_FILE_REMOTE), &text, NULL) < 0)
		return;
	if (!t->w->cfg->remote_prefixes[0]) {
		tlog(t, "remote: the task lists remote resources, but RemoteResourcePrefixes is empty: none fetched");
		return;
	}
	for (char *cur = text, *line; (line = text_next_line(&cur, "\r\n"));) {
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		if (++n > REMOTE_MAX_URLS) {
			tlog(t, "remote: more than %d resources: the rest is not fetched", REMOTE_MAX_URLS);
			break;
		}
		if (!mem_is_printable_ascii(line, strlen(line)) || strchr(line, ' ')) {
			tlog(t, "remote: line %u is not a URL", n);
			continue;
		}
		if (!allowed(t->w->cfg->remote_prefixes, line)) {
			tlog(t, "remote: %s: not under RemoteResourcePrefixes: not fetched", line);
			continue;
		}
		fetch_one(t, line, false);
	}
}

/* --- the FTP listing (the daemon's child) ----------------------------------- */

static size_t on_list(char *p, size_t size, size_t n, void *userdata)
{
	struct buf *raw = userdata;

	if (buf_append(raw, p, size * n) < 0)
		return 0; /* past its bound: stop */
	return size * n;
}

int ftp_list_write(const struct config *cfg, struct spool *s)
{
	struct buf raw = BUF_INIT(SPOOL_FTP_LISTING_MAX);
	_cleanup_buf_ struct buf out = BUF_INIT(SPOOL_FTP_LISTING_MAX + 4096);
	_cleanup_free_ char *url = ftp_url(cfg, "");
	char err[CURL_ERROR_SIZE] = "";
	unsigned names = 0, skipped = 0;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	CURL *c = url ? curl_easy_init() : NULL;
	int r;

	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "ftp");
		curl_easy_setopt(c, CURLOPT_DIRLISTONLY, 1L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_list);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &raw);
		ftp_login(c, cfg);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
	}
	buf_appendf(&out, "listed %lld\n", (long long)time(NULL));
	if (rc != CURLE_OK) {
		const char *why = rc == CURLE_WRITE_ERROR ? "the listing is larger than it may be"
			: err[0] ? err : curl_easy_strerror(rc);
		buf_appendf(&out, "error %s\n", why);
		log_warn("ftp: cannot list %s: %s", url ? url : "FTPDir", why);
	} else {
		/* NLST: a name a line; only names a URL and a page take as they are */
		for (char *cur = raw.data, *line; (line = text_next_line(&cur, "\r\n"));) {
			if (!*line)
				continue;
			if (!ftp_name_valid(line, strlen(line)) || names == SPOOL_FTP_NAMES_MAX) {
				skipped++;
				continue;
			}
			buf_appendf(&out, "name %s\n", line);
			names++;
		}
		if (skipped)
			log_warn("ftp: %s: %u name(s) left out (past %d names, or characters outside "
				 "[A-Za-z0-9._+~-])",
				 url, skipped, SPOOL_FTP_NAMES_MAX);
	}
	buf_release(&raw);
	if (!out.data)
		return -ENOMEM;
	r = write_file_at(s->dirfd, SPOOL_FTP_LISTING, out.data, out.len, 0640, true);
	if (r < 0)
		log_error("ftp: cannot write %s/%s: %s", s->path, SPOOL_FTP_LISTING, strerror(-r));
	return rc == CURLE_OK ? (r < 0 ? r : (int)names) : -EIO;
}
