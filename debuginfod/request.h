/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * request.h - the debuginfod protocol's URLs (elfutils' debuginfod(8)):
 *   /buildid/HEX/debuginfo
 *   /buildid/HEX/executable
 *   /buildid/HEX/source/ABSOLUTE-PATH    (the path as the DWARF names it)
 *   /buildid/HEX/section/NAME
 *   /metrics
 * HEX: an even number of [0-9a-f], 2 to 128 (a build-id is 20 bytes
 * mostly; elfutils' client lowercases what it sends). Pure functions, no
 * I/O: fuzz/fuzz-debuginfod.c.
 */
#ifndef RETRACE_DEBUGINFOD_REQUEST_H
#define RETRACE_DEBUGINFOD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define DBGD_HEX_MAX 128
#define DBGD_PATH_MAX 1024
#define DBGD_SECTION_MAX 64

enum dbgd_kind {
	DBGD_DEBUGINFO,
	DBGD_EXECUTABLE,
	DBGD_SOURCE,
	DBGD_SECTION,
	DBGD_METRICS,
	DBGD_INVALID,
};

struct dbgd_request {
	enum dbgd_kind kind;
	char hex[DBGD_HEX_MAX + 1];
	/* DBGD_SOURCE: an absolute path, normalized ("//", "." and ".." folded,
	 * never past the root), printable; DBGD_SECTION: [A-Za-z0-9._-] */
	char arg[DBGD_PATH_MAX + 1];
};

/* 0, or -EINVAL for anything that is not one of the URLs above. */
int dbgd_request_parse(const char *url, struct dbgd_request *ret);
const char *dbgd_kind_name(enum dbgd_kind k);
/* The decoded URL path that parses back to rq (for another process to parse again). */
#define DBGD_REQUEST_PATH_MAX (DBGD_HEX_MAX + DBGD_PATH_MAX + 32)
int dbgd_request_path(const struct dbgd_request *rq, char *buf, size_t size);

#endif
