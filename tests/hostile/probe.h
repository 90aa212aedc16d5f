/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.h - helpers for the hostile programs of tests/hostile/. Each
 * program tries one way out of the sandbox and exits 0 when every attempt
 * failed ("contained"), 1 with a line saying what got through ("ESCAPED").
 * Being killed by the seccomp filter (SIGSYS) also counts as contained;
 * the test tells the two apart. Built static: the sandbox root holds no
 * libraries.
 */
#ifndef RETRACE_PROBE_H
#define RETRACE_PROBE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int escaped_count;

/* The attempt "what" must have failed: r < 0 for syscalls. */
static inline void must_fail(long r, const char *what)
{
	if (r >= 0) {
		printf("ESCAPED: %s succeeded\n", what);
		escaped_count++;
	} else {
		printf("contained: %s: %s\n", what, strerror(errno));
	}
	fflush(stdout);
}

static inline void must_hold(int cond, const char *what)
{
	if (!cond) {
		printf("ESCAPED: %s\n", what);
		escaped_count++;
	} else {
		printf("contained: %s\n", what);
	}
	fflush(stdout);
}

static inline int probe_done(void)
{
	return escaped_count ? 1 : 0;
}

#endif
