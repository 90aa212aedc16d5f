/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * retrace-httpd - the HTTP front end. It reads its configuration, its TLS
 * key and its seccomp policy, binds its sockets, then shuts itself into a
 * mount namespace that holds only the spool, drops to an unprivileged user,
 * loads a seccomp filter without execve and only then serves requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"
#include "httpd/guard.h"
#include "httpd/mhd.h"
#include "httpd/routes.h"
#include "sandbox/confine.h"
#include "sandbox/seccomp-policy.h"


static void usage(FILE *f)
{
	fprintf(f, "Usage: retrace-httpd [-c CONFIG] [--seccomp-log] [-v]\n"
		   "  -c, --config FILE   configuration file (default " CONFIG_DEFAULT_PATH ")\n"
		   "  --seccomp-log       log denied syscalls instead of killing (debugging only)\n"
		   "  -v, --verbose       debug messages\n");
}

static struct MHD_Daemon *start_daemon(struct httpd_listener *l, int fd, const char *cert,
				       const char *key)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (l->tls)
		flags |= MHD_USE_TLS;
	return MHD_start_daemon(
		flags, 0, NULL, NULL, httpd_access_handler, l, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log_to_ours, NULL, MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)HTTPD_MAX_CONNECTIONS, MHD_OPTION_NOTIFY_CONNECTION,
		guard_notify_connection, &l->h->guard, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)HTTPD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
		httpd_request_completed, l->h,
		l->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
		MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "seccomp-log", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *config_path = CONFIG_DEFAULT_PATH;
	unsigned policy_flags = 0;
	enum log_level level = LOG_LVL_INFO;
	struct config cfg;
	struct httpd h;
	struct httpd_listener plain = { &h, false }, tls = { &h, true };
	struct MHD_Daemon *d_plain = NULL, *d_tls = NULL;
	_cleanup_free_ char *err = NULL, *cert = NULL, *key = NULL;
	scmp_filter_ctx filter = NULL;
	int fd_plain = -1, fd_tls = -1, c, r;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'S':
			policy_flags |= SECCOMP_POLICY_LOG_KILLS;
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("retrace-httpd", level);
	umask(0027);

	r = config_load(config_path, &cfg, &err);
	if (r < 0) {
		log_error("%s", err ? err : strerror(-r));
		return 1;
	}
	if (cfg.warnings) {
		char *save = NULL;
		for (char *l = strtok_r(cfg.warnings, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			log_warn("%s", l);
	}
	if (cfg.allow_task_manager)
		log_warn("%s: AllowTaskManager = 1: /manager shows, starts and deletes managed tasks "
			 "without authentication; do not use it on a public server", cfg.path);
	if (!*cfg.listen && !*cfg.tls_listen) {
		log_error("%s: neither Listen nor TLSListen is set: nothing to serve", cfg.path);
		return 1;
	}

	{
		char *lp = NULL;
		if (asprintf(&lp, "%s/retrace-httpd.log", cfg.log_dir) >= 0) {
			int lfd = open(lp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
			if (lfd >= 0)
				log_set_file_fd(lfd);
			else
				log_warn("cannot open %s (%m); logging to stderr only", lp);
			free(lp);
		}
	}

	if (*cfg.tls_listen && mhd_read_tls(&cfg, "TLSListen", &cert, &key) < 0)
		return 1;

	if (seccomp_policy_compile_daemon(cfg.seccomp_policy_dir, "httpd", policy_flags, &filter) < 0)
		return 1;

	if (*cfg.listen && (r = mhd_listen_socket(cfg.listen, &fd_plain)) < 0) {
		log_error("cannot listen on %s: %s", cfg.listen, strerror(-r));
		return 1;
	}
	if (*cfg.tls_listen && (r = mhd_listen_socket(cfg.tls_listen, &fd_tls)) < 0) {
		log_error("cannot listen on %s: %s", cfg.tls_listen, strerror(-r));
		return 1;
	}

	/* Blocked in every thread MHD starts; the main thread waits for them. */
	mhd_block_stop_signals(&sigs);
	sqlite3_initialize();

	/* Single-threaded until here: the namespaces need it. */
	r = confine_daemon(cfg.save_dir, cfg.run_as_user, &err);
	if (r < 0) {
		log_error("cannot confine the server: %s", err ? err : strerror(-r));
		return 1;
	}
	/*
	 * The spool is opened (and its bookkeeping directories made) as the
	 * user that serves it, so that they belong to that user.
	 */
	r = httpd_init(&h, &cfg);
	if (r < 0) {
		log_error("cannot open the spool %s: %s", cfg.save_dir, strerror(-r));
		return 1;
	}
	/* A killed httpd's partial uploads: no upload of ours exists yet. */
	r = spool_incoming_sweep(&h.spool);
	if (r > 0)
		log_info("removed %d partial upload(s) a stopped server left in %s/.incoming", r,
			 cfg.save_dir);
	else if (r < 0)
		log_warn("cannot clear %s/.incoming: %s", cfg.save_dir, strerror(-r));
	/* After this, no execve, no fork, no new sockets but accepted ones. */
	r = seccomp_load(filter);
	seccomp_release(filter);
	if (r < 0) {
		log_error("cannot load the seccomp filter: %s", strerror(-r));
		return 1;
	}
	r = guard_start(&h.guard);
	if (r == 0)
		r = syncs_start(&h.syncs);
	if (r < 0) {
		log_error("cannot start the connection deadlines' or the synchronous tasks' thread: %s",
			  strerror(-r));
		return 1;
	}

	if (fd_plain >= 0) {
		d_plain = start_daemon(&plain, fd_plain, NULL, NULL);
		if (!d_plain) {
			log_error("cannot start the HTTP listener on %s", cfg.listen);
			return 1;
		}
		log_info("listening on http://%s", cfg.listen);
	}
	if (fd_tls >= 0) {
		d_tls = start_daemon(&tls, fd_tls, cert, key);
		if (!d_tls) {
			log_error("cannot start the HTTPS listener on %s", cfg.tls_listen);
			return 1;
		}
		log_info("listening on https://%s", cfg.tls_listen);
	}
	log_info("serving the spool %s as uid %u", cfg.save_dir, (unsigned)getuid());

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: configuration changes need a restart");
			continue;
		}
		log_info("signal %d: shutting down", sig);
		break;
	}
	httpd_abort_uploads(&h);
	/* Give aborted uploads a moment to be answered and resumed. */
	usleep(200 * 1000);
	if (d_plain)
		MHD_stop_daemon(d_plain);
	if (d_tls)
		MHD_stop_daemon(d_tls);
	httpd_release(&h);
	config_release(&cfg);
	log_set_file_fd(-1);
	return 0;
}
