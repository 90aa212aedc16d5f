/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "routes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cluster.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "httpd/request.h"
#include "httpd/upload.h"
#include "worker/analyze.h"
#include "worker/stats.h"

#define PUBLISHED_DIR ".published"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct create_ctx {
	struct httpd *h;
	struct MHD_Connection *conn;
	struct guard_conn *gc; /* the connection's deadlines */
	struct create_ctx *next;
	char incoming[SPOOL_INCOMING_NAME_LEN + 1];
	int incoming_fd;
	int crash_fd;
	struct upload *upload;
	enum task_type type;
	bool counted;   /* holds a slot in h->uploads */
	bool per_addr;  /* holds one of its address's MaxUploadsPerAddress */
	bool committed; /* the task exists: keep the directory */
	bool listed;    /* on h->active */
	uint64_t content_length;
	uint64_t body_seen;    /* body bytes handed to us so far */
	bool tls;
	bool cut_short; /* answered and logged by create_cut_short() */
	uint64_t spool_budget; /* of MaxSpoolPerAddress, what this upload may store; 0 = no bound */
	bool sync;      /* X-Task-Sync: 1: the answer streams the task's progress and result */
	bool managed;   /* X-Task-Managed: 1: held for the task manager's start */
	char remote[INET6_ADDRSTRLEN + 8];
	/* a refusal waiting for the body to be read (create_refuse()) */
	unsigned refuse_status;
	char refuse_msg[256];
	double refuse_since;
};

/*
 * The request being handled on this thread, for log lines. MHD calls the
 * access handler, and so every reply, on the connection's own thread.
 */
static __thread const char *cur_method, *cur_url;

/* --- helpers ------------------------------------------------------------ */

void httpd_client_address(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	sockaddr_ip_text(ci ? ci->client_addr : NULL, buf, len);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

struct header_count {
	const char *name;
	unsigned n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct header_count *hc = cls;
	(void)kind;
	(void)value;
	if (key && strcasecmp(key, hc->name) == 0)
		hc->n++;
	return MHD_YES;
}

/* How many times a header was sent (a second Content-Length is a smuggling attempt). */
static unsigned header_times(struct MHD_Connection *c, const char *name)
{
	struct header_count hc = { name, 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hc);
	return hc.n;
}

/* A URL safe to put in a log line: printable, at most 128 bytes. */
static void quote_url(const char *url, char *out, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; url && url[i] && o + 1 < len && i < 128; i++) {
		unsigned char c = (unsigned char)url[i];
		out[o++] = (c >= 0x21 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}

/* The methods the request's URL takes, for a 405's Allow header (RFC 9110 15.5.6). */
static const char *allowed_methods(const char *url)
{
	struct manager_path mp;

	if (url && strcmp(url, "/create") == 0)
		return "POST";
	if (url && manager_path_parse(url, &mp) == 0 && manager_action_is_post(mp.action))
		return "POST";
	return "GET, HEAD";
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp,
			     const char *ctype)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allowed_methods(cur_url));
	/* a task's text is the client's bytes: never sniffed into HTML */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	guard_phase(guard_of(c), GUARD_ANSWER);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result httpd_reply_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
				 const char *body, size_t len, const char *const *hdrs)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	for (; hdrs && hdrs[0]; hdrs += 2)
		MHD_add_response_header(resp, hdrs[0], hdrs[1]);
	return queue(c, status, resp, ctype);
}

/*
 * Answer with a short text. Refusals (>= 400) are logged with who asked
 * for what and why: the one log line of a bad request.
 */
enum MHD_Result httpd_reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char body[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (status >= 400) {
		char remote[INET6_ADDRSTRLEN + 8], url[160], meth[16];
		httpd_client_address(c, remote, sizeof(remote));
		quote_url(cur_url, url, sizeof(url));
		quote_url(cur_method, meth, sizeof(meth));
		if (status >= 500)
			log_error("%s: %s %s: %u %s", remote, meth, url, status, body);
		else
			log_warn("%s: %s %s: %u %s", remote, meth, url, status, body);
	}
	return httpd_reply_buf(c, status, CT_TEXT, body, strlen(body), NULL);
}

static enum MHD_Result httpd_reply_file(struct MHD_Connection *c, int dirfd, const char *name,
				  const char *missing)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "%s", missing);
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to read '%s': %s", name,
				  strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "'%s' is not a regular file",
				  name);
	}
	return httpd_reply_fd(c, fd, (uint64_t)st.st_size);
}

enum MHD_Result httpd_reply_fd(struct MHD_Connection *c, int fd, uint64_t size)
{
	/* MHD owns fd from here; it sends it with a Content-Length. */
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)size, fd);

	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	return queue(c, MHD_HTTP_OK, resp, CT_TEXT);
}

/*
 * Running + queued + uploading against the capacity (see docs/API.md): the
 * slots of every live worker registered in the spool (all hosts that share
 * it, common/cluster.h), or MaxParallelTasks while none is, plus
 * MaxQueuedTasks.
 */
static void load(struct httpd *h, unsigned *ret_tasks, unsigned *ret_capacity)
{
	unsigned running = 0, queued = 0, slots = (unsigned)h->cfg->max_parallel_tasks;
	struct cluster_load cl;
	int r = spool_count(&h->spool, &running, &queued);

	if (r < 0)
		log_error("cannot count tasks in the spool: %s", strerror(-r));
	if (cluster_read(&h->spool, time(NULL), &cl) == 0 && cl.workers > 0)
		slots = cl.slots;
	*ret_tasks = running + queued + atomic_load(&h->uploads);
	*ret_capacity = slots + (unsigned)h->cfg->max_queued_tasks;
}

bool httpd_fully_loaded(struct httpd *h)
{
	unsigned tasks, capacity;

	load(h, &tasks, &capacity);
	if (tasks < capacity)
		return false;
	atomic_fetch_add(&h->overloads, 1);
	return true;
}

/* --- published lists (written by retrace-reposync) ---------------------- */

static int read_releases(struct httpd *h, struct buf *out)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int pub = -1;
	unsigned n = 0;
	char *save = NULL;
	int r;

	pub = openat_dir(h->spool.dirfd, PUBLISHED_DIR);
	if (pub < 0)
		return errno == ENOENT ? 0 : -errno;
	r = read_file_at(pub, "releases", SPOOL_MAX_RELEASES_FILE, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		str_strip(l);
		if (!release_id_valid(l) || n >= SETTINGS_MAX_RELEASES)
			continue;
		r = buf_appendf(out, "%s%s", n ? " " : "", l);
		if (r < 0)
			return r;
		n++;
	}
	return 0;
}

/*
 * .published/packages holds lines "NVR.ARCH RELEASE-ID", sorted bytewise
 * (LC_ALL=C sort). Binary search for key, then look at its releases.
 */
static bool list_has(const char *data, size_t len, const char *key, const char *release)
{
	size_t klen = strlen(key), lo = sorted_lines_find(data, len, key, klen);

	while (lo < len && line_field_cmp(data + lo, len - lo, key, klen) == 0) {
		const char *nl = memchr(data + lo, '\n', len - lo);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *rel = data + lo + klen + 1;
		size_t rlen = end > lo + klen + 1 ? end - (lo + klen + 1) : 0;
		if (!release || (rlen == strlen(release) && memcmp(rel, release, rlen) == 0))
			return true;
		lo = end + 1;
	}
	return false;
}

static int package_known(struct httpd *h, const char *nvr, const char *arch, const char *release,
			 bool *ret)
{
	_cleanup_close_ int pub = -1, fd = -1;
	const char *const *family = arch_family(arch);
	const char *single[] = { arch, NULL };
	char key[512], bare[300];
	struct stat st;
	void *map;

	*ret = false;
	if (!nvr_strip_epoch(nvr, bare, sizeof(bare)))
		return 0;
	pub = openat_dir(h->spool.dirfd, PUBLISHED_DIR);
	if (pub < 0)
		return errno == ENOENT ? 0 : -errno;
	fd = openat(pub, "packages", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SPOOL_MAX_PUBLISHED_LIST)
		return -EBADFD;
	if (st.st_size == 0)
		return 0;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (!family)
		family = single;
	for (const char *const *a = family; *a && !*ret; a++) {
		snprintf(key, sizeof(key), "%s.%s", bare, *a);
		*ret = list_has(map, (size_t)st.st_size, key, release);
	}
	if (!*ret) {
		snprintf(key, sizeof(key), "%s.noarch", bare);
		*ret = list_has(map, (size_t)st.st_size, key, release);
	}
	munmap(map, (size_t)st.st_size);
	return 0;
}

/* --- statistics ---------------------------------------------------------- */

/* The database for reading, and its shared lock in *ret_lock (stats_lock()); NULL when none. */
static sqlite3 *stats_open(struct httpd *h, int *ret_lock)
{
	sqlite3 *db = NULL;
	int lock;

	*ret_lock = -1;
	if (access(h->db_path, F_OK) < 0)
		return NULL;
	lock = stats_lock(h->db_path, false, STATS_READ_WAIT_MS);
	if (lock < 0 && lock != -ENOENT) {
		log_warn("cannot lock the statistics database %s for reading: %s", h->db_path, strerror(-lock));
		return NULL;
	}
	if (sqlite3_open_v2(h->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_warn("cannot open the statistics database %s: %s", h->db_path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		closep(&lock);
		return NULL;
	}
	sqlite3_busy_timeout(db, 500);
	*ret_lock = lock;
	return db;
}

static void stats_close(sqlite3 *db, int lock)
{
	sqlite3_close(db);
	closep(&lock);
}

static long long stats_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The architecture a core's ELF header names (20 bytes read, nothing trusted). */
static const char *core_arch(int crashfd)
{
	unsigned char e[ELF_ARCH_HEADER_BYTES];
	_cleanup_close_ int fd = openat(crashfd, "coredump", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || pread(fd, e, sizeof(e), 0) != (ssize_t)sizeof(e))
		return NULL;
	return elf_header_arch(e, sizeof(e));
}

/* X-Task-Est-Time for a new coredump task, from package_time (design 11.10). */
static bool estimate_time(struct httpd *h, uint32_t id, char *out, size_t size)
{
	char package[256], os_release[512], release[RELEASE_GUESS_MAX];
	const char *arch, *source;
	size_t n;
	unsigned secs;
	bool ok = false;
	_cleanup_close_ int tfd = -1, cfd = -1;

	if (spool_task_open(&h->spool, id, &tfd) < 0 || (cfd = openat_dir(tfd, "crash")) < 0)
		return false;
	if (read_small_file_at(cfd, "package", package, sizeof(package), &n) < 0)
		return false;
	if (read_small_file_at(cfd, "os_release", os_release, sizeof(os_release), &n) < 0)
		os_release[0] = '\0';
	arch = core_arch(cfd);
	if (!arch || release_guess(os_release[0] ? os_release : NULL, package, arch, release, &source) < 0)
		return false;
	int lock;
	sqlite3 *db = stats_open(h, &lock);
	if (!db)
		return false;
	if (stats_estimate(db, package, release, &secs) == 0) {
		snprintf(out, size, "%u", secs);
		ok = true;
	}
	stats_close(db, lock);
	return ok;
}

void httpd_html_escape(struct buf *b, const char *s, size_t n)
{
	size_t plain = 0;

	for (size_t i = 0; s && i < n; i++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			/* no control characters but tab and newline (NUL, escapes) */
			if (c < 0x20 && c != '\n' && c != '\t')
				rep = "?";
		}
		if (!rep)
			continue;
		buf_append(b, s + plain, i - plain);
		buf_append(b, rep, strlen(rep));
		plain = i + 1;
	}
	if (s && n > plain)
		buf_append(b, s + plain, n - plain);
}

static enum MHD_Result route_stats(struct httpd *h, struct MHD_Connection *c)
{
	_cleanup_buf_ struct buf b = BUF_INIT(1 << 20);
	int lock;
	sqlite3 *db = stats_open(h, &lock);
	long long total = -1, ok = -1, failed = -1;

	buf_appendf(&b, "<!DOCTYPE html>\n<html><head><title>Retrace server statistics</title></head>"
			"<body>\n<h1>Retrace server statistics</h1>\n");
	if (db) {
		total = stats_count(db, "SELECT COUNT(*) FROM tasks");
		ok = stats_count(db, "SELECT COUNT(*) FROM tasks WHERE status = 'success'");
		failed = stats_count(db, "SELECT COUNT(*) FROM tasks WHERE status = 'fail'");
	}
	if (total < 0) {
		buf_appendf(&b, "<p>No statistics yet.</p>\n");
	} else {
		sqlite3_stmt *st = NULL;
		buf_appendf(&b, "<table>\n<tr><th>Tasks</th><td>%lld</td></tr>\n"
				"<tr><th>Succeeded</th><td>%lld</td></tr>\n"
				"<tr><th>Failed</th><td>%lld</td></tr>\n</table>\n",
			    total, ok, failed);
		if (sqlite3_prepare_v2(db,
				       "SELECT package, release, COUNT(*), AVG(time) FROM package_time "
				       "GROUP BY package, release ORDER BY COUNT(*) DESC LIMIT 50",
				       -1, &st, NULL) == SQLITE_OK) {
			buf_appendf(&b, "<h2>Packages</h2>\n<table>\n<tr><th>Package</th><th>Release</th>"
					"<th>Tasks</th><th>Average time (s)</th></tr>\n");
			while (sqlite3_step(st) == SQLITE_ROW) {
				buf_appendf(&b, "<tr><td>");
				const char *pkg = (const char *)sqlite3_column_text(st, 0);
				const char *rel = (const char *)sqlite3_column_text(st, 1);
				httpd_html_escape(&b, pkg, pkg ? strlen(pkg) : 0);
				buf_appendf(&b, "</td><td>");
				httpd_html_escape(&b, rel, rel ? strlen(rel) : 0);
				buf_appendf(&b, "</td><td>%lld</td><td>%.1f</td></tr>\n",
					    sqlite3_column_int64(st, 2), sqlite3_column_double(st, 3));
			}
			buf_appendf(&b, "</table>\n");
		}
		sqlite3_finalize(st);
	}
	stats_close(db, lock);
	buf_appendf(&b, "</body></html>\n");
	if (!b.data)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory");
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_HTML, b.data, b.len, NULL);
}

static enum MHD_Result route_metrics(struct httpd *h, struct MHD_Connection *c)
{
	_cleanup_buf_ struct buf b = BUF_INIT(64 * 1024);
	unsigned running = 0, queued = 0, held = 0;
	struct cluster_load cl = { 0 };
	long long ok = 0, failed = 0;
	int lock;
	struct statvfs sv;
	unsigned long long free_b = 0;
	sqlite3 *db;

	if (!h->cfg->allow_metrics)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Metrics are not enabled for this server");
	spool_count(&h->spool, &running, &queued);
	spool_count_held(&h->spool, &held);
	cluster_read(&h->spool, time(NULL), &cl);
	if (fstatvfs(h->spool.dirfd, &sv) == 0)
		free_b = (unsigned long long)sv.f_bavail * sv.f_frsize;
	db = stats_open(h, &lock);
	if (db) {
		ok = MAX(stats_count(db, "SELECT COUNT(*) FROM tasks WHERE status = 'success'"), 0);
		failed = MAX(stats_count(db, "SELECT COUNT(*) FROM tasks WHERE status = 'fail'"), 0);
		stats_close(db, lock);
	}
	buf_appendf(&b,
		    "# HELP retrace_savedir_free_bytes Free disk space on the volume with tasks.\n"
		    "# TYPE retrace_savedir_free_bytes gauge\n"
		    "retrace_savedir_free_bytes %llu\n"
		    "# HELP retrace_tasks_running Tasks a worker is running.\n"
		    "# TYPE retrace_tasks_running gauge\n"
		    "retrace_tasks_running %u\n"
		    "# HELP retrace_tasks_queued Tasks waiting for a free slot.\n"
		    "# TYPE retrace_tasks_queued gauge\n"
		    "retrace_tasks_queued %u\n"
		    "# HELP retrace_tasks_held Managed tasks waiting to be started from the task manager.\n"
		    "# TYPE retrace_tasks_held gauge\n"
		    "retrace_tasks_held %u\n"
		    "# HELP retrace_uploads_in_progress Uploads being received and unpacked.\n"
		    "# TYPE retrace_uploads_in_progress gauge\n"
		    "retrace_uploads_in_progress %u\n"
		    "# HELP retrace_tasks_overload_total Uploads refused with 503 since start.\n"
		    "# TYPE retrace_tasks_overload_total counter\n"
		    "retrace_tasks_overload_total %llu\n"
		    "# HELP retrace_tasks_created_total Tasks created since start.\n"
		    "# TYPE retrace_tasks_created_total counter\n"
		    "retrace_tasks_created_total %llu\n"
		    "# HELP retrace_tasks_finished_total Tasks finished, from the statistics database.\n"
		    "# TYPE retrace_tasks_finished_total counter\n"
		    "retrace_tasks_finished_total{result=\"success\"} %lld\n"
		    "retrace_tasks_finished_total{result=\"fail\"} %lld\n",
		    free_b, running, queued, held, atomic_load(&h->uploads),
		    (unsigned long long)atomic_load(&h->overloads),
		    (unsigned long long)atomic_load(&h->tasks_created), ok, failed);
	buf_appendf(&b,
		    "# HELP retrace_connections_ended_total Connections the server ended, by reason.\n"
		    "# TYPE retrace_connections_ended_total counter\n"
		    "retrace_connections_ended_total{reason=\"header_timeout\"} %llu\n"
		    "retrace_connections_ended_total{reason=\"slow_upload\"} %llu\n"
		    "retrace_connections_ended_total{reason=\"answer_timeout\"} %llu\n"
		    "retrace_connections_ended_total{reason=\"per_address_limit\"} %llu\n"
		    "retrace_connections_ended_total{reason=\"slot_preempted\"} %llu\n",
		    (unsigned long long)atomic_load(&h->guard.cut_headers),
		    (unsigned long long)atomic_load(&h->guard.cut_slow_body),
		    (unsigned long long)atomic_load(&h->guard.cut_answer),
		    (unsigned long long)atomic_load(&h->guard.refused_conns),
		    (unsigned long long)atomic_load(&h->guard.preempted));
	buf_appendf(&b,
		    "# HELP retrace_worker_hosts Hosts with a live retrace-worker on this spool.\n"
		    "# TYPE retrace_worker_hosts gauge\n"
		    "retrace_worker_hosts %u\n"
		    "# HELP retrace_workers Live retrace-worker daemons on this spool (by heartbeat).\n"
		    "# TYPE retrace_workers gauge\n"
		    "retrace_workers{state=\"live\"} %u\n"
		    "retrace_workers{state=\"stale\"} %u\n"
		    "# HELP retrace_worker_slots Task slots of the live workers, and how many are busy.\n"
		    "# TYPE retrace_worker_slots gauge\n"
		    "retrace_worker_slots{state=\"total\"} %u\n"
		    "retrace_worker_slots{state=\"busy\"} %u\n",
		    cl.hosts, cl.workers, cl.stale, cl.slots, cl.busy);
	if (!b.data)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory");
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_METRICS, b.data, b.len, NULL);
}

/* --- simple routes ------------------------------------------------------- */

static enum MHD_Result route_index(struct MHD_Connection *c)
{
	static const char page[] =
		"<!DOCTYPE html>\n<html><head><title>Retrace server</title></head><body>\n"
		"<h1>Retrace server</h1>\n"
		"<p>This server makes backtraces from program coredumps and kernel vmcores, "
		"with the exact binaries and debuginfo of the crashed system. Send crashes with "
		"<code>abrt-retrace-client</code> or <code>retrace-client</code>.</p>\n"
		"<ul><li><a href=\"/settings\">settings</a></li>"
		"<li><a href=\"/stats\">statistics</a></li></ul>\n</body></html>\n";
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_HTML, page, sizeof(page) - 1, NULL);
}

static enum MHD_Result route_settings(struct httpd *h, struct MHD_Connection *c)
{
	_cleanup_buf_ struct buf b = BUF_INIT(128 * 1024), rel = BUF_INIT(64 * 1024);
	unsigned tasks, capacity;
	int r;

	load(h, &tasks, &capacity);
	r = read_releases(h, &rel);
	if (r < 0)
		log_error("cannot read the published release list: %s", strerror(-r));
	buf_appendf(&b,
		    "running_tasks %u\nmax_running_tasks %u\nmax_packed_size %llu\n"
		    "max_unpacked_size %llu\nsync_tasks 1\n"
		    "supported_formats application/x-xz-compressed-tar application/x-gzip "
		    "application/x-tar application/octet-stream application/gzip "
		    "application/x-xz\nsupported_releases %s",
		    tasks, capacity, (unsigned long long)(h->cfg->max_packed_size / MIB_BYTES),
		    (unsigned long long)(h->cfg->max_unpacked_size / MIB_BYTES),
		    rel.data ? rel.data : "");
	if (!b.data)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory");
	return httpd_reply_buf(c, MHD_HTTP_OK, CT_TEXT, b.data, b.len, NULL);
}

static enum MHD_Result route_checkpackage(struct httpd *h, struct MHD_Connection *c)
{
	const char *nvr = header(c, "X-Package-NVR");
	const char *arch = header(c, "X-Package-Arch");
	const char *release = header(c, "X-OS-Release");
	bool known = false;
	int r;

	if (!nvr)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Required header 'X-Package-NVR' not found");
	if (!package_nvr_valid(nvr))
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Package NVR contains illegal characters");
	if (!arch)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Required header 'X-Package-Arch' not found");
	if (!package_arch_valid(arch))
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Architecture contains illegal characters");
	if (release && !release_id_valid(release))
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "OS release contains illegal characters");

	r = package_known(h, nvr, arch, release, &known);
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "Unable to read the published package list: %s", strerror(-r));
	/* 302 without Location: ABRT's libsoup client must not follow it anywhere. */
	if (known)
		return httpd_reply_buf(c, MHD_HTTP_FOUND, CT_TEXT, "", 0, NULL);
	return httpd_reply_buf(c, MHD_HTTP_NOT_FOUND, CT_TEXT, "", 0, NULL);
}

/* --- task routes --------------------------------------------------------- */

static enum MHD_Result route_task(struct httpd *h, struct MHD_Connection *c, enum route route,
				  uint32_t id)
{
	_cleanup_close_ int tfd = -1;
	const char *pw;
	int r;

	if (route == ROUTE_TASK_DELETE && !h->cfg->allow_api_delete)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Task deletion is disabled on this server");
	r = spool_task_open(&h->spool, id, &tfd);
	if (r == -ENOENT)
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task");
	if (r < 0)
		return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to open task %u: %s", id,
				  strerror(-r));
	pw = header(c, "X-Task-Password");
	/* A malformed password is wrong without hashing it. */
	if (!password_well_formed(pw) || spool_task_check_password(tfd, pw, strlen(pw)) != 0)
		return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Invalid password");

	switch (route) {
	case ROUTE_TASK_STATUS: {
		struct task_state st;
		const char *status;
		r = spool_task_read_state(tfd, &st);
		if (r < 0)
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "Unable to read the status of task %u: %s", id, strerror(-r));
		status = task_state_http(&st);
		const char *msg = task_status_message(st.status);
		const char *hdrs[] = { "X-Task-Status", status, NULL };
		return httpd_reply_buf(c, MHD_HTTP_OK, CT_TEXT, msg, strlen(msg), hdrs);
	}
	case ROUTE_TASK_BACKTRACE:
		return httpd_reply_file(c, tfd, "retrace_backtrace", "There is no backtrace for this task");
	case ROUTE_TASK_LOG:
		return httpd_reply_file(c, tfd, "retrace_log", "There is no log for this task");
	case ROUTE_TASK_EXPLOITABLE: {
		_cleanup_close_ int rfd =
			openat_dir(tfd, "results");
		if (rfd < 0)
			return httpd_reply_text(c, MHD_HTTP_NOT_FOUND,
					  "There is no exploitability data for this task");
		return httpd_reply_file(c, rfd, "exploitable",
				  "There is no exploitability data for this task");
	}
	case ROUTE_TASK_DELETE:
		r = spool_task_delete_unowned(&h->spool, id);
		if (r == -EBUSY)
			return httpd_reply_text(c, MHD_HTTP_CONFLICT,
					  "Task %u is running; delete it when it has finished", id);
		if (r == -ENOENT)
			return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "There is no such task");
		if (r < 0)
			return httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "Unable to delete task %u: %s", id, strerror(-r));
		log_info("task %u deleted on request", id);
		return httpd_reply_text(c, MHD_HTTP_OK, "All files of task %u have been deleted", id);
	default:
		return httpd_reply_text(c, MHD_HTTP_NOT_FOUND, "Invalid URL");
	}
}

/* --- POST /create -------------------------------------------------------- */

/* While the unpacker catches up, the client is not the one that is slow. */
static void create_suspend(void *userdata)
{
	struct create_ctx *x = userdata;
	guard_phase(x->gc, GUARD_WORKING);
	MHD_suspend_connection(x->conn);
}

static void create_resume(void *userdata)
{
	struct create_ctx *x = userdata;
	guard_phase(x->gc, GUARD_BODY);
	MHD_resume_connection(x->conn);
}

/* Give back the slots an upload holds: the server's and its address's. */
static void create_release_slots(struct create_ctx *x)
{
	if (x->counted)
		atomic_fetch_sub(&x->h->uploads, 1);
	x->counted = false;
	if (x->per_addr)
		guard_upload_end(x->gc);
	x->per_addr = false;
}

/*
 * Remove everything a refused upload wrote, before the refusal is sent:
 * a client that sees the error can rely on nothing being left.
 */
static void create_discard(struct create_ctx *x)
{
	upload_free(x->upload);
	x->upload = NULL;
	if (x->crash_fd >= 0)
		close(x->crash_fd);
	x->crash_fd = -1;
	if (x->incoming_fd >= 0)
		close(x->incoming_fd);
	x->incoming_fd = -1;
	if (x->incoming[0] && !x->committed) {
		int r = spool_incoming_discard(&x->h->spool, x->incoming);
		if (r < 0)
			log_error("cannot remove incoming upload %s: %s", x->incoming, strerror(-r));
	}
	x->incoming[0] = '\0';
}

static void create_free(struct create_ctx *x)
{
	struct httpd *h = x->h;

	if (x->listed) {
		pthread_mutex_lock(&h->lock);
		for (struct create_ctx **p = &h->active; *p; p = &(*p)->next)
			if (*p == x) {
				*p = x->next;
				break;
			}
		pthread_mutex_unlock(&h->lock);
	}
	/* A refused or broken upload leaves nothing behind. */
	create_discard(x);
	create_release_slots(x);
	free(x);
}

/* The checks that need no body, in the original server's order. */

unsigned httpd_spool_error(int r, char *msg, size_t size)
{
	if (r == -ENOSPC || r == -EDQUOT) {
		snprintf(msg, size, "There is not enough storage space on the server");
		return MHD_HTTP_INSUFFICIENT_STORAGE;
	}
	snprintf(msg, size, "Unable to create new task: %s", strerror(-r));
	return MHD_HTTP_INTERNAL_SERVER_ERROR;
}
/*
 * Refuse an upload before its body is read. Real clients (abrt-retrace-client,
 * NSS and libsoup builds) send the whole body before they read anything: a
 * server that answers and closes with the body unread makes the kernel
 * reset the connection, and the client reports a network error instead of
 * the refusal. So the answer waits until the body is read and dropped -
 * at most HTTPD_REFUSAL_DRAIN_MAX bytes and HTTPD_REFUSAL_DRAIN_SECONDS;
 * past either the connection is closed unanswered (libmicrohttpd queues
 * no answer while a body arrives). A larger declared body, or a client
 * waiting for "100 Continue", is answered at once. What the upload made
 * is removed now, and the refused request holds no upload slot.
 */
static enum MHD_Result create_refuse(struct create_ctx *x, unsigned status, const char *fmt, ...)
	_printf_(3, 4);
static enum MHD_Result create_refuse(struct create_ctx *x, unsigned status, const char *fmt, ...)
{
	const char *cl = header(x->conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *expect = header(x->conn, MHD_HTTP_HEADER_EXPECT);
	uint64_t length = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->refuse_msg, sizeof(x->refuse_msg), fmt, ap);
	va_end(ap);
	create_discard(x);
	create_release_slots(x);
	/* at once: a body too big to drain, one the client sends only after
	 * "100 Continue" (Expect), which it then never gets, or one whose end
	 * cannot be told (no length, a length given twice or beside a
	 * Transfer-Encoding, an encoding other than chunked) */
	const char *te = header(x->conn, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	bool chunked = te && strcasecmp(te, "chunked") == 0;
	bool cl_ok = cl && content_length_parse(cl, &length) == 0;
	if (cl_ok)
		x->content_length = length;
	if ((cl && (!cl_ok || length > HTTPD_REFUSAL_DRAIN_MAX)) ||
	    (expect && strcasestr(expect, "100-continue")) || (!cl && !chunked) || (cl && te) ||
	    (te && !chunked) || header_times(x->conn, MHD_HTTP_HEADER_CONTENT_LENGTH) > 1)
		return httpd_reply_text(x->conn, status, "%s", x->refuse_msg);
	x->refuse_status = status;
	x->refuse_since = monotonic_seconds();
	guard_phase(x->gc, GUARD_BODY); /* drained at MinUploadRate or faster */
	return MHD_YES;
}

/*
 * After a piece of the body: did the client close its side before sending
 * all of it? libmicrohttpd would wait for its idle timeout; we answer now -
 * the refusal if there was one, else 400 - on a plain connection by hand
 * (libmicrohttpd cannot answer in the middle of a body), and close.
 */
static bool create_cut_short(struct create_ctx *x, bool eof)
{
	char msg[300], answer[512];
	unsigned status = x->refuse_status ? x->refuse_status : MHD_HTTP_BAD_REQUEST;
	int n;

	if (x->cut_short || !x->content_length || x->body_seen >= x->content_length ||
	    !(eof || guard_peer_closed(x->gc)) || guard_was_cut(x->gc))
		return false;
	if (x->refuse_status)
		snprintf(msg, sizeof(msg), "%s", x->refuse_msg);
	else
		snprintf(msg, sizeof(msg), "The upload was cut short: %llu of %llu bytes received",
			 (unsigned long long)x->body_seen, (unsigned long long)x->content_length);
	log_warn("%s: POST /create: %u %s (the client closed its side after %llu of %llu bytes%s)",
		 x->remote, status, msg, (unsigned long long)x->body_seen,
		 (unsigned long long)x->content_length,
		 x->tls ? "; closed unanswered: TLS" : "");
	x->refuse_status = 0;
	x->cut_short = true;
	if (!x->tls) {
		n = snprintf(answer, sizeof(answer),
			     "HTTP/1.1 %u %s\r\nContent-Type: " CT_TEXT "\r\nContent-Length: %zu\r\n"
			     "%sConnection: close\r\n\r\n%s",
			     status, MHD_get_reason_phrase_for(status), strlen(msg),
			     status == MHD_HTTP_METHOD_NOT_ALLOWED ? "Allow: POST\r\n" : "", msg);
		if (n > 0 && (size_t)n < sizeof(answer))
			guard_send_raw(x->gc, answer, (size_t)n);
	}
	return true;
}

/* The body of a refused upload: dropped, then the refusal (or at once, past the bounds). */
static enum MHD_Result create_drain(struct create_ctx *x, size_t *upload_data_size)
{
	if (*upload_data_size > 0) {
		x->body_seen += *upload_data_size;
		guard_body(x->gc, *upload_data_size);
		*upload_data_size = 0;
		if (create_cut_short(x, false))
			return MHD_NO;
		if (x->body_seen <= HTTPD_REFUSAL_DRAIN_MAX &&
		    monotonic_seconds() - x->refuse_since <= HTTPD_REFUSAL_DRAIN_SECONDS)
			return MHD_YES;
		/* libmicrohttpd queues no answer while a body is arriving: close */
		log_warn("%s: POST /create: %u %s (its body went past %llu MiB or %d s: closed unanswered)",
			 x->remote, x->refuse_status, x->refuse_msg, HTTPD_REFUSAL_DRAIN_MAX >> 20,
			 HTTPD_REFUSAL_DRAIN_SECONDS);
		x->refuse_status = 0;
		return MHD_NO;
	}
	{
		unsigned status = x->refuse_status;
		x->refuse_status = 0; /* answered */
		return httpd_reply_text(x->conn, status, "%s", x->refuse_msg);
	}
}

static enum MHD_Result create_begin(struct httpd *h, const struct httpd_listener *l,
				    struct MHD_Connection *c, enum http_method m, void **req_cls)
{
	const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	struct create_ctx *x;
	struct statvfs sv;
	uint64_t length, free_b;
	unsigned tasks, capacity;
	enum task_type type;
	int r;

	x = calloc(1, sizeof(*x));
	if (!x)
		return MHD_NO;
	x->h = h;
	x->conn = c;
	x->gc = guard_of(c);
	x->tls = l->tls;
	x->incoming_fd = x->crash_fd = -1;
	httpd_client_address(c, x->remote, sizeof(x->remote));
	/* From here on the request owns a slot: it counts in the load. */
	atomic_fetch_add(&h->uploads, 1);
	x->counted = true;
	*req_cls = x;

	if (h->cfg->require_https && !l->tls)
		return create_refuse(x, MHD_HTTP_FORBIDDEN, "You must use HTTPS");

	load(h, &tasks, &capacity);
	if (tasks > capacity) {
		atomic_fetch_add(&h->overloads, 1);
		return create_refuse(x, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retrace server is fully loaded at the moment");
	}
	if (!guard_upload_begin(x->gc))
		return create_refuse(x, MHD_HTTP_TOO_MANY_REQUESTS,
				     "Too many uploads from your address at once (at most %u)",
				     (unsigned)h->cfg->max_uploads_per_address);
	x->per_addr = true;
	/* Every slot taken: the slowest upload, if slow enough, gives its slot up
	 * (it ends within milliseconds); a slow client never makes a normal one wait. */
	if (atomic_load(&h->uploads) > HTTPD_MAX_CONCURRENT_UPLOADS &&
	    !guard_preempt_slowest(&h->guard, x->gc)) {
		atomic_fetch_add(&h->overloads, 1);
		return create_refuse(x, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retrace server is fully loaded at the moment");
	}
	if (h->cfg->max_spool_per_address) {
		uint64_t used = ledger_usage(&h->ledger, &h->spool, guard_conn_addr(x->gc));
		if (used >= h->cfg->max_spool_per_address)
			return create_refuse(x, MHD_HTTP_TOO_MANY_REQUESTS,
					     "Your address keeps %llu MiB in unfinished tasks on this server "
					     "(at most %llu MiB); try again when they have finished",
					     (unsigned long long)(used >> 20),
					     (unsigned long long)(h->cfg->max_spool_per_address >> 20));
		x->spool_budget = h->cfg->max_spool_per_address - used;
	}
	if (m != METHOD_POST)
		return create_refuse(x, MHD_HTTP_METHOD_NOT_ALLOWED, "You must use POST method");
	if (!content_type_supported(header(c, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return create_refuse(x, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "Specified archive format is not supported");
	if (cl && header_times(c, MHD_HTTP_HEADER_CONTENT_LENGTH) > 1)
		return create_refuse(x, MHD_HTTP_BAD_REQUEST, "Content-Length is given more than once");
	if (!cl || te)
		return create_refuse(x, MHD_HTTP_LENGTH_REQUIRED,
				     "You need to set Content-Length header properly");
	if (content_length_parse(cl, &length) < 0)
		return create_refuse(x, MHD_HTTP_BAD_REQUEST, "Content-Length is not a number");
	if (length > h->cfg->max_packed_size)
		return create_refuse(x, MHD_HTTP_CONTENT_TOO_LARGE, "Specified archive is too large");
	if (task_type_parse(header(c, "X-Task-Type"), &type) < 0)
		return create_refuse(x, MHD_HTTP_BAD_REQUEST, "X-Task-Type must be a number (0-4)");
	if (fstatvfs(h->spool.dirfd, &sv) < 0)
		return create_refuse(x, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "Unable to obtain disk free space: %s", strerror(errno));
	free_b = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (free_b < h->cfg->min_storage_left || free_b - h->cfg->min_storage_left < length)
		return create_refuse(x, MHD_HTTP_INSUFFICIENT_STORAGE,
				     "There is not enough storage space on the server");

	x->type = type;
	x->content_length = length;
	{
		const char *sync = header(c, "X-Task-Sync");
		const char *managed = header(c, "X-Task-Managed");
		x->sync = sync && strcmp(sync, "1") == 0;
		if (managed && strcmp(managed, "0") != 0 && strcmp(managed, "1") != 0)
			return create_refuse(x, MHD_HTTP_BAD_REQUEST, "X-Task-Managed must be 0 or 1");
		x->managed = managed && strcmp(managed, "1") == 0;
		if (x->managed && !h->cfg->allow_task_manager)
			return create_refuse(x, MHD_HTTP_FORBIDDEN,
					     "Task manager was disabled by the server administrator");
		if (x->managed && x->sync)
			return create_refuse(x, MHD_HTTP_BAD_REQUEST,
					     "X-Task-Sync cannot be used with X-Task-Managed: a managed task "
					     "waits until it is started from the task manager");
	}
	r = spool_incoming_new(&h->spool, x->incoming, &x->incoming_fd);
	if (r < 0) {
		char msg[128];
		unsigned status = httpd_spool_error(r, msg, sizeof(msg));
		x->incoming[0] = '\0';
		return create_refuse(x, status, "%s", msg);
	}
	x->crash_fd = openat_dir(x->incoming_fd, "crash");
	if (x->crash_fd < 0)
		return create_refuse(x, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to create new task: %s",
				     strerror(errno));

	struct upload_limits lim = {
		.max_packed = h->cfg->max_packed_size,
		.max_unpacked = h->cfg->max_unpacked_size,
		.min_storage_left = h->cfg->min_storage_left,
		.max_ratio = h->cfg->max_unpack_ratio,
		.max_stored = x->spool_budget,
		.bare_file = task_type_is_vmcore(type) ? CRASH_FILE_VMCORE : CRASH_FILE_COREDUMP,
		.allow_remote = h->cfg->remote_prefixes[0] != '\0',
	};
	r = upload_new(x->crash_fd, &lim, create_suspend, create_resume, x, &x->upload);
	if (r < 0)
		return create_refuse(x, MHD_HTTP_INTERNAL_SERVER_ERROR, "Unable to start unpacking: %s",
				     strerror(-r));
	pthread_mutex_lock(&h->lock);
	if (h->stopping) {
		pthread_mutex_unlock(&h->lock);
		return create_refuse(x, MHD_HTTP_SERVICE_UNAVAILABLE, "The server is shutting down");
	}
	x->next = h->active;
	h->active = x;
	x->listed = true;
	pthread_mutex_unlock(&h->lock);
	guard_phase(x->gc, GUARD_BODY);
	return MHD_YES;
}

static enum MHD_Result create_finish(struct httpd *h, struct create_ctx *x)
{
	struct MHD_Connection *c = x->conn;
	struct upload_result res;
	char pw[SPOOL_PASSWORD_LEN + 1], idstr[16];
	uint32_t id = 0;
	int r;

	upload_get_result(x->upload, &res);
	if (res.http_status != 0) {
		create_discard(x);
		return httpd_reply_text(c, (unsigned)res.http_status, "%s", res.message);
	}
	if (task_type_is_interactive(x->type) && !h->cfg->allow_interactive) {
		create_discard(x);
		return httpd_reply_text(c, MHD_HTTP_CONFLICT,
				  "Interactive tasks were disabled by server administrator");
	}
	{
		/* The original server's REQUIRED_FILES, in its order. */
		static const enum crash_file required[2][4] = {
			{ CRASH_FILE_COREDUMP, CRASH_FILE_EXECUTABLE, CRASH_FILE_PACKAGE,
			  _CRASH_FILE_INVALID },
			{ CRASH_FILE_VMCORE, _CRASH_FILE_INVALID },
		};
		const enum crash_file *req = required[task_type_is_vmcore(x->type) ? 1 : 0];
		/* a bare core is its one file; the worker infers the rest (11.5); the
		 * worker fetches what `remote` names before it looks for them */
		bool any_of_them = res.bare || (res.files & (1U << CRASH_FILE_REMOTE));
		for (size_t i = 0; !any_of_them && req[i] != _CRASH_FILE_INVALID; i++)
			if (!(res.files & (1U << req[i]))) {
				create_discard(x);
				return httpd_reply_text(c, MHD_HTTP_FORBIDDEN, "Required file '%s' is missing",
						  crash_file_name(req[i]));
			}
	}
	r = spool_password_new(pw);
	if (r == 0)
		r = ledger_write(x->incoming_fd, x->remote, res.stored);
	if (r == 0)
		r = spool_incoming_commit(&h->spool, x->incoming, x->incoming_fd, x->type, pw,
					  x->managed ? SPOOL_COMMIT_HELD : 0, &id);
	if (r < 0) {
		/* the commit left nothing behind: the incoming directory goes too */
		log_warn("%s: the task could not be committed to the spool: %s", x->remote, strerror(-r));
		char msg[128];
		unsigned status = httpd_spool_error(r, msg, sizeof(msg));
		create_discard(x);
		return httpd_reply_text(c, status, "%s", msg);
	}
	x->committed = true;
	ledger_add(&h->ledger, &h->spool, id, guard_conn_addr(x->gc), res.stored);
	atomic_fetch_add(&h->tasks_created, 1);
	log_info("%s: task %u created (type %d, %s, %llu bytes received, %llu unpacked, %llu stored)%s",
		 x->remote, id, (int)x->type, res.bare ? "a bare core" : "a tar",
		 (unsigned long long)res.received,
		 (unsigned long long)res.unpacked, (unsigned long long)res.stored,
		 x->managed ? ", held for the task manager" : "");
	snprintf(idstr, sizeof(idstr), "%u", id);
	char est[16];
	bool have_est = !task_type_is_vmcore(x->type) && estimate_time(h, id, est, sizeof(est));
	const char *hdrs[] = { "X-Task-Id", idstr, "X-Task-Password", pw,
			       have_est ? "X-Task-Est-Time" : NULL, est, NULL };
	enum MHD_Result ret;
	if (x->sync) {
		/*
		 * The same headers; the body follows the task to its end. The
		 * upload is over: its slots (the server's and its address's), its
		 * buffers and descriptors go now, not when the stream ends - a
		 * waiting stream is no upload, and the task already counts in the
		 * load as queued or running.
		 */
		create_discard(x);
		create_release_slots(x);
		struct MHD_Response *resp = sync_response(h, c, id);
		for (const char *const *hd = hdrs; resp && hd[0]; hd += 2)
			MHD_add_response_header(resp, hd[0], hd[1]);
		ret = resp ? queue(c, MHD_HTTP_CREATED, resp, CT_TEXT)
			   : httpd_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory");
	} else {
		ret = httpd_reply_buf(c, MHD_HTTP_CREATED, CT_TEXT, "", 0, hdrs);
	}
	explicit_bzero(pw, sizeof(pw));
	return ret;
}

static enum MHD_Result create_continue(struct httpd *h, struct create_ctx *x,
				       const char *upload_data, size_t *upload_data_size)
{
	if (*upload_data_size > 0) {
		size_t used = 0;
		upload_feed(x->upload, upload_data, *upload_data_size, &used);
		*upload_data_size -= used;
		x->body_seen += used;
		guard_body(x->gc, used);
		/* all of the piece taken: nothing of the body is left unread here */
		if (*upload_data_size == 0 && create_cut_short(x, false)) {
			upload_abort(x->upload);
			return MHD_NO;
		}
		/* On UPLOAD_WAIT the connection is suspended until the unpacker made room. */
		return MHD_YES;
	}
	if (upload_end(x->upload) == UPLOAD_WAIT)
		return MHD_YES; /* suspended until the unpacker is done */
	return create_finish(h, x);
}

/* --- the access handler -------------------------------------------------- */

/* *req_cls of a request that is not an upload. */
static char read_request_marker;

enum MHD_Result httpd_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **req_cls)
{
	const struct httpd_listener *l = cls;
	struct httpd *h = l->h;
	enum http_method m = method_parse(method);
	enum route route;
	uint32_t id = 0;
	(void)version;

	cur_method = method;
	cur_url = url;

	route = route_parse(url, &id);
	if (*req_cls == &read_request_marker) {
		/*
		 * Second call of a read request: the (normally empty) body is
		 * dropped, then we answer. Answering only now, not on the first
		 * call, lets libmicrohttpd keep the connection alive.
		 */
		if (*upload_data_size > 0) {
			*upload_data_size = 0;
			return MHD_YES;
		}
	} else if (*req_cls) {
		struct create_ctx *x = *req_cls;
		if (x->refuse_status)
			return create_drain(x, upload_data_size);
		if (!x->upload) {
			/* create_begin already answered; drop any body. */
			*upload_data_size = 0;
			return MHD_YES;
		}
		return create_continue(h, x, upload_data, upload_data_size);
	} else if (route == ROUTE_CREATE) {
		return create_begin(h, l, conn, m, req_cls);
	} else {
		*req_cls = &read_request_marker;
		guard_phase(guard_of(conn), GUARD_ANSWER);
		return MHD_YES;
	}

	if (route == ROUTE_MANAGER)
		return manager_handle(h, conn, url, method, l->tls);
	if (m != METHOD_GET && m != METHOD_HEAD && route != ROUTE_NOT_FOUND)
		return httpd_reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "You must use GET method");
	if (route_is_task(route) || route == ROUTE_METRICS) {
		if (h->cfg->require_https && !l->tls)
			return httpd_reply_text(conn, MHD_HTTP_FORBIDDEN, "You must use HTTPS");
	}
	switch (route) {
	case ROUTE_INDEX:
		return route_index(conn);
	case ROUTE_SETTINGS:
		return route_settings(h, conn);
	case ROUTE_CHECKPACKAGE:
		return route_checkpackage(h, conn);
	case ROUTE_STATS:
		return route_stats(h, conn);
	case ROUTE_METRICS:
		return route_metrics(h, conn);
	case ROUTE_TASK_STATUS:
	case ROUTE_TASK_BACKTRACE:
	case ROUTE_TASK_LOG:
	case ROUTE_TASK_EXPLOITABLE:
	case ROUTE_TASK_DELETE:
		return route_task(h, conn, route, id);
	default:
		return httpd_reply_text(conn, MHD_HTTP_NOT_FOUND, "Invalid URL");
	}
}

void httpd_request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct create_ctx *x = *req_cls;
	(void)cls;

	/* a kept-alive connection waits for its next request's headers */
	guard_phase(guard_of(conn), GUARD_HEADERS);
	if (!x || *req_cls == &read_request_marker) {
		*req_cls = NULL;
		return;
	}
	/* libmicrohttpd saw the client close its side in the middle of the body */
	if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT && (x->upload || x->refuse_status))
		create_cut_short(x, true);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !x->committed && x->upload && !x->cut_short &&
	    !guard_was_cut(x->gc))
		log_warn("%s: upload ended before it was complete (code %d); nothing was kept",
			 x->remote, (int)toe);
	if (x->refuse_status)
		log_warn("%s: POST /create: %u %s (%s)", x->remote, x->refuse_status, x->refuse_msg,
			 guard_was_cut(x->gc) ? "unanswered: its body was too slow to be read"
					      : "the client left before its body was read");
	create_free(x);
	*req_cls = NULL;
}

void httpd_abort_uploads(struct httpd *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	for (struct create_ctx *x = h->active; x; x = x->next)
		if (x->upload)
			upload_abort(x->upload);
	pthread_mutex_unlock(&h->lock);
	syncs_stop(&h->syncs);
}

int httpd_init(struct httpd *h, const struct config *cfg)
{
	char real[PATH_MAX];
	int r;

	struct guard_settings gs = {
		.header_timeout = (unsigned)cfg->header_timeout,
		.answer_timeout = HTTPD_ANSWER_TIMEOUT_S,
		.min_body_rate = cfg->min_upload_rate * 1024,
		.body_window = (unsigned)cfg->upload_rate_window,
		.preempt_rate = HTTPD_PREEMPT_RATE,
		.max_conns_per_addr = (unsigned)cfg->max_connections_per_address,
		.max_uploads_per_addr = (unsigned)cfg->max_uploads_per_address,
	};

	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	guard_init(&h->guard, &gs);
	syncs_init(&h->syncs);
	ledger_init(&h->ledger);
	h->spool.dirfd = -1;
	pthread_mutex_init(&h->lock, NULL);
	r = spool_open(cfg->save_dir, &h->spool);
	if (r < 0)
		return r;
	r = ledger_load(&h->ledger, &h->spool);
	if (r < 0)
		return r;
	if (!realpath(cfg->save_dir, real))
		return -errno;
	if (cfg->db_file[0] == '/')
		h->db_path = strdup(cfg->db_file);
	else if (asprintf(&h->db_path, "%s/%s", real, cfg->db_file) < 0)
		h->db_path = NULL;
	if (!h->db_path)
		return -ENOMEM;
	return 0;
}

void httpd_release(struct httpd *h)
{
	syncs_stop(&h->syncs);
	guard_stop(&h->guard);
	ledger_release(&h->ledger);
	spool_close(&h->spool);
	free(h->db_path);
	h->db_path = NULL;
	pthread_mutex_destroy(&h->lock);
}
