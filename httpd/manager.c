/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager.c - the task manager (design section 9, AllowTaskManager = 1):
 * server-rendered HTML pages that list the managed tasks (those sent with
 * X-Task-Managed: 1), show one with its log, backtrace and results, and
 * start, restart or delete it with a form (POST). No JavaScript; every byte
 * that came from a client (package names, logs, backtraces, the filter) is
 * escaped. There is no authentication, as in the original: the page says
 * so, and tasks sent without X-Task-Managed are never shown here.
 */
#include "routes.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/util.h"
#include "httpd/request.h"
#include "worker/lifecycle.h"

/* What a page shows of a log or a backtrace; the raw link has all of it. */
#define MANAGER_SHOW_MAX (512 * 1024)
/* Rows a section of the list shows. */
#define MANAGER_ROWS_MAX 1000
#define MANAGER_FILTER_MAX 128
/* Results listed on a task's page. */
#define MANAGER_RESULTS_MAX 64

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\">%s<title>%s</title>\n"
	"<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}"
	"th,td{text-align:left;padding:.2em .6em;border-bottom:1px solid #ddd}"
	"pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:40em}"
	".public{background:#fff3cd;padding:.5em;border:1px solid #e0c060}"
	".success{color:#060}.fail{color:#a00}form.inline{display:inline}</style>\n"
	"</head><body>\n";
static const char public_notice[] =
	"<p class=\"public\">This task manager has no authentication: anyone who can reach this "
	"server can see the tasks listed here, their logs, backtraces and results, and start, "
	"restart or delete them. Tasks sent without <code>X-Task-Managed: 1</code> are not "
	"shown.</p>\n";

/* The security headers of every page: nothing runs, nothing is framed,
 * forms go nowhere but here. */
static const char page_csp[] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
				"frame-ancestors 'none'; base-uri 'none'";
static const char *const page_headers[] = {
	"Content-Security-Policy", page_csp, "Referrer-Policy", "same-origin", "Cache-Control", "no-store", NULL,
};

static void escape_str(struct buf *b, const char *s)
{
	httpd_html_escape(b, s, s ? strlen(s) : 0);
}

/* A task's small file (crash/package...): its first line, at most size-1 bytes. */
static void small_text(int dirfd, const char *name, char *buf, size_t size)
{
	if (read_small_file_at(dirfd, name, buf, size, NULL) < 0)
		buf[0] = '\0';
	else
		buf[strcspn(buf, "\r\n")] = '\0';
}

/*
 * A directory of a task, rel ("results", "results/misc") walked a
 * component at a time, none of them a symlink: a task's results/ that is
 * a link to another task's cannot be read through it.
 */
static int open_task_dir(int dirfd, const char *rel)
{
	int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

	while (cur >= 0 && *rel) {
		char comp[NAME_MAX + 1];
		size_t n = strcspn(rel, "/");
		int next;
		if (n == 0 || n > NAME_MAX) {
			close(cur);
			return -EINVAL;
		}
		memcpy(comp, rel, n);
		comp[n] = '\0';
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = next;
		rel += n + (rel[n] == '/');
	}
	return cur < 0 ? -errno : cur;
}

/* A task's file to show: regular, not a link of any kind (no symlink, no
 * second hard link to some other task's file); -ENOENT otherwise. */
static int open_task_file(int dirfd, const char *rel_dir, const char *name, struct stat *ret_st)
{
	_cleanup_close_ int d = open_task_dir(dirfd, rel_dir ? rel_dir : "");
	int fd;

	if (d < 0)
		return d == -ENOENT || d == -ENOTDIR || d == -ELOOP ? -ENOENT : d;
	fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? -ENOENT : -errno;
	if (fstat(fd, ret_st) < 0 || !S_ISREG(ret_st->st_mode) || ret_st->st_nlink != 1) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Up to max bytes of a task's file into *ret; *ret_more when there was more. */
static int read_head(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len, bool *ret_more)
{
	struct stat st = { 0 };
	_cleanup_close_ int fd = open_task_file(dirfd, NULL, name, &st);
	char *data;
	size_t n = 0;

	if (fd < 0)
		return fd;
	data = malloc(max + 1);
	if (!data)
		return -ENOMEM;
	while (n < max) {
		ssize_t k = read(fd, data + n, max - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	data[n] = '\0';
	*ret = data;
	*ret_len = n;
	*ret_more = (uint64_t)st.st_size > n;
	return 0;
}

struct mtask {
	uint32_t id;
	struct task_info ti;
	char package[256];
	char status[64];
	const char *css; /* class of the status cell */
};

/* What the manager says a task is doing. */
static void describe(struct mtask *t)
{
	t->css = "";
	switch (t->ti.phase) {
	case PHASE_HELD: snprintf(t->status, sizeof(t->status), "not started"); break;
	case PHASE_QUEUED: snprintf(t->status, sizeof(t->status), "queued"); break;
	case PHASE_RUNNING:
		snprintf(t->status, sizeof(t->status), "running: %s", task_status_message(t->ti.state.status));
		break;
	case PHASE_FINISHED:
		if (strcmp(task_state_http(&t->ti.state), "FINISHED_SUCCESS") == 0) {
			snprintf(t->status, sizeof(t->status), "success");
			t->css = "success";
		} else {
			snprintf(t->status, sizeof(t->status), "failed");
			t->css = "fail";
		}
		break;
	default: snprintf(t->status, sizeof(t->status), "%s", task_phase_to_string(t->ti.phase));
	}
}

/* A managed task, read; -ENOENT when there is none (or it is not managed). */
static int mtask_load(struct httpd *h, uint32_t id, struct mtask *t, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	int r;

	memset(t, 0, sizeof(*t));
	t->id = id;
	r = spool_task_open(&h->spool, id, &fd);
	if (r < 0)
		return r;
	if (!spool_task_is_managed(fd))
		return -ENOENT;
	r = lifecycle_inspect(&h->spool, id, &t->ti);
	if (r < 0)
		return r;
	small_text(fd, "crash/package", t->package, sizeof(t->package));
	describe(t);
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

static bool filter_match(const char *pattern, const struct mtask *t)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	const char *fields[4];

	if (!pattern[0])
		return true;
	spool_task_id_format(t->id, idstr);
	fields[0] = idstr;
	fields[1] = t->package;
	fields[2] = t->status;
	fields[3] = task_type_name(t->ti.type);
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (fnmatch(pattern, fields[i], FNM_CASEFOLD) == 0)
			return true;
	return false;
}

static void row(struct buf *b, const struct mtask *t)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], created[32], started[32], finished[32];

	spool_task_id_format(t->id, idstr);
	format_utc_time(t->ti.created, created, sizeof(created));
	format_utc_time(t->ti.started, started, sizeof(started));
	format_utc_time(t->ti.finished > 1 ? t->ti.finished : 0, finished, sizeof(finished));
	buf_appendf(b, "<tr id=\"task-%s\"><td><a href=\"/manager/%s\">%s</a></td><td class=\"%s\">", idstr,
		    idstr, idstr, t->css);
	escape_str(b, t->status);
	buf_appendf(b, "</td><td>%s</td><td>", task_type_name(t->ti.type));
	escape_str(b, t->package[0] ? t->package : "-");
	buf_appendf(b, "</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", created, started, finished);
}

static void ftp_section(struct httpd *h, struct buf *b, const char *pattern);

enum section { SEC_HELD, SEC_ACTIVE, SEC_FINISHED, _SEC_MAX };

static enum section section_of(const struct mtask *t)
{
	if (t->ti.phase == PHASE_HELD)
		return SEC_HELD;
	if (t->ti.phase == PHASE_FINISHED)
		return SEC_FINISHED;
	return SEC_ACTIVE;
}

static enum MHD_Result page_list(struct httpd *h, struct MHD_Connection *c)
{
	static const char *const titles[_SEC_MAX] = { "Not started", "Queued and running", "Finished" };
	static const char *const ids[_SEC_MAX] = { "held", "active", "finished" };
	static const char *const states[] = { "all", "held", "active", "finished" };
	const char *fq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
	const char *sq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	_cleanup_buf_ struct buf b = BUF_INIT(32 * 1024 * 1024);
	_cleanup_buf_ struct buf s0 = BUF_INIT(8 * 1024 * 1024), s1 = BUF_INIT(8 * 1024 * 1024),
				 s2 = BUF_INIT(8 * 1024 * 1024);
	struct buf *sec[_SEC_MAX] = { &s0, &s1, &s2 };
	unsigned shown[_SEC_MAX] = { 0 }, more[_SEC_MAX] = { 0 };
	_cleanup_free_ uint32_t *ids_list = NULL;
	char pattern[MANAGER_FILTER_MAX + 3];
	int want = -1; /* a section, or all */
	size_t n = 0;
	int r;

	if (fq && strlen(fq) > MANAGER_FILTER_MAX)
		return httpd_reply_text(c, MHD_HTTP_BAD_REQUEST, "The filter is longer than %d characters",
					MANAGER_FILTER_MAX);
	if (fq && !mem_is_printable_ascii(fq, strlen(fq)))
		return httpd_reply_text(c, MHD_HTTP_BAD_REQUEST, "The filter must be printable ASCII");
	if (sq && sq[0]) {
		size_t i;
		for (i = 0; i < ELEMENTSOF(states) && strcmp(sq, states[i]) != 0; i++)
			;
		if (i == ELEMENTSOF(states))
			return httpd_reply_text(c, MHD_HTTP_BAD_REQUEST,
						"state must be all, held, active or finished");
		want = (int)i - 1;
	}
	/* no wildcard: a substring */
	if (fq && fq[0] && !strpbrk(fq, "*?["))
		snprintf(pattern, sizeof(pattern), "*%s*", fq);
	else
		snprintf(pattern, sizeof(pattern), "%s", fq ? fq : "");

	r = spool_list(&h->spool, SPOOL_LIST_TASKS, &ids_list, &n);
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to list the tasks: %s",
					strerror(-r));
	/* newest first */
	for (size_t i = n; i-- > 0;) {
		struct mtask t;
		enum section s;

		if (mtask_load(h, ids_list[i], &t, NULL) < 0 || !filter_match(pattern, &t))
			continue;
		s = section_of(&t);
		if (want >= 0 && (int)s != want)
			continue;
		if (shown[s] == MANAGER_ROWS_MAX) {
			more[s]++;
			continue;
		}
		row(sec[s], &t);
		shown[s]++;
	}

	buf_appendf(&b, page_head, "", "Retrace Server Task Manager");
	buf_appendf(&b, "<h1>Retrace Server Task Manager</h1>\n%s", public_notice);
	buf_appendf(&b, "<form method=\"get\" action=\"/manager\" id=\"filter\">"
			"<label>Filter <input name=\"filter\" value=\"");
	escape_str(&b, fq);
	buf_appendf(&b, "\" placeholder=\"id, package, status or type; * and ? match\"></label> "
			"<select name=\"state\">");
	for (size_t i = 0; i < ELEMENTSOF(states); i++)
		buf_appendf(&b, "<option value=\"%s\"%s>%s</option>", states[i],
			    (int)i - 1 == want ? " selected" : "", states[i]);
	buf_appendf(&b, "</select> <button type=\"submit\">Show</button></form>\n");
	for (int s = 0; s < _SEC_MAX; s++) {
		if (want >= 0 && s != want)
			continue;
		buf_appendf(&b, "<h2>%s (%u)</h2>\n", titles[s], shown[s] + more[s]);
		if (!shown[s]) {
			buf_appendf(&b, "<p id=\"%s\">None.</p>\n", ids[s]);
			continue;
		}
		buf_appendf(&b, "<table id=\"%s\"><tr><th>Task</th><th>Status</th><th>Type</th><th>Package</th>"
				"<th>Created</th><th>Started</th><th>Finished</th></tr>\n",
			    ids[s]);
		buf_append(&b, sec[s]->data, sec[s]->len);
		buf_appendf(&b, "</table>\n");
		if (more[s])
			buf_appendf(&b, "<p>%u more not shown: narrow the filter.</p>\n", more[s]);
	}
	if (h->cfg->use_ftp_tasks && want < 0)
		ftp_section(h, &b, pattern);
	buf_appendf(&b, "</body></html>\n");
	for (int s = 0; s < _SEC_MAX; s++)
		if (!sec[s]->data && shown[s])
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The page is too large");
	if (!b.data)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The page is too large");
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_HTML, b.data, b.len, page_headers);
}

static enum MHD_Result see_other(struct MHD_Connection *c, const char *location)
{
	const char *hdrs[] = { MHD_HTTP_HEADER_LOCATION, location, NULL };
	return httpd_reply_buf(c, MHD_HTTP_SEE_OTHER, CT_TEXT, "", 0, hdrs);
}

/* --- FTP tasks (design 9.2, UseFTPTasks) ------------------------------------ */

/* What the worker's last listing of FTPDir says (SaveDir/.ftp-listing). */
struct ftp_listing {
	char *text;      /* the file, its lines cut at '\n' */
	size_t len;
	int64_t listed;  /* when, 0: never */
	const char *error;
};

static int ftp_listing_read(struct httpd *h, struct ftp_listing *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_file_at(h->spool.dirfd, SPOOL_FTP_LISTING, SPOOL_FTP_LISTING_MAX + 4096, &ret->text, &ret->len);
	if (r < 0)
		return r;
	for (char *cur = ret->text, *line; (line = text_next_line(&cur, "\n"));) {
		if (strncmp(line, "listed ", 7) == 0)
			ret->listed = strtoll(line + 7, NULL, 10);
		else if (strncmp(line, "error ", 6) == 0)
			ret->error = line + 6;
	}
	return 0;
}

/* The next valid name of a listing read by ftp_listing_read(), from *pos. */
static const char *ftp_listing_next(const struct ftp_listing *l, size_t *pos)
{
	while (*pos < l->len) {
		const char *line = l->text + *pos;
		size_t n = strlen(line);
		*pos += n + 1;
		if (strncmp(line, "name ", 5) == 0 && ftp_name_valid(line + 5, n - 5))
			return line + 5;
	}
	return NULL;
}

static void ftp_section(struct httpd *h, struct buf *b, const char *pattern)
{
	struct ftp_listing l;
	char when[32];
	unsigned shown = 0, more = 0;
	size_t pos = 0;
	const char *name;
	int r = ftp_listing_read(h, &l);

	buf_appendf(b, "<h2>FTP files</h2>\n");
	if (r == -ENOENT) {
		buf_appendf(b, "<p id=\"ftp-state\">The worker has not listed the FTP directory yet.</p>\n");
		return;
	}
	if (r < 0) {
		buf_appendf(b, "<p id=\"ftp-state\">The FTP listing cannot be read: %s.</p>\n", strerror(-r));
		return;
	}
	format_utc_time(l.listed, when, sizeof(when));
	if (l.error) {
		buf_appendf(b, "<p id=\"ftp-state\">The worker could not list the FTP directory at %s: ", when);
		escape_str(b, l.error);
		buf_appendf(b, "</p>\n");
		free(l.text);
		return;
	}
	buf_appendf(b, "<p id=\"ftp-state\">Listed by the worker at %s. Starting one makes a kernel task that "
		       "downloads it.</p>\n<table id=\"ftp\"><tr><th>File</th><th></th></tr>\n",
		    when);
	while ((name = ftp_listing_next(&l, &pos))) {
		if (pattern[0] && fnmatch(pattern, name, FNM_CASEFOLD) != 0)
			continue;
		if (shown == MANAGER_ROWS_MAX) {
			more++;
			continue;
		}
		/* the names are [A-Za-z0-9._+~-]: nothing to escape or quote */
		buf_appendf(b, "<tr><td>%s</td><td><form class=\"inline\" method=\"post\" "
			       "action=\"/manager/ftp/%s/start\"><button type=\"submit\">Start task</button>"
			       "</form></td></tr>\n",
			    name, name);
		shown++;
	}
	buf_appendf(b, "</table>\n");
	if (more)
		buf_appendf(b, "<p>%u more not shown: narrow the filter.</p>\n", more);
	free(l.text);
}

/* A managed task from FTPDir's name, queued at once (as the original's). */
static enum MHD_Result ftp_start(struct httpd *h, struct MHD_Connection *c, const char *name)
{
	char incoming[SPOOL_INCOMING_NAME_LEN + 1], pw[SPOOL_PASSWORD_LEN + 1], line[SPOOL_FTP_NAME_MAX + 2];
	char remote[INET6_ADDRSTRLEN + 8], location[64], idstr[SPOOL_TASK_ID_DIGITS + 1];
	enum task_type type = h->cfg->allow_interactive ? TASK_VMCORE_INTERACTIVE : TASK_VMCORE;
	struct ftp_listing l;
	bool listed = false;
	size_t pos = 0;
	const char *n;
	uint32_t id = 0;
	int fd = -1, r;

	if (!h->cfg->use_ftp_tasks)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "FTP tasks are not enabled on this server");
	r = ftp_listing_read(h, &l);
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "The FTP directory has not been listed: %s",
					strerror(-r));
	while (!listed && (n = ftp_listing_next(&l, &pos)))
		listed = strcmp(n, name) == 0;
	free(l.text);
	if (!listed)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no file '%s' in the FTP directory", name);
	if (httpd_fully_loaded(h))
		return httpd_reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					"Retrace server is fully loaded at the moment; start a task from '%s' later", name);

	r = spool_incoming_new(&h->spool, incoming, &fd);
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to create new task: %s",
					strerror(-r));
	snprintf(line, sizeof(line), "%s\n", name);
	r = create_file_at(fd, SPOOL_FTP_TASK_FILE, line, strlen(line), 0640);
	if (r >= 0)
		r = spool_password_new(pw);
	if (r >= 0)
		r = spool_incoming_commit(&h->spool, incoming, fd, type, pw, SPOOL_COMMIT_MANAGED, &id);
	explicit_bzero(pw, sizeof(pw));
	close(fd);
	if (r < 0) {
		char msg[128];
		unsigned status = httpd_spool_error(r, msg, sizeof(msg));
		int d = spool_incoming_discard(&h->spool, incoming);
		if (d < 0)
			log_error("cannot remove incoming task %s: %s", incoming, strerror(-d));
		return httpd_reply_text(c, status, "%s", msg);
	}
	spool_task_id_format(id, idstr);
	httpd_client_address(c, remote, sizeof(remote));
	log_info("%s: task manager: task %s created from the FTP file %s (type %d), queued", remote, idstr, name,
		 (int)type);
	snprintf(location, sizeof(location), "/manager/%s", idstr);
	return see_other(c, location);
}

/* A <pre> of a task's text file, at most MANAGER_SHOW_MAX of it. */
static void text_section(struct buf *b, int fd, const char *file, const char *title, const char *id,
			 const char *raw_url)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	bool more = false;

	if (read_head(fd, file, MANAGER_SHOW_MAX, &data, &len, &more) < 0)
		return;
	buf_appendf(b, "<h2>%s</h2>\n", title);
	if (more)
		buf_appendf(b, "<p>The first %d KiB; <a href=\"%s\">all of it</a>.</p>\n", MANAGER_SHOW_MAX / 1024,
			    raw_url);
	buf_appendf(b, "<pre id=\"%s\">", id);
	httpd_html_escape(b, data, len);
	buf_appendf(b, "</pre>\n");
}

/* Links to the regular files of dir (results/ or results/misc/). */
static void result_links(struct buf *b, int fd, const char *dir, const char *idstr, const char *kind,
			 unsigned *count)
{
	int dfd = open_task_dir(fd, dir);
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *e;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d)) && n < MANAGER_RESULTS_MAX) {
		struct stat st;
		char **nn;
		if (!result_key_valid(e->d_name, strlen(e->d_name)) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_nlink != 1)
			continue;
		nn = reallocarray(names, n + 1, sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), str_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		/* the names are [A-Za-z0-9._-]: nothing to escape */
		buf_appendf(b, "%s<a href=\"/manager/%s/%s/%s\">%s</a>", *count ? ", " : "", idstr, kind,
			    names[i], names[i]);
		(*count)++;
		free(names[i]);
	}
	free(names);
}

static void action_form(struct buf *b, const char *idstr, const char *action, const char *label)
{
	buf_appendf(b, "<form class=\"inline\" method=\"post\" action=\"/manager/%s/%s\">"
		       "<button type=\"submit\" id=\"%s\">%s</button></form>\n",
		    idstr, action, action, label);
}

static enum MHD_Result page_task(struct httpd *h, struct MHD_Connection *c, uint32_t id)
{
	_cleanup_buf_ struct buf b = BUF_INIT(4 * 1024 * 1024);
	_cleanup_close_ int fd = -1;
	char idstr[SPOOL_TASK_ID_DIGITS + 1], created[32], started[32], finished[32], title[64];
	char executable[512], release[256], url[64];
	struct mtask t;
	unsigned nresults = 0;
	bool active;
	int r;

	r = mtask_load(h, id, &t, &fd);
	if (r == -ENOENT)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task in the task manager");
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to read task %u: %s", id,
					strerror(-r));
	spool_task_id_format(id, idstr);
	small_text(fd, "crash/executable", executable, sizeof(executable));
	small_text(fd, "crash/os_release", release, sizeof(release));
	format_utc_time(t.ti.created, created, sizeof(created));
	format_utc_time(t.ti.started, started, sizeof(started));
	format_utc_time(t.ti.finished > 1 ? t.ti.finished : 0, finished, sizeof(finished));
	active = t.ti.phase == PHASE_QUEUED || t.ti.phase == PHASE_RUNNING || t.ti.phase == PHASE_ORPHANED ||
		 t.ti.phase == PHASE_UNLISTED;

	snprintf(title, sizeof(title), "Task %s - Retrace Server Task Manager", idstr);
	/* no JavaScript: a task on its way reloads its page by itself */
	buf_appendf(&b, page_head, active ? "<meta http-equiv=\"refresh\" content=\"3\">" : "", title);
	buf_appendf(&b, "<p><a href=\"/manager\">Back to the task manager</a></p>\n<h1>Task %s</h1>\n%s", idstr,
		    public_notice);
	buf_appendf(&b, "<table id=\"task\">\n<tr><th>Status</th><td id=\"status\" class=\"%s\">", t.css);
	escape_str(&b, t.status);
	buf_appendf(&b, "</td></tr>\n<tr><th>Type</th><td id=\"type\">%s</td></tr>\n<tr><th>Package</th><td "
			"id=\"package\">",
		    task_type_name(t.ti.type));
	escape_str(&b, t.package[0] ? t.package : "-");
	buf_appendf(&b, "</td></tr>\n<tr><th>Executable</th><td>");
	escape_str(&b, executable[0] ? executable : "-");
	buf_appendf(&b, "</td></tr>\n<tr><th>Release</th><td>");
	escape_str(&b, release[0] ? release : "-");
	buf_appendf(&b, "</td></tr>\n<tr><th>Created</th><td>%s</td></tr>\n<tr><th>Started</th><td>%s</td></tr>\n"
			"<tr><th>Finished</th><td>%s</td></tr>\n<tr><th>Results</th><td id=\"results\">",
		    created, started, finished);
	result_links(&b, fd, "results", idstr, "results", &nresults);
	result_links(&b, fd, "results/misc", idstr, "misc", &nresults);
	if (!nresults)
		buf_appendf(&b, "-");
	buf_appendf(&b, "</td></tr>\n</table>\n<p>");
	if (t.ti.phase == PHASE_HELD)
		action_form(&b, idstr, "start", "Start task");
	if (t.ti.phase == PHASE_FINISHED && t.ti.crash_data)
		action_form(&b, idstr, "restart", "Restart task");
	if (t.ti.phase == PHASE_HELD || t.ti.phase == PHASE_FINISHED || t.ti.phase == PHASE_QUEUED)
		action_form(&b, idstr, "delete", "Delete task");
	buf_appendf(&b, "</p>\n");
	if (task_type_is_interactive(t.ti.type) && t.ti.phase == PHASE_FINISHED)
		buf_appendf(&b, "<p>An interactive task: on the server, <code>retrace-interact %s shell</code> or "
				"<code>retrace-interact %s %s</code> (see retrace-interact(8)).</p>\n",
			    idstr, idstr, task_type_is_vmcore(t.ti.type) ? "crash" : "gdb");
	snprintf(url, sizeof(url), "/manager/%s/backtrace", idstr);
	text_section(&b, fd, "retrace_backtrace", "Backtrace", "backtrace", url);
	snprintf(url, sizeof(url), "/manager/%s/log", idstr);
	text_section(&b, fd, "retrace_log", "Log", "log", url);
	buf_appendf(&b, "</body></html>\n");
	if (!b.data)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The page is too large");
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_HTML, b.data, b.len, page_headers);
}

static enum MHD_Result task_file(struct httpd *h, struct MHD_Connection *c, const struct manager_path *p)
{
	_cleanup_close_ int fd = -1;
	struct mtask t;
	struct stat st = { 0 };
	int ffd, r = mtask_load(h, p->id, &t, &fd);

	if (r == -ENOENT)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task in the task manager");
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to read task %u: %s", p->id,
					strerror(-r));
	switch (p->action) {
	case MANAGER_BACKTRACE: ffd = open_task_file(fd, NULL, "retrace_backtrace", &st); break;
	case MANAGER_LOG: ffd = open_task_file(fd, NULL, "retrace_log", &st); break;
	case MANAGER_MISC: ffd = open_task_file(fd, "results/misc", p->key, &st); break;
	default: ffd = open_task_file(fd, "results", p->key, &st); break;
	}
	if (ffd == -ENOENT)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such %s for this task",
					p->action == MANAGER_BACKTRACE ? "backtrace"
					: p->action == MANAGER_LOG     ? "log"
								       : "result");
	if (ffd < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to read it: %s", strerror(-ffd));
	return httpd_reply_fd(c, ffd, (uint64_t)st.st_size);
}

/*
 * A form of our own page, not another site's: a browser says where a POST
 * comes from (Sec-Fetch-Site, Origin). A client that says nothing (curl)
 * is taken at its word; the manager has no authentication to protect
 * anyway, but a page elsewhere must not use a visitor's browser on it.
 */
static bool same_origin(struct MHD_Connection *c, bool tls)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *scheme = tls ? "https://" : "http://";

	/* the browser's own word first: a no-referrer page may make it send
	 * "Origin: null" for a form of the very same origin */
	if (site)
		return strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
	if (!origin)
		return true;
	return host && strncmp(origin, scheme, strlen(scheme)) == 0 &&
	       strcmp(origin + strlen(scheme), host) == 0;
}

static enum MHD_Result task_action(struct httpd *h, struct MHD_Connection *c, const struct manager_path *p)
{
	char idstr[SPOOL_TASK_ID_DIGITS + 1], remote[INET6_ADDRSTRLEN + 8], location[64];
	_cleanup_free_ char *err = NULL;
	struct mtask t;
	int r = mtask_load(h, p->id, &t, NULL);

	if (r == -ENOENT)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task in the task manager");
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to read task %u: %s", p->id,
					strerror(-r));
	spool_task_id_format(p->id, idstr);
	httpd_client_address(c, remote, sizeof(remote));
	snprintf(location, sizeof(location), "/manager/%s", idstr);
	/* a start queues a task: refused as /create is when the queue is full */
	if ((p->action == MANAGER_START || p->action == MANAGER_RESTART) && httpd_fully_loaded(h))
		return httpd_reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					"Retrace server is fully loaded at the moment; start task %s later", idstr);
	switch (p->action) {
	case MANAGER_START:
		r = spool_task_start(&h->spool, p->id);
		if (r == -ENOENT)
			return httpd_reply_text(c, MHD_HTTP_CONFLICT, "Task %s is not waiting to be started (%s)",
						idstr, t.status);
		if (r < 0)
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to start task %s: %s",
						idstr, strerror(-r));
		log_info("%s: task manager: task %s started", remote, idstr);
		return see_other(c, location);
	case MANAGER_RESTART:
		r = lifecycle_restart(&h->spool, p->id, true, &err);
		if (r == -EBUSY || r == -EINVAL || r == -ENOENT)
			return httpd_reply_text(c, MHD_HTTP_CONFLICT, "%s", err);
		if (r < 0)
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
		log_info("%s: task manager: task %s restarted (it was %s)", remote, idstr, t.status);
		return see_other(c, location);
	case MANAGER_DELETE:
		r = spool_task_delete_unowned(&h->spool, p->id);
		if (r == -EBUSY)
			return httpd_reply_text(c, MHD_HTTP_CONFLICT,
						"Task %s is running; delete it when it has finished", idstr);
		if (r == -ENOENT)
			return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task in the task manager");
		if (r < 0)
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to delete task %s: %s",
						idstr, strerror(-r));
		log_info("%s: task manager: task %s deleted (it was %s)", remote, idstr, t.status);
		return see_other(c, "/manager");
	default: return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "Invalid URL");
	}
}

/*
 * The Host a request names must be this server's: an IP address, localhost,
 * or one of TaskManagerHosts. A name an attacker controls that resolves to
 * this server (DNS rebinding) would otherwise make its page "same origin"
 * with the manager in a visitor's browser, able to read and change tasks.
 */
static bool host_allowed(struct MHD_Connection *c, const char *names)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	char name[256], addr[sizeof(struct in6_addr)];
	const char *w;
	size_t n;

	if (!host || !*host || strlen(host) >= sizeof(name))
		return false;
	if (host[0] == '[') {
		const char *end = strchr(host, ']');
		if (!end || (size_t)(end - host - 1) >= sizeof(name))
			return false;
		memcpy(name, host + 1, (size_t)(end - host - 1));
		name[end - host - 1] = '\0';
		return inet_pton(AF_INET6, name, addr) == 1;
	}
	snprintf(name, sizeof(name), "%s", host);
	name[strcspn(name, ":")] = '\0';
	if (inet_pton(AF_INET, name, addr) == 1 || strcasecmp(name, "localhost") == 0)
		return true;
	for (const char *p = names; (w = next_word(&p, &n));)
		if (n == strlen(name) && strncasecmp(w, name, n) == 0)
			return true;
	return false;
}

/* One list page is made at a time: it reads every task of the spool, and
 * the threads that answer uploads and status polls are few. */
static atomic_bool listing;

enum MHD_Result manager_handle(struct httpd *h, struct MHD_Connection *c, const char *url,
			       const char *method, bool tls)
{
	enum http_method m = method_parse(method);
	struct manager_path p;

	if (!h->cfg->allow_task_manager)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Task manager was disabled by the server administrator");
	if (h->cfg->require_https && !tls)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "You must use HTTPS");
	if (!host_allowed(c, h->cfg->task_manager_hosts))
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN,
					"The task manager answers only to this server's addresses and to the names "
					"in TaskManagerHosts");
	if (manager_path_parse(url, &p) < 0)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "Invalid URL");
	if (manager_action_is_post(p.action)) {
		if (m != METHOD_POST)
			return httpd_reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
						"You must use POST method (the buttons of the task's page)");
		if (!same_origin(c, tls))
			return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "A form of another site may not change tasks here");
		if (p.action == MANAGER_FTP_START)
			return ftp_start(h, c, p.key);
		return task_action(h, c, &p);
	}
	if (m != METHOD_GET && m != METHOD_HEAD)
		return httpd_reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "You must use GET method");
	switch (p.action) {
	case MANAGER_LIST: {
		enum MHD_Result r;
		if (atomic_exchange(&listing, true))
			return httpd_reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
						"The task manager is making another list; try again in a moment");
		r = page_list(h, c);
		atomic_store(&listing, false);
		return r;
	}
	case MANAGER_TASK: return page_task(h, c, p.id);
	default: return task_file(h, c, &p);
	}
}
