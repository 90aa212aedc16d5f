/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - one line per event, to stderr and optionally to a log file.
 *
 * Library modules never log (they return -errno); programs log once, with
 * context, at the place that decides what to do. Each line is written with a
 * single write(2), so lines from several threads never interleave. The log
 * file descriptor is opened before a process confines itself and is kept.
 * Callable from any process and any thread.
 */
#ifndef RETRACE_LOG_H
#define RETRACE_LOG_H

#include "macro.h"

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	_LOG_LVL_MAX,
};

/* ident is kept by pointer; pass a string literal or argv[0]'s basename. */
void log_init(const char *ident, enum log_level max_level);
/* Also append every line to fd (which log takes ownership of); -1 to stop. */
void log_set_file_fd(int fd);

void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
