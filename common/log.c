/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include "fsutil.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static const char *log_ident = "retrace";
static enum log_level log_max = LOG_LVL_INFO;
static int log_file_fd = -1;

static const char *const level_names[_LOG_LVL_MAX] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_init(const char *ident, enum log_level max_level)
{
	log_ident = ident;
	log_max = max_level;
}

void log_set_file_fd(int fd)
{
	if (log_file_fd >= 0)
		close(log_file_fd);
	log_file_fd = fd;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t off;
	va_list ap;

	if (level > log_max)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	off = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	off += (size_t)snprintf(line + off, sizeof(line) - off, ".%03ldZ %s[%ld] %s: ",
				ts.tv_nsec / 1000000, log_ident, (long)getpid(),
				level_names[level]);
	if (off >= sizeof(line))
		off = sizeof(line) - 1;

	va_start(ap, fmt);
	errno = saved_errno; /* so that %m in fmt shows the caller's errno */
	int n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	off += (size_t)n;
	if (off > sizeof(line) - 2)
		off = sizeof(line) - 2;
	/* Never let a message (which may quote client bytes) split lines. */
	for (size_t i = 0; i < off; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[off++] = '\n';

	/* A log line that cannot be written is lost: there is nowhere to say so. */
	(void)write_all(STDERR_FILENO, line, off);
	if (log_file_fd >= 0)
		(void)write_all(log_file_fd, line, off);
	errno = saved_errno;
}
