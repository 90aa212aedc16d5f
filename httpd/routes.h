/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes.h - retrace-httpd's request handling: the libmicrohttpd access
 * handler, one function per route, and the state of uploads in flight.
 *
 * Runs in the confined httpd only (it sees nothing but the spool). Every
 * answer has a Content-Length (never chunked), so the RHEL 7/8 client's
 * hand-written HTTP parser can read it; every refusal is logged once with
 * the client address, the request and the reason.
 */
#ifndef RETRACE_ROUTES_H
#define RETRACE_ROUTES_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/macro.h"
#include "common/spool.h"
#include "httpd/guard.h"
#include "httpd/sync.h"
#include "httpd/ledger.h"

struct create_ctx;

struct httpd {
	const struct config *cfg;
	struct spool spool;
	char *db_path; /* statistics database, may not exist yet */

	atomic_uint uploads;          /* POST /create bodies in flight */
	atomic_ullong overloads;      /* 503 answers since start */
	atomic_ullong tasks_created;  /* 201 answers since start */

	struct guard guard;           /* deadlines and per-address limits */
	struct syncs syncs;           /* synchronous tasks' streams (X-Task-Sync) */
	struct ledger ledger;         /* what each address keeps in the spool */

	pthread_mutex_t lock;         /* guards the list below */
	struct create_ctx *active;    /* uploads in flight, for shutdown */
	bool stopping;
};

/* The cls handed to MHD for each listener. */
struct httpd_listener {
	struct httpd *h;
	bool tls;
};

/* Open the spool and find the statistics database; in the confined process. */
int httpd_init(struct httpd *h, const struct config *cfg);
void httpd_release(struct httpd *h);
/* Abort every upload in flight and end every synchronous stream, so that
 * no connection stays suspended. */
void httpd_abort_uploads(struct httpd *h);

enum MHD_Result httpd_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **req_cls);
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_HTML "text/html; charset=utf-8"

/* Shared with the task manager (manager.c). An answer with a Content-Length;
 * a short text (>= 400 logged with who asked what and why); text escaped for HTML (control characters but tab and
 * newline shown as '?'); the client's address for log lines. */
enum MHD_Result httpd_reply_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
				const char *body, size_t len, const char *const *hdrs);
/*
 * Every slot busy and the queue full (MaxParallelTasks + MaxQueuedTasks
 * tasks running, queued or being uploaded): one more task may not be
 * queued now. Counted in /metrics' overloads when so.
 */
bool httpd_fully_loaded(struct httpd *h);
enum MHD_Result httpd_reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	_printf_(3, 4);
/* A regular file's fd (owned from here) as text/plain, 200. */
enum MHD_Result httpd_reply_fd(struct MHD_Connection *c, int fd, uint64_t size);
/* The spool refused to make a task: out of space or inodes (ENOSPC) or over
 * a quota is 507, as the original answers; anything else is 500. The status,
 * and its message in msg. */
unsigned httpd_spool_error(int r, char *msg, size_t size);
struct buf;
void httpd_html_escape(struct buf *b, const char *s, size_t n);
void httpd_client_address(struct MHD_Connection *c, char *buf, size_t len);

/* The task manager (AllowTaskManager): every URL under /manager. */
enum MHD_Result manager_handle(struct httpd *h, struct MHD_Connection *c, const char *url,
			       const char *method, bool tls);

void httpd_request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			     enum MHD_RequestTerminationCode toe);

#endif
