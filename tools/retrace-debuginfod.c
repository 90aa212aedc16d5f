/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-debuginfod - the debuginfod protocol (elfutils' debuginfod-find,
 * gdb's `set debuginfod enabled on`) over the packages the retrace server
 * already has: a build-id's debuginfo, executable and source files, found
 * in the build-id index of every release in RepoDir and read from the
 * verified package trees of the rootfs cache (debuginfod/lookup.h).
 *
 * Its own daemon: httpd keeps touching only the spool. It reads RepoDir and
 * writes the rootfs cache (extracting a package once when asked, as the
 * worker does) as RunAsUser. Unknown ids, malformed or unknown URLs: 404.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "debuginfod/fetcher.h"
#include "debuginfod/lookup.h"
#include "debuginfod/request.h"
#include "httpd/guard.h"
#include "httpd/mhd.h"
#include "sandbox/confine.h"
#include "sandbox/seccomp-policy.h"
#include "solver/rpmlib.h"

#define DBGD_THREADS 4
#define DBGD_MAX_CONNECTIONS 512
#define DBGD_CONNECTION_TIMEOUT_S 60
/* The slowest a file's answer may be read at, whatever MinUploadRate says (0 included):
 * 120 s plus 18 hours for a 1 GiB file. */
#define DBGD_MIN_ANSWER_RATE (16 * 1024)
/* Requests waiting for the upstream fetcher at once (it serves FETCHER_CHANNELS at a time). */
#define DBGD_MAX_FETCHES 64

struct server {
	struct dbgd d;
	struct guard guard; /* HeaderTimeout, MaxConnectionsPerAddress, the answers' pace */
	struct fetcher fetcher; /* DebuginfodUpstreamURLs */
	bool have_fetcher;
	bool tls;
	pthread_mutex_t fetch_lock; /* fetches and stopping */
	pthread_cond_t fetch_done;
	int fetches;   /* requests waiting for upstream, each in a thread of its own */
	bool stopping; /* no new fetch; the daemons stop once fetches is 0 */
	atomic_ullong requests, found, not_found, errors, bytes, upstream;
};

static struct server *the_server;

/* A short text answer; allow: the Allow header of a 405 (RFC 9110), or NULL. */
static enum MHD_Result reply_allow(struct MHD_Connection *c, unsigned status, const char *text, const char *allow)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	guard_phase(guard_of(c), GUARD_ANSWER);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	return reply_allow(c, status, text, NULL);
}

static void peer(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (ci && ci->client_addr)
		sockaddr_ip_text(ci->client_addr, buf, len);
	else
		snprintf(buf, len, "?");
}

static enum MHD_Result metrics(struct server *s, struct MHD_Connection *c)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "# HELP retrace_debuginfod_requests_total Requests for a build-id's file.\n"
		 "# TYPE retrace_debuginfod_requests_total counter\n"
		 "retrace_debuginfod_requests_total %llu\n"
		 "# HELP retrace_debuginfod_answers_total Answers by result.\n"
		 "# TYPE retrace_debuginfod_answers_total counter\n"
		 "retrace_debuginfod_answers_total{result=\"found\"} %llu\n"
		 "retrace_debuginfod_answers_total{result=\"not_found\"} %llu\n"
		 "retrace_debuginfod_answers_total{result=\"error\"} %llu\n"
		 "# HELP retrace_debuginfod_bytes_total Bytes of files served.\n"
		 "# TYPE retrace_debuginfod_bytes_total counter\n"
		 "retrace_debuginfod_bytes_total %llu\n"
		 "# HELP retrace_debuginfod_upstream_total Files served from an upstream server (DebuginfodUpstreamURLs).\n"
		 "# TYPE retrace_debuginfod_upstream_total counter\n"
		 "retrace_debuginfod_upstream_total %llu\n",
		 (unsigned long long)atomic_load(&s->requests), (unsigned long long)atomic_load(&s->found),
		 (unsigned long long)atomic_load(&s->not_found), (unsigned long long)atomic_load(&s->errors),
		 (unsigned long long)atomic_load(&s->bytes), (unsigned long long)atomic_load(&s->upstream));
	return reply(c, MHD_HTTP_OK, text);
}

/* One request's state: libmicrohttpd calls the handler again after a resume. */
struct req {
	struct server *s;
	struct MHD_Connection *c;
	struct dbgd_request rq;
	bool fetching, fetched;
	int r;                  /* the upstream answer */
	struct upstream_file uf;
	char *err;
};

static void req_free(struct req *q)
{
	if (!q)
		return;
	if (q->uf.fd >= 0)
		close(q->uf.fd);
	free(q->err);
	free(q);
}

static enum MHD_Result send_file(struct server *s, struct MHD_Connection *c, int fd, uint64_t offset,
				 uint64_t size, const char *file, const char *archive)
{
	struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(size, fd, offset); /* owns fd */
	enum MHD_Result ret;
	char text[24];

	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	snprintf(text, sizeof(text), "%" PRIu64, size);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(resp, "X-DEBUGINFOD-SIZE", text);
	if (*file)
		MHD_add_response_header(resp, "X-DEBUGINFOD-FILE", file);
	if (*archive)
		MHD_add_response_header(resp, "X-DEBUGINFOD-ARCHIVE", archive);
	MHD_add_response_header(resp, "Cache-Control", "public, max-age=86400");
	atomic_fetch_add(&s->found, 1);
	atomic_fetch_add(&s->bytes, size);
	/* read at DBGD_MIN_ANSWER_RATE (or MinUploadRate when faster) or the connection is closed */
	guard_answer(guard_of(c), size);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The upstream answer r is in: the connection resumed, the fetch no longer counted. */
static void fetch_end(struct req *q, int r)
{
	struct server *s = q->s;

	q->r = r;
	q->fetched = true;
	MHD_resume_connection(q->c);
	/* counted until resumed: the daemons are stopped only with no suspended connection */
	pthread_mutex_lock(&s->fetch_lock);
	s->fetches--;
	pthread_cond_broadcast(&s->fetch_done);
	pthread_mutex_unlock(&s->fetch_lock);
}

/* A fetch thread: the fetcher asked, the connection resumed with the answer. */
static void *fetch_thread(void *arg)
{
	struct req *q = arg;

	fetch_end(q, fetcher_ask(&q->s->fetcher, &q->rq, &q->uf, &q->err));
	return NULL;
}

/* No release has it: ask upstream in a thread of its own, the connection suspended meanwhile. */
static enum MHD_Result ask_upstream(struct server *s, struct req *q, const char *who, const char *method,
				    const char *url)
{
	pthread_attr_t attr;
	pthread_t th;
	bool full, stopping;
	int r;

	pthread_mutex_lock(&s->fetch_lock);
	full = s->fetches >= DBGD_MAX_FETCHES;
	stopping = s->stopping;
	if (!full && !stopping)
		s->fetches++;
	pthread_mutex_unlock(&s->fetch_lock);
	if (full || stopping) {
		atomic_fetch_add(&s->errors, 1);
		log_warn("%s: %s %.128s: 503 (no release has it and %s)", who, method, url,
			 stopping ? "the server is stopping" : "64 requests wait for upstream already");
		return reply(q->c, MHD_HTTP_SERVICE_UNAVAILABLE, "Too many upstream fetches at once\n");
	}
	q->fetching = true;
	MHD_suspend_connection(q->c);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&th, &attr, fetch_thread, q);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		q->err = strdup("cannot start a thread");
		fetch_end(q, -r);
	}
	return MHD_YES;
}

static enum MHD_Result upstream_answer(struct server *s, struct req *q, const char *who, const char *method,
				       const char *url)
{
	int fd = q->uf.fd;

	if (q->r == -ENOENT) {
		atomic_fetch_add(&s->not_found, 1);
		log_info("%s: %s %.128s: 404 (no release has it; upstream: %s)", who, method, url,
			 q->err ? q->err : "no server has it");
		return reply(q->c, MHD_HTTP_NOT_FOUND, "Not found\n");
	}
	if (q->r < 0) {
		atomic_fetch_add(&s->errors, 1);
		log_warn("%s: %s %.128s: 404 (no release has it; upstream failed: %s)", who, method, url,
			 q->err ? q->err : strerror(-q->r));
		return reply(q->c, MHD_HTTP_NOT_FOUND, "Not found\n");
	}
	atomic_fetch_add(&s->upstream, 1);
	log_info("%s: %s %.128s: 200 from upstream %s%s, %" PRIu64 " bytes, %.3f s", who, method, url, q->uf.from,
		 q->uf.cached ? " (kept in the cache)" : " (fetched now)", q->uf.size, q->uf.seconds);
	q->uf.fd = -1; /* the response's now */
	return send_file(s, q->c, fd, 0, q->uf.size, q->uf.file, q->uf.archive);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload_data, size_t *upload_data_size,
			       void **req_cls)
{
	struct server *s = cls;
	struct req *q = *req_cls;
	struct dbgd_file f;
	_cleanup_free_ char *err = NULL;
	char who[64];
	int r;
	(void)version;
	(void)upload_data;

	/* answered on the second call, once a (normally empty) body is dropped */
	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		q->s = s;
		q->c = c;
		q->uf.fd = -1;
		*req_cls = q;
		/* a body is never wanted: refused before it is read (its bytes
		 * would keep the connection in HeaderTimeout's phase only) */
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_allow(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET and HEAD\n", "GET, HEAD");
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a GET's body: dropped, at HeaderTimeout's pace */
		return MHD_YES;
	}
	peer(c, who, sizeof(who));
	if (q->fetching)
		return q->fetched ? upstream_answer(s, q, who, method, url) : MHD_YES;
	/* the request is in; a package may be extracted before the answer */
	guard_phase(guard_of(c), GUARD_WORKING);
	if (dbgd_request_parse(url, &q->rq) < 0) {
		log_info("%s: %s %.128s: 404 (not a debuginfod URL)", who, method, url);
		return reply(c, MHD_HTTP_NOT_FOUND, "Not found\n");
	}
	if (q->rq.kind == DBGD_METRICS)
		return metrics(s, c);
	atomic_fetch_add(&s->requests, 1);
	r = dbgd_lookup(&s->d, &q->rq, &f, &err);
	if (r == -ENOENT && s->have_fetcher)
		return ask_upstream(s, q, who, method, url);
	if (r == -ENOENT) {
		atomic_fetch_add(&s->not_found, 1);
		log_info("%s: %s %.128s: 404 (no release has it)", who, method, url);
		return reply(c, MHD_HTTP_NOT_FOUND, "Not found\n");
	}
	if (r < 0) {
		atomic_fetch_add(&s->errors, 1);
		log_error("%s: %s %.128s: 500 %s", who, method, url, err ? err : strerror(-r));
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal error\n");
	}
	log_info("%s: %s %.128s: 200 %s%s in %s (%s), %" PRIu64 " bytes, %.3f s%s", who, method, url, f.file,
		 q->rq.kind == DBGD_SECTION ? " (a section of it)" : "",
		 f.nevra, f.release, f.size, f.seconds, f.extracted ? ", extracted now" : "");
	return send_file(s, c, f.fd, f.offset, f.size, f.file, f.archive);
}

/* A kept-alive connection waits for its next request's headers. */
static void completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	guard_phase(guard_of(c), GUARD_HEADERS);
	req_free(*req_cls);
	*req_cls = NULL;
}

static struct MHD_Daemon *start(struct server *s, int fd, const char *cert, const char *key)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

	if (cert)
		flags |= MHD_USE_TLS;
	return MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log_to_ours,
				NULL, MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned)DBGD_THREADS, MHD_OPTION_CONNECTION_LIMIT, (unsigned)DBGD_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)DBGD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)(64 * 1024), MHD_OPTION_NOTIFY_CONNECTION, guard_notify_connection,
				&s->guard, MHD_OPTION_NOTIFY_COMPLETED, completed, s, cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
				MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-debuginfod [-c CONFIG] [--seccomp-log] [-v]\n"
		   "  -c, --config FILE   configuration file (default " CONFIG_DEFAULT_PATH ")\n"
		   "  --seccomp-log       log denied syscalls instead of killing (debugging only)\n"
		   "  -v, --verbose       debug messages\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "seccomp-log", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned policy_flags = 0;
	scmp_filter_ctx filter = NULL;
	const char *config_path = CONFIG_DEFAULT_PATH;
	enum log_level level = LOG_LVL_INFO;
	_cleanup_free_ char *err = NULL, *cert = NULL, *key = NULL, *cache = NULL;
	struct MHD_Daemon *d_plain = NULL, *d_tls = NULL;
	struct server *s;
	struct config cfg;
	int fd_plain = -1, fd_tls = -1, c, r;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'v': level = LOG_LVL_DEBUG; break;
		case 'S': policy_flags |= SECCOMP_POLICY_LOG_KILLS; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("retrace-debuginfod", level);
	r = config_load(config_path, &cfg, &err);
	if (r < 0) {
		log_error("%s", err ? err : strerror(-r));
		return 1;
	}
	if (!*cfg.debuginfod_listen && !*cfg.debuginfod_tls_listen) {
		log_error("%s: neither DebuginfodListen nor DebuginfodTLSListen is set: nothing to serve", cfg.path);
		return 1;
	}
	r = config_rootfs_cache_dir(&cfg, &cache);
	if (r < 0 || access(cache, F_OK) < 0) {
		log_error("the rootfs cache %s does not exist (retrace-worker or retrace-rootfs makes it)",
			  cache ? cache : "?");
		return 1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	the_server = s;
	pthread_mutex_init(&s->fetch_lock, NULL);
	pthread_cond_init(&s->fetch_done, NULL);
	/* the fetcher first: it never holds the TLS key or a listening socket */
	if (upstream_enabled(&cfg)) {
		r = fetcher_start(&s->fetcher, &cfg, &err);
		if (r < 0) {
			log_error("cannot start the upstream fetcher: %s", err);
			return 1;
		}
		s->have_fetcher = true;
		log_info("a build-id no release has is asked of: %s", cfg.debuginfod_upstream_urls);
	}
	if (*cfg.debuginfod_tls_listen && mhd_read_tls(&cfg, "DebuginfodTLSListen", &cert, &key) < 0)
		return 1;
	if (seccomp_policy_compile_daemon(cfg.seccomp_policy_dir, "debuginfod", policy_flags, &filter) < 0)
		return 1;
	if (*cfg.debuginfod_listen && (r = mhd_listen_socket(cfg.debuginfod_listen, &fd_plain)) < 0) {
		log_error("cannot listen on %s: %s", cfg.debuginfod_listen, strerror(-r));
		return 1;
	}
	if (*cfg.debuginfod_tls_listen && (r = mhd_listen_socket(cfg.debuginfod_tls_listen, &fd_tls)) < 0) {
		log_error("cannot listen on %s: %s", cfg.debuginfod_tls_listen, strerror(-r));
		return 1;
	}
	/* rpm's configuration is read while the system is still in view */
	rpmlib_init();
	/*
	 * The sockets are made: the rest runs as the cache's owner, in a mount
	 * namespace of its own holding RepoDir (read-only), the rootfs cache
	 * (its one writable place) and, with RequireGPGCheck, GPGKeyDir
	 * (read-only): no /etc, /usr, /proc, /dev, no other file of the host.
	 * Single-threaded until here: the namespaces need it.
	 */
	{
		struct confine_bind binds[3];
		size_t nb = 0;
		binds[nb++] = (struct confine_bind){ cfg.repo_dir, false };
		binds[nb++] = (struct confine_bind){ cache, true };
		if (cfg.require_gpg_check && access(cfg.gpg_key_dir, F_OK) == 0)
			binds[nb++] = (struct confine_bind){ cfg.gpg_key_dir, false };
		r = confine_daemon_binds(binds, nb, cfg.run_as_user, &err);
		if (r < 0) {
			log_error("cannot confine the server: %s", err ? err : strerror(-r));
			return 1;
		}
	}
	mhd_block_stop_signals(&sigs);

	free(err);
	err = NULL;
	r = dbgd_init(&s->d, &cfg, &err);
	if (r < 0) {
		log_error("%s", err ? err : strerror(-r));
		return 1;
	}
	{
		struct guard_settings gs = {
			.header_timeout = (unsigned)cfg.header_timeout,
			.answer_timeout = HTTPD_ANSWER_TIMEOUT_S,
			.min_answer_rate = MAX(cfg.min_upload_rate * 1024, (uint64_t)DBGD_MIN_ANSWER_RATE),
			.max_conns_per_addr = (unsigned)cfg.max_connections_per_address,
		};
		guard_init(&s->guard, &gs);
	}
	/* After this, no execve, no fork, no new sockets but accepted ones. */
	r = seccomp_load(filter);
	seccomp_release(filter);
	if (r < 0) {
		log_error("cannot load the seccomp filter: %s", strerror(-r));
		return 1;
	}
	r = guard_start(&s->guard);
	if (r < 0) {
		log_error("cannot start the connection deadlines' thread: %s", strerror(-r));
		return 1;
	}
	if (fd_plain >= 0) {
		d_plain = start(s, fd_plain, NULL, NULL);
		if (!d_plain) {
			log_error("cannot start the HTTP listener on %s", cfg.debuginfod_listen);
			return 1;
		}
		log_info("listening on http://%s", cfg.debuginfod_listen);
	}
	if (fd_tls >= 0) {
		d_tls = start(s, fd_tls, cert, key);
		if (!d_tls) {
			log_error("cannot start the HTTPS listener on %s", cfg.debuginfod_tls_listen);
			return 1;
		}
		log_info("listening on https://%s", cfg.debuginfod_tls_listen);
	}
	log_info("serving the build-ids of %s from the packages' trees in the rootfs cache, as uid %u", cfg.repo_dir,
		 (unsigned)getuid());
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue;
		log_info("signal %d: shutting down", sig);
		break;
	}
	/*
	 * Stopping libmicrohttpd with a connection suspended is not allowed:
	 * no new fetch, the fetcher's channels shut down (a waiting request
	 * gets its answer at once, a 404), and every suspended connection
	 * resumed before the daemons stop.
	 */
	pthread_mutex_lock(&s->fetch_lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->fetch_lock);
	if (s->have_fetcher)
		fetcher_shutdown(&s->fetcher);
	pthread_mutex_lock(&s->fetch_lock);
	while (s->fetches > 0)
		pthread_cond_wait(&s->fetch_done, &s->fetch_lock);
	pthread_mutex_unlock(&s->fetch_lock);
	if (d_plain)
		MHD_stop_daemon(d_plain);
	if (d_tls)
		MHD_stop_daemon(d_tls);
	guard_stop(&s->guard);
	if (s->have_fetcher)
		fetcher_stop(&s->fetcher);
	dbgd_release(&s->d);
	free(s);
	config_release(&cfg);
	return 0;
}
