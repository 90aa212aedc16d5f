/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * request.h - pure functions that turn untrusted request bytes (method,
 * URL, header values) into typed values. No I/O, no allocation, no global
 * state: each has a fuzz target (fuzz/fuzz-request.c). httpd only.
 */
#ifndef RETRACE_REQUEST_H
#define RETRACE_REQUEST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/spool.h"

enum route {
	ROUTE_INDEX,
	ROUTE_SETTINGS,
	ROUTE_CREATE,
	ROUTE_CHECKPACKAGE,
	ROUTE_STATS,
	ROUTE_METRICS,
	ROUTE_MANAGER,
	ROUTE_TASK_STATUS,
	ROUTE_TASK_BACKTRACE,
	ROUTE_TASK_LOG,
	ROUTE_TASK_EXPLOITABLE,
	ROUTE_TASK_DELETE,
	ROUTE_NOT_FOUND,
	_ROUTE_MAX,
};

/* Map a URL path to a route; task routes also give the task id. */
enum route route_parse(const char *url, uint32_t *ret_task_id);
bool route_is_task(enum route r);

/*
 * What a URL under /manager asks for (ROUTE_MANAGER): the list, one task,
 * an action on it, or one of its files, or an FTP task's start. id is a
 * task id; key a result's name: 1-64 of [A-Za-z0-9._-], not starting with
 * '.', or an FTP file's name (ftp_name_valid()).
 */
enum manager_action {
	MANAGER_LIST,      /* /manager, /manager/ */
	MANAGER_TASK,      /* /manager/ID */
	MANAGER_START,     /* /manager/ID/start (POST) */
	MANAGER_RESTART,   /* /manager/ID/restart (POST) */
	MANAGER_DELETE,    /* /manager/ID/delete (POST) */
	MANAGER_BACKTRACE, /* /manager/ID/backtrace */
	MANAGER_LOG,       /* /manager/ID/log */
	MANAGER_RESULT,    /* /manager/ID/results/KEY */
	MANAGER_MISC,      /* /manager/ID/misc/KEY */
	MANAGER_FTP_START, /* /manager/ftp/NAME/start (POST): a task from FTPDir's NAME */
	MANAGER_INVALID,
};
#define MANAGER_KEY_MAX 64
struct manager_path {
	enum manager_action action;
	uint32_t id;
	char key[SPOOL_FTP_NAME_MAX + 1]; /* a result's key, or an FTP file's name */
};
int manager_path_parse(const char *url, struct manager_path *ret);
bool manager_action_is_post(enum manager_action a);
bool result_key_valid(const char *key, size_t len);

enum http_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_OTHER,
};
enum http_method method_parse(const char *method);

/*
 * X-Task-Type: absent -> TASK_RETRACE; a number that is not a known type ->
 * TASK_RETRACE (as the original server); anything not a number -> -EINVAL.
 */
int task_type_parse(const char *value, enum task_type *ret);

/* One of the three archive MIME types (parameters after ';' ignored). */
bool content_type_supported(const char *value);

/* Content-Length: decimal digits only. */
int content_length_parse(const char *value, uint64_t *ret);

/* X-Task-Password: exactly 32 of [a-zA-Z0-9]. */
bool password_well_formed(const char *value);

/* /checkpackage headers. */
bool package_nvr_valid(const char *value);
bool package_arch_valid(const char *value);

/*
 * Strip epochs ("1:", anywhere, as the original's re.sub("[1-9][0-9]*:",
 * "", nvr)) from an NVR into buf; returns buf or NULL when it does not fit.
 */
const char *nvr_strip_epoch(const char *nvr, char *buf, size_t buflen);

/*
 * The architectures a package of arch may be stored under (i686 crashes are
 * retraced from i386..i686 packages), NULL-terminated, noarch excluded.
 */
const char *const *arch_family(const char *arch);

#endif
